/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Lower-limb geometry from optical markers, for `kneectl convert
 * mocap-vicon`: hip joint centre, sagittal segment angles, segment frames
 * and the angular velocity of a moving frame, and gait events from the
 * heel and toe markers.  Pure C (no GLib, no I/O); positions in any one
 * length unit, vectors as double[3] in the laboratory frame.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

double kn_vec_dot(const double a[3], const double b[3]);
void kn_vec_cross(const double a[3], const double b[3], double ret[3]);
double kn_vec_norm(const double a[3]);
/* Returns -EDOM (and leaves ret alone) for a zero vector. */
int kn_vec_unit(const double a[3], double ret[3]);

/* The pelvis: origin at the ASIS midpoint, z from the left to the right
 * ASIS, x anterior (the part of ASIS midpoint - sacrum perpendicular to
 * z), y = z cross x superior.  sacrum is the PSIS midpoint, or a single
 * PSIS: its lateral offset drops out of x and of the depth. */
struct kn_pelvis {
    double origin[3];
    double x[3], y[3], z[3];
    double width;                 /* inter-ASIS distance */
    double depth;                 /* ASIS midpoint to sacrum, along x */
};

/* -EDOM when the markers are degenerate (coincident, collinear). */
int kn_pelvis_from_markers(const double lasi[3], const double rasi[3], const double sacrum[3],
                           struct kn_pelvis *ret);

/* Hip joint centre by Harrington et al. (2007), the equations from pelvic
 * width PW and depth PD alone (millimetres, pelvis frame):
 *   x = -0.24 PD - 9.9,  y = -0.30 PW - 10.9,  z = +-(0.33 PW + 7.3)
 * side_sign +1 for the right hip, -1 for the left.  Positions must be in
 * millimetres (the constants are). */
void kn_hjc_harrington(const struct kn_pelvis *p, int side_sign, double ret[3]);

/* Sagittal angle (degrees) of a segment whose long axis, from distal to
 * proximal end, is `along`: 0 when vertical, positive when the distal end
 * is forward of the proximal one (a positive rotation about the body's
 * right axis).  fwd and up are unit vectors of the sagittal plane. */
double kn_sagittal_angle_deg(const double along[3], const double fwd[3], const double up[3]);

/* Frontal angle (degrees) of the same long axis: 0 when vertical,
 * positive when its proximal end leans to the body's right (a positive
 * rotation about the anterior axis). */
double kn_frontal_angle_deg(const double along[3], const double right[3], const double up[3]);

/* Segment frame as the sleeve's IMU sees it: y along the segment (unit of
 * `along`, distal to proximal), z the body's right made perpendicular to
 * y, x = y cross z (anterior, in the plane of `right`'s normal).  Rows of
 * ret are the x, y, z axes in laboratory coordinates.  -EDOM when `along`
 * is zero or parallel to `right`. */
int kn_segment_frame(const double along[3], const double right[3], double ret[3][3]);

/* Angular velocity of a moving frame at the middle of three samples dt
 * apart, from the frames before and after (central difference of the
 * axes, omega = 1/2 sum e_i x de_i/dt), in the frame's own axes (what a
 * gyroscope fixed to it reads), rad per unit of time of dt. */
void kn_frame_angular_velocity(const double before[3][3], const double now[3][3],
                               const double after[3][3], double dt, double ret[3]);

/* Local maxima of x[0..n-1] (a plateau counts once, at its start) that
 * are the largest value within +-half_window samples, exceed `min_value`,
 * and have allowed[i] set (allowed may be NULL).  Writes at most max_out
 * indices in increasing order to out; returns how many were found. */
size_t kn_find_maxima(const double *x, size_t n, const bool *allowed, size_t half_window,
                      double min_value, size_t *out, size_t max_out);

/* Label checks.  Auto-labelling sometimes swaps Plug-in-Gait markers for
 * a whole trial (left for right, front for back, toe for heel).  These
 * functions decide the roles from the geometry instead: each track is n
 * frames of x, y, z (NAN when missing), vertical +z, and averages run
 * over the frames in which every marker involved exists.
 *
 * Pelvis: tracks in the order LASI, RASI, LPSI, RPSI as labelled.
 * ret_order[role] = which labelled track plays that role, among the four
 * symmetries of the marker rectangle; the one kept makes the ASIS pair
 * wider than the PSIS pair and the pelvis's superior axis (z cross x)
 * point up.  Returns 0, -ENODATA (no frame with all four), -EBADMSG
 * (no symmetry fits). */
int kn_mocap_pelvis_roles(const double *const track[4], size_t n, int ret_order[4]);

/* Legs: pelvis tracks in role order (LASI, RASI, LPSI, RPSI; one PSIS may
 * be missing in a frame), and four leg tracks labelled (R upper, L upper,
 * R lower, L lower): KNE/ANK when upper_by_height, TOE/HEE otherwise.
 * The two tracks furthest to the right of the pelvis are the right leg's;
 * of a pair, the upper is the higher one (KNE over ANK) or the one
 * further forward (TOE ahead of HEE).  ret_order as above.  Returns 0 or
 * -ENODATA. */
int kn_mocap_leg_roles(const double *const pelvis[4], const double *const track[4], size_t n,
                       bool upper_by_height, int ret_order[4]);
