/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The simulated sleeve's scripted events: what each does to the truth
 * (and only to the truth it should), and its detection window. */
#include "tests/sim-helpers.h"

/* ---- events ---- */

static const struct kn_sim_window *window_of(const struct run *r, enum kn_sim_event_kind kind, int nth)
{
    for (size_t i = 0; i < r->n_windows; i++)
        if (r->windows[i].kind == kind && nth-- == 0)
            return &r->windows[i];
    g_error("no window of kind %d", kind);
    return NULL;
}

static void test_event_hyperextension(void)
{
    struct kn_sim_config c;
    struct run r;
    const struct kn_sim_window *w1, *w2;
    double min1 = 0, min2 = 0, speed1 = 0, speed2 = 0;

    kn_sim_config_init(&c);
    c.rate_hz = 500;
    config_blocks(&c, (const char *const[]) { "stand:5", "run:60", "stand:5", NULL });
    config_event(&c, "hyperextension@20");
    config_event(&c, "hyperextension@40:depth=20,speed=800");
    run_sim(&c, &r);
    g_assert_cmpuint(r.n_windows, ==, 2);
    w1 = window_of(&r, KN_SIM_EVENT_HYPEREXTENSION, 0);
    w2 = window_of(&r, KN_SIM_EVENT_HYPEREXTENSION, 1);
    g_assert_cmpint(w1->expect_alert, ==, KN_ALERT_HYPEREXTENSION);
    g_assert_cmpfloat(w1->start_s, >, 20);
    g_assert_cmpfloat(w1->start_s, <, 21);
    g_assert_cmpfloat(fabs(w1->end_s - w1->start_s - 0.3), <, 1e-9);
    g_assert_cmpfloat(w2->start_s, >, 40);
    g_assert_cmpfloat(w2->start_s, <, 41);

    for (size_t i = 1; i < r.n; i++) {
        const struct kn_sim_truth *t = &r.t[i];
        double v = (t->knee_deg - r.t[i - 1].knee_deg) / (t->t_s - r.t[i - 1].t_s);

        if (t->t_s < w1->start_s || (t->t_s > w1->end_s && t->t_s < w2->start_s) || t->t_s > w2->end_s) {
            /* A healthy knee never goes past -5 deg. */
            g_assert_cmpfloat(t->knee_deg, >, -5);
            continue;
        }
        /* The window opens 10 ms before the knee passes -5 deg. */
        if (t->t_s < (t->t_s < 30 ? w1->start_s : w2->start_s) + 0.01 - 1e-9)
            g_assert_cmpfloat(t->knee_deg, >=, -5);
        if (t->t_s < 30) {
            min1 = fmin(min1, t->knee_deg);
            if (t->knee_deg < 3)
                speed1 = fmax(speed1, -v);
        } else {
            min2 = fmin(min2, t->knee_deg);
            if (t->knee_deg < 3)
                speed2 = fmax(speed2, -v);
        }
    }
    g_test_message("hyperextension: %.1f deg at %.0f deg/s; %.1f deg at %.0f deg/s",
                   min1, speed1, min2, speed2);
    g_assert_cmpfloat(min1, <, -12);
    g_assert_cmpfloat(min1, >, -15);
    g_assert_cmpfloat(min2, <, -20);
    g_assert_cmpfloat(fabs(speed1 - 400), <, 40);
    g_assert_cmpfloat(fabs(speed2 - 800), <, 80);
    run_clear(&r);
}

