/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * One timestamped sample of the sleeve, as every driver delivers it and as
 * the analysis consumes it.
 *
 * Units and frames (docs/recording-format.md): angles in degrees, knee
 * flexion positive when bent, 0 straight, negative past straight;
 * accelerations in m/s^2 (specific force, reads +9.81 along y when the
 * segment is upright and still); angular velocities in rad/s.  Segment
 * frames: x anterior, y superior (along the segment), z to the body's
 * right (lateral on a right leg; a left-leg sleeve mirrors it).  A positive
 * rotation about z swings the segment's distal end forward.
 */
#pragma once

#include <stdint.h>

#define KN_STANDARD_GRAVITY 9.80665

enum kn_sensor_bits {
    KN_HAS_FLEX        = 1u << 0,
    KN_HAS_THIGH_ACCEL = 1u << 1,
    KN_HAS_THIGH_GYRO  = 1u << 2,
    KN_HAS_SHANK_ACCEL = 1u << 3,
    KN_HAS_SHANK_GYRO  = 1u << 4,
};

#define KN_HAS_THIGH_IMU (KN_HAS_THIGH_ACCEL | KN_HAS_THIGH_GYRO)
#define KN_HAS_SHANK_IMU (KN_HAS_SHANK_ACCEL | KN_HAS_SHANK_GYRO)
#define KN_HAS_ALL (KN_HAS_FLEX | KN_HAS_THIGH_IMU | KN_HAS_SHANK_IMU)

struct kn_frame {
    double t_s;               /* monotonic seconds, strictly increasing */
    uint32_t present;         /* enum kn_sensor_bits: which fields are valid */
    double knee_deg;          /* calibrated flexion sensor */
    double thigh_accel[3];    /* m/s^2 */
    double thigh_gyro[3];     /* rad/s */
    double shank_accel[3];    /* m/s^2 */
    double shank_gyro[3];     /* rad/s */
};

/* Plausibility limits for any sensor value from outside.  A value beyond
 * them is a broken sensor or a corrupt file, never a knee. */
#define KN_LIMIT_KNEE_DEG_MIN  (-60.0)
#define KN_LIMIT_KNEE_DEG_MAX  (200.0)
#define KN_LIMIT_ACCEL_MS2     (50.0 * KN_STANDARD_GRAVITY)
#define KN_LIMIT_GYRO_RADS     (50.0)

/* Returns 0 when every present field is finite and within the limits
 * above, else -EINVAL (and the offending field's name in *ret_field when
 * ret_field is not NULL). */
int kn_frame_check(const struct kn_frame *frame, const char **ret_field);
