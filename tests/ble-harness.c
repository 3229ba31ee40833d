/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * ble-harness: the BLE module (KnBle, daemon/ble/ble.h) alone on the system bus,
 * fed and observed by a test through org.kneed.BleHarness1.  It exists to
 * test what the daemon cannot script precisely (an alert queue overflow,
 * a control hook failing, an asynchronous calibration); the integration
 * tests with the real kneed cover the rest.  The hooks record every call
 * and answer what the test told them to.
 */
#define G_LOG_DOMAIN "ble-harness"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <signal.h>
#include <string.h>

#include <gio/gio.h>
#include <glib-unix.h>

#include "daemon/ble/ble.h"

static const char harness_xml[] =
    "<node>"
    " <interface name='org.kneed.BleHarness1'>"
    "  <method name='PushAlert'><arg type='a{sv}' direction='in'/></method>"
    "  <method name='UpdateLive'><arg type='a{sv}' direction='in'/></method>"
    "  <method name='PushStride'><arg type='a{sv}' direction='in'/></method>"
    "  <method name='SetStatus'><arg type='a{sv}' direction='in'/></method>"
    "  <method name='SetResult'><arg type='s' direction='in'/><arg type='i' direction='in'/></method>"
    "  <method name='CompleteCalibration'>"
    "   <arg type='u' direction='in'/><arg type='d' direction='in'/><arg type='d' direction='in'/>"
    "  </method>"
    "  <method name='GetCalls'><arg type='as' direction='out'/></method>"
    "  <method name='GetInfo'><arg type='a{sv}' direction='out'/></method>"
    "  <method name='ResolveBond'><arg type='b' direction='in'/><arg type='b' direction='out'/></method>"
    "  <method name='Quit'/>"
    " </interface>"
    "</node>";

typedef struct {
    KnBle *ble;
    GMainLoop *loop;
    GPtrArray *calls;
    GHashTable *results;          /* hook name -> result (int) */
    KnBleStatus status;
    double params[KN_PARAM_COUNT];
} Harness;

static int result_for(Harness *h, const char *hook, int def)
{
    gpointer v;

    if (g_hash_table_lookup_extended(h->results, hook, NULL, &v))
        return GPOINTER_TO_INT(v);
    return def;
}

static void record(Harness *h, const char *fmt, ...) G_GNUC_PRINTF(2, 3);
static void record(Harness *h, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    g_ptr_array_add(h->calls, g_strdup_vprintf(fmt, ap));
    va_end(ap);
}

static enum kn_cp_result hook_start_session(gpointer data)
{
    Harness *h = data;

    record(h, "start_session");
    return result_for(h, "start_session", KN_CP_SUCCESS);
}

static enum kn_cp_result hook_stop_session(gpointer data)
{
    Harness *h = data;

    record(h, "stop_session");
    return result_for(h, "stop_session", KN_CP_SUCCESS);
}

static void hook_calibrate(gpointer data, KnBle *ble)
{
    Harness *h = data;
    int r = result_for(h, "calibrate", KN_CP_SUCCESS);
    struct kn_calibration cal = { .offset_deg = -2.5, .residual_deg = 2.5, .window_s = 1 };

    record(h, "calibrate");
    /* -1: the test completes it later with CompleteCalibration. */
    if (r >= 0)
        kn_ble_complete_calibration(ble, r, &cal);
}

static enum kn_cp_result hook_set_param(gpointer data, enum kn_param_id id, double value)
{
    Harness *h = data;
    int r = result_for(h, "set_param", KN_CP_SUCCESS);

    record(h, "set_param %d %.3f", id, value);
    if (r == KN_CP_SUCCESS)
        h->params[id] = value;
    return r;
}

static enum kn_cp_result hook_get_param(gpointer data, enum kn_param_id id, double *ret)
{
    Harness *h = data;

    record(h, "get_param %d", id);
    *ret = h->params[id];
    return result_for(h, "get_param", KN_CP_SUCCESS);
}

static enum kn_cp_result hook_set_time(gpointer data, gint64 unix_us)
{
    Harness *h = data;

    record(h, "set_time %" G_GINT64_FORMAT, unix_us);
    return result_for(h, "set_time", KN_CP_SUCCESS);
}

static enum kn_cp_result hook_identify(gpointer data, guint duration_ms)
{
    Harness *h = data;

    record(h, "identify %u", duration_ms);
    return result_for(h, "identify", KN_CP_SUCCESS);
}

static enum kn_cp_result hook_start_coaching(gpointer data, double target_spm)
{
    Harness *h = data;

