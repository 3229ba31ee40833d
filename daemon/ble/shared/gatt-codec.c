/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <math.h>
#include <string.h>

#include "analysis/params.h"
#include "daemon/ble/shared/gatt-codec.h"

#define S16_NA 0x8000
#define U16_NA 0xffff
#define U8_NA 0xff

/* ---- little-endian primitives ---- */

static void put_u16(uint8_t *p, uint16_t v)
{
    p[0] = v & 0xff;
    p[1] = v >> 8;
}

static void put_u24(uint8_t *p, uint32_t v)
{
    p[0] = v & 0xff;
    p[1] = (v >> 8) & 0xff;
    p[2] = (v >> 16) & 0xff;
}

static void put_u32(uint8_t *p, uint32_t v)
{
    put_u16(p, v & 0xffff);
    put_u16(p + 2, v >> 16);
}

static uint16_t get_u16(const uint8_t *p)
{
    return (uint16_t) (p[0] | (p[1] << 8));
}

static uint32_t get_u24(const uint8_t *p)
{
    return p[0] | ((uint32_t) p[1] << 8) | ((uint32_t) p[2] << 16);
}

static uint32_t get_u32(const uint8_t *p)
{
    return get_u16(p) | ((uint32_t) get_u16(p + 2) << 16);
}

/* ---- scaled fields ---- */

/* Saturating conversions: NaN gives the sentinel, everything else the
 * nearest representable value (never the sentinel). */
static double scaled(double v, double scale, double lo, double hi)
{
    return fmin(fmax(round(v * scale), lo), hi);
}

static uint16_t enc_s16(double v, double scale)
{
    return isnan(v) ? S16_NA : (uint16_t) (int16_t) scaled(v, scale, -32767, 32767);
}

static double dec_s16(uint16_t raw, double scale)
{
    if (raw == S16_NA)
        return NAN;
    return (int16_t) raw / scale;
}

static uint16_t enc_u16(double v, double scale)
{
    return isnan(v) ? U16_NA : (uint16_t) scaled(v, scale, 0, 65534);
}

static double dec_u16(uint16_t raw, double scale)
{
    if (raw == U16_NA)
        return NAN;
    return raw / scale;
}

static uint8_t enc_u8(double v, double scale)
{
    return isnan(v) ? U8_NA : (uint8_t) scaled(v, scale, 0, 254);
}

static double dec_u8(uint8_t raw, double scale)
{
    if (raw == U8_NA)
        return NAN;
    return raw / scale;
}

/* Plain (no sentinel) saturating unsigned conversion. */
static uint32_t sat_u(double v, double scale, uint32_t max)
{
    if (isnan(v) || v <= 0)
        return 0;
    return (uint32_t) scaled(v, scale, 0, max);
}

/* ---- helpers ---- */

int kn_gatt_read_slice(size_t len, uint16_t offset, size_t *ret_start)
{
    if (offset > len)
        return -EINVAL;
    *ret_start = offset;
    return (int) (len - offset);
}

bool kn_gatt_utf8_valid(const uint8_t *s, size_t len)
{
    size_t i = 0;

    while (i < len) {
        uint8_t c = s[i];
        uint32_t cp;
        size_t n;

        if (c == 0)
            return false;
        if (c < 0x80) {
            i++;
            continue;
        }
        if (c >= 0xc2 && c <= 0xdf) {
            n = 1;
            cp = c & 0x1f;
        } else if (c >= 0xe0 && c <= 0xef) {
            n = 2;
            cp = c & 0x0f;
        } else if (c >= 0xf0 && c <= 0xf4) {
            n = 3;
            cp = c & 0x07;
        } else {
            return false;
        }
        if (len - i - 1 < n)
            return false;
        for (size_t k = 1; k <= n; k++) {
            if ((s[i + k] & 0xc0) != 0x80)
                return false;
            cp = (cp << 6) | (s[i + k] & 0x3f);
        }
        if ((n == 2 && cp < 0x800) || (n == 3 && cp < 0x10000) || cp > 0x10ffff ||
            (cp >= 0xd800 && cp <= 0xdfff))
            return false;
        i += n + 1;
    }
    return true;
}

