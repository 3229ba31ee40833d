/* SPDX-License-Identifier: GPL-2.0-or-later */
/* kneed's watchdog (daemon/sd.c) against systemd's side of the notify
 * protocol played by this test: a datagram socket in $NOTIFY_SOCKET,
 * $WATCHDOG_USEC set, libsystemd's real sd_notify().  The core runs a
 * source the test feeds by hand (tests/core-fixture.h), on a test clock, so
 * that every expected ping is counted, and every withheld one is absent,
 * at an exact time: WATCHDOG=1 at half the interval while frames arrive;
 * none once a source stops delivering without ending or saying why (a
 * wedged driver, so that systemd restarts kneed), with one "Stalled:"
 * status; pings again when frames come back; pings throughout while the
 * source is legitimately idle (it ended, there is none, it said it is
 * quiet until a time). */
#include <glib.h>
#include <glib/gstdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "daemon/sd.h"
#include "tests/core-fixture.h"

#define WATCHDOG_USEC "2000000"            /* pings every second */

/* ---- systemd's side ---- */

typedef struct {
    char *dir;
    int sock;
    KnClock *clock;
    KnCore *core;
    KnSystemd *sd;
} WatchdogFixture;

typedef struct {
    guint pings;
    GPtrArray *statuses;          /* char*: the STATUS= values */
} Heard;

/* Everything kneed sent so far: sd_notify() has returned, so its datagrams
 * are in the socket already. */
static void drain(WatchdogFixture *f, Heard *h)
{
    char buf[4096];
    ssize_t n;

    memset(h, 0, sizeof(*h));
    h->statuses = g_ptr_array_new_with_free_func(g_free);
    while ((n = recv(f->sock, buf, sizeof(buf) - 1, MSG_DONTWAIT)) > 0) {
        g_auto(GStrv) lines = NULL;

        buf[n] = '\0';
        lines = g_strsplit(buf, "\n", -1);
        for (char **l = lines; *l; l++) {
            if (strcmp(*l, "WATCHDOG=1") == 0)
                h->pings++;
            else if (g_str_has_prefix(*l, "STATUS="))
                g_ptr_array_add(h->statuses, g_strdup(*l + strlen("STATUS=")));
        }
    }
}

static void heard_clear(Heard *h)
{
    g_clear_pointer(&h->statuses, g_ptr_array_unref);
}

/* Pings heard over `seconds` one-second periods, one period at a time,
 * feeding a frame before each when `frames`. */
static guint run(WatchdogFixture *f, int seconds, gboolean frames)
{
    guint pings = 0;

    for (int i = 0; i < seconds; i++) {
        Heard h;

        if (frames)
            feed(1);
        kn_clock_test_advance(f->clock, S);
        drain(f, &h);
        g_assert_cmpuint(h.pings, <=, 1);
        pings += h.pings;
        heard_clear(&h);
    }
    return pings;
}

static void wd_setup(WatchdogFixture *f, gconstpointer data)
{
    g_autoptr(GError) error = NULL;
    g_autofree char *path = NULL;
    struct sockaddr_un sa = { .sun_family = AF_UNIX };
    KnCoreOptions opts;
    KnDriverOptions dopts;
    Heard h;

    f->dir = g_dir_make_tmp("kneed-watchdog-XXXXXX", &error);
    g_assert_no_error(error);
    path = g_build_filename(f->dir, "notify", NULL);
    g_assert_cmpuint(strlen(path), <, sizeof(sa.sun_path));
    strcpy(sa.sun_path, path);
    f->sock = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    g_assert_cmpint(f->sock, >=, 0);
    g_assert_cmpint(bind(f->sock, (struct sockaddr *) &sa, sizeof(sa)), ==, 0);
    g_setenv("NOTIFY_SOCKET", path, TRUE);
    g_setenv("WATCHDOG_USEC", WATCHDOG_USEC, TRUE);
    g_unsetenv("WATCHDOG_PID");

    f->clock = kn_clock_new_test(T0, WALL0);
    kn_core_options_init(&opts);
    opts.clock = f->clock;
    f->core = kn_core_new(&opts, &error);
    g_assert_no_error(error);
    kn_driver_options_init(&dopts);
    g_assert_true(kn_core_set_source(f->core, &manual_driver, &dopts, &error));
    g_assert_no_error(error);
    next_t = 0;
    f->sd = kn_systemd_new(f->core);
    kn_systemd_ready(f->sd);
    drain(f, &h);
    g_assert_cmpuint(h.pings, ==, 0);
    heard_clear(&h);
}

static void wd_teardown(WatchdogFixture *f, gconstpointer data)
{
    g_autofree char *path = g_build_filename(f->dir, "notify", NULL);

    kn_systemd_free(f->sd);
    kn_core_free(f->core);
    kn_clock_unref(f->clock);
    g_assert_null(manual_dev);
    close(f->sock);
    g_unlink(path);
    g_rmdir(f->dir);
    g_free(f->dir);
    g_unsetenv("NOTIFY_SOCKET");
    g_unsetenv("WATCHDOG_USEC");
}

