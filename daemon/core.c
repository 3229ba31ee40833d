/* SPDX-License-Identifier: GPL-2.0-or-later */
#define G_LOG_DOMAIN "kneed"

#include <errno.h>
#include <math.h>
#include <string.h>

#include "analysis/alert-text.h"
#include "daemon/core-private.h"

/* A calibration works on this much fresh signal (the analysis uses its
 * last second), and gives up if the source has not delivered it within
 * the window plus this grace, in monotonic time. */
#define CALIBRATION_WINDOW_S 1.0
#define CALIBRATION_GRACE_S 2.0
/* A sensor the source says is there but that sent nothing for this long
 * (source time) counts as failed. */
#define SENSOR_SILENCE_S 1.0
/* A rejected value keeps the state degraded for this long (source time). */
#define REJECT_HOLD_S 5.0


/* ---- helpers ---- */

const char *kn_state_to_string(KnState state)
{
    switch (state) {
    case KN_STATE_IDLE:
        return "idle";
    case KN_STATE_STREAMING:
        return "streaming";
    case KN_STATE_DEGRADED:
        return "degraded";
    case KN_STATE_CALIBRATING:
        return "calibrating";
    }
    return "unknown";
}

const char *kn_liveness_to_string(KnLiveness liveness)
{
    switch (liveness) {
    case KN_LIVENESS_STREAMING:
        return "streaming";
    case KN_LIVENESS_NO_SOURCE:
        return "no-source";
    case KN_LIVENESS_QUIET:
        return "quiet";
    case KN_LIVENESS_STALLED:
        return "stalled";
    }
    return "unknown";
}

const char *kn_pain_location_to_string(KnPainLocation location)
{
    switch (location) {
    case KN_PAIN_FRONT:
        return "front";
    case KN_PAIN_OUTSIDE:
        return "outside";
    case KN_PAIN_INSIDE:
        return "inside";
    case KN_PAIN_BACK:
        return "back";
    }
    return NULL;
}

gboolean kn_pain_location_from_string(const char *s, KnPainLocation *ret)
{
    for (KnPainLocation l = KN_PAIN_FRONT; l <= KN_PAIN_BACK; l++) {
        if (g_strcmp0(s, kn_pain_location_to_string(l)) == 0) {
            *ret = l;
            return TRUE;
        }
    }
    return FALSE;
}

const char *kn_pain_timing_to_string(KnPainTiming timing)
{
    switch (timing) {
    case KN_PAIN_AT_START:
        return "start";
    case KN_PAIN_DURING:
        return "during";
    case KN_PAIN_AFTER:
        return "after";
    }
    return NULL;
}

gboolean kn_pain_timing_from_string(const char *s, KnPainTiming *ret)
{
    for (KnPainTiming t = KN_PAIN_AT_START; t <= KN_PAIN_AFTER; t++) {
        if (g_strcmp0(s, kn_pain_timing_to_string(t)) == 0) {
            *ret = t;
            return TRUE;
        }
    }
    return FALSE;
}

const char *kn_sleeve_part_to_string(KnSleevePart part)
{
    switch (part) {
    case KN_SLEEVE_PART_BUTTON:
        return "button";
    case KN_SLEEVE_PART_HAPTIC:
        return "haptic";
    case KN_SLEEVE_PART_LED:
        return "led";
    }
    return NULL;
}

void kn_core_options_init(KnCoreOptions *opts)
{
    memset(opts, 0, sizeof(*opts));
    kn_params_init(&opts->params);
    opts->batch_ms = 50;
    opts->publish_hz = 2.0;
}

static gboolean check_options(const KnCoreOptions *opts, GError **error)
{
    const char *key = NULL;

    if (!(opts->publish_hz > 0 && opts->publish_hz <= 50)) {
        g_set_error(error, KN_ERROR, KN_ERROR_OUT_OF_RANGE,
                    "publication rate %g Hz outside (0, 50]", opts->publish_hz);
        return FALSE;
    }
    if (kn_params_validate(&opts->params, &key) < 0) {
        g_set_error(error, KN_ERROR, KN_ERROR_OUT_OF_RANGE,
                    "threshold '%s' is out of range or inconsistent with the others", key);
        return FALSE;
    }
    return TRUE;
}

