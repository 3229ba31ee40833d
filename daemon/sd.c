/* SPDX-License-Identifier: GPL-2.0-or-later */
#define G_LOG_DOMAIN "kneed"

#include <systemd/sd-daemon.h>

#include "daemon/publisher.h"
#include "daemon/sd.h"

struct _KnSystemd {
    KnCore *core;
    guint publisher_id;
    KnTimer *watchdog;
    gboolean stalled;             /* pings withheld: said once, in the journal and STATUS= */
    gboolean ready;
};

static void notify_state(KnSystemd *sd, const KnCoreStatus *st)
{
    g_autoptr(GString) s = g_string_new(NULL);
    int present = 0;
    double rate = 0;

    for (int i = 0; i < KN_SENSOR_COUNT; i++) {
        if (st->sensors[i].present) {
            present++;
            rate = MAX(rate, st->sensors[i].rate_hz);
        }
    }
    switch (st->state) {
    case KN_STATE_IDLE:
        g_string_append_printf(s, "Idle: %s", st->source[0] ? "the source has stopped"
                                                            : "no source");
        break;
    case KN_STATE_STREAMING:
    case KN_STATE_CALIBRATING:
        g_string_append_printf(s, "%s %s: %d sensor groups at %.0f Hz, batch %u ms",
                               st->state == KN_STATE_STREAMING ? "Streaming" : "Calibrating",
                               st->source, present, rate, st->batch_ms);
        break;
    case KN_STATE_DEGRADED:
        g_string_append_printf(s, "Degraded %s:", st->source);
        for (int i = 0; i < KN_SENSOR_COUNT; i++)
            if (st->sensors[i].last_error[0])
                g_string_append_printf(s, " %s: %s;", kn_sensor_id_to_string(i),
                                       st->sensors[i].last_error);
        break;
    }
    sd_notifyf(0, "STATUS=%s", s->str);
}

static void on_status(gpointer data, KnChange changed, const KnCoreStatus *st)
{
    KnSystemd *sd = data;

    if ((changed & (KN_CHANGED_STATE | KN_CHANGED_SENSORS)) && !sd->stalled)
        notify_state(sd, st);
}

static const KnPublisherOps sd_ops = {
    .name = "systemd",
    .status = on_status,
};

/* Half the interval, from the main loop, and only while the data path is
 * alive (kn_core_get_liveness): a stuck loop or a wedged source stops the
 * pings and systemd restarts us. */
static void watchdog_tick(KnTimer *timer, gpointer user_data)
{
    KnSystemd *sd = user_data;
    const KnCoreStatus *st = kn_core_get_status(sd->core);
    gint64 silent = 0;
    KnLiveness live = kn_core_get_liveness(sd->core, &silent);

    if (live != KN_LIVENESS_STALLED) {
        if (sd->stalled) {
            sd->stalled = FALSE;
            g_message("watchdog: source %s delivers again (%s)", st->source,
                      kn_liveness_to_string(live));
            notify_state(sd, st);
        }
        sd_notify(0, "WATCHDOG=1");
        return;
    }
    if (!sd->stalled) {
        sd->stalled = TRUE;
        g_warning("watchdog: source %s sent no frame for %.1f s and did not say why: "
                  "no more pings, systemd will restart kneed", st->source, silent / 1e6);
        sd_notifyf(0, "STATUS=Stalled: source %s sent no frame for %.0f s", st->source,
                   silent / 1e6);
    }
}

KnSystemd *kn_systemd_new(KnCore *core)
{
    KnSystemd *sd = g_new0(KnSystemd, 1);
    uint64_t usec = 0;

    sd->core = core;
    if (sd_watchdog_enabled(0, &usec) > 0 && usec > 0) {
        sd->watchdog = kn_timer_new(kn_core_get_clock(core), "kneed watchdog", watchdog_tick, sd);
        kn_timer_start_every(sd->watchdog, (gint64) MAX(usec / 2, 1));
        g_debug("watchdog: ping every %" G_GUINT64_FORMAT " ms while frames arrive within %d s "
                "or the source is idle", (guint64) usec / 2000, KN_CORE_STALL_S);
    }
    sd->publisher_id = kn_core_add_publisher(core, &sd_ops, sd, NULL);
    return sd;
}

void kn_systemd_free(KnSystemd *sd)
{
    if (!sd)
        return;
    kn_core_remove_publisher(sd->core, sd->publisher_id);
    g_clear_pointer(&sd->watchdog, kn_timer_free);
    g_free(sd);
}

void kn_systemd_ready(KnSystemd *sd)
{
    sd->ready = TRUE;
    sd_notify(0, "READY=1");
    if (!sd->stalled)
        notify_state(sd, kn_core_get_status(sd->core));
}

void kn_systemd_reloading(KnSystemd *sd)
{
    sd_notify(0, "RELOADING=1\nSTATUS=Reloading the configuration");
}

void kn_systemd_stopping(KnSystemd *sd)
{
    sd_notify(0, "STOPPING=1\nSTATUS=Stopping");
}

void kn_systemd_status(KnSystemd *sd, const char *format, ...)
{
    g_autofree char *msg = NULL;
    va_list ap;

    va_start(ap, format);
    msg = g_strdup_vprintf(format, ap);
    va_end(ap);
    sd_notifyf(0, "STATUS=%s", msg);
}
