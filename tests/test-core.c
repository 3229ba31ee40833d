/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The core against a driver the test feeds by hand (tests/core-fixture.h):
 * publishers' callbacks (status, alerts with sequence numbers, pain red
 * flag), every control function with good and bad arguments (named error,
 * nothing changed), rejected sensor values, publishers removing
 * themselves, calibration.  Time, timers and the wall clock:
 * test-core-time.c. */
#include <glib.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "tests/core-fixture.h"

static void test_status(Fixture *f, gconstpointer data)
{
    const KnCoreStatus *st = kn_core_get_status(f->core);

    /* The registration call, then the source start. */
    g_assert_cmpuint(f->rec.status_calls, >=, 2);
    g_assert_cmpuint(f->rec.changed, ==, KN_CHANGED_ALL);
    g_assert_cmpint(st->state, ==, KN_STATE_STREAMING);
    g_assert_cmpstr(st->source, ==, "manual");
    g_assert_cmpint(st->battery_pct, ==, 80);
    g_assert_true(st->sensors[KN_SENSOR_THIGH].present);
    g_assert_cmpfloat(st->sensors[KN_SENSOR_FLEX].rate_hz, ==, 100);

    feed(10);
    g_assert_cmpuint(st->frames, ==, 10);
    kn_core_clear_source(f->core);
    g_assert_cmpint(st->state, ==, KN_STATE_IDLE);
    g_assert_cmpint(f->rec.last_state, ==, KN_STATE_IDLE);
}

static void test_rejected_values(Fixture *f, gconstpointer data)
{
    const KnCoreStatus *st = kn_core_get_status(f->core);
    struct kn_frame frames[3];

    for (int i = 0; i < 3; i++)
        standing_frame(&frames[i]);
    frames[1].thigh_accel[0] = 1e6;           /* broken thigh accelerometer */
    kn_device_emit_frames(manual_dev, frames, 3);
    /* The rest of the frame still counts. */
    g_assert_cmpuint(st->frames, ==, 3);
    g_assert_cmpuint(st->frames_rejected, ==, 1);
    g_assert_cmpint(st->state, ==, KN_STATE_DEGRADED);
    g_assert_nonnull(strstr(st->sensors[KN_SENSOR_THIGH].last_error, "thigh_accel"));
    g_assert_cmpstr(st->sensors[KN_SENSOR_SHANK].last_error, ==, "");

    /* Time going backwards: the whole frame is refused. */
    standing_frame(&frames[0]);
    frames[0].t_s = 0;
    kn_device_emit_frames(manual_dev, frames, 1);
    g_assert_cmpuint(st->frames, ==, 3);
    g_assert_cmpuint(st->frames_rejected, ==, 2);
}

