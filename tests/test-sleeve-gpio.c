/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The sleeve's I/O through the real libgpiod 1.6, with the GPIO chip's
 * character device emulated by umockdev in this process
 * (tests/gpio-mock.h): the wrapper (chips by path, name, number and label,
 * lines by name and offset, active-low, bias, edges, EBUSY and missing
 * chips and lines), then the whole publisher on a real core: gestures
 * give pain marks, sessions and the pairing window; alerts, Identify and
 * the metronome drive the motor, and the LED follows the state, with
 * their timings read back against the main loop's clock; errors at start
 * name file, line and key; an I/O error at runtime is a failed part that
 * comes back.
 *
 * Runs itself again with umockdev's preload library when it is not loaded
 * (from make and by hand alike); reports a skip (1..0 # SKIP) when that fails.
 */
#include <errno.h>
#include <linux/gpio.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <glib.h>
#include <glib/gstdio.h>
#include <umockdev.h>

#include "daemon/config.h"
#include "daemon/core.h"
#include "daemon/publisher.h"
#include "sleeve/gpio.h"
#include "sleeve/haptic.h"
#include "sleeve/led.h"
#include "sleeve/sleeve.h"
#include "tests/gpio-mock.h"
#include "tests/umockdev-helpers.h"

#define MS 1000
enum { BUTTON = 0, MOTOR = 1, LED = 2, SPARE = 3 };
static const char *const names0[] = { "BUTTON", "MOTOR", "LED", "SPARE", NULL, NULL, "GPIO6", NULL };

/* Edges are planned at exact times; a timer fires late, never early, and
 * how late depends on the machine's load (two cores shared by several
 * jobs, ASan): idle, every edge here lands within 1-5 ms of its plan
 * (GLib rounds its poll timeout up to the millisecond).  So the tests
 * assert what the code controls: no edge early, the median edge within
 * EDGE_MEDIAN_MS of its plan (a drifting or mis-planned timer is off by
 * tens of ms on every edge), and none later than EDGE_MAX_MS, the stride
 * within which the runner must feel it (a stride at 180 spm is 667 ms;
 * 250 ms is well inside it).  The measured figures are printed. */
#define EDGE_EARLY_MS 2
#define EDGE_MEDIAN_MS 5
#define EDGE_MAX_MS 250

static double slowdown = 1;

/* ---- waiting on the main loop ---- */

static gboolean timed_out(gpointer data)
{
    *(gboolean *) data = TRUE;
    return G_SOURCE_REMOVE;
}

/* Runs the main loop until cond holds; fails the test after timeout_ms
 * (scaled). */
static void wait_for(gboolean (*cond)(gpointer), gpointer data, guint timeout_ms, const char *what)
{
    gboolean expired = FALSE;
    guint id = g_timeout_add((guint) (timeout_ms * slowdown), timed_out, &expired);

    while (!cond(data) && !expired)
        g_main_context_iteration(NULL, TRUE);
    if (!cond(data))
        g_error("timed out waiting for %s", what);
    if (!expired)
        g_source_remove(id);
}

/* ---- fixture: a chip, a core, a recording publisher ---- */

typedef struct {
    guint marks;
    KnPainMark last_mark;
    guint pains;
    KnPainReport last_pain;
    guint status_calls;
} Recorder;

typedef struct {
    UMockdevTestbed *tb;
    KnGpioMock *chip0;
    KnCore *core;
    KnSleeve *sleeve;
    Recorder rec;
    char *dir;
    char *conf;
    KnKeyFile *file;
} Fixture;

static void rec_mark(gpointer data, const KnPainMark *m)
{
    Recorder *r = data;

    r->marks++;
    r->last_mark = *m;
}

static void rec_pain(gpointer data, const KnPainReport *p)
{
    Recorder *r = data;

    r->pains++;
    r->last_pain = *p;
    r->last_pain.note = NULL;
}

static void rec_status(gpointer data, KnChange changed, const KnCoreStatus *st)
{
    ((Recorder *) data)->status_calls++;
}

static const KnPublisherOps rec_ops = {
    .name = "test",
    .pain_mark = rec_mark,
    .pain = rec_pain,
    .status = rec_status,
};

static void setup(Fixture *f, gconstpointer data)
{
    g_autoptr(GError) error = NULL;
    KnCoreOptions opts;

    f->tb = umockdev_testbed_new();
    g_assert_true(umockdev_in_mock_environment());
    f->chip0 = kn_gpio_mock_new(f->tb, 0, "kneed-test", 8, names0);
    /* The button idles high (pull-up), pressed pulls it low. */
    kn_gpio_mock_drive(f->chip0, BUTTON, 1, g_get_monotonic_time());
    kn_core_options_init(&opts);
    f->core = kn_core_new(&opts, &error);
    g_assert_no_error(error);
    kn_core_add_publisher(f->core, &rec_ops, &f->rec, NULL);
    f->dir = g_dir_make_tmp("kneed-sleeve-XXXXXX", &error);
    g_assert_no_error(error);
    f->conf = g_build_filename(f->dir, "kneed.conf", NULL);
}

static void teardown(Fixture *f, gconstpointer data)
{
    g_clear_pointer(&f->sleeve, kn_sleeve_free);
    g_clear_pointer(&f->file, kn_keyfile_free);
    kn_core_free(f->core);
    /* Our lines must be seen closed before the handler goes. */
    for (guint i = 0; i < 8; i++)
        g_assert_true(kn_gpio_mock_wait_released(f->chip0, i, (guint) (5000 * slowdown)));
    kn_gpio_mock_free(f->chip0);
    g_object_unref(f->tb);
    g_unlink(f->conf);
    g_rmdir(f->dir);
    g_free(f->conf);
    g_free(f->dir);
}

static const KnKeyFile *write_conf(Fixture *f, const char *text)
{
    g_autoptr(GError) error = NULL;

    g_assert_true(g_file_set_contents(f->conf, text, -1, &error));
    g_clear_pointer(&f->file, kn_keyfile_free);
    f->file = kn_keyfile_load(f->conf, &error);
    g_assert_no_error(error);
    return f->file;
}

static const char full_conf[] =
    "[button]\n"
    "chip = gpiochip0\n"
    "line = BUTTON\n"
    "active_low = true\n"
    "bias = pull-up\n"
    "\n"
    "[haptic]\n"
    "chip = kneed-test\n"
    "line = MOTOR\n"
    "\n"
    "[led]\n"
    "chip = /dev/gpiochip0\n"
    "line = 2\n";

static void start_sleeve(Fixture *f, const char *conf)
{
    g_autoptr(GError) error = NULL;

    f->sleeve = kn_sleeve_new(f->core, write_conf(f, conf), &error);
    g_assert_no_error(error);
    g_assert_nonnull(f->sleeve);
}

/* ---- the wrapper ---- */

static void test_output_lines(Fixture *f, gconstpointer data)
{
    g_autoptr(GError) error = NULL;
    KnGpioLineSpec spec = { .chip = "gpiochip0", .name = "MOTOR", .active_low = TRUE };
    g_autoptr(KnGpioLine) motor = kn_gpio_output_open(&spec, "kneed", FALSE, &error);
    g_autoptr(KnGpioLine) led = NULL;
    static const char *const chips[] = { "0", "/dev/gpiochip0", "kneed-test" };

    g_assert_no_error(error);
    g_assert_cmpstr(kn_gpio_line_describe(motor), ==, "gpiochip0 [kneed-test] line 1 (MOTOR)");
    g_assert_cmpuint(kn_gpio_mock_flags(f->chip0, MOTOR), ==,
                     GPIOHANDLE_REQUEST_OUTPUT | GPIOHANDLE_REQUEST_ACTIVE_LOW);
    /* Active-low: off is the pin high. */
    g_assert_cmpint(kn_gpio_mock_level(f->chip0, MOTOR), ==, 1);
    g_assert_cmpint(kn_gpio_line_set(motor, TRUE), ==, 0);
    g_assert_cmpint(kn_gpio_mock_level(f->chip0, MOTOR), ==, 0);
    g_assert_cmpint(kn_gpio_line_set(motor, FALSE), ==, 0);
    g_assert_cmpint(kn_gpio_mock_level(f->chip0, MOTOR), ==, 1);
    g_clear_pointer(&motor, kn_gpio_line_close);
    g_assert_true(kn_gpio_mock_wait_released(f->chip0, MOTOR, (guint) (5000 * slowdown)));

    /* The same chip by number, path and label; a line by offset. */
    for (guint i = 0; i < G_N_ELEMENTS(chips); i++) {
        KnGpioLineSpec by_offset = { .chip = chips[i], .offset = LED };

        led = kn_gpio_output_open(&by_offset, "kneed", TRUE, &error);
        g_assert_no_error(error);
        g_assert_cmpstr(kn_gpio_line_describe(led), ==, "gpiochip0 [kneed-test] line 2 (LED)");
        g_assert_cmpint(kn_gpio_mock_level(f->chip0, LED), ==, 1);
        g_clear_pointer(&led, kn_gpio_line_close);
        g_assert_true(kn_gpio_mock_wait_released(f->chip0, LED, (guint) (5000 * slowdown)));
    }
}

static void expect_error(const KnGpioLineSpec *spec, KnGpioError code, const char *message)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(KnGpioLine) line = kn_gpio_output_open(spec, "kneed", FALSE, &error);

    g_assert_null(line);
    g_assert_error(error, KN_GPIO_ERROR, (gint) code);
    if (!strstr(error->message, message))
        g_error("'%s' does not say '%s'", error->message, message);
}

