/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The clock (clock/clock.h): the system clock's now, wall time and timers
 * on the main loop; the test clock's timers dispatched in order at their
 * deadlines; the wall-time mapping and its policy (a client's set, a step
 * of the system clock, a resume, changes too small to report). */
#include <glib.h>
#include <stdlib.h>
#include <string.h>

#include "clock/clock-test.h"

#define S G_GINT64_CONSTANT(1000000)
#define MS 1000
#define T0 (1000 * S)                                          /* monotonic */
#define WALL0 (G_GINT64_CONSTANT(1767225600) * S)              /* 2026-01-01 */

/* ---- the system clock ---- */

static void test_system_now_and_wall(void)
{
    g_autoptr(KnClock) c = kn_clock_new_system();
    gint64 mono_before = g_get_monotonic_time(), real_before = g_get_real_time();
    gint64 now = kn_clock_now(c), wall = kn_clock_wall(c);
    gint64 mono_after = g_get_monotonic_time(), real_after = g_get_real_time();

    g_assert_cmpint(now, >=, mono_before);
    g_assert_cmpint(now, <=, mono_after);
    /* The mapping is the system clock's: CLOCK_REALTIME, to the rounding
     * of three reads to whole microseconds. */
    g_assert_cmpint(wall, >=, real_before - 2);
    g_assert_cmpint(wall, <=, real_after + 2);
    g_assert_cmpint(kn_clock_wall_source(c), ==, KN_WALL_SYSTEM);
    g_assert_cmpint(kn_clock_to_wall(c, now), ==, now + kn_clock_wall_offset(c));
    g_assert_cmpuint(kn_clock_wall_changes(c), ==, 0);
}

typedef struct {
    guint fired;
    gint64 at[8];                 /* kn_clock_now() at each expiry */
    gint64 deadline[8];           /* the deadline each expiry was for */
    GMainLoop *loop;
    guint quit_after;
    gint64 period;
} Ticks;

static void on_tick(KnTimer *t, gpointer data)
{
    Ticks *k = data;

    if (k->fired < G_N_ELEMENTS(k->at)) {
        k->at[k->fired] = g_get_monotonic_time();
        /* Periodic: the grid point just passed; one-shot: -1 now. */
        k->deadline[k->fired] = kn_timer_get_deadline(t) - k->period;
    }
    k->fired++;
    if (k->loop && k->fired >= k->quit_after)
        g_main_loop_quit(k->loop);
}

/* A timer that never fires must fail the test, not hang it. */
static gboolean never_fired(gpointer data)
{
    g_error("the system clock's timer did not fire within 10 s");
    return G_SOURCE_REMOVE;
}

static void test_system_timers(void)
{
    g_autoptr(KnClock) c = kn_clock_new_system();
    g_autoptr(GMainLoop) loop = g_main_loop_new(NULL, FALSE);
    Ticks k = { .loop = loop, .quit_after = 1 };
    g_autoptr(KnTimer) t = kn_timer_new(c, "test", on_tick, &k);
    gint64 start = kn_clock_now(c), deadline;
    guint guard = g_timeout_add_seconds(10, never_fired, NULL);

    /* One-shot: never before its deadline. */
    kn_timer_start_in(t, 20 * MS);
    deadline = kn_timer_get_deadline(t);
    g_assert_cmpint(deadline, >=, start + 20 * MS);
    g_main_loop_run(loop);
    g_assert_cmpuint(k.fired, ==, 1);
    g_assert_cmpint(k.at[0], >=, deadline);
    g_assert_false(kn_timer_is_armed(t));

    /* Periodic on a fixed grid from its start. */
    memset(&k, 0, sizeof(k));
    k.loop = loop;
    k.quit_after = 5;
    k.period = 10 * MS;
    kn_timer_start_every(t, 10 * MS);
    start = kn_timer_get_deadline(t) - 10 * MS;
    g_main_loop_run(loop);
    kn_timer_stop(t);
    for (guint i = 0; i < 5; i++) {
        g_assert_cmpint(k.at[i], >=, k.deadline[i]);
        g_assert_cmpint((k.deadline[i] - start) % (10 * MS), ==, 0);
        if (i > 0)
            g_assert_cmpint(k.deadline[i], >, k.deadline[i - 1]);
    }
    g_assert_cmpint(kn_timer_get_deadline(t), ==, -1);
    g_source_remove(guard);
}