/* ---- publishers ---- */

static void publisher_free(Publisher *p)
{
    if (p->destroy)
        p->destroy(p->data);
    g_free(p);
}

void kn_core_publishers_end(KnCore *c)
{
    if (--c->dispatching > 0 || !c->prune)
        return;
    c->prune = FALSE;
    for (guint i = c->publishers->len; i-- > 0;) {
        Publisher *p = g_ptr_array_index(c->publishers, i);

        if (p->removed)
            g_ptr_array_remove_index(c->publishers, i);
    }
}

void kn_core_publishers_begin(KnCore *c)
{
    c->dispatching++;
}

/* The i-th publisher if it is still registered, else NULL.  Callbacks may
 * add or remove publishers: removal is deferred to kn_core_publishers_end(), and
 * the loops re-read the length. */
Publisher *kn_core_publisher_at(KnCore *c, guint i)
{
    Publisher *p = g_ptr_array_index(c->publishers, i);

    return p->removed ? NULL : p;
}

guint kn_core_add_publisher(KnCore *c, const KnPublisherOps *ops, gpointer data,
                            GDestroyNotify destroy)
{
    Publisher *p = g_new0(Publisher, 1);

    p->id = ++c->next_publisher_id;
    p->ops = ops;
    p->data = data;
    p->destroy = destroy;
    g_ptr_array_add(c->publishers, p);
    g_debug("publisher %s added", ops->name ? ops->name : "?");
    if (ops->status)
        ops->status(data, KN_CHANGED_ALL, &c->status);
    return p->id;
}

void kn_core_remove_publisher(KnCore *c, guint id)
{
    for (guint i = 0; i < c->publishers->len; i++) {
        Publisher *p = g_ptr_array_index(c->publishers, i);

        if (p->id != id || p->removed)
            continue;
        p->removed = TRUE;
        if (c->dispatching > 0)
            c->prune = TRUE;
        else
            g_ptr_array_remove_index(c->publishers, i);
        return;
    }
}

static void flush_status(KnCore *c)
{
    KnChange changed = c->pending;

    if (!changed)
        return;
    c->pending = 0;
    kn_core_publishers_begin(c);
    for (guint i = 0; i < c->publishers->len; i++) {
        Publisher *p = kn_core_publisher_at(c, i);

        if (!p || !p->ops->status)
            continue;
        p->ops->status(p->data, changed, &c->status);
    }
    kn_core_publishers_end(c);
}

/* Status changes made inside a batch are told once at its end; others at
 * once. */
void kn_core_mark_changed(KnCore *c, KnChange what)
{
    c->pending |= what;
    if (!c->in_batch)
        flush_status(c);
}

/* ---- state ---- */

static gint64 sample_to_monotonic(const KnCore *c, double t_s)
{
    if (c->status.time_origin_us == 0 || !(c->status.speed > 0))
        return 0;
    return c->status.time_origin_us + (gint64) llround(t_s * 1e6 / c->status.speed);
}

static guint32 sensor_bits(KnSensorId id)
{
    switch (id) {
    case KN_SENSOR_FLEX:
        return KN_HAS_FLEX;
    case KN_SENSOR_THIGH:
        return KN_HAS_THIGH_IMU;
    case KN_SENSOR_SHANK:
        return KN_HAS_SHANK_IMU;
    case KN_SENSOR_COUNT:
        break;
    }
    return 0;
}

/* The journal hears of a sensor once per change of its state or device,
 * never per sample. */
