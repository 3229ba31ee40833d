/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Inside the IIO source: drv-iio.c (the KnDriver: main-loop watches,
 * faults and back-off, alignment, status, flex calibration) and
 * iio-device.c (one IIO device of it: find, check, configure, capture,
 * decode).
 *
 * A *part* is one IIO device the configuration names: the thigh IMU
 * (accel, or accel + gyro in one device), the thigh's separate gyro
 * device, the same two for the shank, the flex ADC.
 */
#pragma once

#include <time.h>

#include "drivers/driver.h"
#include "drivers/iio-align.h"
#include "drivers/iio-backend.h"

typedef enum {
    KN_IIO_PART_THIGH = 0,
    KN_IIO_PART_THIGH_GYRO,
    KN_IIO_PART_SHANK,
    KN_IIO_PART_SHANK_GYRO,
    KN_IIO_PART_FLEX,
    KN_IIO_PART_COUNT
} KnIioPartId;

#define KN_IIO_PART_MAX_ELEMS 8    /* 3 + 3 + timestamp, and room */

typedef struct {
    enum kn_iio_stream stream;
    int elem[3];                   /* index into elems; flex uses elem[0] */
    KnMountMatrix mount;
} KnIioPartStream;

typedef struct {
    KnIioPartId id;
    KnSensorId sensor;
    gboolean used;                 /* the configuration names it */
    const KnIioSensorOptions *opts;
    const char *device, *bus;      /* from opts: the IMU's device or its gyro_device */
    KnIioKey device_key, bus_key;

    KnIioDev *dev;                 /* NULL: closed (failed, or not found yet) */
    KnIioPartStream streams[2];
    guint n_streams;
    struct kn_iio_scan_elem elems[KN_IIO_PART_MAX_ELEMS];
    const char *elem_channel[KN_IIO_PART_MAX_ELEMS];
    double scale[KN_IIO_PART_MAX_ELEMS], offset[KN_IIO_PART_MAX_ELEMS];
    guint n_elems;
    int ts_elem;                   /* -1: no timestamp channel */
    gsize scan_size;
    clockid_t ts_clock;            /* the clock of the kernel's timestamps */
    gboolean ts_trusted;           /* FALSE: stamp by read time (clock below) */
    struct kn_iio_clock clock;
    double rate_hz;                /* taken */
    char *description;             /* "bmi160 iio:device0 1-0069, trigger hrt0" */
    gboolean description_changed;  /* set by decoding; the source clears it */
    GByteArray *pending;           /* bytes of an incomplete scan */
} KnIioPart;

/* Fills the part's static fields from the options (used, device, keys). */
void kn_iio_part_init(KnIioPart *p, KnIioPartId id, const KnIioOptions *opts);
void kn_iio_part_clear(KnIioPart *p);

/* Finds the device and checks it against the configuration without
 * changing anything: channels, scan elements, trigger, mount matrix.
 * Errors are KN_DRIVER_ERROR with the message prefixed by the origin of
 * the key at fault ("kneed.conf:12: [thigh] device: ...");
 * KN_DRIVER_ERROR_NOT_FOUND when the device is not there. */
KnIioDev *kn_iio_part_find(KnIioPart *p, GError **error);

/* Opens, configures (trigger, sampling frequency, timestamp clock) and
 * starts capture with a kernel buffer of samples_count scans.  On
 * success p->dev is open with its buffer running. */
gboolean kn_iio_part_open(KnIioPart *p, gsize samples_count, GError **error);
void kn_iio_part_close(KnIioPart *p);

/* Called for each decoded sample: values in the segment frame (flex: the
 * raw ADC value in v[0]). */
typedef void (*KnIioSampleFunc)(KnIioPart *p, const KnIioPartStream *s, double t_s,
                                const double v[3], gpointer user_data);

/* Decodes bytes read from the part's buffer (any split; an incomplete
 * scan waits for the rest).  now_us is the read's time on the source's
 * clock (kn_clock_now(): CLOCK_MONOTONIC, whose nanoseconds the kernel's
 * timestamps are once the clock is "monotonic"), origin_us that of source
 * time 0.  Returns the scans decoded. */
guint kn_iio_part_decode(KnIioPart *p, const guint8 *data, gsize len, gint64 now_us,
                         gint64 origin_us, KnIioSampleFunc func, gpointer user_data);
