/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The simulated sleeve (drivers/sim-model.h) paced in real time (or a
 * multiple of it), delivered in batches like a kernel buffer: one wake-up
 * per batch period hands over every frame the monotonic clock says is
 * due.  It also simulates a battery that drains over sim_battery_hours.
 * Slowed down so far that its next frame is more than KN_DEVICE_QUIET_S
 * away, it says until when it will be quiet (driver.h).
 */
#define G_LOG_DOMAIN "kneed-drivers"

#include <math.h>

#include "drivers/driver.h"
#include "drivers/pacer.h"

/* Never hand over more than this much source time in one dispatch, so a
 * stalled loop catches up in steps instead of blocking. */
#define MAX_CATCH_UP_S 1.0
/* Behind by more than this: skip ahead instead of catching up (after a
 * suspend, a debugger, ...). */
#define MAX_LAG_S 5.0

typedef struct {
    KnDevice parent;
    struct kn_sim *sim;
    double rate_hz;
    double battery_hours;
    KnClock *clock;
    KnPacer *pacer;
    struct kn_frame next;       /* look-ahead: the next frame to deliver */
    gboolean have_next;
    double t_first;
    GArray *batch;              /* struct kn_frame, reused */
} KnSimDevice;

static void sensors_from_bits(KnDeviceStatus *st, guint32 bits, double rate_hz)
{
    gboolean present[KN_SENSOR_COUNT] = {
        [KN_SENSOR_FLEX] = (bits & KN_HAS_FLEX) != 0,
        [KN_SENSOR_THIGH] = (bits & KN_HAS_THIGH_IMU) != 0,
        [KN_SENSOR_SHANK] = (bits & KN_HAS_SHANK_IMU) != 0,
    };

    for (int i = 0; i < KN_SENSOR_COUNT; i++) {
        st->sensors[i].present = present[i];
        st->sensors[i].rate_hz = present[i] ? rate_hz : 0;
    }
}

static int battery_level(const KnSimDevice *d, double t_s)
{
    double used;

    if (d->battery_hours <= 0)
        return -1;
    used = (t_s - d->t_first) / (d->battery_hours * 3600.0);
    return (int) CLAMP(ceil(100.0 * (1.0 - used)), 0.0, 100.0);
}

/* The next frame due more than KN_DEVICE_QUIET_S from now: the silence
 * until then is meant.  Said until the frames come again. */
static void declare_quiet(KnSimDevice *d, gint64 now, gboolean delivered)
{
    gint64 next = d->have_next ? kn_pacer_time_of(d->pacer, d->next.t_s) : 0;

    if (next - now > (gint64) (KN_DEVICE_QUIET_S * G_USEC_PER_SEC))
        kn_device_set_idle_until(&d->parent, next);
    else if (delivered)
        kn_device_set_idle_until(&d->parent, 0);
}

static void sim_tick(KnPacer *pacer, gpointer user_data)
{
    KnSimDevice *d = user_data;
    KnDevice *dev = &d->parent;
    gint64 now = kn_pacer_now(pacer);
    double due = kn_pacer_due(pacer, now);
    double limit;
    gboolean ended = FALSE;
    int level;

    if (!d->have_next)
        return;
    if (due - d->next.t_s > MAX_LAG_S) {
        g_debug("simulated sleeve: %.1f s behind, skipping ahead", due - d->next.t_s);
        kn_pacer_rebase(pacer, d->next.t_s);
        due = d->next.t_s;
        dev->status.time_origin_us = kn_pacer_origin(pacer);
        kn_device_emit_status_changed(dev);
    }
    limit = MIN(due, d->next.t_s + MAX_CATCH_UP_S);
    g_array_set_size(d->batch, 0);
    while (d->next.t_s <= limit) {
        g_array_append_val(d->batch, d->next);
        if (!kn_sim_next(d->sim, &d->next, NULL)) {
            d->have_next = FALSE;
            ended = TRUE;
            break;
        }
    }
    if (d->batch->len > 0) {
        const struct kn_frame *last = &g_array_index(d->batch, struct kn_frame, d->batch->len - 1);

        level = battery_level(d, last->t_s);
        kn_device_emit_frames(dev, (const struct kn_frame *) d->batch->data, d->batch->len);
        /* The frames callback may have stopped us. */
        if (level != dev->status.battery_pct) {
            dev->status.battery_pct = level;
            kn_device_emit_status_changed(dev);
        }
    }
    if (ended && dev->running)
        kn_device_emit_finished(dev, NULL);
    else if (dev->running)
        declare_quiet(d, now, d->batch->len > 0);
}