static void test_wrapper_errors(Fixture *f, gconstpointer data)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(KnGpioLine) held = NULL;
    KnGpioLineSpec spec = { .chip = "gpiochip7", .name = "MOTOR" };

    expect_error(&spec, KN_GPIO_ERROR_NO_CHIP,
                 "/dev/gpiochip7: no such GPIO chip (chips: gpiochip0 [kneed-test] (8 lines))");
    spec.chip = "no-such-label";
    expect_error(&spec, KN_GPIO_ERROR_NO_CHIP, "no GPIO chip 'no-such-label' (chips: gpiochip0");
    spec.chip = "gpiochip0";
    spec.name = "NOPE";
    expect_error(&spec, KN_GPIO_ERROR_NO_LINE, "no line named 'NOPE' on gpiochip0 [kneed-test]");
    spec.chip = NULL;
    expect_error(&spec, KN_GPIO_ERROR_NO_LINE, "no line named 'NOPE' on any GPIO chip");
    spec.chip = "0";
    spec.name = NULL;
    spec.offset = 8;
    expect_error(&spec, KN_GPIO_ERROR_NO_LINE, "no line 8 on gpiochip0 [kneed-test]: it has lines 0..7");

    /* EBUSY: another process, then ourselves twice. */
    kn_gpio_mock_set_foreign(f->chip0, SPARE, "other-daemon");
    spec.offset = SPARE;
    expect_error(&spec, KN_GPIO_ERROR_BUSY,
                 "gpiochip0 [kneed-test] line 3 (SPARE) is in use by 'other-daemon'");
    kn_gpio_mock_set_foreign(f->chip0, SPARE, NULL);
    spec.offset = 6;
    held = kn_gpio_output_open(&spec, "kneed", FALSE, &error);
    g_assert_no_error(error);
    spec.chip = "kneed-test";
    spec.offset = 0;
    spec.name = "GPIO6";
    expect_error(&spec, KN_GPIO_ERROR_BUSY, "line 6 (GPIO6) is in use by 'kneed'");
}

