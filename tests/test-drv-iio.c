/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The IIO source through libiio's real local backend, the kernel boundary
 * faked by umockdev (run under umockdev-wrapper; tests/iio/ holds the
 * sysfs trees of real drivers).  Samples are written into the device
 * nodes as the kernel lays them out, written here byte by byte from the
 * drivers' channel tables, not with the code under test.  Checked: what
 * kneed writes to sysfs (scan elements, triggers and their rates, the
 * nearest sampling frequency, the widest range, the timestamp clock, the
 * watermarks from batch_ms), values and units, mount matrices, the
 * kernel's timestamps, the alignment of three streams on three clocks,
 * big-endian and timestamp-less devices, a device vanishing and coming
 * back, and configuration errors naming file, line and key.
 */
#include <errno.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <math.h>
#include <string.h>
#include <umockdev.h>
#include <unistd.h>

#include "daemon/config.h"
#include "clock/clock-test.h"
#include "drivers/driver.h"
#include "tests/umockdev-helpers.h"

#define BMI0 "/sys/devices/platform/soc/fe804000.i2c/i2c-1/1-0068/iio:device0"
#define BMI1 "/sys/devices/platform/soc/fe804000.i2c/i2c-1/1-0069/iio:device1"
#define ADS "/sys/devices/platform/soc/fe804000.i2c/i2c-1/1-0048/iio:device2"
#define LSM_A "/sys/devices/platform/soc/fe804000.i2c/i2c-1/1-006a/iio:device3"
#define LSM_G "/sys/devices/platform/soc/fe804000.i2c/i2c-1/1-006a/iio:device4"
#define MPU "/sys/devices/platform/soc/fe805000.i2c/i2c-2/2-0068/iio:device5"
#define ADS1115 "/sys/devices/platform/soc/fe805000.i2c/i2c-2/2-0049/iio:device6"
#define HRT0 "/sys/devices/iio_sysfs_trigger/trigger0"
#define HRT1 "/sys/devices/iio_sysfs_trigger/trigger1"

/* Scales the code under test will choose: the widest ranges. */
#define BMI_ACCEL_SCALE 0.004788
#define BMI_GYRO_SCALE 0.001065
#define LSM_ACCEL_SCALE 0.004785
#define LSM_GYRO_SCALE 0.001222
#define MPU_ACCEL_SCALE 0.004785
#define MPU_GYRO_SCALE 0.001064724

static UMockdevTestbed *tb;
static char *tmpdir;
static char *srcdir;

/* ---- test bed ---- */

static void add_bed(const char *file)
{
    g_autoptr(GError) error = NULL;
    g_autofree char *path = g_build_filename(srcdir, "tests", "iio", file, NULL);

    g_assert_true(umockdev_testbed_add_from_file(tb, path, &error));
    g_assert_no_error(error);
}

static char *attr(const char *dev, const char *name)
{
    g_autofree char *root = umockdev_testbed_get_root_dir(tb);
    g_autofree char *path = g_build_filename(root, dev, name, NULL);
    char *v = NULL;

    if (!g_file_get_contents(path, &v, NULL, NULL))
        return NULL;
    return g_strstrip(v);
}

static void assert_attr(const char *dev, const char *name, const char *want)
{
    g_autofree char *v = attr(dev, name);

    g_test_message("%s/%s = '%s'", dev, name, v ? v : "(none)");
    g_assert_cmpstr(v, ==, want);
}

static double attr_double(const char *dev, const char *name)
{
    g_autofree char *v = attr(dev, name);

    g_assert_nonnull(v);
    return g_ascii_strtod(v, NULL);
}

static int dev_fd(const char *node)
{
    int fd = umockdev_testbed_get_dev_fd(tb, node);

    g_assert_cmpint(fd, >=, 0);
    return fd;
}

static void write_all(int fd, const guint8 *p, gsize n)
{
    while (n > 0) {
        ssize_t w = write(fd, p, n);

        g_assert_cmpint(w, >, 0);
        p += w;
        n -= (gsize) w;
    }
}

/* ---- scans, byte by byte from the kernel's layout ---- */

static void le16(guint8 *p, double v)
{
    gint16 x = (gint16) CLAMP(lround(v), -32768, 32767);

    p[0] = (guint8) (x & 0xff);
    p[1] = (guint8) ((guint16) x >> 8);
}

static void be16(guint8 *p, double v)
{
    gint16 x = (gint16) CLAMP(lround(v), -32768, 32767);

    p[1] = (guint8) (x & 0xff);
    p[0] = (guint8) ((guint16) x >> 8);
}

static void le64(guint8 *p, gint64 v)
{
    for (int i = 0; i < 8; i++)
        p[i] = (guint8) ((guint64) v >> (8 * i));
}

/* bmi160, accel + gyro + timestamp: gyro (scan index 4-6) at 0, accel
 * (7-9) at 6, 4 bytes of padding, the s64 timestamp at 16: 24 bytes. */
static gsize bmi160_scan(guint8 *s, const double accel[3], const double gyro[3], gint64 ts)
{
    memset(s, 0, 24);
    for (int k = 0; k < 3; k++) {
        le16(s + 2 * k, gyro[k] / BMI_GYRO_SCALE);
        le16(s + 6 + 2 * k, accel[k] / BMI_ACCEL_SCALE);
    }
    le64(s + 16, ts);
    return 24;
}

/* lsm6dsl_accel or _gyro: x, y, z at 0, the timestamp at 8: 16 bytes. */
static gsize lsm_scan(guint8 *s, const double v[3], double scale, gint64 ts)
{
    memset(s, 0, 16);
    for (int k = 0; k < 3; k++)
        le16(s + 2 * k, v[k] / scale);
    le64(s + 8, ts);
    return 16;
}

