/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Tunable parameters of the analysis: the side of the sleeve and the
 * thresholds of every detector.  One table describes each parameter (key,
 * unit, range, default, what it means) so the configuration file, the
 * D-Bus API, the GATT control point and the docs all validate and name
 * parameters the same way.  docs/detectors.md justifies the defaults.
 *
 * Parameter ids (enum kn_param_id) are part of the GATT protocol: never
 * renumber, only append.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

enum kn_side {
    KN_SIDE_RIGHT = 0,
    KN_SIDE_LEFT = 1,
};

enum kn_param_id {
    KN_PARAM_HYPEREXT_DEG = 0,
    KN_PARAM_HYPEREXT_SPEED_DPS,
    KN_PARAM_HYPEREXT_CRITICAL_DEG,
    KN_PARAM_HYPEREXT_CRITICAL_SPEED_DPS,
    KN_PARAM_HYPEREXT_REFRACTORY_S,
    KN_PARAM_COLLAPSE_DEG,
    KN_PARAM_COLLAPSE_SPEED_DPS,
    KN_PARAM_FRONTAL_DEG,
    KN_PARAM_INSTABILITY_REFRACTORY_S,
    KN_PARAM_RANGE_LOSS_DEG,
    KN_PARAM_RANGE_LOSS_CRITICAL_DEG,
    KN_PARAM_RANGE_LOSS_WINDOW_STRIDES,
    KN_PARAM_RANGE_LOSS_BASELINE_STRIDES,
    KN_PARAM_RANGE_LOSS_CADENCE_BAND_SPM,
    KN_PARAM_RANGE_LOSS_REFRACTORY_S,
    KN_PARAM_LOCKING_DEG,
    KN_PARAM_LOCKING_STRIDES,
    KN_PARAM_LOCKING_REFRACTORY_S,
    KN_PARAM_LOW_CADENCE_SPM,
    KN_PARAM_OVERSTRIDE_IC_FLEX_DEG,
    KN_PARAM_HIGH_IMPACT_G,
    KN_PARAM_ADVICE_WINDOW_STRIDES,
    KN_PARAM_ADVICE_REFRACTORY_S,
    KN_PARAM_RUNNING_MIN_CADENCE_SPM,
    KN_PARAM_HYPEREXT_WALKING_MARGIN_DEG,
    KN_PARAM_COUNT
};

struct kn_params {
    enum kn_side side;
    double v[KN_PARAM_COUNT];
};

enum kn_param_kind {
    KN_PARAM_REAL,
    KN_PARAM_INTEGER,
};

struct kn_param_info {
    enum kn_param_id id;
    const char *key;          /* "hyperextension.angle_deg": section.name */
    const char *unit;         /* "deg", "deg/s", "spm", "g", "s", "strides" */
    enum kn_param_kind kind;
    double min;
    double max;
    double def;
    const char *summary;      /* one line, for --help, docs and D-Bus */
};

/* Fills *p with the defaults. */
void kn_params_init(struct kn_params *p);

/* The table, in id order; *ret_n receives KN_PARAM_COUNT. */
const struct kn_param_info *kn_params_table(size_t *ret_n);

/* NULL when the id or key is unknown. */
const struct kn_param_info *kn_params_info(enum kn_param_id id);
const struct kn_param_info *kn_params_lookup(const char *key);

/* Checks value against the parameter's range and kind.
 * Returns 0, -ENOENT (unknown key), -ERANGE (out of range or not an
 * integer where one is needed).  *p is unchanged on error. */
int kn_params_check(const struct kn_param_info *info, double value);
int kn_params_set(struct kn_params *p, const char *key, double value);

/* Checks the relations between parameters (a critical threshold beyond
 * its warning threshold, ...).  Returns 0 or -EINVAL and, when not NULL,
 * the key of the first offending parameter in *ret_key. */
int kn_params_validate(const struct kn_params *p, const char **ret_key);

static inline double kn_params_get(const struct kn_params *p, enum kn_param_id id)
{
    return p->v[id];
}

const char *kn_side_to_string(enum kn_side side);
/* Returns 0 or -EINVAL. */
int kn_side_from_string(const char *s, enum kn_side *ret_side);
