/* SPDX-License-Identifier: GPL-2.0-or-later */
#define G_LOG_DOMAIN "kneed"

#include <gio/gunixfdlist.h>
#include <grp.h>
#include <math.h>
#include <string.h>
#include <unistd.h>

#include "analysis/alert-text.h"
#include "daemon/dbus-api.h"
#include "daemon/dbus-args.h"
#include "daemon/frame-stream.h"
#include "daemon/publisher.h"
#include "dbus/kneed-dbus-generated.h"

/* The group whose members may use kneed (dbus/org.kneed.Kneed1.conf). */
#define KN_DBUS_GROUP "kneed"

struct _KnDBusApi {
    KnCore *core;
    GDBusConnection *connection;
    KnDBusDaemon *daemon;
    GDBusObjectManagerServer *manager;
    KnDBusSensor *sensors[KN_SENSOR_COUNT];
    guint publisher_id;
    guint32 last_stride_index;
    KnFrameStreams *streams;
    GCancellable *cancel;         /* calls in flight when we go */
};

/* ---- variants ---- */

static void add_metric(GVariantBuilder *b, const char *key, double v)
{
    if (isfinite(v))
        g_variant_builder_add(b, "{sv}", key, g_variant_new_double(v));
}

GVariant *kn_dbus_stride_to_variant(const struct kn_stride *s)
{
    GVariantBuilder b;

    g_variant_builder_init(&b, G_VARIANT_TYPE_VARDICT);
    g_variant_builder_add(&b, "{sv}", "index", g_variant_new_uint32(s->index));
    add_metric(&b, "t_s", s->t_s);
    add_metric(&b, "start_s", s->start_s);
    add_metric(&b, "stride_s", s->stride_s);
    add_metric(&b, "cadence_spm", s->cadence_spm);
    add_metric(&b, "contact_s", s->contact_s);
    add_metric(&b, "ic_flex_deg", s->ic_flex_deg);
    add_metric(&b, "stance_peak_flex_deg", s->stance_peak_flex_deg);
    add_metric(&b, "swing_peak_flex_deg", s->swing_peak_flex_deg);
    add_metric(&b, "min_flex_deg", s->min_flex_deg);
    add_metric(&b, "rom_deg", s->rom_deg);
    add_metric(&b, "impact_g", s->impact_g);
    add_metric(&b, "stride_cv_pct", s->stride_cv_pct);
    g_variant_builder_add(&b, "{sv}", "activity",
                          g_variant_new_string(kn_activity_to_string(s->activity)));
    return g_variant_builder_end(&b);
}

static void add_stat(GVariantBuilder *b, const char *name, const struct kn_stat *st)
{
    g_autofree char *mean = g_strconcat(name, "_mean", NULL);
    g_autofree char *sd = g_strconcat(name, "_sd", NULL);
    g_autofree char *min = g_strconcat(name, "_min", NULL);
    g_autofree char *max = g_strconcat(name, "_max", NULL);

    if (st->n == 0)
        return;
    add_metric(b, mean, st->mean);
    add_metric(b, sd, st->sd);
    add_metric(b, min, st->min);
    add_metric(b, max, st->max);
}

GVariant *kn_dbus_summary_to_variant(guint64 session_id, const struct kn_summary *s)
{
    GVariantBuilder b, alerts;

    g_variant_builder_init(&b, G_VARIANT_TYPE_VARDICT);
    g_variant_builder_add(&b, "{sv}", "session_id", g_variant_new_uint64(session_id));
    g_variant_builder_add(&b, "{sv}", "duration_s", g_variant_new_double(s->duration_s));
    g_variant_builder_add(&b, "{sv}", "frames", g_variant_new_uint32(s->frames));
    g_variant_builder_add(&b, "{sv}", "strides", g_variant_new_uint32(s->strides));
    g_variant_builder_add(&b, "{sv}", "steps", g_variant_new_uint32(s->steps));
    add_stat(&b, "stride_s", &s->stride_s);
    add_stat(&b, "cadence_spm", &s->cadence_spm);
    add_stat(&b, "contact_s", &s->contact_s);
    add_stat(&b, "ic_flex_deg", &s->ic_flex_deg);
    add_stat(&b, "stance_peak_flex_deg", &s->stance_peak_flex_deg);
    add_stat(&b, "swing_peak_flex_deg", &s->swing_peak_flex_deg);
    add_stat(&b, "min_flex_deg", &s->min_flex_deg);
    add_stat(&b, "rom_deg", &s->rom_deg);
    add_stat(&b, "impact_g", &s->impact_g);
    add_metric(&b, "stride_cv_pct", s->stride_cv_pct);
    g_variant_builder_init(&alerts, G_VARIANT_TYPE("a{su}"));
    for (int k = 0; k < KN_ALERT_KIND_COUNT; k++)
        g_variant_builder_add(&alerts, "{su}", kn_alert_kind_to_string(k), s->alerts[k]);
    g_variant_builder_add(&b, "{sv}", "alerts", g_variant_builder_end(&alerts));
    return g_variant_builder_end(&b);
}