size_t kn_gatt_utf8_truncate(const uint8_t *s, size_t len, size_t max)
{
    if (len <= max)
        return len;
    /* Back off over continuation bytes to the start of a character. */
    while (max > 0 && (s[max] & 0xc0) == 0x80)
        max--;
    return max;
}

/* ---- Live Metrics ---- */

void kn_gatt_live_clear(struct kn_gatt_live *v)
{
    memset(v, 0, sizeof(*v));
    v->activity = KN_ACTIVITY_UNKNOWN;
    v->knee_deg = NAN;
    v->ic_flex_deg = NAN;
    v->stance_peak_flex_deg = NAN;
    v->swing_peak_flex_deg = NAN;
    v->rom_deg = NAN;
    v->contact_s = NAN;
    v->impact_g = NAN;
    v->min_flex_deg = NAN;
    v->stride_s = NAN;
    v->stride_cv_pct = NAN;
    v->knee_speed_dps = NAN;
    v->baseline_rom_deg = NAN;
    v->zero_offset_deg = NAN;
    v->t_s = NAN;
}

enum kn_gatt_live_form kn_gatt_live_form_for_mtu(uint16_t mtu)
{
    /* A Read Response carries MTU - 1 bytes. */
    if (mtu == 0 || mtu - 1 >= KN_GATT_LIVE_EXTENDED_LEN)
        return KN_GATT_LIVE_EXTENDED;
    return KN_GATT_LIVE_COMPACT;
}

static uint8_t activity_bits(enum kn_activity a)
{
    switch (a) {
    case KN_ACTIVITY_UNKNOWN:
        return 0;
    case KN_ACTIVITY_STILL:
        return 1;
    case KN_ACTIVITY_WALKING:
        return 2;
    case KN_ACTIVITY_RUNNING:
        return 3;
    }
    return 0;
}

int kn_gatt_live_pack(const struct kn_gatt_live *v, enum kn_gatt_live_form form,
                      uint8_t *buf, size_t size)
{
    size_t len = form == KN_GATT_LIVE_EXTENDED ? KN_GATT_LIVE_EXTENDED_LEN
                                                : KN_GATT_LIVE_COMPACT_LEN;
    bool stride = v->has_stride;
    uint8_t flags = 0;

    if (size < len)
        return -ENOBUFS;
    if (!isnan(v->knee_deg))
        flags |= 0x01;
    if (v->in_stance)
        flags |= 0x02;
    flags |= activity_bits(v->activity) << 2;
    if (stride)
        flags |= 0x10;
    if (v->session_active)
        flags |= 0x20;
    if (v->calibrating)
        flags |= 0x40;

    buf[0] = KN_GATT_VERSION;
    buf[1] = flags;
    put_u16(buf + 2, enc_s16(v->knee_deg, 10));
    put_u16(buf + 4, (uint16_t) sat_u(v->cadence_spm, 10, 65535));
    put_u24(buf + 6, v->strides > 0xffffff ? 0xffffff : v->strides);
    put_u16(buf + 9, enc_s16(stride ? v->ic_flex_deg : NAN, 10));
    put_u16(buf + 11, enc_s16(stride ? v->stance_peak_flex_deg : NAN, 10));
    put_u16(buf + 13, enc_s16(stride ? v->swing_peak_flex_deg : NAN, 10));
    put_u16(buf + 15, enc_u16(stride ? v->rom_deg : NAN, 10));
    put_u16(buf + 17, enc_u16(stride ? v->contact_s : NAN, 1000));
    buf[19] = enc_u8(stride ? v->impact_g : NAN, 10);
    if (form == KN_GATT_LIVE_COMPACT)
        return (int) len;

    put_u16(buf + 20, enc_s16(stride ? v->min_flex_deg : NAN, 10));
    put_u16(buf + 22, enc_u16(stride ? v->stride_s : NAN, 1000));
    put_u16(buf + 24, enc_u16(stride ? v->stride_cv_pct : NAN, 10));
    put_u16(buf + 26, enc_s16(v->knee_speed_dps, 1));
    put_u16(buf + 28, enc_u16(v->baseline_rom_deg, 10));
    put_u16(buf + 30, enc_s16(v->zero_offset_deg, 10));
    /* Wraps, as documented: the phone only needs it for ordering. */
    put_u32(buf + 32, isnan(v->t_s) || v->t_s < 0 ? 0 :
                      (uint32_t) fmod(round(v->t_s * 1000), 4294967296.0));
    return (int) len;
}

