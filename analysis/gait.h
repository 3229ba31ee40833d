/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Gait events of the sleeve's leg: initial contact (IC) and toe-off (TO),
 * online, from the best signal present:
 *
 * 1. shank gyroscope (sagittal rate): every swing is a large positive
 *    peak (mid-swing); IC is the first minimum after it has crossed zero
 *    (the heel-strike / impact dip; refined by the accelerometer's impact
 *    when there is one); TO is the minimum before the next swing.
 * 2. shank accelerometer only (a sleeve whose gyro failed): impacts are
 *    peaks of |a|.  Both feet's impacts reach the shank; steps are labelled
 *    alternately (correcting for missed ones from their spacing) and the
 *    label whose impacts are larger is this leg.  IC is the impact's
 *    onset; TO the minimum of the anterior acceleration late in stance
 *    (the shank's forward lean), when the mounting is known.
 * 3. knee angle only (flex sensor sleeve): swing is the large flexion
 *    peak; IC is the end of terminal-swing extension; TO the minimum
 *    between stance and swing flexion.
 *
 * Events come out a little after they happen (the detector must see what
 * follows them); each carries its own time.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "analysis/frame.h"

enum kn_gait_event_type {
    KN_GAIT_IC = 0,
    KN_GAIT_TO,
    KN_GAIT_STOP,             /* no swing for a while: the wearer stopped */
};

enum kn_gait_method {
    KN_GAIT_NONE = 0,
    KN_GAIT_GYRO,
    KN_GAIT_ACCEL,
    KN_GAIT_KNEE,
};

struct kn_gait_event {
    enum kn_gait_event_type type;
    enum kn_gait_method method;
    double t_s;               /* when it happened */
    double peak;              /* IC: impact |a| in g (NaN without accel) */
};

#define KN_GAIT_MAX_EVENTS 8

struct kn_gait;

struct kn_gait *kn_gait_new(void);
void kn_gait_free(struct kn_gait *g);
void kn_gait_reset(struct kn_gait *g);

/* knee_deg: the angle stage's estimate (NaN when none).  Returns the
 * number of events written to out (at most KN_GAIT_MAX_EVENTS), in time
 * order. */
size_t kn_gait_push(struct kn_gait *g, const struct kn_frame *f, double knee_deg,
                    struct kn_gait_event *out);

enum kn_gait_method kn_gait_method(const struct kn_gait *g);

/* Recent stride period (s) as the detector sees it, or NaN. */
double kn_gait_stride_period(const struct kn_gait *g);
