/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * One IIO device of the IIO source: find it, check it against the
 * configuration, configure it (trigger, sampling frequency, timestamp
 * clock), start buffered capture and decode what it sends.
 */
#define G_LOG_DOMAIN "kneed-drivers"

#include <errno.h>
#include <math.h>
#include <string.h>

#include "drivers/iio-internal.h"

/* Timestamps further than this from the read are not CLOCK_MONOTONIC
 * (a driver without current_timestamp_clock, a broken clock): the part
 * falls back to the read-time clock. */
#define TS_MAX_AGE_S 5.0
#define TS_MAX_AHEAD_S 0.5
#define DECODE_CHUNK 256

static const char *const axes[3] = { "x", "y", "z" };

static const char *section_name(KnSensorId sensor)
{
    return kn_sensor_id_to_string(sensor);
}

void kn_iio_part_init(KnIioPart *p, KnIioPartId id, const KnIioOptions *opts)
{
    static const KnSensorId sensor_of[KN_IIO_PART_COUNT] = {
        [KN_IIO_PART_THIGH] = KN_SENSOR_THIGH,
        [KN_IIO_PART_THIGH_GYRO] = KN_SENSOR_THIGH,
        [KN_IIO_PART_SHANK] = KN_SENSOR_SHANK,
        [KN_IIO_PART_SHANK_GYRO] = KN_SENSOR_SHANK,
        [KN_IIO_PART_FLEX] = KN_SENSOR_FLEX,
    };
    const KnIioSensorOptions *s;
    gboolean thigh;

    memset(p, 0, sizeof(*p));
    p->id = id;
    p->sensor = sensor_of[id];
    p->opts = s = &opts->sensor[p->sensor];
    p->ts_elem = -1;
    thigh = p->sensor == KN_SENSOR_THIGH;
    switch (id) {
    case KN_IIO_PART_THIGH:
    case KN_IIO_PART_SHANK:
        p->used = s->enabled;
        p->device = s->device;
        p->bus = s->bus;
        p->device_key = KN_IIO_KEY_DEVICE;
        p->bus_key = KN_IIO_KEY_BUS;
        p->streams[p->n_streams++].stream = thigh ? KN_IIO_STREAM_THIGH_ACCEL
                                                  : KN_IIO_STREAM_SHANK_ACCEL;
        if (!s->gyro_device)
            p->streams[p->n_streams++].stream = thigh ? KN_IIO_STREAM_THIGH_GYRO
                                                      : KN_IIO_STREAM_SHANK_GYRO;
        break;
    case KN_IIO_PART_THIGH_GYRO:
    case KN_IIO_PART_SHANK_GYRO:
        p->used = s->enabled && s->gyro_device;
        p->device = s->gyro_device;
        p->bus = s->gyro_bus ? s->gyro_bus : s->bus;
        p->device_key = KN_IIO_KEY_GYRO_DEVICE;
        p->bus_key = s->gyro_bus ? KN_IIO_KEY_GYRO_BUS : KN_IIO_KEY_BUS;
        p->streams[p->n_streams++].stream = thigh ? KN_IIO_STREAM_THIGH_GYRO
                                                  : KN_IIO_STREAM_SHANK_GYRO;
        break;
    case KN_IIO_PART_FLEX:
        p->used = s->enabled;
        p->device = s->device;
        p->bus = s->bus;
        p->device_key = KN_IIO_KEY_DEVICE;
        p->bus_key = KN_IIO_KEY_BUS;
        p->streams[p->n_streams++].stream = KN_IIO_STREAM_FLEX;
        break;
    case KN_IIO_PART_COUNT:
        break;
    }
}

void kn_iio_part_clear(KnIioPart *p)
{
    kn_iio_part_close(p);
}

static const char *stream_prefix(enum kn_iio_stream s)
{
    switch (s) {
    case KN_IIO_STREAM_THIGH_ACCEL:
    case KN_IIO_STREAM_SHANK_ACCEL:
        return "accel";
    case KN_IIO_STREAM_THIGH_GYRO:
    case KN_IIO_STREAM_SHANK_GYRO:
        return "anglvel";
    case KN_IIO_STREAM_FLEX:
    case KN_IIO_STREAM_COUNT:
        break;
    }
    return NULL;
}

