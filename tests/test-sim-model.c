/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The simulated sleeve: signals consistent with the kinematics (gyro =
 * derivative of the segment angle, accelerometer = second derivative of
 * the sensor position minus gravity, in the segment frame); gait numbers
 * against the published ranges (../shared/domain.md); determinism; noise;
 * mirroring; blends, rates and repeating.
 */
#include "tests/sim-helpers.h"

/* ---- determinism ---- */

static void test_determinism(void)
{
    struct kn_sim_config c;
    struct run a, b, a0, d, d0;
    double diff_noise = 0, diff_knee = 0;

    kn_sim_config_init(&c);
    config_blocks(&c, (const char *const[]) { "stand:3", "run:30", "walk:10", "stand:3", NULL });
    config_event(&c, "hyperextension@10");
    config_event(&c, "giving_way@20");
    run_sim(&c, &a);
    run_sim(&c, &b);
    g_assert_cmpuint(a.n, ==, b.n);
    g_assert_cmpmem(a.f, a.n * sizeof(*a.f), b.f, b.n * sizeof(*b.f));
    g_assert_cmpmem(a.t, a.n * sizeof(*a.t), b.t, b.n * sizeof(*b.t));
    g_assert_cmpmem(a.windows, a.n_windows * sizeof(*a.windows), b.windows, b.n_windows * sizeof(*b.windows));

    c.seed = 2;
    run_sim(&c, &d);
    c.noise = 0;
    run_sim(&c, &d0);
    c.seed = 1;
    run_sim(&c, &a0);
    g_assert_cmpuint(a.n, ==, d.n);
    for (size_t i = 0; i < a.n; i++) {
        /* the noise: what each run adds to its own ideal signal */
        double na = a.f[i].shank_accel[0] - a0.f[i].shank_accel[0];
        double nd = d.f[i].shank_accel[0] - d0.f[i].shank_accel[0];

        diff_noise = fmax(diff_noise, fabs(na - nd));
        diff_knee = fmax(diff_knee, fabs(a.t[i].knee_deg - d.t[i].knee_deg));
    }
    /* Different noise, and a slightly different gait. */
    g_assert_cmpfloat(diff_noise, >, 0.1);
    g_assert_cmpfloat(diff_knee, >, 1);
    run_clear(&a);
    run_clear(&b);
    run_clear(&a0);
    run_clear(&d);
    run_clear(&d0);
}

/* The truth does not depend on the noise: the gait has its own stream. */
static void test_noise_independent_truth(void)
{
    struct kn_sim_config c;
    struct run a, b;

    kn_sim_config_init(&c);
    config_blocks(&c, (const char *const[]) { "stand:3", "run:20", "stand:3", NULL });
    run_sim(&c, &a);
    c.noise = 0;
    c.sensors = KN_HAS_SHANK_GYRO;
    run_sim(&c, &b);
    g_assert_cmpmem(a.t, a.n * sizeof(*a.t), b.t, b.n * sizeof(*b.t));
    run_clear(&a);
    run_clear(&b);
}

/* ---- signals against kinematics ---- */

static void test_ideal_gyro_and_flex(void)
{
    struct kn_sim_config c;
    struct run r;
    double worst_t = 0, worst_s = 0, scale = 0;

    kn_sim_config_init(&c);
    c.rate_hz = 1000;
    c.noise = 0;
    config_blocks(&c, (const char *const[]) { "stand:3", "walk:12", "run:12:185:4.2", "stand:3", NULL });
    config_event(&c, "giving_way@8");
    config_event(&c, "locking@18:duration=3");
    config_event(&c, "hyperextension@24");
    run_sim(&c, &r);
    for (size_t i = 1; i + 1 < r.n; i++) {
        double dt = r.t[i + 1].t_s - r.t[i - 1].t_s;
        double thigh = (r.t[i + 1].thigh_deg - r.t[i - 1].thigh_deg) * DEG / dt;
        double shank = (r.t[i + 1].shank_deg - r.t[i - 1].shank_deg) * DEG / dt;
        double cb_t = cos(r.t[i].thigh_frontal_deg * DEG), cb_s = cos(r.t[i].shank_frontal_deg * DEG);

        /* gyro z = theta' cos(beta): the sagittal rate seen by a sensor
         * tilted by the frontal angle. */
        worst_t = fmax(worst_t, fabs(r.f[i].thigh_gyro[2] - thigh * cb_t));
        worst_s = fmax(worst_s, fabs(r.f[i].shank_gyro[2] - shank * cb_s));
        scale = fmax(scale, fabs(r.f[i].shank_gyro[2]));
        g_assert_cmpfloat(r.f[i].knee_deg, ==, r.t[i].knee_deg);
    }
    g_test_message("gyro z vs d(angle)/dt: thigh %.5f, shank %.5f rad/s (peak %.1f)", worst_t, worst_s, scale);
    g_assert_cmpfloat(scale, >, 8);
    g_assert_cmpfloat(worst_t, <, 0.002);
    g_assert_cmpfloat(worst_s, <, 0.012);
    run_clear(&r);
}