static void test_pain(Fixture *f, gconstpointer data)
{
    g_autoptr(GError) error = NULL;
    guint64 seq = 99;
    const KnAlertEvent *ev;

    kn_clock_test_advance(f->clock, 1234 * MS);
    g_assert_true(kn_core_report_pain(f->core, 3, KN_PAIN_FRONT, KN_PAIN_DURING, "", &seq, &error));
    g_assert_cmpuint(seq, ==, 0);
    g_assert_cmpuint(f->rec.pain_calls, ==, 1);
    g_assert_cmpuint(f->rec.alerts->len, ==, 0);

    g_assert_true(kn_core_report_pain(f->core, 8, KN_PAIN_INSIDE, KN_PAIN_AFTER, "sharp", &seq,
                                      &error));
    g_assert_cmpuint(seq, ==, 1);
    g_assert_cmpuint(f->rec.pain_calls, ==, 2);
    g_assert_cmpuint(f->rec.alerts->len, ==, 1);
    ev = &g_array_index(f->rec.alerts, KnAlertEvent, 0);
    g_assert_cmpuint(ev->seq, ==, 1);
    g_assert_cmpint(ev->alert.kind, ==, KN_ALERT_PAIN);
    g_assert_cmpint(ev->alert.severity, ==, KN_SEVERITY_CRITICAL);
    g_assert_cmpfloat(ev->alert.value, ==, 8);
    g_assert_cmpfloat(ev->alert.threshold, ==, 7);
    g_assert_cmpint(ev->wall_us, ==, WALL0 + 1234 * MS);
    g_assert_cmpint(f->rec.last_pain_wall_us, ==, WALL0 + 1234 * MS);
    g_assert_cmpuint(kn_core_get_status(f->core)->alerts_raised, ==, 1);

    /* Bad arguments: a named error and nothing reported. */
    g_assert_false(kn_core_report_pain(f->core, 11, KN_PAIN_FRONT, KN_PAIN_DURING, "", &seq, &error));
    g_assert_error(error, KN_ERROR, KN_ERROR_OUT_OF_RANGE);
    g_clear_error(&error);
    g_assert_false(kn_core_report_pain(f->core, 9, KN_PAIN_FRONT, KN_PAIN_DURING, "\xff\xfe", &seq,
                                       &error));
    g_assert_error(error, KN_ERROR, KN_ERROR_INVALID_ARGUMENT);
    g_clear_error(&error);
    g_assert_false(kn_core_report_pain(f->core, 9, (KnPainLocation) 42, KN_PAIN_DURING, "", &seq,
                                       &error));
    g_assert_error(error, KN_ERROR, KN_ERROR_INVALID_ARGUMENT);
    g_assert_cmpuint(f->rec.pain_calls, ==, 2);
    g_assert_cmpuint(f->rec.alerts->len, ==, 1);
}

