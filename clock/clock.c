/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "kneed-clock"

#include <errno.h>
#include <glib-unix.h>
#include <stdlib.h>
#include <string.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include "clock/clock-private.h"

/* The clocks are read one after the other: a difference under this is
 * reading jitter, not a step nor a sleep. */
#define CHANGE_MIN_US 1000

/* ---- the mapping (both clocks) ---- */

const char *kn_wall_source_to_string(KnWallSource source)
{
    switch (source) {
    case KN_WALL_SYSTEM:
        return "system";
    case KN_WALL_CLIENT:
        return "client";
    }
    return "unknown";
}

const char *kn_clock_reason_to_string(KnClockReason reason)
{
    switch (reason) {
    case KN_CLOCK_SET:
        return "set";
    case KN_CLOCK_STEPPED:
        return "stepped";
    case KN_CLOCK_RESUMED:
        return "resumed";
    }
    return "unknown";
}

void kn_clock_init(KnClock *c, const KnClockClass *klass)
{
    gint64 mono;

    c->klass = klass;
    c->refs = 1;
    c->handlers = g_array_new(FALSE, FALSE, sizeof(KnClockHandler));
    klass->read(c, &mono, &c->anchor_real_us, &c->anchor_boot_us);
    c->offset_us = c->anchor_real_us;
    c->source = KN_WALL_SYSTEM;
}

KnClock *kn_clock_ref(KnClock *c)
{
    g_return_val_if_fail(c != NULL, NULL);
    c->refs++;
    return c;
}

void kn_clock_unref(KnClock *c)
{
    if (!c || --c->refs > 0)
        return;
    /* Timers hold a reference: none is left. */
    g_array_unref(c->handlers);
    c->klass->finalize(c);
}

gint64 kn_clock_now(KnClock *c)
{
    return c->klass->now(c);
}

gint64 kn_clock_wall(KnClock *c)
{
    return kn_clock_now(c) + c->offset_us;
}

gint64 kn_clock_to_wall(KnClock *c, gint64 monotonic_us)
{
    return monotonic_us + c->offset_us;
}

gint64 kn_clock_wall_offset(KnClock *c)
{
    return c->offset_us;
}

KnWallSource kn_clock_wall_source(KnClock *c)
{
    return c->source;
}

guint kn_clock_wall_changes(KnClock *c)
{
    return c->changes;
}

static void notify(KnClock *c, const KnClockChange *change)
{
    /* A copy: a handler may connect or disconnect. */
    g_autoptr(GArray) handlers = g_array_copy(c->handlers);

    c->changes++;
    g_debug("wall clock %s: offset %+" G_GINT64_FORMAT " -> %+" G_GINT64_FORMAT " us (%s)",
            kn_clock_reason_to_string(change->reason), change->old_offset_us,
            change->new_offset_us, kn_wall_source_to_string(change->source));
    kn_clock_ref(c);
    for (guint i = 0; i < handlers->len; i++) {
        const KnClockHandler *h = &g_array_index(handlers, KnClockHandler, i);
        gboolean still = FALSE;

        for (guint k = 0; k < c->handlers->len && !still; k++)
            still = g_array_index(c->handlers, KnClockHandler, k).id == h->id;
        if (still)
            h->func(c, change, h->user_data);
    }
    kn_clock_unref(c);
}

void kn_clock_set_wall(KnClock *c, gint64 unix_us)
{
    gint64 now = kn_clock_now(c);
    KnClockChange ch = {
        .reason = KN_CLOCK_SET,
        .monotonic_us = now,
        .old_offset_us = c->offset_us,
        .new_offset_us = unix_us - now,
        .old_source = c->source,
        .source = KN_WALL_CLIENT,
    };

    c->offset_us = ch.new_offset_us;
    c->source = KN_WALL_CLIENT;
    notify(c, &ch);
}

/* The policy (clock.h): a step of the system clock makes the mapping the
 * system clock's again, whoever set it; time asleep is added to it
 * whoever set it.  The anchors move only with a reported change, so
 * changes too small to report add up until they are not. */
