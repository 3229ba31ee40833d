/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* What the system clock (clock.c) and the test clock (clock-test.c)
 * share: the mapping and its policy, the timers' GSource. */
#pragma once

#include "clock/clock.h"

typedef struct {
    /* CLOCK_MONOTONIC now, and CLOCK_REALTIME's and CLOCK_BOOTTIME's
     * offsets to it, µs. */
    void (*read)(KnClock *clock, gint64 *mono, gint64 *real_off, gint64 *boot_off);
    gint64 (*now)(KnClock *clock);
    /* The timer's deadline changed (-1: stopped): set its GSource's ready
     * time. */
    void (*arm)(KnClock *clock, KnTimer *timer);
    void (*finalize)(KnClock *clock);
} KnClockClass;

typedef struct {
    guint id;
    KnClockChangedFunc func;
    gpointer user_data;
} KnClockHandler;

struct _KnClock {
    const KnClockClass *klass;
    gint refs;

    gint64 offset_us;             /* wall − monotonic */
    KnWallSource source;
    guint changes;
    /* CLOCK_REALTIME − CLOCK_MONOTONIC and CLOCK_BOOTTIME − CLOCK_MONOTONIC
     * when the mapping last followed the system clock: a step moves the
     * first, a suspend both. */
    gint64 anchor_real_us;
    gint64 anchor_boot_us;

    GArray *handlers;             /* KnClockHandler */
    guint next_handler_id;
    GList *timers;                /* every KnTimer made on this clock */
    guint dispatched;             /* timer expiries so far */
};

struct _KnTimer {
    KnClock *clock;
    GSource *source;
    KnTimerFunc func;
    gpointer user_data;
    const char *name;
    gint64 deadline_us;           /* -1: stopped */
    gint64 period_us;             /* 0: one-shot */
    guint64 dispatches;
};

/* Sets the class and the mapping from the clocks as they read now. */
void kn_clock_init(KnClock *clock, const KnClockClass *klass);
/* The system clock may have changed (the timerfd woke, or the test moved
 * it): re-reads the clocks and applies the policy of clock.h. */
void kn_clock_system_changed(KnClock *clock);