/* ads1015 voltage0 (index 4) + timestamp: the 12-bit value in the top of
 * a little-endian s16 (>>4), the timestamp at 8: 16 bytes. */
static gsize ads1015_scan(guint8 *s, gint raw, gint64 ts)
{
    gint16 x = (gint16) (raw * 16);

    memset(s, 0, 16);
    s[0] = (guint8) (x & 0xff);
    s[1] = (guint8) ((guint16) x >> 8);
    le64(s + 8, ts);
    return 16;
}

/* mpu6050, accel (0-2) + gyro (4-6) + timestamp, big-endian: accel at 0,
 * gyro at 6, the timestamp at 16: 24 bytes. */
static gsize mpu_scan(guint8 *s, const double accel[3], const double gyro[3], gint64 ts)
{
    memset(s, 0, 24);
    for (int k = 0; k < 3; k++) {
        be16(s + 2 * k, accel[k] / MPU_ACCEL_SCALE);
        be16(s + 6 + 2 * k, gyro[k] / MPU_GYRO_SCALE);
    }
    le64(s + 16, ts);
    return 24;
}

/* chip = M^T segment: what a chip mounted with M reads for a segment-frame
 * vector (M is a rotation). */
static void chip_of(const double m[3][3], const double seg[3], double chip[3])
{
    for (int j = 0; j < 3; j++)
        chip[j] = m[0][j] * seg[0] + m[1][j] * seg[1] + m[2][j] * seg[2];
}

/* ---- the source under test ---- */

typedef struct {
    GArray *frames;
    guint status_changes;
} Sink;

static void on_frames(KnDevice *dev, const struct kn_frame *f, gsize n, gpointer data)
{
    Sink *s = data;

    g_array_append_vals(s->frames, f, (guint) n);
}

static void on_status(KnDevice *dev, gpointer data)
{
    ((Sink *) data)->status_changes++;
}

static const KnDeviceCallbacks callbacks = {
    .frames = on_frames,
    .status_changed = on_status,
};

static char *write_conf(const char *name, const char *text)
{
    g_autoptr(GError) error = NULL;
    char *path = g_build_filename(tmpdir, name, NULL);

    g_file_set_contents(path, text, -1, &error);
    g_assert_no_error(error);
    return path;
}

static KnConfig *load(const char *text, GError **error)
{
    g_autofree char *path = write_conf("kneed.conf", text);

    return kn_config_load(path, NULL, 0, error);
}

/* clock: the source's (NULL: the system's). */
static KnDevice *start_on(const char *conf, Sink *sink, KnClock *clock)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(KnConfig) c = load(conf, &error);
    KnDevice *dev;

    g_assert_no_error(error);
    g_assert_nonnull(c);
    g_assert_cmpstr(c->driver->name, ==, "iio");
    g_free(c->driver_opts.state_dir);
    c->driver_opts.state_dir = g_build_filename(tmpdir, "state", NULL);
    if (clock)
        c->driver_opts.clock = kn_clock_ref(clock);
    dev = kn_device_open(c->driver, &c->driver_opts, &error);
    g_assert_no_error(error);
    sink->frames = g_array_new(FALSE, FALSE, sizeof(struct kn_frame));
    sink->status_changes = 0;
    kn_device_set_callbacks(dev, &callbacks, sink, NULL);
    g_assert_true(kn_device_start(dev, &error));
    g_assert_no_error(error);
    return dev;
}

static KnDevice *start(const char *conf, Sink *sink)
{
    return start_on(conf, sink, NULL);
}

static void iterate_until(gboolean (*done)(gpointer), gpointer data, double timeout_s)
{
    gint64 end = g_get_monotonic_time() + (gint64) (timeout_s * G_USEC_PER_SEC);
    g_autoptr(GMainContext) ctx = g_main_context_ref_thread_default();

    while (!done(data)) {
        g_assert_cmpint(g_get_monotonic_time(), <, end);
        g_main_context_iteration(ctx, FALSE);
        g_usleep(1000);
    }
}

static void iterate_for(double seconds)
{
    g_autoptr(GMainContext) ctx = g_main_context_ref_thread_default();
    gint64 end = g_get_monotonic_time() + (gint64) (seconds * G_USEC_PER_SEC);

    while (g_get_monotonic_time() < end) {
        g_main_context_iteration(ctx, FALSE);
        g_usleep(1000);
    }
}

typedef struct {
    Sink *sink;
    double until_t;
} FramesUntil;

static gboolean frames_reach(gpointer data)
{
    FramesUntil *u = data;
    GArray *f = u->sink->frames;

    return f->len > 0 && g_array_index(f, struct kn_frame, f->len - 1).t_s >= u->until_t;
}

static gint64 now_ns(void)
{
    return g_get_monotonic_time() * 1000;
}

static const char pair_conf[] =
    "[daemon]\nsource = iio\nbatch_ms = 50\n\n"
    "[thigh]\ndevice = bmi160\nbus = 1-0068\ntrigger = hrt0\nrate_hz = 1000\n\n"
    "[shank]\ndevice = lsm6dsl_accel\ngyro_device = lsm6dsl_gyro\nrate_hz = 1000\n\n"
    "[flex]\ndevice = ads1015\nchannel = voltage0\ntrigger = hrt1\nrate_hz = 250\n"
    "calibration = 100:0, 1000:90\n";

/* The known input: linear in time so that interpolation is exact and
 * only quantisation remains. */
