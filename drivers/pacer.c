/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "kneed-drivers"

#include <math.h>

#include "drivers/pacer.h"

struct _KnPacer {
    KnClock *clock;
    gint64 period_us;
    double speed;
    gint64 origin_us;     /* monotonic time of source time 0 */
    KnTimer *timer;       /* paced: the grid of wake-ups */
    GSource *idle;        /* unpaced */
    KnPacerFunc func;
    gpointer user_data;
};

/* The timer's grid skips the ticks a late dispatch missed instead of
 * firing a burst; the driver catches up on the frames. */
static void grid_tick(KnTimer *timer, gpointer user_data)
{
    KnPacer *p = user_data;

    p->func(p, p->user_data);
}

static gboolean idle_dispatch(gpointer user_data)
{
    KnPacer *p = user_data;

    p->func(p, p->user_data);
    return G_SOURCE_CONTINUE;
}

KnPacer *kn_pacer_new(KnClock *clock, guint period_ms, double speed, KnPacerFunc func,
                      gpointer user_data)
{
    KnPacer *p = g_new0(KnPacer, 1);

    p->clock = kn_clock_ref(clock);
    p->period_us = (gint64) MAX(period_ms, 1u) * 1000;
    p->speed = speed > 0 ? speed : 0;
    p->func = func;
    p->user_data = user_data;
    return p;
}

void kn_pacer_free(KnPacer *p)
{
    if (!p)
        return;
    kn_pacer_stop(p);
    kn_clock_unref(p->clock);
    g_free(p);
}

gint64 kn_pacer_now(const KnPacer *p)
{
    return kn_clock_now(p->clock);
}

void kn_pacer_rebase(KnPacer *p, double t_next)
{
    if (p->speed <= 0)
        return;
    p->origin_us = kn_clock_now(p->clock) - (gint64) llround(t_next * 1e6 / p->speed);
}

void kn_pacer_start(KnPacer *p, double t_next)
{
    if (p->timer || p->idle)
        return;
    if (p->speed <= 0) {
        p->idle = g_idle_source_new();
        g_source_set_priority(p->idle, G_PRIORITY_DEFAULT_IDLE);
        g_source_set_callback(p->idle, idle_dispatch, p, NULL);
        g_source_set_static_name(p->idle, "kneed pacer");
        g_source_attach(p->idle, g_main_context_get_thread_default());
    } else {
        kn_pacer_rebase(p, t_next);
        p->timer = kn_timer_new(p->clock, "kneed pacer", grid_tick, p);
        kn_timer_start_every(p->timer, p->period_us);
    }
}

void kn_pacer_stop(KnPacer *p)
{
    g_clear_pointer(&p->timer, kn_timer_free);
    if (p->idle) {
        g_source_destroy(p->idle);
        g_clear_pointer(&p->idle, g_source_unref);
    }
}

double kn_pacer_due(const KnPacer *p, gint64 now_us)
{
    if (p->speed <= 0)
        return INFINITY;
    return (double) (now_us - p->origin_us) * p->speed / 1e6;
}

gint64 kn_pacer_time_of(const KnPacer *p, double t_s)
{
    if (p->speed <= 0)
        return 0;
    return p->origin_us + (gint64) llround(t_s * 1e6 / p->speed);
}

gint64 kn_pacer_origin(const KnPacer *p)
{
    return p->speed > 0 ? p->origin_us : 0;
}

double kn_pacer_speed(const KnPacer *p)
{
    return p->speed;
}
