/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The core's time, on a test clock that only the test moves
 * (tests/core-fixture.h): the live throttle's grid, the pairing window
 * and the calibration timeout to the microsecond, the wall clock across a
 * client's set, a step of the system clock and a resume (stamped times
 * kept, durations unmoved, publishers told), and the data path's liveness
 * for the watchdog. */
#include <glib.h>
#include <math.h>
#include <string.h>

#include "tests/core-fixture.h"

static void calibrate_done(GObject *source, GAsyncResult *res, gpointer user_data)
{
    GError **error = user_data;
    struct kn_calibration cal;

    g_assert_false(kn_core_calibrate_finish(NULL, res, &cal, error));
}

static void test_live_throttle(Fixture *f, gconstpointer data)
{
    /* 100 batches 10 ms apart = 1 s at publish_hz 5: the first batch
     * publishes at once, then one every 200 ms on a fixed grid. */
    for (int i = 0; i < 100; i++) {
        feed(1);
        kn_clock_test_advance(f->clock, 10 * MS);
    }
    g_assert_cmpuint(f->rec.live_calls, ==, 5);
    for (guint i = 0; i < 5; i++)
        g_assert_cmpint(f->rec.live_at[i], ==, T0 + i * 200 * MS);

    /* After a 1.5 s pause, one publication, not a burst of the missed
     * ones; the grid restarts from it. */
    kn_clock_test_advance(f->clock, 1500 * MS);
    for (int i = 0; i < 30; i++) {
        feed(1);
        kn_clock_test_advance(f->clock, 10 * MS);
    }
    g_assert_cmpuint(f->rec.live_calls, ==, 7);
    g_assert_cmpint(f->rec.live_at[5], ==, T0 + 2500 * MS);
    g_assert_cmpint(f->rec.live_at[6], ==, T0 + 2700 * MS);

    /* Nothing new since the last publication: nothing published. */
    kn_clock_test_advance(f->clock, S);
    kn_core_clear_source(f->core);
    g_assert_cmpuint(f->rec.live_calls, ==, 7);
}

static void test_pairing_window(Fixture *f, gconstpointer data)
{
    g_autoptr(GError) error = NULL;
    const KnCoreStatus *st = kn_core_get_status(f->core);

    g_assert_false(kn_core_open_pairing_window(f->core, 0, &error));
    g_assert_error(error, KN_ERROR, KN_ERROR_OUT_OF_RANGE);
    g_clear_error(&error);
    g_assert_false(kn_core_open_pairing_window(f->core, 601, &error));
    g_assert_error(error, KN_ERROR, KN_ERROR_OUT_OF_RANGE);
    g_clear_error(&error);
    g_assert_false(st->pairing_window_open);

    f->rec.changed = 0;
    g_assert_true(kn_core_open_pairing_window(f->core, 1, &error));
    g_assert_true(st->pairing_window_open);
    g_assert_true(f->rec.changed & KN_CHANGED_PAIRING);
    g_assert_cmpint(st->pairing_window_end_wall_us, ==, WALL0 + S);
    /* Open for exactly its second. */
    kn_clock_test_advance(f->clock, S - 1);
    g_assert_true(st->pairing_window_open);
    f->rec.changed = 0;
    kn_clock_test_advance(f->clock, 1);
    g_assert_false(st->pairing_window_open);
    g_assert_true(f->rec.changed & KN_CHANGED_PAIRING);
    g_assert_cmpint(st->pairing_window_end_wall_us, ==, 0);

    /* Opening it again extends it from now; closing early stops the
     * timer. */
    g_assert_true(kn_core_open_pairing_window(f->core, 10, &error));
    kn_clock_test_advance(f->clock, 5 * S);
    g_assert_true(kn_core_open_pairing_window(f->core, 10, &error));
    kn_clock_test_advance(f->clock, 9 * S);
    g_assert_true(st->pairing_window_open);
    kn_clock_test_advance(f->clock, S);
    g_assert_false(st->pairing_window_open);
    g_assert_true(kn_core_open_pairing_window(f->core, 10, &error));
    kn_core_close_pairing_window(f->core);
    g_assert_false(st->pairing_window_open);
    f->rec.changed = 0;
    kn_clock_test_advance(f->clock, 20 * S);
    g_assert_cmpuint(f->rec.changed, ==, 0);
}

/* The window lasts its time whatever the wall clock does meanwhile; its
 * end, a wall time ahead, follows the mapping. */
