/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The driver interface and the timer-paced drivers: replay as fast as
 * possible, in real time (batches on the batch period, only due frames,
 * no drift), behind a stalled loop (catching up in steps, then skipping
 * ahead), across a gap (saying until when it is quiet), looping, a bad row
 * ending the replay with its line; the simulated sleeve; and an fd-driven
 * driver written against the same interface, as the IIO and GPIO drivers
 * will be.  Paced sources run on a test clock (clock/clock-test.h): the
 * test moves time and counts exactly. */
#include <glib.h>
#include <glib-unix.h>
#include <glib/gstdio.h>
#include <math.h>
#include <string.h>
#include <fcntl.h>
#include <unistd.h>

#include "clock/clock-test.h"
#include "drivers/driver.h"
#include "drivers/pacer.h"

#define S G_GINT64_CONSTANT(1000000)
#define MS G_GINT64_CONSTANT(1000)
#define T0 (1000 * S)
#define WALL0 (G_GINT64_CONSTANT(1767225600) * S)

static char *tmpdir;

typedef struct {
    GMainLoop *loop;
    guint batches;
    guint frames;
    guint max_batch;
    double last_t;
    gboolean order_ok;
    gboolean due_ok;              /* every frame was due when delivered */
    gboolean finished;
    GError *error;
    guint destroyed;
    guint stop_after_frames;
    KnClock *clock;               /* the sources' (NULL: the system's) */
    guint status_changes;
    gint64 first_t_of_batch[64];  /* source time of each batch's first frame */
} Sink;

static void sink_frames(KnDevice *dev, const struct kn_frame *frames, gsize n, gpointer data)
{
    Sink *s = data;
    const KnDeviceStatus *st = kn_device_get_status(dev);
    gint64 now = s->clock ? kn_clock_now(s->clock) : g_get_monotonic_time();

    if (s->batches < G_N_ELEMENTS(s->first_t_of_batch))
        s->first_t_of_batch[s->batches] = (gint64) llround(frames[0].t_s * 1e6);
    s->batches++;
    s->max_batch = MAX(s->max_batch, (guint) n);
    for (gsize i = 0; i < n; i++) {
        if (!(frames[i].t_s > s->last_t))
            s->order_ok = FALSE;
        s->last_t = frames[i].t_s;
        /* On the test clock exactly: not a microsecond early. */
        if (st->speed > 0 && st->time_origin_us &&
            st->time_origin_us + llround(frames[i].t_s * 1e6 / st->speed) > now)
            s->due_ok = FALSE;
    }
    s->frames += (guint) n;
    if (s->stop_after_frames && s->frames >= s->stop_after_frames)
        g_main_loop_quit(s->loop);
}

static void sink_finished(KnDevice *dev, const GError *error, gpointer data)
{
    Sink *s = data;

    s->finished = TRUE;
    if (error)
        s->error = g_error_copy(error);
    g_main_loop_quit(s->loop);
}

static void sink_destroy(gpointer data)
{
    ((Sink *) data)->destroyed++;
}

static void sink_status(KnDevice *dev, gpointer data)
{
    ((Sink *) data)->status_changes++;
}

static const KnDeviceCallbacks sink_callbacks = {
    .frames = sink_frames,
    .status_changed = sink_status,
    .finished = sink_finished,
};

static void sink_init(Sink *s)
{
    memset(s, 0, sizeof(*s));
    s->loop = g_main_loop_new(NULL, FALSE);
    s->last_t = -INFINITY;
    s->order_ok = TRUE;
    s->due_ok = TRUE;
}

static void sink_clear(Sink *s)
{
    g_main_loop_unref(s->loop);
    g_clear_error(&s->error);
}

/* n rows at rate_hz of a flex-sensor-only recording. */
static char *write_recording(const char *name, guint n, double rate_hz, const char *bad_row)
{
    g_autoptr(GString) s = g_string_new("# kneed-recording v1\n");
    g_autoptr(GError) error = NULL;
    char *path = g_build_filename(tmpdir, name, NULL);

    g_string_append_printf(s, "# rate_hz=%g\nt_s,knee_deg\n", rate_hz);
    for (guint i = 0; i < n; i++) {
        if (bad_row && i == n / 2)
            g_string_append_printf(s, "%s\n", bad_row);
        else
            g_string_append_printf(s, "%.6f,%.3f\n", 5.0 + i / rate_hz, 20 + 10 * sin(i * 0.05));
    }
    g_file_set_contents(path, s->str, -1, &error);
    g_assert_no_error(error);
    return path;
}

