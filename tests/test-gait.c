/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Gait events on constructed signals whose contacts are known: a shank
 * gyro pattern, impacts from both feet on a lone accelerometer, a knee
 * angle curve; stopping and starting again.
 */
#include <glib.h>
#include <math.h>

#include "analysis/gait.h"

#define G KN_STANDARD_GRAVITY

static double bump(double phase, double centre, double width)
{
    double d = phase - centre;

    /* periodic: the nearest copy */
    d -= round(d);
    return exp(-(d / width) * (d / width));
}

/* Shank sagittal rate of a running stride: a mid-swing peak, a landing dip
 * centred on the contact, the push-off dip at 38 % of the cycle. */
static double shank_rate(double phase)
{
    return 9.0 * bump(phase, 0.72, 0.09) - 4.0 * bump(phase, 0.0, 0.025) - 3.0 * bump(phase, 0.38, 0.05) - 0.8;
}

struct run {
    double ics[512], tos[512];
    int n_ic, n_to, n_stop;
    double stop_t;
};

static void collect(struct run *r, const struct kn_gait_event *ev, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        switch (ev[i].type) {
        case KN_GAIT_IC:
            r->ics[r->n_ic++] = ev[i].t_s;
            break;
        case KN_GAIT_TO:
            r->tos[r->n_to++] = ev[i].t_s;
            break;
        case KN_GAIT_STOP:
            r->n_stop++;
            r->stop_t = ev[i].t_s;
            break;
        }
    }
}

/* The nearest detected time to t, as a signed error. */
static double nearest(const double *v, int n, double t)
{
    double best = INFINITY;

    for (int i = 0; i < n; i++)
        if (fabs(v[i] - t) < fabs(best))
            best = v[i] - t;
    return best;
}

static void test_gyro(void)
{
    struct kn_gait *g = kn_gait_new();
    struct kn_gait_event ev[KN_GAIT_MAX_EVENTS];
    struct run r = { 0 };
    double rate = 200, stride = 0.7, t_end_run = 2.0 + 40 * stride;
    double max_ic = 0, max_to = 0;

    /* 2 s standing, 40 strides, 5 s standing, 10 strides */
    for (int n = 0; n < (int) (60 * rate); n++) {
        double t = n / rate;
        struct kn_frame f = { .t_s = t, .present = KN_HAS_SHANK_GYRO };
        bool moving = (t >= 2.0 && t < t_end_run) || (t >= t_end_run + 5 && t < t_end_run + 5 + 10 * stride);

        if (moving)
            f.shank_gyro[2] = shank_rate((t - 2.0) / stride);
        collect(&r, ev, kn_gait_push(g, &f, NAN, ev));
    }
    g_assert_cmpint(kn_gait_method(g), ==, KN_GAIT_GYRO);
    /* every contact that ends a swing: phases 1..40 of the first bout and
     * 1..10 of the second (a bout's phase-0 contact has no swing before it) */
    g_assert_cmpint(r.n_ic, ==, 40 + 10);
    for (int k = 1; k <= 40; k++)
        max_ic = fmax(max_ic, fabs(nearest(r.ics, r.n_ic, 2.0 + k * stride)));
    /* a toe-off belongs to a stance that began with a detected contact */
    for (int k = 1; k < 40; k++)
        max_to = fmax(max_to, fabs(nearest(r.tos, r.n_to, 2.0 + (k + 0.38) * stride)));
    /* measured 5.0 and 6.0 ms (one sample is 5 ms): limits a quarter above */
    g_test_message("gyro: worst IC error %.1f ms, worst TO error %.1f ms", 1000 * max_ic, 1000 * max_to);
    g_assert_cmpfloat(max_ic, <, 0.00625);
    g_assert_cmpfloat(max_to, <, 0.0075);
    /* stopped once, 2.5 s or so after the last contact, and came back */
    g_assert_cmpint(r.n_stop, ==, 2);
    kn_gait_free(g);
}

/* Impact transient: a damped 30 Hz oscillation starting at t0. */
static double impact(double t, double t0, double peak_g)
{
    double d = t - t0;

    if (d < 0 || d > 0.15)
        return 0;
    return peak_g * G * sin(2 * M_PI * 30 * d) * exp(-d / 0.02) / 0.55;
}

