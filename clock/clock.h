/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * kneed's one clock: monotonic "now", timers on the main loop, and the
 * one mapping from monotonic time to wall time.
 *
 * Every time kneed keeps is CLOCK_MONOTONIC microseconds (the clock of
 * g_get_monotonic_time(), GLib's main loop, IIO and GPIO event stamps):
 * it never jumps, so durations, deadlines and pacing never do.  Wall time
 * (µs since the Unix epoch) exists only through the mapping
 *
 *     wall = monotonic + offset
 *
 * which starts as the system clock's (offset = CLOCK_REALTIME −
 * CLOCK_MONOTONIC) and changes only explicitly, each change reported to
 * the listeners (kn_clock_connect_changed) with its reason:
 *
 *   SET      a client gave the time (kn_clock_set_wall: a phone, SetTime);
 *   STEPPED  the system clock was stepped (NTP, an RTC read, `date`, a leap
 *            second): the mapping becomes the system clock's again, whoever
 *            set it before -- the latest correction wins (docs/dbus-api.md
 *            "Time" says why);
 *   RESUMED  the board slept: the time asleep (CLOCK_BOOTTIME's lead over
 *            CLOCK_MONOTONIC grew) is added, whoever set the mapping.
 *
 * Steps are seen through a timerfd on CLOCK_REALTIME armed with
 * TFD_TIMER_CANCEL_ON_SET, watched on the main loop (no polling): the
 * kernel wakes it whenever CLOCK_REALTIME's offset to CLOCK_MONOTONIC
 * changes, which is also what a resume with a known sleep time does.
 *
 * A time once turned into wall time (an alert's, a pain mark's) is never
 * recomputed: the mapping applies to the moment of conversion.
 *
 * Why CLOCK_MONOTONIC and not CLOCK_BOOTTIME as the base: every stamp
 * kneed receives is already monotonic (GLib, IIO's current_timestamp_clock,
 * GPIO line events), so one base needs no per-stamp conversion; the one
 * thing BOOTTIME would add, time asleep, reaches the mapping as RESUMED.
 *
 * clock-test.h has a clock whose time the test moves.  Everything here
 * runs on one thread; timers attach to the thread-default main context at
 * kn_timer_new().
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct _KnClock KnClock;

/* The system's clocks.  The CLOCK_REALTIME watch is attached to the
 * thread-default main context; without one (or without timerfd) steps
 * are not seen and the mapping stays as it was (logged at debug level). */
KnClock *kn_clock_new_system(void);
KnClock *kn_clock_ref(KnClock *clock);
void kn_clock_unref(KnClock *clock);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(KnClock, kn_clock_unref)

/* CLOCK_MONOTONIC µs: the base of every time and timer. */
gint64 kn_clock_now(KnClock *clock);

/* ---- wall time ---- */

typedef enum {
    KN_WALL_SYSTEM = 0,          /* the system clock's (CLOCK_REALTIME) */
    KN_WALL_CLIENT,              /* the time a client set */
} KnWallSource;

const char *kn_wall_source_to_string(KnWallSource source);   /* "system", "client" */

typedef enum {
    KN_CLOCK_SET = 0,
    KN_CLOCK_STEPPED,
    KN_CLOCK_RESUMED,
} KnClockReason;

const char *kn_clock_reason_to_string(KnClockReason reason); /* "set", "stepped", "resumed" */

typedef struct {
    KnClockReason reason;
    gint64 monotonic_us;         /* when the change was made or seen */
    gint64 old_offset_us;        /* wall − monotonic, before */
    gint64 new_offset_us;        /* and after */
    /* STEPPED: how far the system clock jumped; RESUMED: the time asleep;
     * SET: 0. */
    gint64 system_us;
    KnWallSource old_source;
    KnWallSource source;
} KnClockChange;

/* Wall time now, and of a monotonic instant, by the mapping in force. */
gint64 kn_clock_wall(KnClock *clock);
gint64 kn_clock_to_wall(KnClock *clock, gint64 monotonic_us);
/* wall − monotonic, µs. */
gint64 kn_clock_wall_offset(KnClock *clock);
KnWallSource kn_clock_wall_source(KnClock *clock);
/* How many times the mapping changed since the clock was made. */
guint kn_clock_wall_changes(KnClock *clock);

/* A client's time for "now": the mapping becomes wall = unix_us at this
 * instant (source CLIENT).  The caller validates the value. */
void kn_clock_set_wall(KnClock *clock, gint64 unix_us);

typedef void (*KnClockChangedFunc)(KnClock *clock, const KnClockChange *change,
                                   gpointer user_data);

/* Called after each change of the mapping, in connection order.  Returns
 * an id > 0 for kn_clock_disconnect(). */
guint kn_clock_connect_changed(KnClock *clock, KnClockChangedFunc func, gpointer user_data);
void kn_clock_disconnect(KnClock *clock, guint id);

/* ---- timers ---- */

typedef struct _KnTimer KnTimer;

/* Runs once per expiry, from the main loop.  It may re-arm, stop or free
 * its timer. */
typedef void (*KnTimerFunc)(KnTimer *timer, gpointer user_data);

/* A stopped timer on the thread-default main context; name is for
 * debugging (GSource name, static string). */
KnTimer *kn_timer_new(KnClock *clock, const char *name, KnTimerFunc func, gpointer user_data);
/* Accepts NULL; also from its own callback. */
void kn_timer_free(KnTimer *timer);
/* The GSource priority of its expiries (G_PRIORITY_DEFAULT unless set). */
void kn_timer_set_priority(KnTimer *timer, int priority);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(KnTimer, kn_timer_free)

/* One expiry at monotonic deadline_us (at the next dispatch if past). */
void kn_timer_start_at(KnTimer *timer, gint64 deadline_us);
/* One expiry delay_us from now. */
void kn_timer_start_in(KnTimer *timer, gint64 delay_us);
/* An expiry every period_us (> 0), the first one period from now, on a
 * fixed grid: a late dispatch does not shift the grid, and expiries it
 * missed are skipped rather than fired in a burst. */
void kn_timer_start_every(KnTimer *timer, gint64 period_us);
void kn_timer_stop(KnTimer *timer);
gboolean kn_timer_is_armed(const KnTimer *timer);
/* The next expiry, -1 when stopped. */
gint64 kn_timer_get_deadline(const KnTimer *timer);

G_END_DECLS
