/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "kneed-clock"

#include "clock/clock-private.h"
#include "clock/clock-test.h"

/* Main-loop iterations a due timer may take to be dispatched (other
 * sources of the same priority may go first) before the test clock
 * calls it a bug. */
#define DISPATCH_TRIES 1000
/* Expiries one kn_clock_test_jump() may dispatch: a timer whose callback
 * keeps re-arming itself in the past would otherwise never let go. */
#define JUMP_MAX_DISPATCHES 100000

typedef struct {
    KnClock parent;
    gint64 mono_us;
    gint64 real_off_us;           /* CLOCK_REALTIME − CLOCK_MONOTONIC */
    gint64 boot_off_us;           /* CLOCK_BOOTTIME − CLOCK_MONOTONIC */
} KnTestClock;

static KnTestClock *test_clock(KnClock *c)
{
    return (KnTestClock *) c;
}

static void test_read(KnClock *c, gint64 *mono, gint64 *real_off, gint64 *boot_off)
{
    KnTestClock *t = test_clock(c);

    *mono = t->mono_us;
    *real_off = t->real_off_us;
    *boot_off = t->boot_off_us;
}

static gint64 test_now(KnClock *c)
{
    return test_clock(c)->mono_us;
}

/* Ready at the next iteration when due (0 is in everyone's past), else
 * never by itself. */
static void test_arm(KnClock *c, KnTimer *timer)
{
    gboolean due = timer->deadline_us >= 0 && timer->deadline_us <= test_clock(c)->mono_us;

    g_source_set_ready_time(timer->source, due ? 0 : -1);
}

static void test_finalize(KnClock *c)
{
    g_free(c);
}

static const KnClockClass test_class = {
    .read = test_read,
    .now = test_now,
    .arm = test_arm,
    .finalize = test_finalize,
};

KnClock *kn_clock_new_test(gint64 monotonic_us, gint64 realtime_us)
{
    KnTestClock *t = g_new0(KnTestClock, 1);

    g_return_val_if_fail(monotonic_us > 0, NULL);
    t->mono_us = monotonic_us;
    t->real_off_us = realtime_us - monotonic_us;
    kn_clock_init(&t->parent, &test_class);
    return &t->parent;
}

/* The armed timer with the earliest deadline not after limit (the first
 * made among equals), NULL when none. */
static KnTimer *earliest(KnClock *c, gint64 limit)
{
    KnTimer *best = NULL;

    for (GList *l = c->timers; l; l = l->next) {
        KnTimer *t = l->data;

        if (t->deadline_us < 0 || t->deadline_us > limit)
            continue;
        if (!best || t->deadline_us < best->deadline_us)
            best = t;
    }
    return best;
}

/* Dispatches a due timer through its main context, as the real main loop
 * would. */
static void fire(KnClock *c, KnTimer *timer)
{
    GMainContext *context = g_source_get_context(timer->source);
    guint64 before = timer->dispatches;
    const char *name = timer->name;

    g_source_set_ready_time(timer->source, 0);
    for (int i = 0; i < DISPATCH_TRIES; i++) {
        g_main_context_iteration(context, FALSE);
        /* Freed by a callback (its own or another's), or dispatched. */
        if (!g_list_find(c->timers, timer) || timer->dispatches != before)
            return;
    }
    g_critical("test clock: timer '%s' due at %" G_GINT64_FORMAT " was never dispatched", name,
               timer->deadline_us);
    kn_timer_stop(timer);
}

/* Time moves; every timer now due becomes ready, so that timers due at
 * the same instant are dispatched by priority, as the real main loop
 * would. */
static void move_to(KnClock *c, gint64 mono_us)
{
    KnTestClock *t = test_clock(c);

    if (mono_us > t->mono_us)
        t->mono_us = mono_us;
    for (GList *l = c->timers; l; l = l->next)
        test_arm(c, l->data);
}

void kn_clock_test_advance(KnClock *c, gint64 us)
{
    gint64 target = test_clock(c)->mono_us + MAX(us, 0);
    KnTimer *t;

    kn_clock_ref(c);
    while ((t = earliest(c, target))) {
        move_to(c, t->deadline_us);
        fire(c, t);
    }
    move_to(c, target);
    kn_clock_unref(c);
}

void kn_clock_test_jump(KnClock *c, gint64 us)
{
    KnTimer *t;
    guint n = 0;

    kn_clock_ref(c);
    move_to(c, test_clock(c)->mono_us + MAX(us, 0));
    while ((t = earliest(c, test_clock(c)->mono_us))) {
        if (++n > JUMP_MAX_DISPATCHES) {
            g_critical("test clock: timer '%s' keeps re-arming itself in the past", t->name);
            kn_timer_stop(t);
            continue;
        }
        fire(c, t);
    }
    kn_clock_unref(c);
}

void kn_clock_test_step_system(KnClock *c, gint64 delta_us)
{
    test_clock(c)->real_off_us += delta_us;
    kn_clock_system_changed(c);
}

void kn_clock_test_suspend(KnClock *c, gint64 us)
{
    test_clock(c)->real_off_us += us;
    test_clock(c)->boot_off_us += us;
    kn_clock_system_changed(c);
}

gint64 kn_clock_test_system(KnClock *c)
{
    return test_clock(c)->mono_us + test_clock(c)->real_off_us;
}

guint kn_clock_test_dispatched(KnClock *c)
{
    return c->dispatched;
}