int kn_gatt_live_unpack(const uint8_t *buf, size_t len, struct kn_gatt_live *ret)
{
    uint8_t flags;

    if (len < 1)
        return -EMSGSIZE;
    if (buf[0] != KN_GATT_VERSION)
        return -EPROTONOSUPPORT;
    if (len < KN_GATT_LIVE_COMPACT_LEN)
        return -EMSGSIZE;

    kn_gatt_live_clear(ret);
    flags = buf[1];
    ret->in_stance = flags & 0x02;
    ret->activity = (enum kn_activity) ((flags >> 2) & 0x03);
    ret->has_stride = flags & 0x10;
    ret->session_active = flags & 0x20;
    ret->calibrating = flags & 0x40;
    ret->knee_deg = dec_s16(get_u16(buf + 2), 10);
    if (!(flags & 0x01))
        ret->knee_deg = NAN;
    ret->cadence_spm = get_u16(buf + 4) / 10.0;
    ret->strides = get_u24(buf + 6);
    ret->ic_flex_deg = dec_s16(get_u16(buf + 9), 10);
    ret->stance_peak_flex_deg = dec_s16(get_u16(buf + 11), 10);
    ret->swing_peak_flex_deg = dec_s16(get_u16(buf + 13), 10);
    ret->rom_deg = dec_u16(get_u16(buf + 15), 10);
    ret->contact_s = dec_u16(get_u16(buf + 17), 1000);
    ret->impact_g = dec_u8(buf[19], 10);
    if (len < KN_GATT_LIVE_EXTENDED_LEN)
        return KN_GATT_LIVE_COMPACT_LEN;

    ret->min_flex_deg = dec_s16(get_u16(buf + 20), 10);
    ret->stride_s = dec_u16(get_u16(buf + 22), 1000);
    ret->stride_cv_pct = dec_u16(get_u16(buf + 24), 10);
    ret->knee_speed_dps = dec_s16(get_u16(buf + 26), 1);
    ret->baseline_rom_deg = dec_u16(get_u16(buf + 28), 10);
    ret->zero_offset_deg = dec_s16(get_u16(buf + 30), 10);
    ret->t_s = get_u32(buf + 32) / 1000.0;
    return KN_GATT_LIVE_EXTENDED_LEN;
}

/* ---- Alerts ---- */

/* The unit and message bytes are the analysis' enums as they are. */
_Static_assert(KN_UNIT_DEG == 1 && KN_UNIT_DPS == 2 && KN_UNIT_SPM == 3 && KN_UNIT_G == 4 &&
               KN_UNIT_SCORE == 5 && KN_UNIT_STRIDES == 6 && KN_UNIT_S == 7,
               "docs/gatt.md numbers the units");
_Static_assert(KN_MSG_COUNT <= 0xff, "a message code is one byte");

void kn_gatt_split_time(double t_s, uint32_t *ret_s, uint16_t *ret_ms)
{
    double ms;

    if (isnan(t_s) || t_s <= 0) {
        *ret_s = 0;
        *ret_ms = 0;
        return;
    }
    if (t_s >= 4294967295.0) {
        *ret_s = 4294967295u;
        *ret_ms = 999;
        return;
    }
    ms = round(t_s * 1000);
    *ret_s = (uint32_t) floor(ms / 1000);
    *ret_ms = (uint16_t) (ms - *ret_s * 1000.0);
}