static void thigh_at(double t, double accel[3], double gyro[3])
{
    accel[0] = 1.0 + 2.0 * t;
    accel[1] = 9.8;
    accel[2] = -0.5 - t;
    gyro[0] = 0.1;
    gyro[1] = -0.2;
    gyro[2] = 1.5 * t;
}

static void shank_at(double t, double accel[3], double gyro[3])
{
    accel[0] = -2.0 + 3.0 * t;
    accel[1] = 9.0;
    accel[2] = 0.7;
    gyro[0] = 0.3 - t;
    gyro[1] = 0.05;
    gyro[2] = -2.0 * t;
}

static double knee_at(double t)
{
    return 10.0 + 100.0 * t;
}

/* calibration 100:0, 1000:90 */
static gint knee_raw(double deg)
{
    return (gint) lround(100 + deg * 10);
}

/* The lsm6dsl test bed's mount matrix (both devices). */
static const double lsm_m[3][3] = { { 0, 0, 1 }, { 0, 1, 0 }, { -1, 0, 0 } };

/* Writes samples in [from_ns, to_ns): thigh at 1 kHz, shank at 833 Hz
 * (0.3 ms out of phase), flex at 250 Hz (0.5 ms out of phase); base_ns is
 * the input's time 0.  Followers first, the leader (thigh) last, as the
 * kernel would have them in their buffers when the leader's watermark is
 * reached. */
/* The shank accelerometer's node: it changes when the device comes back. */
static const char *shank_accel_node = "/dev/iio:device3";

#define SHANK_ACCEL 1
#define SHANK_GYRO 2
#define SHANK_BOTH 3

static void feed_pair(gint64 base_ns, gint64 from_ns, gint64 to_ns, int shank)
{
    g_autoptr(GByteArray) bt = g_byte_array_new(), bsa = g_byte_array_new(),
                          bsg = g_byte_array_new(), bf = g_byte_array_new();
    guint8 scan[32];

    for (gint64 k = 0;; k++) {
        gint64 ts = base_ns + k * 1000000;
        double t = (double) (ts - base_ns) / 1e9, a[3], g[3];

        if (ts >= to_ns)
            break;
        if (ts < from_ns)
            continue;
        thigh_at(t, a, g);
        g_byte_array_append(bt, scan, (guint) bmi160_scan(scan, a, g, ts));
    }
    for (gint64 k = 0; shank; k++) {
        gint64 ts = base_ns + 300000 + k * 1200480;     /* 833 Hz */
        double t = (double) (ts - base_ns) / 1e9, a[3], g[3], ca[3], cg[3];

        if (ts >= to_ns)
            break;
        if (ts < from_ns)
            continue;
        shank_at(t, a, g);
        chip_of(lsm_m, a, ca);
        chip_of(lsm_m, g, cg);
        g_byte_array_append(bsa, scan, (guint) lsm_scan(scan, ca, LSM_ACCEL_SCALE, ts));
        g_byte_array_append(bsg, scan, (guint) lsm_scan(scan, cg, LSM_GYRO_SCALE, ts));
    }
    for (gint64 k = 0;; k++) {
        gint64 ts = base_ns + 500000 + k * 4000000;
        double t = (double) (ts - base_ns) / 1e9;

        if (ts >= to_ns)
            break;
        if (ts < from_ns)
            continue;
        g_byte_array_append(bf, scan, (guint) ads1015_scan(scan, knee_raw(knee_at(t)), ts));
    }
    if (shank & SHANK_ACCEL)
        write_all(dev_fd(shank_accel_node), bsa->data, bsa->len);
    if (shank & SHANK_GYRO)
        write_all(dev_fd("/dev/iio:device4"), bsg->data, bsg->len);
    write_all(dev_fd("/dev/iio:device2"), bf->data, bf->len);
    write_all(dev_fd("/dev/iio:device0"), bt->data, bt->len);
}

static void check_frames(GArray *frames, gint64 base_ns, gint64 origin_us, guint32 want_present,
                         double from_t, double *ret_worst_knee)
{
    double worst_knee = 0, prev = -INFINITY;
    guint checked = 0;

    for (guint i = 0; i < frames->len; i++) {
        const struct kn_frame *f = &g_array_index(frames, struct kn_frame, i);
        /* t_s is source time: CLOCK_MONOTONIC - the origin. */
        double t = f->t_s - (double) (base_ns / 1000 - origin_us) / 1e6;
        double a[3], g[3];

        g_assert_cmpfloat(f->t_s, >, prev);
        prev = f->t_s;
        if (t < from_t)
            continue;
        /* Frames sit on the thigh's sample times: whole milliseconds. */
        g_assert_cmpfloat(fabs(t * 1000 - round(t * 1000)), <, 1e-6);
        g_assert_cmphex(f->present & want_present, ==, want_present);
        thigh_at(t, a, g);
        for (int k = 0; k < 3; k++) {
            g_assert_cmpfloat_with_epsilon(f->thigh_accel[k], a[k], BMI_ACCEL_SCALE / 2 + 1e-9);
            g_assert_cmpfloat_with_epsilon(f->thigh_gyro[k], g[k], BMI_GYRO_SCALE / 2 + 1e-9);
        }
        if (want_present & KN_HAS_SHANK_IMU) {
            shank_at(t, a, g);
            for (int k = 0; k < 3; k++) {
                g_assert_cmpfloat_with_epsilon(f->shank_accel[k], a[k], LSM_ACCEL_SCALE / 2 + 1e-6);
                g_assert_cmpfloat_with_epsilon(f->shank_gyro[k], g[k], LSM_GYRO_SCALE / 2 + 1e-6);
            }
        }
        if (want_present & KN_HAS_FLEX)
            worst_knee = MAX(worst_knee, fabs(f->knee_deg - knee_at(t)));
        checked++;
    }
    g_assert_cmpuint(checked, >, 0);
    if (ret_worst_knee)
        *ret_worst_knee = worst_knee;
}

