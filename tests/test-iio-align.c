/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The alignment of the sleeve's streams (drivers/iio-align.h): frame
 * times from the fastest stream, interpolation of the others (exact on a
 * linear signal, within h^2/8 max|f''| on a sine), waiting for a stream
 * that is behind, giving up on a late one, taking over the time base,
 * dropouts, bad input; and the read-time clock of a device without a
 * timestamp channel.  Links only the module it tests. */
#include <errno.h>
#include <glib.h>
#include <math.h>
#include <string.h>

#include "drivers/iio-align.h"

#define MAX_WAIT 0.2

static void push1(struct kn_iio_align *a, enum kn_iio_stream s, double t, double x)
{
    double v[3] = { x, 2 * x, -x };

    g_assert_cmpint(kn_iio_align_push(a, s, t, v), ==, 0);
}

static size_t pull_all(struct kn_iio_align *a, double now, GArray *out)
{
    struct kn_frame buf[64];
    size_t n, total = 0;

    do {
        n = kn_iio_align_pull(a, now, buf, G_N_ELEMENTS(buf));
        g_array_append_vals(out, buf, (guint) n);
        total += n;
    } while (n == G_N_ELEMENTS(buf));
    return total;
}

static void test_same_times(void)
{
    struct kn_iio_align *a = kn_iio_align_new(MAX_WAIT);
    g_autoptr(GArray) f = g_array_new(FALSE, FALSE, sizeof(struct kn_frame));

    g_assert_cmpint(kn_iio_align_start(a, KN_IIO_STREAM_THIGH_GYRO, 1000, 0), ==, 0);
    g_assert_cmpint(kn_iio_align_start(a, KN_IIO_STREAM_THIGH_ACCEL, 1000, 0), ==, 0);
    for (int i = 0; i < 100; i++) {
        push1(a, KN_IIO_STREAM_THIGH_GYRO, i * 1e-3, i);
        push1(a, KN_IIO_STREAM_THIGH_ACCEL, i * 1e-3, 10 * i);
    }
    g_assert_cmpuint(pull_all(a, 0.1, f), ==, 100);
    for (guint i = 0; i < f->len; i++) {
        const struct kn_frame *fr = &g_array_index(f, struct kn_frame, i);

        g_assert_cmpfloat(fr->t_s, ==, i * 1e-3);
        g_assert_cmpuint(fr->present, ==, KN_HAS_THIGH_IMU);
        g_assert_cmpfloat(fr->thigh_gyro[0], ==, i);
        g_assert_cmpfloat(fr->thigh_gyro[1], ==, 2.0 * i);
        g_assert_cmpfloat(fr->thigh_gyro[2], ==, -1.0 * i);
        g_assert_cmpfloat(fr->thigh_accel[0], ==, 10.0 * i);
    }
    /* Nothing twice. */
    g_assert_cmpuint(pull_all(a, 0.1, f), ==, 0);
    kn_iio_align_free(a);
}

/* Two IMUs at 1 kHz on different oscillators (the shank's runs 0.3 %
 * fast and 0.37 ms out of phase), the ADC at 250 Hz.  A linear signal is
 * interpolated exactly; a 3 Hz sine within h^2/8 max|f''|. */
