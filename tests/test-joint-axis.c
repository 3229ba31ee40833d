/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Joint axis and joint centre recovered from synthetic motion of two
 * segments joined at a known hinge / point, with the sensors mounted
 * askew.
 */
#include <glib.h>
#include <math.h>

#include "analysis/joint-axis.h"

#define N 300

static double urand(guint32 *seed)
{
    *seed = *seed * 1664525u + 1013904223u;
    return ((*seed >> 8) & 0xffffff) / (double) 0x1000000 - 0.5;
}

/* Rotates v about unit axis k by angle a (Rodrigues). */
static void rotate(const double k[3], double a, const double v[3], double out[3])
{
    double c = cos(a), s = sin(a), d = k[0] * v[0] + k[1] * v[1] + k[2] * v[2];
    double x[3] = { k[1] * v[2] - k[2] * v[1], k[2] * v[0] - k[0] * v[2], k[0] * v[1] - k[1] * v[0] };

    for (int i = 0; i < 3; i++)
        out[i] = v[i] * c + x[i] * s + k[i] * d * (1 - c);
}

static double angle_between(const double a[3], const double b[3])
{
    double d = a[0] * b[0] + a[1] * b[1] + a[2] * b[2];

    return acos(fmin(fmax(d, -1.0), 1.0)) * 180 / M_PI;
}

static void test_axis(void)
{
    /* the hinge is world z; the thigh sensor is rotated 25 degrees about
     * (1, 1, 0), the shank one 15 degrees about (0, 1, 0.3): their frames
     * see the hinge off their z */
    static const double kt[3] = { M_SQRT1_2, M_SQRT1_2, 0 };
    double ks[3] = { 0, 1, 0.3 }, n = sqrt(1.09), jt_true[3], js_true[3], z[3] = { 0, 0, 1 };
    double (*wt)[3] = g_malloc(N * sizeof(*wt)), (*ws)[3] = g_malloc(N * sizeof(*ws));
    struct kn_joint_axis_fit fit;
    guint32 seed = 7;

    for (int i = 0; i < 3; i++)
        ks[i] /= n;
    /* a vector fixed in the world, seen from a frame rotated by R, is
     * R^T v: rotate by the negative angle */
    rotate(kt, -25 * M_PI / 180, z, jt_true);
    rotate(ks, -15 * M_PI / 180, z, js_true);
    for (int i = 0; i < N; i++) {
        double w_thigh[3] = { 1.5 * urand(&seed), 1.5 * urand(&seed), 6 * urand(&seed) };
        double flex = 8 * urand(&seed);
        double w_shank[3] = { w_thigh[0], w_thigh[1], w_thigh[2] - flex };

        rotate(kt, -25 * M_PI / 180, w_thigh, wt[i]);
        rotate(ks, -15 * M_PI / 180, w_shank, ws[i]);
    }
    g_assert_true(kn_joint_axis_fit((const double (*)[3]) wt, (const double (*)[3]) ws, N, &fit));
    g_test_message("thigh axis off by %.3f deg, shank %.3f deg; rms %.2e (on z: %.2f)",
                   angle_between(fit.thigh, jt_true), angle_between(fit.shank, js_true), fit.rms, fit.rms_z);
    g_assert_cmpfloat(angle_between(fit.thigh, jt_true), <, 0.5);
    g_assert_cmpfloat(angle_between(fit.shank, js_true), <, 0.5);
    g_assert_cmpfloat(fit.rms, <, 0.01 * fit.rms_z);
    g_free(wt);
    g_free(ws);
}

static void test_axis_too_few(void)
{
    double w[10][3] = { { 0 } };
    struct kn_joint_axis_fit fit;

    g_assert_false(kn_joint_axis_fit((const double (*)[3]) w, (const double (*)[3]) w, 10, &fit));
}

static void cross(const double a[3], const double b[3], double out[3])
{
    out[0] = a[1] * b[2] - a[2] * b[1];
    out[1] = a[2] * b[0] - a[0] * b[2];
    out[2] = a[0] * b[1] - a[1] * b[0];
}

/* The specific force of a sensor at r from the joint on a body rotating
 * with w, alpha while the joint accelerates with aj. */
static void sensor_force(const double aj[3], const double w[3], const double al[3], const double r[3], double f[3])
{
    double ar[3], wr[3], wwr[3];

    cross(al, r, ar);
    cross(w, r, wr);
    cross(w, wr, wwr);
    for (int i = 0; i < 3; i++)
        f[i] = aj[i] + ar[i] + wwr[i] + (i == 1 ? 9.80665 : 0);
}

static void test_centre(void)
{
    /* sensor to joint: 14 cm down the thigh (and 2 cm back), 9 cm up the
     * shank */
    static const double ot[3] = { -0.02, -0.14, 0.01 }, os[3] = { 0.01, 0.09, -0.01 };
    static const double nominal_t[3] = { 0, -0.12, 0 }, nominal_s[3] = { 0, 0.12, 0 };
    struct kn_joint_sample *s = g_new(struct kn_joint_sample, N);
    struct kn_joint_centre_fit fit;
    guint32 seed = 11;

    for (int i = 0; i < N; i++) {
        double aj[3] = { 20 * urand(&seed), 20 * urand(&seed), 5 * urand(&seed) };
        double rt[3] = { -ot[0], -ot[1], -ot[2] }, rs[3] = { -os[0], -os[1], -os[2] };

        for (int k = 0; k < 3; k++) {
            s[i].wt[k] = 8 * urand(&seed);
            s[i].alt[k] = 100 * urand(&seed);
            s[i].ws[k] = 8 * urand(&seed);
            s[i].als[k] = 100 * urand(&seed);
        }
        sensor_force(aj, s[i].wt, s[i].alt, rt, s[i].at);
        sensor_force(aj, s[i].ws, s[i].als, rs, s[i].as);
    }
    g_assert_true(kn_joint_centre_fit(s, N, nominal_t, nominal_s, 0.35, &fit));
    g_test_message("thigh %.4f %.4f %.4f, shank %.4f %.4f %.4f, rms %.2e (nominal %.2f)", fit.thigh[0],
                   fit.thigh[1], fit.thigh[2], fit.shank[0], fit.shank[1], fit.shank[2], fit.rms, fit.rms_start);
    for (int k = 0; k < 3; k++) {
        g_assert_cmpfloat_with_epsilon(fit.thigh[k], ot[k], 1e-3);
        g_assert_cmpfloat_with_epsilon(fit.shank[k], os[k], 1e-3);
    }
    /* a bound that excludes the answer refuses the fit */
    g_assert_false(kn_joint_centre_fit(s, N, nominal_t, nominal_s, 0.1, &fit));
    g_free(s);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/joint-axis/axis", test_axis);
    g_test_add_func("/joint-axis/axis-too-few", test_axis_too_few);
    g_test_add_func("/joint-axis/centre", test_centre);
    return g_test_run();
}
