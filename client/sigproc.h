/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Offline signal processing for `kneectl convert`: a zero-phase
 * Butterworth low-pass for marker trajectories and the filling of short
 * gaps.  Pure C (no GLib, no I/O); every function works on whole arrays,
 * which is what an offline, non-causal filter needs.  Returns 0 or a
 * negative errno.
 */
#pragma once

#include <stddef.h>

/* y[n] = b0 x[n] + b1 x[n-1] + b2 x[n-2] - a1 y[n-1] - a2 y[n-2] */
struct kn_biquad {
    double b0, b1, b2;
    double a1, a2;
};

/* Second-order Butterworth low-pass with its -3 dB point at fc_hz
 * (bilinear transform with pre-warping).  -EINVAL unless
 * 0 < fc_hz < fs_hz / 2. */
int kn_butter2_lowpass(double fc_hz, double fs_hz, struct kn_biquad *ret);

/* Runs the section forward over x[0..n-1] into out (x and out may be the
 * same array), starting in the steady state of the straight line through
 * x[0] and x[1], so that a constant passes unchanged and a straight line
 * comes out delayed by the section's DC group delay, without a start
 * transient.  The section's DC gain must be 1 (a low-pass). */
void kn_biquad_run(const struct kn_biquad *q, const double *x, size_t n, double *out);

/* Zero-phase low-pass of fourth order: a second-order Butterworth section
 * run forward and backward, its cut-off raised by Winter's correction
 * (1 / 0.802, on the pre-warped frequency) so that the combined response
 * is exactly -3 dB at fc_hz: gain 1 / (1 + (tan(pi f/fs) / K)^4) with
 * K = tan(pi fc/fs) / 0.802.  The signal is extended
 * at both ends by odd reflection (2 x[0] - x[k]) over min(n - 1, pad)
 * samples so that the start and end carry no step transient; a constant
 * or a straight line passes unchanged.  -EINVAL on a bad cut-off,
 * -ENOMEM.  x and out may be the same array. */
int kn_lowpass_zero_phase(const double *x, size_t n, double fc_hz, double fs_hz, double *out);

/* The cut-off correction factor for a filter of `order` run `passes`
 * times: ((2^(1/passes) - 1)^(1/(2 order))).  0.802 for 2 and 2. */
double kn_filtfilt_correction(int order, int passes);

/* Fills x[first .. first+len-1] with the cubic (Hermite) curve that meets
 * the samples on either side of the gap with their slopes (estimated by
 * one-sided differences over two samples where available).  Needs at
 * least one sample on each side: -EINVAL unless first >= 1 and
 * first + len < n.  A quadratic is reproduced exactly. */
int kn_fill_gap_cubic(double *x, size_t n, size_t first, size_t len);