static void test_edges(Fixture *f, gconstpointer data)
{
    g_autoptr(GError) error = NULL;
    KnGpioLineSpec spec = { .chip = "gpiochip0", .name = "BUTTON", .active_low = TRUE,
                            .bias = KN_GPIO_BIAS_PULL_UP };
    g_autoptr(KnGpioLine) button = kn_gpio_edges_open(&spec, "kneed", &error);
    KnGpioEdge edges[4];
    gint64 t = g_get_monotonic_time() - 5000;

    g_assert_no_error(error);
    g_assert_cmpuint(kn_gpio_mock_flags(f->chip0, BUTTON), ==,
                     GPIOHANDLE_REQUEST_INPUT | GPIOHANDLE_REQUEST_ACTIVE_LOW |
                     GPIOHANDLE_REQUEST_BIAS_PULL_UP);
    /* Non-blocking: nothing waiting is 0, not a hang. */
    g_assert_cmpint(kn_gpio_line_read_edges(button, edges, 4), ==, 0);
    kn_gpio_mock_drive(f->chip0, BUTTON, 0, t);           /* pressed: low */
    kn_gpio_mock_drive(f->chip0, BUTTON, 1, t + 1234);    /* released */
    g_assert_cmpint(kn_gpio_line_read_edges(button, edges, 4), ==, 2);
    g_assert_true(edges[0].rising);
    g_assert_cmpint(edges[0].timestamp_us, ==, t);
    g_assert_false(edges[1].rising);
    g_assert_cmpint(edges[1].timestamp_us, ==, t + 1234);
    g_assert_cmpint(kn_gpio_line_read_edges(button, edges, 4), ==, 0);
}

static void test_search_every_chip(Fixture *f, gconstpointer data)
{
    static const char *const names1[] = { "X0", "X1", "HAPTIC_EN", NULL };
    g_autoptr(KnGpioMock) chip1 = kn_gpio_mock_new(f->tb, 1, "expander", 4, names1);
    g_autoptr(GError) error = NULL;
    KnGpioLineSpec spec = { .name = "HAPTIC_EN" };
    g_autoptr(KnGpioLine) line = kn_gpio_output_open(&spec, "kneed", FALSE, &error);

    g_assert_no_error(error);
    g_assert_cmpstr(kn_gpio_line_describe(line), ==, "gpiochip1 [expander] line 2 (HAPTIC_EN)");
    g_assert_true(kn_gpio_mock_requested(chip1, 2));
    g_clear_pointer(&line, kn_gpio_line_close);
    g_assert_true(kn_gpio_mock_wait_released(chip1, 2, (guint) (5000 * slowdown)));
}

/* ---- the publisher: gestures ---- */

static gboolean marks_at_least(gpointer data)
{
    Fixture *f = data;

    return f->rec.marks >= GPOINTER_TO_UINT(g_object_get_data(G_OBJECT(f->tb), "want"));
}

static void want(Fixture *f, guint n)
{
    g_object_set_data(G_OBJECT(f->tb), "want", GUINT_TO_POINTER(n));
}

/* A press is the pin going low (active-low button). */
static void press(Fixture *f, gint64 t_us)
{
    kn_gpio_mock_drive(f->chip0, BUTTON, 0, t_us);
}

static void release(Fixture *f, gint64 t_us)
{
    kn_gpio_mock_drive(f->chip0, BUTTON, 1, t_us);
}

static gboolean session_is(gpointer data)
{
    Fixture *f = data;
    gboolean wanted = GPOINTER_TO_INT(g_object_get_data(G_OBJECT(f->tb), "session"));

    return kn_core_get_status(f->core)->session_active == wanted;
}

static gboolean motor_changes_at_least(gpointer data)
{
    Fixture *f = data;
    g_autoptr(GArray) c = kn_gpio_mock_changes(f->chip0, MOTOR);

    return c->len >= GPOINTER_TO_UINT(g_object_get_data(G_OBJECT(f->tb), "changes"));
}

static void wait_motor_changes(Fixture *f, guint n, guint timeout_ms)
{
    g_object_set_data(G_OBJECT(f->tb), "changes", GUINT_TO_POINTER(n));
    wait_for(motor_changes_at_least, f, timeout_ms, "the motor's changes");
}

