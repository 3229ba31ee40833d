/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The angle stage on constructed motions whose knee angle is known:
 * static poses, a knee swinging about a fixed or accelerating knee centre,
 * gyro biases, a slipping flex sensor, calibration.
 */
#include <glib.h>
#include <math.h>
#include <string.h>

#include "analysis/angle.h"
#include "analysis/filter.h"
#include "analysis/imu-knee.h"

#define G KN_STANDARD_GRAVITY
#define D2R KN_RAD_PER_DEG

/* A two-segment sagittal leg: knee centre at k(t) with acceleration
 * knee_acc; thigh and shank angles (rad) with their derivatives. */
struct pose {
    double th, th_d, th_dd;       /* thigh */
    double sh, sh_d, sh_dd;       /* shank */
    double kax, kay;              /* knee-centre linear acceleration, world (fwd, up) */
};

/* Specific force of a point at distance d from the knee along a segment of
 * angle th (sign +1 above the knee, -1 below), in the segment's frame. */
static void segment_accel(double th, double th_d, double th_dd, double d_signed,
                          double kax, double kay, double out[3])
{
    /* position relative to the knee: r = d_signed * (-sin th, cos th) */
    double ax = kax + d_signed * (-cos(th) * th_dd + sin(th) * th_d * th_d);
    double ay = kay + d_signed * (-sin(th) * th_dd - cos(th) * th_d * th_d);
    double fy = ay + G;

    out[0] = ax * cos(th) + fy * sin(th);
    out[1] = -ax * sin(th) + fy * cos(th);
    out[2] = 0;
}

static void make_frame(struct kn_frame *f, double t, const struct pose *p, double bias_t, double bias_s)
{
    *f = (struct kn_frame) { .t_s = t, .present = KN_HAS_THIGH_IMU | KN_HAS_SHANK_IMU };
    segment_accel(p->th, p->th_d, p->th_dd, +0.12, p->kax, p->kay, f->thigh_accel);
    segment_accel(p->sh, p->sh_d, p->sh_dd, -0.12, p->kax, p->kay, f->shank_accel);
    f->thigh_gyro[2] = p->th_d + bias_t;
    f->shank_gyro[2] = p->sh_d + bias_s;
}

static void test_static_poses(void)
{
    static const double poses[][2] = { { 30, -40 }, { 60, -30 }, { 80, 10 }, { 45, 35 } };

    for (size_t i = 0; i < G_N_ELEMENTS(poses); i++) {
        struct kn_angle *a = kn_angle_new(NULL);
        struct pose p = { .th = poses[i][0] * D2R, .sh = poses[i][1] * D2R };
        struct kn_angle_out out;
        struct kn_frame f;

        for (int n = 0; n < 400; n++) {
            make_frame(&f, n * 0.005, &p, 0, 0);
            kn_angle_push(a, &f, n ? 0.005 : 0, &out);
        }
        g_assert_cmpint(out.source, ==, KN_ANGLE_IMU);
        /* not upright: no automatic zeroing */
        g_assert_cmpfloat_with_epsilon(out.knee_deg, poses[i][0] - poses[i][1], 0.01);
        kn_angle_free(a);
    }
}

/* Knee swinging 5..105 degrees at 1.4 Hz with the thigh swinging too and
 * the knee centre bouncing with +-2 g: the knee-centre method must cancel
 * the common acceleration. */
/* Scored over the last 20 s of 60: the filters have converged. */
static double swing_rmse(double bounce_g, double bias_t, double bias_s, double rate_hz, double *ret_max_err)
{
    struct kn_angle *a = kn_angle_new(NULL);
    double w = 2 * M_PI * 1.4, dt = 1.0 / rate_hz, sq = 0, max_err = 0;
    int n_sq = 0;

    for (int n = 0; n < (int) (60 * rate_hz); n++) {
        double t = n * dt;
        double knee = (55 + 50 * sin(w * t)) * D2R;
        double knee_d = 50 * D2R * w * cos(w * t), knee_dd = -50 * D2R * w * w * sin(w * t);
        double th = 20 * D2R * sin(w * t + 1.0);
        double th_d = 20 * D2R * w * cos(w * t + 1.0), th_dd = -20 * D2R * w * w * sin(w * t + 1.0);
        struct pose p = {
            .th = th, .th_d = th_d, .th_dd = th_dd,
            .sh = th - knee, .sh_d = th_d - knee_d, .sh_dd = th_dd - knee_dd,
            .kax = 0.3 * bounce_g * G * sin(2 * w * t),
            .kay = bounce_g * G * sin(2 * w * t + 0.5),
        };
        struct kn_angle_out out;
        struct kn_frame f;

        make_frame(&f, t, &p, bias_t, bias_s);
        kn_angle_push(a, &f, n ? dt : 0, &out);
        if (t > 40) {
            double e = out.knee_deg - knee / D2R;

            sq += e * e;
            n_sq++;
            max_err = fmax(max_err, fabs(e));
        }
    }
    kn_angle_free(a);
    if (ret_max_err)
        *ret_max_err = max_err;
    return sqrt(sq / n_sq);
}

