/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Replay of a recording (format v1, drivers/recording.h) in real time, at
 * a multiple of it, or as fast as the main loop allows (speed 0: an idle
 * source hands over chunks so D-Bus calls are still served in between).
 * With loop, the file starts over and times keep increasing.  A bad row
 * ends the replay with the reader's message (file, line, column): frames
 * are never silently skipped.  At a gap in the recording longer than
 * KN_DEVICE_QUIET_S it says until when it will be quiet (driver.h).
 */
#define G_LOG_DOMAIN "kneed-drivers"

#include <math.h>

#include "drivers/driver.h"
#include "drivers/pacer.h"
#include "drivers/recording.h"

#define MAX_CATCH_UP_S 1.0
#define MAX_LAG_S 5.0
#define UNPACED_CHUNK 1000      /* frames per idle dispatch at speed 0 */

static void replay_close(KnDevice *dev);

typedef struct {
    KnDevice parent;
    char *path;
    gboolean loop;
    KnClock *clock;
    KnRecordingReader *reader;
    KnPacer *pacer;
    struct kn_frame next;
    gboolean have_next;
    double offset_s;            /* added to the file's times (loops) */
    double file_first_t;
    double last_t;              /* of the last frame read, offset included */
    double step_s;              /* typical frame period, for the loop gap */
    GArray *batch;
} KnReplayDevice;

static void sensors_from_columns(KnDeviceStatus *st, guint32 columns, double rate_hz)
{
    gboolean present[KN_SENSOR_COUNT] = {
        [KN_SENSOR_FLEX] = (columns & KN_HAS_FLEX) != 0,
        [KN_SENSOR_THIGH] = (columns & KN_HAS_THIGH_IMU) != 0,
        [KN_SENSOR_SHANK] = (columns & KN_HAS_SHANK_IMU) != 0,
    };

    for (int i = 0; i < KN_SENSOR_COUNT; i++) {
        st->sensors[i].present = present[i];
        st->sensors[i].rate_hz = present[i] ? rate_hz : 0;
    }
}

/* Reads the next frame into d->next, looping when asked.  FALSE with
 * *error unset at the end, with *error set on bad input. */
static gboolean read_next(KnReplayDevice *d, GError **error)
{
    g_autoptr(GError) local = NULL;
    struct kn_frame f;

    if (kn_recording_reader_next(d->reader, &f, &local)) {
        f.t_s += d->offset_s;
        if (d->last_t > -INFINITY && f.t_s - d->last_t > 0 && f.t_s - d->last_t < 1.0)
            d->step_s = f.t_s - d->last_t;
        d->last_t = f.t_s;
        d->next = f;
        return TRUE;
    }
    if (local) {
        g_propagate_error(error, g_steal_pointer(&local));
        return FALSE;
    }
    if (!d->loop)
        return FALSE;
    kn_recording_reader_free(d->reader);
    d->reader = kn_recording_reader_open(d->path, error);
    if (!d->reader)
        return FALSE;
    if (!kn_recording_reader_next(d->reader, &f, error))
        return FALSE;           /* an empty file cannot loop */
    d->offset_s = d->last_t + d->step_s - f.t_s;
    f.t_s += d->offset_s;
    d->last_t = f.t_s;
    d->next = f;
    g_debug("replay: %s starts over", d->path);
    return TRUE;
}

/* The next frame due more than KN_DEVICE_QUIET_S from now: the silence
 * until then is the recording's.  Said until the frames come again. */
static void declare_quiet(KnReplayDevice *d, gint64 now, gboolean delivered)
{
    gint64 next = d->have_next ? kn_pacer_time_of(d->pacer, d->next.t_s) : 0;

    if (next - now > (gint64) (KN_DEVICE_QUIET_S * G_USEC_PER_SEC))
        kn_device_set_idle_until(&d->parent, next);
    else if (delivered)
        kn_device_set_idle_until(&d->parent, 0);
}