static void test_short_press_marks_pain(Fixture *f, gconstpointer data)
{
    gint64 now;
    guint n;
    const KnPainMark *marks;

    start_sleeve(f, full_conf);
    kn_gpio_mock_clear_changes(f->chip0, MOTOR);
    /* A bouncy press that happened a second ago: decided as soon as it is
     * read (its double-press window is over). */
    now = g_get_monotonic_time();
    press(f, now - 1000 * MS);
    release(f, now - 998 * MS);
    press(f, now - 996 * MS);
    release(f, now - 900 * MS);
    release(f, now - 899 * MS);
    want(f, 1);
    wait_for(marks_at_least, f, 2000, "the pain mark");
    g_assert_cmpuint(f->rec.marks, ==, 1);
    g_assert_cmpint(f->rec.last_mark.monotonic_us, ==, now - 1000 * MS);
    g_assert_cmpint(llabs(f->rec.last_mark.wall_us -
                          (g_get_real_time() - (g_get_monotonic_time() - (now - 1000 * MS)))),
                    <, 100 * MS);
    g_assert_false(f->rec.last_mark.scored);
    marks = kn_core_get_pain_marks(f->core, &n);
    g_assert_cmpuint(n, ==, 1);
    g_assert_cmpuint(marks[0].id, ==, f->rec.last_mark.id);
    g_assert_cmpuint(kn_core_get_status(f->core)->pain_marks_unscored, ==, 1);
    /* The tick that says so: one 60 ms pulse. */
    wait_motor_changes(f, 2, 2000);
    g_assert_cmpstr(kn_sleeve_haptic_playing(f->sleeve), ==, NULL);

    /* Released just now: the double-press window ends on the button's
     * own timer, 400 ms after the release. */
    now = g_get_monotonic_time();
    press(f, now - 100 * MS);
    release(f, now);
    want(f, 2);
    wait_for(marks_at_least, f, 3000, "the second pain mark");
    g_assert_cmpint(f->rec.last_mark.monotonic_us, ==, now - 100 * MS);
    g_assert_cmpint(g_get_monotonic_time() - now, >=, 400 * MS);
    g_assert_cmpuint(kn_core_get_status(f->core)->pain_marks_unscored, ==, 2);
}

static void test_double_press_session(Fixture *f, gconstpointer data)
{
    gint64 now;
    g_autoptr(GArray) c = NULL;

    start_sleeve(f, full_conf);
    kn_gpio_mock_clear_changes(f->chip0, MOTOR);
    now = g_get_monotonic_time();
    press(f, now - 2000 * MS);
    release(f, now - 1900 * MS);
    press(f, now - 1700 * MS);
    release(f, now - 1600 * MS);
    g_object_set_data(G_OBJECT(f->tb), "session", GINT_TO_POINTER(TRUE));
    wait_for(session_is, f, 2000, "the session to start");
    /* Two ticks: 60 on, 80 off, 60 on. */
    wait_motor_changes(f, 4, 2000);
    c = kn_gpio_mock_changes(f->chip0, MOTOR);
    g_assert_cmpuint(c->len, ==, 4);
    now = g_get_monotonic_time();
    press(f, now - 1000 * MS);
    release(f, now - 950 * MS);
    press(f, now - 700 * MS);
    release(f, now - 650 * MS);
    g_object_set_data(G_OBJECT(f->tb), "session", GINT_TO_POINTER(FALSE));
    wait_for(session_is, f, 2000, "the session to stop");
    g_assert_cmpuint(f->rec.marks, ==, 0);
}

static gboolean pairing_open(gpointer data)
{
    return kn_core_get_status(((Fixture *) data)->core)->pairing_window_open;
}

static void test_long_press_pairing(Fixture *f, gconstpointer data)
{
    gint64 now;
    const KnCoreStatus *st = kn_core_get_status(f->core);
    g_autoptr(GArray) c = NULL;

    start_sleeve(f, full_conf);
    /* Without Bluetooth: refused (four quick ticks), no window. */
    kn_sleeve_set_pairing_window(f->sleeve, 0);
    kn_gpio_mock_clear_changes(f->chip0, MOTOR);
    now = g_get_monotonic_time();
    press(f, now - 2500 * MS);
    release(f, now - 100 * MS);
    wait_motor_changes(f, 8, 3000);
    c = kn_gpio_mock_changes(f->chip0, MOTOR);
    g_assert_cmpuint(c->len, ==, 8);
    g_assert_false(st->pairing_window_open);

    /* With it: held for 2 s opens the window for [bluetooth]
     * pairing_window_s, at 2 s on the button's timer, before the
     * release. */
    kn_sleeve_set_pairing_window(f->sleeve, 30);
    now = g_get_monotonic_time();
    press(f, now);
    wait_for(pairing_open, f, 4000, "the pairing window");
    g_assert_cmpint(g_get_monotonic_time() - now, >=, 2000 * MS);
    g_assert_cmpint(llabs(st->pairing_window_end_wall_us - (kn_core_get_wall_clock(f->core) +
                                                            30 * G_USEC_PER_SEC)), <, 1000 * MS);
    release(f, g_get_monotonic_time());
    g_assert_cmpuint(f->rec.marks, ==, 0);
    g_assert_false(st->session_active);
}

static void on_confirm(gboolean confirmed, gpointer data)
{
    int *answer = data;

    *answer = confirmed ? 1 : 0;
}

static gboolean answered(gpointer data)
{
    return *(int *) data >= 0;
}