/* accel = R^T (p'' + g) with R = Rz(theta) Rx(beta), p'' from second
 * differences of the truth's sensor positions. */
static void expected_accel(const struct run *r, size_t i, bool shank, double out[3])
{
    const double *p0 = shank ? r->t[i - 1].shank_imu_pos : r->t[i - 1].thigh_imu_pos;
    const double *p1 = shank ? r->t[i].shank_imu_pos : r->t[i].thigh_imu_pos;
    const double *p2 = shank ? r->t[i + 1].shank_imu_pos : r->t[i + 1].thigh_imu_pos;
    double dt = r->t[i + 1].t_s - r->t[i].t_s;
    double th = (shank ? r->t[i].shank_deg : r->t[i].thigh_deg) * DEG;
    double be = (shank ? r->t[i].shank_frontal_deg : r->t[i].thigh_frontal_deg) * DEG;
    double f[3], a, b;

    for (int k = 0; k < 3; k++)
        f[k] = (p2[k] - 2 * p1[k] + p0[k]) / (dt * dt);
    f[1] += G;
    a = f[0] * cos(th) + f[1] * sin(th);
    b = -f[0] * sin(th) + f[1] * cos(th);
    out[0] = a;
    out[1] = cos(be) * b + sin(be) * f[2];
    out[2] = -sin(be) * b + cos(be) * f[2];
}

static void test_ideal_accel(void)
{
    struct kn_sim_config c;
    struct run r;
    double worst = 0, sum2 = 0, peak = 0;
    size_t n = 0;

    kn_sim_config_init(&c);
    c.rate_hz = 1000;
    c.noise = 0;
    c.impact_g = 0;
    c.frontal_deg = 5;
    config_blocks(&c, (const char *const[]) { "stand:3", "walk:12", "run:15:175:3.8", "stand:3", NULL });
    config_event(&c, "giving_way@8");
    config_event(&c, "hyperextension@20");
    run_sim(&c, &r);
    for (size_t i = 1; i + 1 < r.n; i++)
        for (int seg = 0; seg < 2; seg++) {
            double e[3];
            const double *m = seg ? r.f[i].shank_accel : r.f[i].thigh_accel;

            expected_accel(&r, i, seg, e);
            for (int k = 0; k < 3; k++) {
                double d = fabs(e[k] - m[k]);

                worst = fmax(worst, d);
                sum2 += d * d;
                peak = fmax(peak, fabs(m[k]));
                n++;
            }
        }
    /* The splines are C2: the accelerations have corners, where a second
     * difference at 1 ms errs by a fraction of a m/s^2. */
    g_test_message("accel vs differentiated position: max %.3f, rms %.4f m/s^2 (peak %.1f)",
                   worst, sqrt(sum2 / n), peak);
    g_assert_cmpfloat(peak, >, 30);
    g_assert_cmpfloat(worst, <, 0.75);
    g_assert_cmpfloat(sqrt(sum2 / n), <, 0.015);
    run_clear(&r);
}