static void test_pairing_window_clock_step(Fixture *f, gconstpointer data)
{
    g_autoptr(GError) error = NULL;
    const KnCoreStatus *st = kn_core_get_status(f->core);
    const gint64 phone = WALL0 + 86400 * S;

    g_assert_true(kn_core_open_pairing_window(f->core, 60, &error));
    g_assert_cmpint(st->pairing_window_end_wall_us, ==, WALL0 + 60 * S);
    kn_clock_test_advance(f->clock, 10 * S);
    f->rec.changed = 0;
    g_assert_true(kn_core_set_wall_clock(f->core, phone, &error));
    g_assert_cmpint(st->pairing_window_end_wall_us, ==, phone + 50 * S);
    g_assert_true(f->rec.changed & KN_CHANGED_PAIRING);
    kn_clock_test_advance(f->clock, 10 * S);
    kn_clock_test_step_system(f->clock, -3600 * S);
    g_assert_cmpint(st->pairing_window_end_wall_us, ==, WALL0 + 20 * S - 3600 * S + 40 * S);
    kn_clock_test_advance(f->clock, 40 * S - 1);
    g_assert_true(st->pairing_window_open);
    kn_clock_test_advance(f->clock, 1);
    g_assert_false(st->pairing_window_open);
}

static const KnClockChange *last_clock_change(Fixture *f)
{
    g_assert_cmpuint(f->rec.clock_changes->len, >, 0);
    return &g_array_index(f->rec.clock_changes, KnClockChange,
                          f->rec.clock_changes->len - 1);
}

static const KnAlertEvent *raise_pain_alert(Fixture *f)
{
    g_autoptr(GError) error = NULL;
    guint64 seq = 0;

    g_assert_true(kn_core_report_pain(f->core, 9, KN_PAIN_FRONT, KN_PAIN_DURING, "", &seq, &error));
    g_assert_no_error(error);
    g_assert_cmpuint(f->rec.alerts->len, ==, seq);
    return &g_array_index(f->rec.alerts, KnAlertEvent, seq - 1);
}

/* The wall clock is one mapping of the monotonic clock: a phone's set and
 * a step of the system clock change it explicitly (publishers hear the
 * change, then the status), times stamped before keep their value, and
 * durations never jump. */