static void test_swing_exact_sensors(void)
{
    double max_err, rmse = swing_rmse(0, 0, 0, 200, &max_err);

    g_test_message("ideal sensors: rmse %.3f deg, max %.3f", rmse, max_err);
    g_assert_cmpfloat(rmse, <, 0.5);
    g_assert_cmpfloat(max_err, <, 1.5);
}

static void test_swing_common_acceleration(void)
{
    double max_err, rmse = swing_rmse(2.0, 0, 0, 200, &max_err);

    g_test_message("+-2 g bounce: rmse %.3f deg, max %.3f", rmse, max_err);
    g_assert_cmpfloat(rmse, <, 0.5);
}

static void test_swing_gyro_bias(void)
{
    /* 0.03 and -0.02 rad/s: 2.9 deg/s of difference, 86 deg in 30 s if
     * integrated blindly */
    double max_err, rmse = swing_rmse(1.0, 0.03, -0.02, 200, &max_err);

    g_test_message("biased gyros: rmse %.3f deg, max %.3f", rmse, max_err);
    g_assert_cmpfloat(rmse, <, 1.0);
}

static void test_swing_rates(void)
{
    static const double rates[] = { 100, 500, 1000 };

    for (size_t i = 0; i < G_N_ELEMENTS(rates); i++) {
        double rmse = swing_rmse(1.0, 0.01, 0, rates[i], NULL);

        g_test_message("%g Hz: rmse %.3f deg", rates[i], rmse);
        g_assert_cmpfloat(rmse, <, 0.8);
    }
}

/* A shank sensor worn turned 25 degrees about the leg (its x no longer
 * anterior) sees the shank's sagittal rotation partly on its x axis.  Once
 * the flexion axes are estimated, the frontal-plane rate must be the
 * shank's own (here the thigh's frontal and transverse rotations carried
 * across the bent knee), without that leak, and the knee angle must not
 * suffer either. */
static void test_frontal_askew_shank(void)
{
    struct kn_angle *a = kn_angle_new(NULL);
    double w = 2 * M_PI * 1.4, dt = 0.005, beta = 25 * D2R;
    double leak_max = 0, err_max = 0, truth_max = 0, knee_err = 0;

    for (int n = 0; n < (int) (60 / dt); n++) {
        double t = n * dt;
        double knee = (55 + 50 * sin(w * t)) * D2R;
        double knee_d = 50 * D2R * w * cos(w * t), knee_dd = -50 * D2R * w * w * sin(w * t);
        double th = 20 * D2R * sin(w * t + 1.0);
        double th_d = 20 * D2R * w * cos(w * t + 1.0), th_dd = -20 * D2R * w * w * sin(w * t + 1.0);
        /* the thigh's own frontal (ab/adduction) and transverse (about
         * its length) rotations: a hinge model needs some of both */
        double phi_d = 3 * D2R * w * cos(w * t + 0.3);
        double psi_d = 5 * D2R * w * cos(w * t + 2.0);
        struct pose p = {
            .th = th, .th_d = th_d, .th_dd = th_dd,
            .sh = th - knee, .sh_d = th_d - knee_d, .sh_dd = th_dd - knee_dd,
        };
        double acc[3], gyr[3], truth;
        struct kn_angle_out out;
        struct kn_frame f;

        make_frame(&f, t, &p, 0, 0);
        /* the hinge carries the thigh's rotation into the shank's frame,
         * turned by the knee angle */
        f.thigh_gyro[0] = phi_d;
        f.thigh_gyro[1] = psi_d;
        f.shank_gyro[0] = cos(knee) * phi_d - sin(knee) * psi_d;
        f.shank_gyro[1] = sin(knee) * phi_d + cos(knee) * psi_d;
        truth = f.shank_gyro[0];
        /* the shank's segment-frame vectors seen from a sensor turned by
         * beta about the segment's y */
        memcpy(acc, f.shank_accel, sizeof(acc));
        memcpy(gyr, f.shank_gyro, sizeof(gyr));
        f.shank_accel[0] = cos(beta) * acc[0] - sin(beta) * acc[2];
        f.shank_accel[2] = sin(beta) * acc[0] + cos(beta) * acc[2];
        f.shank_gyro[0] = cos(beta) * gyr[0] - sin(beta) * gyr[2];
        f.shank_gyro[2] = sin(beta) * gyr[0] + cos(beta) * gyr[2];
        kn_angle_push(a, &f, n ? dt : 0, &out);
        if (t > 40) {
            leak_max = fmax(leak_max, fabs(f.shank_gyro[0] - truth));
            err_max = fmax(err_max, fabs(out.frontal_rads - truth));
            truth_max = fmax(truth_max, fabs(truth));
            knee_err = fmax(knee_err, fabs(out.knee_deg - knee / D2R));
        }
    }
    kn_angle_free(a);
    g_test_message("askew shank: gyro x off the frontal rate by up to %.2f rad/s, kneed's frontal rate by "
                   "%.3f (the rate itself up to %.2f); knee error up to %.2f deg",
                   leak_max, err_max, truth_max, knee_err);
    g_assert_cmpfloat(leak_max, >, 1.0);
    g_assert_cmpfloat(truth_max, >, 0.3);
    g_assert_cmpfloat(err_max, <, 0.05 * truth_max + 0.02);
    g_assert_cmpfloat(knee_err, <, 2.0);
}