/* ---- the test clock's timers ---- */

typedef struct {
    KnClock *clock;
    GArray *log;                  /* gint64: kn_clock_now() at each expiry */
    GArray *who;                  /* guint: which timer */
    guint id;
    KnTimer **self;               /* freed by its own callback when set */
    gint64 rearm_in;              /* re-armed one-shot from the callback when > 0 */
    guint rearms;
} Probe;

static void probe_tick(KnTimer *t, gpointer data)
{
    Probe *p = data;
    gint64 now = kn_clock_now(p->clock);

    g_array_append_val(p->log, now);
    g_array_append_val(p->who, p->id);
    if (p->rearm_in > 0 && p->rearms > 0) {
        p->rearms--;
        kn_timer_start_in(t, p->rearm_in);
    }
    if (p->self)
        g_clear_pointer(p->self, kn_timer_free);
}

static void test_test_clock_timers(void)
{
    g_autoptr(KnClock) c = kn_clock_new_test(T0, WALL0);
    g_autoptr(GArray) log = g_array_new(FALSE, FALSE, sizeof(gint64));
    g_autoptr(GArray) who = g_array_new(FALSE, FALSE, sizeof(guint));
    Probe a = { c, log, who, 1 }, b = { c, log, who, 2 }, d = { c, log, who, 3 };
    KnTimer *ta = kn_timer_new(c, "a", probe_tick, &a);
    KnTimer *tb = kn_timer_new(c, "b", probe_tick, &b);
    KnTimer *td = kn_timer_new(c, "d", probe_tick, &d);

    g_assert_cmpint(kn_clock_now(c), ==, T0);
    /* Time does not move by itself: nothing fires however long the loop
     * runs without the test. */
    kn_timer_start_in(ta, 100 * MS);
    for (int i = 0; i < 10; i++)
        g_main_context_iteration(NULL, FALSE);
    g_assert_cmpuint(log->len, ==, 0);

    /* Periodic b every 30 ms, one-shot a at 100 ms, d re-arming itself
     * 25 ms on twice: each at its own time, in order. */
    kn_timer_start_every(tb, 30 * MS);
    d.rearm_in = 25 * MS;
    d.rearms = 2;
    kn_timer_start_in(td, 40 * MS);
    kn_clock_test_advance(c, 100 * MS);
    {
        const gint64 at[] = { 30, 40, 60, 65, 90, 90, 100 };
        const guint id[] = { 2, 3, 2, 3, 2, 3, 1 };

        g_assert_cmpuint(log->len, ==, G_N_ELEMENTS(at));
        for (guint i = 0; i < G_N_ELEMENTS(at); i++) {
            g_assert_cmpint(g_array_index(log, gint64, i), ==, T0 + at[i] * MS);
            g_assert_cmpuint(g_array_index(who, guint, i), ==, id[i]);
        }
    }
    g_assert_cmpint(kn_clock_now(c), ==, T0 + 100 * MS);
    g_assert_false(kn_timer_is_armed(ta));
    g_assert_false(kn_timer_is_armed(td));
    g_assert_cmpint(kn_timer_get_deadline(tb), ==, T0 + 120 * MS);
    g_assert_cmpuint(kn_clock_test_dispatched(c), ==, 7);

    /* A stalled loop: b fires once, late, and keeps its grid. */
    g_array_set_size(log, 0);
    g_array_set_size(who, 0);
    kn_clock_test_jump(c, 200 * MS);
    g_assert_cmpuint(log->len, ==, 1);
    g_assert_cmpint(g_array_index(log, gint64, 0), ==, T0 + 300 * MS);
    g_assert_cmpint(kn_timer_get_deadline(tb), ==, T0 + 330 * MS);

    /* A deadline already past is due at the next iteration, like the
     * real clock's. */
    g_array_set_size(log, 0);
    kn_timer_stop(tb);
    kn_timer_start_at(ta, T0);
    g_main_context_iteration(NULL, FALSE);
    g_assert_cmpuint(log->len, ==, 1);
    g_assert_cmpint(g_array_index(log, gint64, 0), ==, T0 + 300 * MS);

    /* Of two timers due together, the higher priority goes first. */
    g_array_set_size(log, 0);
    g_array_set_size(who, 0);
    kn_timer_set_priority(td, G_PRIORITY_HIGH);
    kn_timer_start_in(ta, 10 * MS);
    kn_timer_start_in(td, 10 * MS);
    d.rearm_in = 0;
    g_main_context_iteration(NULL, FALSE);
    kn_clock_test_jump(c, 10 * MS);
    g_assert_cmpuint(who->len, ==, 2);
    g_assert_cmpuint(g_array_index(who, guint, 0), ==, 3);
    g_assert_cmpuint(g_array_index(who, guint, 1), ==, 1);

    /* Stopped timers never fire; a timer may free itself. */
    g_array_set_size(log, 0);
    kn_timer_start_in(ta, 10 * MS);
    kn_timer_stop(ta);
    a.self = &ta;
    kn_timer_start_in(ta, 20 * MS);
    kn_clock_test_advance(c, S);
    g_assert_cmpuint(log->len, ==, 1);
    g_assert_null(ta);
    kn_timer_free(tb);
    kn_timer_free(td);
}