static void log_sensor(KnSensorId id, const KnSensorStatus *old, const KnSensorStatus *now)
{
    const char *name = kn_sensor_id_to_string(id);

    if (old->state == now->state && strcmp(old->device, now->device) == 0 &&
        old->rate_hz == now->rate_hz)
        return;
    switch (now->state) {
    case KN_SENSOR_STATE_FAILED:
        if (old->state != KN_SENSOR_STATE_FAILED || strcmp(old->last_error, now->last_error) != 0)
            g_warning("sensor %s failed: %s", name, now->last_error);
        break;
    case KN_SENSOR_STATE_UNCALIBRATED:
        g_message("sensor %s: %s%s%s", name, now->device, now->device[0] ? ": " : "",
                  now->last_error);
        break;
    case KN_SENSOR_STATE_STREAMING:
        if (now->device[0] && now->requested_hz > 0 && now->requested_hz != now->rate_hz)
            g_message("sensor %s: %s at %g Hz (%g Hz asked; the nearest it supports)", name,
                      now->device, now->rate_hz, now->requested_hz);
        else if (now->device[0] || old->state == KN_SENSOR_STATE_FAILED)
            g_message("sensor %s: %s%sat %g Hz", name, now->device, now->device[0] ? " " : "",
                      now->rate_hz);
        break;
    case KN_SENSOR_STATE_ABSENT:
        break;
    }
}

/* Recomputes the published sensors and state from the device's view, the
 * analysis' view (which groups actually arrived in the last second) and
 * rejected values.  Marks what changed. */
static void update_state(KnCore *c)
{
    const struct kn_live *live = kn_analysis_live(c->analysis);
    gboolean running = c->device && kn_device_is_running(c->device);
    gboolean settled = !isnan(c->stream_first_t) && live->t_s - c->stream_first_t >= SENSOR_SILENCE_S;
    gboolean degraded = FALSE;
    KnSensorStatus sensors[KN_SENSOR_COUNT];
    KnState state;

    for (int i = 0; i < KN_SENSOR_COUNT; i++) {
        const KnSensorStatus *dev = c->device ? &kn_device_get_status(c->device)->sensors[i] : NULL;
        KnSensorStatus *s = &sensors[i];

        memset(s, 0, sizeof(*s));
        if (!dev)
            continue;
        *s = *dev;
        if (s->present && s->state == KN_SENSOR_STATE_ABSENT)
            s->state = KN_SENSOR_STATE_STREAMING;
        if (c->sensor_error[i][0])
            g_strlcpy(s->last_error, c->sensor_error[i], sizeof(s->last_error));
        if (dev->present && running && settled && !(live->sensors & sensor_bits(i))) {
            s->present = FALSE;
            s->state = KN_SENSOR_STATE_FAILED;
            if (!s->last_error[0])
                g_strlcpy(s->last_error, "no samples for 1 s", sizeof(s->last_error));
        }
        if (running && (s->state == KN_SENSOR_STATE_FAILED ||
                        s->state == KN_SENSOR_STATE_UNCALIBRATED))
            degraded = TRUE;
    }
    if (!isnan(c->last_reject_t) && live->t_s - c->last_reject_t < REJECT_HOLD_S)
        degraded = TRUE;

    if (!running)
        state = KN_STATE_IDLE;
    else if (c->calibrations->len > 0)
        state = KN_STATE_CALIBRATING;
    else if (degraded)
        state = KN_STATE_DEGRADED;
    else
        state = KN_STATE_STREAMING;

    if (memcmp(sensors, c->status.sensors, sizeof(sensors)) != 0) {
        for (int i = 0; i < KN_SENSOR_COUNT; i++)
            log_sensor(i, &c->status.sensors[i], &sensors[i]);
        memcpy(c->status.sensors, sensors, sizeof(sensors));
        c->pending |= KN_CHANGED_SENSORS;
    }
    if (state != c->status.state) {
        g_info("state: %s -> %s", kn_state_to_string(c->status.state), kn_state_to_string(state));
        c->status.state = state;
        c->pending |= KN_CHANGED_STATE;
    }
    if (!c->in_batch)
        flush_status(c);
}

static void copy_device_status(KnCore *c)
{
    const KnDeviceStatus *ds = c->device ? kn_device_get_status(c->device) : NULL;
    int battery = c->battery_external ? c->status.battery_pct : ds ? ds->battery_pct : -1;
    gint64 origin = ds ? ds->time_origin_us : 0;
    double speed = ds ? ds->speed : 0;

    if (battery != c->status.battery_pct) {
        c->status.battery_pct = battery;
        c->pending |= KN_CHANGED_BATTERY;
    }
    if (origin != c->status.time_origin_us || speed != c->status.speed) {
        c->status.time_origin_us = origin;
        c->status.speed = speed;
        c->pending |= KN_CHANGED_STATE;
    }
}