static void test_streaming(WatchdogFixture *f, gconstpointer data)
{
    Heard h;

    /* Half of WATCHDOG_USEC: one ping per second, none in between. */
    feed(1);
    kn_clock_test_advance(f->clock, S - 1);
    drain(f, &h);
    g_assert_cmpuint(h.pings, ==, 0);
    heard_clear(&h);
    kn_clock_test_advance(f->clock, 1);
    drain(f, &h);
    g_assert_cmpuint(h.pings, ==, 1);
    heard_clear(&h);
    g_assert_cmpuint(run(f, 60, TRUE), ==, 60);
}

static void test_wedged(WatchdogFixture *f, gconstpointer data)
{
    Heard h;

    g_assert_cmpuint(run(f, 10, TRUE), ==, 10);
    /* The source stops delivering and says nothing: pings while the
     * silence is under KN_CORE_STALL_S (the last frame came a second ago:
     * 2 .. 4 s), then none. */
    g_assert_cmpuint(run(f, KN_CORE_STALL_S - 2, FALSE), ==, KN_CORE_STALL_S - 2);
    g_test_expect_message("kneed", G_LOG_LEVEL_WARNING,
                          "watchdog: source manual sent no frame for 5.0 s*");
    kn_clock_test_advance(f->clock, S);
    g_test_assert_expected_messages();
    drain(f, &h);
    g_assert_cmpuint(h.pings, ==, 0);
    g_assert_cmpuint(h.statuses->len, ==, 1);
    g_assert_cmpstr(g_ptr_array_index(h.statuses, 0), ==,
                    "Stalled: source manual sent no frame for 5 s");
    heard_clear(&h);
    /* Never again while it stays wedged (systemd would have restarted us
     * after WatchdogSec); said once. */
    g_assert_cmpuint(run(f, 120, FALSE), ==, 0);

    /* Frames come back before that: pings again, and the status says so. */
    feed(1);
    kn_clock_test_advance(f->clock, S);
    drain(f, &h);
    g_assert_cmpuint(h.pings, ==, 1);
    g_assert_cmpuint(h.statuses->len, ==, 1);
    g_assert_true(g_str_has_prefix(g_ptr_array_index(h.statuses, 0), "Streaming manual"));
    heard_clear(&h);
    g_assert_cmpuint(run(f, 10, TRUE), ==, 10);
}

static void test_ended(WatchdogFixture *f, gconstpointer data)
{
    Heard h;

    g_assert_cmpuint(run(f, 3, TRUE), ==, 3);
    /* A replay that reached its end: idle, legitimately, for good. */
    kn_device_emit_finished(manual_dev, NULL);
    drain(f, &h);
    g_assert_cmpuint(h.statuses->len, ==, 1);
    g_assert_cmpstr(g_ptr_array_index(h.statuses, 0), ==, "Idle: the source has stopped");
    heard_clear(&h);
    g_assert_cmpuint(run(f, 120, FALSE), ==, 120);
    /* No source at all. */
    kn_core_clear_source(f->core);
    g_assert_cmpuint(run(f, 60, FALSE), ==, 60);
}

static void test_failed(WatchdogFixture *f, gconstpointer data)
{
    g_autoptr(GError) error = g_error_new_literal(KN_DRIVER_ERROR, KN_DRIVER_ERROR_IO,
                                                  "read error");

    /* A source that failed and stopped: idle, its error in the status. */
    g_assert_cmpuint(run(f, 3, TRUE), ==, 3);
    g_test_expect_message("kneed", G_LOG_LEVEL_WARNING, "source manual failed: read error");
    kn_device_emit_finished(manual_dev, error);
    g_test_assert_expected_messages();
    g_assert_cmpuint(run(f, 60, FALSE), ==, 60);
}

static void test_quiet(WatchdogFixture *f, gconstpointer data)
{
    Heard h;

    g_assert_cmpuint(run(f, 3, TRUE), ==, 3);
    /* Every device failed, the next retry is in 30 s (a back-off): the
     * silence is meant until then, and KN_CORE_STALL_S more (the last
     * frame came a second ago). */
    kn_device_set_idle_until(manual_dev, kn_clock_now(f->clock) + 30 * S);
    g_assert_cmpuint(run(f, 30 + KN_CORE_STALL_S - 1, FALSE), ==, 30 + KN_CORE_STALL_S - 1);
    g_test_expect_message("kneed", G_LOG_LEVEL_WARNING, "watchdog: source manual sent no frame*");
    kn_clock_test_advance(f->clock, S);
    g_test_assert_expected_messages();
    drain(f, &h);
    g_assert_cmpuint(h.pings, ==, 0);
    g_assert_cmpuint(h.statuses->len, ==, 1);
    g_assert_cmpstr(g_ptr_array_index(h.statuses, 0), ==,
                    "Stalled: source manual sent no frame for 36 s");
    heard_clear(&h);
    g_assert_cmpuint(run(f, 10, FALSE), ==, 0);
    /* The retry worked. */
    kn_device_set_idle_until(manual_dev, 0);
    g_assert_cmpuint(run(f, 10, TRUE), ==, 10);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
#define ADD(path, fn) g_test_add(path, WatchdogFixture, NULL, wd_setup, fn, wd_teardown)
    ADD("/watchdog/streaming", test_streaming);
    ADD("/watchdog/wedged", test_wedged);
    ADD("/watchdog/idle/ended", test_ended);
    ADD("/watchdog/idle/failed", test_failed);
    ADD("/watchdog/idle/quiet", test_quiet);
#undef ADD
    return g_test_run();
}
