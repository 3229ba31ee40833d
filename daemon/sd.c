/* SPDX-License-Identifier: GPL-2.0-or-later */
#define G_LOG_DOMAIN "kneed"

#include <systemd/sd-daemon.h>

#include "daemon/publisher.h"
#include "daemon/sd.h"

struct _KnSystemd {
    KnCore *core;
    guint publisher_id;
    guint watchdog_id;
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

    if (changed & (KN_CHANGED_STATE | KN_CHANGED_SENSORS))
        notify_state(sd, st);
}

static const KnPublisherOps sd_ops = {
    .name = "systemd",
    .status = on_status,
};

static gboolean watchdog_ping(gpointer user_data)
{
    sd_notify(0, "WATCHDOG=1");
    return G_SOURCE_CONTINUE;
}

KnSystemd *kn_systemd_new(KnCore *core)
{
    KnSystemd *sd = g_new0(KnSystemd, 1);
    uint64_t usec = 0;

    sd->core = core;
    if (sd_watchdog_enabled(0, &usec) > 0 && usec > 0) {
        /* Half the interval, from the main loop: a stuck loop stops the
         * pings and systemd restarts us. */
        sd->watchdog_id = g_timeout_add((guint) MAX(usec / 2000, 1), watchdog_ping, sd);
        g_debug("watchdog: ping every %" G_GUINT64_FORMAT " ms", (guint64) usec / 2000);
    }
    sd->publisher_id = kn_core_add_publisher(core, &sd_ops, sd, NULL);
    return sd;
}

void kn_systemd_free(KnSystemd *sd)
{
    if (!sd)
        return;
    kn_core_remove_publisher(sd->core, sd->publisher_id);
    g_clear_handle_id(&sd->watchdog_id, g_source_remove);
    g_free(sd);
}

void kn_systemd_ready(KnSystemd *sd)
{
    sd->ready = TRUE;
    sd_notify(0, "READY=1");
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