/* The channel ids a stream needs: three axes, or the flex channel. */
static guint stream_channels(const KnIioPart *p, const KnIioPartStream *s, char *ids[3])
{
    const char *prefix = stream_prefix(s->stream);

    if (!prefix) {
        ids[0] = g_strdup(p->opts->channel ? p->opts->channel : "voltage0");
        return 1;
    }
    for (int k = 0; k < 3; k++)
        ids[k] = g_strdup_printf("%s_%s", prefix, axes[k]);
    return 3;
}

static void part_error(const KnIioPart *p, GError **error, int code, KnIioKey key,
                       const char *format, ...) G_GNUC_PRINTF(5, 6);

static void part_error(const KnIioPart *p, GError **error, int code, KnIioKey key,
                       const char *format, ...)
{
    g_autofree char *msg = NULL;
    g_autofree char *fallback = NULL;
    const char *origin = p->opts->origin[key];
    va_list ap;

    va_start(ap, format);
    msg = g_strdup_vprintf(format, ap);
    va_end(ap);
    if (!origin)
        origin = fallback = g_strdup_printf("[%s] %s", section_name(p->sensor),
                                            kn_iio_key_name(key));
    g_set_error(error, KN_DRIVER_ERROR, code, "%s: %s", origin, msg);
}

/* "accel_x, accel_y, ..." of the device, for messages. */
static char *channel_hint(const KnIioDev *dev, const char *prefix)
{
    static const char *const candidates[] = {
        "accel_x", "anglvel_x", "voltage0", "voltage1", "voltage2", "voltage3",
        "voltage0-voltage1", "voltage0-voltage3", "voltage1-voltage3", "voltage2-voltage3",
        "timestamp",
    };
    g_autoptr(GString) s = g_string_new(NULL);

    for (size_t i = 0; i < G_N_ELEMENTS(candidates); i++) {
        if ((!prefix || g_str_has_prefix(candidates[i], prefix)) &&
            kn_iio_dev_has_channel(dev, candidates[i]))
            g_string_append_printf(s, "%s%s", s->len ? ", " : "", candidates[i]);
    }
    return g_strdup(s->len ? s->str : "none kneed knows");
}

static char *own_trigger(const KnIioDev *dev)
{
    const KnIioDevInfo *info = kn_iio_dev_get_info(dev);
    g_auto(GStrv) triggers = kn_iio_dev_list_triggers(dev);
    const char *num = strrchr(info->id, 'e');   /* iio:deviceN */
    g_autofree char *want = g_strdup_printf("%s-dev%s", info->name, num ? num + 1 : "");

    for (size_t i = 0; triggers[i]; i++)
        if (strcmp(triggers[i], want) == 0)
            return g_strdup(triggers[i]);
    /* Older drivers name it after the device only ("bmi160-trigger"). */
    for (size_t i = 0; triggers[i]; i++)
        if (g_str_has_prefix(triggers[i], info->name) &&
            triggers[i][strlen(info->name)] == '-')
            return g_strdup(triggers[i]);
    return NULL;
}

static gboolean check_mount_matrix(KnIioPart *p, const KnIioDev *dev, KnIioPartStream *s,
                                   const char *first_channel, GError **error)
{
    g_autofree char *text = NULL;
    int r;

    if (p->opts->has_mount_matrix) {
        s->mount = p->opts->mount_matrix;
        return TRUE;
    }
    text = kn_iio_dev_read_mount_matrix(dev, first_channel);
    if (!text) {
        kn_mount_matrix_identity(&s->mount);
        return TRUE;
    }
    r = kn_mount_matrix_parse(text, &s->mount);
    if (r < 0) {
        part_error(p, error, KN_DRIVER_ERROR_INVALID, KN_IIO_KEY_MOUNT_MATRIX,
                   "the kernel's mount matrix of %s ('%s') is %s: set mount_matrix",
                   kn_iio_dev_get_info(dev)->name, text,
                   r == -EDOM ? "not a rotation" : "unreadable");
        return FALSE;
    }
    return TRUE;
}