static void test_three_streams(void)
{
    struct kn_iio_align *a = kn_iio_align_new(MAX_WAIT);
    g_autoptr(GArray) f = g_array_new(FALSE, FALSE, sizeof(struct kn_frame));
    const double w = 2 * G_PI * 3;
    double t_end = 2.0, worst_lin = 0, worst_sin = 0, bound;
    struct kn_iio_align_stats st;

    kn_iio_align_start(a, KN_IIO_STREAM_THIGH_ACCEL, 1000, 0);
    kn_iio_align_start(a, KN_IIO_STREAM_THIGH_GYRO, 1000, 0);
    kn_iio_align_start(a, KN_IIO_STREAM_SHANK_ACCEL, 1000, 0);
    kn_iio_align_start(a, KN_IIO_STREAM_SHANK_GYRO, 1000, 0);
    kn_iio_align_start(a, KN_IIO_STREAM_FLEX, 250, 0);
    /* Delivered in 50 ms batches, the way the driver drains the devices. */
    for (double batch = 0.05; batch <= t_end + 1e-9; batch += 0.05) {
        for (int i = 0;; i++) {
            double t = i * 1e-3;
            double v[3] = { t, sin(w * t), 0 };

            if (t >= batch - 0.05 && t < batch) {
                kn_iio_align_push(a, KN_IIO_STREAM_THIGH_ACCEL, t, v);
                kn_iio_align_push(a, KN_IIO_STREAM_THIGH_GYRO, t, v);
            }
            if (t >= batch)
                break;
        }
        for (int i = 0;; i++) {
            double t = 0.00037 + i / 1003.0;
            double v[3] = { t, sin(w * t), 0 };

            if (t >= batch - 0.05 && t < batch) {
                kn_iio_align_push(a, KN_IIO_STREAM_SHANK_ACCEL, t, v);
                kn_iio_align_push(a, KN_IIO_STREAM_SHANK_GYRO, t, v);
            }
            if (t >= batch)
                break;
        }
        for (int i = 0;; i++) {
            double t = 0.0011 + i / 250.0;
            double v[3] = { 100 * t, 0, 0 };

            if (t >= batch - 0.05 && t < batch)
                kn_iio_align_push(a, KN_IIO_STREAM_FLEX, t, v);
            if (t >= batch)
                break;
        }
        pull_all(a, batch, f);
    }
    /* Frames on the thigh gyro's times; the first ones wait until the
     * shank and the flex sensor have a sample before them... or come
     * without them (before their first sample): never extrapolated. */
    g_assert_cmpuint(f->len, >, 1900);
    for (guint i = 0; i < f->len; i++) {
        const struct kn_frame *fr = &g_array_index(f, struct kn_frame, i);
        double t = fr->t_s;

        g_assert_cmpfloat(fabs(t * 1000 - round(t * 1000)), <, 1e-6);
        if (i > 0)
            g_assert_cmpfloat(t, >, g_array_index(f, struct kn_frame, i - 1).t_s);
        if (t < 0.0011) {
            g_assert_false(fr->present & KN_HAS_FLEX);
            continue;
        }
        g_assert_cmpuint(fr->present, ==, KN_HAS_ALL);
        worst_lin = MAX(worst_lin, fabs(fr->shank_accel[0] - t));
        worst_lin = MAX(worst_lin, fabs(fr->knee_deg - 100 * t));
        worst_sin = MAX(worst_sin, fabs(fr->shank_gyro[1] - sin(w * t)));
    }
    bound = (1 / 1003.0) * (1 / 1003.0) / 8 * w * w;
    g_test_message("linear %.3g, sine %.3g (bound %.3g)", worst_lin, worst_sin, bound);
    g_assert_cmpfloat(worst_lin, <, 1e-9);
    g_assert_cmpfloat(worst_sin, <=, bound * 1.001);
    g_assert_cmpfloat(worst_sin, >, bound * 0.1);        /* really interpolated */
    kn_iio_align_get_stats(a, &st);
    g_assert_cmpuint(st.frames, ==, f->len);
    g_assert_cmpuint(st.dropped_order + st.dropped_overflow, ==, 0);
    kn_iio_align_free(a);
}

static void test_wait_and_late(void)
{
    struct kn_iio_align *a = kn_iio_align_new(MAX_WAIT);
    g_autoptr(GArray) f = g_array_new(FALSE, FALSE, sizeof(struct kn_frame));
    struct kn_iio_align_stats st;

    kn_iio_align_start(a, KN_IIO_STREAM_THIGH_GYRO, 1000, 0);
    kn_iio_align_start(a, KN_IIO_STREAM_SHANK_GYRO, 1000, 0);
    for (int i = 0; i < 100; i++)
        push1(a, KN_IIO_STREAM_THIGH_GYRO, i * 1e-3, i);
    for (int i = 0; i < 40; i++)
        push1(a, KN_IIO_STREAM_SHANK_GYRO, i * 1e-3, i);
    /* Frames wait for the shank: up to its latest sample only. */
    g_assert_cmpuint(pull_all(a, 0.1, f), ==, 40);
    g_assert_cmpfloat(kn_iio_align_last_time(a), ==, 0.039);
    for (int i = 40; i < 60; i++)
        push1(a, KN_IIO_STREAM_SHANK_GYRO, i * 1e-3, i);
    g_assert_cmpuint(pull_all(a, 0.1, f), ==, 20);
    /* The shank stops; the thigh goes on.  Not late yet: waiting. */
    for (int i = 100; i < 400; i++)
        push1(a, KN_IIO_STREAM_THIGH_GYRO, i * 1e-3, i);
    g_assert_cmpuint(pull_all(a, 0.059 + MAX_WAIT - 0.001, f), ==, 0);
    /* Late: the rest goes out without it, in order, none lost. */
    g_assert_cmpuint(pull_all(a, 0.059 + MAX_WAIT + 0.001, f), ==, 340);
    for (guint i = 0; i < f->len; i++) {
        const struct kn_frame *fr = &g_array_index(f, struct kn_frame, i);

        g_assert_cmpfloat(fabs(fr->t_s - i * 1e-3), <, 1e-12);
        g_assert_cmpuint(fr->present, ==, i < 60 ? (KN_HAS_THIGH_GYRO | KN_HAS_SHANK_GYRO)
                                                 : KN_HAS_THIGH_GYRO);
    }
    kn_iio_align_get_stats(a, &st);
    g_assert_cmpuint(st.partial_frames, ==, 340);
    /* It comes back (0.3 ms out of phase now): frames have it again. */
    for (int i = 400; i < 420; i++) {
        push1(a, KN_IIO_STREAM_THIGH_GYRO, i * 1e-3, i);
        push1(a, KN_IIO_STREAM_SHANK_GYRO, i * 1e-3 + 3e-4, i);
    }
    g_array_set_size(f, 0);
    g_assert_cmpuint(pull_all(a, 0.42, f), ==, 20);
    g_assert_cmpuint(g_array_index(f, struct kn_frame, 1).present, ==,
                     KN_HAS_THIGH_GYRO | KN_HAS_SHANK_GYRO);
    /* The first frame after the gap has no bracketing pair: left out. */
    g_assert_cmpuint(g_array_index(f, struct kn_frame, 0).present, ==, KN_HAS_THIGH_GYRO);
    kn_iio_align_free(a);
}

