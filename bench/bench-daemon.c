/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * bench-daemon: the real kneed streaming the simulated sleeve at 1 kHz in
 * real time, with a scripted hyperextension every 2 s, each daemon on its
 * own private dbus-daemon with this program as the client.  Two daemons
 * run side by side: the default batch period (50 ms) and a low-latency
 * one (5 ms).  Printed:
 *
 * - processing latency: arrival of the batch holding the hyperextension
 *   (stamped by kneed, details "batch_monotonic_us") -> Alert received
 *   here, p50/p99/max;
 * - end-to-end latency: the triggering sample's time (SourceTimeOrigin +
 *   t_s) -> Alert received here, p50/p99/max;
 * - for the default daemon over the whole run: RSS (VmRSS, private
 *   RssAnon, PSS) at start and end and the peak, CPU, and wake-ups per
 *   second counted as voluntary context switches of the main-loop thread
 *   and of all threads (/proc/PID/task/TID/status): a thread is switched
 *   out voluntarily exactly when it blocks in poll() with nothing to do,
 *   so each one is a wake-up that follows.
 *
 * Environment: KNEED_BENCH_EVENTS (200), KNEED_BENCH_SECONDS (long
 * enough for the events; 600 for the 10-minute run),
 * KNEED_BUILDDIR (.).  Both clocks are CLOCK_MONOTONIC, on one machine.
 */
#include <gio/gio.h>
#include <glib/gstdio.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench/bench-util.h"

#define EVENT_FIRST_S 12.0
#define EVENT_SPACING_S 2.0

typedef struct {
    const char *label;
    guint batch_ms;
    GPid bus_pid;
    GPid kneed_pid;
    char *address;
    GDBusConnection *conn;
    gint64 origin_us;
    GArray *processing_us;        /* double */
    GArray *end_to_end_us;        /* double */
    guint other_alerts;
} Run;

static char *tmpdir;


static char *write_config(const Run *r, double duration_s, guint events)
{
    g_autoptr(GString) s = g_string_new(NULL);
    g_autoptr(GError) error = NULL;
    char *path = g_strdup_printf("%s/%s.conf", tmpdir, r->label);

    g_string_append_printf(s, "[daemon]\nsource = simulated\nbatch_ms = %u\n\n"
                              "[simulated]\nrate_hz = 1000\nrepeat = true\n"
                              "blocks = stand:5; run:%.0f:170:3.3; stand:5\nevents = ",
                           r->batch_ms, duration_s);
    for (guint i = 0; i < events; i++)
        g_string_append_printf(s, "%shyperextension@%.1f:depth=15,speed=400", i ? "; " : "",
                               EVENT_FIRST_S + EVENT_SPACING_S * i);
    g_string_append(s, "\n");
    g_file_set_contents(path, s->str, -1, &error);
    g_assert_no_error(error);
    return path;
}

static void on_alert(GDBusConnection *conn, const char *sender, const char *path,
                     const char *iface, const char *signal, GVariant *args, gpointer user_data)
{
    gint64 now = g_get_monotonic_time();
    Run *r = user_data;
    g_autoptr(GVariant) details = NULL;
    const char *kind;
    gint64 batch_us;
    double t_s, v;

    g_variant_get(args, "(t&s&sxdd&s@a{sv})", NULL, &kind, NULL, NULL, NULL, NULL, NULL,
                  &details);
    if (strcmp(kind, "hyperextension") != 0) {
        r->other_alerts++;
        return;
    }
    if (!g_variant_lookup(details, "t_s", "d", &t_s) ||
        !g_variant_lookup(details, "batch_monotonic_us", "x", &batch_us))
        return;
    v = (double) (now - batch_us);
    g_array_append_val(r->processing_us, v);
    v = (double) now - ((double) r->origin_us + t_s * 1e6);
    g_array_append_val(r->end_to_end_us, v);
}