static GVariant *thresholds_to_variant(const struct kn_params *p)
{
    const struct kn_param_info *table;
    GVariantBuilder b;
    size_t n;

    table = kn_params_table(&n);
    g_variant_builder_init(&b, G_VARIANT_TYPE_VARDICT);
    for (size_t i = 0; i < n; i++) {
        double v = kn_params_get(p, table[i].id);

        switch (table[i].kind) {
        case KN_PARAM_REAL:
            g_variant_builder_add(&b, "{sv}", table[i].key, g_variant_new_double(v));
            break;
        case KN_PARAM_INTEGER:
            g_variant_builder_add(&b, "{sv}", table[i].key, g_variant_new_uint32((guint32) v));
            break;
        }
    }
    return g_variant_builder_end(&b);
}

/* ---- method handlers ---- */

static void calibrate_done(GObject *source, GAsyncResult *result, gpointer user_data)
{
    g_autoptr(GDBusMethodInvocation) invocation = user_data;
    KnCore *core = g_object_get_data(G_OBJECT(invocation), "kneed-core");
    g_autoptr(GError) error = NULL;
    struct kn_calibration cal;

    if (!kn_core_calibrate_finish(core, result, &cal, &error)) {
        g_dbus_method_invocation_return_gerror(invocation, error);
        return;
    }
    g_dbus_method_invocation_return_value(invocation,
        g_variant_new("(ddd)", cal.offset_deg, cal.residual_deg, cal.stillness_dps));
}

