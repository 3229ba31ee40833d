/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "client/sigproc.h"

int kn_butter2_lowpass(double fc_hz, double fs_hz, struct kn_biquad *ret)
{
    double k, norm;

    if (!(fs_hz > 0) || !(fc_hz > 0) || !(fc_hz < fs_hz / 2) || !isfinite(fs_hz))
        return -EINVAL;
    /* Pre-warped analogue prototype H(s) = 1 / (s^2 + sqrt(2) s + 1). */
    k = tan(M_PI * fc_hz / fs_hz);
    norm = 1.0 / (1.0 + M_SQRT2 * k + k * k);
    ret->b0 = k * k * norm;
    ret->b1 = 2.0 * ret->b0;
    ret->b2 = ret->b0;
    ret->a1 = 2.0 * (k * k - 1.0) * norm;
    ret->a2 = (1.0 - M_SQRT2 * k + k * k) * norm;
    return 0;
}

void kn_biquad_run(const struct kn_biquad *q, const double *x, size_t n, double *out)
{
    double x1, x2, y1, y2, slope, delay;

    if (n == 0)
        return;
    /* Start in the steady state of the straight line through the first
     * two samples: with a DC gain of 1 the section turns a line into the
     * same line delayed by its DC group delay (B'(1)/B(1) - A'(1)/A(1) in
     * powers of z^-1), so a constant or a ramp has no start transient. */
    slope = n > 1 ? x[1] - x[0] : 0.0;
    delay = (q->b1 + 2 * q->b2) / (q->b0 + q->b1 + q->b2) - (q->a1 + 2 * q->a2) / (1 + q->a1 + q->a2);
    x1 = x[0] - slope;
    x2 = x[0] - 2 * slope;
    y1 = x1 - slope * delay;
    y2 = x2 - slope * delay;
    for (size_t i = 0; i < n; i++) {
        double xi = x[i];
        double yi = q->b0 * xi + q->b1 * x1 + q->b2 * x2 - q->a1 * y1 - q->a2 * y2;

        x2 = x1;
        x1 = xi;
        y2 = y1;
        y1 = yi;
        out[i] = yi;
    }
}

double kn_filtfilt_correction(int order, int passes)
{
    return pow(pow(2.0, 1.0 / passes) - 1.0, 1.0 / (2.0 * order));
}

/* Long enough for the transient of a low cut-off to die out: three time
 * constants of the lowest cut-off we accept (0.5 Hz at 1 kHz is 6000). */
static size_t pad_length(size_t n, double fc_hz, double fs_hz)
{
    size_t pad = (size_t) ceil(3.0 * fs_hz / fc_hz);

    if (pad < 16)
        pad = 16;
    return pad < n ? pad : n - 1;
}

int kn_lowpass_zero_phase(const double *x, size_t n, double fc_hz, double fs_hz, double *out)
{
    struct kn_biquad q;
    double fa;
    size_t pad, m;
    double *buf;
    int r;

    if (!(fc_hz > 0) || !(fs_hz > 0))
        return -EINVAL;
    if (!(fc_hz < fs_hz / 2))
        return -EINVAL;
    /* Winter's correction, applied to the pre-warped frequency so that
     * the digital response is exactly -3 dB at fc_hz. */
    fa = atan(tan(M_PI * fc_hz / fs_hz) / kn_filtfilt_correction(2, 2)) * fs_hz / M_PI;
    r = kn_butter2_lowpass(fa, fs_hz, &q);
    if (r < 0)
        return r;
    if (n == 0)
        return 0;
    if (n == 1) {
        out[0] = x[0];
        return 0;
    }

    pad = pad_length(n, fc_hz, fs_hz);
    m = n + 2 * pad;
    buf = malloc(m * sizeof(*buf));
    if (!buf)
        return -ENOMEM;
    /* Odd reflection keeps the value and the slope continuous at the
     * ends: a straight line extends as itself. */
    for (size_t i = 0; i < pad; i++) {
        buf[pad - 1 - i] = 2.0 * x[0] - x[i + 1];
        buf[pad + n + i] = 2.0 * x[n - 1] - x[n - 2 - i];
    }
    memcpy(buf + pad, x, n * sizeof(*buf));

    kn_biquad_run(&q, buf, m, buf);
    for (size_t i = 0; i < m / 2; i++) {
        double t = buf[i];

        buf[i] = buf[m - 1 - i];
        buf[m - 1 - i] = t;
    }
    kn_biquad_run(&q, buf, m, buf);
    for (size_t i = 0; i < n; i++)
        out[i] = buf[m - 1 - pad - i];
    free(buf);
    return 0;
}

int kn_fill_gap_cubic(double *x, size_t n, size_t first, size_t len)
{
    size_t a, b;
    double h, p0, p1, m0, m1;

    if (len == 0)
        return 0;
    if (first < 1 || first + len >= n)
        return -EINVAL;
    a = first - 1;          /* last sample before the gap */
    b = first + len;        /* first sample after it */
    p0 = x[a];
    p1 = x[b];
    /* Slopes per sample from the two samples on each side (second order
     * one-sided differences; exact for a quadratic), or one when the
     * gap is next to the end of the data. */
    if (a >= 2)
        m0 = (3.0 * x[a] - 4.0 * x[a - 1] + x[a - 2]) / 2.0;
    else if (a >= 1)
        m0 = x[a] - x[a - 1];
    else
        m0 = (p1 - p0) / (double) (b - a);
    if (b + 2 < n)
        m1 = (-3.0 * x[b] + 4.0 * x[b + 1] - x[b + 2]) / 2.0;
    else if (b + 1 < n)
        m1 = x[b + 1] - x[b];
    else
        m1 = (p1 - p0) / (double) (b - a);

    h = (double) (b - a);
    for (size_t i = 1; i <= len; i++) {
        double t = (double) i / h;
        double t2 = t * t, t3 = t2 * t;

        x[a + i] = (2 * t3 - 3 * t2 + 1) * p0 + (t3 - 2 * t2 + t) * h * m0 +
                   (-2 * t3 + 3 * t2) * p1 + (t3 - t2) * h * m1;
    }
    return 0;
}
