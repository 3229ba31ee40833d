/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <math.h>
#include <string.h>

#include "analysis/params.h"

/* Defaults and their reasons: docs/detectors.md. */
static const struct kn_param_info table[KN_PARAM_COUNT] = {
    { KN_PARAM_HYPEREXT_DEG, "hyperextension.angle_deg", "deg", KN_PARAM_REAL, 1, 30, 5,
      "alert when the knee goes this far past straight" },
    { KN_PARAM_HYPEREXT_SPEED_DPS, "hyperextension.speed_dps", "deg/s", KN_PARAM_REAL, 0, 2000, 100,
      "... and was extending at least this fast on the way" },
    { KN_PARAM_HYPEREXT_CRITICAL_DEG, "hyperextension.critical_angle_deg", "deg", KN_PARAM_REAL, 1, 60, 10,
      "critical at this depth past straight" },
    { KN_PARAM_HYPEREXT_CRITICAL_SPEED_DPS, "hyperextension.critical_speed_dps", "deg/s", KN_PARAM_REAL, 0, 3000, 400,
      "critical at this extension speed" },
    { KN_PARAM_HYPEREXT_REFRACTORY_S, "hyperextension.refractory_s", "s", KN_PARAM_REAL, 0, 3600, 1,
      "quiet time after an episode before another alert" },
    { KN_PARAM_COLLAPSE_DEG, "instability.collapse_deg", "deg", KN_PARAM_REAL, 5, 90, 15,
      "stance flexion beyond the wearer's usual stance peak that counts as giving way" },
    { KN_PARAM_COLLAPSE_SPEED_DPS, "instability.collapse_speed_dps", "deg/s", KN_PARAM_REAL, 0, 3000, 150,
      "... reached at least this fast" },
    { KN_PARAM_FRONTAL_DEG, "instability.frontal_deg", "deg", KN_PARAM_REAL, 2, 60, 10,
      "frontal-plane (varus/valgus) shank excursion in one stance beyond the usual" },
    { KN_PARAM_INSTABILITY_REFRACTORY_S, "instability.refractory_s", "s", KN_PARAM_REAL, 0, 3600, 5,
      "quiet time after an episode before another alert" },
    { KN_PARAM_RANGE_LOSS_DEG, "range_loss.loss_deg", "deg", KN_PARAM_REAL, 3, 90, 10,
      "sustained loss of peak flexion plus terminal extension against the baseline" },
    { KN_PARAM_RANGE_LOSS_CRITICAL_DEG, "range_loss.critical_loss_deg", "deg", KN_PARAM_REAL, 3, 120, 20,
      "critical at this loss" },
    { KN_PARAM_RANGE_LOSS_WINDOW_STRIDES, "range_loss.window_strides", "strides", KN_PARAM_INTEGER, 5, 500, 20,
      "strides in the rolling median compared with the baseline" },
    { KN_PARAM_RANGE_LOSS_BASELINE_STRIDES, "range_loss.baseline_strides", "strides", KN_PARAM_INTEGER, 5, 500, 30,
      "strides that make the session baseline" },
    { KN_PARAM_RANGE_LOSS_CADENCE_BAND_SPM, "range_loss.cadence_band_spm", "spm", KN_PARAM_REAL, 2, 60, 10,
      "only strides within this cadence of the baseline are compared" },
    { KN_PARAM_RANGE_LOSS_REFRACTORY_S, "range_loss.refractory_s", "s", KN_PARAM_REAL, 0, 86400, 120,
      "quiet time after an episode before another alert" },
    { KN_PARAM_LOCKING_DEG, "locking.deficit_deg", "deg", KN_PARAM_REAL, 3, 90, 12,
      "extension deficit against the baseline that counts as not straightening" },
    { KN_PARAM_LOCKING_STRIDES, "locking.strides", "strides", KN_PARAM_INTEGER, 2, 100, 3,
      "strides in a row short of straight before the alert" },
    { KN_PARAM_LOCKING_REFRACTORY_S, "locking.refractory_s", "s", KN_PARAM_REAL, 0, 86400, 30,
      "quiet time after an episode before another alert" },
    { KN_PARAM_LOW_CADENCE_SPM, "advice.low_cadence_spm", "spm", KN_PARAM_REAL, 60, 240, 160,
      "advise a quicker step when running below this cadence" },
    { KN_PARAM_OVERSTRIDE_IC_FLEX_DEG, "advice.overstride_ic_flex_deg", "deg", KN_PARAM_REAL, -10, 40, 8,
      "advise against overstriding when running lands with less knee flexion than this" },
    { KN_PARAM_HIGH_IMPACT_G, "advice.high_impact_g", "g", KN_PARAM_REAL, 2, 100, 12,
      "advise softer landings above this shank impact" },
    { KN_PARAM_ADVICE_WINDOW_STRIDES, "advice.window_strides", "strides", KN_PARAM_INTEGER, 3, 500, 20,
      "strides in the rolling median behind each advice" },
    { KN_PARAM_ADVICE_REFRACTORY_S, "advice.refractory_s", "s", KN_PARAM_REAL, 0, 86400, 600,
      "quiet time after an advice before the same advice again" },
    { KN_PARAM_RUNNING_MIN_CADENCE_SPM, "gait.running_min_cadence_spm", "spm", KN_PARAM_REAL, 100, 220, 140,
      "strides at or above this cadence count as running" },
    { KN_PARAM_HYPEREXT_WALKING_MARGIN_DEG, "hyperextension.walking_margin_deg", "deg", KN_PARAM_REAL, 0, 30, 3,
      "extra depth allowed while walking, where heel strike passes through full extension" },
};