static void start_run(Run *r, const char *kneed, double duration_s, guint events)
{
    g_autoptr(GError) error = NULL;
    g_autofree char *config = write_config(r, duration_s, events);
    g_auto(GStrv) env = g_get_environ();
    g_autoptr(GVariant) origin = NULL;
    g_autoptr(GVariant) v = NULL;
    const char *argv[] = { kneed, "--session", "--config", config, NULL };
    gint64 deadline;

    r->processing_us = g_array_new(FALSE, FALSE, sizeof(double));
    r->end_to_end_us = g_array_new(FALSE, FALSE, sizeof(double));
    r->address = kn_bench_spawn_bus(&r->bus_pid);
    r->conn = g_dbus_connection_new_for_address_sync(r->address,
        G_DBUS_CONNECTION_FLAGS_AUTHENTICATION_CLIENT |
        G_DBUS_CONNECTION_FLAGS_MESSAGE_BUS_CONNECTION, NULL, NULL, &error);
    g_assert_no_error(error);
    g_dbus_connection_signal_subscribe(r->conn, "org.kneed.Kneed1", "org.kneed.Kneed1.Daemon",
                                       "Alert", "/org/kneed/Kneed1", NULL,
                                       G_DBUS_SIGNAL_FLAGS_NONE, on_alert, r, NULL);
    env = g_environ_setenv(g_steal_pointer(&env), "DBUS_SESSION_BUS_ADDRESS", r->address, TRUE);
    env = g_environ_unsetenv(g_steal_pointer(&env), "G_MESSAGES_DEBUG");
    if (!g_spawn_async(NULL, (char **) argv, env, G_SPAWN_DO_NOT_REAP_CHILD |
                       G_SPAWN_STDOUT_TO_DEV_NULL | G_SPAWN_STDERR_TO_DEV_NULL, NULL, NULL, &r->kneed_pid, &error)) {
        fprintf(stderr, "bench-daemon: %s: %s\n", kneed, error->message);
        exit(1);
    }
    deadline = g_get_monotonic_time() + 10 * G_USEC_PER_SEC;
    while (!kn_bench_name_owned(r->conn)) {
        if (g_get_monotonic_time() > deadline) {
            fprintf(stderr, "bench-daemon: kneed (%s) did not start\n", r->label);
            exit(1);
        }
        g_usleep(20000);
    }
    v = g_dbus_connection_call_sync(r->conn, "org.kneed.Kneed1", "/org/kneed/Kneed1",
                                    "org.freedesktop.DBus.Properties", "Get",
                                    g_variant_new("(ss)", "org.kneed.Kneed1.Daemon",
                                                  "SourceTimeOrigin"),
                                    G_VARIANT_TYPE("(v)"), 0, 5000, NULL, &error);
    g_assert_no_error(error);
    g_variant_get(v, "(v)", &origin);
    r->origin_us = g_variant_get_int64(origin);
}

static void stop_run(Run *r)
{
    kill(r->kneed_pid, SIGTERM);
    waitpid(r->kneed_pid, NULL, 0);
    g_dbus_connection_close_sync(r->conn, NULL, NULL);
    g_object_unref(r->conn);
    kill(r->bus_pid, SIGTERM);
    waitpid(r->bus_pid, NULL, 0);
    g_spawn_close_pid(r->kneed_pid);
    g_spawn_close_pid(r->bus_pid);
}

typedef struct {
    GMainLoop *loop;
    GPid pid;
    KnBenchSample first, last;
    long rss_max, anon_max;
    GArray *anon_kb;              /* long, one per sample (every 5 s) */
} Bench;

static gboolean take_sample(gpointer user_data)
{
    Bench *b = user_data;
    KnBenchSample s;

    kn_bench_sample(b->pid, &s);
    if (!b->first.t_us)
        b->first = s;
    b->last = s;
    b->rss_max = MAX(b->rss_max, s.rss_kb);
    b->anon_max = MAX(b->anon_max, s.anon_kb);
    g_array_append_val(b->anon_kb, s.anon_kb);
    return G_SOURCE_CONTINUE;
}

static gboolean start_sampling(gpointer user_data)
{
    take_sample(user_data);
    g_timeout_add_seconds(5, take_sample, user_data);
    return G_SOURCE_REMOVE;
}

static gboolean stop_loop(gpointer user_data)
{
    Bench *b = user_data;

    take_sample(b);
    g_main_loop_quit(b->loop);
    return G_SOURCE_REMOVE;
}