/* ---- calibration ---- */

static void calibration_finish(KnCore *c, int r, const struct kn_calibration *cal,
                               const char *why)
{
    g_autoptr(GPtrArray) tasks = g_steal_pointer(&c->calibrations);

    c->calibrations = g_ptr_array_new_with_free_func(g_object_unref);
    kn_timer_stop(c->calibration_timer);
    for (guint i = 0; i < tasks->len; i++) {
        GTask *task = g_ptr_array_index(tasks, i);

        if (r == 0)
            g_task_return_pointer(task, g_memdup2(cal, sizeof(*cal)), g_free);
        else
            g_task_return_new_error(task, KN_ERROR, kn_error_from_errno(r), "%s", why);
    }
    if (r == 0)
        g_message("calibrated: zero offset %.1f deg (residual %.1f deg)",
                  cal->offset_deg, cal->residual_deg);
    else
        g_info("calibration failed: %s", why);
    update_state(c);
}

static void calibration_try(KnCore *c)
{
    const struct kn_live *live = kn_analysis_live(c->analysis);
    struct kn_calibration cal;
    int r;

    if (c->calibrations->len == 0 || live->t_s < c->calibration_start_t + CALIBRATION_WINDOW_S)
        return;
    r = kn_analysis_calibrate(c->analysis, &cal);
    switch (r) {
    case 0:
        calibration_finish(c, 0, &cal, NULL);
        break;
    case -EBUSY:
        calibration_finish(c, r, NULL, "the leg moved: stand straight and still for a second, "
                           "then calibrate again");
        break;
    case -ENODATA:
        calibration_finish(c, r, NULL, "no knee angle from the sensors present");
        break;
    default:
        calibration_finish(c, r, NULL, g_strerror(-r));
        break;
    }
}

static void calibration_timeout(KnTimer *timer, gpointer user_data)
{
    KnCore *c = user_data;

    calibration_finish(c, -ETIMEDOUT, NULL, "the source stopped delivering frames");
}

void kn_core_calibrate_async(KnCore *c, GCancellable *cancellable,
                             GAsyncReadyCallback callback, gpointer user_data)
{
    g_autoptr(GTask) task = g_task_new(NULL, cancellable, callback, user_data);
    const struct kn_live *live = kn_analysis_live(c->analysis);
    double speed, timeout_s;

    g_task_set_source_tag(task, kn_core_calibrate_async);
    if (!c->device || !kn_device_is_running(c->device) || isnan(c->stream_first_t)) {
        g_task_return_new_error(task, KN_ERROR, KN_ERROR_NO_DATA,
                                "no sensor data: the source is not streaming");
        return;
    }
    if (isnan(live->knee_deg)) {
        g_task_return_new_error(task, KN_ERROR, KN_ERROR_NO_DATA,
                                "no knee angle from the sensors present");
        return;
    }
    g_ptr_array_add(c->calibrations, g_steal_pointer(&task));
    if (c->calibrations->len > 1)
        return;
    c->calibration_start_t = live->t_s;
    speed = c->status.speed > 0 ? c->status.speed : 1.0;
    timeout_s = CALIBRATION_WINDOW_S / speed + CALIBRATION_GRACE_S;
    kn_timer_start_in(c->calibration_timer, (gint64) (timeout_s * G_USEC_PER_SEC));
    g_info("calibrating: stand straight and still");
    update_state(c);
}

gboolean kn_core_calibrate_finish(KnCore *c, GAsyncResult *result,
                                  struct kn_calibration *ret, GError **error)
{
    g_autofree struct kn_calibration *cal = NULL;

    g_return_val_if_fail(g_task_is_valid(result, NULL), FALSE);
    cal = g_task_propagate_pointer(G_TASK(result), error);
    if (!cal)
        return FALSE;
    if (ret)
        *ret = *cal;
    return TRUE;
}

/* ---- analysis callbacks ---- */