int kn_gatt_alert_pack(const struct kn_gatt_alert *a, uint8_t *buf, size_t size)
{
    if (size < KN_GATT_ALERT_LEN)
        return -ENOBUFS;
    buf[0] = KN_GATT_VERSION;
    buf[1] = (a->wall_clock ? 0x01 : 0) | (a->late ? 0x02 : 0);
    put_u16(buf + 2, a->seq);
    buf[4] = a->kind;
    buf[5] = a->severity;
    buf[6] = a->unit;
    put_u32(buf + 7, a->time_s);
    put_u16(buf + 11, a->time_ms > 999 ? 999 : a->time_ms);
    put_u16(buf + 13, enc_s16(a->value, 10));
    put_u16(buf + 15, enc_s16(a->threshold, 10));
    buf[17] = a->message;
    put_u16(buf + 18, enc_s16(a->arg, 10));
    return KN_GATT_ALERT_LEN;
}

int kn_gatt_alert_unpack(const uint8_t *buf, size_t len, struct kn_gatt_alert *ret)
{
    if (len < 1)
        return -EMSGSIZE;
    if (buf[0] != KN_GATT_VERSION)
        return -EPROTONOSUPPORT;
    if (len < KN_GATT_ALERT_MIN_LEN)
        return -EMSGSIZE;
    ret->wall_clock = buf[1] & 0x01;
    ret->late = buf[1] & 0x02;
    ret->seq = get_u16(buf + 2);
    ret->kind = buf[4];
    ret->severity = buf[5];
    ret->unit = buf[6];
    ret->time_s = get_u32(buf + 7);
    ret->time_ms = get_u16(buf + 11);
    ret->value = dec_s16(get_u16(buf + 13), 10);
    ret->threshold = dec_s16(get_u16(buf + 15), 10);
    ret->message = 0;
    ret->arg = NAN;
    if (ret->time_ms > 999)
        return -ERANGE;
    if (len < KN_GATT_ALERT_LEN)
        return KN_GATT_ALERT_MIN_LEN;
    ret->message = buf[17];
    ret->arg = dec_s16(get_u16(buf + 18), 10);
    return KN_GATT_ALERT_LEN;
}

/* ---- Control Point ---- */

static int32_t get_s32(const uint8_t *p)
{
    return (int32_t) get_u32(p);
}

/* The parameter's value in milli-units, saturated to s32 without its
 * sentinel. */
static uint32_t enc_milli(double v)
{
    double r;

    if (isnan(v))
        return 0x80000000u;
    r = round(v * 1000);
    if (r > 2147483647.0)
        r = 2147483647.0;
    if (r < -2147483647.0)
        r = -2147483647.0;
    return (uint32_t) (int32_t) r;
}

static int parse_threshold(const uint8_t *p, size_t n, bool with_value,
                           struct kn_cp_request *ret)
{
    const struct kn_param_info *info;
    int32_t raw;

    if (n != (with_value ? 5u : 1u))
        return KN_CP_INVALID_PARAMETER;
    info = kn_params_info((enum kn_param_id) p[0]);
    if (!info)
        return KN_CP_INVALID_PARAMETER;
    ret->u.threshold.id = p[0];
    ret->u.threshold.value = NAN;
    if (!with_value)
        return KN_CP_SUCCESS;
    raw = get_s32(p + 1);
    if (raw == INT32_MIN)
        return KN_CP_INVALID_PARAMETER;
    ret->u.threshold.value = raw / 1000.0;
    if (kn_params_check(info, ret->u.threshold.value) < 0)
        return KN_CP_INVALID_PARAMETER;
    return KN_CP_SUCCESS;
}

