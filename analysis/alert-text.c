/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "analysis/alert-text.h"

/* snprintf cut the sentence at size - 1 bytes: drop a last character it
 * cut in half, so that the text never ends in half a "°". */
static void cut_utf8(char *buf, size_t size, int n)
{
    size_t len, start;
    unsigned char lead;
    size_t need;

    if (n < 0 || (size_t) n < size)
        return;
    len = size - 1;
    for (start = len; start > 0 && ((unsigned char) buf[start - 1] & 0xc0) == 0x80; start--)
        ;
    if (start == 0)
        return;
    lead = (unsigned char) buf[start - 1];
    need = lead >= 0xf0 ? 4 : lead >= 0xe0 ? 3 : lead >= 0xc0 ? 2 : 1;
    if (len - (start - 1) < need)
        buf[start - 1] = '\0';
}

const char *kn_alert_text(const struct kn_alert *a, char *buf, size_t size)
{
    double v = a->value, thr = a->threshold, arg = a->arg;
    int n = 0;

    if (size == 0)
        return buf;
    buf[0] = '\0';
    switch (a->message) {
    case KN_MSG_NONE:
    case KN_MSG_COUNT:
        break;
    case KN_MSG_HYPEREXTENSION:
        n = snprintf(buf, size, "Knee snapped %.0f° past straight at %.0f°/s. Slow down; if it "
                     "hurts, swells or feels loose, stop and have it checked.", v, arg);
        break;
    case KN_MSG_BUCKLING:
        n = snprintf(buf, size, "Knee buckled while loaded: %.0f° more bend than your usual "
                     "stance. Walk for a bit; if it gives way again, stop and have it checked.", v);
        break;
    case KN_MSG_WOBBLE:
        n = snprintf(buf, size, "Knee wobbled sideways while loaded (%.0f° beyond your usual). "
                     "Slow down; if it feels unstable, stop.", v);
        break;
    case KN_MSG_RANGE_LOSS:
        n = snprintf(buf, size, "Knee range is %.0f° below the start of this run at the same "
                     "cadence (bend -%.0f°, straightening -%.0f°), as happens with swelling. Ease "
                     "off; ice and rest after.", v, arg, v - arg);
        break;
    case KN_MSG_LOCKING:
        n = snprintf(buf, size, "Knee has not straightened for %.0f strides (%.0f° short). Stop "
                     "and try to straighten it gently; if it stays stuck, have it checked.", arg, v);
        break;
    case KN_MSG_LOW_CADENCE:
        /* truncated: 159.6 read as "160" would contradict the advice */
        n = snprintf(buf, size, "Cadence %.0f steps/min, under %.0f. Quicker, shorter steps ease "
                     "the knee: try about %.0f (+5-10%%), built up over a few weeks.",
                     floor(v), thr, arg);
        break;
    case KN_MSG_OVERSTRIDE:
        n = snprintf(buf, size, "Landing on a nearly straight knee (%.0f°): overstriding loads "
                     "the knee. Land with the foot closer under you.", v);
        break;
    case KN_MSG_HIGH_IMPACT:
        n = snprintf(buf, size, "Hard landings (%.1f g at the shin). Softer, quieter steps reduce "
                     "the load on the knee.", v);
        break;
    case KN_MSG_SEVERE_PAIN:
        n = snprintf(buf, size, "Severe pain (%.0f/10) reported: stop and rest; if it persists, "
                     "have the knee checked by a professional.", v);
        break;
    }
    cut_utf8(buf, size, n);
    return buf;
}

const char *kn_alert_message_to_string(enum kn_alert_message message)
{
    switch (message) {
    case KN_MSG_HYPEREXTENSION:
        return "hyperextension";
    case KN_MSG_BUCKLING:
        return "buckling";
    case KN_MSG_WOBBLE:
        return "wobble";
    case KN_MSG_RANGE_LOSS:
        return "range_loss";
    case KN_MSG_LOCKING:
        return "locking";
    case KN_MSG_LOW_CADENCE:
        return "low_cadence";
    case KN_MSG_OVERSTRIDE:
        return "overstride";
    case KN_MSG_HIGH_IMPACT:
        return "high_impact";
    case KN_MSG_SEVERE_PAIN:
        return "severe_pain";
    case KN_MSG_NONE:
    case KN_MSG_COUNT:
        break;
    }
    return "none";
}