static void on_stride(const struct kn_stride *stride, void *user_data)
{
    KnCore *c = user_data;

    if (c->status.session_active)
        kn_session_stats_add_stride(&c->session, stride);
    kn_core_publishers_begin(c);
    for (guint i = 0; i < c->publishers->len; i++) {
        Publisher *p = kn_core_publisher_at(c, i);

        if (!p || !p->ops->stride)
            continue;
        p->ops->stride(p->data, stride);
    }
    kn_core_publishers_end(c);
}

void kn_core_emit_alert(KnCore *c, KnAlertEvent *ev)
{
    char text[KN_ALERT_TEXT_MAX];

    ev->seq = ++c->status.alerts_raised;
    ev->wall_us = kn_core_get_wall_clock(c);
    ev->session_id = c->status.session_active ? c->status.session_id : 0;
    if (c->status.session_active)
        kn_session_stats_add_alert(&c->session, ev->alert.kind);
    g_log_structured(G_LOG_DOMAIN, G_LOG_LEVEL_INFO,
                     "MESSAGE", "alert #%" G_GUINT64_FORMAT " %s (%s) at t=%.3f s: %s",
                     ev->seq, kn_alert_kind_to_string(ev->alert.kind),
                     kn_severity_to_string(ev->alert.severity), ev->alert.t_s,
                     kn_alert_text(&ev->alert, text, sizeof(text)),
                     "KNEED_ALERT_KIND", "%s", kn_alert_kind_to_string(ev->alert.kind),
                     "KNEED_ALERT_MESSAGE", "%s", kn_alert_message_to_string(ev->alert.message),
                     "KNEED_ALERT_SEVERITY", "%s", kn_severity_to_string(ev->alert.severity));
    kn_core_publishers_begin(c);
    for (guint i = 0; i < c->publishers->len; i++) {
        Publisher *p = kn_core_publisher_at(c, i);

        if (!p || !p->ops->alert)
            continue;
        p->ops->alert(p->data, ev);
    }
    kn_core_publishers_end(c);
}

static void on_alert(const struct kn_alert *alert, void *user_data)
{
    KnCore *c = user_data;
    KnAlertEvent ev = { 0 };

    ev.alert = *alert;
    ev.batch_monotonic_us = c->batch_arrival_us;
    ev.sample_monotonic_us = sample_to_monotonic(c, alert->t_s);
    kn_core_emit_alert(c, &ev);
}

/* ---- frames ---- */

static guint32 field_bits(const char *field, KnSensorId *ret_sensor)
{
    static const struct {
        const char *field;
        guint32 bits;
        KnSensorId sensor;
    } map[] = {
        { "knee_deg", KN_HAS_FLEX, KN_SENSOR_FLEX },
        { "thigh_accel", KN_HAS_THIGH_ACCEL, KN_SENSOR_THIGH },
        { "thigh_gyro", KN_HAS_THIGH_GYRO, KN_SENSOR_THIGH },
        { "shank_accel", KN_HAS_SHANK_ACCEL, KN_SENSOR_SHANK },
        { "shank_gyro", KN_HAS_SHANK_GYRO, KN_SENSOR_SHANK },
    };

    for (size_t i = 0; i < G_N_ELEMENTS(map); i++) {
        if (g_strcmp0(field, map[i].field) == 0) {
            *ret_sensor = map[i].sensor;
            return map[i].bits;
        }
    }
    return 0;
}

/* Pushes one frame.  A value out of range costs only its sensor group:
 * the rest of the frame still goes to the analysis.  *ret_accepted is
 * the frame as the analysis took it. */
