/* SPDX-License-Identifier: GPL-2.0-or-later */
/* client/mocap-model.c on constructed markers with known answers: the
 * Harrington hip joint centre, sagittal and frontal angles, segment
 * frames, the angular velocity of a turning frame, peak picking, and the
 * recovery of swapped marker labels. */
#include <errno.h>
#include <glib.h>
#include <math.h>
#include <string.h>

#include "client/mocap-model.h"

#define DEG (M_PI / 180.0)

/* Laboratory: X forward, Y left, Z up; so the body's right is -Y. */
static const double fwd[3] = { 1, 0, 0 }, up[3] = { 0, 0, 1 }, right[3] = { 0, -1, 0 };

static void assert_vec(const double a[3], const double b[3], double eps)
{
    for (int i = 0; i < 3; i++)
        g_assert_cmpfloat_with_epsilon(a[i], b[i], eps);
}

/* Turns p about Z by angle a and shifts it: the lab frame of another
 * walking direction. */
static void place(const double p[3], double a, const double shift[3], double ret[3])
{
    ret[0] = cos(a) * p[0] - sin(a) * p[1] + shift[0];
    ret[1] = sin(a) * p[0] + cos(a) * p[1] + shift[1];
    ret[2] = p[2] + shift[2];
}

static void test_hjc_harrington(void)
{
    const double pw = 250, pd = 180;
    const double lasi[3] = { 0, pw / 2, 0 }, rasi[3] = { 0, -pw / 2, 0 };
    const double sacrum[3] = { -pd, 0, 0 }, rpsi[3] = { -pd, -45, 0 };
    /* x = -0.24 PD - 9.9, y (up) = -0.30 PW - 10.9, z (right) = 0.33 PW + 7.3 */
    const double right_hjc[3] = { -0.24 * pd - 9.9, -(0.33 * pw + 7.3), -0.30 * pw - 10.9 };
    const double left_hjc[3] = { -0.24 * pd - 9.9, +(0.33 * pw + 7.3), -0.30 * pw - 10.9 };
    const double shift[3] = { 1000, -3000, 950 };
    struct kn_pelvis p;
    double h[3];

    g_assert_cmpint(kn_pelvis_from_markers(lasi, rasi, sacrum, &p), ==, 0);
    g_assert_cmpfloat_with_epsilon(p.width, pw, 1e-9);
    g_assert_cmpfloat_with_epsilon(p.depth, pd, 1e-9);
    assert_vec(p.x, fwd, 1e-12);
    assert_vec(p.y, up, 1e-12);
    assert_vec(p.z, right, 1e-12);
    kn_hjc_harrington(&p, +1, h);
    assert_vec(h, right_hjc, 1e-9);
    kn_hjc_harrington(&p, -1, h);
    assert_vec(h, left_hjc, 1e-9);

    /* One PSIS instead of the midpoint: its lateral offset drops out. */
    g_assert_cmpint(kn_pelvis_from_markers(lasi, rasi, rpsi, &p), ==, 0);
    g_assert_cmpfloat_with_epsilon(p.depth, pd, 1e-9);
    kn_hjc_harrington(&p, +1, h);
    assert_vec(h, right_hjc, 1e-9);

    /* Walking another way, elsewhere in the room: the same point on the body. */
    {
        double l2[3], r2[3], s2[3], expect[3];

        place(lasi, 2.0, shift, l2);
        place(rasi, 2.0, shift, r2);
        place(sacrum, 2.0, shift, s2);
        place(right_hjc, 2.0, shift, expect);
        g_assert_cmpint(kn_pelvis_from_markers(l2, r2, s2, &p), ==, 0);
        kn_hjc_harrington(&p, +1, h);
        assert_vec(h, expect, 1e-9);
    }
    /* Degenerate markers. */
    g_assert_cmpint(kn_pelvis_from_markers(lasi, lasi, sacrum, &p), ==, -EDOM);
    {
        const double on_line[3] = { 0, 0, 0 };

        g_assert_cmpint(kn_pelvis_from_markers(lasi, rasi, on_line, &p), ==, -EDOM);
    }
}

static void test_angles(void)
{
    for (double th = -80; th <= 80; th += 20) {
        /* Long axis at (-sin th, cos th) in (forward, up): distal end forward for th > 0. */
        double along[3] = { -sin(th * DEG) * 300, 0, cos(th * DEG) * 300 };
        double side[3] = { 0, -sin(th * DEG) * 300, cos(th * DEG) * 300 };

        g_assert_cmpfloat_with_epsilon(kn_sagittal_angle_deg(along, fwd, up), th, 1e-9);
        g_assert_cmpfloat_with_epsilon(kn_frontal_angle_deg(along, right, up), 0, 1e-9);
        /* Leaning the top to the body's right (-Y) is positive. */
        g_assert_cmpfloat_with_epsilon(kn_frontal_angle_deg(side, right, up), th, 1e-9);
        g_assert_cmpfloat_with_epsilon(kn_sagittal_angle_deg(side, fwd, up), 0, 1e-9);
    }
}

