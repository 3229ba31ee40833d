/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Knee flexion from the thigh and shank IMUs: the knee-centre method.
 *
 * Each IMU's accelerometer is moved to the knee joint centre by removing
 * its own rotational acceleration about the joint (alpha x r and
 * omega x (omega x r), with the sensor's lever arm r).  Both then measure
 * the same vector — the knee centre's specific force — in their own
 * frames, so the angle between the two readings, in the plane
 * perpendicular to the flexion axis, is the knee angle whatever the hip
 * and the knee do: running's linear accelerations cancel.  The gyros'
 * difference along the flexion axis carries the fast motion; the
 * accelerometer angle corrects its drift through a complementary filter
 * with a bias-estimating integral term, trusted less when the knee centre
 * is near free fall (flight phase) or the two readings disagree.
 *
 * The flexion axis in each sensor frame starts on z (the nominal
 * mounting) and is then estimated from the motion (analysis/joint-axis.h),
 * so a sensor mounted askew on a conical thigh does not bend the angle.
 *
 * Angles here are raw (radians, no zero): the angle stage zeroes them.
 */
#pragma once

#include <stdbool.h>

#include "analysis/frame.h"

struct kn_imu_knee;

struct kn_imu_knee *kn_imu_knee_new(double thigh_lever_m, double shank_lever_m);
void kn_imu_knee_free(struct kn_imu_knee *k);
void kn_imu_knee_reset(struct kn_imu_knee *k);

/* Feeds a frame with both IMUs; dt since the previous (0 first, or after
 * a gap, when the filter restarts).  Returns true with the raw knee angle
 * and flexion rate (rad, rad/s) once the filter has started. */
bool kn_imu_knee_push(struct kn_imu_knee *k, const struct kn_frame *f, double dt,
                      double *ret_knee_rad, double *ret_rate_rads);

/* The half-width, in frames, of the window the accelerometers' opinion is
 * taken over at this frame interval (dt, seconds): ~5 ms, 1 to 15 frames;
 * 1 for a dt that is not positive.  Public for its test. */
unsigned kn_imu_knee_half_window(double dt);

/* A second opinion on the gyro-integrated angle: the accelerometers' own
 * knee angle minus the estimate, both smoothed alike over ~15 ms (so a
 * fast movement lags equally in both).  Noisy, but a gyro angle that ran
 * away in a twisting step shows as a large, lasting gap.  Radians; NaN
 * when the accelerometers cannot tell (flight phase, disagreeing
 * readings). */
double kn_imu_knee_disagreement(const struct kn_imu_knee *k);

/* The raw knee angle the accelerometers give for a still pose (gravity
 * only), with the current axes. */
double kn_imu_knee_static(const struct kn_imu_knee *k, const double thigh_accel[3],
                          const double shank_accel[3]);

/* Incremented each time the flexion axes are re-estimated: the raw angle
 * of a given pose may then change by a constant, which the caller's zero
 * must follow (see kn_imu_knee_static). */
unsigned kn_imu_knee_axes_version(const struct kn_imu_knee *k);
void kn_imu_knee_axes(const struct kn_imu_knee *k, double ret_thigh[3], double ret_shank[3]);

/* The shank's angular rate about its own anterior axis (perpendicular to
 * its flexion axis and its long axis): frontal-plane (varus/valgus)
 * motion, rad/s.  Measured about the estimated flexion axis, a shank
 * sensor worn rotated about the leg does not mistake the shank's forward
 * rotation over the foot for sideways motion. */
double kn_imu_knee_shank_frontal_rate(const struct kn_imu_knee *k, const double shank_gyro[3]);
