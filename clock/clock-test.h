/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A clock whose time only the test moves (clock/clock.h's interface, for
 * the unit tests of everything that uses it).
 *
 * Its timers are GSources on the main loop like the real ones, but never
 * become due by themselves: kn_clock_test_advance() walks time forward
 * from one deadline to the next, and at each sets "now" to exactly that
 * deadline and dispatches that timer through its main context, so a test
 * sees every expiry, in order, at its own time (timers due at the same
 * instant by their priority, as the main loop does).  A timer armed for a time
 * already past is due at the next main-loop iteration, as with the real
 * clock.
 *
 * The system clock (CLOCK_REALTIME) and CLOCK_BOOTTIME are simulated
 * too: a step or a suspend is reported to the mapping as the real clock's
 * timerfd would.
 */
#pragma once

#include "clock/clock.h"

G_BEGIN_DECLS

/* Monotonic time starts at monotonic_us (> 0), the system clock at
 * realtime_us; boot time equals monotonic time. */
KnClock *kn_clock_new_test(gint64 monotonic_us, gint64 realtime_us);

/* Moves time forward by us, dispatching each timer due on the way at its
 * deadline, in deadline order (a timer its callback re-arms inside the
 * interval fires again). */
void kn_clock_test_advance(KnClock *clock, gint64 us);
/* Moves time forward by us at once, like a main loop that stalled: each
 * timer that fell due meanwhile is dispatched once, late. */
void kn_clock_test_jump(KnClock *clock, gint64 us);

/* The system clock steps by delta_us (NTP, date): monotonic time does not
 * move. */
void kn_clock_test_step_system(KnClock *clock, gint64 delta_us);
/* The board sleeps for us: the system clock and boot time move, monotonic
 * time does not. */
void kn_clock_test_suspend(KnClock *clock, gint64 us);

/* The system clock, as the test has moved it. */
gint64 kn_clock_test_system(KnClock *clock);
/* Timer expiries dispatched so far. */
guint kn_clock_test_dispatched(KnClock *clock);

G_END_DECLS