static void test_wall_clock(Fixture *f, gconstpointer data)
{
    g_autoptr(GError) error = NULL;
    const KnCoreStatus *st = kn_core_get_status(f->core);
    const gint64 phone = G_GINT64_CONSTANT(1893456000) * S;      /* 2030-01-01 */
    const KnClockChange *ch;
    const KnPainMark *marks;
    gint64 alert1_wall, mark_wall, session_wall, t_mark;
    struct kn_summary sum;
    guint64 mark_id = 0;
    guint n, calls;

    /* At start: the system clock's time, not "set". */
    g_assert_cmpint(kn_core_get_wall_clock(f->core), ==, WALL0);
    g_assert_cmpint(st->wall_offset_us, ==, WALL0 - T0);
    g_assert_cmpint(st->wall_clock_source, ==, KN_WALL_SYSTEM);
    g_assert_false(st->wall_clock_set);
    g_assert_true(kn_core_get_clock(f->core) == f->clock);

    /* Before any set: a session, an alert, a mark. */
    g_assert_true(kn_core_start_session(f->core, NULL, &error));
    session_wall = st->session_start_wall_us;
    g_assert_cmpint(session_wall, ==, WALL0);
    feed(100);
    kn_clock_test_advance(f->clock, S);
    alert1_wall = raise_pain_alert(f)->wall_us;
    g_assert_cmpint(alert1_wall, ==, WALL0 + S);
    t_mark = kn_clock_now(f->clock) - 500 * MS;
    g_assert_true(kn_core_mark_pain(f->core, t_mark, &mark_id, &error));
    mark_wall = f->rec.last_mark.wall_us;
    g_assert_cmpint(mark_wall, ==, WALL0 + 500 * MS);

    /* A phone sets the time: publishers hear the change first, then the
     * status (KN_CHANGED_CLOCK). */
    f->rec.changed = 0;
    calls = f->rec.status_calls;
    kn_clock_test_advance(f->clock, S);
    g_assert_true(kn_core_set_wall_clock(f->core, phone, &error));
    ch = last_clock_change(f);
    g_assert_cmpint(ch->reason, ==, KN_CLOCK_SET);
    g_assert_cmpint(ch->monotonic_us, ==, T0 + 2 * S);
    g_assert_cmpuint(f->rec.status_calls_at_clock, ==, calls);
    g_assert_cmpuint(f->rec.status_calls, ==, calls + 1);
    g_assert_true(f->rec.changed & KN_CHANGED_CLOCK);
    g_assert_cmpint(kn_core_get_wall_clock(f->core), ==, phone);
    g_assert_cmpint(st->wall_offset_us, ==, phone - (T0 + 2 * S));
    g_assert_cmpint(st->wall_clock_source, ==, KN_WALL_CLIENT);
    g_assert_true(st->wall_clock_set);
    /* What was stamped before keeps its time. */
    g_assert_cmpint(g_array_index(f->rec.alerts, KnAlertEvent, 0).wall_us, ==, alert1_wall);
    g_assert_cmpint(st->session_start_wall_us, ==, session_wall);
    marks = kn_core_get_pain_marks(f->core, &n);
    g_assert_cmpint(marks[n - 1].wall_us, ==, mark_wall);
    g_assert_cmpint(marks[n - 1].monotonic_us, ==, t_mark);

    kn_clock_test_advance(f->clock, 3 * S);
    g_assert_cmpint(raise_pain_alert(f)->wall_us, ==, phone + 3 * S);

    /* NTP steps the system clock an hour on: the latest correction wins,
     * kneed's clock is the system's again. */
    kn_clock_test_step_system(f->clock, 3600 * S);
    ch = last_clock_change(f);
    g_assert_cmpint(ch->reason, ==, KN_CLOCK_STEPPED);
    g_assert_cmpint(ch->system_us, ==, 3600 * S);
    g_assert_cmpint(ch->old_source, ==, KN_WALL_CLIENT);
    g_assert_cmpint(st->wall_clock_source, ==, KN_WALL_SYSTEM);
    g_assert_true(st->wall_clock_set);
    g_assert_cmpint(kn_core_get_wall_clock(f->core), ==, kn_clock_test_system(f->clock));
    g_assert_cmpint(kn_core_get_wall_clock(f->core), ==, WALL0 + 5 * S + 3600 * S);
    g_assert_cmpint(raise_pain_alert(f)->wall_us, ==, WALL0 + 5 * S + 3600 * S);
    /* Alerts raised before the step keep theirs. */
    g_assert_cmpint(g_array_index(f->rec.alerts, KnAlertEvent, 1).wall_us, ==, phone + 3 * S);

    /* The mark, scored after the step, is still dated when it hurt, by
     * the mapping of that moment. */
    g_assert_true(kn_core_score_pain_mark(f->core, mark_id, 4, KN_PAIN_FRONT, KN_PAIN_DURING, "",
                                          NULL, &error));
    g_assert_cmpint(f->rec.last_pain_wall_us, ==, mark_wall);

    /* Durations never jump: the session lasts its source time. */
    feed(100);
    g_assert_true(kn_core_stop_session(f->core, &sum, &error));
    g_assert_cmpfloat_with_epsilon(sum.duration_s, 1.99, 1e-9);  /* 200 frames 10 ms apart */

    /* The board sleeps ten minutes (an RTC counted them): the system's
     * time moves on, and so does kneed's. */
    kn_clock_test_suspend(f->clock, 600 * S);
    g_assert_cmpint(last_clock_change(f)->reason, ==, KN_CLOCK_RESUMED);
    g_assert_cmpint(kn_core_get_wall_clock(f->core), ==, kn_clock_test_system(f->clock));

    /* A phone's time again, then a resume: the phone's time moves on by
     * the sleep, still the phone's. */
    g_assert_true(kn_core_set_wall_clock(f->core, phone, &error));
    kn_clock_test_suspend(f->clock, 60 * S);
    g_assert_cmpint(kn_core_get_wall_clock(f->core), ==, phone + 60 * S);
    g_assert_cmpint(st->wall_clock_source, ==, KN_WALL_CLIENT);
    g_assert_cmpuint(f->rec.clock_changes->len, ==, 5);
}

/* Publishers that were told the clock changed see every change once, in
 * order, and a mapping too small to move is not a change. */
static void test_wall_clock_small_steps(Fixture *f, gconstpointer data)
{
    kn_clock_test_step_system(f->clock, 999);
    g_assert_cmpuint(f->rec.clock_changes->len, ==, 0);
    g_assert_cmpint(kn_core_get_wall_clock(f->core), ==, WALL0);
    kn_clock_test_step_system(f->clock, 1);
    g_assert_cmpuint(f->rec.clock_changes->len, ==, 1);
    g_assert_cmpint(kn_core_get_wall_clock(f->core), ==, WALL0 + 1000);
}

