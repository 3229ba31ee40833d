/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <math.h>
#include <stddef.h>

#include "analysis/frame.h"

static int check_vec(const double v[3], double limit)
{
    for (int i = 0; i < 3; i++)
        if (!isfinite(v[i]) || fabs(v[i]) > limit)
            return -EINVAL;
    return 0;
}

int kn_frame_check(const struct kn_frame *f, const char **ret_field)
{
    const char *bad = NULL;

    if (!isfinite(f->t_s))
        bad = "t_s";
    else if ((f->present & KN_HAS_FLEX) &&
             (!isfinite(f->knee_deg) || f->knee_deg < KN_LIMIT_KNEE_DEG_MIN ||
              f->knee_deg > KN_LIMIT_KNEE_DEG_MAX))
        bad = "knee_deg";
    else if ((f->present & KN_HAS_THIGH_ACCEL) && check_vec(f->thigh_accel, KN_LIMIT_ACCEL_MS2) < 0)
        bad = "thigh_accel";
    else if ((f->present & KN_HAS_THIGH_GYRO) && check_vec(f->thigh_gyro, KN_LIMIT_GYRO_RADS) < 0)
        bad = "thigh_gyro";
    else if ((f->present & KN_HAS_SHANK_ACCEL) && check_vec(f->shank_accel, KN_LIMIT_ACCEL_MS2) < 0)
        bad = "shank_accel";
    else if ((f->present & KN_HAS_SHANK_GYRO) && check_vec(f->shank_gyro, KN_LIMIT_GYRO_RADS) < 0)
        bad = "shank_gyro";
    else if (f->present & ~(uint32_t) KN_HAS_ALL)
        bad = "present";

    if (!bad)
        return 0;
    if (ret_field)
        *ret_field = bad;
    return -EINVAL;
}