static void test_standing(void)
{
    struct kn_sim_config c;
    struct run r;

    kn_sim_config_init(&c);
    c.noise = 0;
    config_blocks(&c, (const char *const[]) { "stand:60", NULL });
    run_sim(&c, &r);
    g_assert_cmpuint(r.n, ==, 12000);
    for (size_t i = 0; i < r.n; i++) {
        const struct kn_frame *f = &r.f[i];
        double ta = sqrt(f->thigh_accel[0] * f->thigh_accel[0] + f->thigh_accel[1] * f->thigh_accel[1] +
                         f->thigh_accel[2] * f->thigh_accel[2]);
        double sa = sqrt(f->shank_accel[0] * f->shank_accel[0] + f->shank_accel[1] * f->shank_accel[1] +
                         f->shank_accel[2] * f->shank_accel[2]);

        g_assert_cmpfloat(fabs(ta - G), <, 0.02);
        g_assert_cmpfloat(fabs(sa - G), <, 0.02);
        /* A static tilt reads ax = g sin(theta), ay = g cos(theta). */
        g_assert_cmpfloat(fabs(f->shank_accel[0] - G * sin(r.t[i].shank_deg * DEG)), <, 0.02);
        g_assert_cmpfloat(fabs(f->thigh_accel[1] - G * cos(r.t[i].thigh_deg * DEG)), <, 0.02);
        g_assert_cmpfloat(r.t[i].knee_deg, >=, 1);
        g_assert_cmpfloat(r.t[i].knee_deg, <=, 3);
        g_assert_cmpfloat(fabs(f->shank_gyro[2]), <, 0.02);
        g_assert_true(r.t[i].contact);
        g_assert_false(r.t[i].initial_contact);
        g_assert_cmpfloat(r.t[i].cadence_spm, ==, 0);
        g_assert_true(isnan(r.t[i].phase));
    }
    run_clear(&r);
}

static void test_noise_levels(void)
{
    struct kn_sim_config c;
    struct run ideal, noisy;
    double s_flex = 0, s_acc = 0, s_gyro = 0, mean_gyro[3] = { 0 };

    kn_sim_config_init(&c);
    config_blocks(&c, (const char *const[]) { "stand:5", "run:60", NULL });
    c.noise = 0;
    run_sim(&c, &ideal);
    c.noise = 2;
    run_sim(&c, &noisy);
    for (size_t i = 0; i < ideal.n; i++) {
        double d = noisy.f[i].knee_deg - ideal.f[i].knee_deg;

        s_flex += d * d;
        d = noisy.f[i].shank_accel[1] - ideal.f[i].shank_accel[1];
        s_acc += d * d;
        for (int k = 0; k < 3; k++)
            mean_gyro[k] += noisy.f[i].thigh_gyro[k] - ideal.f[i].thigh_gyro[k];
    }
    for (int k = 0; k < 3; k++) {
        mean_gyro[k] /= ideal.n;
        /* bias drawn in +-noise * gyro_bias_rads */
        g_assert_cmpfloat(fabs(mean_gyro[k]), <=, 2 * 0.02 + 0.001);
    }
    g_assert_cmpfloat(fabs(mean_gyro[0]) + fabs(mean_gyro[1]) + fabs(mean_gyro[2]), >, 0.002);
    for (size_t i = 0; i < ideal.n; i++) {
        double d = noisy.f[i].thigh_gyro[2] - ideal.f[i].thigh_gyro[2] - mean_gyro[2];

        s_gyro += d * d;
    }
    s_flex = sqrt(s_flex / ideal.n);
    s_acc = sqrt(s_acc / ideal.n);
    s_gyro = sqrt(s_gyro / ideal.n);
    g_test_message("noise at 2: flex %.3f deg, accel %.4f m/s^2, gyro %.5f rad/s rms", s_flex, s_acc, s_gyro);
    g_assert_cmpfloat(fabs(s_flex - 0.6), <, 0.03);
    g_assert_cmpfloat(fabs(s_acc - 0.1), <, 0.005);
    g_assert_cmpfloat(fabs(s_gyro - 0.01), <, 0.0005);
    run_clear(&ideal);
    run_clear(&noisy);
}

/* ---- gait ---- */