void kn_clock_system_changed(KnClock *c)
{
    gint64 mono, real_off, boot_off, slept, step;
    KnClockChange ch = { 0 };

    c->klass->read(c, &mono, &real_off, &boot_off);
    slept = MAX(boot_off - c->anchor_boot_us, 0);
    step = real_off - c->anchor_real_us - slept;
    ch.monotonic_us = mono;
    ch.old_offset_us = c->offset_us;
    ch.old_source = c->source;
    if (llabs(step) >= CHANGE_MIN_US) {
        ch.reason = KN_CLOCK_STEPPED;
        ch.system_us = step;
        ch.new_offset_us = real_off;
        ch.source = KN_WALL_SYSTEM;
    } else if (slept >= CHANGE_MIN_US) {
        ch.reason = KN_CLOCK_RESUMED;
        ch.system_us = slept;
        /* Following the system clock: exactly its offset again. */
        ch.new_offset_us = c->source == KN_WALL_SYSTEM ? real_off : c->offset_us + slept;
        ch.source = c->source;
    } else {
        g_debug("system clock: no change worth reporting (%+" G_GINT64_FORMAT " us)", step);
        return;
    }
    c->anchor_real_us = real_off;
    c->anchor_boot_us = boot_off;
    c->offset_us = ch.new_offset_us;
    c->source = ch.source;
    notify(c, &ch);
}

guint kn_clock_connect_changed(KnClock *c, KnClockChangedFunc func, gpointer user_data)
{
    KnClockHandler h = { ++c->next_handler_id, func, user_data };

    g_array_append_val(c->handlers, h);
    return h.id;
}

void kn_clock_disconnect(KnClock *c, guint id)
{
    for (guint i = 0; i < c->handlers->len; i++) {
        if (g_array_index(c->handlers, KnClockHandler, i).id == id) {
            g_array_remove_index(c->handlers, i);
            return;
        }
    }
}

/* ---- timers (both clocks) ---- */

typedef struct {
    GSource base;
    KnTimer *timer;               /* NULL once freed */
} TimerSource;

static gboolean timer_dispatch(GSource *source, GSourceFunc callback, gpointer user_data)
{
    KnTimer *t = ((TimerSource *) source)->timer;
    gint64 now;

    if (!t || t->deadline_us < 0) {
        g_source_set_ready_time(source, -1);
        return G_SOURCE_CONTINUE;
    }
    now = kn_clock_now(t->clock);
    if (t->deadline_us > now) {
        t->clock->klass->arm(t->clock, t);
        return G_SOURCE_CONTINUE;
    }
    if (t->period_us > 0)
        t->deadline_us += ((now - t->deadline_us) / t->period_us + 1) * t->period_us;
    else
        t->deadline_us = -1;
    t->clock->klass->arm(t->clock, t);
    t->dispatches++;
    t->clock->dispatched++;
    /* Last: the callback may free t. */
    t->func(t, t->user_data);
    return G_SOURCE_CONTINUE;
}

static GSourceFuncs timer_funcs = {
    .dispatch = timer_dispatch,
};

KnTimer *kn_timer_new(KnClock *c, const char *name, KnTimerFunc func, gpointer user_data)
{
    KnTimer *t = g_new0(KnTimer, 1);

    t->clock = kn_clock_ref(c);
    t->func = func;
    t->user_data = user_data;
    t->name = name ? name : "kneed timer";
    t->deadline_us = -1;
    t->source = g_source_new(&timer_funcs, sizeof(TimerSource));
    ((TimerSource *) t->source)->timer = t;
    g_source_set_static_name(t->source, t->name);
    g_source_set_ready_time(t->source, -1);
    g_source_attach(t->source, g_main_context_get_thread_default());
    c->timers = g_list_append(c->timers, t);
    return t;
}

void kn_timer_free(KnTimer *t)
{
    KnClock *c;

    if (!t)
        return;
    c = t->clock;
    ((TimerSource *) t->source)->timer = NULL;
    g_source_destroy(t->source);
    g_source_unref(t->source);
    c->timers = g_list_remove(c->timers, t);
    g_free(t);
    kn_clock_unref(c);
}

void kn_timer_set_priority(KnTimer *t, int priority)
{
    g_source_set_priority(t->source, priority);
}

void kn_timer_start_at(KnTimer *t, gint64 deadline_us)
{
    t->period_us = 0;
    t->deadline_us = MAX(deadline_us, 0);
    t->clock->klass->arm(t->clock, t);
}

void kn_timer_start_in(KnTimer *t, gint64 delay_us)
{
    kn_timer_start_at(t, kn_clock_now(t->clock) + MAX(delay_us, 0));
}

void kn_timer_start_every(KnTimer *t, gint64 period_us)
{
    g_return_if_fail(period_us > 0);
    t->period_us = period_us;
    t->deadline_us = kn_clock_now(t->clock) + period_us;
    t->clock->klass->arm(t->clock, t);
}

void kn_timer_stop(KnTimer *t)
{
    t->period_us = 0;
    t->deadline_us = -1;
    t->clock->klass->arm(t->clock, t);
}

gboolean kn_timer_is_armed(const KnTimer *t)
{
    return t->deadline_us >= 0;
}

