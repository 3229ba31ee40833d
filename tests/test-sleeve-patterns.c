/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The pattern engine (sleeve/pattern.c, haptic.c, led.c) alone: step
 * arithmetic, the alert table (distinct per kind and severity, the
 * hyperextension's first pulse at once), priorities and the queue, the
 * metronome's grid around other patterns, the LED's states, their
 * priority and hold times.  Times are constructed; nothing sleeps. */
#include <glib.h>

#include "sleeve/haptic.h"
#include "sleeve/led.h"

#define MS 1000

/* The output as (time of change ms, level) pairs from t0 to t1: follows
 * the next-change times the engine gives, as the glue's timer does. */
typedef int (*LevelFunc)(gpointer engine, int64_t now, int64_t *next);

static char *trace(LevelFunc fn, gpointer engine, int64_t t0, int64_t t1)
{
    GString *s = g_string_new(NULL);
    int64_t now = t0, next;
    int last = -1;

    while (now <= t1) {
        int level = fn(engine, now, &next);

        if (level != last) {
            g_string_append_printf(s, "%s%" G_GINT64_FORMAT ":%d", s->len ? " " : "",
                                   (now - t0) / MS, level);
            last = level;
        }
        g_assert_cmpint(next, >, now);
        if (next == INT64_MAX)
            break;
        now = next;
    }
    return g_string_free(s, FALSE);
}

static int haptic_fn(gpointer engine, int64_t now, int64_t *next)
{
    return kn_haptic_level(engine, now, next);
}

static int led_fn(gpointer engine, int64_t now, int64_t *next)
{
    int level;

    kn_led_level(engine, now, &level, next);
    return level;
}

/* ---- pattern arithmetic ---- */

static void test_pattern_steps(void)
{
    struct kn_pattern p = { .name = "t" };
    static const uint16_t steps[] = { 100, 50, 0, 30, 20 };
    int64_t next;

    g_assert_cmpint(kn_pattern_append(&p, steps, G_N_ELEMENTS(steps)), ==, 0);
    g_assert_cmpuint(kn_pattern_duration_ms(&p), ==, 200);
    g_assert_cmpint(kn_pattern_level_at(&p, -5, &next), ==, 1);
    g_assert_cmpint(next, ==, 100 * MS);
    g_assert_cmpint(kn_pattern_level_at(&p, 99999, &next), ==, 1);
    g_assert_cmpint(kn_pattern_level_at(&p, 100 * MS, &next), ==, 0);
    /* The 0 ms on step is skipped: off 50 + 30 without a break. */
    g_assert_cmpint(kn_pattern_level_at(&p, 150 * MS, &next), ==, 0);
    g_assert_cmpint(next, ==, 180 * MS);
    g_assert_cmpint(kn_pattern_level_at(&p, 180 * MS, &next), ==, 1);
    g_assert_cmpint(next, ==, 200 * MS);
    g_assert_cmpint(kn_pattern_level_at(&p, 200 * MS, &next), ==, -1);
    g_assert_cmpint(next, ==, INT64_MAX);

    p.loop = TRUE;
    p.total_ms = 450;
    g_assert_cmpint(kn_pattern_level_at(&p, 210 * MS, &next), ==, 1);
    g_assert_cmpint(next, ==, 300 * MS);
    g_assert_cmpint(kn_pattern_level_at(&p, 420 * MS, &next), ==, 1);
    g_assert_cmpint(next, ==, 450 * MS);     /* cut at the total */
    g_assert_cmpint(kn_pattern_level_at(&p, 450 * MS, &next), ==, -1);

    /* Too many steps: refused, unchanged. */
    for (int i = 0; i < 3; i++)
        kn_pattern_append(&p, steps, G_N_ELEMENTS(steps));
    g_assert_cmpuint(p.n_steps, ==, 20);
    g_assert_cmpint(kn_pattern_append(&p, steps, G_N_ELEMENTS(steps)), <, 0);
    g_assert_cmpuint(p.n_steps, ==, 20);
}

static void test_pattern_constant_loop(void)
{
    struct kn_pattern on;
    int64_t next;

    kn_led_pattern(KN_LED_CONNECTED, &on);
    g_assert_cmpint(kn_pattern_level_at(&on, 12345678, &next), ==, 1);
    g_assert_cmpint(next, ==, INT64_MAX);
}

/* ---- the alert table ---- */

static void test_alert_patterns_distinct(void)
{
    struct kn_pattern a, b;

    for (int k = 0; k < KN_ALERT_KIND_COUNT; k++) {
        for (int s = 0; s < KN_SEVERITY_COUNT; s++) {
            g_assert_cmpint(kn_haptic_alert_pattern(k, s, &a), ==, 0);
            g_assert_nonnull(a.name);
            g_assert_true(g_str_has_prefix(a.name, kn_alert_kind_to_string(k)));
            /* Starts with a pulse, ends with one, at most 5 s (pain, critical: 4.55 s). */
            g_assert_cmpuint(a.n_steps % 2, ==, 1);
            g_assert_cmpuint(kn_pattern_duration_ms(&a), <=, 5000);
            for (int k2 = 0; k2 < KN_ALERT_KIND_COUNT; k2++) {
                for (int s2 = 0; s2 < KN_SEVERITY_COUNT; s2++) {
                    if (k2 == k && s2 == s)
                        continue;
                    kn_haptic_alert_pattern(k2, s2, &b);
                    g_assert_false(a.n_steps == b.n_steps &&
                                   memcmp(a.step_ms, b.step_ms, a.n_steps * 2) == 0);
                }
            }
        }
    }
    g_assert_cmpint(kn_haptic_alert_pattern(KN_ALERT_KIND_COUNT, 0, &a), <, 0);
    g_assert_cmpint(kn_haptic_alert_pattern(0, KN_SEVERITY_COUNT, &a), <, 0);
}

static void test_alert_pattern_timings(void)
{
    struct kn_haptic h;
    struct kn_pattern p;
    g_autofree char *t1 = NULL, *t2 = NULL, *t3 = NULL;
    int64_t t0 = 1000000 * MS;

    /* Hyperextension: one long pulse per repetition, the first at once. */
    kn_haptic_init(&h);
    kn_haptic_alert_pattern(KN_ALERT_HYPEREXTENSION, KN_SEVERITY_CRITICAL, &p);
    kn_haptic_play(&h, &p, kn_haptic_alert_priority(KN_SEVERITY_CRITICAL), t0);
    t1 = trace(haptic_fn, &h, t0, t0 + 5000 * MS);
    g_assert_cmpstr(t1, ==, "0:1 350:0 750:1 1100:0 1500:1 1850:0");

    kn_haptic_init(&h);
    kn_haptic_alert_pattern(KN_ALERT_INSTABILITY, KN_SEVERITY_WARNING, &p);
    kn_haptic_play(&h, &p, kn_haptic_alert_priority(KN_SEVERITY_WARNING), t0);
    t2 = trace(haptic_fn, &h, t0, t0 + 5000 * MS);
    g_assert_cmpstr(t2, ==, "0:1 120:0 220:1 570:0 970:1 1090:0 1190:1 1540:0");

    kn_haptic_init(&h);
    kn_haptic_alert_pattern(KN_ALERT_LOW_CADENCE, KN_SEVERITY_INFO, &p);
    kn_haptic_play(&h, &p, kn_haptic_alert_priority(KN_SEVERITY_INFO), t0);
    t3 = trace(haptic_fn, &h, t0, t0 + 5000 * MS);
    g_assert_cmpstr(t3, ==, "0:1 120:0 220:1 340:0");
}

static void test_cues_and_identify(void)
{
    struct kn_pattern p;
    struct kn_haptic h;
    g_autofree char *t = NULL;

    for (int c = 0; c < KN_HAPTIC_CUE_COUNT; c++) {
        g_assert_cmpint(kn_haptic_cue_pattern(c, &p), ==, 0);
        g_assert_cmpstr(p.name, ==, kn_haptic_cue_to_string(c));
        g_assert_cmpuint(kn_pattern_duration_ms(&p), <=, 600);
    }
    g_assert_cmpint(kn_haptic_cue_pattern(KN_HAPTIC_CUE_COUNT, &p), <, 0);

    /* 1.1 s of identify: 250 on / 250 off, cut at the duration. */
    kn_haptic_init(&h);
    kn_haptic_identify_pattern(1100, &p);
    kn_haptic_play(&h, &p, KN_HAPTIC_PRIO_IDENTIFY, 0);
    t = trace(haptic_fn, &h, 0, 5000 * MS);
    g_assert_cmpstr(t, ==, "0:1 250:0 500:1 750:0 1000:1 1100:0");
    kn_haptic_identify_pattern(0, &p);
    g_assert_cmpuint(kn_pattern_duration_ms(&p), ==, 0);
}

/* ---- the player ---- */

static void test_preempt_and_queue(void)
{
    struct kn_haptic h;
    struct kn_pattern info, crit, cue, ident;
    g_autofree char *t = NULL;

    kn_haptic_alert_pattern(KN_ALERT_OVERSTRIDE, KN_SEVERITY_INFO, &info);     /* 120 */
    kn_haptic_alert_pattern(KN_ALERT_HYPEREXTENSION, KN_SEVERITY_CRITICAL, &crit);
    kn_haptic_cue_pattern(KN_HAPTIC_CUE_PAIN_MARKED, &cue);                    /* 60 */
    kn_haptic_identify_pattern(500, &ident);                                   /* 250 on */

    kn_haptic_init(&h);
    kn_haptic_play(&h, &info, KN_HAPTIC_PRIO_INFO, 0);
    /* A critical alert interrupts the advice at once (dropped)... */
    kn_haptic_play(&h, &crit, KN_HAPTIC_PRIO_CRITICAL, 50 * MS);
    g_assert_cmpstr(kn_haptic_playing(&h), ==, "hyperextension-critical");
    g_assert_cmpuint(h.dropped, ==, 1);
    /* ... lower ones wait and come highest first, 300 ms apart. */
    kn_haptic_play(&h, &ident, KN_HAPTIC_PRIO_IDENTIFY, 60 * MS);
    kn_haptic_play(&h, &cue, KN_HAPTIC_PRIO_CUE, 70 * MS);
    t = trace(haptic_fn, &h, 50 * MS, 10000 * MS);
    g_assert_cmpstr(t, ==, "0:1 350:0 750:1 1100:0 1500:1 1850:0 "   /* critical, from 50 ms */
                           "2150:1 2210:0 "             /* the cue, 300 ms after it */
                           "2510:1 2760:0");            /* identify, 300 ms after that */
    g_assert_null(kn_haptic_playing(&h));
}

static void test_queue_overflow(void)
{
    struct kn_haptic h;
    struct kn_pattern crit, warn, cue;

    kn_haptic_alert_pattern(KN_ALERT_LOCKING, KN_SEVERITY_CRITICAL, &crit);
    kn_haptic_alert_pattern(KN_ALERT_RANGE_LOSS, KN_SEVERITY_WARNING, &warn);
    kn_haptic_cue_pattern(KN_HAPTIC_CUE_REFUSED, &cue);
    kn_haptic_init(&h);
    kn_haptic_play(&h, &crit, KN_HAPTIC_PRIO_CRITICAL, 0);
    for (int i = 0; i < KN_HAPTIC_QUEUE_MAX; i++)
        kn_haptic_play(&h, &cue, KN_HAPTIC_PRIO_CUE, MS);
    g_assert_cmpuint(h.n_queued, ==, KN_HAPTIC_QUEUE_MAX);
    /* A warning pushes out a cue; another cue is itself dropped. */
    kn_haptic_play(&h, &warn, KN_HAPTIC_PRIO_WARNING, 2 * MS);
    g_assert_cmpuint(h.dropped, ==, 1);
    kn_haptic_play(&h, &cue, KN_HAPTIC_PRIO_CUE, 3 * MS);
    g_assert_cmpuint(h.dropped, ==, 2);
    g_assert_cmpuint(h.n_queued, ==, KN_HAPTIC_QUEUE_MAX);
    /* The warning comes right after the critical alert. */
    kn_haptic_level(&h, kn_pattern_duration_ms(&crit) * MS, &(int64_t){ 0 });
    g_assert_cmpstr(kn_haptic_playing(&h), ==, "range_loss-warning");
}

static void test_metronome(void)
{
    struct kn_haptic h;
    struct kn_pattern cue;
    g_autofree char *t = NULL;
    g_autofree char *t2 = NULL;
    g_autofree char *t3 = NULL;

    /* 150 steps/min: a 40 ms beat every 400 ms, the first at once. */
    kn_haptic_init(&h);
    kn_haptic_set_metronome(&h, 150, 0);
    t = trace(haptic_fn, &h, 0, 1300 * MS);
    g_assert_cmpstr(t, ==, "0:1 40:0 400:1 440:0 800:1 840:0 1200:1 1240:0");

    /* A 500 ms cue at 410 ms takes over the beat playing; the beat at
     * 800 ms begins under it and is skipped, not cut short; the grid is
     * kept (1200 ms). */
    kn_haptic_init(&h);
    kn_haptic_set_metronome(&h, 150, 0);
    t2 = trace(haptic_fn, &h, 0, 405 * MS);
    g_assert_cmpstr(t2, ==, "0:1 40:0 400:1");
    kn_haptic_cue_pattern(KN_HAPTIC_CUE_PAIRING_OPEN, &cue);
    kn_haptic_play(&h, &cue, KN_HAPTIC_PRIO_CUE, 410 * MS);
    t3 = trace(haptic_fn, &h, 410 * MS, 1300 * MS);
    g_assert_cmpstr(t3, ==, "0:1 500:0 790:1 830:0");
    kn_haptic_set_metronome(&h, 0, 2000 * MS);
    g_assert_cmpint(kn_haptic_level(&h, 2000 * MS, &(int64_t){ 0 }), ==, 0);
}

/* ---- the LED ---- */

static void test_led_states(void)
{
    struct kn_led l;
    int level;
    int64_t next;

    kn_led_init(&l, 0);
    g_assert_cmpint(kn_led_level(&l, 0, &level, &next), ==, KN_LED_IDLE);
    kn_led_set_link(&l, KN_LED_LINK_ADVERTISING, 10 * MS);
    g_assert_cmpint(kn_led_level(&l, 10 * MS, &level, &next), ==, KN_LED_ADVERTISING);
    kn_led_set_link(&l, KN_LED_LINK_CONNECTED, 20 * MS);
    g_assert_cmpint(kn_led_level(&l, 20 * MS, &level, &next), ==, KN_LED_CONNECTED);
    g_assert_cmpint(level, ==, 1);
    g_assert_cmpint(next, ==, INT64_MAX);
    kn_led_set_pairing(&l, TRUE, 30 * MS);
    g_assert_cmpint(kn_led_level(&l, 30 * MS, &level, &next), ==, KN_LED_PAIRING);
    kn_led_set_fault(&l, TRUE, 40 * MS);
    g_assert_cmpint(kn_led_level(&l, 40 * MS, &level, &next), ==, KN_LED_FAULT);
    kn_led_alert(&l, KN_SEVERITY_WARNING, 50 * MS);
    g_assert_cmpint(kn_led_level(&l, 50 * MS, &level, &next), ==, KN_LED_ALERT);
    /* A later, weaker alert does not shorten the state. */
    kn_led_alert(&l, KN_SEVERITY_INFO, 60 * MS);
    g_assert_cmpint(l.alert_until_us, ==, 5050 * MS);
    g_assert_cmpint(kn_led_level(&l, 5049 * MS, &level, &next), ==, KN_LED_ALERT);
    g_assert_cmpint(kn_led_level(&l, 5050 * MS, &level, &next), ==, KN_LED_FAULT);
    kn_led_set_fault(&l, FALSE, 6000 * MS);
    g_assert_cmpint(kn_led_level(&l, 6000 * MS, &level, &next), ==, KN_LED_PAIRING);
    kn_led_set_pairing(&l, FALSE, 7000 * MS);
    g_assert_cmpint(kn_led_level(&l, 7000 * MS, &level, &next), ==, KN_LED_CONNECTED);
    g_assert_cmpuint(kn_led_alert_hold_ms(KN_SEVERITY_INFO), ==, 2000);
    g_assert_cmpuint(kn_led_alert_hold_ms(KN_SEVERITY_CRITICAL), ==, 10000);
    for (int s = 0; s < KN_LED_STATE_COUNT; s++)
        g_assert_nonnull(kn_led_state_to_string(s));
}

static void test_led_timings(void)
{
    struct kn_led l;
    g_autofree char *adv = NULL, *fault = NULL, *alert = NULL;

    kn_led_init(&l, 0);
    kn_led_set_link(&l, KN_LED_LINK_ADVERTISING, 0);
    adv = trace(led_fn, &l, 0, 4500 * MS);
    g_assert_cmpstr(adv, ==, "0:1 100:0 2000:1 2100:0 4000:1 4100:0");

    kn_led_init(&l, 0);
    kn_led_set_fault(&l, TRUE, 0);
    fault = trace(led_fn, &l, 0, 2500 * MS);
    g_assert_cmpstr(fault, ==, "0:1 100:0 200:1 300:0 2000:1 2100:0 2200:1 2300:0");

    /* An info alert for 2 s at 10 Hz, then the fault pattern again from
     * its start at the exact end of the alert. */
    kn_led_alert(&l, KN_SEVERITY_INFO, 3000 * MS);
    alert = trace(led_fn, &l, 3000 * MS, 5250 * MS);
    g_assert_true(g_str_has_prefix(alert, "0:1 50:0 100:1 150:0"));
    g_assert_true(g_str_has_suffix(alert, "1900:1 1950:0 2000:1 2100:0 2200:1"));
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/sleeve/pattern/steps", test_pattern_steps);
    g_test_add_func("/sleeve/pattern/constant-loop", test_pattern_constant_loop);
    g_test_add_func("/sleeve/haptic/alerts-distinct", test_alert_patterns_distinct);
    g_test_add_func("/sleeve/haptic/alert-timings", test_alert_pattern_timings);
    g_test_add_func("/sleeve/haptic/cues-identify", test_cues_and_identify);
    g_test_add_func("/sleeve/haptic/preempt-queue", test_preempt_and_queue);
    g_test_add_func("/sleeve/haptic/queue-overflow", test_queue_overflow);
    g_test_add_func("/sleeve/haptic/metronome", test_metronome);
    g_test_add_func("/sleeve/led/states", test_led_states);
    g_test_add_func("/sleeve/led/timings", test_led_timings);
    return g_test_run();
}