static gboolean on_calibrate(KnDBusDaemon *sk, GDBusMethodInvocation *invocation, KnDBusApi *api)
{
    g_object_set_data(G_OBJECT(invocation), "kneed-core", api->core);
    kn_core_calibrate_async(api->core, NULL, calibrate_done, g_object_ref(invocation));
    return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static gboolean on_start_session(KnDBusDaemon *sk, GDBusMethodInvocation *invocation,
                                 KnDBusApi *api)
{
    g_autoptr(GError) error = NULL;
    guint64 id;

    if (!kn_core_start_session(api->core, &id, &error))
        g_dbus_method_invocation_return_gerror(invocation, error);
    else
        kn_dbus_daemon_complete_start_session(sk, invocation, id);
    return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static gboolean on_stop_session(KnDBusDaemon *sk, GDBusMethodInvocation *invocation,
                                KnDBusApi *api)
{
    g_autoptr(GError) error = NULL;
    struct kn_summary summary;
    guint64 id = kn_core_get_status(api->core)->session_id;

    if (!kn_core_stop_session(api->core, &summary, &error))
        g_dbus_method_invocation_return_gerror(invocation, error);
    else
        kn_dbus_daemon_complete_stop_session(sk, invocation,
                                             kn_dbus_summary_to_variant(id, &summary));
    return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static gboolean on_report_pain(KnDBusDaemon *sk, GDBusMethodInvocation *invocation,
                               guint score, const char *location, const char *timing,
                               const char *note, KnDBusApi *api)
{
    g_autoptr(GError) error = NULL;
    KnPainLocation where;
    KnPainTiming when;
    guint64 seq = 0;

    if (!kn_dbus_args_pain(location, timing, &where, &when, &error) ||
        !kn_core_report_pain(api->core, score, where, when, note, &seq, &error))
        g_dbus_method_invocation_return_gerror(invocation, error);
    else
        kn_dbus_daemon_complete_report_pain(sk, invocation, seq);
    return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static gboolean on_mark_pain(KnDBusDaemon *sk, GDBusMethodInvocation *invocation,
                             KnDBusApi *api)
{
    g_autoptr(GError) error = NULL;
    guint64 id;

    if (!kn_core_mark_pain(api->core, 0, &id, &error))
        g_dbus_method_invocation_return_gerror(invocation, error);
    else
        kn_dbus_daemon_complete_mark_pain(sk, invocation, id);
    return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static gboolean on_list_pain_marks(KnDBusDaemon *sk, GDBusMethodInvocation *invocation,
                                   KnDBusApi *api)
{
    const KnPainMark *marks;
    GVariantBuilder b;
    guint n;

    marks = kn_core_get_pain_marks(api->core, &n);
    g_variant_builder_init(&b, G_VARIANT_TYPE("a(txtb)"));
    for (guint i = 0; i < n; i++)
        g_variant_builder_add(&b, "(txtb)", marks[i].id, marks[i].wall_us, marks[i].session_id,
                              marks[i].scored);
    kn_dbus_daemon_complete_list_pain_marks(sk, invocation, g_variant_builder_end(&b));
    return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static gboolean on_score_pain_mark(KnDBusDaemon *sk, GDBusMethodInvocation *invocation,
                                   guint64 mark_id, guint score, const char *location,
                                   const char *timing, const char *note, KnDBusApi *api)
{
    g_autoptr(GError) error = NULL;
    KnPainLocation where;
    KnPainTiming when;
    guint64 seq = 0;

    if (!kn_dbus_args_pain(location, timing, &where, &when, &error) ||
        !kn_core_score_pain_mark(api->core, mark_id, score, where, when, note, &seq, &error))
        g_dbus_method_invocation_return_gerror(invocation, error);
    else
        kn_dbus_daemon_complete_score_pain_mark(sk, invocation, seq);
    return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static gboolean on_get_thresholds(KnDBusDaemon *sk, GDBusMethodInvocation *invocation,
                                  KnDBusApi *api)
{
    kn_dbus_daemon_complete_get_thresholds(sk, invocation,
        thresholds_to_variant(kn_core_get_params(api->core)));
    return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static gboolean on_set_thresholds(KnDBusDaemon *sk, GDBusMethodInvocation *invocation,
                                  GVariant *thresholds, KnDBusApi *api)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(GArray) updates = NULL;

    /* The keys point into thresholds, alive until we return. */
    if (!kn_dbus_args_thresholds(thresholds, &updates, &error) ||
        !kn_core_set_thresholds(api->core, (const KnThresholdUpdate *) updates->data,
                                updates->len, &error))
        g_dbus_method_invocation_return_gerror(invocation, error);
    else
        kn_dbus_daemon_complete_set_thresholds(sk, invocation);
    return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static gboolean on_describe_thresholds(KnDBusDaemon *sk, GDBusMethodInvocation *invocation,
                                       KnDBusApi *api)
{
    const struct kn_param_info *table;
    GVariantBuilder b;
    size_t n;

    table = kn_params_table(&n);
    g_variant_builder_init(&b, G_VARIANT_TYPE("a(sssddds)"));
    for (size_t i = 0; i < n; i++)
        g_variant_builder_add(&b, "(sssddds)", table[i].key, table[i].unit,
                              table[i].kind == KN_PARAM_INTEGER ? "integer" : "real",
                              table[i].min, table[i].max, table[i].def, table[i].summary);
    kn_dbus_daemon_complete_describe_thresholds(sk, invocation, g_variant_builder_end(&b));
    return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static gboolean on_set_time(KnDBusDaemon *sk, GDBusMethodInvocation *invocation,
                            gint64 unix_us, KnDBusApi *api)
{
    g_autoptr(GError) error = NULL;

    if (!kn_core_set_wall_clock(api->core, unix_us, &error))
        g_dbus_method_invocation_return_gerror(invocation, error);
    else
        kn_dbus_daemon_complete_set_time(sk, invocation);
    return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static gboolean on_identify(KnDBusDaemon *sk, GDBusMethodInvocation *invocation,
                            guint duration_ms, KnDBusApi *api)
{
    g_autoptr(GError) error = NULL;

    if (!kn_core_identify(api->core, duration_ms, &error))
        g_dbus_method_invocation_return_gerror(invocation, error);
    else
        kn_dbus_daemon_complete_identify(sk, invocation);
    return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static gboolean on_start_coaching(KnDBusDaemon *sk, GDBusMethodInvocation *invocation,
                                  double target, KnDBusApi *api)
{
    g_autoptr(GError) error = NULL;

    if (!kn_core_start_coaching(api->core, target, &error))
        g_dbus_method_invocation_return_gerror(invocation, error);
    else
        kn_dbus_daemon_complete_start_coaching(sk, invocation);
    return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static gboolean on_stop_coaching(KnDBusDaemon *sk, GDBusMethodInvocation *invocation,
                                 KnDBusApi *api)
{
    kn_core_stop_coaching(api->core);
    kn_dbus_daemon_complete_stop_coaching(sk, invocation);
    return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static gboolean on_open_pairing_window(KnDBusDaemon *sk, GDBusMethodInvocation *invocation,
                                       guint seconds, KnDBusApi *api)
{
    g_autoptr(GError) error = NULL;

    if (!kn_core_open_pairing_window(api->core, seconds, &error))
        g_dbus_method_invocation_return_gerror(invocation, error);
    else
        kn_dbus_daemon_complete_open_pairing_window(sk, invocation);
    return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static gboolean on_close_pairing_window(KnDBusDaemon *sk, GDBusMethodInvocation *invocation,
                                        KnDBusApi *api)
{
    kn_core_close_pairing_window(api->core);
    kn_dbus_daemon_complete_close_pairing_window(sk, invocation);
    return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static void measure_flex_done(GObject *source, GAsyncResult *result, gpointer user_data)
{
    g_autoptr(GDBusMethodInvocation) invocation = user_data;
    KnCore *core = g_object_get_data(G_OBJECT(invocation), "kneed-core");
    g_autoptr(GError) error = NULL;
    KnFlexRawStats st;

    if (!kn_core_measure_flex_finish(core, result, &st, &error)) {
        g_dbus_method_invocation_return_gerror(invocation, error);
        return;
    }
    g_dbus_method_invocation_return_value(invocation,
        g_variant_new("(ddu)", st.mean, st.sd, (guint32) st.n));
}

static gboolean on_measure_flex(KnDBusDaemon *sk, GDBusMethodInvocation *invocation,
                                KnDBusApi *api)
{
    g_object_set_data(G_OBJECT(invocation), "kneed-core", api->core);
    kn_core_measure_flex_async(api->core, NULL, measure_flex_done, g_object_ref(invocation));
    return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static gboolean on_set_flex_calibration(KnDBusDaemon *sk, GDBusMethodInvocation *invocation,
                                        GVariant *points, KnDBusApi *api)
{
    g_autoptr(GError) error = NULL;
    KnFlexCal cal;

    if (!kn_dbus_args_flex_points(points, &cal, &error) ||
        !kn_core_set_flex_calibration(api->core, &cal, &error))
        g_dbus_method_invocation_return_gerror(invocation, error);
    else
        kn_dbus_daemon_complete_set_flex_calibration(sk, invocation);
    return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static gboolean on_get_flex_calibration(KnDBusDaemon *sk, GDBusMethodInvocation *invocation,
                                        KnDBusApi *api)
{
    g_autoptr(GError) error = NULL;
    GVariantBuilder b;
    KnFlexCal cal;
    gboolean stored;

    if (!kn_core_get_flex_calibration(api->core, &cal, &stored, &error)) {
        g_dbus_method_invocation_return_gerror(invocation, error);
        return G_DBUS_METHOD_INVOCATION_HANDLED;
    }
    g_variant_builder_init(&b, G_VARIANT_TYPE("a(dd)"));
    for (guint i = 0; i < cal.n; i++)
        g_variant_builder_add(&b, "(dd)", cal.p[i].raw, cal.p[i].deg);
    kn_dbus_daemon_complete_get_flex_calibration(sk, invocation, g_variant_builder_end(&b),
                                                 cal.n == 0 ? "none" : stored ? "stored" : "config");
    return G_DBUS_METHOD_INVOCATION_HANDLED;
}

/* Root, kneed's own user and the members of the kneed group: the bus
 * policy admits no one else on the system bus, and this holds on any bus. */
static gboolean caller_allowed(GVariant *credentials, guint32 *ret_uid)
{
    g_autoptr(GVariant) groups = g_variant_lookup_value(credentials, "UnixGroupIDs",
                                                        G_VARIANT_TYPE("au"));
    const struct group *gr = getgrnam(KN_DBUS_GROUP);
    guint32 uid;

    if (!g_variant_lookup(credentials, "UnixUserID", "u", &uid))
        return FALSE;
    *ret_uid = uid;
    if (uid == 0 || uid == (guint32) getuid())
        return TRUE;
    if (gr && groups) {
        gsize n;
        const guint32 *ids = g_variant_get_fixed_array(groups, &n, sizeof(guint32));

        for (gsize i = 0; i < n; i++)
            if (ids[i] == (guint32) gr->gr_gid)
                return TRUE;
    }
    return FALSE;
}

static GVariant *stream_info(KnDBusApi *api)
{
    const KnCoreStatus *st = kn_core_get_status(api->core);
    GVariantBuilder b;
    guint32 columns = 0;
    double rate = 0;

    for (int i = 0; i < KN_SENSOR_COUNT; i++) {
        static const guint32 bits[KN_SENSOR_COUNT] = {
            [KN_SENSOR_FLEX] = KN_HAS_FLEX,
            [KN_SENSOR_THIGH] = KN_HAS_THIGH_IMU,
            [KN_SENSOR_SHANK] = KN_HAS_SHANK_IMU,
        };

        if (st->sensors[i].state == KN_SENSOR_STATE_ABSENT)
            continue;
        columns |= bits[i];
        rate = MAX(rate, st->sensors[i].rate_hz > 0 ? st->sensors[i].rate_hz
                                                    : st->sensors[i].requested_hz);
    }
    g_variant_builder_init(&b, G_VARIANT_TYPE_VARDICT);
    g_variant_builder_add(&b, "{sv}", "version", g_variant_new_uint32(KN_FRAME_STREAM_VERSION));
    g_variant_builder_add(&b, "{sv}", "record_size",
                          g_variant_new_uint32(KN_FRAME_STREAM_RECORD_SIZE));
    g_variant_builder_add(&b, "{sv}", "columns", g_variant_new_uint32(columns));
    g_variant_builder_add(&b, "{sv}", "rate_hz", g_variant_new_double(rate));
    g_variant_builder_add(&b, "{sv}", "side", g_variant_new_string(kn_side_to_string(st->side)));
    g_variant_builder_add(&b, "{sv}", "source", g_variant_new_string(st->source));
    g_variant_builder_add(&b, "{sv}", "time_origin_us", g_variant_new_int64(st->time_origin_us));
    g_variant_builder_add(&b, "{sv}", "speed", g_variant_new_double(st->speed));
    return g_variant_builder_end(&b);
}

static void credentials_done(GObject *source, GAsyncResult *result, gpointer user_data)
{
    g_autoptr(GDBusMethodInvocation) invocation = user_data;
    g_autoptr(GError) error = NULL;
    g_autoptr(GVariant) reply = NULL;
    g_autoptr(GVariant) creds = NULL;
    g_autoptr(GUnixFDList) fds = NULL;
    const char *sender = g_dbus_method_invocation_get_sender(invocation);
    KnDBusApi *api;
    guint32 uid = G_MAXUINT32;
    int fd, index;

    reply = g_dbus_connection_call_finish(G_DBUS_CONNECTION(source), result, &error);
    if (g_error_matches(error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        return;                   /* we are going away */
    api = g_object_get_data(G_OBJECT(invocation), "kneed-api");
    if (reply)
        g_variant_get(reply, "(@a{sv})", &creds);
    if (!creds || !caller_allowed(creds, &uid)) {
        g_info("frame stream refused to %s (uid %u)", sender, uid);
        g_dbus_method_invocation_return_dbus_error(invocation,
            "org.freedesktop.DBus.Error.AccessDenied",
            "the frame stream is for root, kneed's user and the kneed group");
        return;
    }
    fd = kn_frame_streams_open(api->streams, api->connection, sender, &error);
    if (fd < 0) {
        g_dbus_method_invocation_return_gerror(invocation, error);
        return;
    }
    fds = g_unix_fd_list_new();
    index = g_unix_fd_list_append(fds, fd, &error);
    close(fd);
    if (index < 0) {
        g_dbus_method_invocation_return_gerror(invocation, error);
        return;
    }
    g_info("frame stream for %s (uid %u)", sender, uid);
    kn_dbus_daemon_complete_open_frame_stream(api->daemon, invocation, fds,
                                              g_variant_new_handle(index), stream_info(api));
}

static gboolean on_open_frame_stream(KnDBusDaemon *sk, GDBusMethodInvocation *invocation,
                                     GUnixFDList *fd_list, KnDBusApi *api)
{
    const char *sender = g_dbus_method_invocation_get_sender(invocation);

    if (!sender) {
        g_dbus_method_invocation_return_dbus_error(invocation,
            "org.freedesktop.DBus.Error.AccessDenied", "only over a message bus");
        return G_DBUS_METHOD_INVOCATION_HANDLED;
    }
    /* Who calls, from the bus itself (the caller cannot forge it). */
    g_object_set_data(G_OBJECT(invocation), "kneed-api", api);
    g_dbus_connection_call(g_dbus_method_invocation_get_connection(invocation),
                           "org.freedesktop.DBus", "/org/freedesktop/DBus",
                           "org.freedesktop.DBus", "GetConnectionCredentials",
                           g_variant_new("(s)", sender), G_VARIANT_TYPE("(a{sv})"),
                           G_DBUS_CALL_FLAGS_NONE, 5000, api->cancel, credentials_done,
                           g_object_ref(invocation));
    return G_DBUS_METHOD_INVOCATION_HANDLED;
}

/* ---- publisher ---- */

static gboolean same_double(double a, double b)
{
    return a == b || (isnan(a) && isnan(b));
}

/* Properties that may be NaN are GVariants in C (ForceGVariant in the
 * XML): a GObject double property refuses NaN. */
#define SET_NAN_DOUBLE(api, prop, v)                                           \
    G_STMT_START {                                                             \
        double _v = (v);                                                       \
        GVariant *_old = kn_dbus_daemon_get_##prop((api)->daemon);             \
        if (!_old || !same_double(g_variant_get_double(_old), _v))             \
            kn_dbus_daemon_set_##prop((api)->daemon, g_variant_new_double(_v)); \
    } G_STMT_END

static void publish_live(gpointer data, const struct kn_live *live)
{
    KnDBusApi *api = data;
    const KnCoreStatus *st = kn_core_get_status(api->core);
    KnDBusDaemon *d = api->daemon;

    SET_NAN_DOUBLE(api, live_time, live->t_s);
    SET_NAN_DOUBLE(api, knee_angle, live->knee_deg);
    SET_NAN_DOUBLE(api, knee_speed, live->knee_speed_dps);
    SET_NAN_DOUBLE(api, baseline_range_of_motion, live->baseline_rom_deg);
    kn_dbus_daemon_set_cadence(d, isfinite(live->cadence_spm) ? live->cadence_spm : 0);
    kn_dbus_daemon_set_zero_offset(d, isfinite(live->zero_offset_deg) ? live->zero_offset_deg : 0);
    kn_dbus_daemon_set_stride_count(d, live->strides);
    kn_dbus_daemon_set_activity(d, kn_activity_to_string(live->activity));
    kn_dbus_daemon_set_frames_accepted(d, st->frames);
    kn_dbus_daemon_set_frames_rejected(d, st->frames_rejected);
    if (live->has_last_stride && live->last_stride.index != api->last_stride_index) {
        api->last_stride_index = live->last_stride.index;
        kn_dbus_daemon_set_last_stride(d, kn_dbus_stride_to_variant(&live->last_stride));
    }
    g_dbus_interface_skeleton_flush(G_DBUS_INTERFACE_SKELETON(d));
}

static void publish_stride(gpointer data, const struct kn_stride *stride)
{
    KnDBusApi *api = data;

    kn_dbus_daemon_emit_stride(api->daemon, kn_dbus_stride_to_variant(stride));
}

static void publish_alert(gpointer data, const KnAlertEvent *ev)
{
    KnDBusApi *api = data;
    GVariantBuilder details;
    char text[KN_ALERT_TEXT_MAX];

    g_variant_builder_init(&details, G_VARIANT_TYPE_VARDICT);
    g_variant_builder_add(&details, "{sv}", "t_s", g_variant_new_double(ev->alert.t_s));
    g_variant_builder_add(&details, "{sv}", "unit",
                          g_variant_new_string(kn_unit_to_string(ev->alert.unit)));
    g_variant_builder_add(&details, "{sv}", "message_code",
                          g_variant_new_uint32(ev->alert.message));
    if (isfinite(ev->alert.arg))
        g_variant_builder_add(&details, "{sv}", "message_arg", g_variant_new_double(ev->alert.arg));
    if (ev->sample_monotonic_us)
        g_variant_builder_add(&details, "{sv}", "sample_monotonic_us",
                              g_variant_new_int64(ev->sample_monotonic_us));
    if (ev->batch_monotonic_us)
        g_variant_builder_add(&details, "{sv}", "batch_monotonic_us",
                              g_variant_new_int64(ev->batch_monotonic_us));
    if (ev->session_id)
        g_variant_builder_add(&details, "{sv}", "session_id",
                              g_variant_new_uint64(ev->session_id));
    if (ev->pain) {
        g_variant_builder_add(&details, "{sv}", "score", g_variant_new_uint32(ev->pain->score));
        g_variant_builder_add(&details, "{sv}", "location",
            g_variant_new_string(kn_pain_location_to_string(ev->pain->location)));
        g_variant_builder_add(&details, "{sv}", "timing",
            g_variant_new_string(kn_pain_timing_to_string(ev->pain->timing)));
        g_variant_builder_add(&details, "{sv}", "note", g_variant_new_string(ev->pain->note));
        if (ev->pain->mark_id)
            g_variant_builder_add(&details, "{sv}", "mark_id",
                                  g_variant_new_uint64(ev->pain->mark_id));
    }
    /* The signal goes out now, in this dispatch; the AlertCount property
     * follows with the next flush. */
    kn_dbus_daemon_emit_alert(api->daemon, ev->seq, kn_alert_kind_to_string(ev->alert.kind),
                              kn_severity_to_string(ev->alert.severity), ev->wall_us,
                              ev->alert.value, ev->alert.threshold,
                              kn_alert_text(&ev->alert, text, sizeof(text)),
                              g_variant_builder_end(&details));
    kn_dbus_daemon_set_alert_count(api->daemon, ev->seq);
}

static void publish_pain_mark(gpointer data, const KnPainMark *mark)
{
    KnDBusApi *api = data;

    kn_dbus_daemon_emit_pain_marked(api->daemon, mark->id, mark->wall_us, mark->session_id);
}

static GVariant *sleeve_io_to_variant(const KnCoreStatus *st)
{
    GVariantBuilder b;

    g_variant_builder_init(&b, G_VARIANT_TYPE("a{ss}"));
    for (guint32 bit = 1; bit <= KN_SLEEVE_PART_LED; bit <<= 1)
        if (st->sleeve_parts & bit)
            g_variant_builder_add(&b, "{ss}", kn_sleeve_part_to_string(bit),
                                  st->sleeve_failed & bit ? "failed" : "ok");
    return g_variant_builder_end(&b);
}

static void publish_sensors(KnDBusApi *api, const KnCoreStatus *st)
{
    for (int i = 0; i < KN_SENSOR_COUNT; i++) {
        KnDBusSensor *s = api->sensors[i];

        kn_dbus_sensor_set_present(s, st->sensors[i].present);
        kn_dbus_sensor_set_rate(s, st->sensors[i].rate_hz);
        kn_dbus_sensor_set_last_error(s, st->sensors[i].last_error);
        kn_dbus_sensor_set_state(s, kn_sensor_state_to_string(st->sensors[i].state));
        kn_dbus_sensor_set_device(s, st->sensors[i].device);
        kn_dbus_sensor_set_requested_rate(s, st->sensors[i].requested_hz);
        g_dbus_interface_skeleton_flush(G_DBUS_INTERFACE_SKELETON(s));
    }
}

static void publish_status(gpointer data, KnChange changed, const KnCoreStatus *st)
{
    KnDBusApi *api = data;
    KnDBusDaemon *d = api->daemon;

    if (changed & KN_CHANGED_STATE) {
        kn_dbus_daemon_set_state(d, kn_state_to_string(st->state));
        kn_dbus_daemon_set_source(d, st->source);
        kn_dbus_daemon_set_batch_period(d, st->batch_ms);
        kn_dbus_daemon_set_publish_rate(d, st->publish_hz);
        kn_dbus_daemon_set_source_speed(d, st->speed);
        kn_dbus_daemon_set_source_time_origin(d, st->time_origin_us);
    }
    if (changed & KN_CHANGED_SENSORS)
        publish_sensors(api, st);
    if (changed & KN_CHANGED_BATTERY)
        kn_dbus_daemon_set_battery_level(d, st->battery_pct);
    if (changed & KN_CHANGED_SESSION) {
        kn_dbus_daemon_set_session_active(d, st->session_active);
        kn_dbus_daemon_set_session_id(d, st->session_id);
        kn_dbus_daemon_set_session_start(d, st->session_start_wall_us);
    }
    if (changed & KN_CHANGED_COACHING)
        kn_dbus_daemon_set_coaching_target(d, st->coaching_target_spm);
    if (changed & KN_CHANGED_PAIRING) {
        kn_dbus_daemon_set_pairing_window_open(d, st->pairing_window_open);
        kn_dbus_daemon_set_pairing_window_end(d, st->pairing_window_end_wall_us);
    }
    if (changed & KN_CHANGED_PARAMS)
        kn_dbus_daemon_set_side(d, kn_side_to_string(st->side));
    if (changed & KN_CHANGED_CLOCK) {
        kn_dbus_daemon_set_wall_clock_set(d, st->wall_clock_set);
        kn_dbus_daemon_set_wall_clock_source(d, kn_wall_source_to_string(st->wall_clock_source));
        kn_dbus_daemon_set_wall_clock_offset(d, st->wall_offset_us);
    }
    if (changed & KN_CHANGED_PAIN_MARKS)
        kn_dbus_daemon_set_pain_marks_unscored(d, st->pain_marks_unscored);
    if (changed & KN_CHANGED_SLEEVE)
        kn_dbus_daemon_set_sleeve_io(d, sleeve_io_to_variant(st));
    kn_dbus_daemon_set_alert_count(d, st->alerts_raised);
    g_dbus_interface_skeleton_flush(G_DBUS_INTERFACE_SKELETON(d));
}

static const KnPublisherOps dbus_ops = {
    .name = "dbus",
    .live = publish_live,
    .stride = publish_stride,
    .alert = publish_alert,
    .status = publish_status,
    .pain_mark = publish_pain_mark,
};

/* ---- life cycle ---- */

static void init_properties(KnDBusApi *api)
{
    KnDBusDaemon *d = api->daemon;

    kn_dbus_daemon_set_version(d, PACKAGE_VERSION);
    kn_dbus_daemon_set_live_time(d, g_variant_new_double(NAN));
    kn_dbus_daemon_set_knee_angle(d, g_variant_new_double(NAN));
    kn_dbus_daemon_set_knee_speed(d, g_variant_new_double(NAN));
    kn_dbus_daemon_set_baseline_range_of_motion(d, g_variant_new_double(NAN));
    kn_dbus_daemon_set_activity(d, kn_activity_to_string(KN_ACTIVITY_UNKNOWN));
    kn_dbus_daemon_set_last_stride(d, g_variant_new("a{sv}", NULL));
    kn_dbus_daemon_set_sleeve_io(d, g_variant_new("a{ss}", NULL));
}

KnDBusApi *kn_dbus_api_new(KnCore *core, GDBusConnection *connection, GError **error)
{
    g_autoptr(KnDBusApi) api = g_new0(KnDBusApi, 1);

    api->core = core;
    api->connection = g_object_ref(connection);
    api->daemon = kn_dbus_daemon_skeleton_new();
    init_properties(api);
    g_signal_connect(api->daemon, "handle-calibrate", G_CALLBACK(on_calibrate), api);
    g_signal_connect(api->daemon, "handle-start-session", G_CALLBACK(on_start_session), api);
    g_signal_connect(api->daemon, "handle-stop-session", G_CALLBACK(on_stop_session), api);
    g_signal_connect(api->daemon, "handle-report-pain", G_CALLBACK(on_report_pain), api);
    g_signal_connect(api->daemon, "handle-mark-pain", G_CALLBACK(on_mark_pain), api);
    g_signal_connect(api->daemon, "handle-list-pain-marks", G_CALLBACK(on_list_pain_marks), api);
    g_signal_connect(api->daemon, "handle-score-pain-mark", G_CALLBACK(on_score_pain_mark), api);
    g_signal_connect(api->daemon, "handle-get-thresholds", G_CALLBACK(on_get_thresholds), api);
    g_signal_connect(api->daemon, "handle-set-thresholds", G_CALLBACK(on_set_thresholds), api);
    g_signal_connect(api->daemon, "handle-describe-thresholds",
                     G_CALLBACK(on_describe_thresholds), api);
    g_signal_connect(api->daemon, "handle-set-time", G_CALLBACK(on_set_time), api);
    g_signal_connect(api->daemon, "handle-identify", G_CALLBACK(on_identify), api);
    g_signal_connect(api->daemon, "handle-start-coaching", G_CALLBACK(on_start_coaching), api);
    g_signal_connect(api->daemon, "handle-stop-coaching", G_CALLBACK(on_stop_coaching), api);
    g_signal_connect(api->daemon, "handle-open-pairing-window",
                     G_CALLBACK(on_open_pairing_window), api);
    g_signal_connect(api->daemon, "handle-close-pairing-window",
                     G_CALLBACK(on_close_pairing_window), api);
    g_signal_connect(api->daemon, "handle-measure-flex", G_CALLBACK(on_measure_flex), api);
    g_signal_connect(api->daemon, "handle-set-flex-calibration",
                     G_CALLBACK(on_set_flex_calibration), api);
    g_signal_connect(api->daemon, "handle-get-flex-calibration",
                     G_CALLBACK(on_get_flex_calibration), api);
    g_signal_connect(api->daemon, "handle-open-frame-stream", G_CALLBACK(on_open_frame_stream),
                     api);
    api->streams = kn_frame_streams_new(core);
    api->cancel = g_cancellable_new();

    api->manager = g_dbus_object_manager_server_new(KN_DBUS_PATH);
    for (int i = 0; i < KN_SENSOR_COUNT; i++) {
        const char *name = kn_sensor_id_to_string(i);
        g_autofree char *path = g_strdup_printf(KN_DBUS_PATH "/sensors/%s", name);
        g_autoptr(KnDBusObjectSkeleton) obj = kn_dbus_object_skeleton_new(path);

        api->sensors[i] = kn_dbus_sensor_skeleton_new();
        kn_dbus_sensor_set_name(api->sensors[i], name);
        kn_dbus_sensor_set_last_error(api->sensors[i], "");
        kn_dbus_sensor_set_state(api->sensors[i], "absent");
        kn_dbus_sensor_set_device(api->sensors[i], "");
        kn_dbus_object_skeleton_set_sensor(obj, api->sensors[i]);
        g_dbus_object_manager_server_export(api->manager, G_DBUS_OBJECT_SKELETON(obj));
    }

    /* Fill every property from the core before anyone can see them. */
    api->publisher_id = kn_core_add_publisher(core, &dbus_ops, api, NULL);
    publish_live(api, kn_core_get_live(core));

    if (!g_dbus_interface_skeleton_export(G_DBUS_INTERFACE_SKELETON(api->daemon), connection,
                                          KN_DBUS_PATH, error))
        return NULL;
    g_dbus_object_manager_server_set_connection(api->manager, connection);
    return g_steal_pointer(&api);
}

GDBusObjectManagerServer *kn_dbus_api_get_object_manager(KnDBusApi *api)
{
    return api ? api->manager : NULL;
}

void kn_dbus_api_free(KnDBusApi *api)
{
    if (!api)
        return;
    if (api->cancel)
        g_cancellable_cancel(api->cancel);
    g_clear_object(&api->cancel);
    g_clear_pointer(&api->streams, kn_frame_streams_free);
    if (api->publisher_id)
        kn_core_remove_publisher(api->core, api->publisher_id);
    if (api->manager)
        g_dbus_object_manager_server_set_connection(api->manager, NULL);
    g_clear_object(&api->manager);
    for (int i = 0; i < KN_SENSOR_COUNT; i++)
        g_clear_object(&api->sensors[i]);
    if (api->daemon) {
        if (g_dbus_interface_skeleton_get_connection(G_DBUS_INTERFACE_SKELETON(api->daemon)))
            g_dbus_interface_skeleton_unexport(G_DBUS_INTERFACE_SKELETON(api->daemon));
        g_signal_handlers_disconnect_by_data(api->daemon, api);
        g_clear_object(&api->daemon);
    }
    g_clear_object(&api->connection);
    g_free(api);
}