static gboolean push_frame(KnCore *c, const struct kn_frame *f, struct kn_frame *ret_accepted)
{
    struct kn_frame copy = *f;
    const char *field = NULL;
    gboolean damaged = FALSE;

    while (kn_frame_check(&copy, &field) < 0) {
        KnSensorId sensor = KN_SENSOR_COUNT;
        guint32 bits = field_bits(field, &sensor);

        damaged = TRUE;
        if (g_strcmp0(field, "present") == 0) {
            copy.present &= KN_HAS_ALL;
            continue;
        }
        if (!bits)
            break;
        g_snprintf(c->sensor_error[sensor], sizeof(c->sensor_error[sensor]),
                   "%s out of range at t=%.3f s", field, f->t_s);
        copy.present &= ~bits;
    }
    if (damaged) {
        c->status.frames_rejected++;
        c->last_reject_t = isfinite(f->t_s) ? f->t_s : kn_analysis_live(c->analysis)->t_s;
        if (c->status.frames_rejected <= 10 || c->status.frames_rejected % 1000 == 0)
            g_debug("frame at t=%.3f s: bad %s (%" G_GUINT64_FORMAT " so far)", f->t_s,
                    field ? field : "?", c->status.frames_rejected);
    }
    if (kn_analysis_push(c->analysis, &copy) < 0) {
        if (!damaged) {
            c->status.frames_rejected++;
            c->last_reject_t = kn_analysis_live(c->analysis)->t_s;
        }
        return FALSE;
    }
    c->status.frames++;
    *ret_accepted = copy;
    return TRUE;
}

/* The accepted frames of a batch to the publishers that take raw frames
 * (the frame stream of kneectl record). */
static void publish_frames(KnCore *c, const struct kn_frame *frames, gsize n)
{
    kn_core_publishers_begin(c);
    for (guint i = 0; i < c->publishers->len; i++) {
        Publisher *p = kn_core_publisher_at(c, i);

        if (!p || !p->ops->frames)
            continue;
        p->ops->frames(p->data, frames, n);
    }
    kn_core_publishers_end(c);
}

static gboolean wants_frames(KnCore *c)
{
    for (guint i = 0; i < c->publishers->len; i++) {
        Publisher *p = kn_core_publisher_at(c, i);

        if (p && p->ops->frames)
            return TRUE;
    }
    return FALSE;
}

/* force: publish now whatever the period (the source ended: the last
 * values must not wait for frames that will not come). */
static void maybe_publish_live(KnCore *c, gboolean force)
{
    const struct kn_live *live = kn_analysis_live(c->analysis);
    gint64 period = (gint64) (1e6 / c->opts.publish_hz);
    gint64 now = force ? kn_clock_now(c->clock) : c->batch_arrival_us;

    if ((!force && now < c->next_live_us) || live->t_s == c->published_live_t)
        return;
    /* Stay on a grid so the average rate is exactly publish_hz, without
     * a burst after a pause. */
    c->next_live_us += period;
    if (c->next_live_us <= now)
        c->next_live_us = now + period;
    c->published_live_t = live->t_s;
    kn_core_publishers_begin(c);
    for (guint i = 0; i < c->publishers->len; i++) {
        Publisher *p = kn_core_publisher_at(c, i);

        if (!p || !p->ops->live)
            continue;
        p->ops->live(p->data, live);
    }
    kn_core_publishers_end(c);
}

static void on_frames(KnDevice *dev, const struct kn_frame *frames, gsize n, gpointer user_data)
{
    KnCore *c = user_data;
    unsigned accepted = 0;
    double first_t = NAN, last_t = NAN;
    gboolean tap = wants_frames(c);
    struct kn_frame f;

    c->in_batch = TRUE;
    c->batch_arrival_us = kn_clock_now(c->clock);
    c->last_frames_us = c->batch_arrival_us;
    if (tap)
        g_array_set_size(c->tapped, 0);
    for (gsize i = 0; i < n; i++) {
        if (!push_frame(c, &frames[i], &f))
            continue;
        if (tap)
            g_array_append_val(c->tapped, f);
        if (accepted++ == 0)
            first_t = frames[i].t_s;
        last_t = frames[i].t_s;
    }
    if (tap && c->tapped->len > 0)
        publish_frames(c, (const struct kn_frame *) c->tapped->data, c->tapped->len);
    if (accepted > 0 && isnan(c->stream_first_t))
        c->stream_first_t = first_t;
    if (c->status.session_active)
        kn_session_stats_add_frames(&c->session, first_t, last_t, accepted);
    calibration_try(c);
    copy_device_status(c);
    update_state(c);
    c->in_batch = FALSE;
    flush_status(c);
    maybe_publish_live(c, FALSE);
}

