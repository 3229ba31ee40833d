/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * bench-iio: the real kneed on the IIO source, two IMUs (bmi160, 1 kHz,
 * hrtimer trigger) and the flexion ADC (ads1015, 250 Hz) streamed in real
 * time through umockdev's fake devices (the tests/iio/ test beds; libiio's
 * real local backend reads them), a hyperextension every 2 s from the
 * simulated sleeve's model; then the same run on the simulated source, for
 * comparison.  A feeder thread plays the kernel: scans land in the
 * buffers as they are sampled, and the leader's node (the thigh IMU) turns
 * readable once its watermark (batch_ms of samples) is reached.  Printed
 * per source:
 *
 * - main-loop wake-ups per second: voluntary context switches of kneed's
 *   main thread (it is switched out only when it blocks in poll());
 * - CPU, % of one core, over the steady state = CPU s per s of sensor time;
 * - sample-to-alert latency: the triggering sample's timestamp (details
 *   "sample_monotonic_us") to the Alert received here; and the batch's
 *   arrival in kneed ("batch_monotonic_us") to the Alert.
 *
 * Then, without any kernel (real or faked), what each source costs in
 * user space per second of sensor data: the IIO source's decoding and
 * alignment (drivers/iio-device.c's decoder, drivers/iio-align.c) against
 * the simulated sleeve's model.
 *
 * Environment: KNEED_BENCH_SECONDS (40), KNEED_BUILDDIR (.),
 * KNEED_SRCDIR (the source tree), KNEED_BENCH_BATCH_MS (50).
 */
#include <errno.h>
#include <gio/gio.h>
#include <glib/gstdio.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <umockdev.h>
#include <unistd.h>

#include "bench/bench-util.h"
#include "drivers/flex-cal.h"
#include "drivers/iio-internal.h"
#include "drivers/sim-model.h"
#include "tests/umockdev-helpers.h"

#define EVENT_FIRST_S 12.0
#define EVENT_SPACING_S 2.0
#define WARMUP_S 10
/* bmi160's widest ranges, which kneed picks. */
#define ACCEL_SCALE 0.004788
#define GYRO_SCALE 0.001065

typedef struct {
    const char *label;
    GPid bus_pid, kneed_pid;
    GDBusConnection *conn;
    GArray *end_to_end_us, *processing_us;
    guint other_alerts;
    KnBenchSample first, last;
} Run;

typedef struct {
    UMockdevTestbed *tb;
    double seconds;
    guint batch_ms;
    GThread *thread;
    gint stop;
} Feeder;

static char *tmpdir;

static void on_alert(GDBusConnection *conn, const char *sender, const char *path,
                     const char *iface, const char *signal, GVariant *args, gpointer user_data)
{
    gint64 now = g_get_monotonic_time();
    Run *r = user_data;
    g_autoptr(GVariant) details = NULL;
    const char *kind;
    gint64 sample_us, batch_us;
    double v;

    g_variant_get(args, "(t&s&sxdd&s@a{sv})", NULL, &kind, NULL, NULL, NULL, NULL, NULL,
                  &details);
    if (strcmp(kind, "hyperextension") != 0) {
        r->other_alerts++;
        return;
    }
    if (!g_variant_lookup(details, "sample_monotonic_us", "x", &sample_us) ||
        !g_variant_lookup(details, "batch_monotonic_us", "x", &batch_us))
        return;
    v = (double) (now - sample_us);
    g_array_append_val(r->end_to_end_us, v);
    v = (double) (now - batch_us);
    g_array_append_val(r->processing_us, v);
}

static char *events_text(double seconds)
{
    GString *s = g_string_new(NULL);

    for (double t = EVENT_FIRST_S; t < seconds - 2; t += EVENT_SPACING_S)
        g_string_append_printf(s, "%shyperextension@%.1f:depth=15,speed=400", s->len ? "; " : "",
                               t);
    return g_string_free(s, FALSE);
}

static void start_run(Run *r, const char *kneed, const char *config_text)
{
    g_autoptr(GError) error = NULL;
    g_autofree char *config = g_strdup_printf("%s/%s.conf", tmpdir, r->label);
    g_autofree char *address = kn_bench_spawn_bus(&r->bus_pid);
    g_auto(GStrv) env = g_get_environ();
    const char *argv[] = { kneed, "--session", "--config", config, NULL };
    gint64 deadline = g_get_monotonic_time() + 10 * G_USEC_PER_SEC;

    g_file_set_contents(config, config_text, -1, &error);
    g_assert_no_error(error);
    r->end_to_end_us = g_array_new(FALSE, FALSE, sizeof(double));
    r->processing_us = g_array_new(FALSE, FALSE, sizeof(double));
    r->conn = g_dbus_connection_new_for_address_sync(address,
        G_DBUS_CONNECTION_FLAGS_AUTHENTICATION_CLIENT |
        G_DBUS_CONNECTION_FLAGS_MESSAGE_BUS_CONNECTION, NULL, NULL, &error);
    g_assert_no_error(error);
    g_dbus_connection_signal_subscribe(r->conn, "org.kneed.Kneed1", "org.kneed.Kneed1.Daemon",
                                       "Alert", "/org/kneed/Kneed1", NULL,
                                       G_DBUS_SIGNAL_FLAGS_NONE, on_alert, r, NULL);
    env = g_environ_setenv(g_steal_pointer(&env), "DBUS_SESSION_BUS_ADDRESS", address, TRUE);
    env = g_environ_unsetenv(g_steal_pointer(&env), "G_MESSAGES_DEBUG");
    if (!g_spawn_async(NULL, (char **) argv, env, G_SPAWN_DO_NOT_REAP_CHILD |
                       G_SPAWN_STDOUT_TO_DEV_NULL | G_SPAWN_STDERR_TO_DEV_NULL, NULL, NULL,
                       &r->kneed_pid, &error)) {
        fprintf(stderr, "bench-iio: %s: %s\n", kneed, error->message);
        exit(1);
    }
    while (!kn_bench_name_owned(r->conn)) {
        if (g_get_monotonic_time() > deadline) {
            fprintf(stderr, "bench-iio: kneed (%s) did not start\n", r->label);
            exit(1);
        }
        g_usleep(20000);
    }
}

static void stop_run(Run *r)
{
    kill(r->kneed_pid, SIGTERM);
    waitpid(r->kneed_pid, NULL, 0);
    g_dbus_connection_close_sync(r->conn, NULL, NULL);
    g_clear_object(&r->conn);
    kill(r->bus_pid, SIGTERM);
    waitpid(r->bus_pid, NULL, 0);
}

/* ---- the kernel, played by a thread ---- */

static void put16(guint8 *p, double v)
{
    gint16 x = (gint16) CLAMP(lround(v), -32768, 32767);

    p[0] = (guint8) (x & 0xff);
    p[1] = (guint8) ((guint16) x >> 8);
}

static void put64(guint8 *p, gint64 v)
{
    for (int i = 0; i < 8; i++)
        p[i] = (guint8) ((guint64) v >> (8 * i));
}

/* bmi160 accel+gyro+timestamp scan (tests/test-drv-iio.c gives the
 * layout); m is the device's mount matrix: the chip reads m^T seg. */
static void bmi_scan(GByteArray *out, const double m[3][3], const double a[3], const double g[3],
                     gint64 ts)
{
    guint8 s[24] = { 0 };

    for (int j = 0; j < 3; j++) {
        double ca = m[0][j] * a[0] + m[1][j] * a[1] + m[2][j] * a[2];
        double cg = m[0][j] * g[0] + m[1][j] * g[1] + m[2][j] * g[2];

        put16(s + 2 * j, cg / GYRO_SCALE);
        put16(s + 6 + 2 * j, ca / ACCEL_SCALE);
    }
    put64(s + 16, ts);
    g_byte_array_append(out, s, sizeof(s));
}

static void ads_scan(GByteArray *out, double knee_deg, gint64 ts)
{
    guint8 s[16] = { 0 };
    /* [flex] calibration = 100:0, 1900:180 */
    gint raw = (gint) CLAMP(lround(100 + knee_deg * 10), -2048, 2047);

    put16(s, raw * 16);
    put64(s + 8, ts);
    g_byte_array_append(out, s, sizeof(s));
}

static void write_all(int fd, GByteArray *b)
{
    gsize off = 0;

    while (off < b->len) {
        ssize_t w = write(fd, b->data + off, b->len - off);

        if (w <= 0) {
            if (w < 0 && errno == EINTR)
                continue;
            g_usleep(1000);       /* the pty is full: the reader catches up */
            continue;
        }
        off += (gsize) w;
    }
    g_byte_array_set_size(b, 0);
}

static gpointer feed(gpointer data)
{
    Feeder *f = data;
    static const double id[3][3] = { { 1, 0, 0 }, { 0, 1, 0 }, { 0, 0, 1 } };
    /* tests/iio/bmi160-1-0069.umockdev */
    static const double shank_m[3][3] = { { 0, 1, 0 }, { -1, 0, 0 }, { 0, 0, 1 } };
    struct kn_sim_config c;
    struct kn_sim *sim;
    struct kn_frame fr;
    g_autofree char *blocks = g_strdup_printf("stand:5");
    g_autofree char *run = g_strdup_printf("run:%.0f:170:3.3", f->seconds - 5);
    g_autofree char *events = events_text(f->seconds);
    g_auto(GStrv) ev = g_strsplit(events, "; ", -1);
    g_autoptr(GByteArray) thigh = g_byte_array_new(), shank = g_byte_array_new(),
                          flex = g_byte_array_new();
    int fd_thigh = umockdev_testbed_get_dev_fd(f->tb, "/dev/iio:device0");
    int fd_shank = umockdev_testbed_get_dev_fd(f->tb, "/dev/iio:device1");
    int fd_flex = umockdev_testbed_get_dev_fd(f->tb, "/dev/iio:device2");
    gint64 t0 = g_get_monotonic_time() * 1000, k = 0;
    guint watermark = f->batch_ms;          /* 1 kHz: one sample a millisecond */
    guint in_buffer = 0;
    char msg[256];

    kn_sim_config_init(&c);
    c.rate_hz = 1000;
    c.seed = 11;
    kn_sim_config_add_block(&c, blocks, msg, sizeof(msg));
    kn_sim_config_add_block(&c, run, msg, sizeof(msg));
    for (size_t i = 0; ev[i] && *ev[i]; i++)
        kn_sim_config_add_event(&c, ev[i], msg, sizeof(msg));
    if (kn_sim_config_validate(&c, msg, sizeof(msg)) < 0 || !(sim = kn_sim_new(&c))) {
        fprintf(stderr, "bench-iio: the model: %s\n", msg);
        exit(1);
    }
    /* Every 5 ms, what was sampled meanwhile. */
    for (gboolean more = TRUE; more && !g_atomic_int_get(&f->stop);) {
        gint64 now = g_get_monotonic_time() * 1000;

        while (t0 + k * 1000000 <= now) {
            gint64 ts = t0 + k * 1000000;

            if (!kn_sim_next(sim, &fr, NULL)) {
                more = FALSE;
                break;
            }
            bmi_scan(thigh, id, fr.thigh_accel, fr.thigh_gyro, ts);
            bmi_scan(shank, shank_m, fr.shank_accel, fr.shank_gyro, ts);
            if (k % 4 == 0)
                ads_scan(flex, fr.knee_deg, ts);
            /* The leader wakes kneed at its watermark, the followers'
             * samples are there by then (nobody watches them). */
            if (++in_buffer >= watermark) {
                write_all(fd_shank, shank);
                write_all(fd_flex, flex);
                write_all(fd_thigh, thigh);
                in_buffer = 0;
            }
            k++;
        }
        write_all(fd_shank, shank);
        write_all(fd_flex, flex);
        g_usleep(5000);
    }
    kn_sim_free(sim);
    return NULL;
}

static gboolean buffers_enabled(UMockdevTestbed *tb)
{
    static const char *const devs[] = {
        "/sys/devices/platform/soc/fe804000.i2c/i2c-1/1-0068/iio:device0",
        "/sys/devices/platform/soc/fe804000.i2c/i2c-1/1-0069/iio:device1",
        "/sys/devices/platform/soc/fe804000.i2c/i2c-1/1-0048/iio:device2",
    };

    for (size_t i = 0; i < G_N_ELEMENTS(devs); i++) {
        g_autofree char *root = umockdev_testbed_get_root_dir(tb);
        g_autofree char *path = g_build_filename(root, devs[i], "buffer", "enable", NULL);
        g_autofree char *v = NULL;

        if (!g_file_get_contents(path, &v, NULL, NULL) || v[0] != '1')
            return FALSE;
    }
    return TRUE;
}

/* ---- measuring ---- */

static gboolean quit(gpointer loop)
{
    g_main_loop_quit(loop);
    return G_SOURCE_REMOVE;
}

static void measure(Run *r, double seconds)
{
    g_autoptr(GMainLoop) loop = g_main_loop_new(NULL, FALSE);

    g_timeout_add_seconds(WARMUP_S, quit, loop);
    g_main_loop_run(loop);
    kn_bench_sample(r->kneed_pid, &r->first);
    g_timeout_add((guint) ((seconds - WARMUP_S) * 1000), quit, loop);
    g_main_loop_run(loop);
    kn_bench_sample(r->kneed_pid, &r->last);
    for (int i = 0; i < 100; i++)
        g_main_context_iteration(NULL, FALSE);
}

static void report(const Run *r, guint events)
{
    double secs = (r->last.t_us - r->first.t_us) / 1e6;
    long ticks = sysconf(_SC_CLK_TCK);

    printf("%s: %u of %u hyperextensions alerted, %u other alerts\n", r->label,
           r->end_to_end_us->len, events, r->other_alerts);
    printf("  wake-ups %.1f /s in the main-loop thread, %.1f /s in all threads\n",
           (r->last.main_switches - r->first.main_switches) / secs,
           (r->last.all_switches - r->first.all_switches) / secs);
    printf("  CPU %.2f %% of one core = %.2f ms of CPU per second of sensor time (%.2f %% by "
           "clock ticks)\n", 100.0 * (double) (r->last.cpu_ns - r->first.cpu_ns) / 1e9 / secs,
           (double) (r->last.cpu_ns - r->first.cpu_ns) / 1e6 / secs,
           100.0 * (double) (r->last.cpu_ticks - r->first.cpu_ticks) / ticks / secs);
    printf("  of which in the kernel (system time): %.0f %% (user %.2f ms/s, system %.2f ms/s, "
           "by clock ticks)\n",
           100.0 * (double) (r->last.stime_ticks - r->first.stime_ticks) /
               (double) MAX(1, r->last.cpu_ticks - r->first.cpu_ticks),
           1000.0 * (double) (r->last.utime_ticks - r->first.utime_ticks) / ticks / secs,
           1000.0 * (double) (r->last.stime_ticks - r->first.stime_ticks) / ticks / secs);
    printf("  RSS %.1f MB\n", r->last.rss_kb / 1024.0);
    kn_bench_print_latency("sample -> Alert received", r->end_to_end_us);
    kn_bench_print_latency("batch arrival in kneed -> Alert received", r->processing_us);
}

/* ---- the sources' own work, without a kernel ---- */

/* CPU time of this thread: the machine may be busy with others. */
static double now_s(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (double) ts.tv_sec + (double) ts.tv_nsec / 1e9;
}

static struct kn_sim *bench_sim(double seconds)
{
    struct kn_sim_config c;
    g_autofree char *run = g_strdup_printf("run:%.0f:170:3.3", seconds);
    char msg[256];

    kn_sim_config_init(&c);
    c.rate_hz = 1000;
    c.seed = 11;
    kn_sim_config_add_block(&c, run, msg, sizeof(msg));
    return kn_sim_new(&c);
}

static void bmi_part(KnIioPart *p, enum kn_iio_stream accel, enum kn_iio_stream gyro)
{
    static const long index[7] = { 7, 8, 9, 4, 5, 6, 10 };

    memset(p, 0, sizeof(*p));
    p->n_streams = 2;
    p->streams[0].stream = accel;
    p->streams[1].stream = gyro;
    for (int i = 0; i < 7; i++) {
        p->elems[i].index = index[i];
        kn_iio_scan_type_parse(i < 6 ? "le:s16/16>>0" : "le:s64/64>>0", &p->elems[i].type);
        p->scale[i] = i < 3 ? ACCEL_SCALE : GYRO_SCALE;
    }
    for (int k = 0; k < 3; k++) {
        p->streams[0].elem[k] = k;
        p->streams[1].elem[k] = 3 + k;
    }
    kn_mount_matrix_identity(&p->streams[0].mount);
    kn_mount_matrix_identity(&p->streams[1].mount);
    p->n_elems = 7;
    p->ts_elem = 6;
    kn_iio_scan_layout(p->elems, 7, &p->scan_size);
    p->ts_clock = CLOCK_MONOTONIC;
    p->ts_trusted = TRUE;
    p->pending = g_byte_array_new();
}

typedef struct {
    struct kn_iio_align *align;
    KnFlexCal cal;
} PureSink;

static void pure_sample(KnIioPart *p, const KnIioPartStream *s, double t, const double v[3],
                        gpointer data)
{
    PureSink *sink = data;
    double deg[3] = { 0, 0, 0 };

    if (s->stream != KN_IIO_STREAM_FLEX) {
        kn_iio_align_push(sink->align, s->stream, t, v);
        return;
    }
    deg[0] = kn_flex_cal_apply(&sink->cal, v[0]);
    kn_iio_align_push(sink->align, s->stream, t, deg);
}

/* µs of CPU per second of data: decoding the three devices' scans and
 * aligning them, in 50 ms batches. */
static double pure_iio(double seconds)
{
    static const double id[3][3] = { { 1, 0, 0 }, { 0, 1, 0 }, { 0, 0, 1 } };
    struct kn_sim *sim = bench_sim(seconds);
    KnIioPart thigh, shank, flex;
    PureSink sink = { .align = kn_iio_align_new(0.2) };
    g_autoptr(GByteArray) bt = g_byte_array_new(), bs = g_byte_array_new(),
                          bf = g_byte_array_new();
    struct kn_frame fr, out[512];
    char msg[64];
    gint64 origin = g_get_monotonic_time(), k = 0;
    double t0, spent = 0;
    guint64 frames = 0;

    kn_flex_cal_parse("100:0, 1900:180", &sink.cal, msg, sizeof(msg));
    bmi_part(&thigh, KN_IIO_STREAM_THIGH_ACCEL, KN_IIO_STREAM_THIGH_GYRO);
    bmi_part(&shank, KN_IIO_STREAM_SHANK_ACCEL, KN_IIO_STREAM_SHANK_GYRO);
    memset(&flex, 0, sizeof(flex));
    flex.n_streams = 1;
    flex.streams[0].stream = KN_IIO_STREAM_FLEX;
    flex.elems[0].index = 4;
    kn_iio_scan_type_parse("le:s12/16>>4", &flex.elems[0].type);
    flex.elems[1].index = 8;
    kn_iio_scan_type_parse("le:s64/64>>0", &flex.elems[1].type);
    flex.n_elems = 2;
    flex.ts_elem = 1;
    kn_iio_scan_layout(flex.elems, 2, &flex.scan_size);
    flex.ts_clock = CLOCK_MONOTONIC;
    flex.ts_trusted = TRUE;
    flex.pending = g_byte_array_new();
    kn_iio_align_start(sink.align, KN_IIO_STREAM_THIGH_ACCEL, 1000, 0);
    kn_iio_align_start(sink.align, KN_IIO_STREAM_THIGH_GYRO, 1000, 0);
    kn_iio_align_start(sink.align, KN_IIO_STREAM_SHANK_ACCEL, 1000, 0);
    kn_iio_align_start(sink.align, KN_IIO_STREAM_SHANK_GYRO, 1000, 0);
    kn_iio_align_start(sink.align, KN_IIO_STREAM_FLEX, 250, 0);
    while (kn_sim_next(sim, &fr, NULL)) {
        gint64 ts = origin * 1000 + k * 1000000;

        bmi_scan(bt, id, fr.thigh_accel, fr.thigh_gyro, ts);
        bmi_scan(bs, id, fr.shank_accel, fr.shank_gyro, ts);
        if (k % 4 == 0)
            ads_scan(bf, fr.knee_deg, ts);
        if (++k % 50 == 0) {
            /* Decoding needs "now" near the timestamps: the batch's end. */
            gint64 now = origin + k * 1000;
            size_t n;

            t0 = now_s();
            kn_iio_part_decode(&shank, bs->data, bs->len, now, origin, pure_sample, &sink);
            kn_iio_part_decode(&flex, bf->data, bf->len, now, origin, pure_sample, &sink);
            kn_iio_part_decode(&thigh, bt->data, bt->len, now, origin, pure_sample, &sink);
            while ((n = kn_iio_align_pull(sink.align, (double) (now - origin) / 1e6, out,
                                          G_N_ELEMENTS(out))) > 0)
                frames += n;
            spent += now_s() - t0;
            g_byte_array_set_size(bt, 0);
            g_byte_array_set_size(bs, 0);
            g_byte_array_set_size(bf, 0);
        }
    }
    kn_sim_free(sim);
    kn_iio_align_free(sink.align);
    g_byte_array_unref(thigh.pending);
    g_byte_array_unref(shank.pending);
    g_byte_array_unref(flex.pending);
    if (frames < seconds * 990)
        fprintf(stderr, "bench-iio: only %" G_GUINT64_FORMAT " frames aligned\n", frames);
    return spent * 1e6 / seconds;
}

/* µs of CPU per second of data for the simulated sleeve's model. */
static double pure_sim(double seconds)
{
    struct kn_sim *sim = bench_sim(seconds);
    struct kn_frame fr;
    double t0 = now_s(), sink = 0;

    while (kn_sim_next(sim, &fr, NULL))
        sink += fr.knee_deg;
    t0 = now_s() - t0;
    kn_sim_free(sim);
    return sink == 12345.678 ? 0 : t0 * 1e6 / seconds;
}

int main(int argc, char **argv)
{
    const char *builddir = g_getenv("KNEED_BUILDDIR") ? g_getenv("KNEED_BUILDDIR") : ".";
    const char *srcdir = g_getenv("KNEED_SRCDIR") ? g_getenv("KNEED_SRCDIR") : KNEED_TOP_SRCDIR;
    g_autofree char *kneed = g_build_filename(builddir, "daemon", "kneed", NULL);
    double seconds = MAX(30.0, (double) kn_bench_env_uint("KNEED_BENCH_SECONDS", 40));
    guint batch_ms = kn_bench_env_uint("KNEED_BENCH_BATCH_MS", 50);
    g_autofree char *events = events_text(seconds);
    g_autofree char *iio_conf = NULL, *sim_conf = NULL;
    static const char *const beds[] = {
        "hrtimer", "bmi160-1-0068", "bmi160-1-0069", "ads1015-1-0048",
    };
    Run iio = { .label = "IIO source (2 IMUs at 1 kHz, ADC at 250 Hz, fake devices)" };
    Run sim = { .label = "simulated source (1 kHz)" };
    Feeder f = { 0 };
    guint n_events = 0;

    kn_test_under_umockdev(argc, argv);
    if (!g_file_test(kneed, G_FILE_TEST_IS_EXECUTABLE)) {
        fprintf(stderr, "bench-iio: no kneed at %s (run from the build directory)\n", kneed);
        return 1;
    }
    for (double t = EVENT_FIRST_S; t < seconds - 2; t += EVENT_SPACING_S)
        n_events++;
    tmpdir = g_dir_make_tmp("kneed-bench-iio-XXXXXX", NULL);
    f.tb = umockdev_testbed_new();
    for (size_t i = 0; i < G_N_ELEMENTS(beds); i++) {
        g_autoptr(GError) error = NULL;
        g_autofree char *name = g_strconcat(beds[i], ".umockdev", NULL);
        g_autofree char *path = g_build_filename(srcdir, "tests", "iio", name, NULL);

        if (!umockdev_testbed_add_from_file(f.tb, path, &error)) {
            fprintf(stderr, "bench-iio: %s\n", error->message);
            return 1;
        }
    }
    {
        g_autofree char *root = umockdev_testbed_get_root_dir(f.tb);

        g_setenv("UMOCKDEV_DIR", root, TRUE);
    }
    iio_conf = g_strdup_printf(
        "[daemon]\nsource = iio\nbatch_ms = %u\n\n"
        "[thigh]\ndevice = bmi160\nbus = 1-0068\ntrigger = hrt0\nrate_hz = 1000\n\n"
        "[shank]\ndevice = shank-imu\ntrigger = hrt0\nrate_hz = 1000\n\n"
        "[flex]\ndevice = ads1015\nchannel = voltage0\ntrigger = hrt1\nrate_hz = 250\n"
        "calibration = 100:0, 1900:180\n", batch_ms);
    sim_conf = g_strdup_printf(
        "[daemon]\nsource = simulated\nbatch_ms = %u\n\n[simulated]\nrate_hz = 1000\nseed = 11\n"
        "repeat = false\nblocks = stand:5; run:%.0f:170:3.3\nevents = %s\n", batch_ms,
        seconds - 5, events);
    printf("kneed for %.0f s per source, a hyperextension every %.0f s (%u), batch %u ms\n",
           seconds, EVENT_SPACING_S, n_events, batch_ms);

    start_run(&iio, kneed, iio_conf);
    while (!buffers_enabled(f.tb))
        g_usleep(10000);
    f.seconds = seconds;
    f.batch_ms = batch_ms;
    f.thread = g_thread_new("feeder", feed, &f);
    measure(&iio, seconds);
    g_atomic_int_set(&f.stop, 1);
    g_thread_join(f.thread);
    stop_run(&iio);

    start_run(&sim, kneed, sim_conf);
    measure(&sim, seconds);
    stop_run(&sim);

    report(&iio, n_events);
    report(&sim, n_events);
    {
        double a = pure_iio(60), b = pure_sim(60);

        printf("without a kernel, per second of sensor data (60 s, best of 3):\n");
        a = MIN(a, MIN(pure_iio(60), pure_iio(60)));
        b = MIN(b, MIN(pure_sim(60), pure_sim(60)));
        printf("  IIO source: decoding + alignment %.0f us; simulated source: the model %.0f us\n",
               a, b);
    }
    g_object_unref(f.tb);
    kn_test_remove_tree(tmpdir);
    g_free(tmpdir);
    return 0;
}