static void test_base_takeover(void)
{
    struct kn_iio_align *a = kn_iio_align_new(MAX_WAIT);
    g_autoptr(GArray) f = g_array_new(FALSE, FALSE, sizeof(struct kn_frame));
    double prev = -INFINITY;

    kn_iio_align_start(a, KN_IIO_STREAM_THIGH_GYRO, 1000, 0);
    kn_iio_align_start(a, KN_IIO_STREAM_FLEX, 250, 0);
    for (int i = 0; i < 100; i++)
        push1(a, KN_IIO_STREAM_THIGH_GYRO, i * 1e-3, i);
    for (int i = 0; i < 25; i++)
        push1(a, KN_IIO_STREAM_FLEX, 0.0005 + i * 4e-3, i);
    pull_all(a, 0.1, f);
    /* The IMU dies: the flex sensor becomes the time base once the IMU
     * is late, and its frames continue after the last one. */
    for (int i = 25; i < 100; i++)
        push1(a, KN_IIO_STREAM_FLEX, 0.0005 + i * 4e-3, i);
    pull_all(a, 0.4, f);
    g_assert_cmpuint(f->len, >, 150);
    for (guint i = 0; i < f->len; i++) {
        const struct kn_frame *fr = &g_array_index(f, struct kn_frame, i);

        g_assert_cmpfloat(fr->t_s, >, prev);
        prev = fr->t_s;
        if (fr->t_s > 0.1)
            g_assert_cmpuint(fr->present, ==, KN_HAS_FLEX);
    }
    g_assert_cmpfloat(prev, ==, 0.0005 + 99 * 4e-3);
    /* Stopping the IMU outright hands over at once. */
    kn_iio_align_stop(a, KN_IIO_STREAM_THIGH_GYRO);
    g_assert_false(kn_iio_align_is_active(a, KN_IIO_STREAM_THIGH_GYRO));
    g_assert_cmpint(kn_iio_align_push(a, KN_IIO_STREAM_THIGH_GYRO, 1, (double[3]){ 0 }), ==,
                    -EINVAL);
    kn_iio_align_free(a);
}

static void test_dropout(void)
{
    struct kn_iio_align *a = kn_iio_align_new(MAX_WAIT);
    g_autoptr(GArray) f = g_array_new(FALSE, FALSE, sizeof(struct kn_frame));

    kn_iio_align_start(a, KN_IIO_STREAM_THIGH_GYRO, 1000, 0);
    kn_iio_align_start(a, KN_IIO_STREAM_FLEX, 250, 0);
    for (int i = 0; i < 100; i++)
        push1(a, KN_IIO_STREAM_THIGH_GYRO, i * 1e-3, i);
    /* Flex samples at 0, 4, ..., 36 ms, then nothing until 60 ms: a
     * 24 ms gap, more than 2.5 periods (10 ms). */
    for (int i = 0; i < 10; i++)
        push1(a, KN_IIO_STREAM_FLEX, i * 4e-3, i);
    for (int i = 15; i < 25; i++)
        push1(a, KN_IIO_STREAM_FLEX, i * 4e-3, i);
    pull_all(a, 0.1, f);
    g_assert_cmpuint(f->len, ==, 97);
    for (guint i = 0; i < f->len; i++) {
        const struct kn_frame *fr = &g_array_index(f, struct kn_frame, i);
        gboolean gap = fr->t_s > 0.036 + 1e-9 && fr->t_s < 0.060 - 1e-9;

        g_assert_cmpint(!(fr->present & KN_HAS_FLEX), ==, gap);
        if (!gap)
            g_assert_cmpfloat_with_epsilon(fr->knee_deg, fr->t_s / 4e-3, 1e-9);
    }
    kn_iio_align_free(a);
}