KnIioDev *kn_iio_part_find(KnIioPart *p, GError **error)
{
    g_autoptr(GError) local = NULL;
    g_autoptr(KnIioDev) dev = NULL;
    const KnIioSensorOptions *o = p->opts;
    const char *name;

    dev = kn_iio_dev_open(p->device, p->bus, &local);
    if (!dev) {
        part_error(p, error, local->code,
                   local->code == KN_DRIVER_ERROR_NOT_FOUND && p->bus ? p->bus_key : p->device_key,
                   "%s", local->message);
        return NULL;
    }
    name = kn_iio_dev_get_info(dev)->name;
    for (guint i = 0; i < p->n_streams; i++) {
        KnIioPartStream *s = &p->streams[i];
        char *ids[3] = { NULL };
        guint n = stream_channels(p, s, ids);
        gboolean ok = TRUE;

        for (guint k = 0; k < n && ok; k++) {
            struct kn_iio_scan_type type;
            long index;
            g_autofree char *hint = NULL;

            if (!kn_iio_dev_has_channel(dev, ids[k])) {
                ok = FALSE;
                if (s->stream == KN_IIO_STREAM_FLEX) {
                    hint = channel_hint(dev, "voltage");
                    part_error(p, error, KN_DRIVER_ERROR_INVALID, KN_IIO_KEY_CHANNEL,
                               "%s has no channel '%s' (it has %s)", name, ids[k], hint);
                } else if (g_str_has_prefix(ids[k], "anglvel") && p->device_key == KN_IIO_KEY_DEVICE) {
                    part_error(p, error, KN_DRIVER_ERROR_INVALID, KN_IIO_KEY_DEVICE,
                               "%s has no %s channel: if the gyroscope is a device of its own, "
                               "name it in gyro_device", name, ids[k]);
                } else {
                    hint = channel_hint(dev, NULL);
                    part_error(p, error, KN_DRIVER_ERROR_INVALID, p->device_key,
                               "%s has no %s channel (it has %s): is it an IMU?", name, ids[k],
                               hint);
                }
            } else if (kn_iio_dev_scan_type(dev, ids[k], &type, &index) < 0) {
                ok = FALSE;
                part_error(p, error, KN_DRIVER_ERROR_INVALID,
                           s->stream == KN_IIO_STREAM_FLEX ? KN_IIO_KEY_CHANNEL : p->device_key,
                           "%s's channel %s cannot be captured in a buffer (no scan element)",
                           name, ids[k]);
            }
        }
        if (ok && s->stream != KN_IIO_STREAM_FLEX)
            ok = check_mount_matrix(p, dev, s, ids[0], error);
        for (guint k = 0; k < n; k++)
            g_free(ids[k]);
        if (!ok)
            return NULL;
    }
    if (o->trigger && strcmp(o->trigger, "none") != 0) {
        gboolean supported;
        g_autofree char *current = kn_iio_dev_get_trigger(dev, &supported);
        g_auto(GStrv) triggers = kn_iio_dev_list_triggers(dev);
        g_autofree char *own = NULL;
        g_autofree char *list = g_strjoinv(", ", triggers);

        if (!supported) {
            part_error(p, error, KN_DRIVER_ERROR_INVALID, KN_IIO_KEY_TRIGGER,
                       "%s takes no trigger (it fills its buffer itself): remove trigger",
                       name);
            return NULL;
        }
        if (strcmp(o->trigger, "own") == 0) {
            own = own_trigger(dev);
            if (!own) {
                part_error(p, error, KN_DRIVER_ERROR_INVALID, KN_IIO_KEY_TRIGGER,
                           "%s has no trigger of its own (no interrupt line in the device "
                           "tree?); triggers present: %s", name, list[0] ? list : "none");
                return NULL;
            }
        } else if (!g_strv_contains((const char *const *) triggers, o->trigger)) {
            part_error(p, error, KN_DRIVER_ERROR_INVALID, KN_IIO_KEY_TRIGGER,
                       "no trigger named '%s' (present: %s); an hrtimer trigger is made with "
                       "'mkdir /sys/kernel/config/iio/triggers/hrtimer/%s'", o->trigger,
                       list[0] ? list : "none", o->trigger);
            return NULL;
        }
    }
    return g_steal_pointer(&dev);
}