static void on_device_status(KnDevice *dev, gpointer user_data)
{
    KnCore *c = user_data;

    copy_device_status(c);
    update_state(c);
}

static void on_device_finished(KnDevice *dev, const GError *error, gpointer user_data)
{
    KnCore *c = user_data;

    if (error) {
        g_warning("source %s failed: %s", kn_device_get_name(dev), error->message);
        for (int i = 0; i < KN_SENSOR_COUNT; i++)
            if (kn_device_get_status(dev)->sensors[i].present)
                g_strlcpy(c->sensor_error[i], error->message, sizeof(c->sensor_error[i]));
    } else {
        g_message("source %s: end of data", kn_device_get_name(dev));
    }
    if (c->calibrations->len > 0)
        calibration_finish(c, -ENODATA, NULL, "the source stopped");
    update_state(c);
    maybe_publish_live(c, TRUE);
}

/* ---- life cycle ---- */

KnCore *kn_core_new(const KnCoreOptions *opts, GError **error)
{
    KnCore *c;

    if (!check_options(opts, error))
        return NULL;
    c = g_new0(KnCore, 1);
    c->opts = *opts;
    c->opts.clock = NULL;
    c->analysis = kn_analysis_new(&opts->params);
    if (!c->analysis) {
        g_free(c);
        g_set_error(error, KN_ERROR, KN_ERROR_FAILED, "cannot create the analysis");
        return NULL;
    }
    kn_analysis_set_callbacks(c->analysis, on_stride, on_alert, c);
    c->publishers = g_ptr_array_new_with_free_func((GDestroyNotify) publisher_free);
    c->calibrations = g_ptr_array_new_with_free_func(g_object_unref);
    c->pain_marks = g_array_new(FALSE, FALSE, sizeof(KnPainMark));
    c->flex_measures = g_ptr_array_new();
    c->tapped = g_array_new(FALSE, FALSE, sizeof(struct kn_frame));
    c->source_name = g_strdup("");
    c->status.state = KN_STATE_IDLE;
    c->status.source = c->source_name;
    c->status.side = opts->params.side;
    c->status.battery_pct = -1;
    c->status.batch_ms = opts->batch_ms;
    c->status.publish_hz = opts->publish_hz;
    c->stream_first_t = NAN;
    c->last_reject_t = NAN;
    c->published_live_t = NAN;
    kn_session_stats_init(&c->session);
    c->clock = opts->clock ? kn_clock_ref(opts->clock) : kn_clock_new_system();
    c->clock_handler = kn_clock_connect_changed(c->clock, kn_core_on_clock_changed, c);
    c->status.wall_offset_us = kn_clock_wall_offset(c->clock);
    c->status.wall_clock_source = kn_clock_wall_source(c->clock);
    c->calibration_timer = kn_timer_new(c->clock, "kneed calibration", calibration_timeout, c);
    c->pairing_timer = kn_timer_new(c->clock, "kneed pairing window", kn_core_pairing_timeout, c);
    return c;
}

void kn_core_free(KnCore *c)
{
    if (!c)
        return;
    kn_core_clear_source(c);
    g_clear_pointer(&c->pairing_timer, kn_timer_free);
    g_clear_pointer(&c->calibration_timer, kn_timer_free);
    kn_clock_disconnect(c->clock, c->clock_handler);
    /* Answers pending calibrations (they hold no reference to us). */
    for (guint i = 0; i < c->calibrations->len; i++)
        g_task_return_new_error(g_ptr_array_index(c->calibrations, i), G_IO_ERROR,
                                G_IO_ERROR_CANCELLED, "kneed is shutting down");
    g_ptr_array_unref(c->calibrations);
    kn_core_flex_cancel(c, G_IO_ERROR, G_IO_ERROR_CANCELLED, "kneed is shutting down");
    g_ptr_array_unref(c->flex_measures);
    g_array_unref(c->tapped);
    g_ptr_array_unref(c->publishers);
    g_array_unref(c->pain_marks);
    kn_analysis_free(c->analysis);
    g_free(c->source_name);
    kn_clock_unref(c->clock);
    g_free(c);
}

