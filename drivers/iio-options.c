/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <string.h>

#include "drivers/iio-options.h"

const char *kn_iio_key_name(KnIioKey key)
{
    switch (key) {
    case KN_IIO_KEY_DEVICE:
        return "device";
    case KN_IIO_KEY_BUS:
        return "bus";
    case KN_IIO_KEY_GYRO_DEVICE:
        return "gyro_device";
    case KN_IIO_KEY_GYRO_BUS:
        return "gyro_bus";
    case KN_IIO_KEY_CHANNEL:
        return "channel";
    case KN_IIO_KEY_RATE:
        return "rate_hz";
    case KN_IIO_KEY_TRIGGER:
        return "trigger";
    case KN_IIO_KEY_MOUNT_MATRIX:
        return "mount_matrix";
    case KN_IIO_KEY_CALIBRATION:
        return "calibration";
    case KN_IIO_KEY_COUNT:
        break;
    }
    return NULL;
}

void kn_iio_options_init(KnIioOptions *opts)
{
    memset(opts, 0, sizeof(*opts));
    for (int i = 0; i < KN_IIO_SENSORS; i++) {
        /* flex at 250 Hz, the IMUs at 1 kHz */
        opts->sensor[i].rate_hz = i == 0 ? 250 : 1000;
        kn_mount_matrix_identity(&opts->sensor[i].mount_matrix);
    }
}

static void sensor_clear(KnIioSensorOptions *s)
{
    g_clear_pointer(&s->device, g_free);
    g_clear_pointer(&s->bus, g_free);
    g_clear_pointer(&s->gyro_device, g_free);
    g_clear_pointer(&s->gyro_bus, g_free);
    g_clear_pointer(&s->channel, g_free);
    g_clear_pointer(&s->trigger, g_free);
    for (int k = 0; k < KN_IIO_KEY_COUNT; k++)
        g_clear_pointer(&s->origin[k], g_free);
}

void kn_iio_options_clear(KnIioOptions *opts)
{
    for (int i = 0; i < KN_IIO_SENSORS; i++)
        sensor_clear(&opts->sensor[i]);
}

void kn_iio_options_copy(KnIioOptions *dst, const KnIioOptions *src)
{
    if (dst == src)
        return;
    kn_iio_options_clear(dst);
    *dst = *src;
    for (int i = 0; i < KN_IIO_SENSORS; i++) {
        KnIioSensorOptions *d = &dst->sensor[i];
        const KnIioSensorOptions *s = &src->sensor[i];

        d->device = g_strdup(s->device);
        d->bus = g_strdup(s->bus);
        d->gyro_device = g_strdup(s->gyro_device);
        d->gyro_bus = g_strdup(s->gyro_bus);
        d->channel = g_strdup(s->channel);
        d->trigger = g_strdup(s->trigger);
        for (int k = 0; k < KN_IIO_KEY_COUNT; k++)
            d->origin[k] = g_strdup(s->origin[k]);
    }
}

gboolean kn_iio_options_equal(const KnIioOptions *a, const KnIioOptions *b)
{
    for (int i = 0; i < KN_IIO_SENSORS; i++) {
        const KnIioSensorOptions *x = &a->sensor[i], *y = &b->sensor[i];

        if (x->enabled != y->enabled || g_strcmp0(x->device, y->device) != 0 ||
            g_strcmp0(x->bus, y->bus) != 0 || g_strcmp0(x->gyro_device, y->gyro_device) != 0 ||
            g_strcmp0(x->gyro_bus, y->gyro_bus) != 0 || g_strcmp0(x->channel, y->channel) != 0 ||
            x->rate_hz != y->rate_hz || g_strcmp0(x->trigger, y->trigger) != 0 ||
            x->has_mount_matrix != y->has_mount_matrix ||
            memcmp(&x->mount_matrix, &y->mount_matrix, sizeof(x->mount_matrix)) != 0 ||
            !kn_flex_cal_equal(&x->calibration, &y->calibration))
            return FALSE;
    }
    return TRUE;
}