static void test_event_giving_way(void)
{
    struct kn_sim_config c;
    struct run r, base;
    const struct kn_sim_window *w;
    double extra = 0, base_peak = 0, valgus = 0, rate = 0;
    size_t ic = 0;

    kn_sim_config_init(&c);
    config_blocks(&c, (const char *const[]) { "stand:5", "run:40", "stand:5", NULL });
    run_sim(&c, &base);
    config_event(&c, "giving_way@20");
    run_sim(&c, &r);
    w = window_of(&r, KN_SIM_EVENT_GIVING_WAY, 0);
    g_assert_cmpint(w->expect_alert, ==, KN_ALERT_INSTABILITY);
    g_assert_cmpfloat(w->start_s, >=, 20);
    g_assert_cmpfloat(w->start_s, <, 20 + 120.0 / 170 + 0.01);
    /* The window starts at an initial contact and ends 0.5 s after its
     * toe-off. */
    for (size_t i = 0; i < r.n; i++)
        if (r.t[i].initial_contact && r.t[i].event_t_s == w->start_s)
            ic = i;
    g_assert_cmpuint(ic, >, 0);
    for (size_t i = ic; i < r.n; i++)
        if (r.t[i].toe_off) {
            g_assert_cmpfloat(fabs(w->end_s - (r.t[i].event_t_s + 0.5)), <, 1e-9);
            break;
        }

    for (size_t i = 0; i < r.n; i++) {
        double d = r.t[i].knee_deg - base.t[i].knee_deg;

        if (r.t[i].t_s < w->start_s || r.t[i].t_s > w->end_s) {
            g_assert_cmpfloat(fabs(d), <, 1e-9);
            continue;
        }
        extra = fmax(extra, d);
        if (r.t[i].t_s < w->start_s + 0.15) {
            base_peak = fmax(base_peak, r.t[i].knee_deg);
            rate = fmax(rate, (r.t[i].knee_deg - r.t[i - 1].knee_deg) * c.rate_hz);
        }
        valgus = fmin(valgus, r.t[i].shank_frontal_deg);
    }
    g_test_message("giving way: +%.1f deg of flexion (%.0f deg within 0.15 s at up to %.0f deg/s), "
                   "valgus %.1f deg", extra, base_peak, rate, valgus);
    g_assert_cmpfloat(fabs(extra - 30), <, 0.5);
    g_assert_cmpfloat(base_peak, >, 65);
    g_assert_cmpfloat(rate, >, 300);
    g_assert_cmpfloat(valgus, <, -10);
    g_assert_cmpfloat(valgus, >, -13);
    run_clear(&r);
    run_clear(&base);
}

static void test_event_range_loss(void)
{
    struct kn_sim_config c;
    struct run r;
    struct stride_stats before, after;
    const struct kn_sim_window *w;

    kn_sim_config_init(&c);
    c.sensors = KN_HAS_FLEX;
    config_blocks(&c, (const char *const[]) { "stand:5", "run:400", "stand:5", NULL });
    config_event(&c, "range_loss@60");
    run_sim(&c, &r);
    w = window_of(&r, KN_SIM_EVENT_RANGE_LOSS, 0);
    g_assert_cmpint(w->expect_alert, ==, KN_ALERT_RANGE_LOSS);
    g_assert_cmpfloat(w->start_s, ==, 60);
    g_assert_cmpfloat(w->end_s, ==, 60 + 180 + 60);
    stride_stats(&r, 10, 59, &before);
    stride_stats(&r, 250, 400, &after);
    g_test_message("range loss: swing peak %.1f -> %.1f, extension %.1f -> %.1f",
                   before.swing_peak, after.swing_peak, before.min_knee, after.min_knee);
    g_assert_cmpfloat(fabs(before.swing_peak - after.swing_peak - 25), <, 2);
    g_assert_cmpfloat(fabs(after.min_knee - before.min_knee - 5), <, 1);
    /* Progressive: halfway through the ramp, about half is gone. */
    stride_stats(&r, 145, 155, &after);
    g_assert_cmpfloat(fabs(before.swing_peak - after.swing_peak - 12.5), <, 3);
    run_clear(&r);
}

static void test_event_locking(void)
{
    struct kn_sim_config c;
    struct run r;
    struct stride_stats before, during, later;
    const struct kn_sim_window *w;
    double lowest = INFINITY;

    kn_sim_config_init(&c);
    c.sensors = KN_HAS_FLEX;
    config_blocks(&c, (const char *const[]) { "stand:5", "run:100", "stand:5", NULL });
    config_event(&c, "locking@40");
    run_sim(&c, &r);
    w = window_of(&r, KN_SIM_EVENT_LOCKING, 0);
    g_assert_cmpint(w->expect_alert, ==, KN_ALERT_LOCKING);
    g_assert_cmpfloat(w->start_s, ==, 40);
    g_assert_cmpfloat(w->end_s, ==, 60);
    for (size_t i = index_at(&r, 40.5); i < index_at(&r, 55); i++)
        lowest = fmin(lowest, r.t[i].knee_deg);
    stride_stats(&r, 10, 39, &before);
    stride_stats(&r, 41, 54, &during);
    stride_stats(&r, 60, 100, &later);
    g_test_message("locking: lowest %.2f deg during the hold; min %.1f -> %.1f -> %.1f, swing %.1f -> %.1f",
                   lowest, before.min_knee, during.min_knee, later.min_knee, before.swing_peak,
                   during.swing_peak);
    g_assert_cmpfloat(lowest, >=, 25);
    g_assert_cmpfloat(lowest, <, 26);
    g_assert_cmpfloat(before.min_knee, <, 10);
    g_assert_cmpfloat(later.min_knee, <, 10);
    /* The peaks stay. */
    g_assert_cmpfloat(fabs(during.swing_peak - before.swing_peak), <, 2);
    run_clear(&r);
}

