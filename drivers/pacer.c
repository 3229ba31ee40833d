/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "kneed-drivers"

#include <math.h>

#include "drivers/pacer.h"

struct _KnPacer {
    gint64 period_us;
    double speed;
    gint64 origin_us;     /* monotonic time of source time 0 */
    gint64 grid_us;       /* the wake-up grid is grid_us + k * period_us */
    GSource *source;
    KnPacerFunc func;
    gpointer user_data;
};

static gboolean grid_dispatch(GSource *source, GSourceFunc callback, gpointer user_data)
{
    KnPacer *p = user_data;
    gint64 now = g_get_monotonic_time();
    gint64 k = (now - p->grid_us) / p->period_us + 1;

    /* Next tick on the grid, strictly in the future: a late dispatch
     * skips the ticks it missed instead of firing a burst. */
    g_source_set_ready_time(source, p->grid_us + k * p->period_us);
    p->func(p, p->user_data);
    return G_SOURCE_CONTINUE;
}

static GSourceFuncs grid_funcs = {
    .dispatch = grid_dispatch,
};

static gboolean idle_dispatch(gpointer user_data)
{
    KnPacer *p = user_data;

    p->func(p, p->user_data);
    return G_SOURCE_CONTINUE;
}

KnPacer *kn_pacer_new(guint period_ms, double speed, KnPacerFunc func, gpointer user_data)
{
    KnPacer *p = g_new0(KnPacer, 1);

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
    g_free(p);
}

void kn_pacer_rebase(KnPacer *p, double t_next)
{
    if (p->speed <= 0)
        return;
    p->origin_us = g_get_monotonic_time() - (gint64) llround(t_next * 1e6 / p->speed);
}

void kn_pacer_start(KnPacer *p, double t_next)
{
    if (p->source)
        return;
    if (p->speed <= 0) {
        p->source = g_idle_source_new();
        g_source_set_priority(p->source, G_PRIORITY_DEFAULT_IDLE);
        g_source_set_callback(p->source, idle_dispatch, p, NULL);
    } else {
        kn_pacer_rebase(p, t_next);
        p->grid_us = g_get_monotonic_time();
        p->source = g_source_new(&grid_funcs, sizeof(GSource));
        g_source_set_callback(p->source, NULL, p, NULL);
        g_source_set_priority(p->source, G_PRIORITY_DEFAULT);
        g_source_set_ready_time(p->source, p->grid_us + p->period_us);
    }
    g_source_set_static_name(p->source, "kneed pacer");
    g_source_attach(p->source, g_main_context_get_thread_default());
}

void kn_pacer_stop(KnPacer *p)
{
    if (!p->source)
        return;
    g_source_destroy(p->source);
    g_clear_pointer(&p->source, g_source_unref);
}

double kn_pacer_due(const KnPacer *p, gint64 now_us)
{
    if (p->speed <= 0)
        return INFINITY;
    return (double) (now_us - p->origin_us) * p->speed / 1e6;
}

gint64 kn_pacer_origin(const KnPacer *p)
{
    return p->speed > 0 ? p->origin_us : 0;
}

double kn_pacer_speed(const KnPacer *p)
{
    return p->speed;
}
