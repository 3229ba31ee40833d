/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The flexion sensor's calibration as the core offers it: measure a pose,
 * set and read the calibration.  The driver keeps the raw values and the
 * stored table (drivers/driver.h flex hooks); this file times the pose,
 * judges stillness and turns driver errors into KN_ERROR codes. */
#define G_LOG_DOMAIN "kneed"

#include <math.h>

#include "daemon/core-private.h"

/* The pose is held this long; the timer allows for the last batch. */
#define FLEX_WINDOW_S 1.0
#define FLEX_GRACE_MS 150
/* Still: the raw value's standard deviation within this fraction of the
 * ADC's range (5 counts of a 12-bit ADS1015, 80 of a 16-bit ADS1115). */
#define FLEX_STILL_FRACTION 0.0025
/* At least this fraction of the samples the window should hold. */
#define FLEX_MIN_FILL 0.5

typedef struct {
    KnCore *core;
    double since_t;
    KnTimer *timer;               /* on the core's clock */
} Measure;

static void measure_free(gpointer data)
{
    Measure *m = data;

    kn_timer_free(m->timer);
    g_free(m);
}

static KnError error_from_driver(const GError *e)
{
    if (e->domain != KN_DRIVER_ERROR)
        return KN_ERROR_FAILED;
    switch ((KnDriverError) e->code) {
    case KN_DRIVER_ERROR_INVALID:
        return KN_ERROR_INVALID_ARGUMENT;
    case KN_DRIVER_ERROR_NOT_FOUND:
        return KN_ERROR_NOT_SUPPORTED;
    case KN_DRIVER_ERROR_IO:
        return KN_ERROR_NO_DATA;
    case KN_DRIVER_ERROR_FAILED:
        break;
    }
    return KN_ERROR_FAILED;
}

static gboolean supported(KnCore *c, GError **error)
{
    if (!c->device || !kn_device_is_running(c->device)) {
        g_set_error(error, KN_ERROR, KN_ERROR_NO_DATA, "no source is running");
        return FALSE;
    }
    if (!c->device->driver->flex_raw_stats) {
        g_set_error(error, KN_ERROR, KN_ERROR_NOT_SUPPORTED,
                    "the %s source has no flexion sensor on an ADC to calibrate",
                    kn_device_get_name(c->device));
        return FALSE;
    }
    return TRUE;
}

static double source_now(KnCore *c)
{
    const KnDeviceStatus *st = kn_device_get_status(c->device);

    return (double) (kn_clock_now(c->clock) - st->time_origin_us) / 1e6;
}

static void measure_done(KnTimer *timer, gpointer user_data)
{
    GTask *task = user_data;
    Measure *m = g_task_get_task_data(task);
    KnCore *c = m->core;
    g_autoptr(GError) error = NULL;
    KnFlexRawStats st;

    g_ptr_array_remove(c->flex_measures, task);
    if (!supported(c, &error)) {
        g_task_return_error(task, g_steal_pointer(&error));
    } else if (!kn_device_flex_raw_stats(c->device, m->since_t, &st, &error)) {
        g_task_return_new_error(task, KN_ERROR, error_from_driver(error), "%s", error->message);
    } else if (st.n < FLEX_MIN_FILL * FLEX_WINDOW_S * st.rate_hz || st.n < 2) {
        g_task_return_new_error(task, KN_ERROR, KN_ERROR_NO_DATA,
                                "the flexion sensor sent %u samples in %.0f s (%.0f Hz expected)",
                                st.n, FLEX_WINDOW_S, st.rate_hz);
    } else if (st.sd > FLEX_STILL_FRACTION * st.full_scale) {
        g_task_return_new_error(task, KN_ERROR, KN_ERROR_NOT_STILL,
                                "the knee moved (raw value %.0f ± %.1f): hold the pose still "
                                "for a second, then measure again", st.mean, st.sd);
    } else {
        g_info("flexion sensor: raw %.1f ± %.1f over %u samples", st.mean, st.sd, st.n);
        g_task_return_pointer(task, g_memdup2(&st, sizeof(st)), g_free);
    }
    /* May free the task's data, and this timer with it (clock.h allows). */
    g_object_unref(task);
}

void kn_core_measure_flex_async(KnCore *c, GCancellable *cancellable,
                                GAsyncReadyCallback callback, gpointer user_data)
{
    GTask *task = g_task_new(NULL, cancellable, callback, user_data);
    g_autoptr(GError) error = NULL;
    KnFlexRawStats probe;
    Measure *m;

    g_task_set_source_tag(task, kn_core_measure_flex_async);
    /* Now, not in a second: a sensor that is not streaming says so at once. */
    if (!supported(c, &error) ||
        !kn_device_flex_raw_stats(c->device, INFINITY, &probe, &error)) {
        if (error->domain == KN_ERROR)
            g_task_return_error(task, g_steal_pointer(&error));
        else
            g_task_return_new_error(task, KN_ERROR, error_from_driver(error), "%s",
                                    error->message);
        g_object_unref(task);
        return;
    }
    m = g_new0(Measure, 1);
    m->core = c;
    m->since_t = source_now(c);
    m->timer = kn_timer_new(c->clock, "kneed flex measure", measure_done, task);
    kn_timer_start_in(m->timer, (gint64) (FLEX_WINDOW_S * G_USEC_PER_SEC) +
                      FLEX_GRACE_MS * 1000);
    g_task_set_task_data(task, m, measure_free);
    g_ptr_array_add(c->flex_measures, task);
    g_info("flexion sensor: measuring a pose");
}

gboolean kn_core_measure_flex_finish(KnCore *c, GAsyncResult *result, KnFlexRawStats *ret,
                                     GError **error)
{
    g_autofree KnFlexRawStats *st = NULL;

    g_return_val_if_fail(g_task_is_valid(result, NULL), FALSE);
    st = g_task_propagate_pointer(G_TASK(result), error);
    if (!st)
        return FALSE;
    if (ret)
        *ret = *st;
    return TRUE;
}

void kn_core_flex_cancel(KnCore *c, GQuark domain, int code, const char *message)
{
    g_autoptr(GPtrArray) tasks = g_ptr_array_copy(c->flex_measures, NULL, NULL);

    g_ptr_array_set_size(c->flex_measures, 0);
    for (guint i = 0; i < tasks->len; i++) {
        GTask *task = g_ptr_array_index(tasks, i);

        g_task_return_new_error(task, domain, code, "%s", message);
        g_object_unref(task);
    }
}

gboolean kn_core_set_flex_calibration(KnCore *c, const KnFlexCal *cal, GError **error)
{
    g_autoptr(GError) local = NULL;
    g_autofree char *text = NULL;

    if (!supported(c, error))
        return FALSE;
    if (!kn_device_set_flex_calibration(c->device, cal, &local)) {
        g_set_error(error, KN_ERROR, error_from_driver(local), "%s", local->message);
        return FALSE;
    }
    text = kn_flex_cal_to_string(&kn_device_get_status(c->device)->flex_cal);
    g_message("flexion sensor calibrated: %s (raw:deg), stored", text);
    return TRUE;
}

gboolean kn_core_get_flex_calibration(KnCore *c, KnFlexCal *ret, gboolean *ret_stored,
                                      GError **error)
{
    const KnDeviceStatus *st;

    if (!supported(c, error))
        return FALSE;
    st = kn_device_get_status(c->device);
    *ret = st->flex_cal;
    *ret_stored = st->flex_cal_stored;
    return TRUE;
}