static void test_pair_values(void)
{
    Sink sink;
    g_autoptr(KnDevice) dev = start(pair_conf, &sink);
    const KnDeviceStatus *st = kn_device_get_status(dev);
    gint64 base, now;
    double worst_knee;
    FramesUntil until = { &sink };

    /* What kneed set up in sysfs. */
    assert_attr(BMI0, "trigger/current_trigger", "hrt0");
    assert_attr(HRT0, "sampling_frequency", "1000");
    assert_attr(BMI0, "in_accel_sampling_frequency", "800");      /* nearest to 1000 */
    assert_attr(BMI0, "in_anglvel_sampling_frequency", "800");
    g_assert_cmpfloat(attr_double(BMI0, "in_accel_scale"), ==, BMI_ACCEL_SCALE);  /* widest */
    g_assert_cmpfloat(attr_double(BMI0, "in_anglvel_scale"), ==, BMI_GYRO_SCALE);
    assert_attr(BMI0, "current_timestamp_clock", "monotonic");
    assert_attr(BMI0, "scan_elements/in_accel_x_en", "1");
    assert_attr(BMI0, "scan_elements/in_anglvel_z_en", "1");
    assert_attr(BMI0, "scan_elements/in_timestamp_en", "1");
    assert_attr(BMI0, "buffer/enable", "1");
    /* The leader wakes the loop every 50 ms (batch_ms); the others are
     * drained then, their watermark twice that. */
    assert_attr(BMI0, "buffer/watermark", "50");
    assert_attr(LSM_A, "buffer/watermark", "100");
    assert_attr(ADS, "buffer/watermark", "26");
    assert_attr(LSM_A, "sampling_frequency", "833");
    assert_attr(LSM_G, "sampling_frequency", "833");
    g_assert_cmpfloat(attr_double(LSM_A, "in_accel_scale"), ==, LSM_ACCEL_SCALE);
    g_assert_cmpfloat(attr_double(LSM_G, "in_anglvel_scale"), ==, LSM_GYRO_SCALE);
    assert_attr(ADS, "trigger/current_trigger", "hrt1");
    assert_attr(HRT1, "sampling_frequency", "250");
    assert_attr(ADS, "in_voltage0_sampling_frequency", "250");
    assert_attr(ADS, "scan_elements/in_voltage0_en", "1");
    assert_attr(ADS, "scan_elements/in_voltage1_en", "0");

    /* What it reports. */
    g_assert_cmpint(st->sensors[KN_SENSOR_THIGH].state, ==, KN_SENSOR_STATE_STREAMING);
    g_assert_cmpfloat(st->sensors[KN_SENSOR_THIGH].rate_hz, ==, 1000);
    g_assert_cmpstr(st->sensors[KN_SENSOR_THIGH].device, ==,
                    "bmi160 iio:device0 1-0068, trigger hrt0");
    g_assert_cmpfloat(st->sensors[KN_SENSOR_SHANK].rate_hz, ==, 833);
    g_assert_cmpfloat(st->sensors[KN_SENSOR_SHANK].requested_hz, ==, 1000);
    g_assert_cmpstr(st->sensors[KN_SENSOR_SHANK].device, ==,
                    "lsm6dsl_accel iio:device3 1-006a + lsm6dsl_gyro iio:device4 1-006a");
    g_assert_cmpint(st->sensors[KN_SENSOR_FLEX].state, ==, KN_SENSOR_STATE_STREAMING);
    g_assert_cmpstr(st->sensors[KN_SENSOR_FLEX].device, ==,
                    "ads1015 iio:device2 1-0048 voltage0, trigger hrt1");
    g_assert_true(st->sensors[KN_SENSOR_FLEX].present);
    g_assert_cmpfloat(st->speed, ==, 1.0);

    /* 300 ms of samples, written in two batches. */
    now = now_ns();
    base = now - 150 * 1000000;
    feed_pair(base, base, now, SHANK_BOTH);
    until.until_t = (double) ((now - 10000000) / 1000 - st->time_origin_us) / 1e6;
    iterate_until(frames_reach, &until, 5);
    check_frames(sink.frames, base, st->time_origin_us, KN_HAS_ALL, 0.002, &worst_knee);
    g_test_message("%u frames; knee within %.3f deg", sink.frames->len, worst_knee);
    /* ADC quantisation: 0.1 deg a count, so half a count. */
    g_assert_cmpfloat(worst_knee, <=, 0.05 + 1e-9);
    g_assert_cmpuint(sink.frames->len, >=, 130);
}

/* A device vanishes mid-run: its sensor fails, the others go on, and it
 * is opened again when it comes back. */
