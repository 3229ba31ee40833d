/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "kneed-drivers"

#include <string.h>

#include "drivers/driver.h"

extern const KnDriver kn_driver_sim;
extern const KnDriver kn_driver_replay;
extern const KnDriver kn_driver_iio;

/* Walked in order by name; the first entry is the default source. */
const KnDriver *const kn_drivers[] = {
    &kn_driver_sim,
    &kn_driver_replay,
    &kn_driver_iio,
    NULL,
};

G_STATIC_ASSERT(KN_IIO_SENSORS == KN_SENSOR_COUNT);

G_DEFINE_QUARK(kn-driver-error-quark, kn_driver_error)

const char *kn_sensor_id_to_string(KnSensorId id)
{
    switch (id) {
    case KN_SENSOR_FLEX:
        return "flex";
    case KN_SENSOR_THIGH:
        return "thigh";
    case KN_SENSOR_SHANK:
        return "shank";
    case KN_SENSOR_COUNT:
        break;
    }
    return NULL;
}

const char *kn_sensor_state_to_string(KnSensorState state)
{
    switch (state) {
    case KN_SENSOR_STATE_ABSENT:
        return "absent";
    case KN_SENSOR_STATE_STREAMING:
        return "streaming";
    case KN_SENSOR_STATE_FAILED:
        return "failed";
    case KN_SENSOR_STATE_UNCALIBRATED:
        return "uncalibrated";
    }
    return "unknown";
}

void kn_driver_options_init(KnDriverOptions *opts)
{
    memset(opts, 0, sizeof(*opts));
    opts->batch_ms = 50;
    opts->side = KN_SIDE_RIGHT;
    kn_sim_config_init(&opts->sim);
    opts->sim.repeat = true;
    opts->sim_speed = 1.0;
    opts->sim_battery_hours = 8.0;
    opts->replay_speed = 1.0;
    kn_iio_options_init(&opts->iio);
}

void kn_driver_options_clear(KnDriverOptions *opts)
{
    g_clear_pointer(&opts->replay_file, g_free);
    g_clear_pointer(&opts->clock, kn_clock_unref);
    g_clear_pointer(&opts->state_dir, g_free);
    kn_iio_options_clear(&opts->iio);
}

void kn_driver_options_copy(KnDriverOptions *dst, const KnDriverOptions *src)
{
    if (dst == src)
        return;
    kn_driver_options_clear(dst);
    *dst = *src;
    dst->replay_file = g_strdup(src->replay_file);
    if (src->clock)
        dst->clock = kn_clock_ref(src->clock);
    dst->state_dir = g_strdup(src->state_dir);
    /* *dst = *src copied the pointers: give dst its own strings. */
    kn_iio_options_init(&dst->iio);
    kn_iio_options_copy(&dst->iio, &src->iio);
}

const KnDriver *kn_driver_lookup(const char *name)
{
    if (!name)
        return NULL;
    for (size_t i = 0; kn_drivers[i]; i++)
        if (strcmp(kn_drivers[i]->name, name) == 0)
            return kn_drivers[i];
    return NULL;
}

KnDevice *kn_device_open(const KnDriver *driver, const KnDriverOptions *opts, GError **error)
{
    KnDevice *dev;

    g_return_val_if_fail(driver != NULL && opts != NULL, NULL);
    if (opts->batch_ms < 1 || opts->batch_ms > 1000) {
        g_set_error(error, KN_DRIVER_ERROR, KN_DRIVER_ERROR_INVALID,
                    "batch period %u ms outside 1..1000", opts->batch_ms);
        return NULL;
    }
    if (driver->probe && !driver->probe(opts, error))
        return NULL;
    dev = driver->open(opts, error);
    if (!dev)
        return NULL;
    dev->driver = driver;
    g_debug("opened source %s", driver->name);
    return dev;
}

void kn_device_set_callbacks(KnDevice *dev, const KnDeviceCallbacks *callbacks,
                             gpointer user_data, GDestroyNotify destroy)
{
    GDestroyNotify old_destroy = dev->destroy;
    gpointer old_data = dev->user_data;

    if (callbacks)
        dev->callbacks = *callbacks;
    else
        memset(&dev->callbacks, 0, sizeof(dev->callbacks));
    dev->user_data = user_data;
    dev->destroy = destroy;
    if (old_destroy)
        old_destroy(old_data);
}

gboolean kn_device_start(KnDevice *dev, GError **error)
{
    if (dev->running)
        return TRUE;
    if (!dev->callbacks.frames) {
        g_set_error(error, KN_DRIVER_ERROR, KN_DRIVER_ERROR_FAILED,
                    "%s: no frame callback set", dev->driver->name);
        return FALSE;
    }
    if (!dev->driver->start(dev, error))
        return FALSE;
    dev->running = TRUE;
    return TRUE;
}

void kn_device_stop(KnDevice *dev)
{
    if (!dev->running)
        return;
    dev->driver->stop(dev);
    dev->running = FALSE;
}

void kn_device_close(KnDevice *dev)
{
    if (!dev)
        return;
    kn_device_stop(dev);
    kn_device_set_callbacks(dev, NULL, NULL, NULL);
    dev->driver->close(dev);
}

const KnDeviceStatus *kn_device_get_status(const KnDevice *dev)
{
    return &dev->status;
}

gboolean kn_device_flex_raw_stats(KnDevice *dev, double since_t, KnFlexRawStats *ret,
                                  GError **error)
{
    if (!dev->driver->flex_raw_stats) {
        g_set_error(error, KN_DRIVER_ERROR, KN_DRIVER_ERROR_FAILED,
                    "the %s source has no flexion sensor to calibrate", dev->driver->name);
        return FALSE;
    }
    return dev->driver->flex_raw_stats(dev, since_t, ret, error);
}

gboolean kn_device_set_flex_calibration(KnDevice *dev, const KnFlexCal *cal, GError **error)
{
    if (!dev->driver->set_flex_calibration) {
        g_set_error(error, KN_DRIVER_ERROR, KN_DRIVER_ERROR_FAILED,
                    "the %s source has no flexion sensor to calibrate", dev->driver->name);
        return FALSE;
    }
    return dev->driver->set_flex_calibration(dev, cal, error);
}

const char *kn_device_get_name(const KnDevice *dev)
{
    return dev->driver->name;
}

gboolean kn_device_is_running(const KnDevice *dev)
{
    return dev->running;
}

void kn_device_emit_frames(KnDevice *dev, const struct kn_frame *frames, gsize n_frames)
{
    if (n_frames == 0 || !dev->callbacks.frames)
        return;
    dev->callbacks.frames(dev, frames, n_frames, dev->user_data);
}

void kn_device_emit_status_changed(KnDevice *dev)
{
    if (dev->callbacks.status_changed)
        dev->callbacks.status_changed(dev, dev->user_data);
}

void kn_device_emit_finished(KnDevice *dev, const GError *error)
{
    kn_device_stop(dev);
    if (dev->callbacks.finished)
        dev->callbacks.finished(dev, error, dev->user_data);
}

void kn_device_set_idle_until(KnDevice *dev, gint64 monotonic_us)
{
    if (dev->status.idle_until_us == monotonic_us)
        return;
    dev->status.idle_until_us = monotonic_us;
    kn_device_emit_status_changed(dev);
}