static void test_pain_marks(Fixture *f, gconstpointer data)
{
    g_autoptr(GError) error = NULL;
    const KnCoreStatus *st = kn_core_get_status(f->core);
    const KnPainMark *marks;
    gint64 now, wall;
    guint64 id = 0, sid = 0, seq = 99;
    guint n;

    kn_clock_test_advance(f->clock, 10 * S);
    now = kn_clock_now(f->clock);
    wall = kn_core_get_wall_clock(f->core);
    /* A mark dated at the press 2 s ago, in a session: its wall time is
     * 2 s back too. */
    g_assert_true(kn_core_start_session(f->core, &sid, &error));
    f->rec.changed = 0;
    g_assert_true(kn_core_mark_pain(f->core, now - 2 * G_USEC_PER_SEC, &id, &error));
    g_assert_no_error(error);
    g_assert_cmpuint(id, ==, 1);
    g_assert_cmpuint(f->rec.marks, ==, 1);
    g_assert_cmpuint(f->rec.last_mark.id, ==, 1);
    g_assert_cmpuint(f->rec.last_mark.session_id, ==, sid);
    g_assert_cmpint(f->rec.last_mark.wall_us, ==, wall - 2 * S);
    g_assert_cmpint(f->rec.last_mark.monotonic_us, ==, now - 2 * S);
    g_assert_false(f->rec.last_mark.scored);
    g_assert_cmpuint(st->pain_marks_unscored, ==, 1);
    g_assert_true(f->rec.changed & KN_CHANGED_PAIN_MARKS);
    g_assert_true(kn_core_mark_pain(f->core, 0, &id, &error));
    g_assert_cmpuint(id, ==, 2);
    g_assert_true(kn_core_stop_session(f->core, NULL, &error));

    /* Not in the future, not more than an hour back. */
    g_assert_false(kn_core_mark_pain(f->core, now + 1, NULL, &error));
    g_assert_error(error, KN_ERROR, KN_ERROR_OUT_OF_RANGE);
    g_clear_error(&error);
    g_assert_true(kn_core_mark_pain(f->core, now - 3600 * S, NULL, &error));
    g_assert_false(kn_core_mark_pain(f->core, now - 3600 * S - 1, NULL, &error));
    g_assert_error(error, KN_ERROR, KN_ERROR_OUT_OF_RANGE);
    g_clear_error(&error);
    g_assert_cmpuint(f->rec.marks, ==, 3);

    /* Scored: a pain report dated at the mark, with its id and session;
     * above 7 it is a red flag like any report. */
    g_assert_true(kn_core_score_pain_mark(f->core, 1, 9, KN_PAIN_FRONT, KN_PAIN_DURING, "hill",
                                          &seq, &error));
    g_assert_no_error(error);
    g_assert_cmpuint(seq, ==, 1);
    g_assert_cmpuint(f->rec.pain_calls, ==, 1);
    g_assert_cmpuint(f->rec.last_pain_score, ==, 9);
    g_assert_cmpuint(f->rec.last_pain_mark_id, ==, 1);
    g_assert_cmpuint(f->rec.alerts->len, ==, 1);
    g_assert_cmpuint(st->pain_marks_unscored, ==, 2);
    marks = kn_core_get_pain_marks(f->core, &n);
    g_assert_cmpuint(n, ==, 3);
    g_assert_true(marks[0].scored);
    g_assert_false(marks[1].scored);
    g_assert_cmpint(f->rec.last_pain_wall_us, ==, marks[0].wall_us);

    /* Once only, and only marks that exist; bad fields change nothing. */
    g_assert_false(kn_core_score_pain_mark(f->core, 1, 3, KN_PAIN_FRONT, KN_PAIN_DURING, "", NULL,
                                           &error));
    g_assert_error(error, KN_ERROR, KN_ERROR_NOT_FOUND);
    g_clear_error(&error);
    g_assert_false(kn_core_score_pain_mark(f->core, 77, 3, KN_PAIN_FRONT, KN_PAIN_DURING, "", NULL,
                                           &error));
    g_assert_error(error, KN_ERROR, KN_ERROR_NOT_FOUND);
    g_clear_error(&error);
    g_assert_false(kn_core_score_pain_mark(f->core, 2, 11, KN_PAIN_FRONT, KN_PAIN_DURING, "", NULL,
                                           &error));
    g_assert_error(error, KN_ERROR, KN_ERROR_OUT_OF_RANGE);
    g_clear_error(&error);
    g_assert_false(kn_core_get_pain_marks(f->core, &n)[1].scored);
    g_assert_cmpuint(f->rec.pain_calls, ==, 1);
    g_assert_cmpuint(st->pain_marks_unscored, ==, 2);

    /* Bounded: the oldest go first. */
    for (int i = 0; i < KN_PAIN_MARKS_MAX; i++)
        g_assert_true(kn_core_mark_pain(f->core, 0, &id, &error));
    marks = kn_core_get_pain_marks(f->core, &n);
    g_assert_cmpuint(n, ==, KN_PAIN_MARKS_MAX);
    g_assert_cmpuint(marks[0].id, ==, 4);
    g_assert_cmpuint(marks[n - 1].id, ==, id);
    g_assert_cmpuint(st->pain_marks_unscored, ==, KN_PAIN_MARKS_MAX);
    g_assert_false(kn_core_score_pain_mark(f->core, 2, 3, KN_PAIN_FRONT, KN_PAIN_DURING, "", NULL,
                                           &error));
    g_assert_error(error, KN_ERROR, KN_ERROR_NOT_FOUND);
}

static void test_sleeve_io(Fixture *f, gconstpointer data)
{
    const KnCoreStatus *st = kn_core_get_status(f->core);

    g_assert_cmpuint(st->sleeve_parts, ==, 0);
    f->rec.changed = 0;
    kn_core_set_sleeve_io(f->core, KN_SLEEVE_PART_BUTTON | KN_SLEEVE_PART_HAPTIC,
                          KN_SLEEVE_PART_HAPTIC | KN_SLEEVE_PART_LED);
    g_assert_true(f->rec.changed & KN_CHANGED_SLEEVE);
    g_assert_cmpuint(st->sleeve_parts, ==, KN_SLEEVE_PART_BUTTON | KN_SLEEVE_PART_HAPTIC);
    /* Only configured parts can fail. */
    g_assert_cmpuint(st->sleeve_failed, ==, KN_SLEEVE_PART_HAPTIC);
    f->rec.changed = 0;
    kn_core_set_sleeve_io(f->core, KN_SLEEVE_PART_BUTTON | KN_SLEEVE_PART_HAPTIC,
                          KN_SLEEVE_PART_HAPTIC);
    g_assert_cmpuint(f->rec.changed, ==, 0);
    g_assert_cmpstr(kn_sleeve_part_to_string(KN_SLEEVE_PART_LED), ==, "led");
    g_assert_null(kn_sleeve_part_to_string(0));
}