static void test_confirmation(Fixture *f, gconstpointer data)
{
    int answer = -1;
    gint64 now;

    start_sleeve(f, full_conf);
    g_assert_true(kn_sleeve_request_confirmation(f->sleeve, 5000, on_confirm, &answer));
    g_assert_false(kn_sleeve_request_confirmation(f->sleeve, 5000, on_confirm, &answer));
    now = g_get_monotonic_time();
    press(f, now - 1000 * MS);
    release(f, now - 900 * MS);
    wait_for(answered, &answer, 2000, "the confirmation");
    g_assert_cmpint(answer, ==, 1);
    g_assert_cmpuint(f->rec.marks, ==, 0);     /* the press was the answer, not a mark */

    /* Edges come in time order: these follow the first press's. */
    answer = -1;
    g_assert_true(kn_sleeve_request_confirmation(f->sleeve, 5000, on_confirm, &answer));
    now = g_get_monotonic_time();
    press(f, now - 600 * MS);
    release(f, now - 550 * MS);
    press(f, now - 450 * MS);
    release(f, now - 400 * MS);
    wait_for(answered, &answer, 2000, "the refusal");
    g_assert_cmpint(answer, ==, 0);

    answer = -1;
    g_assert_true(kn_sleeve_request_confirmation(f->sleeve, 50, on_confirm, &answer));
    wait_for(answered, &answer, 2000, "the timeout");
    g_assert_cmpint(answer, ==, 0);
    g_assert_cmpuint(f->rec.marks, ==, 0);
    g_assert_false(kn_core_get_status(f->core)->session_active);
}

/* ---- the motor's timings ---- */

/* Lateness of each change, µs, against the plan. */
static void add_lateness(GArray *late, gint64 actual_us, gint64 planned_us, guint edge,
                         const char *what)
{
    gint64 l = actual_us - planned_us;

    if (l < -EDGE_EARLY_MS * MS)
        g_error("%s: edge %u %.1f ms early", what, edge, -l / 1e3);
    g_array_append_val(late, l);
}

static gint compare_gint64(gconstpointer a, gconstpointer b)
{
    gint64 x = *(const gint64 *) a, y = *(const gint64 *) b;

    return x < y ? -1 : x > y;
}

/* Asserts the median and the worst lateness; prints both. */
static void check_lateness(GArray *late, const char *what)
{
    gint64 median, worst;

    g_assert_cmpuint(late->len, >, 0);
    g_array_sort(late, compare_gint64);
    median = g_array_index(late, gint64, late->len / 2);
    worst = g_array_index(late, gint64, late->len - 1);
    g_test_message("%s: %u edges, median %.2f ms late, latest %.2f ms", what, late->len,
                   median / 1e3, worst / 1e3);
    g_assert_cmpint(median, <=, EDGE_MEDIAN_MS * MS);
    g_assert_cmpint(worst, <=, EDGE_MAX_MS * MS);
}

/* Checks the changes against a pattern's steps: the levels, and each
 * edge's lateness against its planned time from start_us, taken just
 * before the call that started the pattern (so that a change stamped late
 * by a slow round trip to umockdev's worker never makes the next ones
 * look early). */
static void check_timings(GArray *c, gint64 start_us, const struct kn_pattern *p, int on_level,
                          GArray *late)
{
    gint64 planned = 0;

    g_assert_cmpuint(c->len, >=, p->n_steps + 1);
    for (guint i = 0; i <= p->n_steps; i++) {
        KnGpioMockChange *ch = &g_array_index(c, KnGpioMockChange, i);

        g_assert_cmpint(ch->level, ==, (i % 2 == 0) ? on_level : !on_level);
        add_lateness(late, ch->t_us, start_us + planned, i, p->name);
        if (i < p->n_steps)
            planned += (gint64) p->step_ms[i] * MS;
    }
}

/* The same for a pattern that began at start_us (taken just before the
 * call that started it) with the line already at its first level: the
 * changes recorded are its boundaries from the first one on.  Walks the
 * pattern's own boundaries (kn_pattern_level_at), loops included. */
static void check_from(GArray *c, gint64 start_us, const struct kn_pattern *p, guint n,
                       GArray *late)
{
    gint64 elapsed = 0, next;

    g_assert_cmpuint(c->len, >=, n);
    kn_pattern_level_at(p, 0, &next);
    for (guint i = 0; i < n; i++) {
        KnGpioMockChange *ch = &g_array_index(c, KnGpioMockChange, i);
        int level;

        elapsed = next;
        level = kn_pattern_level_at(p, elapsed, &next);
        g_assert_cmpint(ch->level, ==, level);
        add_lateness(late, ch->t_us, start_us + elapsed, i, p->name);
    }
}

static void test_alert_pattern_timing(Fixture *f, gconstpointer data)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(GArray) c = NULL;
    g_autoptr(GArray) late = g_array_new(FALSE, FALSE, sizeof(gint64));
    struct kn_pattern p;
    gint64 before, latency;

    start_sleeve(f, full_conf);
    kn_gpio_mock_clear_changes(f->chip0, MOTOR);
    kn_haptic_alert_pattern(KN_ALERT_PAIN, KN_SEVERITY_CRITICAL, &p);
    /* A red-flag pain report raises a critical alert: the motor is on
     * before the call returns, in the same dispatch, no timer between. */
    before = g_get_monotonic_time();
    g_assert_true(kn_core_report_pain(f->core, 9, KN_PAIN_FRONT, KN_PAIN_DURING, "", NULL, &error));
    g_assert_no_error(error);
    c = kn_gpio_mock_changes(f->chip0, MOTOR);
    g_assert_cmpuint(c->len, ==, 1);
    latency = g_array_index(c, KnGpioMockChange, 0).t_us - before;
    g_test_message("alert to motor on: %.3f ms", latency / 1e3);
    g_assert_cmpint(latency, <=, EDGE_MAX_MS * MS);
    g_clear_pointer(&c, g_array_unref);
    wait_motor_changes(f, p.n_steps + 1, 8000);
    c = kn_gpio_mock_changes(f->chip0, MOTOR);
    check_timings(c, before, &p, 1, late);
    check_lateness(late, p.name);
    g_assert_cmpstr(kn_sleeve_led_state(f->sleeve), ==, "alert");
}