    record(h, "start_coaching %.1f", target_spm);
    return result_for(h, "start_coaching", KN_CP_SUCCESS);
}

static enum kn_cp_result hook_stop_coaching(gpointer data)
{
    Harness *h = data;

    record(h, "stop_coaching");
    return result_for(h, "stop_coaching", KN_CP_SUCCESS);
}

static int hook_report_pain(gpointer data, const struct kn_gatt_pain *p)
{
    Harness *h = data;
    int r = result_for(h, "report_pain", 0);

    if (r == 0 && p->mark_id)
        record(h, "report_pain mark %u %u %s %s %s", p->mark_id, p->score,
               kn_gatt_pain_location_to_string(p->location),
               kn_gatt_pain_timing_to_string(p->timing), p->note);
    else if (r == 0)
        record(h, "report_pain %u %s %s %s", p->score, kn_gatt_pain_location_to_string(p->location),
               kn_gatt_pain_timing_to_string(p->timing), p->note);
    return r;
}

/* Marks 3, 4, ... at 1700000000.250 s; two waiting. */
static enum kn_cp_result hook_get_pain_mark(gpointer data, guint index, KnBlePainMark *ret)
{
    Harness *h = data;

    record(h, "get_pain_mark %u", index);
    ret->id = 3 + index;
    ret->wall_us = G_GINT64_CONSTANT(1700000000250000);
    ret->waiting = 2;
    return result_for(h, "get_pain_mark", KN_CP_SUCCESS);
}

static void hook_bond_pending(gpointer data, const char *device, const char *address)
{
    Harness *h = data;

    record(h, "bond_pending %s %s", device, address);
}

static void hook_bond_resolved(gpointer data, const char *device, gboolean kept)
{
    Harness *h = data;

    record(h, "bond_%s %s", kept ? "kept" : "removed", device);
}

static const KnBleHooks hooks = {
    .start_session = hook_start_session,
    .stop_session = hook_stop_session,
    .calibrate = hook_calibrate,
    .set_param = hook_set_param,
    .get_param = hook_get_param,
    .set_time = hook_set_time,
    .identify = hook_identify,
    .start_coaching = hook_start_coaching,
    .stop_coaching = hook_stop_coaching,
    .report_pain = hook_report_pain,
    .get_pain_mark = hook_get_pain_mark,
    .bond_pending = hook_bond_pending,
    .bond_resolved = hook_bond_resolved,
};

/* Numbers of any D-Bus type: Python test code sends plain ints as int32. */
static double dict_num(GVariant *d, const char *key, double def)
{
    g_autoptr(GVariant) v = g_variant_lookup_value(d, key, NULL);

    if (!v)
        return def;
    switch (g_variant_classify(v)) {
    case G_VARIANT_CLASS_BOOLEAN:
        return g_variant_get_boolean(v);
    case G_VARIANT_CLASS_BYTE:
        return g_variant_get_byte(v);
    case G_VARIANT_CLASS_INT16:
        return g_variant_get_int16(v);
    case G_VARIANT_CLASS_UINT16:
        return g_variant_get_uint16(v);
    case G_VARIANT_CLASS_INT32:
        return g_variant_get_int32(v);
    case G_VARIANT_CLASS_UINT32:
        return g_variant_get_uint32(v);
    case G_VARIANT_CLASS_INT64:
        return (double) g_variant_get_int64(v);
    case G_VARIANT_CLASS_UINT64:
        return (double) g_variant_get_uint64(v);
    case G_VARIANT_CLASS_DOUBLE:
        return g_variant_get_double(v);
    default:
        return def;
    }
}

static double dict_d(GVariant *d, const char *key, double def)
{
    return dict_num(d, key, def);
}

static guint dict_u(GVariant *d, const char *key, guint def)
{
    return (guint) dict_num(d, key, def);
}

static int dict_i(GVariant *d, const char *key, int def)
{
    return (int) dict_num(d, key, def);
}

static gboolean dict_b(GVariant *d, const char *key, gboolean def)
{
    return dict_num(d, key, def) != 0;
}

static gint64 dict_x(GVariant *d, const char *key, gint64 def)
{
    g_autoptr(GVariant) v = g_variant_lookup_value(d, key, NULL);

    if (v && g_variant_is_of_type(v, G_VARIANT_TYPE_INT64))
        return g_variant_get_int64(v);
    if (v && g_variant_is_of_type(v, G_VARIANT_TYPE_UINT64))
        return (gint64) g_variant_get_uint64(v);
    return (gint64) dict_num(d, key, (double) def);
}