static void test_contact_count(void)
{
    static const char *const blocks[][4] = {
        { "stand:5", "run:300:150:2.8", "stand:5", NULL },
        { "stand:5", "run:300:170:3.3", "stand:5", NULL },
        { "stand:5", "run:300:190:5", "stand:5", NULL },
        { "stand:5", "walk:300:100:1.1", "stand:5", NULL },
        { "stand:5", "walk:240:120:1.6", "run:120:180:4", "stand:5" },
    };
    static const double expected[] = { 375, 425, 475, 250, 240 + 180 };

    for (size_t k = 0; k < G_N_ELEMENTS(blocks); k++) {
        struct kn_sim_config c;
        struct run r;
        int n, to = 0;

        kn_sim_config_init(&c);
        c.sensors = KN_HAS_FLEX;
        c.seed = 10 + k;
        c.n_blocks = 0;
        for (int b = 0; b < 4 && blocks[k][b]; b++)
            kn_sim_config_add_block(&c, blocks[k][b], NULL, 0);
        run_sim(&c, &r);
        n = count_contacts(&r);
        for (size_t i = 0; i < r.n; i++)
            to += r.t[i].toe_off;
        g_test_message("%s: %d initial contacts, expected %.0f", blocks[k][1], n, expected[k]);
        g_assert_cmpfloat(fabs(n - expected[k]), <=, 1);
        g_assert_cmpint(abs(n - to), <=, 1);
        run_clear(&r);
    }
}

static void test_running_kinematics(void)
{
    static const struct {
        const char *block;
        double duty_lo, duty_hi;
    } cases[] = {
        { "run:120:150:2.8", 0.32, 0.40 },
        { "run:120:165:3.3", 0.32, 0.40 },
        { "run:120:175:3.8", 0.32, 0.40 },
        { "run:120:180:4.5", 0.30, 0.40 },
        { "run:120:190:5.5", 0.29, 0.40 },
    };
    double last_swing = 0;

    for (size_t k = 0; k < G_N_ELEMENTS(cases); k++) {
        struct kn_sim_config c;
        struct run r;
        struct stride_stats st;

        kn_sim_config_init(&c);
        c.sensors = KN_HAS_FLEX;
        config_blocks(&c, (const char *const[]) { "stand:5", cases[k].block, NULL });
        run_sim(&c, &r);
        stride_stats(&r, 10, 125, &st);
        g_test_message("%s: %d strides %.3f s, contact %.3f s (duty %.3f), knee IC %.1f, "
                       "stance %.1f, swing %.1f (%.1f..%.1f), min %.1f", cases[k].block, st.n,
                       st.stride_s, st.contact_s, st.contact_s / st.stride_s, st.ic_knee,
                       st.stance_peak, st.swing_peak, st.swing_peak_min, st.swing_peak_max,
                       st.min_knee);
        g_assert_cmpfloat(st.ic_knee, >=, 10);
        g_assert_cmpfloat(st.ic_knee, <=, 25);
        g_assert_cmpfloat(st.stance_peak, >=, 35);
        g_assert_cmpfloat(st.stance_peak, <=, 50);
        g_assert_cmpfloat(st.swing_peak, >=, 80);
        g_assert_cmpfloat(st.swing_peak, <=, 130);
        g_assert_cmpfloat(st.min_knee, >=, 0);
        g_assert_cmpfloat(st.min_knee, <=, 10);
        g_assert_cmpfloat(st.contact_s, >=, 0.18);
        g_assert_cmpfloat(st.contact_s, <=, 0.3);
        g_assert_cmpfloat(st.contact_s / st.stride_s, >=, cases[k].duty_lo);
        g_assert_cmpfloat(st.contact_s / st.stride_s, <=, cases[k].duty_hi);
        /* Peak swing flexion rises with speed. */
        g_assert_cmpfloat(st.swing_peak, >, last_swing + 2);
        last_swing = st.swing_peak;
        /* Stride-to-stride variability of ~1-2 % and a few degrees. */
        g_assert_cmpfloat(st.stride_sd / st.stride_s, >, 0.005);
        g_assert_cmpfloat(st.stride_sd / st.stride_s, <, 0.025);
        g_assert_cmpfloat(st.swing_peak_max - st.swing_peak_min, >, 3);
        g_assert_cmpfloat(st.swing_peak_max - st.swing_peak_min, <, 20);
        run_clear(&r);
    }
}