static void test_accel_only(void)
{
    struct kn_gait *g = kn_gait_new();
    struct kn_gait_event ev[KN_GAIT_MAX_EVENTS];
    struct run r = { 0 };
    double rate = 142.857, stride = 0.76, t0 = 1.0, t_end = 40;
    int n_true = (int) floor((t_end - 1 / rate - t0) / stride) + 1;
    gboolean seen[64] = { FALSE };
    double worst = 0;

    for (int n = 0; n < (int) (t_end * rate); n++) {
        double t = n / rate;
        double phase = (t - t0) / stride;
        int k = (int) floor(phase);
        struct kn_frame f = { .t_s = t, .present = KN_HAS_SHANK_ACCEL };
        /* this leg's impact 7 g at each stride start; the other foot's
         * 3 g half a stride later */
        double a = impact(t, t0 + k * stride, 7.0) + impact(t, t0 + (k + 0.5) * stride, 3.0) +
                   impact(t, t0 + (k - 1 + 0.5) * stride, 3.0);

        if (t < t0)
            a = 0;
        f.shank_accel[0] = 0.2 * G * sin(2 * M_PI * phase);
        f.shank_accel[1] = G + a;
        collect(&r, ev, kn_gait_push(g, &f, NAN, ev));
    }
    g_assert_cmpint(kn_gait_method(g), ==, KN_GAIT_ACCEL);
    for (int i = 0; i < r.n_ic; i++) {
        int k = (int) lround((r.ics[i] - t0) / stride);
        double err = r.ics[i] - (t0 + k * stride);

        /* never the other foot, and each contact once */
        g_assert_cmpfloat(fabs(err), <, 0.02);
        g_assert_cmpint(k, >=, 0);
        g_assert_cmpint(k, <, n_true);
        g_assert_false(seen[k]);
        seen[k] = TRUE;
        worst = fmax(worst, fabs(err));
    }
    g_test_message("accel: %d of %d contacts, worst error %.1f ms", r.n_ic, n_true, 1000 * worst);
    /* every one, the first stride's too (held while deciding which foot is
     * which, then released) */
    g_assert_cmpint(r.n_ic, ==, n_true);
    /* measured 1.8 ms; one sample is 7 ms: half a sample of margin */
    g_assert_cmpfloat(worst, <, 0.0018 + 0.5 / rate);
    g_assert_cmpfloat(kn_gait_stride_period(g), >, stride - 0.01);
    g_assert_cmpfloat(kn_gait_stride_period(g), <, stride + 0.01);
    kn_gait_free(g);
}

static double knee_curve(double phase)
{
    return 8 + 30 * bump(phase, 0.15, 0.08) + 92 * bump(phase, 0.62, 0.12);
}

static void test_knee_only(void)
{
    struct kn_gait *g = kn_gait_new();
    struct kn_gait_event ev[KN_GAIT_MAX_EVENTS];
    struct run r = { 0 };
    double rate = 100, stride = 0.7, worst_start = 0, worst_steady = 0;
    int n_true = (int) floor((30 - 1 / rate - 1) / stride), unmatched = 0;
    gboolean seen[64] = { FALSE };

    for (int n = 0; n < (int) (30 * rate); n++) {
        double t = n / rate;
        struct kn_frame f = { .t_s = t, .present = KN_HAS_FLEX };

        f.knee_deg = t < 1 ? 8 : knee_curve((t - 1) / stride);
        collect(&r, ev, kn_gait_push(g, &f, f.knee_deg, ev));
    }
    g_assert_cmpint(kn_gait_method(g), ==, KN_GAIT_KNEE);
    /* The knee method puts a contact 7 % of a running stride after the
     * least flexion (phase 0.945 of this curve): 10.5 ms after each
     * stride's phase 0 (t = 1 + k stride), or at the least flexion itself,
     * 38.5 ms before, while the stride period is not known yet.  Every
     * contact from k = 1 on is found; the only other detection allowed is
     * one in the first stride, before a whole swing has been seen
     * (measured: one, at phase 0.33). */
    for (int i = 0; i < r.n_ic; i++) {
        int k = (int) lround((r.ics[i] - 1) / stride);
        double err = r.ics[i] - (1 + k * stride);

        if (k < 1 || k > n_true || fabs(err) > 0.05 || seen[k]) {
            g_assert_cmpfloat(r.ics[i], <, 1 + stride);
            unmatched++;
            continue;
        }
        seen[k] = TRUE;
        if (k < 3)
            worst_start = fmax(worst_start, fabs(err));
        else
            worst_steady = fmax(worst_steady, fabs(err));
    }
    g_test_message("knee: %d contacts for %d strides, %d in the first stride; worst error %.1f ms "
                   "(first two strides), %.1f ms (after)", r.n_ic, n_true, unmatched,
                   1000 * worst_start, 1000 * worst_steady);
    g_assert_cmpint(r.n_ic - unmatched, ==, n_true);
    g_assert_cmpint(unmatched, <=, 1);
    /* measured 40 and 9.7 ms (100 Hz samples); half a sample of margin */
    g_assert_cmpfloat(worst_start, <, 0.045);
    g_assert_cmpfloat(worst_steady, <, 0.0147);
    g_assert_cmpfloat(fabs(kn_gait_stride_period(g) - stride), <, 0.01);
    kn_gait_free(g);
}

static void test_noise_is_not_walking(void)
{
    struct kn_gait *g = kn_gait_new();
    struct kn_gait_event ev[KN_GAIT_MAX_EVENTS];
    struct run r = { 0 };
    guint32 seed = 12345;

    /* standing with sensor noise and some sway: no event at all */
    for (int n = 0; n < 60 * 200; n++) {
        struct kn_frame f = { .t_s = n / 200.0, .present = KN_HAS_SHANK_IMU };
        double noise;

        seed = seed * 1103515245u + 12345u;
        noise = ((seed >> 8) & 0xffff) / 65536.0 - 0.5;
        f.shank_gyro[2] = 0.3 * sin(n / 200.0 * 2 * M_PI * 0.3) + 0.05 * noise;
        f.shank_accel[1] = G + 0.3 * noise;
        collect(&r, ev, kn_gait_push(g, &f, NAN, ev));
    }
    g_assert_cmpint(r.n_ic + r.n_to + r.n_stop, ==, 0);
    kn_gait_free(g);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/gait/gyro", test_gyro);
    g_test_add_func("/gait/accel-only", test_accel_only);
    g_test_add_func("/gait/knee-only", test_knee_only);
    g_test_add_func("/gait/standing-noise", test_noise_is_not_walking);
    return g_test_run();
}