static void test_thresholds(Fixture *f, gconstpointer data)
{
    g_autoptr(GError) error = NULL;
    const struct kn_params *p = kn_core_get_params(f->core);
    struct kn_params before = *p;
    const KnThresholdUpdate good[] = {
        { "hyperextension.angle_deg", 6 },
        { "locking.strides", 5 },
    };
    const KnThresholdUpdate unknown[] = {
        { "hyperextension.angle_deg", 7 },
        { "hyperextension.angel_deg", 7 },
    };
    const KnThresholdUpdate range[] = {
        { "locking.strides", 4 },
        { "hyperextension.angle_deg", 31 },
    };
    const KnThresholdUpdate whole[] = { { "locking.strides", 4.5 } };
    const KnThresholdUpdate order[] = { { "hyperextension.critical_angle_deg", 4 } };

    f->rec.changed = 0;
    g_assert_true(kn_core_set_thresholds(f->core, good, G_N_ELEMENTS(good), &error));
    g_assert_no_error(error);
    g_assert_cmpfloat(kn_params_get(p, KN_PARAM_HYPEREXT_DEG), ==, 6);
    g_assert_cmpfloat(kn_params_get(p, KN_PARAM_LOCKING_STRIDES), ==, 5);
    g_assert_true(f->rec.changed & KN_CHANGED_PARAMS);
    before = *p;

    g_assert_false(kn_core_set_thresholds(f->core, unknown, G_N_ELEMENTS(unknown), &error));
    g_assert_error(error, KN_ERROR, KN_ERROR_UNKNOWN_KEY);
    g_assert_nonnull(strstr(error->message, "hyperextension.angel_deg"));
    g_clear_error(&error);
    g_assert_false(kn_core_set_thresholds(f->core, range, G_N_ELEMENTS(range), &error));
    g_assert_error(error, KN_ERROR, KN_ERROR_OUT_OF_RANGE);
    g_assert_nonnull(strstr(error->message, "hyperextension.angle_deg"));
    g_clear_error(&error);
    g_assert_false(kn_core_set_thresholds(f->core, whole, 1, &error));
    g_assert_error(error, KN_ERROR, KN_ERROR_OUT_OF_RANGE);
    g_clear_error(&error);
    g_assert_false(kn_core_set_thresholds(f->core, order, 1, &error));
    g_assert_error(error, KN_ERROR, KN_ERROR_OUT_OF_RANGE);
    g_assert_nonnull(strstr(error->message, "hyperextension.critical_angle_deg"));
    g_clear_error(&error);
    /* Nothing changed by any failed call. */
    g_assert_cmpmem(p, sizeof(*p), &before, sizeof(before));

    g_assert_true(kn_core_set_param(f->core, KN_PARAM_HIGH_IMPACT_G, 15, &error));
    g_assert_cmpfloat(kn_params_get(p, KN_PARAM_HIGH_IMPACT_G), ==, 15);
    g_assert_false(kn_core_set_param(f->core, KN_PARAM_COUNT, 15, &error));
    g_assert_error(error, KN_ERROR, KN_ERROR_UNKNOWN_KEY);
}