gint64 kn_timer_get_deadline(const KnTimer *t)
{
    return t->deadline_us;
}

/* ---- the system clock ---- */

typedef struct {
    KnClock parent;
    int fd;                       /* timerfd on CLOCK_REALTIME, -1 none */
    GSource *watch;
} KnSystemClock;

static gint64 read_clock(clockid_t id)
{
    struct timespec ts;

    if (clock_gettime(id, &ts) < 0)
        return 0;
    return (gint64) ts.tv_sec * G_USEC_PER_SEC + ts.tv_nsec / 1000;
}

/* Each offset against the mean of monotonic reads taken just before and
 * just after it, so that the time a read takes (microseconds on a slow or
 * emulated board) does not bias the offset by as much. */
static void system_read(KnClock *c, gint64 *mono, gint64 *real_off, gint64 *boot_off)
{
    gint64 m0 = read_clock(CLOCK_MONOTONIC);
    gint64 real = read_clock(CLOCK_REALTIME);
    gint64 m1 = read_clock(CLOCK_MONOTONIC);
    gint64 boot = read_clock(CLOCK_BOOTTIME);
    gint64 m2 = read_clock(CLOCK_MONOTONIC);

    *mono = m1;
    *real_off = real - (m0 + (m1 - m0) / 2);
    *boot_off = boot - (m1 + (m2 - m1) / 2);
}

/* The base of GLib's ready times, so a timer and "now" agree. */
static gint64 system_now(KnClock *c)
{
    return g_get_monotonic_time();
}

static void system_arm(KnClock *c, KnTimer *t)
{
    g_source_set_ready_time(t->source, t->deadline_us);
}

/* A timer that never expires (the largest time_t, as systemd's
 * sd_event_add_time_change() arms it) but is cancelled by any change of
 * CLOCK_REALTIME against CLOCK_MONOTONIC. */
static gboolean arm_cancel_on_set(int fd)
{
    struct itimerspec its = { 0 };

    its.it_value.tv_sec = (time_t) ((((guint64) 1) << (sizeof(time_t) * 8 - 1)) - 1);
    return timerfd_settime(fd, TFD_TIMER_ABSTIME | TFD_TIMER_CANCEL_ON_SET, &its, NULL) == 0;
}

static gboolean on_realtime_changed(gint fd, GIOCondition condition, gpointer user_data)
{
    KnSystemClock *s = user_data;
    guint64 expirations;

    /* ECANCELED is the news; EAGAIN a wake-up without it. */
    if (read(fd, &expirations, sizeof(expirations)) < 0 && errno == EAGAIN)
        return G_SOURCE_CONTINUE;
    /* Re-armed before the clocks are read, so a change in between is not
     * lost. */
    if (!arm_cancel_on_set(fd)) {
        g_debug("system clock: cannot re-arm the timerfd (%s): steps are no longer seen",
                g_strerror(errno));
        g_clear_pointer(&s->watch, g_source_unref);
        kn_clock_system_changed(&s->parent);
        return G_SOURCE_REMOVE;
    }
    kn_clock_system_changed(&s->parent);
    return G_SOURCE_CONTINUE;
}

static void system_finalize(KnClock *c)
{
    KnSystemClock *s = (KnSystemClock *) c;

    if (s->watch) {
        g_source_destroy(s->watch);
        g_source_unref(s->watch);
    }
    if (s->fd >= 0)
        close(s->fd);
    g_free(s);
}

static const KnClockClass system_class = {
    .read = system_read,
    .now = system_now,
    .arm = system_arm,
    .finalize = system_finalize,
};

KnClock *kn_clock_new_system(void)
{
    KnSystemClock *s = g_new0(KnSystemClock, 1);

    /* Armed before the mapping is read: a step in between is reported. */
    s->fd = timerfd_create(CLOCK_REALTIME, TFD_NONBLOCK | TFD_CLOEXEC);
    if (s->fd >= 0 && !arm_cancel_on_set(s->fd)) {
        close(s->fd);
        s->fd = -1;
    }
    if (s->fd < 0) {
        g_debug("system clock: no timerfd (%s): steps of the system clock are not seen",
                g_strerror(errno));
    } else {
        s->watch = g_unix_fd_source_new(s->fd, G_IO_IN);
        g_source_set_callback(s->watch, (GSourceFunc) (void (*)(void)) on_realtime_changed, s,
                              NULL);
        g_source_set_static_name(s->watch, "kneed system clock change");
        g_source_attach(s->watch, g_main_context_get_thread_default());
    }
    kn_clock_init(&s->parent, &system_class);
    return &s->parent;
}