/* ---- the mapping ---- */

typedef struct {
    GArray *changes;              /* KnClockChange */
    KnClock *clock;
    guint id;
    gboolean disconnect;
} Listener;

static void on_change(KnClock *c, const KnClockChange *ch, gpointer data)
{
    Listener *l = data;

    g_array_append_val(l->changes, *ch);
    if (l->disconnect)
        kn_clock_disconnect(c, l->id);
}

static const KnClockChange *last_change(Listener *l)
{
    g_assert_cmpuint(l->changes->len, >, 0);
    return &g_array_index(l->changes, KnClockChange, l->changes->len - 1);
}

static void test_mapping(void)
{
    g_autoptr(KnClock) c = kn_clock_new_test(T0, WALL0);
    Listener l = { g_array_new(FALSE, FALSE, sizeof(KnClockChange)), c };
    Listener once = { g_array_new(FALSE, FALSE, sizeof(KnClockChange)), c, 0, TRUE };
    const gint64 phone = WALL0 + 7200 * S;         /* the phone says two hours later */
    const KnClockChange *ch;
    gint64 before_wall;

    l.id = kn_clock_connect_changed(c, on_change, &l);
    once.id = kn_clock_connect_changed(c, on_change, &once);
    g_assert_cmpint(kn_clock_wall(c), ==, WALL0);
    g_assert_cmpint(kn_clock_wall_offset(c), ==, WALL0 - T0);
    g_assert_cmpint(kn_clock_wall_source(c), ==, KN_WALL_SYSTEM);
    kn_clock_test_advance(c, 10 * S);
    g_assert_cmpint(kn_clock_wall(c), ==, WALL0 + 10 * S);

    /* A client's time: now is what it says; durations go on. */
    before_wall = kn_clock_to_wall(c, T0 + 5 * S);
    kn_clock_set_wall(c, phone);
    g_assert_cmpint(kn_clock_wall(c), ==, phone);
    g_assert_cmpint(kn_clock_wall_source(c), ==, KN_WALL_CLIENT);
    ch = last_change(&l);
    g_assert_cmpint(ch->reason, ==, KN_CLOCK_SET);
    g_assert_cmpint(ch->monotonic_us, ==, T0 + 10 * S);
    g_assert_cmpint(ch->new_offset_us - ch->old_offset_us, ==, 7190 * S);
    g_assert_cmpint(ch->old_source, ==, KN_WALL_SYSTEM);
    g_assert_cmpint(ch->source, ==, KN_WALL_CLIENT);
    g_assert_cmpint(before_wall, ==, WALL0 + 5 * S);  /* converted before: unchanged */
    kn_clock_test_advance(c, 3 * S);
    g_assert_cmpint(kn_clock_wall(c), ==, phone + 3 * S);
    /* The listener that disconnected itself heard it once. */
    g_assert_cmpuint(once.changes->len, ==, 1);

    /* The board sleeps 60 s (an RTC counted it): the client's time moves
     * on by as much, still the client's. */
    kn_clock_test_suspend(c, 60 * S);
    ch = last_change(&l);
    g_assert_cmpint(ch->reason, ==, KN_CLOCK_RESUMED);
    g_assert_cmpint(ch->system_us, ==, 60 * S);
    g_assert_cmpint(kn_clock_wall(c), ==, phone + 63 * S);
    g_assert_cmpint(kn_clock_now(c), ==, T0 + 13 * S);
    g_assert_cmpint(kn_clock_wall_source(c), ==, KN_WALL_CLIENT);

    /* NTP steps the system clock: the latest correction wins, the mapping
     * is the system clock's again. */
    kn_clock_test_step_system(c, 3600 * S);
    ch = last_change(&l);
    g_assert_cmpint(ch->reason, ==, KN_CLOCK_STEPPED);
    g_assert_cmpint(ch->system_us, ==, 3600 * S);
    g_assert_cmpint(ch->old_source, ==, KN_WALL_CLIENT);
    g_assert_cmpint(ch->source, ==, KN_WALL_SYSTEM);
    g_assert_cmpint(kn_clock_wall(c), ==, kn_clock_test_system(c));
    g_assert_cmpint(kn_clock_wall(c), ==, WALL0 + 13 * S + 60 * S + 3600 * S);
    g_assert_cmpint(kn_clock_now(c), ==, T0 + 13 * S);

    /* Following the system clock, a resume and a step move it too. */
    kn_clock_test_suspend(c, 5 * S);
    g_assert_cmpint(last_change(&l)->reason, ==, KN_CLOCK_RESUMED);
    g_assert_cmpint(kn_clock_wall(c), ==, kn_clock_test_system(c));
    kn_clock_test_step_system(c, -30 * S);
    g_assert_cmpint(last_change(&l)->system_us, ==, -30 * S);
    g_assert_cmpint(kn_clock_wall(c), ==, kn_clock_test_system(c));

    /* Changes under 1 ms are not reported, but add up until they are. */
    g_array_set_size(l.changes, 0);
    kn_clock_test_step_system(c, 600);
    g_assert_cmpuint(l.changes->len, ==, 0);
    g_assert_cmpint(kn_clock_wall(c), ==, kn_clock_test_system(c) - 600);
    kn_clock_test_step_system(c, 600);
    g_assert_cmpuint(l.changes->len, ==, 1);
    g_assert_cmpint(last_change(&l)->system_us, ==, 1200);
    g_assert_cmpint(kn_clock_wall(c), ==, kn_clock_test_system(c));
    g_assert_cmpuint(kn_clock_wall_changes(c), ==, 6);

    kn_clock_disconnect(c, l.id);
    kn_clock_test_step_system(c, S);
    g_assert_cmpuint(l.changes->len, ==, 1);
    g_array_unref(l.changes);
    g_array_unref(once.changes);

    g_assert_cmpstr(kn_wall_source_to_string(KN_WALL_CLIENT), ==, "client");
    g_assert_cmpstr(kn_clock_reason_to_string(KN_CLOCK_STEPPED), ==, "stepped");
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/clock/system/now-and-wall", test_system_now_and_wall);
    g_test_add_func("/clock/system/timers", test_system_timers);
    g_test_add_func("/clock/test/timers", test_test_clock_timers);
    g_test_add_func("/clock/mapping", test_mapping);
    return g_test_run();
}