/* The accelerometers' window: ~5 ms of frames, 1 to 15, whatever the
 * interval.  A tiny one (two recording rows 1e-300 s apart) once went
 * through lround()'s overflow, whose result differs between x86 and arm;
 * the arm64 build runs this test under qemu-user. */
static void test_half_window(void)
{
    static const struct {
        double dt;
        unsigned h;
    } cases[] = {
        { 1e-3, 5 }, { 1.0 / 400, 2 }, { 1.0 / 200, 1 }, { 1.0, 1 }, { 1e-4, 15 },
        { 1e-300, 15 }, { 5e-324, 15 }, { 0, 1 }, { -1e-3, 1 },
    };

    for (size_t i = 0; i < G_N_ELEMENTS(cases); i++)
        g_assert_cmpuint(kn_imu_knee_half_window(cases[i].dt), ==, cases[i].h);
    g_assert_cmpuint(kn_imu_knee_half_window(NAN), ==, 1);
    g_assert_cmpuint(kn_imu_knee_half_window(INFINITY), ==, 1);
}

static void test_flex_only(void)
{
    struct kn_angle *a = kn_angle_new(NULL);
    struct kn_angle_out out;
    struct kn_frame f = { .present = KN_HAS_FLEX };

    /* moving: passed through */
    for (int n = 0; n < 200; n++) {
        f.t_s = n * 0.01;
        f.knee_deg = 40 + 30 * sin(n * 0.1);
        kn_angle_push(a, &f, n ? 0.01 : 0, &out);
        g_assert_cmpint(out.source, ==, KN_ANGLE_FLEX);
        g_assert_cmpfloat_with_epsilon(out.knee_deg, f.knee_deg, 1e-9);
    }
    /* rate is the derivative (after the low-pass settles) */
    g_assert_cmpfloat_with_epsilon(out.rate_dps, 30 * 0.1 / 0.01 * cos(199 * 0.1), 40);
    kn_angle_free(a);
}

static void stand(struct kn_angle *a, double knee, struct kn_angle_out *out)
{
    struct kn_frame f = { .present = KN_HAS_FLEX, .knee_deg = knee };

    for (int n = 0; n < 400; n++) {
        f.t_s = n * 0.01;
        kn_angle_push(a, &f, n ? 0.01 : 0, out);
    }
}

static void test_flex_standing_offset(void)
{
    struct kn_angle *a = kn_angle_new(NULL);
    struct kn_angle_out out;
    struct kn_frame f = { .present = KN_HAS_FLEX };

    /* a standing reading of 9 degrees is beyond the 5 degree band a
     * standing knee may have: a sensor offset, all of it removed */
    stand(a, 9.0, &out);
    g_assert_true(out.still);
    g_assert_cmpfloat_with_epsilon(out.knee_deg, 0.0, 1e-9);
    g_assert_cmpfloat_with_epsilon(kn_angle_zero_offset(a), 9.0, 1e-9);
    /* a later reading keeps that zero */
    f.t_s = 4.01;
    f.knee_deg = 50;
    kn_angle_push(a, &f, 0.01, &out);
    g_assert_cmpfloat_with_epsilon(out.knee_deg, 41.0, 1e-9);
    kn_angle_free(a);

    /* 3 degrees standing is a knee, not an offset */
    a = kn_angle_new(NULL);
    stand(a, 3.0, &out);
    g_assert_true(out.still);
    g_assert_cmpfloat_with_epsilon(out.knee_deg, 3.0, 1e-9);
    kn_angle_free(a);
}