/* Where the sampling frequency of a stream lives: on its channels
 * (bmi160's in_accel_sampling_frequency, ads1015's per channel) or on the
 * device (lsm6dsx, mpu6050).  Returns the channel, or NULL for the
 * device; *ret_found FALSE when neither has one. */
static const char *rate_channel(const KnIioDev *dev, const char *first, gboolean *ret_found)
{
    *ret_found = TRUE;
    if (first && kn_iio_dev_has_attr(dev, first, "sampling_frequency"))
        return first;
    *ret_found = kn_iio_dev_has_attr(dev, NULL, "sampling_frequency");
    return NULL;
}

static char *format_rate(double hz)
{
    char buf[G_ASCII_DTOSTR_BUF_SIZE];

    return g_strdup(g_ascii_formatd(buf, sizeof(buf), "%.9g", hz));
}

static double read_double(const char *text)
{
    char *end = NULL;
    double v;

    if (!text)
        return NAN;
    v = g_ascii_strtod(text, &end);
    return end != text && isfinite(v) ? v : NAN;
}

static gboolean set_rate(KnIioPart *p, KnIioDev *dev, const char *first, double *ret_taken,
                         GError **error)
{
    const char *name = kn_iio_dev_get_info(dev)->name;
    g_autofree char *available = NULL;
    g_autofree char *text = NULL;
    g_autofree char *back = NULL;
    gboolean found;
    const char *ch = rate_channel(dev, first, &found);
    double want = p->opts->rate_hz, pick = want;
    int r;

    *ret_taken = NAN;
    if (!found)
        return TRUE;
    available = kn_iio_dev_read_attr(dev, ch, "sampling_frequency_available");
    if (!available && ch)
        available = kn_iio_dev_read_attr(dev, NULL, "sampling_frequency_available");
    if (available && kn_iio_pick_nearest(available, want, &pick) < 0) {
        part_error(p, error, KN_DRIVER_ERROR_INVALID, KN_IIO_KEY_RATE,
                   "cannot read %s's sampling_frequency_available '%s'", name, available);
        return FALSE;
    }
    text = format_rate(pick);
    /* A refusal is no failure: the device samples at what it has, and
     * that is what is read back and reported. */
    r = kn_iio_dev_write_attr(dev, ch, "sampling_frequency", text);
    if (r < 0)
        g_debug("%s refused sampling_frequency %s Hz: %s", name, text, g_strerror(-r));
    back = kn_iio_dev_read_attr(dev, ch, "sampling_frequency");
    *ret_taken = back ? read_double(back) : r < 0 ? NAN : pick;
    g_debug("%s: sampling_frequency %s Hz for %g Hz wanted (available: %s)", name, back ? back : text,
            want, available ? available : "not listed");
    return TRUE;
}

/* The widest range the chip offers: a runner's shank sees 10 g at heel
 * strike and the gyros 1000 deg/s in swing; the finest steps of even the
 * widest range are far below the analysis' noise. */
static void set_widest_scale(KnIioDev *dev, const char *first)
{
    g_autofree char *available = kn_iio_dev_read_attr(dev, first, "scale_available");
    double widest;
    int r;

    if (!available || kn_iio_pick_nearest(available, G_MAXDOUBLE, &widest) < 0)
        return;
    {
        g_autofree char *text = format_rate(widest);

        r = kn_iio_dev_write_attr(dev, first, "scale", text);
        g_debug("%s: scale %s%s%s", kn_iio_dev_get_info(dev)->name, text, r < 0 ? ": " : "",
                r < 0 ? g_strerror(-r) : "");
    }
}