static KnDevice *open_replay(const char *path, double speed, gboolean loop, guint batch_ms,
                             KnClock *clock)
{
    g_autoptr(GError) error = NULL;
    KnDriverOptions opts;
    KnDevice *dev;

    kn_driver_options_init(&opts);
    opts.clock = clock ? kn_clock_ref(clock) : NULL;
    opts.replay_file = g_strdup(path);
    opts.replay_speed = speed;
    opts.replay_loop = loop;
    opts.batch_ms = batch_ms;
    dev = kn_device_open(kn_driver_lookup("replay"), &opts, &error);
    g_assert_no_error(error);
    kn_driver_options_clear(&opts);
    return dev;
}

static void test_registry(void)
{
    g_assert_nonnull(kn_driver_lookup("simulated"));
    g_assert_nonnull(kn_driver_lookup("replay"));
    g_assert_null(kn_driver_lookup("iio-magic"));
    g_assert_null(kn_driver_lookup(NULL));
    g_assert_true(kn_drivers[0] == kn_driver_lookup("simulated"));
    g_assert_cmpstr(kn_sensor_id_to_string(KN_SENSOR_SHANK), ==, "shank");
}

static void test_replay_fast(void)
{
    g_autofree char *path = write_recording("fast.csv", 5000, 200, NULL);
    g_autoptr(KnDevice) dev = open_replay(path, 0, FALSE, 50, NULL);
    g_autoptr(GError) error = NULL;
    Sink s;

    sink_init(&s);
    kn_device_set_callbacks(dev, &sink_callbacks, &s, sink_destroy);
    g_assert_true(kn_device_start(dev, &error));
    g_assert_true(kn_device_get_status(dev)->sensors[KN_SENSOR_FLEX].present);
    g_assert_false(kn_device_get_status(dev)->sensors[KN_SENSOR_THIGH].present);
    g_main_loop_run(s.loop);
    g_assert_true(s.finished);
    g_assert_no_error(s.error);
    g_assert_cmpuint(s.frames, ==, 5000);
    g_assert_true(s.order_ok);
    /* Unpaced replay still hands over bounded chunks. */
    g_assert_cmpuint(s.max_batch, <=, 1000);
    g_assert_cmpuint(s.batches, >=, 5);
    g_assert_false(kn_device_is_running(dev));
    kn_device_close(g_steal_pointer(&dev));
    g_assert_cmpuint(s.destroyed, ==, 1);
    sink_clear(&s);
}

static void test_replay_realtime(void)
{
    g_autoptr(KnClock) clock = kn_clock_new_test(T0, WALL0);
    g_autofree char *path = write_recording("rt.csv", 2000, 1000, NULL);
    g_autoptr(KnDevice) dev = open_replay(path, 1, FALSE, 50, clock);
    g_autoptr(GError) error = NULL;
    Sink s;

    sink_init(&s);
    s.clock = clock;
    kn_device_set_callbacks(dev, &sink_callbacks, &s, NULL);
    g_assert_true(kn_device_start(dev, &error));
    /* The file's first row, 5.0 s, is due at the start. */
    g_assert_cmpint(kn_device_get_status(dev)->time_origin_us, ==, T0 - 5 * S);
    kn_clock_test_advance(clock, 50 * MS - 1);
    g_assert_cmpuint(s.batches, ==, 0);
    kn_clock_test_advance(clock, 1);
    g_assert_cmpuint(s.batches, ==, 1);
    g_assert_cmpuint(s.frames, ==, 51);               /* 5.000 .. 5.050 */
    kn_clock_test_advance(clock, S - 50 * MS);
    /* One second at 1 kHz: a batch per 50 ms period, each with exactly the
     * frames that fell due, never one early. */
    g_assert_cmpuint(s.batches, ==, 20);
    g_assert_cmpuint(s.frames, ==, 1001);
    g_assert_cmpuint(s.max_batch, ==, 51);
    for (guint i = 1; i < 20; i++)
        g_assert_cmpint(s.first_t_of_batch[i], ==, 5 * S + (gint64) (50 * i + 1) * MS);
    g_assert_true(s.due_ok);
    g_assert_true(s.order_ok);
    g_assert_cmpint(kn_device_get_status(dev)->idle_until_us, ==, 0);
    kn_device_stop(dev);
    kn_clock_test_advance(clock, S);
    g_assert_cmpuint(s.batches, ==, 20);
    sink_clear(&s);
}