static void test_vanish_and_return(void)
{
    Sink sink;
    g_autoptr(KnDevice) dev = start(pair_conf, &sink);
    const KnDeviceStatus *st = kn_device_get_status(dev);
    FramesUntil until = { &sink };
    gint64 base = now_ns(), t;
    guint n_before;

    for (int i = 0; i < 4; i++) {
        iterate_for(0.05);
        feed_pair(base, base + i * 50000000LL, base + (i + 1) * 50000000LL, SHANK_BOTH);
    }
    until.until_t = (double) (base / 1000 + 150000 - st->time_origin_us) / 1e6;
    iterate_until(frames_reach, &until, 5);
    g_assert_cmpint(st->sensors[KN_SENSOR_SHANK].state, ==, KN_SENSOR_STATE_STREAMING);

    /* The shank's accelerometer goes (unbound, unplugged). */
    umockdev_testbed_remove_device(tb, LSM_A);
    for (int i = 4; i < 60 && st->sensors[KN_SENSOR_SHANK].state != KN_SENSOR_STATE_FAILED; i++) {
        iterate_for(0.05);
        feed_pair(base, base + i * 50000000LL, base + (i + 1) * 50000000LL, SHANK_GYRO);
    }
    g_assert_cmpint(st->sensors[KN_SENSOR_SHANK].state, ==, KN_SENSOR_STATE_FAILED);
    g_assert_false(st->sensors[KN_SENSOR_SHANK].present);
    g_test_message("shank: %s", st->sensors[KN_SENSOR_SHANK].last_error);
    g_assert_nonnull(strstr(st->sensors[KN_SENSOR_SHANK].last_error, "lsm6dsl_accel"));
    g_assert_cmpint(st->sensors[KN_SENSOR_THIGH].state, ==, KN_SENSOR_STATE_STREAMING);
    /* Not a silence: the others deliver. */
    g_assert_cmpint(st->idle_until_us, ==, 0);
    /* Frames go on with the thigh and the flex sensor. */
    n_before = sink.frames->len;
    t = now_ns();
    for (int i = 0; i < 6; i++) {
        iterate_for(0.05);
        feed_pair(base, t + i * 50000000LL, t + (i + 1) * 50000000LL, SHANK_GYRO);
    }
    until.until_t = (double) (t / 1000 + 250000 - st->time_origin_us) / 1e6;
    iterate_until(frames_reach, &until, 5);
    g_assert_cmpuint(sink.frames->len, >, n_before + 200);
    {
        g_autoptr(GArray) late = g_array_new(FALSE, FALSE, sizeof(struct kn_frame));

        g_array_append_vals(late, &g_array_index(sink.frames, struct kn_frame, n_before),
                            sink.frames->len - n_before);
        check_frames(late, base, st->time_origin_us, KN_HAS_THIGH_IMU | KN_HAS_FLEX,
                     (double) (t - base) / 1e9 + 0.01, NULL);
        /* The shank's gyro goes on alone. */
        for (guint i = late->len / 2; i < late->len; i++) {
            g_assert_false(g_array_index(late, struct kn_frame, i).present & KN_HAS_SHANK_ACCEL);
            g_assert_true(g_array_index(late, struct kn_frame, i).present & KN_HAS_SHANK_GYRO);
        }
    }
    /* Retries do not spin: a few, spaced by the back-off, while it is gone. */
    g_assert_cmpuint(sink.status_changes, <, 20);

    /* It comes back: the driver is bound again, and the kernel gives it a
     * new number (found again by its name and bus, not its number). */
    {
        g_autoptr(GError) error = NULL;
        g_autofree char *path = g_build_filename(srcdir, "tests", "iio", "lsm6dsl-1-006a.umockdev",
                                                 NULL);
        g_autofree char *text = NULL;
        g_autoptr(GString) renamed = NULL;

        g_assert_true(g_file_get_contents(path, &text, NULL, &error));
        renamed = g_string_new(text);
        /* Only the accelerometer is new: the gyro stayed. */
        g_string_truncate(renamed, (gsize) (strstr(renamed->str, "\nP: ") - renamed->str + 1));
        g_string_replace(renamed, "iio:device3", "iio:device7", 0);
        g_string_replace(renamed, "dev=247:3", "dev=247:7", 0);
        g_assert_true(umockdev_testbed_add_from_string(tb, renamed->str, &error));
        g_assert_no_error(error);
        shank_accel_node = "/dev/iio:device7";
    }
    t = now_ns();
    for (int i = 0; i < 200 && st->sensors[KN_SENSOR_SHANK].state != KN_SENSOR_STATE_STREAMING; i++) {
        iterate_for(0.05);
        feed_pair(base, t + i * 50000000LL, t + (i + 1) * 50000000LL, SHANK_GYRO);
    }
    g_assert_cmpint(st->sensors[KN_SENSOR_SHANK].state, ==, KN_SENSOR_STATE_STREAMING);
    n_before = sink.frames->len;
    t = now_ns();
    for (int i = 0; i < 6; i++) {
        iterate_for(0.05);
        feed_pair(base, t + i * 50000000LL, t + (i + 1) * 50000000LL, SHANK_BOTH);
    }
    until.until_t = (double) (t / 1000 + 250000 - st->time_origin_us) / 1e6;
    iterate_until(frames_reach, &until, 5);
    {
        g_autoptr(GArray) back = g_array_new(FALSE, FALSE, sizeof(struct kn_frame));

        g_array_append_vals(back, &g_array_index(sink.frames, struct kn_frame, n_before),
                            sink.frames->len - n_before);
        check_frames(back, base, st->time_origin_us, KN_HAS_ALL,
                     (double) (t - base) / 1e9 + 0.01, NULL);
    }
}

/* mpu6050: big-endian, its own trigger, sampling_frequency on the device,
 * mount matrices per type; the flex sensor on an ADS1115 without a
 * timestamp channel, stamped by read time. */