static void test_walking_kinematics(void)
{
    static const char *const cases[] = { "walk:120:95:1.0", "walk:120:110:1.3", "walk:120:125:1.7" };

    for (size_t k = 0; k < G_N_ELEMENTS(cases); k++) {
        struct kn_sim_config c;
        struct run r;
        struct stride_stats st;

        kn_sim_config_init(&c);
        c.sensors = KN_HAS_FLEX;
        config_blocks(&c, (const char *const[]) { "stand:5", cases[k], NULL });
        run_sim(&c, &r);
        stride_stats(&r, 10, 125, &st);
        g_test_message("%s: stride %.3f s, duty %.3f, knee IC %.1f, loading %.1f, swing %.1f, min %.1f",
                       cases[k], st.stride_s, st.contact_s / st.stride_s, st.ic_knee, st.stance_peak,
                       st.swing_peak, st.min_knee);
        g_assert_cmpfloat(st.ic_knee, >=, 0);
        g_assert_cmpfloat(st.ic_knee, <=, 5);
        g_assert_cmpfloat(st.stance_peak, >=, 14);
        g_assert_cmpfloat(st.stance_peak, <=, 22);
        g_assert_cmpfloat(st.swing_peak, >=, 54);
        g_assert_cmpfloat(st.swing_peak, <=, 66);
        g_assert_cmpfloat(st.min_knee, >=, 0);
        g_assert_cmpfloat(st.min_knee, <=, 5);
        g_assert_cmpfloat(st.contact_s / st.stride_s, >=, 0.58);
        g_assert_cmpfloat(st.contact_s / st.stride_s, <=, 0.64);
        run_clear(&r);
    }
}

static void test_no_variability(void)
{
    struct kn_sim_config c;
    struct run r;
    struct stride_stats st;

    kn_sim_config_init(&c);
    c.variability = 0;
    c.sensors = KN_HAS_FLEX;
    config_blocks(&c, (const char *const[]) { "stand:5", "run:60", NULL });
    run_sim(&c, &r);
    stride_stats(&r, 10, 60, &st);
    g_assert_cmpfloat(st.stride_sd, <, 1e-4);
    g_assert_cmpfloat(fabs(st.stride_s - 120.0 / 170), <, 1e-4);
    g_assert_cmpfloat(st.swing_peak_max - st.swing_peak_min, <, 0.1);
    g_assert_cmpfloat(fabs(st.swing_peak - 90), <, 0.5);
    run_clear(&r);
}

/* Blends: no jump in any angle; from standing the knee starts near its
 * standing angle; cadence goes smoothly from one block to the next. */
static void test_transitions(void)
{
    struct kn_sim_config c;
    struct run r;
    double worst = 0, worst_cad = 0;

    kn_sim_config_init(&c);
    c.noise = 0;
    config_blocks(&c, (const char *const[]) { "stand:5", "walk:10", "run:10:180:4", "run:10:160:3",
                                              "walk:10:100:1.1", "stand:5", NULL });
    run_sim(&c, &r);
    for (size_t i = 1; i < r.n; i++) {
        worst = fmax(worst, fabs(r.t[i].knee_deg - r.t[i - 1].knee_deg));
        worst = fmax(worst, fabs(r.t[i].thigh_deg - r.t[i - 1].thigh_deg));
        if (r.t[i].cadence_spm > 0 && r.t[i - 1].cadence_spm > 0)
            worst_cad = fmax(worst_cad, fabs(r.t[i].cadence_spm - r.t[i - 1].cadence_spm));
        g_assert_cmpfloat(r.t[i].t_s, >, r.t[i - 1].t_s);
    }
    /* 5 ms at up to ~1000 deg/s */
    g_assert_cmpfloat(worst, <, 6);
    g_assert_cmpfloat(worst_cad, <, 0.5);
    /* Still standing 0.8 s before the boundary, moving fully 0.8 s after. */
    g_assert_cmpfloat(r.t[index_at(&r, 4.2)].gait_weight, ==, 0);
    g_assert_cmpfloat(fabs(r.t[index_at(&r, 4.3)].knee_deg - 2), <, 2);
    g_assert_cmpfloat(r.t[index_at(&r, 5.8)].gait_weight, ==, 1);
    g_assert_cmpint(r.t[index_at(&r, 20)].activity, ==, KN_SIM_RUN);
    g_assert_cmpfloat(fabs(r.t[index_at(&r, 20)].cadence_spm - 180), <, 10);
    g_assert_cmpfloat(fabs(r.t[index_at(&r, 30)].cadence_spm - 160), <, 10);
    g_assert_cmpint(r.t[index_at(&r, 40)].activity, ==, KN_SIM_WALK);
    g_assert_cmpfloat(r.t[r.n - 1].gait_weight, ==, 0);
    g_assert_true(r.t[r.n - 1].contact);
    run_clear(&r);
}

