/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <math.h>
#include <string.h>

#include "tests/core-fixture.h"

/* ---- a driver fed by the test ---- */

KnDevice *manual_dev;

static KnDevice *manual_open(const KnDriverOptions *opts, GError **error)
{
    KnDevice *dev = g_new0(KnDevice, 1);

    for (int i = 0; i < KN_SENSOR_COUNT; i++) {
        dev->status.sensors[i].present = TRUE;
        dev->status.sensors[i].rate_hz = 100;
    }
    dev->status.battery_pct = 80;
    dev->status.speed = 1;
    dev->status.time_origin_us = 1000000;
    manual_dev = dev;
    return dev;
}

static gboolean manual_start(KnDevice *dev, GError **error)
{
    return TRUE;
}

static void manual_stop(KnDevice *dev)
{
}

static void manual_close(KnDevice *dev)
{
    if (manual_dev == dev)
        manual_dev = NULL;
    g_free(dev);
}

const KnDriver manual_driver = {
    .name = "manual",
    .open = manual_open,
    .start = manual_start,
    .stop = manual_stop,
    .close = manual_close,
};

double next_t;

void standing_frame(struct kn_frame *f)
{
    memset(f, 0, sizeof(*f));
    f->t_s = next_t;
    next_t += 0.01;
    f->present = KN_HAS_ALL;
    f->knee_deg = 2.0;
    f->thigh_accel[1] = KN_STANDARD_GRAVITY;
    f->shank_accel[1] = KN_STANDARD_GRAVITY;
}

void feed(guint n)
{
    g_autofree struct kn_frame *frames = g_new(struct kn_frame, n);

    for (guint i = 0; i < n; i++)
        standing_frame(&frames[i]);
    kn_device_emit_frames(manual_dev, frames, n);
}

/* ---- a recording publisher ---- */


static void rec_status(gpointer data, KnChange changed, const KnCoreStatus *st)
{
    Recorder *r = data;

    r->status_calls++;
    r->changed |= changed;
    r->last_state = st->state;
    if (r->remove_on_status)
        kn_core_remove_publisher(r->core, r->id);
}

static void rec_live(gpointer data, const struct kn_live *live)
{
    Recorder *r = data;

    if (r->live_calls < G_N_ELEMENTS(r->live_at))
        r->live_at[r->live_calls] = kn_clock_now(r->clock);
    r->live_calls++;
}

static void rec_clock(gpointer data, const KnClockChange *change)
{
    Recorder *r = data;

    g_array_append_val(r->clock_changes, *change);
    r->status_calls_at_clock = r->status_calls;
}

static void rec_alert(gpointer data, const KnAlertEvent *ev)
{
    Recorder *r = data;
    KnAlertEvent copy = *ev;

    g_assert_true((ev->alert.kind == KN_ALERT_PAIN) == (ev->pain != NULL));
    copy.pain = NULL;
    g_array_append_val(r->alerts, copy);
}

static void rec_pain(gpointer data, const KnPainReport *report)
{
    Recorder *r = data;

    r->pain_calls++;
    r->last_pain_score = report->score;
    r->last_pain_mark_id = report->mark_id;
    r->last_pain_wall_us = report->wall_us;
}

static void rec_pain_mark(gpointer data, const KnPainMark *mark)
{
    Recorder *r = data;

    r->marks++;
    r->last_mark = *mark;
}

static void rec_identify(gpointer data, guint ms)
{
    ((Recorder *) data)->identify_ms = ms;
}

const KnPublisherOps rec_ops = {
    .name = "test",
    .status = rec_status,
    .live = rec_live,
    .alert = rec_alert,
    .pain = rec_pain,
    .pain_mark = rec_pain_mark,
    .clock = rec_clock,
};

const KnPublisherOps rec_ops_identify = {
    .name = "test-actuator",
    .identify = rec_identify,
};


void setup(Fixture *f, gconstpointer data)
{
    g_autoptr(GError) error = NULL;
    KnCoreOptions opts;
    KnDriverOptions dopts;

    f->clock = kn_clock_new_test(T0, WALL0);
    kn_core_options_init(&opts);
    opts.publish_hz = 5;
    opts.clock = f->clock;
    f->core = kn_core_new(&opts, &error);
    g_assert_no_error(error);
    f->rec.alerts = g_array_new(FALSE, FALSE, sizeof(KnAlertEvent));
    f->rec.clock_changes = g_array_new(FALSE, FALSE, sizeof(KnClockChange));
    f->rec.clock = f->clock;
    f->rec.core = f->core;
    f->rec.id = kn_core_add_publisher(f->core, &rec_ops, &f->rec, NULL);
    kn_driver_options_init(&dopts);
    g_assert_true(kn_core_set_source(f->core, &manual_driver, &dopts, &error));
    g_assert_no_error(error);
    next_t = 0;
}

void teardown(Fixture *f, gconstpointer data)
{
    kn_core_free(f->core);
    kn_clock_unref(f->clock);
    g_array_unref(f->rec.alerts);
    g_array_unref(f->rec.clock_changes);
    g_assert_null(manual_dev);
}
