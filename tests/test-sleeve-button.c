/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The button's debounce and gesture classifier (sleeve/button.c) alone,
 * on constructed edge sequences: clean and bouncy presses, spikes,
 * borderline durations on both sides of each threshold, edges delivered
 * late in one batch, a press held at start-up, reset. */
#include <glib.h>

#include "sleeve/button.h"

#define MS 1000                   /* the module's times are µs */

typedef struct {
    struct kn_button b;
    GArray *got;                  /* struct kn_gesture_event */
    int64_t next;
    guint i;                      /* edges fed so far */
} Fixture;

/* A fresh button, released, at time 0. */
static void restart(Fixture *f)
{
    struct kn_button_config cfg;

    kn_button_config_init(&cfg);
    kn_button_init(&f->b, &cfg, FALSE);
    g_array_set_size(f->got, 0);
    f->next = INT64_MAX;
    f->i = 0;
}

static void setup(Fixture *f, gconstpointer data)
{
    f->got = g_array_new(FALSE, FALSE, sizeof(struct kn_gesture_event));
    restart(f);
}

static void teardown(Fixture *f, gconstpointer data)
{
    g_array_unref(f->got);
}

/* Polls at now and collects every gesture recognised by then. */
static void poll_at(Fixture *f, int64_t now)
{
    for (;;) {
        struct kn_gesture_event ev = kn_button_poll(&f->b, now, &f->next);

        if (ev.gesture == KN_GESTURE_NONE)
            return;
        g_array_append_val(f->got, ev);
    }
}

/* As the glue does: each edge, then a poll at its arrival; and a poll at
 * every deadline, up to end_ms.  A second call goes on from there. */
static void run(Fixture *f, const int64_t (*edges)[2], guint n, int64_t end_ms)
{
    for (;;) {
        int64_t edge_t = f->i < n ? edges[f->i][0] * MS : INT64_MAX;

        if (f->next <= edge_t && f->next <= end_ms * MS) {
            poll_at(f, f->next);
            continue;
        }
        if (edge_t > end_ms * MS)
            break;
        kn_button_edge(&f->b, edges[f->i][1] != 0, edge_t);
        poll_at(f, edge_t);
        f->i++;
    }
    poll_at(f, end_ms * MS);
}

static void assert_gestures(Fixture *f, const char *expected)
{
    g_autoptr(GString) s = g_string_new(NULL);

    for (guint i = 0; i < f->got->len; i++) {
        struct kn_gesture_event *ev = &g_array_index(f->got, struct kn_gesture_event, i);

        g_string_append_printf(s, "%s%s@%" G_GINT64_FORMAT, i ? " " : "",
                               kn_gesture_to_string(ev->gesture), ev->t_us / MS);
    }
    g_assert_cmpstr(s->str, ==, expected);
}

#define RUN(f, edges, end) run(f, edges, G_N_ELEMENTS(edges), end)

static void test_clean_short(Fixture *f, gconstpointer data)
{
    static const int64_t e[][2] = { { 1000, 1 }, { 1100, 0 } };

    RUN(f, e, 1499);
    assert_gestures(f, "");
    /* Recognised exactly double_ms (400) after the release. */
    g_assert_cmpint(f->next, ==, 1500 * MS);
    RUN(f, e, 5000);
    assert_gestures(f, "short@1000");
}

static void test_bouncy_short(Fixture *f, gconstpointer data)
{
    /* Contact bounce on press and release: dated at the first edge. */
    static const int64_t e[][2] = {
        { 1000, 1 }, { 1001, 0 }, { 1003, 1 }, { 1006, 0 }, { 1007, 1 },
        { 1150, 0 }, { 1152, 1 }, { 1155, 0 },
    };

    RUN(f, e, 5000);
    assert_gestures(f, "short@1000");
    g_assert_cmpuint(f->b.edges, ==, 8);
    g_assert_cmpuint(f->b.bounces, ==, 6);
}

static void test_spikes_are_no_press(Fixture *f, gconstpointer data)
{
    /* 19 ms is shorter than the 20 ms debounce; a lone repeated level is
     * a spike whose other edge was lost. */
    static const int64_t e[][2] = { { 1000, 1 }, { 1019, 0 }, { 2000, 0 }, { 3000, 1 }, { 3005, 0 } };

    RUN(f, e, 6000);
    assert_gestures(f, "");
    g_assert_cmpuint(f->b.bounces, ==, 5);
}

static void test_press_of_debounce_length_counts(Fixture *f, gconstpointer data)
{
    static const int64_t e[][2] = { { 1000, 1 }, { 1020, 0 } };

    RUN(f, e, 5000);
    assert_gestures(f, "short@1000");
}

static void test_double(Fixture *f, gconstpointer data)
{
    static const int64_t e[][2] = { { 1000, 1 }, { 1100, 0 }, { 1300, 1 }, { 1400, 0 } };

    RUN(f, e, 1319);
    assert_gestures(f, "");
    /* Recognised once the second press has settled (20 ms), not at its
     * release; nothing more afterwards. */
    RUN(f, e, 1320);
    assert_gestures(f, "double@1000");
    RUN(f, e, 9000);
    assert_gestures(f, "double@1000");
}

static void test_double_gap_borderline(Fixture *f, gconstpointer data)
{
    static const int64_t just_in[][2] = { { 1000, 1 }, { 1100, 0 }, { 1499, 1 }, { 1550, 0 } };
    static const int64_t just_out[][2] = { { 1000, 1 }, { 1100, 0 }, { 1500, 1 }, { 1550, 0 } };

    RUN(f, just_in, 9000);
    assert_gestures(f, "double@1000");
    restart(f);
    RUN(f, just_out, 9000);
    assert_gestures(f, "short@1000 short@1500");
}