static void test_rates(void)
{
    static const double rates[] = { 100, 200, 1000 };
    int contacts[3];
    double knee_at[3];

    for (size_t k = 0; k < G_N_ELEMENTS(rates); k++) {
        struct kn_sim_config c;
        struct run r;

        kn_sim_config_init(&c);
        c.rate_hz = rates[k];
        config_blocks(&c, (const char *const[]) { "stand:5", "run:60", "stand:5", NULL });
        run_sim(&c, &r);
        g_assert_cmpuint(r.n, ==, (size_t) (70 * rates[k]));
        for (size_t i = 0; i < r.n; i++) {
            g_assert_cmpfloat(r.f[i].t_s, ==, (double) i / rates[k]);
            g_assert_cmpuint(r.f[i].present, ==, KN_HAS_ALL);
            g_assert_cmpint(kn_frame_check(&r.f[i], NULL), ==, 0);
        }
        contacts[k] = count_contacts(&r);
        knee_at[k] = r.t[index_at(&r, 40)].knee_deg;
        run_clear(&r);
    }
    /* The gait is defined in time, not in samples. */
    g_assert_cmpint(contacts[0], ==, contacts[1]);
    g_assert_cmpint(contacts[1], ==, contacts[2]);
    g_assert_cmpfloat(fabs(knee_at[0] - knee_at[2]), <, 0.5);
    g_assert_cmpfloat(fabs(knee_at[1] - knee_at[2]), <, 0.5);
}

static void test_left_side(void)
{
    struct kn_sim_config c;
    struct run right, left;

    kn_sim_config_init(&c);
    config_blocks(&c, (const char *const[]) { "stand:3", "run:20", NULL });
    config_event(&c, "giving_way@10");
    run_sim(&c, &right);
    c.side = KN_SIDE_LEFT;
    run_sim(&c, &left);
    g_assert_cmpmem(right.t, right.n * sizeof(*right.t), left.t, left.n * sizeof(*left.t));
    for (size_t i = 0; i < right.n; i++) {
        const struct kn_frame *r = &right.f[i], *l = &left.f[i];

        g_assert_cmpfloat(l->knee_deg, ==, r->knee_deg);
        g_assert_cmpfloat(l->thigh_accel[0], ==, r->thigh_accel[0]);
        g_assert_cmpfloat(l->thigh_accel[1], ==, r->thigh_accel[1]);
        g_assert_cmpfloat(l->thigh_accel[2], ==, -r->thigh_accel[2]);
        g_assert_cmpfloat(l->shank_accel[0], ==, r->shank_accel[0]);
        g_assert_cmpfloat(l->shank_accel[1], ==, r->shank_accel[1]);
        g_assert_cmpfloat(l->shank_accel[2], ==, -r->shank_accel[2]);
        g_assert_cmpfloat(l->thigh_gyro[0], ==, -r->thigh_gyro[0]);
        g_assert_cmpfloat(l->thigh_gyro[1], ==, -r->thigh_gyro[1]);
        g_assert_cmpfloat(l->thigh_gyro[2], ==, r->thigh_gyro[2]);
        g_assert_cmpfloat(l->shank_gyro[0], ==, -r->shank_gyro[0]);
        g_assert_cmpfloat(l->shank_gyro[1], ==, -r->shank_gyro[1]);
        g_assert_cmpfloat(l->shank_gyro[2], ==, r->shank_gyro[2]);
    }
    run_clear(&right);
    run_clear(&left);
}

/* The frontal motion shows on gyro x and accel z; valgus (negative on a
 * right leg) in stance. */