static void push_alert(Harness *h, GVariant *d)
{
    KnBleAlert a = { 0 };
    const char *unit = "deg";

    a.seq = (guint64) dict_x(d, "seq", 1);
    a.wall_us = dict_x(d, "wall_us", g_get_real_time());
    a.clock_set = dict_b(d, "clock_set", FALSE);
    a.alert.kind = (enum kn_alert_kind) dict_u(d, "kind", KN_ALERT_HYPEREXTENSION);
    a.alert.severity = (enum kn_severity) dict_u(d, "severity", KN_SEVERITY_WARNING);
    a.alert.value = dict_d(d, "value", NAN);
    a.alert.threshold = dict_d(d, "threshold", NAN);
    g_variant_lookup(d, "unit", "&s", &unit);
    if (kn_unit_from_string(unit, &a.alert.unit) < 0)
        a.alert.unit = KN_UNIT_NONE;
    a.alert.message = (enum kn_alert_message) dict_u(d, "message", KN_MSG_NONE);
    a.alert.arg = dict_d(d, "arg", NAN);
    kn_ble_push_alert(h->ble, &a);
}

static void update_live(Harness *h, GVariant *d)
{
    struct kn_live l = { 0 };

    l.t_s = dict_d(d, "t_s", 1.0);
    l.knee_deg = dict_d(d, "knee_deg", NAN);
    l.knee_speed_dps = dict_d(d, "knee_speed_dps", NAN);
    l.cadence_spm = dict_d(d, "cadence_spm", 0);
    l.strides = dict_u(d, "strides", 0);
    l.activity = (enum kn_activity) dict_u(d, "activity", KN_ACTIVITY_UNKNOWN);
    l.in_stance = dict_b(d, "in_stance", FALSE);
    l.zero_offset_deg = dict_d(d, "zero_offset_deg", 0);
    l.baseline_rom_deg = dict_d(d, "baseline_rom_deg", NAN);
    l.has_last_stride = dict_b(d, "has_last_stride", FALSE);
    kn_stride_clear(&l.last_stride);
    if (l.has_last_stride) {
        l.last_stride.ic_flex_deg = dict_d(d, "ic_flex_deg", NAN);
        l.last_stride.stance_peak_flex_deg = dict_d(d, "stance_peak_flex_deg", NAN);
        l.last_stride.swing_peak_flex_deg = dict_d(d, "swing_peak_flex_deg", NAN);
        l.last_stride.rom_deg = dict_d(d, "rom_deg", NAN);
        l.last_stride.contact_s = dict_d(d, "contact_s", NAN);
        l.last_stride.impact_g = dict_d(d, "impact_g", NAN);
        l.last_stride.min_flex_deg = dict_d(d, "min_flex_deg", NAN);
        l.last_stride.stride_s = dict_d(d, "stride_s", NAN);
        l.last_stride.stride_cv_pct = dict_d(d, "stride_cv_pct", NAN);
    }
    kn_ble_update_live(h->ble, &l);
}

static void push_stride(Harness *h, GVariant *d)
{
    struct kn_stride s;

    kn_stride_clear(&s);
    s.index = dict_u(d, "index", 1);
    s.activity = (enum kn_activity) dict_u(d, "activity", KN_ACTIVITY_RUNNING);
    s.cadence_spm = dict_d(d, "cadence_spm", NAN);
    s.stride_s = dict_d(d, "stride_s", NAN);
    s.contact_s = dict_d(d, "contact_s", NAN);
    kn_ble_push_stride(h->ble, &s);
}

static void set_status(Harness *h, GVariant *d)
{
    KnBleStatus *st = &h->status;

    st->state = dict_u(d, "state", st->state);
    st->source = dict_u(d, "source", st->source);
    st->side = dict_u(d, "side", st->side);
    st->sensors_present = dict_u(d, "sensors_present", st->sensors_present);
    st->sensors_failed = dict_u(d, "sensors_failed", st->sensors_failed);
    st->battery_pct = dict_i(d, "battery_pct", st->battery_pct);
    st->charging = dict_b(d, "charging", st->charging);
    st->session_active = dict_b(d, "session_active", st->session_active);
    st->coaching = dict_b(d, "coaching", st->coaching);
    st->clock_set = dict_b(d, "clock_set", st->clock_set);
    st->pairing_window_open = dict_b(d, "pairing_window_open", st->pairing_window_open);
    st->pairing_window_remaining_s = dict_u(d, "pairing_window_remaining_s",
                                            st->pairing_window_remaining_s);
    st->storage_present = dict_b(d, "storage_present", st->storage_present);
    st->storage_pct = dict_i(d, "storage_pct", st->storage_pct);
    st->error_bits = dict_u(d, "error_bits", st->error_bits);
    kn_ble_update_status(h->ble, st);
}