static void test_identify(Fixture *f, gconstpointer data)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(GArray) c = NULL;
    g_autoptr(GArray) late = g_array_new(FALSE, FALSE, sizeof(gint64));
    static const gint64 at[] = { 0, 250, 500, 750, 1000, 1100 };
    gint64 start;

    start_sleeve(f, full_conf);
    kn_gpio_mock_clear_changes(f->chip0, MOTOR);
    start = g_get_monotonic_time();
    g_assert_true(kn_core_identify(f->core, 1100, &error));
    g_assert_no_error(error);
    /* 1.1 s of 250/250: on at 0, 500, 1000, off at 250, 750, 1100. */
    wait_motor_changes(f, 6, 5000);
    c = kn_gpio_mock_changes(f->chip0, MOTOR);
    g_assert_cmpuint(c->len, ==, 6);
    for (guint i = 0; i < 6; i++) {
        g_assert_cmpint(g_array_index(c, KnGpioMockChange, i).level, ==, i % 2 == 0);
        add_lateness(late, g_array_index(c, KnGpioMockChange, i).t_us, start + at[i] * MS, i,
                     "identify");
    }
    check_lateness(late, "identify 1100 ms");
}

static void test_identify_without_motor(Fixture *f, gconstpointer data)
{
    g_autoptr(GError) error = NULL;

    start_sleeve(f, "[button]\nchip = gpiochip0\nline = BUTTON\n[led]\nchip = 0\nline = LED\n");
    g_assert_false(kn_core_identify(f->core, 500, &error));
    g_assert_error(error, KN_ERROR, KN_ERROR_NOT_SUPPORTED);
}

static void test_metronome(Fixture *f, gconstpointer data)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(GArray) c = NULL;
    g_autoptr(GArray) late = g_array_new(FALSE, FALSE, sizeof(gint64));
    struct kn_pattern p;
    gint64 start;

    start_sleeve(f, full_conf);
    kn_gpio_mock_clear_changes(f->chip0, MOTOR);
    /* 150 steps/min: a 40 ms beat every 400 ms from now. */
    start = g_get_monotonic_time();
    g_assert_true(kn_core_start_coaching(f->core, 150, &error));
    wait_motor_changes(f, 8, 4000);
    kn_core_stop_coaching(f->core);
    c = kn_gpio_mock_changes(f->chip0, MOTOR);
    for (guint i = 0; i < 8; i++) {
        gint64 planned = (i / 2) * 400 * MS + (i % 2) * KN_HAPTIC_BEAT_MS * MS;

        g_assert_cmpint(g_array_index(c, KnGpioMockChange, i).level, ==, i % 2 == 0);
        add_lateness(late, g_array_index(c, KnGpioMockChange, i).t_us, start + planned, i,
                     "metronome");
    }
    check_lateness(late, "metronome at 150 spm, 4 beats");
    /* Stopped: the next thing the motor does is an Identify, no beat
     * before it. */
    g_clear_pointer(&c, g_array_unref);
    kn_gpio_mock_clear_changes(f->chip0, MOTOR);
    g_assert_true(kn_core_identify(f->core, 100, &error));
    kn_haptic_identify_pattern(100, &p);
    wait_motor_changes(f, 2, 2000);
    c = kn_gpio_mock_changes(f->chip0, MOTOR);
    g_assert_cmpuint(c->len, ==, 2);
    g_assert_cmpint(g_array_index(c, KnGpioMockChange, 1).t_us -
                    g_array_index(c, KnGpioMockChange, 0).t_us, >=, 98 * MS);
}

/* ---- the LED ---- */

static gboolean led_changes_at_least(gpointer data)
{
    Fixture *f = data;
    g_autoptr(GArray) c = kn_gpio_mock_changes(f->chip0, LED);

    return c->len >= GPOINTER_TO_UINT(g_object_get_data(G_OBJECT(f->tb), "led"));
}

static GArray *led_changes(Fixture *f, guint n, guint timeout_ms)
{
    g_object_set_data(G_OBJECT(f->tb), "led", GUINT_TO_POINTER(n));
    wait_for(led_changes_at_least, f, timeout_ms, "the LED's changes");
    return kn_gpio_mock_changes(f->chip0, LED);
}

