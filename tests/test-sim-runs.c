/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The whole analysis on simulated runs, scored against the simulator's
 * truth: several cadences, speeds, rates, seeds, noise levels and sensor
 * subsets; every scripted event detected once, with the right kind,
 * inside its window; no alert in long event-free runs.
 */
#include <glib.h>
#include <math.h>
#include <string.h>

#include "analysis/alert-text.h"
#include "tests/sim-score.h"

#define TEXT(a) kn_alert_text((a), (char[KN_ALERT_TEXT_MAX]) { 0 }, KN_ALERT_TEXT_MAX)

#define ALL KN_HAS_ALL
#define IMUS (KN_HAS_THIGH_IMU | KN_HAS_SHANK_IMU)

/* Limits: the runs are deterministic (seeded), so each gait scenario
 * carries the figures the analysis achieved when the limits were last set
 * (docs/accuracy.md has the same kind of figures), rounded up, and fails
 * above them by more than MARGIN_FRACTION of the figure or its floor,
 * whichever is larger: the slack is for another compiler or libm, and for
 * deliberate small changes; a regression of a quarter fails.  After a
 * deliberate change, the messages (--verbose) print the new figures. */
#define MARGIN_FRACTION 0.25
#define KNEE_FLOOR_DEG 0.05       /* 1/20 of a degree */
#define IC_FLOOR_MS 1.0           /* one sample at 1 kHz */
#define CONTACT_FLOOR_MS 3.0

struct scenario {
    const char *name;
    const char *blocks[6];
    const char *events[8];
    double rate_hz;
    unsigned seed;
    double noise;
    uint32_t sensors;
    enum kn_side side;
    /* measured figures (the limits add the margin); events runs: 0 */
    double knee_rmse_deg;         /* 0: no knee angle from these sensors (NaN) */
    double ic_worst_ms;
    double contact_rms_ms;
    double cadence_spm;           /* the cadence the detected strides must average, ±1 */
    gboolean allow_low_cadence;   /* running below 160 steps/min: the advice is right */
};

static void run(const struct scenario *sc, struct sim_score *score)
{
    struct kn_sim_config c;
    char err[256], line[512];

    kn_sim_config_init(&c);
    c.n_blocks = 0;
    for (int i = 0; i < 6 && sc->blocks[i]; i++)
        if (kn_sim_config_add_block(&c, sc->blocks[i], err, sizeof(err)) < 0)
            g_error("%s: %s", sc->blocks[i], err);
    for (int i = 0; i < 8 && sc->events[i]; i++)
        if (kn_sim_config_add_event(&c, sc->events[i], err, sizeof(err)) < 0)
            g_error("%s: %s", sc->events[i], err);
    if (sc->rate_hz)
        c.rate_hz = sc->rate_hz;
    if (sc->seed)
        c.seed = sc->seed;
    if (sc->sensors)
        c.sensors = sc->sensors;
    c.noise = sc->noise;
    c.side = sc->side;
    if (!sim_score_run(&c, NULL, score, err, sizeof(err)))
        g_error("%s: %s", sc->name, err);
    sim_score_format(score, line, sizeof(line));
    g_test_message("%s: %s", sc->name, line);
}

/* value <= measured + margin; prints both so that a deliberate change can
 * update the table. */
static void check_figure(const char *what, double value, double measured, double floor)
{
    double limit = measured + fmax(MARGIN_FRACTION * measured, floor);

    g_test_message("  %s %.3f (measured %.3f, limit %.3f)", what, value, measured, limit);
    if (!(value <= limit))
        g_error("%s %.3f above its limit %.3f (measured %.3f + margin)", what, value, limit, measured);
}

static void check_gait(const struct scenario *sc, const struct sim_score *s)
{
    /* every steady stride found, none invented, each contact matched */
    g_assert_cmpuint(s->truth_strides, >, 10);
    g_assert_cmpuint(s->detected_strides, ==, s->truth_strides);
    g_assert_cmpuint(s->matched, ==, s->detected_strides);
    check_figure("IC worst error ms", 1000 * s->ic_max_abs_err_s, sc->ic_worst_ms, IC_FLOOR_MS);
    check_figure("contact time rms error ms", 1000 * s->contact_rms_err_s, sc->contact_rms_ms,
                 CONTACT_FLOOR_MS);
    if (sc->cadence_spm > 0)
        g_assert_cmpfloat(fabs(s->cadence_mean_spm - sc->cadence_spm), <=, 1.0);
    if (sc->knee_rmse_deg > 0)
        check_figure("knee RMSE deg", s->knee_rmse_deg, sc->knee_rmse_deg, KNEE_FLOOR_DEG);
    else
        g_assert_true(isnan(s->knee_rmse_deg));
}