static gboolean set_trigger(KnIioPart *p, KnIioDev *dev, char **ret_used, GError **error)
{
    const char *spec = p->opts->trigger;
    const char *name = kn_iio_dev_get_info(dev)->name;
    gboolean supported;
    g_autofree char *current = kn_iio_dev_get_trigger(dev, &supported);
    g_autofree char *want = NULL;
    int r;

    *ret_used = NULL;
    if (!supported)
        return TRUE;
    if (!spec)
        want = current ? g_strdup(current) : own_trigger(dev);
    else if (strcmp(spec, "own") == 0)
        want = own_trigger(dev);
    else if (strcmp(spec, "none") != 0)
        want = g_strdup(spec);
    r = kn_iio_dev_set_trigger(dev, want);
    if (r < 0) {
        part_error(p, error, KN_DRIVER_ERROR_INVALID, KN_IIO_KEY_TRIGGER,
                   "%s refused trigger %s: %s", name, want ? want : "none", g_strerror(-r));
        return FALSE;
    }
    *ret_used = g_steal_pointer(&want);
    return TRUE;
}

static clockid_t clock_of(const char *name)
{
    static const struct {
        const char *name;
        clockid_t id;
    } clocks[] = {
        { "monotonic", CLOCK_MONOTONIC },
        { "realtime", CLOCK_REALTIME },
        { "monotonic_raw", CLOCK_MONOTONIC_RAW },
        { "realtime_coarse", CLOCK_REALTIME_COARSE },
        { "monotonic_coarse", CLOCK_MONOTONIC_COARSE },
        { "boottime", CLOCK_BOOTTIME },
        { "tai", CLOCK_TAI },
    };

    for (size_t i = 0; name && i < G_N_ELEMENTS(clocks); i++)
        if (strcmp(name, clocks[i].name) == 0)
            return clocks[i].id;
    /* The kernel's default without current_timestamp_clock. */
    return CLOCK_REALTIME;
}

static void add_elem(KnIioPart *q, KnIioDev *dev, const char *channel, gboolean scaled)
{
    struct kn_iio_scan_elem *e = &q->elems[q->n_elems];
    g_autofree char *scale = scaled ? kn_iio_dev_read_attr(dev, channel, "scale") : NULL;
    g_autofree char *offset = scaled ? kn_iio_dev_read_attr(dev, channel, "offset") : NULL;
    double v;

    kn_iio_dev_scan_type(dev, channel, &e->type, &e->index);
    q->elem_channel[q->n_elems] = g_intern_string(channel);
    v = read_double(scale);
    q->scale[q->n_elems] = isnan(v) ? 1.0 : v;
    v = read_double(offset);
    q->offset[q->n_elems] = isnan(v) ? 0.0 : v;
    q->n_elems++;
}

static char *describe(const KnIioPart *p, const KnIioDev *dev, const char *trigger)
{
    const KnIioDevInfo *info = kn_iio_dev_get_info(dev);
    g_autofree char *parent = info->path[0] ? g_path_get_dirname(info->path) : NULL;
    g_autofree char *bus = parent ? g_path_get_basename(parent) : NULL;
    GString *s = g_string_new(NULL);

    g_string_append_printf(s, "%s %s", info->name, info->id);
    if (bus && strcmp(bus, "/") != 0 && strcmp(bus, ".") != 0)
        g_string_append_printf(s, " %s", bus);
    if (p->id == KN_IIO_PART_FLEX)
        g_string_append_printf(s, " %s", p->opts->channel ? p->opts->channel : "voltage0");
    if (trigger)
        g_string_append_printf(s, ", trigger %s", trigger);
    if (p->ts_elem < 0)
        g_string_append(s, ", no timestamps");
    return g_string_free(s, FALSE);
}