void kn_core_clear_source(KnCore *c)
{
    if (!c->device)
        return;
    kn_device_close(g_steal_pointer(&c->device));
    if (c->calibrations->len > 0)
        calibration_finish(c, -ENODATA, NULL, "the source stopped");
    kn_core_flex_cancel(c, KN_ERROR, KN_ERROR_NO_DATA, "the source stopped");
    copy_device_status(c);
    update_state(c);
}

gboolean kn_core_set_source(KnCore *c, const KnDriver *driver, const KnDriverOptions *opts,
                            GError **error)
{
    static const KnDeviceCallbacks callbacks = {
        .frames = on_frames,
        .status_changed = on_device_status,
        .finished = on_device_finished,
    };
    g_autoptr(GError) local = NULL;
    KnDriverOptions dopts;
    KnDevice *dev;

    kn_core_clear_source(c);
    memset(c->sensor_error, 0, sizeof(c->sensor_error));
    c->stream_first_t = NAN;
    c->last_reject_t = NAN;
    /* The source paces itself by the core's clock. */
    kn_driver_options_init(&dopts);
    kn_driver_options_copy(&dopts, opts);
    g_clear_pointer(&dopts.clock, kn_clock_unref);
    dopts.clock = kn_clock_ref(c->clock);
    dev = kn_device_open(driver, &dopts, &local);
    kn_driver_options_clear(&dopts);
    if (dev) {
        kn_device_set_callbacks(dev, &callbacks, c, NULL);
        if (!kn_device_start(dev, &local))
            g_clear_pointer(&dev, kn_device_close);
    }
    if (!dev) {
        g_set_error(error, KN_ERROR, KN_ERROR_FAILED, "%s", local->message);
        return FALSE;
    }
    c->device = dev;
    g_free(c->source_name);
    c->source_name = g_strdup(driver->name);
    c->status.source = c->source_name;
    c->status.batch_ms = opts->batch_ms;
    c->opts.batch_ms = opts->batch_ms;
    c->next_live_us = kn_clock_now(c->clock);
    c->last_frames_us = c->next_live_us;
    c->pending |= KN_CHANGED_STATE | KN_CHANGED_SENSORS;
    copy_device_status(c);
    update_state(c);
    g_message("source %s started (batch %u ms)", driver->name, opts->batch_ms);
    return TRUE;
}

gboolean kn_core_set_options(KnCore *c, const KnCoreOptions *opts, GError **error)
{
    if (!check_options(opts, error))
        return FALSE;
    if (!kn_core_set_params(c, &opts->params, error))
        return FALSE;
    if (opts->publish_hz != c->opts.publish_hz) {
        c->opts.publish_hz = opts->publish_hz;
        c->status.publish_hz = opts->publish_hz;
        kn_core_mark_changed(c, KN_CHANGED_STATE);
    }
    return TRUE;
}

/* ---- reading ---- */

const KnCoreStatus *kn_core_get_status(KnCore *c)
{
    return &c->status;
}

const struct kn_live *kn_core_get_live(KnCore *c)
{
    return kn_analysis_live(c->analysis);
}

const struct kn_params *kn_core_get_params(KnCore *c)
{
    return kn_analysis_get_params(c->analysis);
}

gint64 kn_core_get_wall_clock(KnCore *c)
{
    return kn_clock_wall(c->clock);
}

KnClock *kn_core_get_clock(KnCore *c)
{
    return c->clock;
}

KnLiveness kn_core_get_liveness(KnCore *c, gint64 *ret_silent_us)
{
    gint64 now = kn_clock_now(c->clock);
    gint64 silent = now - c->last_frames_us;
    gint64 stall = (gint64) KN_CORE_STALL_S * G_USEC_PER_SEC;
    gint64 idle_until;

    if (ret_silent_us)
        *ret_silent_us = silent;
    if (!c->device || !kn_device_is_running(c->device))
        return KN_LIVENESS_NO_SOURCE;
    if (silent < stall)
        return KN_LIVENESS_STREAMING;
    idle_until = kn_device_get_status(c->device)->idle_until_us;
    if (idle_until > 0 && now < idle_until + stall)
        return KN_LIVENESS_QUIET;
    return KN_LIVENESS_STALLED;
}