static void test_event_free(gconstpointer data)
{
    const struct scenario *sc = data;
    struct sim_score s;

    run(sc, &s);
    check_gait(sc, &s);
    for (size_t i = 0; i < s.n_alerts; i++) {
        if (sc->allow_low_cadence && s.alerts[i].kind == KN_ALERT_LOW_CADENCE)
            continue;
        g_error("%s: unexpected %s alert at %.2f s: %s", sc->name, kn_alert_kind_to_string(s.alerts[i].kind),
                s.alerts[i].t_s, TEXT(&s.alerts[i]));
    }
    if (sc->allow_low_cadence)
        g_assert_cmpuint(s.summary.alerts[KN_ALERT_LOW_CADENCE], ==, 1);
}

static void test_events(gconstpointer data)
{
    const struct scenario *sc = data;
    struct sim_score s;

    run(sc, &s);
    g_assert_cmpuint(s.n_windows, >, 0);
    for (size_t q = 0; q < s.n_windows; q++) {
        const struct kn_sim_window *w = &s.windows[q];

        g_test_message("  %s [%.2f, %.2f]: %d alert(s)", kn_sim_event_kind_to_string(w->kind), w->start_s,
                       w->end_s, s.window_hits[q]);
        if (w->expect_alert >= 0)
            g_assert_cmpint(s.window_hits[q], ==, 1);
    }
    for (size_t i = 0; i < s.n_alerts; i++)
        g_test_message("  alert %s %s at %.2f: %s", kn_severity_to_string(s.alerts[i].severity),
                       kn_alert_kind_to_string(s.alerts[i].kind), s.alerts[i].t_s, TEXT(&s.alerts[i]));
    /* nothing else: each expected alert once, no alert of another kind */
    g_assert_cmpuint(s.unexplained_alerts, ==, 0);
    for (size_t i = 0; i < s.n_alerts; i++) {
        gboolean expected = FALSE;

        for (size_t q = 0; q < s.n_windows; q++)
            expected = expected || (int) s.alerts[i].kind == s.windows[q].expect_alert;
        g_assert_true(expected);
    }
}

#define RUN(cad, speed) { "stand:5", "run:150:" #cad ":" #speed, "stand:5" }

static const struct scenario running[] = {
    { "run-150-100Hz", RUN(150, 2.9), {}, 100, 1, 1.0, ALL, KN_SIDE_RIGHT, 0.38, 4.6, 45, 150, TRUE },
    { "run-163-200Hz", RUN(163, 3.2), {}, 200, 2, 0.5, ALL, KN_SIDE_RIGHT, 0.20, 1.1, 38, 163, FALSE },
    { "run-170-1kHz", RUN(170, 3.5), {}, 1000, 3, 1.0, ALL, KN_SIDE_RIGHT, 0.43, 0.9, 36, 170, FALSE },
    { "run-180-200Hz-noisy", RUN(180, 4.2), {}, 200, 4, 2.0, ALL, KN_SIDE_RIGHT, 0.65, 1.4, 38, 180, FALSE },
    { "run-190-500Hz", RUN(190, 5.0), {}, 500, 5, 1.0, ALL, KN_SIDE_RIGHT, 0.53, 0.6, 37, 190, FALSE },
    { "run-175-slow-2.5mps", RUN(175, 2.5), {}, 200, 6, 1.0, ALL, KN_SIDE_RIGHT, 0.31, 1.4, 26, 175, FALSE },
    { "run-175-fast-5.5mps", RUN(175, 5.5), {}, 200, 7, 1.0, ALL, KN_SIDE_RIGHT, 0.49, 2.3, 38, 175, FALSE },
    { "run-170-left", RUN(170, 3.4), {}, 200, 8, 1.0, ALL, KN_SIDE_LEFT, 0.36, 1.1, 36, 170, FALSE },
    { "run-170-ideal-sensors", RUN(170, 3.4), {}, 200, 9, 0.0, ALL, KN_SIDE_RIGHT, 0.04, 1.1, 36, 170, FALSE },
    /* sensor subsets */
    { "run-imus-only", RUN(170, 3.4), {}, 200, 10, 1.0, IMUS, KN_SIDE_RIGHT, 0.13, 1.1, 36, 170, FALSE },
    { "run-flex-only", RUN(170, 3.4), {}, 200, 11, 1.0, KN_HAS_FLEX, KN_SIDE_RIGHT, 0.30, 44.6, 15, 170,
      FALSE },
    { "run-flex-shank-imu", RUN(170, 3.4), {}, 200, 12, 1.0, KN_HAS_FLEX | KN_HAS_SHANK_IMU, KN_SIDE_RIGHT,
      0.31, 1.1, 36, 170, FALSE },
    { "run-shank-accel-only", RUN(170, 3.4), {}, 200, 13, 1.0, KN_HAS_SHANK_ACCEL, KN_SIDE_RIGHT, 0, 1.1, 117,
      170, FALSE },
    { "run-shank-gyro-only", RUN(170, 3.4), {}, 200, 14, 1.0, KN_HAS_SHANK_GYRO, KN_SIDE_RIGHT, 0, 12.5, 44,
      170, FALSE },
    /* walking */
    { "walk-100", { "stand:5", "walk:150:100:1.1", "stand:5" }, {}, 200, 15, 1.0, ALL, KN_SIDE_RIGHT, 0.40,
      1.3, 110, 100, FALSE },
    { "walk-120-1kHz", { "stand:5", "walk:150:120:1.5", "stand:5" }, {}, 1000, 16, 1.0, ALL, KN_SIDE_RIGHT,
      0.31, 0.7, 84, 120, FALSE },
    { "walk-110-flex-only", { "stand:5", "walk:150:110:1.3", "stand:5" }, {}, 200, 17, 1.0, KN_HAS_FLEX,
      KN_SIDE_RIGHT, 0.30, 29.1, 54, 110, FALSE },
    { "walk-110-shank-accel-only", { "stand:5", "walk:150:110:1.3", "stand:5" }, {}, 200, 18, 1.0,
      KN_HAS_SHANK_ACCEL, KN_SIDE_RIGHT, 0, 1.5, 133, 110, FALSE },
    /* 30 minutes without an event: no alert at all */
    { "30min-walk-run-walk-200Hz", { "stand:10", "walk:120:110:1.4", "run:1620:172:3.5", "walk:60:105:1.3",
      "stand:10" }, {}, 200, 19, 1.0, ALL, KN_SIDE_RIGHT, 0.32, 1.5, 42, 0, FALSE },
    { "30min-run-1kHz", { "stand:5", "run:1800:178:3.8", "stand:5" }, {}, 1000, 20, 1.0, ALL, KN_SIDE_RIGHT,
      0.31, 0.9, 34, 178, FALSE },
    { "30min-run-imus-100Hz-noisy", { "stand:5", "run:1800:165:3.2", "stand:5" }, {}, 100, 21, 2.0, IMUS,
      KN_SIDE_LEFT, 0.18, 4.4, 39, 165, FALSE },
};