static void test_frontal(void)
{
    struct kn_sim_config c;
    struct run r;
    double gx = 0, az = 0, gy = 0, gz = 0, min_frontal = 0, swing_frontal = 0;

    kn_sim_config_init(&c);
    c.noise = 0;
    config_blocks(&c, (const char *const[]) { "stand:3", "run:20", NULL });
    run_sim(&c, &r);
    for (size_t i = index_at(&r, 6); i < r.n; i++) {
        gx = fmax(gx, fabs(r.f[i].shank_gyro[0]));
        gy = fmax(gy, fabs(r.f[i].shank_gyro[1]));
        gz = fmax(gz, fabs(r.f[i].shank_gyro[2]));
        az = fmax(az, fabs(r.f[i].shank_accel[2]));
        min_frontal = fmin(min_frontal, r.t[i].shank_frontal_deg);
        if (!r.t[i].contact)
            swing_frontal = fmax(swing_frontal, fabs(r.t[i].shank_frontal_deg));
    }
    g_assert_cmpfloat(fabs(min_frontal + 2), <, 0.05);
    g_assert_cmpfloat(swing_frontal, <, 0.01);
    g_assert_cmpfloat(gx, >, 0.2);
    g_assert_cmpfloat(az, >, 0.2);
    g_assert_cmpfloat(gy, <, 0.1 * gz);
    run_clear(&r);
}

static void test_sensor_subset(void)
{
    struct kn_sim_config c;
    struct run r;

    kn_sim_config_init(&c);
    c.sensors = KN_HAS_SHANK_ACCEL | KN_HAS_FLEX;
    config_blocks(&c, (const char *const[]) { "stand:3", "run:10", NULL });
    run_sim(&c, &r);
    for (size_t i = 0; i < r.n; i++) {
        g_assert_cmpuint(r.f[i].present, ==, KN_HAS_SHANK_ACCEL | KN_HAS_FLEX);
        for (int k = 0; k < 3; k++) {
            g_assert_cmpfloat(r.f[i].thigh_accel[k], ==, 0);
            g_assert_cmpfloat(r.f[i].thigh_gyro[k], ==, 0);
            g_assert_cmpfloat(r.f[i].shank_gyro[k], ==, 0);
        }
    }
    g_assert_cmpfloat(r.f[100].shank_accel[1], >, 9);
    run_clear(&r);
}

/* The impact transient: the difference between a run with and without
 * it is the damped sine alone, peaking at impact_g at the shank. */
static void impact_peaks(const char *block, double impact_g, double *ret_shank_g, double *ret_thigh_g)
{
    struct kn_sim_config c;
    struct run with, without;
    double shank = 0, thigh = 0;

    kn_sim_config_init(&c);
    c.rate_hz = 1000;
    c.noise = 0;
    c.impact_g = impact_g;
    config_blocks(&c, (const char *const[]) { "stand:3", block, NULL });
    run_sim(&c, &with);
    c.impact_g = 0;
    run_sim(&c, &without);
    for (size_t i = index_at(&with, 5); i < with.n; i++) {
        double d[3], e;

        for (int k = 0; k < 3; k++)
            d[k] = with.f[i].shank_accel[k] - without.f[i].shank_accel[k];
        shank = fmax(shank, sqrt(d[0] * d[0] + d[1] * d[1] + d[2] * d[2]));
        e = with.f[i].thigh_accel[1] - without.f[i].thigh_accel[1];
        thigh = fmax(thigh, fabs(e));
    }
    *ret_shank_g = shank / G;
    *ret_thigh_g = thigh / G;
    run_clear(&with);
    run_clear(&without);
}

static void test_impact(void)
{
    double shank, thigh;

    impact_peaks("run:20", 8, &shank, &thigh);
    g_test_message("running impact: shank %.2f g, thigh %.2f g", shank, thigh);
    g_assert_cmpfloat(fabs(shank - 8), <, 0.1);
    g_assert_cmpfloat(thigh, <, 0.3 * shank);
    g_assert_cmpfloat(thigh, >, 0.1 * shank);
    impact_peaks("run:20", 12, &shank, &thigh);
    g_assert_cmpfloat(fabs(shank - 12), <, 0.15);
    impact_peaks("walk:20", 8, &shank, &thigh);
    g_test_message("walking impact: shank %.2f g", shank);
    g_assert_cmpfloat(shank, >=, 1.5);
    g_assert_cmpfloat(shank, <=, 2.0);
}

