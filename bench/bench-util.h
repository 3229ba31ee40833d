/* SPDX-License-Identifier: GPL-2.0-or-later */
/* What the daemon benchmarks share (bench/bench-daemon.c, bench-iio.c). */
#pragma once

#include <gio/gio.h>

/* A process's memory, CPU and voluntary context switches (one per
 * wake-up from poll()) of its main thread and of all its threads. */
typedef struct {
    gint64 t_us;
    long rss_kb, anon_kb, pss_kb, hwm_kb;
    guint64 cpu_ticks;             /* utime + stime, clock ticks */
    guint64 utime_ticks, stime_ticks;
    guint64 cpu_ns;                /* on the CPU, all threads (schedstat) */
    guint64 main_switches, all_switches;
} KnBenchSample;

/* dbus-daemon --session of our own: its address; *ret_pid to kill. */
char *kn_bench_spawn_bus(GPid *ret_pid);
gboolean kn_bench_name_owned(GDBusConnection *c);
void kn_bench_sample(GPid pid, KnBenchSample *s);
/* p-th percentile of doubles (sorts a). */
double kn_bench_percentile(GArray *a, double p);
void kn_bench_print_latency(const char *what, GArray *a);
guint kn_bench_env_uint(const char *name, guint def);