int main(int argc, char **argv)
{
    const char *builddir = g_getenv("KNEED_BUILDDIR") ? g_getenv("KNEED_BUILDDIR") : ".";
    g_autofree char *kneed = g_build_filename(builddir, "daemon", "kneed", NULL);
    guint events = kn_bench_env_uint("KNEED_BENCH_EVENTS", 200);
    double min_s = EVENT_FIRST_S + EVENT_SPACING_S * events + 3;
    double run_s = MAX(min_s, kn_bench_env_uint("KNEED_BENCH_SECONDS", 0));
    Run runs[2] = { { .label = "default", .batch_ms = 50 }, { .label = "low-latency", .batch_ms = 5 } };
    Bench bench = { 0 };
    const KnBenchSample *first = &bench.first, *last = &bench.last;
    long ticks = sysconf(_SC_CLK_TCK);
    double secs;

    if (!g_file_test(kneed, G_FILE_TEST_IS_EXECUTABLE)) {
        fprintf(stderr, "bench-daemon: no kneed at %s (run from the build directory)\n", kneed);
        return 1;
    }
    tmpdir = g_dir_make_tmp("kneed-bench-XXXXXX", NULL);
    printf("kneed streaming the simulated sleeve at 1 kHz in real time, a hyperextension "
           "every %.0f s (%u events), %.0f s\n", EVENT_SPACING_S, events, run_s);
    for (int i = 0; i < 2; i++)
        start_run(&runs[i], kneed, run_s, events);

    /* The client blocks in the main loop: a signal is handled as soon as
     * it arrives, as in any real client. */
    bench.loop = g_main_loop_new(NULL, FALSE);
    bench.anon_kb = g_array_new(FALSE, FALSE, sizeof(long));
    bench.pid = runs[0].kneed_pid;
    /* Start-up (bus, sim, first publications) is not steady state. */
    g_timeout_add_seconds(10, start_sampling, &bench);
    g_timeout_add((guint) (run_s * 1000), stop_loop, &bench);
    g_main_loop_run(bench.loop);
    for (int i = 0; i < 50; i++)
        g_main_context_iteration(NULL, FALSE);
    for (int i = 0; i < 2; i++)
        stop_run(&runs[i]);

    for (int i = 0; i < 2; i++) {
        Run *r = &runs[i];

        printf("batch %u ms (%s): %u of %u hyperextensions alerted, %u other alerts\n",
               r->batch_ms, r->label, r->processing_us->len, events, r->other_alerts);
        kn_bench_print_latency("processing (batch arrival -> Alert received)", r->processing_us);
        kn_bench_print_latency("end to end (sample -> Alert received)", r->end_to_end_us);
    }
    secs = (last->t_us - first->t_us) / 1e6;
    printf("steady state of the default daemon over %.0f s (after 10 s of start-up):\n", secs);
    printf("  RSS %.2f MB at start, %.2f MB at end, %.2f MB peak (VmHWM %.2f MB)\n",
           first->rss_kb / 1024.0, last->rss_kb / 1024.0, bench.rss_max / 1024.0, last->hwm_kb / 1024.0);
    printf("  private (RssAnon) %.2f MB at start, %.2f MB at end, %.2f MB peak; "
           "PSS %.2f MB at end\n", first->anon_kb / 1024.0, last->anon_kb / 1024.0,
           bench.anon_max / 1024.0, last->pss_kb / 1024.0);
    printf("  private memory over the run (KB, at 0, 25, 50, 75, 100 %%):");
    for (int q = 0; q <= 4 && bench.anon_kb->len > 0; q++)
        printf(" %ld", g_array_index(bench.anon_kb, long, (bench.anon_kb->len - 1) * q / 4));
    printf("\n");
    printf("  CPU %.2f %% of one core\n",
           secs > 0 ? 100.0 * (double) (last->cpu_ticks - first->cpu_ticks) / ticks / secs : NAN);
    printf("  wake-ups %.1f /s in the main-loop thread, %.1f /s in all threads\n",
           secs > 0 ? (last->main_switches - first->main_switches) / secs : NAN,
           secs > 0 ? (last->all_switches - first->all_switches) / secs : NAN);
    for (int i = 0; i < 2; i++) {
        g_autofree char *conf = g_strdup_printf("%s/%s.conf", tmpdir, runs[i].label);

        g_unlink(conf);
    }
    g_rmdir(tmpdir);
    g_main_loop_unref(bench.loop);
    g_array_unref(bench.anon_kb);
    return 0;
}