/* A main loop that stalled: the replay catches up one second of frames
 * per dispatch, and beyond five seconds behind skips ahead instead. */
static void test_replay_late(void)
{
    g_autoptr(KnClock) clock = kn_clock_new_test(T0, WALL0);
    g_autofree char *path = write_recording("late.csv", 20000, 1000, NULL);
    g_autoptr(KnDevice) dev = open_replay(path, 1, FALSE, 50, clock);
    g_autoptr(GError) error = NULL;
    gint64 origin;
    guint before;
    Sink s;

    sink_init(&s);
    s.clock = clock;
    kn_device_set_callbacks(dev, &sink_callbacks, &s, NULL);
    g_assert_true(kn_device_start(dev, &error));
    origin = kn_device_get_status(dev)->time_origin_us;
    kn_clock_test_jump(clock, 3 * S);
    g_assert_cmpuint(s.batches, ==, 1);
    g_assert_cmpuint(s.frames, ==, 1001);             /* 5.000 .. 6.000: one second */
    /* A second more per dispatch (give or take the frame on the edge,
     * which the rounding of t + 1 s decides). */
    kn_clock_test_advance(clock, 100 * MS);
    g_assert_cmpuint(s.batches, ==, 3);
    g_assert_cmpuint(s.frames, >=, 3001);
    g_assert_cmpuint(s.frames, <=, 3003);
    g_assert_cmpuint(s.max_batch, <=, 1001);
    g_assert_cmpint(kn_device_get_status(dev)->time_origin_us, ==, origin);
    /* Then more than five seconds behind: it skips ahead (the next frame
     * is due now, the origin moves and says so) instead of catching up. */
    s.status_changes = 0;
    before = s.frames;
    kn_clock_test_jump(clock, 5 * S);
    g_assert_cmpuint(s.status_changes, ==, 1);
    g_assert_cmpint(kn_device_get_status(dev)->time_origin_us, ==,
                    kn_clock_now(clock) - llround(s.last_t * 1e6));
    g_assert_cmpuint(s.frames, ==, before + 1);
    g_assert_true(s.due_ok);
    g_assert_true(s.order_ok);
    kn_device_stop(dev);
    sink_clear(&s);
}

/* A recording with a minute's gap: the replay says until when it will be
 * quiet, and delivers on time after it. */
static void test_replay_gap(void)
{
    g_autoptr(KnClock) clock = kn_clock_new_test(T0, WALL0);
    g_autofree char *path = g_build_filename(tmpdir, "gap.csv", NULL);
    g_autoptr(GString) text = g_string_new("# kneed-recording v1\n# rate_hz=100\nt_s,knee_deg\n");
    g_autoptr(KnDevice) dev = NULL;
    g_autoptr(GError) error = NULL;
    const KnDeviceStatus *st;
    Sink s;

    for (int i = 0; i < 100; i++)
        g_string_append_printf(text, "%.2f,10\n", i / 100.0);
    g_string_append(text, "61.00,10\n61.01,10\n");
    g_file_set_contents(path, text->str, -1, &error);
    g_assert_no_error(error);
    dev = open_replay(path, 1, FALSE, 50, clock);
    st = kn_device_get_status(dev);
    sink_init(&s);
    s.clock = clock;
    kn_device_set_callbacks(dev, &sink_callbacks, &s, NULL);
    g_assert_true(kn_device_start(dev, &error));
    g_assert_cmpint(st->idle_until_us, ==, 0);
    kn_clock_test_advance(clock, S);
    g_assert_cmpuint(s.frames, ==, 100);
    g_assert_cmpint(st->idle_until_us, ==, T0 + 61 * S);
    g_assert_cmpuint(s.status_changes, ==, 1);
    /* No more status calls while it waits. */
    kn_clock_test_advance(clock, 59 * S);
    g_assert_cmpuint(s.frames, ==, 100);
    g_assert_cmpuint(s.status_changes, ==, 1);
    kn_clock_test_advance(clock, S);
    g_assert_cmpuint(s.frames, ==, 101);
    g_assert_cmpint(st->idle_until_us, ==, 0);
    kn_clock_test_advance(clock, 50 * MS);
    g_assert_true(s.finished);
    g_assert_cmpuint(s.frames, ==, 102);
    g_assert_true(s.due_ok);
    sink_clear(&s);
}