static void test_session(Fixture *f, gconstpointer data)
{
    g_autoptr(GError) error = NULL;
    const KnCoreStatus *st = kn_core_get_status(f->core);
    struct kn_summary sum;
    guint64 id = 0;

    g_assert_false(kn_core_stop_session(f->core, &sum, &error));
    g_assert_error(error, KN_ERROR, KN_ERROR_NO_SESSION);
    g_clear_error(&error);

    g_assert_true(kn_core_start_session(f->core, &id, &error));
    g_assert_cmpuint(id, ==, 1);
    g_assert_true(st->session_active);
    g_assert_false(kn_core_start_session(f->core, &id, &error));
    g_assert_error(error, KN_ERROR, KN_ERROR_SESSION_ACTIVE);
    g_clear_error(&error);
    g_assert_cmpuint(st->session_id, ==, 1);

    feed(101);
    g_assert_true(kn_core_report_pain(f->core, 9, KN_PAIN_BACK, KN_PAIN_DURING, "", NULL, &error));
    g_assert_true(kn_core_stop_session(f->core, &sum, &error));
    g_assert_false(st->session_active);
    g_assert_cmpuint(sum.frames, ==, 101);
    g_assert_cmpfloat_with_epsilon(sum.duration_s, 1.0, 1e-9);
    g_assert_cmpuint(sum.alerts[KN_ALERT_PAIN], ==, 1);
    g_assert_cmpuint(g_array_index(f->rec.alerts, KnAlertEvent, 0).session_id, ==, 1);

    g_assert_true(kn_core_start_session(f->core, &id, &error));
    g_assert_cmpuint(id, ==, 2);
}

static void test_clock_identify_coaching(Fixture *f, gconstpointer data)
{
    g_autoptr(GError) error = NULL;
    const KnCoreStatus *st = kn_core_get_status(f->core);
    gint64 t = G_GINT64_CONSTANT(1893456000) * G_USEC_PER_SEC;   /* 2030-01-01 */
    Recorder actuator = { 0 };
    guint id;

    g_assert_false(kn_core_set_wall_clock(f->core, 0, &error));
    g_assert_error(error, KN_ERROR, KN_ERROR_OUT_OF_RANGE);
    g_clear_error(&error);
    g_assert_false(st->wall_clock_set);
    g_assert_true(kn_core_set_wall_clock(f->core, t, &error));
    g_assert_true(st->wall_clock_set);
    g_assert_cmpint(kn_core_get_wall_clock(f->core), ==, t);
    g_assert_false(kn_core_set_wall_clock(f->core, G_GINT64_CONSTANT(4102444800) * S, &error));
    g_assert_error(error, KN_ERROR, KN_ERROR_OUT_OF_RANGE);
    g_clear_error(&error);
    g_assert_cmpint(kn_core_get_wall_clock(f->core), ==, t);

    g_assert_false(kn_core_identify(f->core, 500, &error));
    g_assert_error(error, KN_ERROR, KN_ERROR_NOT_SUPPORTED);
    g_clear_error(&error);
    id = kn_core_add_publisher(f->core, &rec_ops_identify, &actuator, NULL);
    g_assert_false(kn_core_identify(f->core, 0, &error));
    g_assert_error(error, KN_ERROR, KN_ERROR_OUT_OF_RANGE);
    g_clear_error(&error);
    g_assert_cmpuint(actuator.identify_ms, ==, 0);
    g_assert_true(kn_core_identify(f->core, 500, &error));
    g_assert_cmpuint(actuator.identify_ms, ==, 500);
    kn_core_remove_publisher(f->core, id);

    g_assert_false(kn_core_start_coaching(f->core, 300, &error));
    g_assert_error(error, KN_ERROR, KN_ERROR_OUT_OF_RANGE);
    g_clear_error(&error);
    g_assert_cmpfloat(st->coaching_target_spm, ==, 0);
    g_assert_true(kn_core_start_coaching(f->core, 170, &error));
    g_assert_cmpfloat(st->coaching_target_spm, ==, 170);
    kn_core_stop_coaching(f->core);
    g_assert_cmpfloat(st->coaching_target_spm, ==, 0);
}