int kn_cp_request_parse(const uint8_t *buf, size_t len, struct kn_cp_request *ret)
{
    const uint8_t *p;
    size_t n;

    memset(ret, 0, sizeof(*ret));
    if (len == 0 || len > KN_CP_MAX_LEN)
        return -EMSGSIZE;
    ret->opcode = buf[0];
    p = buf + 1;
    n = len - 1;

    switch ((enum kn_cp_opcode) buf[0]) {
    case KN_CP_START_SESSION:
    case KN_CP_STOP_SESSION:
    case KN_CP_CALIBRATE:
    case KN_CP_STOP_COACHING:
        return n == 0 ? KN_CP_SUCCESS : KN_CP_INVALID_PARAMETER;
    case KN_CP_SET_THRESHOLD:
        return parse_threshold(p, n, true, ret);
    case KN_CP_GET_THRESHOLD:
        return parse_threshold(p, n, false, ret);
    case KN_CP_SET_TIME:
        if (n != 6)
            return KN_CP_INVALID_PARAMETER;
        ret->u.time.unix_s = get_u32(p);
        ret->u.time.ms = get_u16(p + 4);
        if (ret->u.time.unix_s < KN_CP_TIME_MIN_UNIX || ret->u.time.ms > 999)
            return KN_CP_INVALID_PARAMETER;
        return KN_CP_SUCCESS;
    case KN_CP_IDENTIFY:
        if (n == 0) {
            ret->u.identify.duration_ms = KN_CP_IDENTIFY_DEFAULT_DS * 100;
            return KN_CP_SUCCESS;
        }
        if (n != 1 || p[0] < 1 || p[0] > 50)
            return KN_CP_INVALID_PARAMETER;
        ret->u.identify.duration_ms = p[0] * 100u;
        return KN_CP_SUCCESS;
    case KN_CP_START_COACHING:
        if (n != 2)
            return KN_CP_INVALID_PARAMETER;
        ret->u.coaching.target_spm = get_u16(p) / 10.0;
        if (ret->u.coaching.target_spm < KN_CP_COACHING_MIN_SPM ||
            ret->u.coaching.target_spm > KN_CP_COACHING_MAX_SPM)
            return KN_CP_INVALID_PARAMETER;
        return KN_CP_SUCCESS;
    case KN_CP_GET_PAIN_MARK:
        if (n > 1)
            return KN_CP_INVALID_PARAMETER;
        ret->u.pain_mark.index = n ? p[0] : 0;
        return KN_CP_SUCCESS;
    }
    return KN_CP_OPCODE_NOT_SUPPORTED;
}

int kn_cp_request_pack(const struct kn_cp_request *r, uint8_t *buf, size_t size)
{
    size_t len = 1;

    if (size < 1)
        return -ENOBUFS;
    switch ((enum kn_cp_opcode) r->opcode) {
    case KN_CP_START_SESSION:
    case KN_CP_STOP_SESSION:
    case KN_CP_CALIBRATE:
    case KN_CP_STOP_COACHING:
        break;
    case KN_CP_SET_THRESHOLD:
        len = 6;
        break;
    case KN_CP_GET_THRESHOLD:
        len = 2;
        break;
    case KN_CP_SET_TIME:
        len = 7;
        break;
    case KN_CP_IDENTIFY:
        len = 2;
        break;
    case KN_CP_START_COACHING:
        len = 3;
        break;
    case KN_CP_GET_PAIN_MARK:
        len = 2;
        break;
    }
    if (size < len)
        return -ENOBUFS;
    buf[0] = r->opcode;
    switch ((enum kn_cp_opcode) r->opcode) {
    case KN_CP_START_SESSION:
    case KN_CP_STOP_SESSION:
    case KN_CP_CALIBRATE:
    case KN_CP_STOP_COACHING:
        break;
    case KN_CP_SET_THRESHOLD:
        buf[1] = r->u.threshold.id;
        put_u32(buf + 2, enc_milli(r->u.threshold.value));
        break;
    case KN_CP_GET_THRESHOLD:
        buf[1] = r->u.threshold.id;
        break;
    case KN_CP_SET_TIME:
        put_u32(buf + 1, r->u.time.unix_s);
        put_u16(buf + 5, r->u.time.ms);
        break;
    case KN_CP_IDENTIFY:
        buf[1] = (uint8_t) sat_u(r->u.identify.duration_ms, 0.01, 255);
        break;
    case KN_CP_START_COACHING:
        put_u16(buf + 1, (uint16_t) sat_u(r->u.coaching.target_spm, 10, 65535));
        break;
    case KN_CP_GET_PAIN_MARK:
        buf[1] = r->u.pain_mark.index;
        break;
    }
    return (int) len;
}

