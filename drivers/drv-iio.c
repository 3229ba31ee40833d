/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The sleeve's real sensors through IIO buffers (libiio, behind
 * drivers/iio-backend.h): the thigh and shank IMUs and the flexion ADC,
 * aligned onto one frame stream (drivers/iio-align.h).  docs/iio.md.
 *
 * Wake-ups.  Every device captures into its kernel buffer on its own
 * trigger.  Only one device, the *leader* (the fastest), has its buffer fd
 * on the main loop, with a watermark of batch_ms of samples; the others
 * get a watermark twice that and are drained, without blocking, whenever
 * the leader wakes us.  So the loop wakes 1000 / batch_ms times a second
 * however many devices there are.  A watchdog, pushed back at each
 * wake-up, fires only when the leader goes quiet: then the devices are
 * drained anyway, a device silent for a second has failed, and the
 * freshest one becomes the leader.
 *
 * Faults.  A device that returns an error, goes silent or vanishes is
 * closed: its sensor is "failed" with the reason, the frames go on with
 * what remains, and it is opened again after 0.5, 1, 2, ... 30 s.  Nothing
 * here polls a file descriptor on a timer.
 *
 * Time.  Every time and timer is the options' clock's (clock/clock.h, the
 * core's), so a test can move it.  A silence that is meant is said
 * (KnDeviceStatus.idle_until_us, for the daemon's watchdog): every device
 * failed, until the next retry; or none of the open devices has a stream
 * to deliver (a flexion sensor alone, not calibrated yet), for as long as
 * that lasts.
 */
#define G_LOG_DOMAIN "kneed-drivers"

#include <errno.h>
#include <glib-unix.h>
#include <math.h>
#include <string.h>

#include "drivers/iio-internal.h"

#define RETRY_FIRST_MS 500
#define RETRY_MAX_MS 30000
/* An open device that sent nothing for this long has failed. */
#define SILENCE_S 1.0
/* The leader is quiet: drain everyone after this (at least 4 batches). */
#define STALL_MIN_MS 200
#define MAX_READS 32              /* per device and wake-up: ~1 s of data at most */
#define MAX_EMPTY_WAKEUPS 64      /* "readable" with nothing to read: a broken fd */
#define FRAME_CHUNK 512
#define FLEX_RAW_KEEP 4096        /* raw flex samples kept for a calibration, 16 s at 250 Hz */
/* Quiet without an end (an uncalibrated flexion sensor alone): said a
 * day at a time, renewed by the wake-ups. */
#define QUIET_OPEN_US (G_USEC_PER_SEC * G_GINT64_CONSTANT(86400))
#define CAL_FILE "flex-calibration.conf"
#define CAL_GROUP "flex-calibration"

typedef struct _KnIioDevice KnIioDevice;

typedef struct {
    KnIioDevice *owner;
    KnIioPart part;
    gboolean failed;
    char error[KN_SENSOR_ERROR_MAX];
    KnTimer *retry;
    guint retry_ms;
    GSource *watch;
    gint64 last_data_us;
    guint empty_wakeups;
} Slot;

struct _KnIioDevice {
    KnDevice parent;
    KnDriverOptions opts;
    Slot slots[KN_IIO_PART_COUNT];
    struct kn_iio_align *align;
    gint64 origin_us;
    gint64 stall_us;
    int planned_leader;
    int leader;                   /* slot whose fd is watched, -1 none */
    KnClock *clock;               /* the options' (the core's): time, timers */
    KnTimer *watchdog;
    GArray *frames;
    GByteArray *scratch;          /* one device's bytes of a wake-up */
    KnFlexCal cal;                /* in use; n == 0: uncalibrated */
    gboolean cal_stored;
    double flex_t[FLEX_RAW_KEEP], flex_raw[FLEX_RAW_KEEP];
    guint flex_head, flex_len;
};

static void slot_fail(Slot *s, const char *format, ...) G_GNUC_PRINTF(2, 3);
static void pick_leader(KnIioDevice *d, gint64 now);
static void update_status(KnIioDevice *d);
static void declare_quiet(KnIioDevice *d);

static double source_time(const KnIioDevice *d, gint64 us)
{
    return (double) (us - d->origin_us) / 1e6;
}

static gboolean slot_open(const Slot *s)
{
    return s->part.dev != NULL;
}

static GSource *attach(GSource *source, GSourceFunc func, gpointer data, const char *name)
{
    g_source_set_callback(source, func, data, NULL);
    g_source_set_static_name(source, name);
    g_source_attach(source, g_main_context_get_thread_default());
    return source;
}

static void drop_source(GSource **source)
{
    if (!*source)
        return;
    g_source_destroy(*source);
    g_clear_pointer(source, g_source_unref);
}

/* ---- streams ---- */

static void start_streams(KnIioDevice *d, Slot *s, gint64 now)
{
    for (guint i = 0; i < s->part.n_streams; i++) {
        enum kn_iio_stream st = s->part.streams[i].stream;

        if (st == KN_IIO_STREAM_FLEX && d->cal.n == 0)
            continue;
        kn_iio_align_start(d->align, st, s->part.rate_hz, source_time(d, now));
    }
}

static void stop_streams(KnIioDevice *d, Slot *s)
{
    for (guint i = 0; i < s->part.n_streams; i++)
        kn_iio_align_stop(d->align, s->part.streams[i].stream);
}

static void on_sample(KnIioPart *p, const KnIioPartStream *st, double t, const double v[3],
                      gpointer user_data)
{
    KnIioDevice *d = user_data;
    double deg[3] = { 0, 0, 0 };

    if (st->stream != KN_IIO_STREAM_FLEX) {
        kn_iio_align_push(d->align, st->stream, t, v);
        return;
    }
    /* The raw values are kept for kneectl calibrate flex. */
    d->flex_t[d->flex_head] = t;
    d->flex_raw[d->flex_head] = v[0];
    d->flex_head = (d->flex_head + 1) % FLEX_RAW_KEEP;
    d->flex_len = MIN(d->flex_len + 1, FLEX_RAW_KEEP);
    if (d->cal.n == 0)
        return;
    deg[0] = kn_flex_cal_apply(&d->cal, v[0]);
    kn_iio_align_push(d->align, st->stream, t, deg);
}

/* ---- opening, failing, retrying ---- */

static gsize buffer_scans(const KnIioDevice *d, const Slot *s)
{
    double per_batch = s->part.opts->rate_hz * d->opts.batch_ms / 1000.0;
    gsize n = (gsize) MAX(1.0, ceil(per_batch));

    /* Followers wake nobody: they are drained when the leader wakes. */
    return (int) s->part.id == d->planned_leader ? n : 2 * n;
}

static void schedule_retry(Slot *s)
{
    s->retry_ms = s->retry_ms ? MIN(s->retry_ms * 2, RETRY_MAX_MS) : RETRY_FIRST_MS;
    kn_timer_start_in(s->retry, (gint64) s->retry_ms * 1000);
}

static gboolean slot_try_open(Slot *s, gint64 now)
{
    KnIioDevice *d = s->owner;
    g_autoptr(GError) error = NULL;

    if (!kn_iio_part_open(&s->part, buffer_scans(d, s), &error)) {
        s->failed = TRUE;
        g_strlcpy(s->error, error->message, sizeof(s->error));
        g_debug("iio: %s", error->message);
        schedule_retry(s);
        return FALSE;
    }
    g_debug("iio: opened %s at %g Hz", s->part.description, s->part.rate_hz);
    s->failed = FALSE;
    s->retry_ms = 0;
    s->empty_wakeups = 0;
    s->last_data_us = now;        /* a second's grace before "silent" */
    start_streams(d, s, now);
    return TRUE;
}

static void slot_fail(Slot *s, const char *format, ...)
{
    KnIioDevice *d = s->owner;
    g_autofree char *msg = NULL;
    va_list ap;

    va_start(ap, format);
    msg = g_strdup_vprintf(format, ap);
    va_end(ap);
    g_snprintf(s->error, sizeof(s->error), "%s: %s",
               s->part.description ? s->part.description : s->part.device, msg);
    g_debug("iio: %s", s->error);
    drop_source(&s->watch);
    stop_streams(d, s);
    kn_iio_part_close(&s->part);
    s->failed = TRUE;
    if (d->leader == (int) s->part.id)
        d->leader = -1;
    schedule_retry(s);
}

static void on_retry(KnTimer *timer, gpointer user_data)
{
    Slot *s = user_data;
    KnIioDevice *d = s->owner;
    gint64 now = kn_clock_now(d->clock);

    if (slot_try_open(s, now)) {
        /* The planned leader takes its place back: its watermark is the
         * batch, the others' twice that. */
        if (d->leader < 0 || (int) s->part.id == d->planned_leader)
            pick_leader(d, now);
        kn_timer_start_at(d->watchdog, now + d->stall_us);
    }
    update_status(d);
}

static gboolean any_open(const KnIioDevice *d)
{
    for (int i = 0; i < KN_IIO_PART_COUNT; i++)
        if (d->slots[i].part.dev)
            return TRUE;
    return FALSE;
}

/* ---- reading ---- */

/* Reads what the device has, as one read (a device stamped by read time
 * must see one batch, however many refills it took); FALSE when it
 * failed meanwhile. */
static gboolean drain(KnIioDevice *d, Slot *s, gint64 now, gsize *ret_bytes)
{
    *ret_bytes = 0;
    g_byte_array_set_size(d->scratch, 0);
    for (int i = 0; i < MAX_READS; i++) {
        const guint8 *data;
        gboolean more;
        gssize r = kn_iio_dev_read(s->part.dev, &data, &more);

        if (r < 0) {
            slot_fail(s, r == -ENODEV ? "the device is gone" : "read failed: %s",
                      g_strerror((int) -r));
            return FALSE;
        }
        if (r == 0)
            break;
        g_byte_array_append(d->scratch, data, (guint) r);
        if (!more)
            break;
    }
    if (d->scratch->len == 0)
        return TRUE;
    kn_iio_part_decode(&s->part, d->scratch->data, d->scratch->len, now, d->origin_us,
                       on_sample, d);
    *ret_bytes = d->scratch->len;
    s->last_data_us = now;
    if (s->part.description_changed) {
        s->part.description_changed = FALSE;
        update_status(d);
    }
    return TRUE;
}

static void emit(KnIioDevice *d, gint64 now)
{
    double now_s = source_time(d, now);
    gsize n;

    do {
        g_array_set_size(d->frames, FRAME_CHUNK);
        n = kn_iio_align_pull(d->align, now_s, (struct kn_frame *) d->frames->data, FRAME_CHUNK);
        kn_device_emit_frames(&d->parent, (const struct kn_frame *) d->frames->data, n);
        /* The frames callback may have stopped us. */
    } while (n == FRAME_CHUNK && d->parent.running);
}

/* Drains every open device, fails the silent ones, hands over the
 * frames that are complete.  TRUE when a device failed. */
/* Pushed back at each wake-up; nothing open: the retries wake us. */
static void arm_watchdog(KnIioDevice *d, gint64 now)
{
    if (!d->watchdog)
        return;
    if (any_open(d))
        kn_timer_start_at(d->watchdog, now + d->stall_us);
    else
        kn_timer_stop(d->watchdog);
}

static gboolean process(KnIioDevice *d, gint64 now)
{
    gboolean failed = FALSE;

    for (int i = 0; i < KN_IIO_PART_COUNT; i++) {
        Slot *s = &d->slots[i];
        gsize bytes;

        if (!slot_open(s))
            continue;
        if (!drain(d, s, now, &bytes)) {
            failed = TRUE;
            continue;
        }
        if (i == d->leader) {
            s->empty_wakeups = bytes ? 0 : s->empty_wakeups + 1;
            if (s->empty_wakeups > MAX_EMPTY_WAKEUPS) {
                slot_fail(s, "its buffer wakes the loop but has nothing to read");
                failed = TRUE;
                continue;
            }
        }
        if (now - s->last_data_us > (gint64) (SILENCE_S * G_USEC_PER_SEC)) {
            slot_fail(s, "no samples for %.0f s", SILENCE_S);
            failed = TRUE;
        }
    }
    emit(d, now);
    arm_watchdog(d, now);
    if (d->parent.running)
        declare_quiet(d);
    return failed;
}

static gboolean on_readable(gint fd, GIOCondition condition, gpointer user_data)
{
    Slot *s = user_data;
    KnIioDevice *d = s->owner;
    gint64 now = kn_clock_now(d->clock);

    if (process(d, now) && d->parent.running) {
        if (d->leader < 0)
            pick_leader(d, now);
        update_status(d);
    }
    /* A failed leader's watch is already destroyed. */
    return G_SOURCE_CONTINUE;
}

static void set_leader(KnIioDevice *d, int i)
{
    Slot *s;
    int fd;

    for (int k = 0; k < KN_IIO_PART_COUNT; k++)
        drop_source(&d->slots[k].watch);
    d->leader = -1;
    if (i < 0)
        return;
    s = &d->slots[i];
    fd = kn_iio_dev_get_fd(s->part.dev);
    if (fd < 0)
        return;
    s->watch = g_unix_fd_source_new(fd, G_IO_IN | G_IO_ERR | G_IO_HUP);
    attach(s->watch, (GSourceFunc) (void (*)(void)) on_readable, s, "kneed iio buffer");
    s->empty_wakeups = 0;
    d->leader = i;
    g_debug("iio: waking on %s", s->part.description);
}

/* The planned leader when it is healthy, else the open device that sent
 * data last (the fastest of those among equals). */
static void pick_leader(KnIioDevice *d, gint64 now)
{
    int best = -1;

    if (d->planned_leader >= 0 && slot_open(&d->slots[d->planned_leader]) &&
        now - d->slots[d->planned_leader].last_data_us < d->stall_us) {
        best = d->planned_leader;
    } else {
        for (int i = 0; i < KN_IIO_PART_COUNT; i++) {
            const Slot *s = &d->slots[i];

            if (!slot_open(s))
                continue;
            if (best < 0 || s->last_data_us > d->slots[best].last_data_us ||
                (s->last_data_us == d->slots[best].last_data_us &&
                 s->part.rate_hz > d->slots[best].part.rate_hz))
                best = i;
        }
    }
    if (best != d->leader)
        set_leader(d, best);
}

static void on_watchdog(KnTimer *timer, gpointer user_data)
{
    KnIioDevice *d = user_data;
    gint64 now = kn_clock_now(d->clock);

    process(d, now);
    if (d->leader < 0 || now - d->slots[d->leader].last_data_us >= d->stall_us)
        pick_leader(d, now);
    update_status(d);
    /* The frames callback may have stopped us. */
    if (d->parent.running)
        arm_watchdog(d, now);
}

/* ---- status ---- */

static void sensor_status(const KnIioDevice *d, KnSensorId sensor, KnSensorStatus *st)
{
    const KnIioSensorOptions *o = &d->opts.iio.sensor[sensor];
    g_autoptr(GString) device = g_string_new(NULL);
    const char *error = NULL, *failed_error = NULL;
    gboolean all_open = TRUE;
    double rate = 0;

    memset(st, 0, sizeof(*st));
    if (!o->enabled)
        return;
    for (int i = 0; i < KN_IIO_PART_COUNT; i++) {
        const Slot *s = &d->slots[i];

        if (!s->part.used || s->part.sensor != sensor)
            continue;
        if (slot_open(s)) {
            g_string_append_printf(device, "%s%s", device->len ? " + " : "", s->part.description);
            rate = rate > 0 ? MIN(rate, s->part.rate_hz) : s->part.rate_hz;
        } else {
            all_open = FALSE;
        }
        /* The first device that failed tells why; else the latest note. */
        if (s->error[0] && (!error || (!slot_open(s) && !failed_error)))
            error = s->error;
        if (!slot_open(s) && !failed_error)
            failed_error = error;
    }
    st->requested_hz = o->rate_hz;
    st->rate_hz = rate;
    g_strlcpy(st->device, device->str, sizeof(st->device));
    if (error)
        g_strlcpy(st->last_error, error, sizeof(st->last_error));
    if (!all_open) {
        st->state = KN_SENSOR_STATE_FAILED;
    } else if (sensor == KN_SENSOR_FLEX && d->cal.n == 0) {
        st->state = KN_SENSOR_STATE_UNCALIBRATED;
        g_strlcpy(st->last_error, "not calibrated: run 'kneectl calibrate flex' or set "
                  "[flex] calibration", sizeof(st->last_error));
    } else {
        st->state = KN_SENSOR_STATE_STREAMING;
        st->present = TRUE;
    }
}

static gboolean any_stream(const KnIioDevice *d)
{
    for (int i = 0; i < KN_IIO_PART_COUNT; i++) {
        const Slot *s = &d->slots[i];

        for (guint k = 0; slot_open(s) && k < s->part.n_streams; k++)
            if (kn_iio_align_is_active(d->align, s->part.streams[k].stream))
                return TRUE;
    }
    return FALSE;
}

/* driver.h's idle_until_us: the next retry when every device failed, a
 * day on (renewed half way) when the open ones have nothing to deliver,
 * else 0. */
static void declare_quiet(KnIioDevice *d)
{
    gint64 now = kn_clock_now(d->clock), until = 0;

    if (!any_open(d)) {
        for (int i = 0; i < KN_IIO_PART_COUNT; i++) {
            gint64 t = kn_timer_get_deadline(d->slots[i].retry);

            if (t >= 0 && (until == 0 || t < until))
                until = t;
        }
    } else if (!any_stream(d)) {
        until = d->parent.status.idle_until_us;
        if (until - now < QUIET_OPEN_US / 2)
            until = now + QUIET_OPEN_US;
    }
    kn_device_set_idle_until(&d->parent, until);
}

static void update_status(KnIioDevice *d)
{
    KnDeviceStatus *st = &d->parent.status;
    gboolean changed = FALSE;

    declare_quiet(d);

    for (int i = 0; i < KN_SENSOR_COUNT; i++) {
        KnSensorStatus s;

        sensor_status(d, (KnSensorId) i, &s);
        if (memcmp(&s, &st->sensors[i], sizeof(s)) != 0) {
            st->sensors[i] = s;
            changed = TRUE;
        }
    }
    if (!kn_flex_cal_equal(&st->flex_cal, &d->cal) || st->flex_cal_stored != d->cal_stored) {
        st->flex_cal = d->cal;
        st->flex_cal_stored = d->cal_stored;
        changed = TRUE;
    }
    if (changed)
        kn_device_emit_status_changed(&d->parent);
}

/* ---- the flexion sensor's calibration in the state directory ---- */

static char *cal_path(const KnIioDevice *d)
{
    return d->opts.state_dir ? g_build_filename(d->opts.state_dir, CAL_FILE, NULL) : NULL;
}

/* The stored calibration, if it is for the configured device and
 * channel (a calibration of another sensor would read nonsense). */
static gboolean load_stored_cal(KnIioDevice *d, KnFlexCal *ret)
{
    const KnIioSensorOptions *o = &d->opts.iio.sensor[KN_SENSOR_FLEX];
    g_autofree char *path = cal_path(d);
    g_autoptr(GKeyFile) kf = g_key_file_new();
    g_autofree char *device = NULL, *channel = NULL, *table = NULL;
    char msg[256];

    if (!path || !o->enabled || !g_key_file_load_from_file(kf, path, G_KEY_FILE_NONE, NULL))
        return FALSE;
    device = g_key_file_get_string(kf, CAL_GROUP, "device", NULL);
    channel = g_key_file_get_string(kf, CAL_GROUP, "channel", NULL);
    table = g_key_file_get_string(kf, CAL_GROUP, "calibration", NULL);
    if (g_strcmp0(device, o->device) != 0 || g_strcmp0(channel, o->channel) != 0) {
        g_debug("iio: %s is for %s %s, not %s %s: not used", path, device, channel, o->device,
                o->channel);
        return FALSE;
    }
    if (kn_flex_cal_parse(table, ret, msg, sizeof(msg)) < 0) {
        g_debug("iio: %s: %s: not used", path, msg);
        return FALSE;
    }
    return TRUE;
}

static gboolean store_cal(KnIioDevice *d, const KnFlexCal *cal, GError **error)
{
    const KnIioSensorOptions *o = &d->opts.iio.sensor[KN_SENSOR_FLEX];
    g_autofree char *path = cal_path(d);
    g_autofree char *table = kn_flex_cal_to_string(cal);
    g_autofree char *text = NULL;
    g_autoptr(GKeyFile) kf = g_key_file_new();
    /* Wall time by the one mapping (clock/clock.h), whole seconds. */
    g_autoptr(GDateTime) now =
        g_date_time_new_from_unix_utc(kn_clock_wall(d->clock) / G_USEC_PER_SEC);
    g_autofree char *when = g_date_time_format_iso8601(now);

    if (!path) {
        g_set_error(error, KN_DRIVER_ERROR, KN_DRIVER_ERROR_FAILED,
                    "kneed has no state directory to keep the calibration in");
        return FALSE;
    }
    if (g_mkdir_with_parents(d->opts.state_dir, 0700) < 0) {
        int e = errno;

        g_set_error(error, KN_DRIVER_ERROR, KN_DRIVER_ERROR_IO, "cannot create %s: %s",
                    d->opts.state_dir, g_strerror(e));
        return FALSE;
    }
    g_key_file_set_comment(kf, NULL, NULL, " The flexion sensor's calibration, written by "
                           "'kneectl calibrate flex'.", NULL);
    g_key_file_set_string(kf, CAL_GROUP, "device", o->device);
    g_key_file_set_string(kf, CAL_GROUP, "channel", o->channel);
    g_key_file_set_string(kf, CAL_GROUP, "calibration", table);
    g_key_file_set_string(kf, CAL_GROUP, "time", when);
    text = g_key_file_to_data(kf, NULL, NULL);
    return g_file_set_contents_full(path, text, -1, G_FILE_SET_CONTENTS_CONSISTENT |
                                    G_FILE_SET_CONTENTS_DURABLE, 0600, error);
}

static gboolean iio_set_flex_calibration(KnDevice *dev, const KnFlexCal *cal, GError **error)
{
    KnIioDevice *d = (KnIioDevice *) dev;
    Slot *s = &d->slots[KN_IIO_PART_FLEX];
    KnFlexCal copy = *cal;
    char msg[256];

    if (!s->part.used) {
        g_set_error(error, KN_DRIVER_ERROR, KN_DRIVER_ERROR_NOT_FOUND,
                    "no flexion sensor is configured ([flex] device)");
        return FALSE;
    }
    if (kn_flex_cal_validate(&copy, msg, sizeof(msg)) < 0) {
        g_set_error(error, KN_DRIVER_ERROR, KN_DRIVER_ERROR_INVALID, "%s", msg);
        return FALSE;
    }
    if (!store_cal(d, &copy, error))
        return FALSE;
    d->cal = copy;
    d->cal_stored = TRUE;
    if (slot_open(s) && !kn_iio_align_is_active(d->align, KN_IIO_STREAM_FLEX))
        kn_iio_align_start(d->align, KN_IIO_STREAM_FLEX, s->part.rate_hz,
                           source_time(d, kn_clock_now(d->clock)));
    update_status(d);
    return TRUE;
}

static gboolean iio_flex_raw_stats(KnDevice *dev, double since_t, KnFlexRawStats *ret,
                                   GError **error)
{
    KnIioDevice *d = (KnIioDevice *) dev;
    const Slot *s = &d->slots[KN_IIO_PART_FLEX];
    double sum = 0, sum2 = 0;

    memset(ret, 0, sizeof(*ret));
    if (!s->part.used) {
        g_set_error(error, KN_DRIVER_ERROR, KN_DRIVER_ERROR_NOT_FOUND,
                    "no flexion sensor is configured ([flex] device)");
        return FALSE;
    }
    if (!slot_open(s)) {
        g_set_error(error, KN_DRIVER_ERROR, KN_DRIVER_ERROR_IO,
                    "the flexion sensor is not streaming: %s", s->error);
        return FALSE;
    }
    for (guint j = 0; j < d->flex_len; j++) {
        guint i = (d->flex_head + FLEX_RAW_KEEP - d->flex_len + j) % FLEX_RAW_KEEP;

        if (d->flex_t[i] < since_t)
            continue;
        if (ret->n++ == 0)
            ret->t_first = d->flex_t[i];
        ret->t_last = d->flex_t[i];
        sum += d->flex_raw[i];
        sum2 += d->flex_raw[i] * d->flex_raw[i];
    }
    if (ret->n > 0) {
        ret->mean = sum / ret->n;
        ret->sd = sqrt(MAX(0.0, sum2 / ret->n - ret->mean * ret->mean));
    }
    {
        const struct kn_iio_scan_elem *e = &s->part.elems[s->part.streams[0].elem[0]];

        ret->full_scale = ldexp(1.0, (int) e->type.bits - (e->type.is_signed ? 1 : 0));
    }
    ret->rate_hz = s->part.rate_hz;
    return TRUE;
}

/* ---- the driver ---- */

static void iio_close(KnDevice *dev);

static KnDevice *iio_open(const KnDriverOptions *opts, GError **error)
{
    KnIioDevice *d;
    double best_rate = 0;
    gboolean any = FALSE;

    for (int i = 0; i < KN_SENSOR_COUNT; i++)
        any |= opts->iio.sensor[i].enabled;
    if (!any) {
        g_set_error(error, KN_DRIVER_ERROR, KN_DRIVER_ERROR_INVALID,
                    "iio: no sensor configured: give [flex], [thigh] or [shank] a device");
        return NULL;
    }
    d = g_new0(KnIioDevice, 1);
    kn_driver_options_init(&d->opts);
    kn_driver_options_copy(&d->opts, opts);
    d->clock = opts->clock ? kn_clock_ref(opts->clock) : kn_clock_new_system();
    d->align = kn_iio_align_new(MAX(STALL_MIN_MS, 4 * opts->batch_ms) / 1000.0);
    d->stall_us = (gint64) MAX(STALL_MIN_MS, 4 * opts->batch_ms) * 1000;
    d->frames = g_array_sized_new(FALSE, FALSE, sizeof(struct kn_frame), FRAME_CHUNK);
    d->scratch = g_byte_array_new();
    d->leader = d->planned_leader = -1;
    for (int i = 0; i < KN_IIO_PART_COUNT; i++) {
        Slot *s = &d->slots[i];

        s->owner = d;
        s->retry = kn_timer_new(d->clock, "kneed iio retry", on_retry, s);
        kn_iio_part_init(&s->part, (KnIioPartId) i, &d->opts.iio);
        if (s->part.used && s->part.opts->rate_hz > best_rate) {
            best_rate = s->part.opts->rate_hz;
            d->planned_leader = i;
        }
    }
    if (load_stored_cal(d, &d->cal))
        d->cal_stored = TRUE;
    else
        d->cal = opts->iio.sensor[KN_SENSOR_FLEX].calibration;
    d->parent.status.battery_pct = -1;
    d->parent.status.speed = 1.0;
    d->parent.status.flex_cal = d->cal;
    d->parent.status.flex_cal_stored = d->cal_stored;
    for (int i = 0; i < KN_SENSOR_COUNT; i++) {
        KnSensorStatus *st = &d->parent.status.sensors[i];

        if (!opts->iio.sensor[i].enabled)
            continue;
        st->state = KN_SENSOR_STATE_FAILED;
        st->requested_hz = opts->iio.sensor[i].rate_hz;
        g_strlcpy(st->last_error, "not opened yet", sizeof(st->last_error));
    }
    return &d->parent;
}

static gboolean iio_start(KnDevice *dev, GError **error)
{
    KnIioDevice *d = (KnIioDevice *) dev;
    gint64 now = kn_clock_now(d->clock);

    d->origin_us = now;
    dev->status.time_origin_us = now;
    for (int i = 0; i < KN_IIO_PART_COUNT; i++) {
        Slot *s = &d->slots[i];

        s->retry_ms = 0;
        if (s->part.used)
            slot_try_open(s, now);
    }
    d->watchdog = kn_timer_new(d->clock, "kneed iio watchdog", on_watchdog, d);
    arm_watchdog(d, now);
    pick_leader(d, now);
    update_status(d);
    return TRUE;
}

static void iio_stop(KnDevice *dev)
{
    KnIioDevice *d = (KnIioDevice *) dev;

    g_clear_pointer(&d->watchdog, kn_timer_free);
    for (int i = 0; i < KN_IIO_PART_COUNT; i++) {
        Slot *s = &d->slots[i];

        drop_source(&s->watch);
        kn_timer_stop(s->retry);
        stop_streams(d, s);
        kn_iio_part_close(&s->part);
    }
    d->leader = -1;
}

static void iio_close(KnDevice *dev)
{
    KnIioDevice *d = (KnIioDevice *) dev;

    iio_stop(dev);
    for (int i = 0; i < KN_IIO_PART_COUNT; i++) {
        kn_iio_part_clear(&d->slots[i].part);
        kn_timer_free(d->slots[i].retry);
    }
    kn_clock_unref(d->clock);
    kn_iio_align_free(d->align);
    g_array_unref(d->frames);
    g_byte_array_unref(d->scratch);
    kn_driver_options_clear(&d->opts);
    g_free(d);
}

const KnDriver kn_driver_iio = {
    .name = "iio",
    .description = "the sleeve's IMUs and flexion ADC through IIO buffers (libiio)",
    .open = iio_open,
    .start = iio_start,
    .stop = iio_stop,
    .close = iio_close,
    .flex_raw_stats = iio_flex_raw_stats,
    .set_flex_calibration = iio_set_flex_calibration,
};