#define EV_RUN { "stand:5", "run:420:172:3.5", "stand:5" }

static const struct scenario with_events[] = {
    { "hyperextension-200Hz", EV_RUN, { "hyperextension@60", "hyperextension@200:depth=8,speed=300",
      "hyperextension@330:depth=15,speed=600" }, 200, 31, 1.0, ALL },
    { "hyperextension-1kHz-imus", EV_RUN, { "hyperextension@90", "hyperextension@300:depth=10,speed=300" },
      1000, 32, 1.0, IMUS },
    { "hyperextension-flex-only", EV_RUN, { "hyperextension@120" }, 200, 33, 1.0, KN_HAS_FLEX },
    { "giving-way", EV_RUN, { "giving_way@80", "giving_way@250:depth=25" }, 200, 34, 1.0, ALL },
    { "giving-way-1kHz-left", EV_RUN, { "giving_way@150" }, 1000, 35, 1.0, ALL, KN_SIDE_LEFT },
    { "range-loss", EV_RUN, { "range_loss@120:deg=25,duration=180" }, 200, 36, 1.0, ALL },
    { "range-loss-imus-100Hz", EV_RUN, { "range_loss@100:deg=20,duration=120" }, 100, 37, 1.0, IMUS },
    { "locking", EV_RUN, { "locking@100", "locking@300:deg=20,duration=20" }, 200, 38, 1.0, ALL },
    { "locking-flex-only", EV_RUN, { "locking@150" }, 200, 39, 1.0, KN_HAS_FLEX },
    { "sleeve-slip", EV_RUN, { "sleeve_slip@100:deg=8", "sleeve_slip@250:deg=-6" }, 200, 40, 1.0, ALL },
    { "sleeve-slip-flex-only", EV_RUN, { "sleeve_slip@100:deg=8" }, 200, 41, 1.0, KN_HAS_FLEX },
    /* one every 2 s, 10 deg deep: every third stride lands hyperextended */
    { "hyperextension-train-1kHz", { "stand:5", "run:40:170:3.3", "stand:5" },
      { "hyperextension@15:depth=10", "hyperextension@17:depth=10", "hyperextension@19:depth=10",
        "hyperextension@21:depth=10", "hyperextension@23:depth=10", "hyperextension@25:depth=10" },
      1000, 43, 1.0, ALL },
    { "hyperextension-train-imus", { "stand:5", "run:40:170:3.3", "stand:5" },
      { "hyperextension@15:depth=10", "hyperextension@17:depth=10", "hyperextension@19:depth=10",
        "hyperextension@21:depth=10", "hyperextension@23:depth=10", "hyperextension@25:depth=10" },
      200, 44, 1.0, IMUS },
    { "everything", EV_RUN, { "hyperextension@60", "giving_way@100", "locking@150", "sleeve_slip@200",
      "range_loss@240:deg=25,duration=100" }, 200, 42, 1.0, ALL },
};

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    for (size_t i = 0; i < G_N_ELEMENTS(running); i++) {
        g_autofree char *path = g_strdup_printf("/sim/gait/%s", running[i].name);

        g_test_add_data_func(path, &running[i], test_event_free);
    }
    for (size_t i = 0; i < G_N_ELEMENTS(with_events); i++) {
        g_autofree char *path = g_strdup_printf("/sim/events/%s", with_events[i].name);

        g_test_add_data_func(path, &with_events[i], test_events);
    }
    return g_test_run();
}
