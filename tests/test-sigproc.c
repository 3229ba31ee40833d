/* SPDX-License-Identifier: GPL-2.0-or-later */
/* client/sigproc.c: Butterworth design against known coefficients, the
 * measured frequency response of the zero-phase low-pass against its
 * formula, zero phase, the ends, and cubic gap filling. */
#include <errno.h>
#include <glib.h>
#include <math.h>

#include "client/sigproc.h"

/* Amplitude and phase (radians) of x against sin(2 pi f t), by
 * projection on sine and cosine over [first, last). */
static void measure(const double *x, size_t first, size_t last, double f, double fs,
                    double *ret_amp, double *ret_phase)
{
    double s = 0, c = 0;

    for (size_t i = first; i < last; i++) {
        double w = 2 * M_PI * f * i / fs;

        s += x[i] * sin(w);
        c += x[i] * cos(w);
    }
    s *= 2.0 / (last - first);
    c *= 2.0 / (last - first);
    *ret_amp = hypot(s, c);
    *ret_phase = atan2(c, s);
}

static void test_design_known_answer(void)
{
    struct kn_biquad q;

    /* At fs/4, tan(pi/4) = 1: b0 = 1/(2+sqrt2), a1 = 0, a2 = (2-sqrt2)/(2+sqrt2). */
    g_assert_cmpint(kn_butter2_lowpass(50, 200, &q), ==, 0);
    g_assert_cmpfloat_with_epsilon(q.b0, 1 / (2 + M_SQRT2), 1e-12);
    g_assert_cmpfloat_with_epsilon(q.b1, 2 / (2 + M_SQRT2), 1e-12);
    g_assert_cmpfloat_with_epsilon(q.b2, 1 / (2 + M_SQRT2), 1e-12);
    g_assert_cmpfloat_with_epsilon(q.a1, 0, 1e-12);
    g_assert_cmpfloat_with_epsilon(q.a2, (2 - M_SQRT2) / (2 + M_SQRT2), 1e-12);
    /* DC gain 1: (b0 + b1 + b2) / (1 + a1 + a2). */
    g_assert_cmpint(kn_butter2_lowpass(8, 200, &q), ==, 0);
    g_assert_cmpfloat_with_epsilon((q.b0 + q.b1 + q.b2) / (1 + q.a1 + q.a2), 1.0, 1e-12);
    /* Winter's correction for a 2nd-order filter run twice. */
    g_assert_cmpfloat_with_epsilon(kn_filtfilt_correction(2, 2), 0.802, 5e-4);

    g_assert_cmpint(kn_butter2_lowpass(0, 200, &q), ==, -EINVAL);
    g_assert_cmpint(kn_butter2_lowpass(100, 200, &q), ==, -EINVAL);
    g_assert_cmpint(kn_butter2_lowpass(-1, 200, &q), ==, -EINVAL);
    g_assert_cmpint(kn_butter2_lowpass(10, NAN, &q), ==, -EINVAL);
}

/* One pass of the section: -3 dB at the cut-off, and lag (not zero
 * phase). */
static void test_single_pass_response(void)
{
    const double fs = 200, fc = 10;
    const size_t n = 4000;
    g_autofree double *x = g_new(double, n);
    struct kn_biquad q;
    double amp, phase;

    g_assert_cmpint(kn_butter2_lowpass(fc, fs, &q), ==, 0);
    for (size_t i = 0; i < n; i++)
        x[i] = sin(2 * M_PI * fc * i / fs);
    kn_biquad_run(&q, x, n, x);
    measure(x, n / 2, n, fc, fs, &amp, &phase);
    g_assert_cmpfloat_with_epsilon(amp, M_SQRT1_2, 2e-3);
    /* A second-order Butterworth lags by 90 degrees at its cut-off. */
    g_assert_cmpfloat_with_epsilon(phase, -M_PI / 2, 0.02);
}

static void test_zero_phase_response(void)
{
    const double fs = 200, fc = 8;
    const double kc = tan(M_PI * fc / fs) / kn_filtfilt_correction(2, 2);
    const double freqs[] = { 0.5, 2, 4, 8, 12, 16, 24, 40 };
    const size_t n = 8000;
    g_autofree double *x = g_new(double, n);

    for (size_t k = 0; k < G_N_ELEMENTS(freqs); k++) {
        double f = freqs[k], amp, phase;
        /* Forward and backward: the squared magnitude of the digital
         * 2nd-order Butterworth whose bilinear transform maps f to
         * tan(pi f / fs), with the corrected pre-warped cut-off kc:
         * 1 / (1 + (tan(pi f/fs) / kc)^4). */
        double expect = 1.0 / (1.0 + pow(tan(M_PI * f / fs) / kc, 4));

        for (size_t i = 0; i < n; i++)
            x[i] = sin(2 * M_PI * f * i / fs + 0.3);
        g_assert_cmpint(kn_lowpass_zero_phase(x, n, fc, fs, x), ==, 0);
        measure(x, n / 4, 3 * n / 4, f, fs, &amp, &phase);
        g_test_message("f=%.1f Hz: gain %.4f, expected %.4f, phase %+.4f rad", f, amp, expect,
                       phase - 0.3);
        g_assert_cmpfloat_with_epsilon(amp, expect, 2e-3);
        if (amp > 0.01)
            g_assert_cmpfloat_with_epsilon(phase, 0.3, 1e-3);
    }
    /* -3 dB at the cut-off itself. */
    for (size_t i = 0; i < n; i++)
        x[i] = sin(2 * M_PI * fc * i / fs);
    g_assert_cmpint(kn_lowpass_zero_phase(x, n, fc, fs, x), ==, 0);
    {
        double amp, phase;

        measure(x, n / 4, 3 * n / 4, fc, fs, &amp, &phase);
        g_assert_cmpfloat_with_epsilon(amp, M_SQRT1_2, 1e-3);
    }
}

