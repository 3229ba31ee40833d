/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Speed and stride length for the Running Speed and Cadence service,
 * estimated from one stride of the analysis with population models scaled
 * by the wearer's height.  docs/gatt.md ("How speed and stride length are
 * estimated") says which models and how wrong they can be.  Pure C.
 */
#pragma once

#include <stdbool.h>

#include "analysis/events.h"

#define KN_RSC_LEG_PER_HEIGHT 0.53        /* trochanteric height / stature */
#define KN_RSC_CONTACT_PER_LEG 1.0        /* contact length / leg length, running */
#define KN_RSC_STEP_PER_HEIGHT 0.415      /* walking step length / stature */

struct kn_rsc_estimate {
    bool moving;                  /* false: still or unknown, speed 0 */
    bool running;
    double speed_mps;
    double cadence_spm;
    double stride_m;              /* NaN when not moving */
};

/* Returns 0, or -EINVAL for a height outside 0.5-2.5 m (nothing written). */
int kn_rsc_estimate_stride(double height_m, const struct kn_stride *stride,
                           struct kn_rsc_estimate *ret);