int kn_cp_response_pack(const struct kn_cp_response *r, uint8_t *buf, size_t size)
{
    size_t len = 3;
    bool ok = r->result == KN_CP_SUCCESS;

    if (ok && r->opcode == KN_CP_CALIBRATE)
        len = 7;
    else if (ok && r->opcode == KN_CP_GET_THRESHOLD)
        len = 8;
    else if (ok && r->opcode == KN_CP_GET_PAIN_MARK)
        len = 14;
    if (size < len)
        return -ENOBUFS;
    buf[0] = KN_CP_RESPONSE_CODE;
    buf[1] = r->opcode;
    buf[2] = r->result;
    if (len == 7) {
        put_u16(buf + 3, enc_s16(r->u.calibrate.offset_deg, 10));
        put_u16(buf + 5, enc_s16(r->u.calibrate.residual_deg, 10));
    } else if (len == 8) {
        buf[3] = r->u.threshold.id;
        put_u32(buf + 4, enc_milli(r->u.threshold.value));
    } else if (len == 14) {
        put_u32(buf + 3, r->u.pain_mark.id);
        put_u32(buf + 7, r->u.pain_mark.unix_s);
        put_u16(buf + 11, r->u.pain_mark.ms);
        buf[13] = r->u.pain_mark.waiting > 255 ? 255 : (uint8_t) r->u.pain_mark.waiting;
    }
    return (int) len;
}

int kn_cp_response_unpack(const uint8_t *buf, size_t len, struct kn_cp_response *ret)
{
    memset(ret, 0, sizeof(*ret));
    if (len < 3 || buf[0] != KN_CP_RESPONSE_CODE)
        return -EMSGSIZE;
    ret->opcode = buf[1];
    ret->result = buf[2];
    if (ret->result != KN_CP_SUCCESS)
        return 3;
    if (ret->opcode == KN_CP_CALIBRATE) {
        if (len < 7)
            return -EMSGSIZE;
        ret->u.calibrate.offset_deg = dec_s16(get_u16(buf + 3), 10);
        ret->u.calibrate.residual_deg = dec_s16(get_u16(buf + 5), 10);
        return 7;
    }
    if (ret->opcode == KN_CP_GET_THRESHOLD) {
        if (len < 8)
            return -EMSGSIZE;
        ret->u.threshold.id = buf[3];
        ret->u.threshold.value = get_s32(buf + 4) == INT32_MIN ? NAN
                                 : get_s32(buf + 4) / 1000.0;
        return 8;
    }
    if (ret->opcode == KN_CP_GET_PAIN_MARK) {
        if (len < 14)
            return -EMSGSIZE;
        ret->u.pain_mark.id = get_u32(buf + 3);
        ret->u.pain_mark.unix_s = get_u32(buf + 7);
        ret->u.pain_mark.ms = get_u16(buf + 11);
        ret->u.pain_mark.waiting = buf[13];
        return 14;
    }
    return 3;
}

/* ---- Pain Report ---- */

int kn_gatt_pain_parse(const uint8_t *buf, size_t len, struct kn_gatt_pain *ret)
{
    size_t at = 1, note_len;

    memset(ret, 0, sizeof(*ret));
    if (len < 1 || len > KN_GATT_PAIN_MAX_LEN)
        return -EMSGSIZE;
    if (buf[0] == KN_GATT_PAIN_MARK_VERSION) {
        if (len < KN_GATT_PAIN_MARK_MIN_LEN)
            return -EMSGSIZE;
        ret->mark_id = get_u32(buf + 1);
        if (ret->mark_id == 0)
            return -ERANGE;
        at = 5;
    } else if (buf[0] != KN_GATT_VERSION) {
        return len < KN_GATT_PAIN_MIN_LEN ? -EMSGSIZE : -EPROTONOSUPPORT;
    } else if (len < KN_GATT_PAIN_MIN_LEN) {
        return -EMSGSIZE;
    }
    if (buf[at] > 10 || buf[at + 1] > KN_GATT_PAIN_BACK || buf[at + 2] > KN_GATT_PAIN_AFTER) {
        ret->mark_id = 0;
        return -ERANGE;
    }
    note_len = len - (at + 3);
    if (!kn_gatt_utf8_valid(buf + at + 3, note_len)) {
        ret->mark_id = 0;
        return -ERANGE;
    }
    ret->score = buf[at];
    ret->location = (enum kn_gatt_pain_location) buf[at + 1];
    ret->timing = (enum kn_gatt_pain_timing) buf[at + 2];
    memcpy(ret->note, buf + at + 3, note_len);
    ret->note[note_len] = '\0';
    return (int) len;
}