/* A pulse keeps its centre: zero phase. */
static void test_zero_phase_pulse(void)
{
    const size_t n = 801;
    g_autofree double *x = g_new0(double, n);
    size_t peak = 0;

    for (size_t i = 390; i <= 410; i++)
        x[i] = 1.0;
    g_assert_cmpint(kn_lowpass_zero_phase(x, n, 5, 200, x), ==, 0);
    for (size_t i = 0; i < n; i++)
        if (x[i] > x[peak])
            peak = i;
    g_assert_cmpuint(peak, ==, 400);
    for (size_t k = 1; k < 100; k++)
        g_assert_cmpfloat_with_epsilon(x[400 - k], x[400 + k], 1e-9);
}

/* A constant and a straight line pass unchanged, ends included. */
static void test_edges(void)
{
    const size_t n = 300;
    g_autofree double *c = g_new(double, n);
    g_autofree double *r = g_new(double, n);

    for (size_t i = 0; i < n; i++) {
        c[i] = 1234.5;
        r[i] = -50.0 + 0.25 * i;
    }
    g_assert_cmpint(kn_lowpass_zero_phase(c, n, 6, 200, c), ==, 0);
    g_assert_cmpint(kn_lowpass_zero_phase(r, n, 6, 200, r), ==, 0);
    for (size_t i = 0; i < n; i++) {
        g_assert_cmpfloat_with_epsilon(c[i], 1234.5, 1e-9);
        g_assert_cmpfloat_with_epsilon(r[i], -50.0 + 0.25 * i, 1e-6);
    }
    /* Short inputs: nothing to filter, nothing to break. */
    {
        double one = 3.0, two[2] = { 1.0, 2.0 };

        g_assert_cmpint(kn_lowpass_zero_phase(&one, 1, 6, 200, &one), ==, 0);
        g_assert_cmpfloat(one, ==, 3.0);
        g_assert_cmpint(kn_lowpass_zero_phase(two, 2, 6, 200, two), ==, 0);
        g_assert_cmpfloat_with_epsilon(two[0], 1.0, 1e-9);
        g_assert_cmpfloat_with_epsilon(two[1], 2.0, 1e-9);
    }
    g_assert_cmpint(kn_lowpass_zero_phase(c, n, 100, 200, c), ==, -EINVAL);
    g_assert_cmpint(kn_lowpass_zero_phase(c, n, 0, 200, c), ==, -EINVAL);
}

static void test_gap_fill(void)
{
    double x[30], y[30];

    /* A quadratic comes back exactly. */
    for (int i = 0; i < 30; i++)
        x[i] = y[i] = 3.0 - 0.5 * i + 0.02 * i * i;
    for (int i = 10; i < 18; i++)
        x[i] = NAN;
    g_assert_cmpint(kn_fill_gap_cubic(x, 30, 10, 8), ==, 0);
    for (int i = 0; i < 30; i++)
        g_assert_cmpfloat_with_epsilon(x[i], y[i], 1e-9);

    /* With one sample on each side: still continuous, through the ends. */
    for (int i = 0; i < 6; i++)
        x[i] = i * 2.0;
    x[2] = x[3] = NAN;
    g_assert_cmpint(kn_fill_gap_cubic(x, 6, 2, 2), ==, 0);
    g_assert_cmpfloat_with_epsilon(x[2], 4.0, 1e-9);
    g_assert_cmpfloat_with_epsilon(x[3], 6.0, 1e-9);

    /* A gap touching an end cannot be interpolated. */
    g_assert_cmpint(kn_fill_gap_cubic(x, 6, 0, 2), ==, -EINVAL);
    g_assert_cmpint(kn_fill_gap_cubic(x, 6, 4, 2), ==, -EINVAL);
    g_assert_cmpint(kn_fill_gap_cubic(x, 6, 3, 0), ==, 0);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/sigproc/butter2/known-answer", test_design_known_answer);
    g_test_add_func("/sigproc/butter2/single-pass", test_single_pass_response);
    g_test_add_func("/sigproc/zero-phase/response", test_zero_phase_response);
    g_test_add_func("/sigproc/zero-phase/pulse", test_zero_phase_pulse);
    g_test_add_func("/sigproc/zero-phase/edges", test_edges);
    g_test_add_func("/sigproc/gap-fill", test_gap_fill);
    return g_test_run();
}