static void test_remove_in_callback(Fixture *f, gconstpointer data)
{
    guint calls;

    f->rec.remove_on_status = TRUE;
    calls = f->rec.status_calls;
    kn_core_stop_coaching(f->core);                 /* no change, no call */
    g_assert_cmpuint(f->rec.status_calls, ==, calls);
    g_assert_true(kn_core_start_coaching(f->core, 170, NULL));
    g_assert_cmpuint(f->rec.status_calls, ==, calls + 1);
    g_assert_true(kn_core_start_coaching(f->core, 180, NULL));
    g_assert_cmpuint(f->rec.status_calls, ==, calls + 1);
}

static void calibrate_done(GObject *source, GAsyncResult *res, gpointer user_data)
{
    GError **error = user_data;
    struct kn_calibration cal;

    g_assert_false(kn_core_calibrate_finish(NULL, res, &cal, error));
}

static void test_calibrate_errors(Fixture *f, gconstpointer data)
{
    GError *error = NULL;

    /* No frame yet. */
    kn_core_calibrate_async(f->core, NULL, calibrate_done, &error);
    while (!error)
        g_main_context_iteration(NULL, TRUE);
    g_assert_error(error, KN_ERROR, KN_ERROR_NO_DATA);
    g_clear_error(&error);

    /* The source goes away while waiting. */
    feed(10);
    kn_core_calibrate_async(f->core, NULL, calibrate_done, &error);
    g_assert_cmpint(kn_core_get_status(f->core)->state, ==, KN_STATE_CALIBRATING);
    kn_core_clear_source(f->core);
    while (!error)
        g_main_context_iteration(NULL, TRUE);
    g_assert_error(error, KN_ERROR, KN_ERROR_NO_DATA);
    g_clear_error(&error);
    g_assert_cmpint(kn_core_get_status(f->core)->state, ==, KN_STATE_IDLE);
}

typedef struct {
    gboolean done;
    gboolean ok;
    struct kn_calibration cal;
    GError *error;
} CalResult;

static void calibrate_result(GObject *source, GAsyncResult *res, gpointer user_data)
{
    CalResult *r = user_data;

    r->ok = kn_core_calibrate_finish(NULL, res, &r->cal, &r->error);
    r->done = TRUE;
}

/* Feeds 10 ms frames (knee at knee_deg, wobbling by wobble_deg) until the
 * calibration answers. */
static void run_calibration(Fixture *f, double knee_deg, double wobble_deg, CalResult *r)
{
    kn_core_calibrate_async(f->core, NULL, calibrate_result, r);
    for (int i = 0; !r->done && i < 1000; i++) {
        struct kn_frame fr;

        standing_frame(&fr);
        fr.present = KN_HAS_FLEX;
        fr.knee_deg = knee_deg + wobble_deg * sin(fr.t_s * 2 * G_PI * 1.5);
        kn_device_emit_frames(manual_dev, &fr, 1);
        g_main_context_iteration(NULL, FALSE);
    }
    while (!r->done)
        g_main_context_iteration(NULL, TRUE);
}

static void test_calibrate(Fixture *f, gconstpointer data)
{
    CalResult r = { 0 };

    /* Two seconds of quiet standing on a flex sensor alone, 2.5 degrees
     * off zero (within what the analysis leaves alone by itself). */
    manual_dev->status.sensors[KN_SENSOR_THIGH].present = FALSE;
    manual_dev->status.sensors[KN_SENSOR_SHANK].present = FALSE;
    kn_device_emit_status_changed(manual_dev);
    for (int i = 0; i < 200; i++) {
        struct kn_frame fr;

        standing_frame(&fr);
        fr.present = KN_HAS_FLEX;
        fr.knee_deg = 2.5;
        kn_device_emit_frames(manual_dev, &fr, 1);
    }
    run_calibration(f, 2.5, 0, &r);
    g_assert_no_error(r.error);
    g_assert_true(r.ok);
    g_assert_cmpfloat_with_epsilon(r.cal.residual_deg, 2.5, 0.2);
    g_assert_cmpfloat_with_epsilon(kn_core_get_live(f->core)->knee_deg, 0.0, 0.5);
    g_assert_cmpint(kn_core_get_status(f->core)->state, ==, KN_STATE_STREAMING);

    /* The leg swings during the window: NotStill, nothing changed. */
    memset(&r, 0, sizeof(r));
    run_calibration(f, 20.0, 15.0, &r);
    g_assert_false(r.ok);
    g_assert_error(r.error, KN_ERROR, KN_ERROR_NOT_STILL);
    g_clear_error(&r.error);
}