int kn_gatt_pain_pack(const struct kn_gatt_pain *p, uint8_t *buf, size_t size)
{
    size_t at = p->mark_id ? 5 : 1;
    size_t note_len = strnlen(p->note, p->mark_id ? KN_GATT_PAIN_MARK_NOTE_MAX
                                                  : KN_GATT_PAIN_NOTE_MAX);
    size_t len = at + 3 + note_len;

    if (size < len)
        return -ENOBUFS;
    buf[0] = p->mark_id ? KN_GATT_PAIN_MARK_VERSION : KN_GATT_VERSION;
    if (p->mark_id)
        put_u32(buf + 1, p->mark_id);
    buf[at] = p->score;
    buf[at + 1] = (uint8_t) p->location;
    buf[at + 2] = (uint8_t) p->timing;
    memcpy(buf + at + 3, p->note, note_len);
    return (int) len;
}

const char *kn_gatt_pain_location_to_string(enum kn_gatt_pain_location l)
{
    switch (l) {
    case KN_GATT_PAIN_FRONT:
        return "front";
    case KN_GATT_PAIN_OUTSIDE:
        return "outside";
    case KN_GATT_PAIN_INSIDE:
        return "inside";
    case KN_GATT_PAIN_BACK:
        return "back";
    }
    return "unknown";
}

const char *kn_gatt_pain_timing_to_string(enum kn_gatt_pain_timing t)
{
    switch (t) {
    case KN_GATT_PAIN_START:
        return "start";
    case KN_GATT_PAIN_DURING:
        return "during";
    case KN_GATT_PAIN_AFTER:
        return "after";
    }
    return "unknown";
}

/* ---- Status ---- */

static uint8_t enc_pct(int pct)
{
    if (pct < 0)
        return U8_NA;
    return pct > 100 ? 100 : (uint8_t) pct;
}

int kn_gatt_status_pack(const struct kn_gatt_status *s, uint8_t *buf, size_t size)
{
    if (size < KN_GATT_STATUS_LEN)
        return -ENOBUFS;
    buf[0] = KN_GATT_VERSION;
    buf[1] = s->state;
    buf[2] = s->source;
    buf[3] = s->sensors_present & 0x1f;
    buf[4] = s->sensors_failed & 0x1f;
    buf[5] = enc_pct(s->battery_pct);
    buf[6] = (s->session_active ? 0x01 : 0) | (s->coaching ? 0x02 : 0) |
             (s->clock_set ? 0x04 : 0) | (s->pairing_window ? 0x08 : 0) |
             (s->charging ? 0x10 : 0) | (s->storage_present ? 0x20 : 0);
    buf[7] = enc_pct(s->storage_pct);
    put_u16(buf + 8, s->error_bits);
    put_u16(buf + 10, s->alerts_dropped > 65535 ? 65535 : (uint16_t) s->alerts_dropped);
    buf[12] = s->alerts_queued > 255 ? 255 : (uint8_t) s->alerts_queued;
    buf[13] = s->side;
    buf[14] = s->pain_marks > 255 ? 255 : (uint8_t) s->pain_marks;
    return KN_GATT_STATUS_LEN;
}

int kn_gatt_status_unpack(const uint8_t *buf, size_t len, struct kn_gatt_status *ret)
{
    if (len < 1)
        return -EMSGSIZE;
    if (buf[0] != KN_GATT_VERSION)
        return -EPROTONOSUPPORT;
    if (len < KN_GATT_STATUS_LEN_V1_0)
        return -EMSGSIZE;
    memset(ret, 0, sizeof(*ret));
    ret->state = buf[1];
    ret->source = buf[2];
    ret->sensors_present = buf[3];
    ret->sensors_failed = buf[4];
    ret->battery_pct = buf[5] == U8_NA ? -1 : buf[5];
    ret->session_active = buf[6] & 0x01;
    ret->coaching = buf[6] & 0x02;
    ret->clock_set = buf[6] & 0x04;
    ret->pairing_window = buf[6] & 0x08;
    ret->charging = buf[6] & 0x10;
    ret->storage_present = buf[6] & 0x20;
    ret->storage_pct = buf[7] == U8_NA ? -1 : buf[7];
    ret->error_bits = get_u16(buf + 8);
    ret->alerts_dropped = get_u16(buf + 10);
    ret->alerts_queued = buf[12];
    ret->side = buf[13];
    if (len < KN_GATT_STATUS_LEN)
        return KN_GATT_STATUS_LEN_V1_0;
    ret->pain_marks = buf[14];
    return KN_GATT_STATUS_LEN;
}