static void test_fused_slip(void)
{
    struct kn_angle *a = kn_angle_new(NULL);
    double w = 2 * M_PI * 1.4, dt = 0.005, err_before = 0, err_after = 0;

    for (int n = 0; n < 60 * 200; n++) {
        double t = n * dt;
        double knee = (55 + 50 * sin(w * t)) * D2R;
        double knee_d = 50 * D2R * w * cos(w * t), knee_dd = -50 * D2R * w * w * sin(w * t);
        struct pose p = { .sh = -knee, .sh_d = -knee_d, .sh_dd = -knee_dd };
        struct kn_angle_out out;
        struct kn_frame f;

        make_frame(&f, t, &p, 0, 0);
        f.present |= KN_HAS_FLEX;
        /* the sleeve slips 8 degrees at t = 30 s, over 2 s */
        f.knee_deg = knee / D2R + 8.0 * fmin(fmax((t - 30) / 2, 0), 1);
        kn_angle_push(a, &f, n ? dt : 0, &out);
        if (t > 0.1)
            g_assert_cmpint(out.source, ==, KN_ANGLE_FUSED);
        if (t > 25 && t < 30)
            err_before = fmax(err_before, fabs(out.knee_deg - knee / D2R));
        if (t > 45)
            err_after = fmax(err_after, fabs(out.knee_deg - knee / D2R));
    }
    g_test_message("fused: max error before slip %.2f, 13 s after %.2f", err_before, err_after);
    g_assert_cmpfloat(err_before, <, 1.0);
    g_assert_cmpfloat(err_after, <, 1.0);
    kn_angle_free(a);
}

static void test_calibrate(void)
{
    struct kn_angle *a = kn_angle_new(NULL);
    struct pose p = { .th = 5 * D2R, .sh = -2 * D2R };
    struct kn_angle_out out;
    struct kn_frame f;
    double before;

    for (int n = 0; n < 100; n++) {
        make_frame(&f, n * 0.01, &p, 0, 0);
        f.present |= KN_HAS_FLEX;
        f.knee_deg = 4.0;
        kn_angle_push(a, &f, n ? 0.01 : 0, &out);
    }
    /* fused: the IMUs give the absolute zero, the flex sensor the motion */
    g_assert_cmpfloat_with_epsilon(out.knee_deg, 7.0, 0.2);
    before = kn_angle_calibrate(a);
    g_assert_cmpfloat_with_epsilon(before, 7.0, 0.01);
    make_frame(&f, 1.0, &p, 0, 0);
    f.present |= KN_HAS_FLEX;
    f.knee_deg = 4.0;
    kn_angle_push(a, &f, 0.01, &out);
    g_assert_cmpfloat_with_epsilon(out.knee_deg, 0.0, 0.01);
    g_assert_cmpfloat_with_epsilon(out.imu_knee_deg, 0.0, 0.01);
    kn_angle_free(a);
}

static void test_no_sensors(void)
{
    struct kn_angle *a = kn_angle_new(NULL);
    struct kn_angle_out out;
    struct kn_frame f = { .t_s = 0, .present = KN_HAS_SHANK_ACCEL, .shank_accel = { 0, G, 0 } };

    kn_angle_push(a, &f, 0, &out);
    g_assert_cmpint(out.source, ==, KN_ANGLE_NONE);
    g_assert_true(isnan(out.knee_deg));
    kn_angle_free(a);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/angle/imu/static-poses", test_static_poses);
    g_test_add_func("/angle/imu/swing-ideal", test_swing_exact_sensors);
    g_test_add_func("/angle/imu/swing-common-acceleration", test_swing_common_acceleration);
    g_test_add_func("/angle/imu/swing-gyro-bias", test_swing_gyro_bias);
    g_test_add_func("/angle/imu/swing-rates", test_swing_rates);
    g_test_add_func("/angle/imu/frontal-askew-shank", test_frontal_askew_shank);
    g_test_add_func("/angle/imu/half-window", test_half_window);
    g_test_add_func("/angle/flex/pass-through", test_flex_only);
    g_test_add_func("/angle/flex/standing-offset", test_flex_standing_offset);
    g_test_add_func("/angle/fused/slip", test_fused_slip);
    g_test_add_func("/angle/calibrate", test_calibrate);
    g_test_add_func("/angle/no-sensors", test_no_sensors);
    return g_test_run();
}
