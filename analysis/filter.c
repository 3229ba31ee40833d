/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/filter.h"

void kn_biquad_init(struct kn_biquad *f, double cutoff_hz)
{
    memset(f, 0, sizeof(*f));
    f->cutoff_hz = cutoff_hz;
}

void kn_biquad_reset(struct kn_biquad *f)
{
    f->z1 = f->z2 = 0;
    f->primed = false;
}

/* Bilinear-transform Butterworth, Q = 1/sqrt(2) (RBJ cookbook). */
static void design(struct kn_biquad *f, double dt)
{
    double fs = 1.0 / dt;
    double fc = fmin(f->cutoff_hz, 0.45 * fs);
    double w0 = 2.0 * M_PI * fc / fs;
    double cw = cos(w0), sw = sin(w0);
    double alpha = sw / (2.0 * M_SQRT1_2);
    double a0 = 1.0 + alpha;

    f->b0 = (1.0 - cw) / 2.0 / a0;
    f->b1 = (1.0 - cw) / a0;
    f->b2 = f->b0;
    f->a1 = -2.0 * cw / a0;
    f->a2 = (1.0 - alpha) / a0;
    f->designed_dt = dt;
}

double kn_biquad_step(struct kn_biquad *f, double x, double dt)
{
    double y;

    if (f->designed_dt <= 0 || fabs(dt - f->designed_dt) > 0.05 * f->designed_dt)
        design(f, dt);
    if (!f->primed) {
        /* steady state for a constant input x: y = x */
        f->z1 = x * (1.0 - f->b0);
        f->z2 = x * (f->b2 - f->a2);
        f->primed = true;
    }
    y = f->b0 * x + f->z1;
    f->z1 = f->b1 * x - f->a1 * y + f->z2;
    f->z2 = f->b2 * x - f->a2 * y;
    return y;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *) a, y = *(const double *) b;

    return (x > y) - (x < y);
}

double kn_median(const double *v, size_t n)
{
    double tmp[512];
    size_t m = 0;

    for (size_t i = 0; i < n && m < 512; i++)
        if (!isnan(v[i]))
            tmp[m++] = v[i];
    if (m == 0)
        return NAN;
    if (m <= 32) {
        /* the usual case: a few recent strides */
        for (size_t i = 1; i < m; i++) {
            double x = tmp[i];
            size_t j = i;

            for (; j > 0 && tmp[j - 1] > x; j--)
                tmp[j] = tmp[j - 1];
            tmp[j] = x;
        }
    } else {
        qsort(tmp, m, sizeof(double), cmp_double);
    }
    return (m % 2) ? tmp[m / 2] : 0.5 * (tmp[m / 2 - 1] + tmp[m / 2]);
}

size_t kn_mean_sd(const double *v, size_t n, double *ret_mean, double *ret_sd)
{
    double sum = 0, sq = 0, mean;
    size_t m = 0;

    for (size_t i = 0; i < n; i++) {
        if (isnan(v[i]))
            continue;
        sum += v[i];
        m++;
    }
    mean = m ? sum / (double) m : NAN;
    for (size_t i = 0; i < n; i++)
        if (!isnan(v[i]))
            sq += (v[i] - mean) * (v[i] - mean);
    if (ret_mean)
        *ret_mean = mean;
    if (ret_sd)
        *ret_sd = m > 1 ? sqrt(sq / (double) (m - 1)) : (m == 1 ? 0.0 : NAN);
    return m;
}

double kn_wrap_pi(double a)
{
    while (a > M_PI)
        a -= 2.0 * M_PI;
    while (a <= -M_PI)
        a += 2.0 * M_PI;
    return a;
}

void kn_push_recent(double *v, uint32_t *n, uint32_t cap, double x)
{
    if (*n < cap) {
        v[(*n)++] = x;
        return;
    }
    memmove(v, v + 1, (cap - 1) * sizeof(double));
    v[cap - 1] = x;
}