/* ---- Running Speed and Cadence ---- */

int kn_rsc_measurement_pack(const struct kn_rsc_measurement *m, uint8_t *buf, size_t size)
{
    bool stride = !isnan(m->stride_m);
    bool total = !isnan(m->total_m);
    size_t len = 4 + (stride ? 2 : 0) + (total ? 4 : 0);
    size_t at = 4;

    if (size < len)
        return -ENOBUFS;
    buf[0] = (stride ? KN_RSC_FLAG_STRIDE : 0) | (total ? KN_RSC_FLAG_DISTANCE : 0) |
             (m->running ? KN_RSC_FLAG_RUNNING : 0);
    put_u16(buf + 1, (uint16_t) sat_u(m->speed_mps, 256, 65535));
    buf[3] = (uint8_t) sat_u(m->cadence_spm, 1, 255);
    if (stride) {
        put_u16(buf + at, (uint16_t) sat_u(m->stride_m, 100, 65535));
        at += 2;
    }
    if (total)
        put_u32(buf + at, sat_u(m->total_m, 10, 0xffffffffu));
    return (int) len;
}

int kn_rsc_measurement_unpack(const uint8_t *buf, size_t len, struct kn_rsc_measurement *ret)
{
    size_t need, at = 4;

    if (len < 4)
        return -EMSGSIZE;
    need = 4 + (buf[0] & KN_RSC_FLAG_STRIDE ? 2 : 0) + (buf[0] & KN_RSC_FLAG_DISTANCE ? 4 : 0);
    if (len < need)
        return -EMSGSIZE;
    ret->running = buf[0] & KN_RSC_FLAG_RUNNING;
    ret->speed_mps = get_u16(buf + 1) / 256.0;
    ret->cadence_spm = buf[3];
    ret->stride_m = NAN;
    ret->total_m = NAN;
    if (buf[0] & KN_RSC_FLAG_STRIDE) {
        ret->stride_m = get_u16(buf + at) / 100.0;
        at += 2;
    }
    if (buf[0] & KN_RSC_FLAG_DISTANCE)
        ret->total_m = get_u32(buf + at) / 10.0;
    return (int) need;
}

int kn_rsc_feature_pack(uint16_t features, uint8_t *buf, size_t size)
{
    if (size < 2)
        return -ENOBUFS;
    put_u16(buf, features);
    return 2;
}

int kn_sc_request_parse(const uint8_t *buf, size_t len, uint8_t *ret_opcode,
                        uint32_t *ret_total_dm)
{
    if (len == 0 || len > KN_SC_MAX_LEN)
        return -EMSGSIZE;
    *ret_opcode = buf[0];
    if (buf[0] != KN_SC_SET_CUMULATIVE)
        return KN_CP_OPCODE_NOT_SUPPORTED;
    if (len != 5)
        return KN_CP_INVALID_PARAMETER;
    *ret_total_dm = get_u32(buf + 1);
    return KN_CP_SUCCESS;
}

int kn_sc_response_pack(uint8_t opcode, uint8_t result, uint8_t *buf, size_t size)
{
    if (size < 3)
        return -ENOBUFS;
    buf[0] = KN_SC_RESPONSE_CODE;
    buf[1] = opcode;
    buf[2] = result;
    return 3;
}

/* ---- Battery ---- */

int kn_battery_level_pack(int percent, uint8_t *buf, size_t size)
{
    if (size < 1)
        return -ENOBUFS;
    buf[0] = percent < 0 ? 0 : percent > 100 ? 100 : (uint8_t) percent;
    return 1;
}