static void test_replay_loop(void)
{
    g_autofree char *path = write_recording("loop.csv", 300, 200, NULL);
    g_autoptr(KnDevice) dev = open_replay(path, 0, TRUE, 50, NULL);
    g_autoptr(GError) error = NULL;
    Sink s;

    sink_init(&s);
    s.stop_after_frames = 1000;
    kn_device_set_callbacks(dev, &sink_callbacks, &s, NULL);
    g_assert_true(kn_device_start(dev, &error));
    g_main_loop_run(s.loop);
    g_assert_false(s.finished);
    g_assert_cmpuint(s.frames, >=, 1000);
    /* Three passes and more, times still increasing across each wrap. */
    g_assert_true(s.order_ok);
    g_assert_cmpfloat(s.last_t, >, 5.0 + 999 / 200.0 - 1e-6);
    sink_clear(&s);
}

/* A recording without a frame cannot start, looping or not (with loop it
 * is opened again at once: nothing of the first reader may be used after
 * that, which the sanitized build checks). */
static void test_replay_empty(void)
{
    g_autofree char *path = write_recording("empty.csv", 0, 200, NULL);

    for (int loop = 0; loop < 2; loop++) {
        g_autoptr(KnDevice) dev = open_replay(path, 1, loop, 50, NULL);
        g_autoptr(GError) error = NULL;
        Sink s;

        g_assert_true(kn_device_get_status(dev)->sensors[KN_SENSOR_FLEX].present);
        g_assert_cmpfloat(kn_device_get_status(dev)->sensors[KN_SENSOR_FLEX].rate_hz, ==, 200);
        sink_init(&s);
        kn_device_set_callbacks(dev, &sink_callbacks, &s, NULL);
        g_assert_false(kn_device_start(dev, &error));
        g_assert_error(error, KN_DRIVER_ERROR, KN_DRIVER_ERROR_FAILED);
        g_assert_nonnull(strstr(error->message, "has no more frames"));
        sink_clear(&s);
    }
}

static void test_replay_bad_row(void)
{
    g_autofree char *path = write_recording("bad.csv", 400, 200, "5.9,abc");
    g_autoptr(KnDevice) dev = open_replay(path, 0, FALSE, 50, NULL);
    g_autoptr(GError) error = NULL;
    g_autofree char *where = NULL;
    Sink s;

    sink_init(&s);
    kn_device_set_callbacks(dev, &sink_callbacks, &s, NULL);
    g_assert_true(kn_device_start(dev, &error));
    g_main_loop_run(s.loop);
    g_assert_true(s.finished);
    g_assert_nonnull(s.error);
    /* Data row 200 (0-based) is line 204: magic, rate and header come first. */
    g_test_message("%s", s.error->message);
    where = g_strdup_printf("%s:204", path);
    g_assert_nonnull(strstr(s.error->message, where));
    g_assert_cmpuint(s.frames, ==, 200);
    sink_clear(&s);
}

static void test_replay_missing(void)
{
    g_autoptr(GError) error = NULL;
    KnDriverOptions opts;
    KnDevice *dev;

    kn_driver_options_init(&opts);
    opts.replay_file = g_strdup("/nonexistent/run.csv");
    dev = kn_device_open(kn_driver_lookup("replay"), &opts, &error);
    g_assert_null(dev);
    g_assert_nonnull(error);
    g_clear_error(&error);
    opts.batch_ms = 0;
    dev = kn_device_open(kn_driver_lookup("replay"), &opts, &error);
    g_assert_null(dev);
    g_assert_error(error, KN_DRIVER_ERROR, KN_DRIVER_ERROR_INVALID);
    kn_driver_options_clear(&opts);
}

static void test_sim(void)
{
    g_autoptr(KnClock) clock = kn_clock_new_test(T0, WALL0);
    g_autoptr(GError) error = NULL;
    KnDriverOptions opts;
    g_autoptr(KnDevice) dev = NULL;
    Sink s;

    kn_driver_options_init(&opts);
    opts.clock = kn_clock_ref(clock);
    opts.sim.rate_hz = 1000;
    opts.batch_ms = 50;
    opts.sim_battery_hours = 1;
    dev = kn_device_open(kn_driver_lookup("simulated"), &opts, &error);
    g_assert_no_error(error);
    kn_driver_options_clear(&opts);
    sink_init(&s);
    s.clock = clock;
    kn_device_set_callbacks(dev, &sink_callbacks, &s, NULL);
    g_assert_true(kn_device_start(dev, &error));
    g_assert_cmpint(kn_device_get_status(dev)->battery_pct, ==, 100);
    g_assert_cmpint(kn_device_get_status(dev)->time_origin_us, ==, T0);
    kn_clock_test_advance(clock, S);
    kn_device_stop(dev);
    /* 1 kHz from t = 0 for one second: 0.000 .. 1.000, in 20 batches. */
    g_assert_true(s.due_ok);
    g_assert_true(s.order_ok);
    g_assert_cmpuint(s.frames, ==, 1001);
    g_assert_cmpuint(s.batches, ==, 20);
    g_assert_cmpint(kn_device_get_status(dev)->idle_until_us, ==, 0);
    sink_clear(&s);
}

