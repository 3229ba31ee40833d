/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * What the analysis reports: one record per stride, and alerts.
 * Every metric is a double; NaN means "not measurable with the sensors
 * present" (for example flexion metrics on a shank-accelerometer-only
 * sleeve) and is published as null / absent.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

enum kn_alert_kind {
    KN_ALERT_HYPEREXTENSION = 0,
    KN_ALERT_INSTABILITY,
    KN_ALERT_RANGE_LOSS,
    KN_ALERT_LOCKING,
    KN_ALERT_LOW_CADENCE,
    KN_ALERT_OVERSTRIDE,
    KN_ALERT_HIGH_IMPACT,
    KN_ALERT_PAIN,            /* raised by a pain report above 7/10, not by the analysis */
    KN_ALERT_KIND_COUNT
};

enum kn_severity {
    KN_SEVERITY_INFO = 0,     /* advice */
    KN_SEVERITY_WARNING,
    KN_SEVERITY_CRITICAL,     /* red flag: stop and get the knee looked at */
    KN_SEVERITY_COUNT
};

/* Units of an alert's numbers.  The values are those of the GATT Alerts
 * characteristic's unit byte (docs/gatt.md): never renumber. */
enum kn_unit {
    KN_UNIT_NONE = 0,
    KN_UNIT_DEG = 1,
    KN_UNIT_DPS = 2,          /* degrees per second */
    KN_UNIT_SPM = 3,          /* steps per minute */
    KN_UNIT_G = 4,
    KN_UNIT_SCORE = 5,        /* pain, 0-10 */
    KN_UNIT_STRIDES = 6,
    KN_UNIT_S = 7,
    KN_UNIT_COUNT
};

/* What an alert tells the wearer, as a code: the analysis makes no text,
 * the programs that face a person render it (analysis/alert-text.h, in
 * English; a phone app in its own language from the GATT value).  Each
 * code says which numbers its sentence uses: the alert's value and
 * threshold, and `arg`.  Sent as numbers over D-Bus and BLE: never
 * renumber, only append. */
enum kn_alert_message {
    KN_MSG_NONE = 0,
    KN_MSG_HYPEREXTENSION = 1,  /* value: depth past straight (deg); arg: speed into it (deg/s) */
    KN_MSG_BUCKLING = 2,        /* value: stance flexion beyond the usual (deg) */
    KN_MSG_WOBBLE = 3,          /* value: frontal-plane excursion beyond the usual (deg) */
    KN_MSG_RANGE_LOSS = 4,      /* value: range lost (deg); arg: the part lost in bending
                                   (deg; the rest, value - arg, in straightening) */
    KN_MSG_LOCKING = 5,         /* value: short of the usual extension (deg); arg: strides */
    KN_MSG_LOW_CADENCE = 6,     /* value: cadence, threshold (spm); arg: a cadence to aim for */
    KN_MSG_OVERSTRIDE = 7,      /* value: knee flexion at initial contact (deg) */
    KN_MSG_HIGH_IMPACT = 8,     /* value: shank impact (g) */
    KN_MSG_SEVERE_PAIN = 9,     /* value: the reported score */
    KN_MSG_COUNT
};

struct kn_alert {
    enum kn_alert_kind kind;
    enum kn_severity severity;
    double t_s;               /* time of the sample that raised it */
    double value;             /* measured value, in `unit` */
    double threshold;         /* in `unit` */
    enum kn_unit unit;
    enum kn_alert_message message;
    double arg;               /* the message's other number (enum kn_alert_message), NaN none */
};

enum kn_activity {
    KN_ACTIVITY_UNKNOWN = 0,  /* not enough data yet */
    KN_ACTIVITY_STILL,
    KN_ACTIVITY_WALKING,
    KN_ACTIVITY_RUNNING,
};

struct kn_stride {
    uint32_t index;           /* 1-based count in the session */
    double t_s;               /* the initial contact that closes this stride */
    double start_s;           /* the initial contact that opened it */
    double stride_s;
    double cadence_spm;       /* steps/min: one sleeve sees one leg, 2 steps a stride */
    double contact_s;         /* ground contact (stance) time */
    double ic_flex_deg;       /* knee flexion at the opening initial contact */
    double stance_peak_flex_deg;
    double swing_peak_flex_deg;
    double min_flex_deg;      /* most extended angle of the stride */
    double rom_deg;           /* max - min over the stride */
    double impact_g;          /* peak shank acceleration magnitude at impact */
    double stride_cv_pct;     /* stride-time coefficient of variation, recent strides */
    enum kn_activity activity;
};

const char *kn_alert_kind_to_string(enum kn_alert_kind kind);
/* Returns 0 or -EINVAL. */
int kn_alert_kind_from_string(const char *s, enum kn_alert_kind *ret_kind);
const char *kn_severity_to_string(enum kn_severity severity);
int kn_severity_from_string(const char *s, enum kn_severity *ret_severity);
const char *kn_activity_to_string(enum kn_activity activity);
/* "deg", "deg/s", "spm", "g", "score", "strides", "s"; "" for none. */
const char *kn_unit_to_string(enum kn_unit unit);
/* The inverse; -EINVAL for anything else ("" is KN_UNIT_NONE). */
int kn_unit_from_string(const char *s, enum kn_unit *ret_unit);

/* Fills every metric of *s with NaN and the rest with zero. */
void kn_stride_clear(struct kn_stride *s);