gboolean kn_iio_part_open(KnIioPart *p, gsize samples_count, GError **error)
{
    g_autoptr(KnIioDev) dev = NULL;
    g_autofree char *trigger = NULL;
    g_autoptr(GPtrArray) ids = g_ptr_array_new_with_free_func(g_free);
    double taken = NAN, trig_taken = NAN;
    int r;

    kn_iio_part_close(p);
    dev = kn_iio_part_find(p, error);
    if (!dev)
        return FALSE;
    kn_iio_dev_quiesce(dev);
    if (!set_trigger(p, dev, &trigger, error))
        return FALSE;
    p->n_elems = 0;
    p->ts_elem = -1;
    for (guint i = 0; i < p->n_streams; i++) {
        KnIioPartStream *s = &p->streams[i];
        char *ch[3] = { NULL };
        guint n = stream_channels(p, s, ch);
        double t = NAN;

        if (!set_rate(p, dev, ch[0], &t, error)) {
            for (guint k = 0; k < n; k++)
                g_free(ch[k]);
            return FALSE;
        }
        if (i == 0)
            taken = t;
        if (s->stream != KN_IIO_STREAM_FLEX)
            set_widest_scale(dev, ch[0]);
        for (guint k = 0; k < n; k++) {
            s->elem[k] = (int) p->n_elems;
            add_elem(p, dev, ch[k], s->stream != KN_IIO_STREAM_FLEX);
            g_ptr_array_add(ids, ch[k]);
        }
    }
    if (kn_iio_dev_scan_type(dev, "timestamp", &p->elems[p->n_elems].type,
                             &p->elems[p->n_elems].index) == 0) {
        g_autofree char *clock = NULL;

        /* The kernel's timestamps on CLOCK_MONOTONIC, the base of kneed's
         * one clock (clock/clock.h), so that a step of the system clock
         * moves none of them; the newline as sysfs would print it. */
        kn_iio_dev_write_attr(dev, NULL, "current_timestamp_clock", "monotonic\n");
        clock = kn_iio_dev_read_attr(dev, NULL, "current_timestamp_clock");
        p->ts_clock = clock_of(clock);
        p->ts_elem = (int) p->n_elems;
        p->elem_channel[p->n_elems] = g_intern_static_string("timestamp");
        p->scale[p->n_elems] = 1;
        p->offset[p->n_elems] = 0;
        p->n_elems++;
        g_ptr_array_add(ids, g_strdup("timestamp"));
    }
    g_ptr_array_add(ids, NULL);
    if (kn_iio_scan_layout(p->elems, p->n_elems, &p->scan_size) < 0) {
        part_error(p, error, KN_DRIVER_ERROR_INVALID, p->device_key,
                   "%s: two channels share a scan index", kn_iio_dev_get_info(dev)->name);
        return FALSE;
    }
    if (trigger) {
        g_autofree char *want = format_rate(p->opts->rate_hz);
        g_autofree char *back = NULL;

        /* An hrtimer trigger paces the capture itself. */
        if (kn_iio_trigger_write_attr(dev, trigger, "sampling_frequency", want) == 0) {
            back = kn_iio_trigger_read_attr(dev, trigger, "sampling_frequency");
            trig_taken = back ? read_double(back) : p->opts->rate_hz;
        }
    }
    r = kn_iio_dev_start(dev, (const char *const *) ids->pdata, samples_count);
    if (r < 0) {
        part_error(p, error, KN_DRIVER_ERROR_IO, trigger ? KN_IIO_KEY_TRIGGER : p->device_key,
                   "%s: cannot start buffered capture: %s%s", kn_iio_dev_get_info(dev)->name,
                   g_strerror(-r), !trigger && r == -EINVAL
                       ? " (does it need a trigger? set trigger, e.g. an hrtimer trigger)" : "");
        return FALSE;
    }
    p->rate_hz = !isnan(trig_taken) && trig_taken > 0 ? trig_taken
               : !isnan(taken) && taken > 0 ? taken : p->opts->rate_hz;
    p->ts_trusted = p->ts_elem >= 0;
    kn_iio_clock_init(&p->clock, p->rate_hz);
    p->description = describe(p, dev, trigger);
    p->pending = g_byte_array_new();
    p->dev = g_steal_pointer(&dev);
    return TRUE;
}

void kn_iio_part_close(KnIioPart *p)
{
    g_clear_pointer(&p->dev, kn_iio_dev_free);
    g_clear_pointer(&p->description, g_free);
    g_clear_pointer(&p->pending, g_byte_array_unref);
}

/* Offset of the timestamps' clock from CLOCK_MONOTONIC, ns. */
static gint64 clock_offset_ns(clockid_t clock)
{
    struct timespec a, m;

    if (clock == CLOCK_MONOTONIC)
        return 0;
    clock_gettime(clock, &a);
    clock_gettime(CLOCK_MONOTONIC, &m);
    return (gint64) (a.tv_sec - m.tv_sec) * G_GINT64_CONSTANT(1000000000) +
           (a.tv_nsec - m.tv_nsec);
}