static GVariant *info_dict(Harness *h)
{
    GVariantBuilder b;
    KnBleInfo info;

    kn_ble_get_info(h->ble, &info);
    g_variant_builder_init(&b, G_VARIANT_TYPE_VARDICT);
    g_variant_builder_add(&b, "{sv}", "state", g_variant_new_string(kn_ble_state_to_string(info.state)));
    g_variant_builder_add(&b, "{sv}", "adapter", g_variant_new_string(info.adapter ? info.adapter : ""));
    g_variant_builder_add(&b, "{sv}", "address", g_variant_new_string(info.address ? info.address : ""));
    g_variant_builder_add(&b, "{sv}", "local_name",
                          g_variant_new_string(info.local_name ? info.local_name : ""));
    g_variant_builder_add(&b, "{sv}", "app_registered", g_variant_new_boolean(info.app_registered));
    g_variant_builder_add(&b, "{sv}", "adv_registered", g_variant_new_boolean(info.adv_registered));
    g_variant_builder_add(&b, "{sv}", "agent_registered", g_variant_new_boolean(info.agent_registered));
    g_variant_builder_add(&b, "{sv}", "pairable", g_variant_new_boolean(info.pairable));
    g_variant_builder_add(&b, "{sv}", "subscriptions", g_variant_new_uint32(info.subscriptions));
    g_variant_builder_add(&b, "{sv}", "connected", g_variant_new_uint32(info.connected));
    g_variant_builder_add(&b, "{sv}", "alerts_queued", g_variant_new_uint32(info.alerts_queued));
    g_variant_builder_add(&b, "{sv}", "alerts_dropped", g_variant_new_uint64(info.alerts_dropped));
    g_variant_builder_add(&b, "{sv}", "registrations", g_variant_new_uint64(info.registrations));
    g_variant_builder_add(&b, "{sv}", "refused_calls", g_variant_new_uint64(info.refused_calls));
    g_variant_builder_add(&b, "{sv}", "registration_attempts",
                          g_variant_new_uint64(info.registration_attempts));
    g_variant_builder_add(&b, "{sv}", "pending_bond",
                          g_variant_new_string(info.pending_bond ? info.pending_bond : ""));
    g_variant_builder_add(&b, "{sv}", "pending_bond_address",
                          g_variant_new_string(info.pending_bond_address ? info.pending_bond_address
                                                                         : ""));
    g_variant_builder_add(&b, "{sv}", "last_error",
                          g_variant_new_string(info.last_error ? info.last_error : ""));
    return g_variant_builder_end(&b);
}

static void method_call(GDBusConnection *conn, const char *sender, const char *path,
                        const char *iface, const char *method, GVariant *params,
                        GDBusMethodInvocation *inv, gpointer user_data)
{
    Harness *h = user_data;
    g_autoptr(GVariant) d = NULL;

    if (g_str_equal(method, "GetCalls")) {
        g_ptr_array_add(h->calls, NULL);
        g_dbus_method_invocation_return_value(
            inv, g_variant_new("(^as)", (char **) h->calls->pdata));
        g_ptr_array_remove_index(h->calls, h->calls->len - 1);
        return;
    }
    if (g_str_equal(method, "GetInfo")) {
        g_dbus_method_invocation_return_value(inv, g_variant_new("(@a{sv})", info_dict(h)));
        return;
    }
    if (g_str_equal(method, "ResolveBond")) {
        gboolean keep;

        g_variant_get(params, "(b)", &keep);
        g_dbus_method_invocation_return_value(
            inv, g_variant_new("(b)", kn_ble_resolve_bond(h->ble, keep)));
        return;
    }
    if (g_str_equal(method, "Quit")) {
        g_dbus_method_invocation_return_value(inv, NULL);
        g_main_loop_quit(h->loop);
        return;
    }
    if (g_str_equal(method, "SetResult")) {
        const char *hook;
        gint32 r;

        g_variant_get(params, "(&si)", &hook, &r);
        g_hash_table_insert(h->results, g_strdup(hook), GINT_TO_POINTER(r));
        g_dbus_method_invocation_return_value(inv, NULL);
        return;
    }
    if (g_str_equal(method, "CompleteCalibration")) {
        struct kn_calibration cal = { 0 };
        guint r;

        g_variant_get(params, "(udd)", &r, &cal.offset_deg, &cal.residual_deg);
        kn_ble_complete_calibration(h->ble, r, &cal);
        g_dbus_method_invocation_return_value(inv, NULL);
        return;
    }
    g_variant_get(params, "(@a{sv})", &d);
    if (g_str_equal(method, "PushAlert"))
        push_alert(h, d);
    else if (g_str_equal(method, "UpdateLive"))
        update_live(h, d);
    else if (g_str_equal(method, "PushStride"))
        push_stride(h, d);
    else if (g_str_equal(method, "SetStatus"))
        set_status(h, d);
    g_dbus_method_invocation_return_value(inv, NULL);
}

