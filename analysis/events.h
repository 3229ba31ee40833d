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

#define KN_ALERT_MESSAGE_MAX 160

struct kn_alert {
    enum kn_alert_kind kind;
    enum kn_severity severity;
    double t_s;               /* time of the sample that raised it */
    double value;             /* measured value, in the unit of the threshold */
    double threshold;
    const char *unit;         /* static string: "deg", "deg/s", "spm", "g", "score" */
    char message[KN_ALERT_MESSAGE_MAX];
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

/* Fills every metric of *s with NaN and the rest with zero. */
void kn_stride_clear(struct kn_stride *s);