void kn_params_init(struct kn_params *p)
{
    p->side = KN_SIDE_RIGHT;
    for (size_t i = 0; i < KN_PARAM_COUNT; i++)
        p->v[i] = table[i].def;
}

const struct kn_param_info *kn_params_table(size_t *ret_n)
{
    if (ret_n)
        *ret_n = KN_PARAM_COUNT;
    return table;
}

const struct kn_param_info *kn_params_info(enum kn_param_id id)
{
    if ((unsigned) id >= KN_PARAM_COUNT)
        return NULL;
    return &table[id];
}

const struct kn_param_info *kn_params_lookup(const char *key)
{
    if (!key)
        return NULL;
    for (size_t i = 0; i < KN_PARAM_COUNT; i++)
        if (strcmp(table[i].key, key) == 0)
            return &table[i];
    return NULL;
}

int kn_params_check(const struct kn_param_info *info, double value)
{
    if (!info)
        return -ENOENT;
    if (!isfinite(value) || value < info->min || value > info->max)
        return -ERANGE;
    if (info->kind == KN_PARAM_INTEGER && value != floor(value))
        return -ERANGE;
    return 0;
}

int kn_params_set(struct kn_params *p, const char *key, double value)
{
    const struct kn_param_info *info = kn_params_lookup(key);
    int r;

    if (!info)
        return -ENOENT;
    r = kn_params_check(info, value);
    if (r < 0)
        return r;
    p->v[info->id] = value;
    return 0;
}

int kn_params_validate(const struct kn_params *p, const char **ret_key)
{
    static const struct { enum kn_param_id lower, upper; } ordered[] = {
        { KN_PARAM_HYPEREXT_DEG, KN_PARAM_HYPEREXT_CRITICAL_DEG },
        { KN_PARAM_RANGE_LOSS_DEG, KN_PARAM_RANGE_LOSS_CRITICAL_DEG },
    };
    const char *bad = NULL;

    if (p->side != KN_SIDE_RIGHT && p->side != KN_SIDE_LEFT)
        bad = "side";
    for (size_t i = 0; !bad && i < KN_PARAM_COUNT; i++)
        if (kn_params_check(&table[i], p->v[i]) < 0)
            bad = table[i].key;
    for (size_t i = 0; !bad && i < sizeof(ordered) / sizeof(ordered[0]); i++)
        if (p->v[ordered[i].upper] < p->v[ordered[i].lower])
            bad = table[ordered[i].upper].key;
    if (!bad)
        return 0;
    if (ret_key)
        *ret_key = bad;
    return -EINVAL;
}

const char *kn_side_to_string(enum kn_side side)
{
    switch (side) {
    case KN_SIDE_RIGHT:
        return "right";
    case KN_SIDE_LEFT:
        return "left";
    }
    return "unknown";
}

int kn_side_from_string(const char *s, enum kn_side *ret_side)
{
    if (s && strcmp(s, "right") == 0)
        *ret_side = KN_SIDE_RIGHT;
    else if (s && strcmp(s, "left") == 0)
        *ret_side = KN_SIDE_LEFT;
    else
        return -EINVAL;
    return 0;
}