static void test_led(Fixture *f, gconstpointer data)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(GArray) c = NULL;
    g_autoptr(GArray) late = g_array_new(FALSE, FALSE, sizeof(gint64));
    struct kn_pattern p;
    gint64 start;

    start_sleeve(f, full_conf);
    g_assert_cmpstr(kn_sleeve_led_state(f->sleeve), ==, "idle");
    /* Idle begins with its 50 ms blip: wait until it is over. */
    g_clear_pointer(&c, g_array_unref);
    c = led_changes(f, 2, 2000);
    g_assert_cmpint(kn_gpio_mock_level(f->chip0, LED), ==, 0);
    g_clear_pointer(&c, g_array_unref);
    kn_gpio_mock_clear_changes(f->chip0, LED);
    /* Advertising: 100 ms on every 2 s, from the change on. */
    start = g_get_monotonic_time();
    kn_sleeve_set_link(f->sleeve, KN_SLEEVE_LINK_ADVERTISING);
    g_assert_cmpstr(kn_sleeve_led_state(f->sleeve), ==, "advertising");
    c = led_changes(f, 2, 2000);
    kn_led_pattern(KN_LED_ADVERTISING, &p);
    p.n_steps = 1;
    check_timings(c, start, &p, 1, late);
    g_clear_pointer(&c, g_array_unref);

    /* Connected: on, and stays on. */
    kn_gpio_mock_clear_changes(f->chip0, LED);
    kn_sleeve_set_link(f->sleeve, KN_SLEEVE_LINK_CONNECTED);
    g_assert_cmpint(kn_gpio_mock_level(f->chip0, LED), ==, 1);

    /* The pairing window: 100 on, 150 off.  It starts with the LED on
     * already (connected): the first change is the end of its first
     * 100 ms, a timer edge like the others. */
    kn_gpio_mock_clear_changes(f->chip0, LED);
    start = g_get_monotonic_time();
    g_assert_true(kn_core_open_pairing_window(f->core, 60, &error));
    g_assert_cmpstr(kn_sleeve_led_state(f->sleeve), ==, "pairing");
    c = led_changes(f, 4, 3000);
    kn_led_pattern(KN_LED_PAIRING, &p);
    check_from(c, start, &p, 4, late);
    g_clear_pointer(&c, g_array_unref);
    kn_core_close_pairing_window(f->core);
    g_assert_cmpstr(kn_sleeve_led_state(f->sleeve), ==, "connected");
    g_assert_cmpint(kn_gpio_mock_level(f->chip0, LED), ==, 1);

    /* An alert: 50/50 for 10 s after a critical one, from on as well. */
    kn_gpio_mock_clear_changes(f->chip0, LED);
    start = g_get_monotonic_time();
    g_assert_true(kn_core_report_pain(f->core, 8, KN_PAIN_BACK, KN_PAIN_DURING, "", NULL, &error));
    g_assert_cmpstr(kn_sleeve_led_state(f->sleeve), ==, "alert");
    c = led_changes(f, 5, 3000);
    kn_led_pattern(KN_LED_ALERT, &p);
    check_from(c, start, &p, 5, late);
    check_lateness(late, "LED advertising, pairing, alert");
}

/* ---- failures ---- */

static gboolean haptic_failed(gpointer data)
{
    Fixture *f = data;

    return (kn_core_get_status(f->core)->sleeve_failed & KN_SLEEVE_PART_HAPTIC) != 0;
}

static gboolean haptic_back(gpointer data)
{
    return !haptic_failed(data);
}

static void test_runtime_failure(Fixture *f, gconstpointer data)
{
    g_autoptr(GError) error = NULL;
    const KnCoreStatus *st = kn_core_get_status(f->core);

    start_sleeve(f, full_conf);
    g_assert_cmpuint(st->sleeve_parts, ==,
                     KN_SLEEVE_PART_BUTTON | KN_SLEEVE_PART_HAPTIC | KN_SLEEVE_PART_LED);
    g_assert_cmpuint(st->sleeve_failed, ==, 0);
    /* The chip stops answering: the motor is a failed part, said once,
     * the LED shows a fault; Identify still "works" (there is a motor). */
    kn_gpio_mock_fail_next(f->chip0, MOTOR, EIO);
    g_test_expect_message("kneed", G_LOG_LEVEL_WARNING, "haptic: *failed: Input/output error*");
    g_assert_true(kn_core_identify(f->core, 300, &error));
    g_test_assert_expected_messages();
    g_assert_true(haptic_failed(f));
    g_assert_cmpstr(kn_sleeve_led_state(f->sleeve), ==, "fault");
    /* It is asked for again after 1 s and works. */
    g_assert_true(kn_gpio_mock_wait_released(f->chip0, MOTOR, (guint) (5000 * slowdown)));
    wait_for(haptic_back, f, 4000, "the motor to come back");
    g_assert_true(kn_gpio_mock_requested(f->chip0, MOTOR));
    g_assert_cmpstr(kn_sleeve_led_state(f->sleeve), ==, "idle");
    kn_gpio_mock_clear_changes(f->chip0, MOTOR);
    g_assert_true(kn_core_identify(f->core, 100, &error));
    wait_motor_changes(f, 2, 2000);
}

static void expect_start_error(Fixture *f, const char *conf, const char *message)
{
    g_autoptr(GError) error = NULL;
    g_autofree char *full = g_strdup_printf("%s:%s", f->conf, message);

    f->sleeve = kn_sleeve_new(f->core, write_conf(f, conf), &error);
    g_assert_null(f->sleeve);
    g_assert_error(error, KN_CONFIG_ERROR, KN_CONFIG_ERROR_INVALID);
    if (!g_str_has_prefix(error->message, full))
        g_error("'%s' does not start with '%s'", error->message, full);
    /* Nothing is left requested. */
    for (guint i = 0; i < 8; i++)
        g_assert_true(kn_gpio_mock_wait_released(f->chip0, i, (guint) (5000 * slowdown)));
    g_assert_cmpuint(kn_core_get_status(f->core)->sleeve_parts, ==, 0);
}