static void replay_tick(KnPacer *pacer, gpointer user_data)
{
    KnReplayDevice *d = user_data;
    KnDevice *dev = &d->parent;
    g_autoptr(GError) error = NULL;
    gint64 now = kn_pacer_now(pacer);
    double due = kn_pacer_due(pacer, now);
    double limit;
    gboolean ended = FALSE;

    if (!d->have_next)
        return;
    if (isfinite(due) && due - d->next.t_s > MAX_LAG_S) {
        g_debug("replay: %.1f s behind, skipping ahead", due - d->next.t_s);
        kn_pacer_rebase(pacer, d->next.t_s);
        due = d->next.t_s;
        dev->status.time_origin_us = kn_pacer_origin(pacer);
        kn_device_emit_status_changed(dev);
    }
    limit = MIN(due, d->next.t_s + MAX_CATCH_UP_S);
    g_array_set_size(d->batch, 0);
    while (d->next.t_s <= limit && (isfinite(due) || d->batch->len < UNPACED_CHUNK)) {
        g_array_append_val(d->batch, d->next);
        if (!read_next(d, &error)) {
            d->have_next = FALSE;
            ended = TRUE;
            break;
        }
    }
    kn_device_emit_frames(dev, (const struct kn_frame *) d->batch->data, d->batch->len);
    if (ended && dev->running)
        kn_device_emit_finished(dev, error);
    else if (dev->running && isfinite(due))
        declare_quiet(d, now, d->batch->len > 0);
}

static gboolean replay_probe(const KnDriverOptions *opts, GError **error)
{
    g_autoptr(KnRecordingReader) r = NULL;

    if (!opts->replay_file || !*opts->replay_file) {
        g_set_error(error, KN_DRIVER_ERROR, KN_DRIVER_ERROR_INVALID, "replay: no file given");
        return FALSE;
    }
    if (!(opts->replay_speed >= 0) || opts->replay_speed > 1000) {
        g_set_error(error, KN_DRIVER_ERROR, KN_DRIVER_ERROR_INVALID,
                    "replay: speed %g outside 0..1000", opts->replay_speed);
        return FALSE;
    }
    r = kn_recording_reader_open(opts->replay_file, error);
    return r != NULL;
}

static KnDevice *replay_open(const KnDriverOptions *opts, GError **error)
{
    g_autoptr(GError) local = NULL;
    KnReplayDevice *d;
    KnRecordingReader *r;
    const KnRecordingMeta *meta;

    r = kn_recording_reader_open(opts->replay_file, error);
    if (!r)
        return NULL;
    d = g_new0(KnReplayDevice, 1);
    d->reader = r;
    d->path = g_strdup(opts->replay_file);
    d->loop = opts->replay_loop;
    d->last_t = -INFINITY;
    d->batch = g_array_sized_new(FALSE, FALSE, sizeof(struct kn_frame), 1024);
    d->clock = opts->clock ? kn_clock_ref(opts->clock) : kn_clock_new_system();
    d->pacer = kn_pacer_new(d->clock, opts->batch_ms, opts->replay_speed, replay_tick, d);
    /* Before the first read: with loop, an empty file is closed and
     * opened again by it, and r with it. */
    meta = kn_recording_reader_meta(r);
    d->step_s = meta->rate_hz > 0 ? 1.0 / meta->rate_hz : 0.01;
    sensors_from_columns(&d->parent.status, kn_recording_reader_columns(r), meta->rate_hz);
    r = NULL;
    d->have_next = read_next(d, &local);
    if (local) {
        g_propagate_error(error, g_steal_pointer(&local));
        replay_close(&d->parent);
        return NULL;
    }
    d->file_first_t = d->next.t_s;
    d->parent.status.battery_pct = -1;
    d->parent.status.speed = opts->replay_speed;
    return &d->parent;
}

static gboolean replay_start(KnDevice *dev, GError **error)
{
    KnReplayDevice *d = (KnReplayDevice *) dev;

    if (!d->have_next) {
        g_set_error(error, KN_DRIVER_ERROR, KN_DRIVER_ERROR_FAILED,
                    "replay: %s has no more frames", d->path);
        return FALSE;
    }
    kn_pacer_start(d->pacer, d->next.t_s);
    dev->status.time_origin_us = kn_pacer_origin(d->pacer);
    if (kn_pacer_speed(d->pacer) > 0)
        declare_quiet(d, kn_pacer_now(d->pacer), FALSE);
    return TRUE;
}

static void replay_stop(KnDevice *dev)
{
    KnReplayDevice *d = (KnReplayDevice *) dev;

    kn_pacer_stop(d->pacer);
}

static void replay_close(KnDevice *dev)
{
    KnReplayDevice *d = (KnReplayDevice *) dev;

    kn_pacer_free(d->pacer);
    kn_clock_unref(d->clock);
    kn_recording_reader_free(d->reader);
    g_array_unref(d->batch);
    g_free(d->path);
    g_free(d);
}

const KnDriver kn_driver_replay = {
    .name = "replay",
    .description = "replay of a recording file, in real time or faster",
    .probe = replay_probe,
    .open = replay_open,
    .start = replay_start,
    .stop = replay_stop,
    .close = replay_close,
};