static double det3(const double m[3][3])
{
    return m[0][0] * (m[1][1] * m[2][2] - m[1][2] * m[2][1]) -
           m[0][1] * (m[1][0] * m[2][2] - m[1][2] * m[2][0]) +
           m[0][2] * (m[1][0] * m[2][1] - m[1][1] * m[2][0]);
}

static void test_segment_frame(void)
{
    const double along[3] = { -0.3, 0.1, 0.9 };
    double f[3][3], u[3];

    g_assert_cmpint(kn_segment_frame(along, right, f), ==, 0);
    for (int i = 0; i < 3; i++)
        for (int j = 0; j < 3; j++)
            g_assert_cmpfloat_with_epsilon(kn_vec_dot(f[i], f[j]), i == j ? 1.0 : 0.0, 1e-12);
    g_assert_cmpfloat_with_epsilon(det3(f), 1.0, 1e-12);
    g_assert_cmpint(kn_vec_unit(along, u), ==, 0);
    assert_vec(f[1], u, 1e-12);
    /* x lies in the sagittal plane, forward; z leans to the right. */
    g_assert_cmpfloat_with_epsilon(kn_vec_dot(f[0], right), 0, 1e-12);
    g_assert_cmpfloat(kn_vec_dot(f[0], fwd), >, 0.9);
    g_assert_cmpfloat(kn_vec_dot(f[2], right), >, 0.9);
    /* An upright segment reads gravity (specific force +g up) on +y. */
    {
        const double vertical[3] = { 0, 0, 1 };

        g_assert_cmpint(kn_segment_frame(vertical, right, f), ==, 0);
        g_assert_cmpfloat_with_epsilon(kn_vec_dot(up, f[1]), 1.0, 1e-12);
        g_assert_cmpfloat_with_epsilon(kn_vec_dot(up, f[0]), 0.0, 1e-12);
    }
    g_assert_cmpint(kn_segment_frame(right, right, f), ==, -EDOM);
}

/* A segment swinging about the body's right axis at a known rate reads
 * that rate on its own z (positive: distal end forward); one leaning in
 * the frontal plane reads on x. */
static void test_angular_velocity(void)
{
    const double dt = 0.005, w = 2.5;
    double f[3][3][3], g[3];

    for (int k = 0; k < 3; k++) {
        double th = 0.2 + w * dt * k;
        double along[3] = { -sin(th), 0, cos(th) };

        g_assert_cmpint(kn_segment_frame(along, right, f[k]), ==, 0);
    }
    kn_frame_angular_velocity(f[0], f[1], f[2], dt, g);
    g_assert_cmpfloat_with_epsilon(g[2], w, 1e-4);
    g_assert_cmpfloat_with_epsilon(g[0], 0, 1e-9);
    g_assert_cmpfloat_with_epsilon(g[1], 0, 1e-9);

    for (int k = 0; k < 3; k++) {
        double ph = 0.1 + w * dt * k;
        double along[3] = { 0, -sin(ph), cos(ph) };

        g_assert_cmpint(kn_segment_frame(along, right, f[k]), ==, 0);
    }
    kn_frame_angular_velocity(f[0], f[1], f[2], dt, g);
    g_assert_cmpfloat_with_epsilon(g[0], w, 1e-4);
    g_assert_cmpfloat_with_epsilon(g[2], 0, 1e-9);
}

static void test_find_maxima(void)
{
    const size_t n = 1000;
    g_autofree double *x = g_new(double, n);
    g_autofree bool *allowed = g_new(bool, n);
    size_t idx[32], k;

    /* Peaks of sin every 100 samples at 25, 125, ...; a small ripple
     * must not add peaks within the window. */
    for (size_t i = 0; i < n; i++) {
        x[i] = sin(2 * M_PI * i / 100.0) + 0.05 * sin(2 * M_PI * i / 7.0);
        allowed[i] = i >= 300;
    }
    k = kn_find_maxima(x, n, NULL, 30, 0.5, idx, G_N_ELEMENTS(idx));
    g_assert_cmpuint(k, ==, 10);
    for (size_t j = 0; j < k; j++)
        g_assert_cmpint(labs((long) idx[j] - (long) (25 + 100 * j)), <=, 3);
    k = kn_find_maxima(x, n, allowed, 30, 0.5, idx, G_N_ELEMENTS(idx));
    g_assert_cmpuint(k, ==, 7);
    k = kn_find_maxima(x, n, NULL, 30, 2.0, idx, G_N_ELEMENTS(idx));
    g_assert_cmpuint(k, ==, 0);
    /* A plateau counts once. */
    {
        double p[7] = { 0, 1, 2, 2, 2, 1, 0 };

        k = kn_find_maxima(p, 7, NULL, 2, 0, idx, 4);
        g_assert_cmpuint(k, ==, 1);
        g_assert_cmpuint(idx[0], ==, 2);
    }
}

/* Pelvis and leg markers of someone walking along -Y (right = -X), over
 * a few frames with a little motion. */
#define NF 20
static double body[12][NF * 3];
enum { LASI, RASI, LPSI, RPSI, RKNE, LKNE, RANK, LANK, RTOE, LTOE, RHEE, LHEE };