/* A flex-sensor knee snapping 10 degrees past straight at 400 deg/s, fed
 * in batches of 5 frames: one alert, numbered, stamped with the sample's
 * monotonic time (from the source's time origin) and the batch's arrival,
 * raised on the sample where the knee crossed the threshold. */
static void test_alert_from_analysis(Fixture *f, gconstpointer data)
{
    const KnCoreStatus *st = kn_core_get_status(f->core);
    struct kn_frame batch[5];
    const KnAlertEvent *ev;
    int n = 0;

    manual_dev->status.sensors[KN_SENSOR_THIGH].present = FALSE;
    manual_dev->status.sensors[KN_SENSOR_SHANK].present = FALSE;
    kn_device_emit_status_changed(manual_dev);
    for (int i = 0; i < 400; i++) {
        double t = next_t;
        double knee = 10;

        if (t >= 2.0 && t < 2.05)
            knee = 10 - 400 * (t - 2.0);
        else if (t >= 2.05 && t < 2.4)
            knee = -10;
        standing_frame(&batch[n]);
        batch[n].present = KN_HAS_FLEX;
        batch[n].knee_deg = knee;
        if (++n == 5) {
            kn_device_emit_frames(manual_dev, batch, 5);
            kn_clock_test_advance(f->clock, 50 * MS);
            n = 0;
        }
    }
    g_assert_cmpuint(f->rec.alerts->len, ==, 1);
    ev = &g_array_index(f->rec.alerts, KnAlertEvent, 0);
    g_assert_cmpint(ev->alert.kind, ==, KN_ALERT_HYPEREXTENSION);
    g_assert_cmpuint(ev->seq, ==, 1);
    g_assert_cmpuint(st->alerts_raised, ==, 1);
    g_assert_cmpfloat(ev->alert.t_s, >, 2.0);
    g_assert_cmpfloat(ev->alert.t_s, <, 2.05);
    /* The manual source says t = 0 was sampled at monotonic 1 s. */
    g_assert_cmpint(ev->sample_monotonic_us, ==,
                    1000000 + (gint64) llround(ev->alert.t_s * 1e6));
    /* The batch holding t = 2.0x arrived 50 ms per batch of 5 after T0. */
    g_assert_cmpint(ev->batch_monotonic_us, ==, T0 + (gint64) floor(ev->alert.t_s / 0.05) * 50 * MS);
    g_assert_cmpint(ev->wall_us, ==, ev->batch_monotonic_us + WALL0 - T0);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
#define ADD(path, fn) g_test_add(path, Fixture, NULL, setup, fn, teardown)
    ADD("/core/status", test_status);
    ADD("/core/rejected-values", test_rejected_values);
    ADD("/core/pain", test_pain);
    ADD("/core/pain-marks", test_pain_marks);
    ADD("/core/sleeve-io", test_sleeve_io);
    ADD("/core/thresholds", test_thresholds);
    ADD("/core/session", test_session);
    ADD("/core/clock-identify-coaching", test_clock_identify_coaching);
    ADD("/core/remove-in-callback", test_remove_in_callback);
    ADD("/core/calibrate-errors", test_calibrate_errors);
    ADD("/core/calibrate", test_calibrate);
    ADD("/core/alert-from-analysis", test_alert_from_analysis);
#undef ADD
    return g_test_run();
}