static KnDevice *sim_open(const KnDriverOptions *opts, GError **error)
{
    struct kn_sim_config cfg = opts->sim;
    char msg[256] = "";
    KnSimDevice *d;
    struct kn_sim *sim;

    cfg.side = opts->side;
    if (!(opts->sim_speed > 0) || opts->sim_speed > 1000) {
        g_set_error(error, KN_DRIVER_ERROR, KN_DRIVER_ERROR_INVALID,
                    "simulated sleeve: speed %g outside (0, 1000]", opts->sim_speed);
        return NULL;
    }
    if (kn_sim_config_validate(&cfg, msg, sizeof(msg)) < 0) {
        g_set_error(error, KN_DRIVER_ERROR, KN_DRIVER_ERROR_INVALID,
                    "simulated sleeve: %s", msg[0] ? msg : "invalid configuration");
        return NULL;
    }
    sim = kn_sim_new(&cfg);
    if (!sim) {
        g_set_error(error, KN_DRIVER_ERROR, KN_DRIVER_ERROR_FAILED,
                    "simulated sleeve: cannot create the model");
        return NULL;
    }
    d = g_new0(KnSimDevice, 1);
    d->sim = sim;
    d->rate_hz = cfg.rate_hz;
    d->battery_hours = opts->sim_battery_hours;
    d->batch = g_array_sized_new(FALSE, FALSE, sizeof(struct kn_frame),
                                 (guint) ceil(cfg.rate_hz * opts->batch_ms / 1000.0) + 8);
    d->clock = opts->clock ? kn_clock_ref(opts->clock) : kn_clock_new_system();
    d->pacer = kn_pacer_new(d->clock, opts->batch_ms, opts->sim_speed, sim_tick, d);
    d->have_next = kn_sim_next(d->sim, &d->next, NULL);
    d->t_first = d->have_next ? d->next.t_s : 0;
    sensors_from_bits(&d->parent.status, cfg.sensors, cfg.rate_hz);
    d->parent.status.battery_pct = battery_level(d, d->t_first);
    d->parent.status.speed = opts->sim_speed;
    return &d->parent;
}

static gboolean sim_start(KnDevice *dev, GError **error)
{
    KnSimDevice *d = (KnSimDevice *) dev;

    if (!d->have_next) {
        g_set_error(error, KN_DRIVER_ERROR, KN_DRIVER_ERROR_FAILED,
                    "simulated sleeve: the run is over");
        return FALSE;
    }
    kn_pacer_start(d->pacer, d->next.t_s);
    dev->status.time_origin_us = kn_pacer_origin(d->pacer);
    declare_quiet(d, kn_pacer_now(d->pacer), FALSE);
    return TRUE;
}

static void sim_stop(KnDevice *dev)
{
    KnSimDevice *d = (KnSimDevice *) dev;

    kn_pacer_stop(d->pacer);
}

static void sim_close(KnDevice *dev)
{
    KnSimDevice *d = (KnSimDevice *) dev;

    kn_pacer_free(d->pacer);
    kn_clock_unref(d->clock);
    kn_sim_free(d->sim);
    g_array_unref(d->batch);
    g_free(d);
}

const KnDriver kn_driver_sim = {
    .name = "simulated",
    .description = "simulated sleeve (runner model), paced in real time",
    .open = sim_open,
    .start = sim_start,
    .stop = sim_stop,
    .close = sim_close,
};
