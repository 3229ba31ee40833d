/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Options of the IIO source ([daemon] source = iio): one entry per sensor
 * group, filled by the [flex], [thigh] and [shank] sections of kneed.conf
 * (daemon/iio-config.c, kneed.conf(5)).  Part of KnDriverOptions.
 */
#pragma once

#include <glib.h>

#include "drivers/flex-cal.h"
#include "drivers/iio-attr.h"

/* Indexed like KnSensorId: flex, thigh, shank. */
#define KN_IIO_SENSORS 3

/* The keys a runtime error may point at (origin[] below). */
typedef enum {
    KN_IIO_KEY_DEVICE = 0,
    KN_IIO_KEY_BUS,
    KN_IIO_KEY_GYRO_DEVICE,
    KN_IIO_KEY_GYRO_BUS,
    KN_IIO_KEY_CHANNEL,
    KN_IIO_KEY_RATE,
    KN_IIO_KEY_TRIGGER,
    KN_IIO_KEY_MOUNT_MATRIX,
    KN_IIO_KEY_CALIBRATION,
    KN_IIO_KEY_COUNT
} KnIioKey;

/* Key names as in kneed.conf. */
const char *kn_iio_key_name(KnIioKey key);

typedef struct {
    gboolean enabled;              /* the section names a device */
    char *device;                  /* IIO label or name (accel, or accel + gyro) */
    char *bus;                     /* optional: part of the device's sysfs path */
    char *gyro_device;             /* IMU with a separate gyro device; NULL: the same */
    char *gyro_bus;
    char *channel;                 /* flex: ADC channel id, "voltage0" */
    double rate_hz;                /* wanted; the nearest supported is taken */
    char *trigger;                 /* NULL: keep the current one, else the device's own;
                                      "none"; "own"; or a trigger's name (an hrtimer) */
    gboolean has_mount_matrix;     /* override of the kernel's in_mount_matrix */
    KnMountMatrix mount_matrix;
    KnFlexCal calibration;         /* flex; n == 0 when not given */
    /* "FILE:LINE: [thigh] device" for each key, so that an error found at
     * run time names the configuration line as one found at start-up. */
    char *origin[KN_IIO_KEY_COUNT];
} KnIioSensorOptions;

typedef struct {
    KnIioSensorOptions sensor[KN_IIO_SENSORS];
} KnIioOptions;

void kn_iio_options_init(KnIioOptions *opts);
void kn_iio_options_clear(KnIioOptions *opts);
void kn_iio_options_copy(KnIioOptions *dst, const KnIioOptions *src);
gboolean kn_iio_options_equal(const KnIioOptions *a, const KnIioOptions *b);

/* Checks every configured device that is present against its section,
 * changing nothing: channels, scan elements, trigger, mount matrix
 * (drivers/iio-device.c).  A device that is absent is not an error here:
 * the source reports it as a failed sensor and waits for it.  Errors are
 * KN_DRIVER_ERROR_INVALID, "FILE:LINE: [thigh] channel: ...". */
gboolean kn_iio_options_check(const KnIioOptions *opts, GError **error);