/* Slowed down to a frame every 5 s: the simulated sleeve says until when
 * it is quiet. */
static void test_sim_slow(void)
{
    g_autoptr(KnClock) clock = kn_clock_new_test(T0, WALL0);
    g_autoptr(GError) error = NULL;
    KnDriverOptions opts;
    g_autoptr(KnDevice) dev = NULL;
    const KnDeviceStatus *st;
    Sink s;

    kn_driver_options_init(&opts);
    opts.clock = kn_clock_ref(clock);
    opts.sim.rate_hz = 100;
    opts.sim_speed = 0.002;
    dev = kn_device_open(kn_driver_lookup("simulated"), &opts, &error);
    g_assert_no_error(error);
    kn_driver_options_clear(&opts);
    st = kn_device_get_status(dev);
    sink_init(&s);
    s.clock = clock;
    kn_device_set_callbacks(dev, &sink_callbacks, &s, NULL);
    g_assert_true(kn_device_start(dev, &error));
    /* The frame at t = 0 comes with the first tick; the next, 0.01 s of
     * source time on, 5 s later. */
    kn_clock_test_advance(clock, 50 * MS);
    g_assert_cmpuint(s.frames, ==, 1);
    g_assert_cmpint(st->idle_until_us, ==, T0 + 5 * S);
    kn_clock_test_advance(clock, 5 * S - 50 * MS);
    g_assert_cmpuint(s.frames, ==, 2);
    g_assert_cmpint(st->idle_until_us, ==, T0 + 10 * S);
    g_assert_true(s.due_ok);
    kn_device_stop(dev);
    sink_clear(&s);
}

/* ---- an fd-driven driver: frames written into a pipe ---- */

typedef struct {
    KnDevice parent;
    int fds[2];
    guint watch;
} PipeDevice;

static PipeDevice *pipe_dev;

static gboolean pipe_readable(int fd, GIOCondition cond, gpointer user_data)
{
    PipeDevice *d = user_data;
    struct kn_frame frames[64];
    ssize_t n = read(fd, frames, sizeof(frames));

    if (n <= 0) {
        g_autoptr(GError) error = g_error_new(KN_DRIVER_ERROR, KN_DRIVER_ERROR_IO, "pipe closed");

        d->watch = 0;
        kn_device_emit_finished(&d->parent, error);
        return G_SOURCE_REMOVE;
    }
    kn_device_emit_frames(&d->parent, frames, (gsize) n / sizeof(frames[0]));
    return G_SOURCE_CONTINUE;
}

static KnDevice *pipe_open(const KnDriverOptions *opts, GError **error)
{
    PipeDevice *d = g_new0(PipeDevice, 1);

    if (!g_unix_open_pipe(d->fds, FD_CLOEXEC, error)) {
        g_free(d);
        return NULL;
    }
    d->parent.status.sensors[KN_SENSOR_FLEX].present = TRUE;
    pipe_dev = d;
    return &d->parent;
}

static gboolean pipe_start(KnDevice *dev, GError **error)
{
    PipeDevice *d = (PipeDevice *) dev;

    d->watch = g_unix_fd_add(d->fds[0], G_IO_IN | G_IO_HUP, pipe_readable, d);
    return TRUE;
}

static void pipe_stop(KnDevice *dev)
{
    PipeDevice *d = (PipeDevice *) dev;

    g_clear_handle_id(&d->watch, g_source_remove);
}

static void pipe_close(KnDevice *dev)
{
    PipeDevice *d = (PipeDevice *) dev;

    close(d->fds[0]);
    if (d->fds[1] >= 0)
        close(d->fds[1]);
    g_free(d);
}

static const KnDriver pipe_driver = {
    .name = "pipe",
    .open = pipe_open,
    .start = pipe_start,
    .stop = pipe_stop,
    .close = pipe_close,
};