static void test_start_errors(Fixture *f, gconstpointer data)
{
    expect_start_error(f, "[led]\nchip = gpiochip0\nline = NOPE\n",
                       "3: [led] line: no line named 'NOPE' on gpiochip0 [kneed-test]");
    expect_start_error(f, "[button]\nline = BUTTON\n\n[haptic]\nchip = gpiochip5\nline = MOTOR\n",
                       "5: [haptic] chip: /dev/gpiochip5: no such GPIO chip (chips: "
                       "gpiochip0 [kneed-test] (8 lines))");
    expect_start_error(f, "[haptic]\nline = NOPE\n",
                       "2: [haptic] line: no line named 'NOPE' on any GPIO chip");
    expect_start_error(f, "[led]\nchip = 0\nline = 12\n",
                       "3: [led] line: no line 12 on gpiochip0 [kneed-test]: it has lines 0..7");
    kn_gpio_mock_set_foreign(f->chip0, BUTTON, "other");
    expect_start_error(f, "[button]\nchip = gpiochip0\nline = BUTTON\n",
                       "3: [button] line: gpiochip0 [kneed-test] line 0 (BUTTON) is in use by 'other'");
    kn_gpio_mock_set_foreign(f->chip0, BUTTON, NULL);
    /* One line under two spellings: the kernel says EBUSY to the second. */
    expect_start_error(f, "[haptic]\nchip = 0\nline = 1\n[led]\nchip = kneed-test\nline = MOTOR\n",
                       "6: [led] line: gpiochip0 [kneed-test] line 1 (MOTOR) is in use by 'kneed'");
}

static void test_nothing_configured(Fixture *f, gconstpointer data)
{
    g_autoptr(GError) error = NULL;
    KnSleeve *s = kn_sleeve_new(f->core, write_conf(f, "[daemon]\nside = left\n"), &error);

    g_assert_no_error(error);
    g_assert_null(s);
    g_assert_false(kn_sleeve_config_changed(NULL, f->file));
    g_assert_cmpuint(kn_core_get_status(f->core)->sleeve_parts, ==, 0);
    g_assert_false(kn_gpio_mock_requested(f->chip0, BUTTON));
    g_assert_true(kn_sleeve_config_changed(NULL, write_conf(f, full_conf)));
}

static void test_config_changed(Fixture *f, gconstpointer data)
{
    g_autoptr(GString) more = g_string_new(full_conf);

    start_sleeve(f, full_conf);
    g_assert_false(kn_sleeve_config_changed(f->sleeve, f->file));
    g_string_append(more, "active_low = true\n");
    g_assert_true(kn_sleeve_config_changed(f->sleeve, write_conf(f, more->str)));
    /* Replaced: the old lines are released, the new ones requested. */
    g_clear_pointer(&f->sleeve, kn_sleeve_free);
    g_assert_true(kn_gpio_mock_wait_released(f->chip0, LED, (guint) (5000 * slowdown)));
    g_assert_true(kn_gpio_mock_wait_released(f->chip0, BUTTON, (guint) (5000 * slowdown)));
    g_assert_true(kn_gpio_mock_wait_released(f->chip0, MOTOR, (guint) (5000 * slowdown)));
    start_sleeve(f, more->str);
    g_assert_cmpuint(kn_gpio_mock_flags(f->chip0, LED), ==,
                     GPIOHANDLE_REQUEST_OUTPUT | GPIOHANDLE_REQUEST_ACTIVE_LOW);
}

int main(int argc, char **argv)
{
    const char *slow = g_getenv("KNEED_TEST_SLOWDOWN");

    /* The preload must be in place before the program starts. */
    kn_test_under_umockdev(argc, argv);
    if (slow && g_ascii_strtod(slow, NULL) >= 1)
        slowdown = g_ascii_strtod(slow, NULL);
    g_test_init(&argc, &argv, NULL);
#define ADD(path, fn) g_test_add(path, Fixture, NULL, setup, fn, teardown)
    ADD("/sleeve/gpio/output-lines", test_output_lines);
    ADD("/sleeve/gpio/errors", test_wrapper_errors);
    ADD("/sleeve/gpio/edges", test_edges);
    ADD("/sleeve/gpio/search-every-chip", test_search_every_chip);
    ADD("/sleeve/publisher/short-press-marks-pain", test_short_press_marks_pain);
    ADD("/sleeve/publisher/double-press-session", test_double_press_session);
    ADD("/sleeve/publisher/long-press-pairing", test_long_press_pairing);
    ADD("/sleeve/publisher/confirmation", test_confirmation);
    ADD("/sleeve/publisher/alert-pattern-timing", test_alert_pattern_timing);
    ADD("/sleeve/publisher/identify", test_identify);
    ADD("/sleeve/publisher/identify-without-motor", test_identify_without_motor);
    ADD("/sleeve/publisher/metronome", test_metronome);
    ADD("/sleeve/publisher/led", test_led);
    ADD("/sleeve/publisher/runtime-failure", test_runtime_failure);
    ADD("/sleeve/publisher/start-errors", test_start_errors);
    ADD("/sleeve/publisher/nothing-configured", test_nothing_configured);
    ADD("/sleeve/publisher/config-changed", test_config_changed);
    return g_test_run();
}