static void test_mpu_and_ads1115(void)
{
    static const char conf[] =
        "[daemon]\nsource = iio\nbatch_ms = 20\n\n"
        "[thigh]\ndevice = mpu6050\nrate_hz = 200\n\n"
        "[flex]\ndevice = ads1115\nchannel = voltage1\nrate_hz = 250\ntrigger = hrt1\n"
        "calibration = 0:0, 9000:90\n";
    static const double mpu_m[3][3] = { { 1, 0, 0 }, { 0, 0, -1 }, { 0, 1, 0 } };
    Sink sink;
    g_autoptr(KnDevice) dev = start(conf, &sink);
    const KnDeviceStatus *st = kn_device_get_status(dev);
    g_autoptr(GByteArray) bm = g_byte_array_new(), bf = g_byte_array_new();
    FramesUntil until = { &sink };
    gint64 base = now_ns() - 100000000;
    guint8 scan[32];
    guint with_flex = 0;

    assert_attr(MPU, "trigger/current_trigger", "mpu6050-dev5");
    assert_attr(MPU, "sampling_frequency", "200");
    g_assert_cmpfloat(attr_double(MPU, "in_accel_scale"), ==, MPU_ACCEL_SCALE);
    assert_attr(MPU, "scan_elements/in_temp_en", "0");
    /* The ADC is the faster: it leads (250 Hz x 20 ms), the IMU twice
     * 200 Hz x 20 ms. */
    assert_attr(ADS1115, "buffer/watermark", "5");
    assert_attr(MPU, "buffer/watermark", "8");
    assert_attr(ADS1115, "scan_elements/in_voltage1_en", "1");
    g_assert_cmpstr(st->sensors[KN_SENSOR_THIGH].device, ==,
                    "mpu6050 iio:device5 2-0068, trigger mpu6050-dev5");
    g_assert_cmpstr(st->sensors[KN_SENSOR_FLEX].device, ==,
                    "ads1115 iio:device6 2-0049 voltage1, trigger hrt1, no timestamps");
    for (int k = 0; k < 20; k++) {
        double t = k * 0.005, a[3] = { 1 + t, 9.8, -t }, g[3] = { 0.5, -t, 2 * t }, ca[3], cg[3];

        chip_of(mpu_m, a, ca);
        chip_of(mpu_m, g, cg);
        g_byte_array_append(bm, scan, (guint) mpu_scan(scan, ca, cg, base + k * 5000000));
    }
    /* The ADS1115: 2 bytes a scan, no timestamp; 25 samples of 45 deg. */
    for (int k = 0; k < 25; k++) {
        le16(scan, 4500);
        g_byte_array_append(bf, scan, 2);
    }
    write_all(dev_fd("/dev/iio:device6"), bf->data, bf->len);
    write_all(dev_fd("/dev/iio:device5"), bm->data, bm->len);
    until.until_t = (double) ((base + 90000000) / 1000 - st->time_origin_us) / 1e6;
    iterate_until(frames_reach, &until, 5);
    for (guint i = 0; i < sink.frames->len; i++) {
        const struct kn_frame *f = &g_array_index(sink.frames, struct kn_frame, i);
        double t = f->t_s - (double) (base / 1000 - st->time_origin_us) / 1e6;

        g_assert_cmpfloat_with_epsilon(f->thigh_accel[0], 1 + t, MPU_ACCEL_SCALE);
        g_assert_cmpfloat_with_epsilon(f->thigh_accel[1], 9.8, MPU_ACCEL_SCALE);
        g_assert_cmpfloat_with_epsilon(f->thigh_accel[2], -t, MPU_ACCEL_SCALE);
        g_assert_cmpfloat_with_epsilon(f->thigh_gyro[1], -t, MPU_GYRO_SCALE);
        g_assert_cmpfloat_with_epsilon(f->thigh_gyro[2], 2 * t, MPU_GYRO_SCALE);
        if (f->present & KN_HAS_FLEX) {
            g_assert_cmpfloat_with_epsilon(f->knee_deg, 45, 1e-9);
            with_flex++;
        }
    }
    /* The read-time samples end at the read: the last frames with them lie
     * before it (it is interpolated only where it has samples on both
     * sides). */
    g_test_message("%u frames, %u with the flex sensor", sink.frames->len, with_flex);
    g_assert_cmpuint(sink.frames->len, >=, 18);
}

/* ---- configuration errors ---- */

static void assert_load_error(const char *conf, const char *want_where, const char *want_what)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(KnConfig) c = load(conf, &error);

    g_assert_null(c);
    g_assert_error(error, KN_CONFIG_ERROR, KN_CONFIG_ERROR_INVALID);
    g_test_message("%s", error->message);
    g_assert_nonnull(strstr(error->message, want_where));
    g_assert_nonnull(strstr(error->message, want_what));
}