static void test_fd_driver(void)
{
    g_autoptr(GError) error = NULL;
    KnDriverOptions opts;
    KnDevice *dev;
    struct kn_frame frames[10] = { 0 };
    Sink s;

    kn_driver_options_init(&opts);
    dev = kn_device_open(&pipe_driver, &opts, &error);
    g_assert_no_error(error);
    sink_init(&s);
    kn_device_set_callbacks(dev, &sink_callbacks, &s, sink_destroy);
    g_assert_true(kn_device_start(dev, &error));
    for (int i = 0; i < 10; i++) {
        frames[i].t_s = i * 0.01;
        frames[i].present = KN_HAS_FLEX;
    }
    g_assert_cmpint(write(pipe_dev->fds[1], frames, sizeof(frames)), ==, sizeof(frames));
    close(pipe_dev->fds[1]);
    pipe_dev->fds[1] = -1;
    g_main_loop_run(s.loop);
    g_assert_cmpuint(s.frames, ==, 10);
    g_assert_true(s.order_ok);
    g_assert_true(s.finished);
    g_assert_error(s.error, KN_DRIVER_ERROR, KN_DRIVER_ERROR_IO);
    kn_device_close(dev);
    g_assert_cmpuint(s.destroyed, ==, 1);
    sink_clear(&s);
}

static void tick(KnPacer *p, gpointer data)
{
}

static void tick_count(KnPacer *p, gpointer data)
{
    (*(guint *) data)++;
}

static void test_pacer(void)
{
    g_autoptr(KnClock) clock = kn_clock_new_test(T0, WALL0);
    guint ticks = 0;
    g_autoptr(KnPacer) p = kn_pacer_new(clock, 50, 2.0, tick_count, &ticks);
    g_autoptr(KnPacer) unpaced = kn_pacer_new(clock, 50, 0, tick, NULL);
    gint64 origin;

    kn_pacer_start(p, 10.0);
    origin = kn_pacer_origin(p);
    /* Source time 10 s is due now; at speed 2, t = 0 was 5 s ago. */
    g_assert_cmpint(origin, ==, T0 - 5 * S);
    g_assert_cmpfloat(kn_pacer_due(p, origin + S), ==, 2.0);
    g_assert_cmpint(kn_pacer_time_of(p, 12.0), ==, T0 + 1 * S);
    kn_clock_test_advance(clock, S);
    g_assert_cmpuint(ticks, ==, 20);
    kn_pacer_rebase(p, 20.0);
    g_assert_cmpint(kn_pacer_origin(p), ==, T0 + S - 10 * S);
    kn_pacer_stop(p);
    kn_clock_test_advance(clock, S);
    g_assert_cmpuint(ticks, ==, 20);
    g_assert_cmpint(kn_pacer_origin(unpaced), ==, 0);
    g_assert_cmpint(kn_pacer_time_of(unpaced, 3.0), ==, 0);
    g_assert_true(isinf(kn_pacer_due(unpaced, 0)));
}

int main(int argc, char **argv)
{
    int r;

    g_test_init(&argc, &argv, NULL);
    tmpdir = g_dir_make_tmp("kneed-drivers-XXXXXX", NULL);
    g_test_add_func("/drivers/registry", test_registry);
    g_test_add_func("/drivers/pacer", test_pacer);
    g_test_add_func("/drivers/replay/fast", test_replay_fast);
    g_test_add_func("/drivers/replay/realtime", test_replay_realtime);
    g_test_add_func("/drivers/replay/late", test_replay_late);
    g_test_add_func("/drivers/replay/gap", test_replay_gap);
    g_test_add_func("/drivers/replay/loop", test_replay_loop);
    g_test_add_func("/drivers/replay/bad-row", test_replay_bad_row);
    g_test_add_func("/drivers/replay/empty", test_replay_empty);
    g_test_add_func("/drivers/replay/missing", test_replay_missing);
    g_test_add_func("/drivers/sim", test_sim);
    g_test_add_func("/drivers/sim/slow", test_sim_slow);
    g_test_add_func("/drivers/fd-driven", test_fd_driver);
    r = g_test_run();
    {
        g_autoptr(GDir) dir = g_dir_open(tmpdir, 0, NULL);
        const char *name;

        while (dir && (name = g_dir_read_name(dir))) {
            g_autofree char *p = g_build_filename(tmpdir, name, NULL);
            g_unlink(p);
        }
        g_rmdir(tmpdir);
    }
    g_free(tmpdir);
    return r;
}
