/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* PLACEHOLDER pipeline: passes the flex sensor through; the real stages
 * land with issue 2. */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/analysis.h"

struct kn_analysis {
    struct kn_params params;
    kn_stride_fn on_stride;
    kn_alert_fn on_alert;
    void *user_data;
    struct kn_live live;
    double first_t;
    uint32_t frames;
};

struct kn_analysis *kn_analysis_new(const struct kn_params *params)
{
    struct kn_analysis *a = calloc(1, sizeof(*a));

    if (!a)
        return NULL;
    if (params) {
        if (kn_params_validate(params, NULL) < 0) {
            free(a);
            return NULL;
        }
        a->params = *params;
    } else {
        kn_params_init(&a->params);
    }
    kn_analysis_reset(a);
    return a;
}

void kn_analysis_free(struct kn_analysis *a)
{
    free(a);
}

void kn_analysis_reset(struct kn_analysis *a)
{
    memset(&a->live, 0, sizeof(a->live));
    a->live.knee_deg = NAN;
    a->live.baseline_rom_deg = NAN;
    kn_stride_clear(&a->live.last_stride);
    a->frames = 0;
}

void kn_analysis_set_callbacks(struct kn_analysis *a, kn_stride_fn on_stride,
                               kn_alert_fn on_alert, void *user_data)
{
    a->on_stride = on_stride;
    a->on_alert = on_alert;
    a->user_data = user_data;
}

int kn_analysis_push(struct kn_analysis *a, const struct kn_frame *f)
{
    if (kn_frame_check(f, NULL) < 0)
        return -EINVAL;
    if (a->frames > 0 && !(f->t_s > a->live.t_s))
        return -EINVAL;
    if (a->frames == 0)
        a->first_t = f->t_s;
    a->frames++;
    a->live.t_s = f->t_s;
    a->live.sensors = f->present;
    a->live.knee_deg = (f->present & KN_HAS_FLEX) ? f->knee_deg : NAN;
    return 0;
}

int kn_analysis_set_params(struct kn_analysis *a, const struct kn_params *params)
{
    if (kn_params_validate(params, NULL) < 0)
        return -EINVAL;
    a->params = *params;
    return 0;
}

const struct kn_params *kn_analysis_get_params(const struct kn_analysis *a)
{
    return &a->params;
}

const struct kn_live *kn_analysis_live(const struct kn_analysis *a)
{
    return &a->live;
}

int kn_analysis_calibrate(struct kn_analysis *a, struct kn_calibration *ret)
{
    return -ENODATA;
}

void kn_analysis_summary(const struct kn_analysis *a, struct kn_summary *ret)
{
    memset(ret, 0, sizeof(*ret));
    ret->frames = a->frames;
    ret->duration_s = a->frames ? a->live.t_s - a->first_t : 0;
}
