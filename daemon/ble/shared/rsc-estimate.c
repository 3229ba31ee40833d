/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <math.h>

#include "daemon/ble/shared/rsc-estimate.h"

static void still(const struct kn_stride *s, struct kn_rsc_estimate *ret)
{
    ret->moving = false;
    ret->running = false;
    ret->speed_mps = 0;
    ret->cadence_spm = isfinite(s->cadence_spm) && s->cadence_spm > 0 ? s->cadence_spm : 0;
    ret->stride_m = NAN;
}

int kn_rsc_estimate_stride(double height_m, const struct kn_stride *s,
                           struct kn_rsc_estimate *ret)
{
    double step_m, contact_m;

    if (!isfinite(height_m) || height_m < 0.5 || height_m > 2.5)
        return -EINVAL;

    switch (s->activity) {
    case KN_ACTIVITY_RUNNING:
        /* Hoyt 2000 / Weyand 2000: the body travels about one leg length
         * during a foot contact, so speed = contact length / contact time. */
        if (!isfinite(s->contact_s) || s->contact_s < 0.05 || s->contact_s > 1.0 ||
            !isfinite(s->stride_s) || s->stride_s <= 0) {
            still(s, ret);
            return 0;
        }
        contact_m = KN_RSC_CONTACT_PER_LEG * KN_RSC_LEG_PER_HEIGHT * height_m;
        ret->moving = true;
        ret->running = true;
        ret->speed_mps = contact_m / s->contact_s;
        ret->cadence_spm = s->cadence_spm;
        ret->stride_m = ret->speed_mps * s->stride_s;
        return 0;
    case KN_ACTIVITY_WALKING:
        if (!isfinite(s->cadence_spm) || s->cadence_spm <= 0) {
            still(s, ret);
            return 0;
        }
        step_m = KN_RSC_STEP_PER_HEIGHT * height_m;
        ret->moving = true;
        ret->running = false;
        ret->speed_mps = step_m * s->cadence_spm / 60.0;
        ret->cadence_spm = s->cadence_spm;
        ret->stride_m = 2 * step_m;
        return 0;
    case KN_ACTIVITY_UNKNOWN:
    case KN_ACTIVITY_STILL:
        still(s, ret);
        return 0;
    }
    still(s, ret);
    return 0;
}
