/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Small signal-processing helpers shared by the analysis stages: a
 * second-order Butterworth low-pass (biquad), robust statistics over short
 * arrays, and angle wrapping.  Pure functions over caller-owned state.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define KN_DEG_PER_RAD 57.29577951308232
#define KN_RAD_PER_DEG 0.017453292519943295

/* Direct form II transposed biquad.  Coefficients are redesigned when the
 * sample interval changes by more than 5 %, so a source whose rate jitters
 * (or a recording at 100 Hz after one at 1 kHz) stays correct. */
struct kn_biquad {
    double cutoff_hz;
    double designed_dt;
    double b0, b1, b2, a1, a2;
    double z1, z2;
    bool primed;
};

void kn_biquad_init(struct kn_biquad *f, double cutoff_hz);
/* Filters x sampled dt seconds after the previous input.  The first input
 * primes the state to a steady output equal to it (no start-up transient). */
double kn_biquad_step(struct kn_biquad *f, double x, double dt);
void kn_biquad_reset(struct kn_biquad *f);

/* First-order low-pass with time constant tau (s); alpha from dt. */
static inline double kn_lowpass(double y, double x, double dt, double tau)
{
    return y + (x - y) * (dt / (dt + tau));
}

/* Median of n values (n <= 512); the input is not modified.  NaN values
 * are skipped; returns NaN when none is left. */
double kn_median(const double *v, size_t n);

/* Mean and (sample) standard deviation skipping NaN; returns the count. */
size_t kn_mean_sd(const double *v, size_t n, double *ret_mean, double *ret_sd);

/* Appends x to the n most recent values in v (capacity cap), dropping the
 * oldest when full. */
void kn_push_recent(double *v, uint32_t *n, uint32_t cap, double x);

/* Wraps an angle in radians into (-pi, pi]. */
double kn_wrap_pi(double a);