static void decode_scans(KnIioPart *p, const guint8 *data, guint n, gint64 now_us,
                         gint64 origin_us, KnIioSampleFunc func, gpointer user_data)
{
    double now_s = (double) (now_us - origin_us) / 1e6;
    gint64 offset = p->ts_trusted ? clock_offset_ns(p->ts_clock) : 0;
    double ts[DECODE_CHUNK];

    for (guint first = 0; first < n; first += DECODE_CHUNK) {
        guint m = MIN(n - first, DECODE_CHUNK);

        if (p->ts_trusted) {
            for (guint j = 0; j < m; j++) {
                const guint8 *scan = data + (gsize) (first + j) * p->scan_size;
                gint64 ns = kn_iio_scan_decode(scan, &p->elems[p->ts_elem], 0);

                ts[j] = (double) (ns - offset - origin_us * 1000) / 1e9;
            }
            if (ts[m - 1] > now_s + TS_MAX_AHEAD_S || ts[0] < now_s - TS_MAX_AGE_S) {
                char *d = g_strconcat(p->description, ", timestamps ignored", NULL);

                g_debug("%s: timestamps %.3f s from the read: stamping by read time",
                        p->description, ts[m - 1] - now_s);
                g_free(p->description);
                p->description = d;
                p->description_changed = TRUE;
                p->ts_trusted = FALSE;
            }
        }
        if (!p->ts_trusted)
            kn_iio_clock_stamp(&p->clock, m, now_s, ts);
        for (guint j = 0; j < m; j++) {
            const guint8 *scan = data + (gsize) (first + j) * p->scan_size;

            for (guint i = 0; i < p->n_streams; i++) {
                const KnIioPartStream *s = &p->streams[i];
                double v[3] = { 0, 0, 0 };

                if (s->stream == KN_IIO_STREAM_FLEX) {
                    v[0] = (double) kn_iio_scan_decode(scan, &p->elems[s->elem[0]], 0);
                } else {
                    for (int k = 0; k < 3; k++) {
                        int e = s->elem[k];

                        v[k] = kn_iio_scan_value(kn_iio_scan_decode(scan, &p->elems[e], 0),
                                                 p->offset[e], p->scale[e]);
                    }
                    kn_mount_matrix_apply(&s->mount, v, v);
                }
                func(p, s, ts[j], v, user_data);
            }
        }
    }
}

guint kn_iio_part_decode(KnIioPart *p, const guint8 *data, gsize len, gint64 now_us,
                         gint64 origin_us, KnIioSampleFunc func, gpointer user_data)
{
    guint n;

    if (p->scan_size == 0)
        return 0;
    /* The kernel hands out whole scans; a pipe-like node may not. */
    if (p->pending->len == 0 && len % p->scan_size == 0) {
        n = (guint) (len / p->scan_size);
        decode_scans(p, data, n, now_us, origin_us, func, user_data);
        return n;
    }
    g_byte_array_append(p->pending, data, (guint) len);
    n = (guint) (p->pending->len / p->scan_size);
    decode_scans(p, p->pending->data, n, now_us, origin_us, func, user_data);
    g_byte_array_remove_range(p->pending, 0, (guint) (n * p->scan_size));
    return n;
}

gboolean kn_iio_options_check(const KnIioOptions *opts, GError **error)
{
    for (int id = 0; id < KN_IIO_PART_COUNT; id++) {
        g_autoptr(GError) local = NULL;
        KnIioPart p;
        KnIioDev *dev;

        kn_iio_part_init(&p, (KnIioPartId) id, opts);
        if (!p.used)
            continue;
        dev = kn_iio_part_find(&p, &local);
        kn_iio_dev_free(dev);
        if (!dev && !g_error_matches(local, KN_DRIVER_ERROR, KN_DRIVER_ERROR_NOT_FOUND)) {
            g_propagate_error(error, g_steal_pointer(&local));
            return FALSE;
        }
    }
    return TRUE;
}
