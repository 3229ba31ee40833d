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

static char *spawn_bus(GPid *ret_pid)
{
    g_autoptr(GError) error = NULL;
    const char *argv[] = { "dbus-daemon", "--session", "--nofork", "--nopidfile",
                           "--print-address=1", NULL };
    g_autoptr(GIOChannel) ch = NULL;
    char *line = NULL;
    int out;

    if (!g_spawn_async_with_pipes(NULL, (char **) argv, NULL, G_SPAWN_SEARCH_PATH |
                                  G_SPAWN_DO_NOT_REAP_CHILD | G_SPAWN_STDERR_TO_DEV_NULL,
                                  NULL, NULL, ret_pid, NULL, &out, NULL, &error)) {
        fprintf(stderr, "bench-daemon: dbus-daemon: %s\n", error->message);
        exit(1);
    }
    ch = g_io_channel_unix_new(out);
    g_io_channel_set_close_on_unref(ch, TRUE);
    if (g_io_channel_read_line(ch, &line, NULL, NULL, &error) != G_IO_STATUS_NORMAL) {
        fprintf(stderr, "bench-daemon: no address from dbus-daemon\n");
        exit(1);
    }
    return g_strstrip(line);
}

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

static gboolean name_owned(GDBusConnection *c)
{
    g_autoptr(GVariant) v = g_dbus_connection_call_sync(c, "org.freedesktop.DBus",
        "/org/freedesktop/DBus", "org.freedesktop.DBus", "NameHasOwner",
        g_variant_new("(s)", "org.kneed.Kneed1"), G_VARIANT_TYPE("(b)"), 0, 5000, NULL, NULL);
    gboolean b = FALSE;

    if (v)
        g_variant_get(v, "(b)", &b);
    return b;
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
    r->address = spawn_bus(&r->bus_pid);
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
    while (!name_owned(r->conn)) {
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

/* ---- /proc ---- */

typedef struct {
    gint64 t_us;
    long rss_kb, anon_kb, pss_kb, hwm_kb;
    guint64 cpu_ticks;
    guint64 main_switches, all_switches;
} Sample;

static long status_kb(const char *text, const char *key)
{
    const char *p = strstr(text, key);

    return p ? strtol(p + strlen(key), NULL, 10) : -1;
}

static guint64 switches(const char *status_path)
{
    g_autofree char *text = NULL;

    if (!g_file_get_contents(status_path, &text, NULL, NULL))
        return 0;
    return (guint64) status_kb(text, "voluntary_ctxt_switches:");
}

static void sample(GPid pid, Sample *s)
{
    g_autofree char *path = g_strdup_printf("/proc/%d/status", pid);
    g_autofree char *stat_path = g_strdup_printf("/proc/%d/stat", pid);
    g_autofree char *smaps_path = g_strdup_printf("/proc/%d/smaps_rollup", pid);
    g_autofree char *task_dir = g_strdup_printf("/proc/%d/task", pid);
    g_autofree char *text = NULL;
    g_autofree char *stat = NULL;
    g_autofree char *smaps = NULL;
    g_autoptr(GDir) dir = NULL;
    const char *name;
    const char *p;

    memset(s, 0, sizeof(*s));
    s->t_us = g_get_monotonic_time();
    if (g_file_get_contents(path, &text, NULL, NULL)) {
        s->rss_kb = status_kb(text, "VmRSS:");
        s->anon_kb = status_kb(text, "RssAnon:");
        s->hwm_kb = status_kb(text, "VmHWM:");
    }
    if (g_file_get_contents(smaps_path, &smaps, NULL, NULL))
        s->pss_kb = status_kb(smaps, "\nPss:");
    /* Fields 14 and 15 (utime, stime) follow the ')' closing comm. */
    if (g_file_get_contents(stat_path, &stat, NULL, NULL) && (p = strrchr(stat, ')'))) {
        unsigned long long ut = 0, st = 0;

        if (sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu", &ut, &st) == 2)
            s->cpu_ticks = ut + st;
    }
    dir = g_dir_open(task_dir, 0, NULL);
    while (dir && (name = g_dir_read_name(dir))) {
        g_autofree char *tpath = g_strdup_printf("%s/%s/status", task_dir, name);
        guint64 n = switches(tpath);

        s->all_switches += n;
        if (atoi(name) == pid)
            s->main_switches = n;
    }
}

/* ---- statistics ---- */

static int cmp_double(gconstpointer a, gconstpointer b)
{
    double x = *(const double *) a, y = *(const double *) b;

    return (x > y) - (x < y);
}

static double percentile(GArray *a, double p)
{
    size_t i;

    if (a->len == 0)
        return NAN;
    g_array_sort(a, cmp_double);
    i = (size_t) ceil(p / 100.0 * a->len) - 1;
    return g_array_index(a, double, MIN(i, a->len - 1));
}

static void print_latency(const char *what, GArray *a)
{
    printf("  %-44s n=%u  p50 %6.2f ms  p99 %6.2f ms  max %6.2f ms\n", what, a->len,
           percentile(a, 50) / 1000, percentile(a, 99) / 1000,
           percentile(a, 100) / 1000);
}

typedef struct {
    GMainLoop *loop;
    GPid pid;
    Sample first, last;
    long rss_max, anon_max;
    GArray *anon_kb;              /* long, one per sample (every 5 s) */
} Bench;

static gboolean take_sample(gpointer user_data)
{
    Bench *b = user_data;
    Sample s;

    sample(b->pid, &s);
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

static guint env_uint(const char *name, guint def)
{
    const char *v = g_getenv(name);

    return v && *v ? (guint) strtoul(v, NULL, 10) : def;
}

int main(int argc, char **argv)
{
    const char *builddir = g_getenv("KNEED_BUILDDIR") ? g_getenv("KNEED_BUILDDIR") : ".";
    g_autofree char *kneed = g_build_filename(builddir, "daemon", "kneed", NULL);
    guint events = env_uint("KNEED_BENCH_EVENTS", 200);
    double min_s = EVENT_FIRST_S + EVENT_SPACING_S * events + 3;
    double run_s = MAX(min_s, env_uint("KNEED_BENCH_SECONDS", 0));
    Run runs[2] = { { .label = "default", .batch_ms = 50 }, { .label = "low-latency", .batch_ms = 5 } };
    Bench bench = { 0 };
    const Sample *first = &bench.first, *last = &bench.last;
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
        print_latency("processing (batch arrival -> Alert received)", r->processing_us);
        print_latency("end to end (sample -> Alert received)", r->end_to_end_us);
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
