/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The knee's flexion axis in each IMU's own frame, from motion alone.
 *
 * A sleeve's IMUs are never mounted exactly with z on the flexion axis:
 * on a conical thigh, or a twisted sleeve, tens of degrees off.  For a
 * hinge, the angular velocity of thigh and shank differ only along the
 * hinge axis, so the parts perpendicular to it have the same size:
 *     |w_thigh x j_thigh| = |w_shank x j_shank|   at every instant
 * (Seel, Raisch, Schauer 2014, "IMU-based joint angle measurement for
 * gait analysis", Sensors 14:6891).  Solving that over a few seconds of
 * walking or running gives j_thigh and j_shank.  Pure computation.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

struct kn_joint_axis_fit {
    double thigh[3];          /* unit vectors, z component positive */
    double shank[3];
    double rms;               /* residual, rad/s */
    double rms_z;             /* the same with both axes on z (no misalignment) */
};

/* Fits the axes to n pairs of angular velocity vectors (rad/s), starting
 * from z.  Returns true when the fit converged to axes within 60 degrees
 * of z; false (ret untouched) otherwise. */
bool kn_joint_axis_fit(const double (*w_thigh)[3], const double (*w_shank)[3], size_t n,
                       struct kn_joint_axis_fit *ret);

/* The knee joint centre's position in each IMU's frame (m): the vectors
 * from each sensor to the point both segments rotate about.  The
 * accelerations of that point computed from either side have the same
 * size at every instant:
 *     |a_t + alpha_t x o_t + w_t x (w_t x o_t)| = |the same for the shank|
 * (Seel et al. 2014).  Fitted from n samples of specific force a,
 * angular velocity w and angular acceleration alpha of both IMUs,
 * starting from the nominal (o_thigh, o_shank).  Returns true when it
 * converged within max_m of the sensors. */
struct kn_joint_centre_fit {
    double thigh[3];
    double shank[3];
    double rms;               /* residual, m/s^2 */
    double rms_start;         /* the same at the nominal vectors */
};

struct kn_joint_sample {
    double at[3], wt[3], alt[3];
    double as[3], ws[3], als[3];
};

bool kn_joint_centre_fit(const struct kn_joint_sample *samples, size_t n, const double o_thigh[3],
                         const double o_shank[3], double max_m, struct kn_joint_centre_fit *ret);