static void test_bad_input(void)
{
    struct kn_iio_align *a = kn_iio_align_new(MAX_WAIT);
    struct kn_iio_align_stats st;
    double v[3] = { 0 };
    int overflow = 0;

    g_assert_null(kn_iio_align_new(0));
    g_assert_cmpint(kn_iio_align_start(a, KN_IIO_STREAM_FLEX, 0, 0), ==, -EINVAL);
    g_assert_cmpint(kn_iio_align_start(a, KN_IIO_STREAM_COUNT, 100, 0), ==, -EINVAL);
    g_assert_cmpint(kn_iio_align_push(a, KN_IIO_STREAM_FLEX, 0, v), ==, -EINVAL);
    g_assert_cmpint(kn_iio_align_start(a, KN_IIO_STREAM_FLEX, 100, 0), ==, 0);
    g_assert_cmpint(kn_iio_align_push(a, KN_IIO_STREAM_FLEX, 1, v), ==, 0);
    g_assert_cmpint(kn_iio_align_push(a, KN_IIO_STREAM_FLEX, 1, v), ==, -EINVAL);
    g_assert_cmpint(kn_iio_align_push(a, KN_IIO_STREAM_FLEX, 0.5, v), ==, -EINVAL);
    g_assert_cmpint(kn_iio_align_push(a, KN_IIO_STREAM_FLEX, NAN, v), ==, -EINVAL);
    /* The ring holds (1 s + max_wait) * rate + 16; more drops the oldest. */
    for (int i = 0; i < 200; i++)
        if (kn_iio_align_push(a, KN_IIO_STREAM_FLEX, 2 + i * 0.01, v) == -ENOBUFS)
            overflow++;
    g_assert_cmpint(overflow, ==, 200 - (int) ceil(100 * (1 + MAX_WAIT)) - 16 + 1);
    kn_iio_align_get_stats(a, &st);
    g_assert_cmpuint(st.dropped_order, ==, 3);
    g_assert_cmpuint(st.dropped_overflow, ==, (guint64) overflow);
    g_assert_cmpfloat(kn_iio_align_stream_last(a, KN_IIO_STREAM_FLEX), ==, 2 + 199 * 0.01);
    kn_iio_align_free(a);
}

static void test_clock(void)
{
    struct kn_iio_clock c;
    g_autoptr(GRand) rand = g_rand_new_with_seed(7);
    const double true_period = 1 / 1002.0, t0 = 10.0;
    double worst = 0, last = -INFINITY;
    guint64 k = 0;

    kn_iio_clock_init(&c, 1000);
    /* Read every ~50 ms (main-loop jitter 0.2..5 ms) for 10 s. */
    for (double read = t0 + 0.05; read < t0 + 10; read += 0.05 + g_rand_double_range(rand, 0, 0.005)) {
        double ts[200];
        size_t n = 0;

        while (t0 + (k + n) * true_period <= read - 0.0002)
            n++;
        if (n == 0)
            continue;
        kn_iio_clock_stamp(&c, n, read, ts);
        for (size_t j = 0; j < n; j++) {
            double err = ts[j] - (t0 + (k + j) * true_period);

            g_assert_cmpfloat(ts[j], >, last);
            g_assert_cmpfloat(ts[j], <=, read);
            last = ts[j];
            if (read > t0 + 3)
                worst = MAX(worst, fabs(err));
        }
        k += n;
    }
    g_test_message("clock error after 3 s: %.3f ms; period %.6f ms", worst * 1e3, c.period * 1e3);
    g_assert_cmpfloat(fabs(c.period - true_period), <, 2e-7);
    /* The smallest read delay was 0.2..0.25 ms. */
    g_assert_cmpfloat(worst, <, 0.6e-3);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/iio/align/same-times", test_same_times);
    g_test_add_func("/iio/align/three-streams", test_three_streams);
    g_test_add_func("/iio/align/wait-and-late", test_wait_and_late);
    g_test_add_func("/iio/align/base-takeover", test_base_takeover);
    g_test_add_func("/iio/align/dropout", test_dropout);
    g_test_add_func("/iio/align/bad-input", test_bad_input);
    g_test_add_func("/iio/align/clock", test_clock);
    return g_test_run();
}