static void make_body(void)
{
    static const double where[12][3] = {
        [LASI] = { 125, 0, 950 }, [RASI] = { -125, 0, 950 },
        [LPSI] = { 45, 180, 990 }, [RPSI] = { -45, 180, 990 },
        [RKNE] = { -150, 0, 500 }, [LKNE] = { 150, 0, 500 },
        [RANK] = { -140, 30, 80 }, [LANK] = { 140, 30, 80 },
        [RTOE] = { -120, -170, 40 }, [LTOE] = { 120, -170, 40 },
        [RHEE] = { -110, 50, 45 }, [LHEE] = { 110, 50, 45 },
    };

    for (int k = 0; k < 12; k++)
        for (int i = 0; i < NF; i++)
            for (int a = 0; a < 3; a++)
                body[k][3 * i + a] = where[k][a] + (a == 1 ? -60.0 * i : 0) + 3 * sin(i + k);
}

static void check_pelvis(const int labelled_as[4], const int expect[4])
{
    const double *t[4];
    int order[4];

    for (int k = 0; k < 4; k++)
        t[k] = body[labelled_as[k]];
    g_assert_cmpint(kn_mocap_pelvis_roles(t, NF, order), ==, 0);
    for (int k = 0; k < 4; k++)
        g_assert_cmpint(order[k], ==, expect[k]);
}

static void test_pelvis_roles(void)
{
    make_body();
    /* As labelled. */
    check_pelvis((const int[4]) { LASI, RASI, LPSI, RPSI }, (const int[4]) { 0, 1, 2, 3 });
    /* Left and right swapped (trial M1Gang16). */
    check_pelvis((const int[4]) { RASI, LASI, RPSI, LPSI }, (const int[4]) { 1, 0, 3, 2 });
    /* ASIS and PSIS swapped. */
    check_pelvis((const int[4]) { LPSI, RPSI, LASI, RASI }, (const int[4]) { 2, 3, 0, 1 });
    /* Turned half round (trial M1Gang20). */
    check_pelvis((const int[4]) { RPSI, LPSI, RASI, LASI }, (const int[4]) { 3, 2, 1, 0 });

    /* No frame with all four: nothing to decide. */
    {
        g_autofree double *gone = g_new(double, NF * 3);
        const double *t[4] = { body[LASI], body[RASI], body[LPSI], gone };
        int order[4];

        for (int i = 0; i < NF * 3; i++)
            gone[i] = NAN;
        g_assert_cmpint(kn_mocap_pelvis_roles(t, NF, order), ==, -ENODATA);
    }
    /* Four markers in a row fit no labelling. */
    {
        const double *t[4] = { body[LASI], body[RASI], body[LASI], body[RASI] };
        int order[4];

        g_assert_cmpint(kn_mocap_pelvis_roles(t, NF, order), ==, -EBADMSG);
    }
}

static void test_leg_roles(void)
{
    const double *pel[4];
    int order[4];

    make_body();
    for (int k = 0; k < 4; k++)
        pel[k] = body[LASI + k];
    {
        /* Knees and ankles: labelled RKNE, LKNE, RANK, LANK but holding
         * LKNE, RKNE, LANK, RANK (left/right swapped). */
        const double *t[4] = { body[LKNE], body[RKNE], body[LANK], body[RANK] };

        g_assert_cmpint(kn_mocap_leg_roles(pel, t, NF, true, order), ==, 0);
        g_assert_cmpint(order[0], ==, 1);   /* right knee is labelled LKNE */
        g_assert_cmpint(order[1], ==, 0);
        g_assert_cmpint(order[2], ==, 3);
        g_assert_cmpint(order[3], ==, 2);
    }
    {
        /* Feet: right toe and heel swapped (trial F1Gang7). */
        const double *t[4] = { body[RHEE], body[LTOE], body[RTOE], body[LHEE] };

        g_assert_cmpint(kn_mocap_leg_roles(pel, t, NF, false, order), ==, 0);
        g_assert_cmpint(order[0], ==, 2);
        g_assert_cmpint(order[1], ==, 1);
        g_assert_cmpint(order[2], ==, 0);
        g_assert_cmpint(order[3], ==, 3);
    }
    {
        const double *t[4] = { body[RKNE], body[LKNE], body[RANK], body[LANK] };

        g_assert_cmpint(kn_mocap_leg_roles(pel, t, NF, true, order), ==, 0);
        for (int k = 0; k < 4; k++)
            g_assert_cmpint(order[k], ==, k);
    }
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/mocap-model/hjc-harrington", test_hjc_harrington);
    g_test_add_func("/mocap-model/angles", test_angles);
    g_test_add_func("/mocap-model/segment-frame", test_segment_frame);
    g_test_add_func("/mocap-model/angular-velocity", test_angular_velocity);
    g_test_add_func("/mocap-model/find-maxima", test_find_maxima);
    g_test_add_func("/mocap-model/pelvis-roles", test_pelvis_roles);
    g_test_add_func("/mocap-model/leg-roles", test_leg_roles);
    return g_test_run();
}