/* Frames stop during a calibration: it fails after its window at the
 * source's pace plus two seconds of grace, to the microsecond. */
static void test_calibrate_timeout(Fixture *f, gconstpointer data)
{
    GError *error = NULL;

    feed(10);
    kn_core_calibrate_async(f->core, NULL, calibrate_done, &error);
    g_assert_cmpint(kn_core_get_status(f->core)->state, ==, KN_STATE_CALIBRATING);
    kn_clock_test_advance(f->clock, 3 * S - 1);
    for (int i = 0; i < 10; i++)
        g_main_context_iteration(NULL, FALSE);
    g_assert_null(error);
    kn_clock_test_advance(f->clock, 1);
    while (!error)
        g_main_context_iteration(NULL, TRUE);
    g_assert_error(error, KN_ERROR, KN_ERROR_TIMED_OUT);
    g_clear_error(&error);
    g_assert_cmpint(kn_core_get_status(f->core)->state, ==, KN_STATE_STREAMING);
}

/* What the watchdog asks: frames within KN_CORE_STALL_S, or a source that
 * is legitimately idle. */
static void test_liveness(Fixture *f, gconstpointer data)
{
    gint64 silent = -1;

    /* A source that just started has its grace. */
    g_assert_cmpint(kn_core_get_liveness(f->core, &silent), ==, KN_LIVENESS_STREAMING);
    g_assert_cmpint(silent, ==, 0);
    kn_clock_test_advance(f->clock, KN_CORE_STALL_S * S - 1);
    g_assert_cmpint(kn_core_get_liveness(f->core, NULL), ==, KN_LIVENESS_STREAMING);
    kn_clock_test_advance(f->clock, 1);
    g_assert_cmpint(kn_core_get_liveness(f->core, &silent), ==, KN_LIVENESS_STALLED);
    g_assert_cmpint(silent, ==, KN_CORE_STALL_S * S);

    /* Frames again. */
    feed(1);
    g_assert_cmpint(kn_core_get_liveness(f->core, &silent), ==, KN_LIVENESS_STREAMING);
    g_assert_cmpint(silent, ==, 0);

    /* A source that says it is quiet for 30 s (a back-off): idle until
     * then and KN_CORE_STALL_S more. */
    kn_device_set_idle_until(manual_dev, kn_clock_now(f->clock) + 30 * S);
    kn_clock_test_advance(f->clock, 35 * S - 1);
    g_assert_cmpint(kn_core_get_liveness(f->core, NULL), ==, KN_LIVENESS_QUIET);
    kn_clock_test_advance(f->clock, 1);
    g_assert_cmpint(kn_core_get_liveness(f->core, NULL), ==, KN_LIVENESS_STALLED);
    feed(1);
    kn_device_set_idle_until(manual_dev, 0);
    g_assert_cmpint(kn_core_get_liveness(f->core, NULL), ==, KN_LIVENESS_STREAMING);

    /* A source that ended (a replay without loop) or failed and stopped:
     * idle for good. */
    kn_device_emit_finished(manual_dev, NULL);
    kn_clock_test_advance(f->clock, 3600 * S);
    g_assert_cmpint(kn_core_get_liveness(f->core, NULL), ==, KN_LIVENESS_NO_SOURCE);
    kn_core_clear_source(f->core);
    g_assert_cmpint(kn_core_get_liveness(f->core, NULL), ==, KN_LIVENESS_NO_SOURCE);
    g_assert_cmpstr(kn_liveness_to_string(KN_LIVENESS_QUIET), ==, "quiet");
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
#define ADD(path, fn) g_test_add(path, Fixture, NULL, setup, fn, teardown)
    ADD("/core-time/live-throttle", test_live_throttle);
    ADD("/core-time/pairing-window", test_pairing_window);
    ADD("/core-time/pairing-window/clock-step", test_pairing_window_clock_step);
    ADD("/core-time/wall-clock", test_wall_clock);
    ADD("/core-time/wall-clock/small-steps", test_wall_clock_small_steps);
    ADD("/core-time/calibrate-timeout", test_calibrate_timeout);
    ADD("/core-time/liveness", test_liveness);
#undef ADD
    return g_test_run();
}