static void test_config_errors(void)
{
    /* Hardware-free checks. */
    assert_load_error("[daemon]\nsource = iio\n\n[flex]\ndevice = ads1015\n"
                      "calibration = 1200:0, 1200:90\n",
                      "kneed.conf:6: [flex] calibration", "given twice");
    assert_load_error("[daemon]\nsource = iio\n\n[flex]\ndevice = ads1015\n"
                      "calibration = 1200:0, 1203:90\n",
                      "kneed.conf:6: [flex] calibration", "changed by only 3");
    assert_load_error("[daemon]\nsource = simulated\n\n[thigh]\ndevice = bmi160\n"
                      "mount_matrix = 1, 0, 0; 0, 1, 0; 0, 0, -1\n",
                      "kneed.conf:6: [thigh] mount_matrix", "not a rotation");
    assert_load_error("[daemon]\nsource = iio\n\n[shank]\nrate_hz = 100\n",
                      "kneed.conf:4: [shank] device", "required");
    assert_load_error("[daemon]\nsource = iio\n\n[thigh]\ndevice = bmi160\nrate_hz = 0\n",
                      "kneed.conf:6: [thigh] rate_hz", "outside");
    assert_load_error("[daemon]\nsource = iio\n\n[thigh]\ndevice = bmi160\nchannel = x\n",
                      "kneed.conf:6: [thigh] channel", "unknown key");
    assert_load_error("[daemon]\nsource = iio\n",
                      "kneed.conf:2: [daemon] source", "at least one of");
    /* Against the devices that are there. */
    assert_load_error("[daemon]\nsource = iio\n\n[flex]\ndevice = ads1015\nchannel = voltage9\n"
                      "calibration = 100:0, 1000:90\n",
                      "kneed.conf:6: [flex] channel", "no channel 'voltage9'");
    assert_load_error("[daemon]\nsource = iio\n\n[thigh]\ndevice = bmi160\n",
                      "kneed.conf:5: [thigh] device", "set bus");
    assert_load_error("[daemon]\nsource = iio\n\n[shank]\ndevice = lsm6dsl_accel\n",
                      "kneed.conf:5: [shank] device", "gyro_device");
    assert_load_error("[daemon]\nsource = iio\n\n[thigh]\ndevice = bmi160\nbus = 1-0068\n"
                      "trigger = hrt7\n",
                      "kneed.conf:7: [thigh] trigger", "no trigger named 'hrt7'");
    assert_load_error("[daemon]\nsource = iio\n\n[shank]\ndevice = lsm6dsl_accel\n"
                      "gyro_device = lsm6dsl_gyro\ntrigger = hrt0\n",
                      "kneed.conf:7: [shank] trigger", "takes no trigger");
    assert_load_error("[daemon]\nsource = iio\n\n[flex]\ndevice = ads1015\nchannel = voltage0\n"
                      "trigger = own\n",
                      "kneed.conf:7: [flex] trigger", "no trigger of its own");
}

/* A device that is not there is no start-up error: its sensor fails at
 * run time, naming the line, and the rest runs. */
static void test_unknown_device_at_runtime(void)
{
    static const char conf[] =
        "[daemon]\nsource = iio\n\n"
        "[thigh]\ndevice = bmi16\n\n"
        "[flex]\ndevice = ads1015\ntrigger = hrt1\ncalibration = 100:0, 1000:90\n";
    Sink sink;
    g_autoptr(KnDevice) dev = start(conf, &sink);
    const KnSensorStatus *thigh = &kn_device_get_status(dev)->sensors[KN_SENSOR_THIGH];

    g_test_message("%s", thigh->last_error);
    g_assert_cmpint(thigh->state, ==, KN_SENSOR_STATE_FAILED);
    g_assert_nonnull(strstr(thigh->last_error, "kneed.conf:5: [thigh] device: no IIO device "
                                               "named or labelled 'bmi16'"));
    g_assert_nonnull(strstr(thigh->last_error, "present: bmi160 at 1-0068; bmi160 (label "
                                               "shank-imu) at 1-0069; ads1015 at 1-0048"));
    g_assert_cmpint(kn_device_get_status(dev)->sensors[KN_SENSOR_FLEX].state, ==,
                    KN_SENSOR_STATE_STREAMING);
    g_assert_cmpint(kn_device_get_status(dev)->sensors[KN_SENSOR_SHANK].state, ==,
                    KN_SENSOR_STATE_ABSENT);
}

/* Every device failed: it is opened again 0.5, 1, 2, ... 30 s later by
 * the source's clock (a test clock here: each retry to the microsecond),
 * and until when nothing will come is said, for the daemon's watchdog. */
static void test_backoff_on_the_clock(void)
{
    static const char conf[] = "[daemon]\nsource = iio\n\n[thigh]\ndevice = bmi16\n";
    static const gint64 retry_ms[] = { 500, 1000, 2000, 4000, 8000, 16000, 30000, 30000 };
    g_autoptr(KnClock) clock = kn_clock_new_test(1000 * G_USEC_PER_SEC,
                                                 G_GINT64_CONSTANT(1767225600) * G_USEC_PER_SEC);
    Sink sink;
    g_autoptr(KnDevice) dev = start_on(conf, &sink, clock);
    const KnDeviceStatus *st = kn_device_get_status(dev);
    gint64 t = kn_clock_now(clock);

    g_assert_cmpint(st->sensors[KN_SENSOR_THIGH].state, ==, KN_SENSOR_STATE_FAILED);
    g_assert_cmpint(st->time_origin_us, ==, t);
    for (guint i = 0; i < G_N_ELEMENTS(retry_ms); i++) {
        guint fired = kn_clock_test_dispatched(clock);

        t += retry_ms[i] * 1000;
        g_assert_cmpint(st->idle_until_us, ==, t);
        kn_clock_test_advance(clock, retry_ms[i] * 1000 - 1);
        g_assert_cmpuint(kn_clock_test_dispatched(clock), ==, fired);
        kn_clock_test_advance(clock, 1);
        g_assert_cmpuint(kn_clock_test_dispatched(clock), ==, fired + 1);
        g_assert_cmpint(st->sensors[KN_SENSOR_THIGH].state, ==, KN_SENSOR_STATE_FAILED);
    }
    g_assert_cmpuint(sink.frames->len, ==, 0);
    g_array_unref(sink.frames);
}

/* A flexion sensor alone, not calibrated: open, but nothing to deliver
 * (a meant silence) until it is calibrated. */
