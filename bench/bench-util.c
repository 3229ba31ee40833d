/* SPDX-License-Identifier: GPL-2.0-or-later */
/* What the daemon benchmarks share: a private bus, /proc samples of a
 * process, percentiles. */
#include <gio/gio.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench/bench-util.h"

char *kn_bench_spawn_bus(GPid *ret_pid)
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
        fprintf(stderr, "bench: dbus-daemon: %s\n", error->message);
        exit(1);
    }
    ch = g_io_channel_unix_new(out);
    g_io_channel_set_close_on_unref(ch, TRUE);
    if (g_io_channel_read_line(ch, &line, NULL, NULL, &error) != G_IO_STATUS_NORMAL) {
        fprintf(stderr, "bench: no address from dbus-daemon\n");
        exit(1);
    }
    return g_strstrip(line);
}

gboolean kn_bench_name_owned(GDBusConnection *c)
{
    g_autoptr(GVariant) v = g_dbus_connection_call_sync(c, "org.freedesktop.DBus",
        "/org/freedesktop/DBus", "org.freedesktop.DBus", "NameHasOwner",
        g_variant_new("(s)", "org.kneed.Kneed1"), G_VARIANT_TYPE("(b)"), 0, 5000, NULL, NULL);
    gboolean b = FALSE;

    if (v)
        g_variant_get(v, "(b)", &b);
    return b;
}

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

void kn_bench_sample(GPid pid, KnBenchSample *s)
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

        if (sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu", &ut, &st) == 2) {
            s->cpu_ticks = ut + st;
            s->utime_ticks = ut;
            s->stime_ticks = st;
        }
    }
    dir = g_dir_open(task_dir, 0, NULL);
    while (dir && (name = g_dir_read_name(dir))) {
        g_autofree char *tpath = g_strdup_printf("%s/%s/status", task_dir, name);
        g_autofree char *spath = g_strdup_printf("%s/%s/schedstat", task_dir, name);
        g_autofree char *sched = NULL;
        guint64 n = switches(tpath);

        /* schedstat: ns on the CPU, exact where stat counts 10 ms ticks. */
        if (g_file_get_contents(spath, &sched, NULL, NULL))
            s->cpu_ns += g_ascii_strtoull(sched, NULL, 10);

        s->all_switches += n;
        if (atoi(name) == pid)
            s->main_switches = n;
    }
}

static int cmp_double(gconstpointer a, gconstpointer b)
{
    double x = *(const double *) a, y = *(const double *) b;

    return (x > y) - (x < y);
}

double kn_bench_percentile(GArray *a, double p)
{
    size_t i;

    if (a->len == 0)
        return NAN;
    g_array_sort(a, cmp_double);
    i = (size_t) ceil(p / 100.0 * a->len) - 1;
    return g_array_index(a, double, MIN(i, a->len - 1));
}

void kn_bench_print_latency(const char *what, GArray *a)
{
    printf("  %-44s n=%u  p50 %6.2f ms  p99 %6.2f ms  max %6.2f ms\n", what, a->len,
           kn_bench_percentile(a, 50) / 1000, kn_bench_percentile(a, 99) / 1000,
           kn_bench_percentile(a, 100) / 1000);
}

guint kn_bench_env_uint(const char *name, guint def)
{
    const char *v = g_getenv(name);

    return v && *v ? (guint) strtoul(v, NULL, 10) : def;
}