static void test_event_sleeve_slip(void)
{
    struct kn_sim_config c;
    struct run r, base;
    const struct kn_sim_window *w;

    kn_sim_config_init(&c);
    config_blocks(&c, (const char *const[]) { "stand:5", "run:30", "stand:5", NULL });
    run_sim(&c, &base);
    config_event(&c, "sleeve_slip@15");
    run_sim(&c, &r);
    w = window_of(&r, KN_SIM_EVENT_SLEEVE_SLIP, 0);
    g_assert_cmpint(w->expect_alert, ==, -1);
    g_assert_cmpfloat(w->start_s, ==, 15);
    g_assert_cmpfloat(w->end_s, ==, 40);
    for (size_t i = 0; i < r.n; i++) {
        double shift = r.f[i].knee_deg - base.f[i].knee_deg;

        /* IMUs and truth unaffected: only the flex sensor moves. */
        g_assert_cmpmem(r.f[i].thigh_accel, 12 * sizeof(double), base.f[i].thigh_accel, 12 * sizeof(double));
        g_assert_cmpfloat(r.t[i].knee_deg, ==, base.t[i].knee_deg);
        g_assert_cmpfloat(fabs(shift - r.t[i].flex_offset_deg), <, 1e-9);
        if (r.t[i].t_s <= 15)
            g_assert_cmpfloat(fabs(shift), <, 1e-9);
        else if (r.t[i].t_s >= 17)
            g_assert_cmpfloat(fabs(shift - 8), <, 1e-9);
        else
            g_assert_cmpfloat(shift, <=, 8);
    }
    run_clear(&r);
    run_clear(&base);
}

static void test_windows_sorted(void)
{
    struct kn_sim_config c;
    struct kn_sim *s;
    const struct kn_sim_window *w;
    size_t n;

    kn_sim_config_init(&c);
    config_event(&c, "locking@200");
    config_event(&c, "sleeve_slip@3");
    config_event(&c, "giving_way@100");
    config_event(&c, "hyperextension@50");
    config_event(&c, "range_loss@20:duration=30");
    s = sim_new_checked(&c);
    /* Known as soon as the simulator exists. */
    n = kn_sim_windows(s, &w);
    g_assert_cmpuint(n, ==, 5);
    for (size_t i = 0; i < n; i++) {
        g_assert_true(isfinite(w[i].start_s) && isfinite(w[i].end_s));
        g_assert_cmpfloat(w[i].end_s, >, w[i].start_s);
        if (i > 0)
            g_assert_cmpfloat(w[i].start_s, >=, w[i - 1].start_s);
    }
    g_assert_cmpint(w[0].kind, ==, KN_SIM_EVENT_SLEEVE_SLIP);
    g_assert_cmpint(w[1].kind, ==, KN_SIM_EVENT_RANGE_LOSS);
    g_assert_cmpint(w[2].kind, ==, KN_SIM_EVENT_HYPEREXTENSION);
    g_assert_cmpint(w[3].kind, ==, KN_SIM_EVENT_GIVING_WAY);
    g_assert_cmpint(w[4].kind, ==, KN_SIM_EVENT_LOCKING);
    g_assert_cmpfloat(kn_sim_duration(s), ==, 310);
    kn_sim_free(s);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/sim/events/windows", test_windows_sorted);
    g_test_add_func("/sim/events/hyperextension", test_event_hyperextension);
    g_test_add_func("/sim/events/giving-way", test_event_giving_way);
    g_test_add_func("/sim/events/range-loss", test_event_range_loss);
    g_test_add_func("/sim/events/locking", test_event_locking);
    g_test_add_func("/sim/events/sleeve-slip", test_event_sleeve_slip);
    return g_test_run();
}