static void test_uncalibrated_flex_is_quiet(void)
{
    static const char conf[] = "[daemon]\nsource = iio\n\n"
                               "[flex]\ndevice = ads1015\ntrigger = hrt1\n";
    g_autoptr(KnClock) clock = kn_clock_new_test(1000 * G_USEC_PER_SEC,
                                                 G_GINT64_CONSTANT(1767225600) * G_USEC_PER_SEC);
    g_autoptr(GError) error = NULL;
    g_autofree char *cal_file = g_build_filename(tmpdir, "state", "flex-calibration.conf", NULL);
    Sink sink;
    g_autoptr(KnDevice) dev = NULL;
    const KnDeviceStatus *st;
    KnFlexCal cal;
    char msg[128];

    g_unlink(cal_file);
    dev = start_on(conf, &sink, clock);
    st = kn_device_get_status(dev);
    g_assert_cmpint(st->sensors[KN_SENSOR_FLEX].state, ==, KN_SENSOR_STATE_UNCALIBRATED);
    g_assert_cmpint(st->idle_until_us, ==, kn_clock_now(clock) + G_GINT64_CONSTANT(86400) * G_USEC_PER_SEC);
    g_assert_cmpint(kn_flex_cal_parse("100:0, 1000:90", &cal, msg, sizeof(msg)), ==, 0);
    g_assert_true(kn_device_set_flex_calibration(dev, &cal, &error));
    g_assert_no_error(error);
    g_assert_cmpint(st->sensors[KN_SENSOR_FLEX].state, ==, KN_SENSOR_STATE_STREAMING);
    g_assert_cmpint(st->idle_until_us, ==, 0);
    g_clear_pointer(&dev, kn_device_close);
    g_unlink(cal_file);
    g_array_unref(sink.frames);
}

/* The label and the bus tell the two bmi160s apart; the second's mount
 * matrix turns it. */
static void test_label_and_mount_matrix(void)
{
    static const char conf[] =
        "[daemon]\nsource = iio\nbatch_ms = 20\n\n"
        "[shank]\ndevice = shank-imu\ntrigger = hrt0\nrate_hz = 100\n";
    static const double m[3][3] = { { 0, 1, 0 }, { -1, 0, 0 }, { 0, 0, 1 } };
    Sink sink;
    g_autoptr(KnDevice) dev = start(conf, &sink);
    const KnDeviceStatus *st = kn_device_get_status(dev);
    FramesUntil until = { &sink };
    g_autoptr(GByteArray) b = g_byte_array_new();
    gint64 base = now_ns() - 50000000;
    double seg_a[3] = { 1.0, 9.0, -2.0 }, seg_g[3] = { 0.5, -1.0, 3.0 }, ca[3], cg[3];
    guint8 scan[32];

    g_assert_cmpstr(st->sensors[KN_SENSOR_SHANK].device, ==,
                    "bmi160 iio:device1 1-0069, trigger hrt0");
    chip_of(m, seg_a, ca);
    chip_of(m, seg_g, cg);
    /* What the chip reads is not the segment's frame. */
    g_assert_cmpfloat(fabs(ca[0] - seg_a[0]), >, 1);
    for (int k = 0; k < 5; k++)
        g_byte_array_append(b, scan, (guint) bmi160_scan(scan, ca, cg, base + k * 10000000));
    write_all(dev_fd("/dev/iio:device1"), b->data, b->len);
    until.until_t = (double) ((base + 40000000) / 1000 - st->time_origin_us) / 1e6;
    iterate_until(frames_reach, &until, 5);
    for (guint i = 0; i < sink.frames->len; i++) {
        const struct kn_frame *f = &g_array_index(sink.frames, struct kn_frame, i);

        g_assert_cmphex(f->present, ==, KN_HAS_SHANK_IMU);
        for (int k = 0; k < 3; k++) {
            g_assert_cmpfloat_with_epsilon(f->shank_accel[k], seg_a[k], BMI_ACCEL_SCALE);
            g_assert_cmpfloat_with_epsilon(f->shank_gyro[k], seg_g[k], BMI_GYRO_SCALE);
        }
    }
}

int main(int argc, char **argv)
{
    int r;

    kn_test_under_umockdev(argc, argv);
    g_test_init(&argc, &argv, NULL);
    tb = umockdev_testbed_new();
    if (!umockdev_in_mock_environment()) {
        g_print("1..0 # SKIP umockdev's preload library is not loaded\n");
        g_object_unref(tb);
        return kn_test_skip_status();
    }
    srcdir = g_strdup(g_getenv("KNEED_SRCDIR") ? g_getenv("KNEED_SRCDIR") : ".");
    tmpdir = g_dir_make_tmp("kneed-iio-XXXXXX", NULL);
    add_bed("hrtimer.umockdev");
    add_bed("bmi160-1-0068.umockdev");
    add_bed("bmi160-1-0069.umockdev");
    add_bed("ads1015-1-0048.umockdev");
    add_bed("lsm6dsl-1-006a.umockdev");
    add_bed("mpu6050-2-0068.umockdev");
    add_bed("ads1115-2-0049.umockdev");
    g_test_add_func("/iio/driver/pair-values", test_pair_values);
    g_test_add_func("/iio/driver/mpu-ads1115", test_mpu_and_ads1115);
    g_test_add_func("/iio/driver/label-mount-matrix", test_label_and_mount_matrix);
    g_test_add_func("/iio/driver/config-errors", test_config_errors);
    g_test_add_func("/iio/driver/unknown-device", test_unknown_device_at_runtime);
    g_test_add_func("/iio/driver/vanish-and-return", test_vanish_and_return);
    g_test_add_func("/iio/driver/backoff-on-the-clock", test_backoff_on_the_clock);
    g_test_add_func("/iio/driver/uncalibrated-flex-quiet", test_uncalibrated_flex_is_quiet);
    r = g_test_run();
    g_object_unref(tb);
    kn_test_remove_tree(tmpdir);
    g_free(tmpdir);
    g_free(srcdir);
    return r;
}