static void test_double_gap_decided_by_a_bouncing_press(Fixture *f, gconstpointer data)
{
    /* The second press begins 5 ms before the window closes but settles
     * after it: it is dated at its first edge, so it is a double. */
    static const int64_t e[][2] = {
        { 1000, 1 }, { 1100, 0 }, { 1495, 1 }, { 1497, 0 }, { 1499, 1 }, { 1600, 0 },
    };

    RUN(f, e, 9000);
    assert_gestures(f, "double@1000");
}

static void test_long(Fixture *f, gconstpointer data)
{
    static const int64_t e[][2] = { { 1000, 1 }, { 6000, 0 } };

    RUN(f, e, 2999);
    assert_gestures(f, "");
    g_assert_cmpint(f->next, ==, 3000 * MS);
    /* At long_ms while still held; the late release adds nothing. */
    RUN(f, e, 3000);
    assert_gestures(f, "long@1000");
    RUN(f, e, 9000);
    assert_gestures(f, "long@1000");
}

static void test_long_borderline(Fixture *f, gconstpointer data)
{
    static const int64_t short_of[][2] = { { 1000, 1 }, { 2999, 0 } };
    static const int64_t exactly[][2] = { { 1000, 1 }, { 3000, 0 } };
    static const int64_t bounce_at[][2] = { { 1000, 1 }, { 2995, 0 }, { 2998, 1 }, { 4000, 0 } };

    RUN(f, short_of, 9000);
    assert_gestures(f, "short@1000");
    restart(f);
    RUN(f, exactly, 9000);
    assert_gestures(f, "long@1000");
    g_array_set_size(f->got, 0);
    /* A bounce just before long_ms delays the decision by the debounce
     * but does not cut the press. */
    restart(f);
    RUN(f, bounce_at, 9000);
    assert_gestures(f, "long@1000");
    g_assert_cmpuint(f->b.bounces, ==, 2);
}

static void test_late_batch(Fixture *f, gconstpointer data)
{
    /* The main loop was busy: every edge of two short presses arrives at
     * once, then one poll.  The gestures keep their order and dates. */
    static const int64_t e[][2] = { { 1000, 1 }, { 1100, 0 }, { 1600, 1 }, { 1700, 0 } };

    for (guint i = 0; i < G_N_ELEMENTS(e); i++)
        kn_button_edge(&f->b, e[i][1] != 0, e[i][0] * MS);
    poll_at(f, 9000 * MS);
    assert_gestures(f, "short@1000 short@1600");
}

static void test_held_at_start(Fixture *f, gconstpointer data)
{
    struct kn_button_config cfg;
    static const int64_t e[][2] = { { 5000, 0 }, { 6000, 1 }, { 6100, 0 } };

    kn_button_config_init(&cfg);
    kn_button_init(&f->b, &cfg, TRUE);
    RUN(f, e, 9000);
    assert_gestures(f, "short@6000");
}

static void test_reset(Fixture *f, gconstpointer data)
{
    static const int64_t first[][2] = { { 1000, 1 }, { 1100, 0 } };
    static const int64_t held[][2] = { { 3000, 1 } };
    static const int64_t after[][2] = { { 4000, 0 }, { 7000, 1 }, { 7100, 0 } };

    RUN(f, first, 1200);
    kn_button_reset(&f->b);
    f->i = 0;
    RUN(f, held, 3100);
    kn_button_reset(&f->b);
    f->i = 0;
    RUN(f, after, 9000);
    assert_gestures(f, "short@7000");
}

static void test_config_check(void)
{
    struct kn_button_config c;
    const char *field = NULL;

    kn_button_config_init(&c);
    g_assert_cmpint(kn_button_config_check(&c, &field), ==, 0);
    g_assert_null(field);
    c.debounce_ms = 0;
    g_assert_cmpint(kn_button_config_check(&c, &field), <, 0);
    g_assert_cmpstr(field, ==, "debounce_ms");
    kn_button_config_init(&c);
    c.double_ms = 1001;
    g_assert_cmpint(kn_button_config_check(&c, &field), <, 0);
    g_assert_cmpstr(field, ==, "double_ms");
    kn_button_config_init(&c);
    c.double_ms = 800;
    c.long_ms = 800;
    g_assert_cmpint(kn_button_config_check(&c, &field), <, 0);
    g_assert_cmpstr(field, ==, "long_ms");
    c.long_ms = 801;
    g_assert_cmpint(kn_button_config_check(&c, &field), ==, 0);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
#define ADD(path, fn) g_test_add(path, Fixture, NULL, setup, fn, teardown)
    ADD("/sleeve/button/short/clean", test_clean_short);
    ADD("/sleeve/button/short/bouncy", test_bouncy_short);
    ADD("/sleeve/button/short/debounce-length", test_press_of_debounce_length_counts);
    ADD("/sleeve/button/spikes", test_spikes_are_no_press);
    ADD("/sleeve/button/double/clean", test_double);
    ADD("/sleeve/button/double/gap-borderline", test_double_gap_borderline);
    ADD("/sleeve/button/double/bouncing-second-press", test_double_gap_decided_by_a_bouncing_press);
    ADD("/sleeve/button/long/clean", test_long);
    ADD("/sleeve/button/long/borderline", test_long_borderline);
    ADD("/sleeve/button/late-batch", test_late_batch);
    ADD("/sleeve/button/held-at-start", test_held_at_start);
    ADD("/sleeve/button/reset", test_reset);
    g_test_add_func("/sleeve/button/config-check", test_config_check);
    return g_test_run();
}
