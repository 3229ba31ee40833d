/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Knee flexion angle from whatever the sleeve has:
 *
 * - flex sensor: calibrated already; only its zero moves (sleeve slip).
 * - two IMUs: the knee-centre method with estimated flexion axes
 *   (analysis/imu-knee.h); docs/accuracy.md has its measured accuracy.
 * - both: the flex sensor's dynamics with the IMUs' absolute zero (the
 *   offset between them is low-passed), so a slipping sleeve is corrected.
 *
 * Zero: an explicit calibration (standing straight) or, until one is
 * made, quiet standing with the segments upright: a standing knee reading
 * beyond ±5 degrees is taken as a sensor offset and removed.
 */
#pragma once

#include <stdbool.h>

#include "analysis/frame.h"

enum kn_angle_source {
    KN_ANGLE_NONE = 0,
    KN_ANGLE_FLEX,
    KN_ANGLE_IMU,
    KN_ANGLE_FUSED,
};

struct kn_angle_out {
    double knee_deg;          /* best estimate; NaN when there is none */
    double rate_dps;          /* flexion speed, positive when bending */
    double imu_knee_deg;      /* IMU-only estimate, zeroed; NaN without both IMUs */
    double flex_deg;          /* flex sensor, zeroed; NaN without it */
    enum kn_angle_source source;
    double check_gap_deg;     /* how far an independent opinion disagrees with
                                 knee_deg now: the IMUs' accelerometers against
                                 the gyro estimate (imu-knee.h); 0 with a flex
                                 sensor (it measures the bend); NaN when none */
    double frontal_rads;      /* the shank's frontal-plane rate (imu-knee.h); its
                                 gyro's x without the thigh IMU; NaN without
                                 a shank gyro */
    bool still;               /* the leg has been still for >= 1 s */
    double still_s;           /* for how long */
    bool upright;             /* still, with thigh and shank near vertical (IMUs), or flex near 0 */
};

struct kn_angle_params {
    double thigh_lever_m;     /* knee centre to thigh IMU along the thigh */
    double shank_lever_m;     /* knee centre to shank IMU along the shank */
};

void kn_angle_params_init(struct kn_angle_params *p);

struct kn_angle;

struct kn_angle *kn_angle_new(const struct kn_angle_params *p);
void kn_angle_free(struct kn_angle *a);
void kn_angle_reset(struct kn_angle *a);

/* dt: seconds since the previous frame (0 for the first). */
void kn_angle_push(struct kn_angle *a, const struct kn_frame *f, double dt,
                   struct kn_angle_out *out);

/* Sets the zero so that the knee reads 0 now (the caller checked the leg
 * is straight and still).  Returns the correction applied, in degrees. */
double kn_angle_calibrate(struct kn_angle *a);

/* Moves the flex sensor's zero by delta degrees (drift seen by the stride
 * logic when there is no IMU reference). */
void kn_angle_shift_flex_zero(struct kn_angle *a, double delta_deg);

/* How long the leg has been still, in seconds. */
double kn_angle_still_s(const struct kn_angle *a);

/* The current correction between raw sensor and published angle. */
double kn_angle_zero_offset(const struct kn_angle *a);
