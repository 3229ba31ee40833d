/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <math.h>
#include <string.h>

#include "analysis/events.h"

static const char *const kind_names[KN_ALERT_KIND_COUNT] = {
    [KN_ALERT_HYPEREXTENSION] = "hyperextension",
    [KN_ALERT_INSTABILITY] = "instability",
    [KN_ALERT_RANGE_LOSS] = "range_loss",
    [KN_ALERT_LOCKING] = "locking",
    [KN_ALERT_LOW_CADENCE] = "low_cadence",
    [KN_ALERT_OVERSTRIDE] = "overstride",
    [KN_ALERT_HIGH_IMPACT] = "high_impact",
    [KN_ALERT_PAIN] = "pain",
};

static const char *const unit_names[KN_UNIT_COUNT] = {
    [KN_UNIT_NONE] = "",
    [KN_UNIT_DEG] = "deg",
    [KN_UNIT_DPS] = "deg/s",
    [KN_UNIT_SPM] = "spm",
    [KN_UNIT_G] = "g",
    [KN_UNIT_SCORE] = "score",
    [KN_UNIT_STRIDES] = "strides",
    [KN_UNIT_S] = "s",
};

static const char *const severity_names[KN_SEVERITY_COUNT] = {
    [KN_SEVERITY_INFO] = "info",
    [KN_SEVERITY_WARNING] = "warning",
    [KN_SEVERITY_CRITICAL] = "critical",
};

const char *kn_alert_kind_to_string(enum kn_alert_kind kind)
{
    if ((unsigned) kind >= KN_ALERT_KIND_COUNT)
        return "unknown";
    return kind_names[kind];
}

int kn_alert_kind_from_string(const char *s, enum kn_alert_kind *ret_kind)
{
    for (unsigned i = 0; s && i < KN_ALERT_KIND_COUNT; i++) {
        if (strcmp(s, kind_names[i]) == 0) {
            *ret_kind = (enum kn_alert_kind) i;
            return 0;
        }
    }
    return -EINVAL;
}

const char *kn_severity_to_string(enum kn_severity severity)
{
    if ((unsigned) severity >= KN_SEVERITY_COUNT)
        return "unknown";
    return severity_names[severity];
}

int kn_severity_from_string(const char *s, enum kn_severity *ret_severity)
{
    for (unsigned i = 0; s && i < KN_SEVERITY_COUNT; i++) {
        if (strcmp(s, severity_names[i]) == 0) {
            *ret_severity = (enum kn_severity) i;
            return 0;
        }
    }
    return -EINVAL;
}

const char *kn_unit_to_string(enum kn_unit unit)
{
    if ((unsigned) unit >= KN_UNIT_COUNT)
        return "";
    return unit_names[unit];
}

int kn_unit_from_string(const char *s, enum kn_unit *ret_unit)
{
    for (unsigned i = 0; s && i < KN_UNIT_COUNT; i++) {
        if (strcmp(s, unit_names[i]) == 0) {
            *ret_unit = (enum kn_unit) i;
            return 0;
        }
    }
    return -EINVAL;
}

const char *kn_activity_to_string(enum kn_activity activity)
{
    switch (activity) {
    case KN_ACTIVITY_UNKNOWN:
        return "unknown";
    case KN_ACTIVITY_STILL:
        return "still";
    case KN_ACTIVITY_WALKING:
        return "walking";
    case KN_ACTIVITY_RUNNING:
        return "running";
    }
    return "unknown";
}

void kn_stride_clear(struct kn_stride *s)
{
    memset(s, 0, sizeof(*s));
    s->t_s = NAN;
    s->start_s = NAN;
    s->stride_s = NAN;
    s->cadence_spm = NAN;
    s->contact_s = NAN;
    s->ic_flex_deg = NAN;
    s->stance_peak_flex_deg = NAN;
    s->swing_peak_flex_deg = NAN;
    s->min_flex_deg = NAN;
    s->rom_deg = NAN;
    s->impact_g = NAN;
    s->stride_cv_pct = NAN;
    s->activity = KN_ACTIVITY_UNKNOWN;
}