static const GDBusInterfaceVTable vtable = { method_call, NULL, NULL, { 0 } };

static gboolean on_signal(gpointer user_data)
{
    g_main_loop_quit(user_data);
    return G_SOURCE_CONTINUE;
}

int main(int argc, char **argv)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(GDBusConnection) conn = NULL;
    g_autoptr(GDBusNodeInfo) node = NULL;
    g_autoptr(GOptionContext) ctx = g_option_context_new("- KnBle on the system bus, for tests");
    char *adapter = NULL, *name = NULL;
    int queue = 32, confirm_s = 30;
    gboolean no_power = FALSE;
    GOptionEntry entries[] = {
        { "adapter", 0, 0, G_OPTION_ARG_STRING, &adapter, "adapter name", "hciN" },
        { "name", 0, 0, G_OPTION_ARG_FILENAME, &name, "advertised name", "NAME" },
        { "alert-queue", 0, 0, G_OPTION_ARG_INT, &queue, "alert queue length", "N" },
        { "no-power", 0, 0, G_OPTION_ARG_NONE, &no_power, "do not power the adapter", NULL },
        { "bond-confirm-s", 0, 0, G_OPTION_ARG_INT, &confirm_s, "time to confirm a bond", "S" },
        { NULL, 0, 0, 0, NULL, NULL, NULL },
    };
    KnBleConfig cfg;
    Harness h = { 0 };
    guint reg;

    g_option_context_add_main_entries(ctx, entries, NULL);
    if (!g_option_context_parse(ctx, &argc, &argv, &error)) {
        g_printerr("ble-harness: %s\n", error->message);
        return 2;
    }
    conn = g_bus_get_sync(G_BUS_TYPE_SYSTEM, NULL, &error);
    if (!conn) {
        g_printerr("ble-harness: %s\n", error->message);
        return 1;
    }
    kn_ble_config_init(&cfg);
    cfg.adapter = g_steal_pointer(&adapter);
    cfg.name = g_steal_pointer(&name);
    cfg.alert_queue = (guint) queue;
    cfg.power_adapter = !no_power;
    cfg.bond_confirm_s = (guint) confirm_s;
    cfg.serial = g_strdup("TEST0001");
    cfg.hardware_rev = g_strdup("proto-2");
    cfg.firmware_rev = g_strdup("1.2.3");

    h.loop = g_main_loop_new(NULL, FALSE);
    h.calls = g_ptr_array_new_with_free_func(g_free);
    h.results = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    kn_ble_status_init(&h.status);
    for (int i = 0; i < KN_PARAM_COUNT; i++)
        h.params[i] = kn_params_info((enum kn_param_id) i)->def;
    h.ble = kn_ble_new(conn, &cfg, &hooks, &h, &error);
    kn_ble_config_clear(&cfg);
    if (!h.ble) {
        g_printerr("ble-harness: %s\n", error->message);
        return 1;
    }
    node = g_dbus_node_info_new_for_xml(harness_xml, &error);
    g_assert_no_error(error);
    reg = g_dbus_connection_register_object(conn, "/org/kneed/harness", node->interfaces[0],
                                            &vtable, &h, NULL, &error);
    g_assert_no_error(error);
    g_bus_own_name_on_connection(conn, "org.kneed.BleHarness", G_BUS_NAME_OWNER_FLAGS_NONE,
                                 NULL, NULL, NULL, NULL);
    g_unix_signal_add(SIGTERM, on_signal, h.loop);
    g_unix_signal_add(SIGINT, on_signal, h.loop);
    g_main_loop_run(h.loop);

    g_dbus_connection_unregister_object(conn, reg);
    kn_ble_free(h.ble);
    g_ptr_array_unref(h.calls);
    g_hash_table_unref(h.results);
    g_main_loop_unref(h.loop);
    return 0;
}