static void test_repeat(void)
{
    struct kn_sim_config c;
    struct kn_sim *s;
    struct kn_frame f;
    struct kn_sim_truth t;
    double prev_knee = NAN, lowest_later = INFINITY;
    int contacts_first = 0, contacts_second = 0;

    kn_sim_config_init(&c);
    c.repeat = true;
    c.sensors = KN_HAS_FLEX;
    config_blocks(&c, (const char *const[]) { "run:20", "stand:5", NULL });
    config_event(&c, "hyperextension@10");
    s = sim_new_checked(&c);
    g_assert_cmpfloat(kn_sim_duration(s), ==, 25);
    for (int i = 0; i < 200 * 60; i++) {
        g_assert_true(kn_sim_next(s, &f, &t));
        g_assert_cmpfloat(f.t_s, ==, i / 200.0);
        if (!isnan(prev_knee))
            g_assert_cmpfloat(fabs(t.knee_deg - prev_knee), <, 8);
        prev_knee = t.knee_deg;
        if (t.t_s < 25)
            contacts_first += t.initial_contact;
        else if (t.t_s < 50)
            contacts_second += t.initial_contact;
        if (t.t_s > 25)
            lowest_later = fmin(lowest_later, t.knee_deg);
    }
    /* The second pass walks the blocks again; the event happened once. */
    g_assert_cmpint(abs(contacts_first - contacts_second), <=, 1);
    g_assert_cmpint(contacts_second, >=, 27);
    g_assert_cmpfloat(lowest_later, >, -5);
    kn_sim_free(s);
}

/* Every frame is within the plausibility limits of a recording, even at
 * the extremes of every setting. */
static void test_extremes_plausible(void)
{
    struct kn_sim_config c;
    struct kn_sim *s;
    struct kn_frame f;
    const char *field = NULL;

    kn_sim_config_init(&c);
    c.rate_hz = 1000;
    c.noise = 10;
    c.gyro_bias_rads = 0.5;
    c.impact_g = 30;
    c.frontal_deg = 10;
    c.variability = 3;
    config_blocks(&c, (const char *const[]) { "stand:2", "run:30:220:8", "walk:10:140:2.5", NULL });
    config_event(&c, "hyperextension@10:depth=40,speed=2000");
    config_event(&c, "giving_way@20:depth=60,valgus=25");
    config_event(&c, "locking@25:deg=60,duration=5");
    config_event(&c, "sleeve_slip@1:deg=30,duration=0");
    s = sim_new_checked(&c);
    while (kn_sim_next(s, &f, NULL))
        if (kn_frame_check(&f, &field) < 0)
            g_error("t=%.3f: %s out of range", f.t_s, field);
    kn_sim_free(s);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/sim/determinism", test_determinism);
    g_test_add_func("/sim/noise-independent-truth", test_noise_independent_truth);
    g_test_add_func("/sim/signals/ideal-gyro-flex", test_ideal_gyro_and_flex);
    g_test_add_func("/sim/signals/ideal-accel", test_ideal_accel);
    g_test_add_func("/sim/signals/standing", test_standing);
    g_test_add_func("/sim/signals/noise", test_noise_levels);
    g_test_add_func("/sim/signals/left-side", test_left_side);
    g_test_add_func("/sim/signals/frontal", test_frontal);
    g_test_add_func("/sim/signals/sensor-subset", test_sensor_subset);
    g_test_add_func("/sim/signals/impact", test_impact);
    g_test_add_func("/sim/signals/extremes", test_extremes_plausible);
    g_test_add_func("/sim/gait/contact-count", test_contact_count);
    g_test_add_func("/sim/gait/running", test_running_kinematics);
    g_test_add_func("/sim/gait/walking", test_walking_kinematics);
    g_test_add_func("/sim/gait/no-variability", test_no_variability);
    g_test_add_func("/sim/gait/transitions", test_transitions);
    g_test_add_func("/sim/gait/rates", test_rates);
    g_test_add_func("/sim/gait/repeat", test_repeat);
    return g_test_run();
}
