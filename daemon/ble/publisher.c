/* SPDX-License-Identifier: GPL-2.0-or-later */
#define G_LOG_DOMAIN "kneed"

#include <errno.h>
#include <string.h>

#include "daemon/ble/config.h"
#include "daemon/ble/publisher.h"
#include "daemon/ble/ble.h"
#include "daemon/publisher.h"
#include "dbus/kneed-ble-dbus.h"

struct _KnBlePublisher {
    KnCore *core;
    KnBleConfig settings;
    GDBusConnection *system_bus;
    KnBle *ble;
    guint publisher_id;
    GCancellable *cancel;         /* calibration in flight */
    GDBusObjectManagerServer *manager;
    GDBusObjectSkeleton *object;
    KnDBusBluetooth *iface;
    KnBleStatus status;
    KnBleLink link;
    KnBleLinkFunc link_func;
    gpointer link_data;
    const KnBleConfirmOps *confirm_ops;
    gpointer confirm_data;
    gboolean confirm_asked;       /* confirm_ops->ask said yes for the bond waiting */
};

/* ---- core errors -> control point results (docs/gatt.md) ---- */

static enum kn_cp_result result_from_error(const GError *error)
{
    if (!error)
        return KN_CP_SUCCESS;
    if (error->domain != KN_ERROR)
        return KN_CP_FAILED;
    switch ((KnError) error->code) {
    case KN_ERROR_INVALID_ARGUMENT:
    case KN_ERROR_UNKNOWN_KEY:
    case KN_ERROR_OUT_OF_RANGE:
        return KN_CP_INVALID_PARAMETER;
    case KN_ERROR_NO_DATA:
    case KN_ERROR_NOT_SUPPORTED:
        return KN_CP_NOT_AVAILABLE;
    case KN_ERROR_NOT_STILL:
    case KN_ERROR_IN_PROGRESS:
        return KN_CP_BUSY;
    case KN_ERROR_SESSION_ACTIVE:
    case KN_ERROR_NO_SESSION:
        return KN_CP_WRONG_STATE;
    case KN_ERROR_NOT_FOUND:
        return KN_CP_INVALID_PARAMETER;
    case KN_ERROR_FAILED:
    case KN_ERROR_TIMED_OUT:
    case KN_ERROR_CODE_COUNT:
        return KN_CP_FAILED;
    }
    return KN_CP_FAILED;
}

static enum kn_cp_result logged(const char *what, GError *error)
{
    if (error)
        g_info("BLE: %s refused: %s", what, error->message);
    return result_from_error(error);
}

/* ---- hooks: what phones ask ---- */

static enum kn_cp_result hook_start_session(gpointer data)
{
    KnBlePublisher *pub = data;
    g_autoptr(GError) error = NULL;

    kn_core_start_session(pub->core, NULL, &error);
    return logged("start session", error);
}

static enum kn_cp_result hook_stop_session(gpointer data)
{
    KnBlePublisher *pub = data;
    g_autoptr(GError) error = NULL;

    kn_core_stop_session(pub->core, NULL, &error);
    return logged("stop session", error);
}

static void calibrated(GObject *source, GAsyncResult *res, gpointer user_data)
{
    g_autoptr(GError) error = NULL;
    GCancellable *cancel = g_task_get_cancellable(G_TASK(res));
    struct kn_calibration cal;
    KnBlePublisher *pub;
    gboolean ok;

    /* Cancelled: the publisher is gone. */
    if (cancel && g_cancellable_is_cancelled(cancel))
        return;
    pub = user_data;
    ok = kn_core_calibrate_finish(pub->core, res, &cal, &error);
    kn_ble_complete_calibration(pub->ble, ok ? KN_CP_SUCCESS : logged("calibration", error),
                                ok ? &cal : NULL);
}

static void hook_calibrate(gpointer data, KnBle *ble)
{
    KnBlePublisher *pub = data;

    kn_core_calibrate_async(pub->core, pub->cancel, calibrated, pub);
}

static enum kn_cp_result hook_set_param(gpointer data, enum kn_param_id id, double value)
{
    KnBlePublisher *pub = data;
    g_autoptr(GError) error = NULL;

    kn_core_set_param(pub->core, id, value, &error);
    return logged("threshold", error);
}

static enum kn_cp_result hook_get_param(gpointer data, enum kn_param_id id, double *ret)
{
    KnBlePublisher *pub = data;

    if ((unsigned) id >= KN_PARAM_COUNT)
        return KN_CP_INVALID_PARAMETER;
    *ret = kn_params_get(kn_core_get_params(pub->core), id);
    return KN_CP_SUCCESS;
}

static enum kn_cp_result hook_set_time(gpointer data, gint64 unix_us)
{
    KnBlePublisher *pub = data;
    g_autoptr(GError) error = NULL;

    kn_core_set_wall_clock(pub->core, unix_us, &error);
    return logged("set time", error);
}

static enum kn_cp_result hook_identify(gpointer data, guint duration_ms)
{
    KnBlePublisher *pub = data;
    g_autoptr(GError) error = NULL;

    kn_core_identify(pub->core, duration_ms, &error);
    return logged("identify", error);
}

static enum kn_cp_result hook_start_coaching(gpointer data, double target_spm)
{
    KnBlePublisher *pub = data;
    g_autoptr(GError) error = NULL;

    kn_core_start_coaching(pub->core, target_spm, &error);
    return logged("cadence coaching", error);
}

static enum kn_cp_result hook_stop_coaching(gpointer data)
{
    KnBlePublisher *pub = data;

    /* The core ignores a stop when coaching is off; the protocol says so. */
    if (kn_core_get_status(pub->core)->coaching_target_spm <= 0)
        return KN_CP_WRONG_STATE;
    kn_core_stop_coaching(pub->core);
    return KN_CP_SUCCESS;
}

static int hook_report_pain(gpointer data, const struct kn_gatt_pain *p)
{
    KnBlePublisher *pub = data;
    g_autoptr(GError) error = NULL;

    gboolean ok;

    /* The codec's location and timing numbers are the core's. */
    if (p->mark_id)
        ok = kn_core_score_pain_mark(pub->core, p->mark_id, p->score,
                                     (KnPainLocation) p->location, (KnPainTiming) p->timing,
                                     p->note, NULL, &error);
    else
        ok = kn_core_report_pain(pub->core, p->score, (KnPainLocation) p->location,
                                 (KnPainTiming) p->timing, p->note, NULL, &error);
    if (ok)
        return 0;
    g_info("BLE: pain report refused: %s", error->message);
    if (g_error_matches(error, KN_ERROR, KN_ERROR_OUT_OF_RANGE) ||
        g_error_matches(error, KN_ERROR, KN_ERROR_INVALID_ARGUMENT))
        return -ERANGE;
    if (g_error_matches(error, KN_ERROR, KN_ERROR_NOT_FOUND))
        return -ENOENT;
    return -EIO;
}

static enum kn_cp_result hook_get_pain_mark(gpointer data, guint index, KnBlePainMark *ret)
{
    KnBlePublisher *pub = data;
    const KnPainMark *marks;
    guint n, seen = 0, waiting = kn_core_get_status(pub->core)->pain_marks_unscored;

    marks = kn_core_get_pain_marks(pub->core, &n);
    for (guint i = 0; i < n; i++) {
        if (marks[i].scored || seen++ != index)
            continue;
        ret->id = marks[i].id;
        ret->wall_us = marks[i].wall_us;
        ret->waiting = waiting;
        return KN_CP_SUCCESS;
    }
    return KN_CP_NOT_AVAILABLE;
}

static void show_state(KnBlePublisher *pub);

static void hook_bond_pending(gpointer data, const char *device, const char *address)
{
    KnBlePublisher *pub = data;

    /* One bond per consent: the window closes as soon as a phone bonded. */
    g_message("BLE: %s bonded; closing the pairing window", device);
    kn_core_close_pairing_window(pub->core);
    pub->confirm_asked = pub->confirm_ops &&
                         pub->confirm_ops->ask(pub->settings.bond_confirm_s, pub->confirm_data);
    if (!pub->confirm_asked)
        g_message("BLE: no button to confirm the bond of %s with: kneectl pair confirm (or deny) "
                  "within %u s", address, pub->settings.bond_confirm_s);
    show_state(pub);
}

static void hook_bond_resolved(gpointer data, const char *device, gboolean kept)
{
    KnBlePublisher *pub = data;

    if (pub->confirm_asked && pub->confirm_ops)
        pub->confirm_ops->cancel(pub->confirm_data);
    pub->confirm_asked = FALSE;
    show_state(pub);
}

static KnBleLink current_link(KnBlePublisher *pub)
{
    KnBleInfo info;

    if (!pub->ble)
        return KN_BLE_LINK_OFF;
    kn_ble_get_info(pub->ble, &info);
    if (info.connected > 0)
        return KN_BLE_LINK_CONNECTED;
    return info.state == KN_BLE_READY ? KN_BLE_LINK_ADVERTISING : KN_BLE_LINK_OFF;
}

static void hook_state_changed(gpointer data)
{
    KnBlePublisher *pub = data;
    KnBleLink link = current_link(pub);

    show_state(pub);
    if (link == pub->link)
        return;
    pub->link = link;
    if (pub->link_func)
        pub->link_func(link, pub->link_data);
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
    .state_changed = hook_state_changed,
};

/* ---- publisher callbacks: what the core says ---- */

static void on_live(gpointer data, const struct kn_live *live)
{
    KnBlePublisher *pub = data;

    kn_ble_update_live(pub->ble, live);
}

static void on_stride(gpointer data, const struct kn_stride *stride)
{
    KnBlePublisher *pub = data;

    kn_ble_push_stride(pub->ble, stride);
}

static void on_alert(gpointer data, const KnAlertEvent *ev)
{
    KnBlePublisher *pub = data;
    KnBleAlert a = {
        .seq = ev->seq,
        .wall_us = ev->wall_us,
        .clock_set = kn_core_get_status(pub->core)->wall_clock_set,
        .alert = ev->alert,
    };

    kn_ble_push_alert(pub->ble, &a);
}

static enum kn_gatt_source source_of(const char *name)
{
    if (!name || !*name)
        return KN_GATT_SOURCE_NONE;
    if (g_str_equal(name, "simulated"))
        return KN_GATT_SOURCE_SIMULATED;
    if (g_str_equal(name, "replay"))
        return KN_GATT_SOURCE_REPLAY;
    return KN_GATT_SOURCE_SENSORS;
}

static enum kn_gatt_state state_of(KnState s)
{
    switch (s) {
    case KN_STATE_IDLE:
        return KN_GATT_STATE_IDLE;
    case KN_STATE_STREAMING:
        return KN_GATT_STATE_STREAMING;
    case KN_STATE_DEGRADED:
        return KN_GATT_STATE_DEGRADED;
    case KN_STATE_CALIBRATING:
        return KN_GATT_STATE_CALIBRATING;
    }
    return KN_GATT_STATE_IDLE;
}

static void push_status(KnBlePublisher *pub)
{
    const KnCoreStatus *cs = kn_core_get_status(pub->core);
    static const guint8 bits[KN_SENSOR_COUNT] = {
        [KN_SENSOR_FLEX] = KN_HAS_FLEX,
        [KN_SENSOR_THIGH] = KN_HAS_THIGH_IMU,
        [KN_SENSOR_SHANK] = KN_HAS_SHANK_IMU,
    };
    KnBleStatus *st = &pub->status;

    kn_ble_status_init(st);
    st->state = state_of(cs->state);
    st->source = source_of(cs->source);
    st->side = cs->side;
    for (int i = 0; i < KN_SENSOR_COUNT; i++) {
        if (cs->sensors[i].present)
            st->sensors_present |= bits[i];
        else if (cs->sensors[i].last_error[0])
            st->sensors_failed |= bits[i];
    }
    if (st->sensors_failed)
        st->error_bits |= KN_GATT_ERR_SENSOR;
    if (cs->sleeve_failed & KN_SLEEVE_PART_HAPTIC)
        st->error_bits |= KN_GATT_ERR_HAPTICS;
    st->pain_marks_unscored = cs->pain_marks_unscored;
    /* The core's one level (daemon/battery.h), as D-Bus shows it. */
    st->battery_pct = cs->battery_pct;
    st->charging = cs->battery_charging;
    if (cs->battery_failed)
        st->error_bits |= KN_GATT_ERR_BATTERY;
    st->session_active = cs->session_active;
    st->coaching = cs->coaching_target_spm > 0;
    st->clock_set = cs->wall_clock_set;
    st->pairing_window_open = cs->pairing_window_open;
    if (cs->pairing_window_open) {
        gint64 left = cs->pairing_window_end_wall_us - kn_core_get_wall_clock(pub->core);

        st->pairing_window_remaining_s = left > 0 ? (guint) ((left + 999999) / G_USEC_PER_SEC) : 1;
    }
    kn_ble_update_status(pub->ble, st);
}

static void on_status(gpointer data, KnChange changed, const KnCoreStatus *status)
{
    push_status(data);
}

static const KnPublisherOps ops = {
    .name = "ble",
    .live = on_live,
    .stride = on_stride,
    .alert = on_alert,
    .status = on_status,
};

/* ---- org.kneed.Kneed1.Bluetooth ---- */

static void show_state(KnBlePublisher *pub)
{
    KnBleInfo info;

    if (!pub->iface)
        return;
    if (!pub->ble) {
        kn_dbus_bluetooth_set_state(pub->iface, "unavailable");
        return;
    }
    kn_ble_get_info(pub->ble, &info);
    kn_dbus_bluetooth_set_state(pub->iface, kn_ble_state_to_string(info.state));
    kn_dbus_bluetooth_set_adapter(pub->iface, info.adapter ? info.adapter : "");
    kn_dbus_bluetooth_set_address(pub->iface, info.address ? info.address : "");
    kn_dbus_bluetooth_set_local_name(pub->iface, info.local_name ? info.local_name : "");
    kn_dbus_bluetooth_set_application_registered(pub->iface, info.app_registered);
    kn_dbus_bluetooth_set_advertisement_registered(pub->iface, info.adv_registered);
    kn_dbus_bluetooth_set_agent_registered(pub->iface, info.agent_registered);
    kn_dbus_bluetooth_set_pairable(pub->iface, info.pairable);
    kn_dbus_bluetooth_set_subscriptions(pub->iface, info.subscriptions);
    kn_dbus_bluetooth_set_alerts_queued(pub->iface, info.alerts_queued);
    kn_dbus_bluetooth_set_alerts_dropped(pub->iface, info.alerts_dropped);
    kn_dbus_bluetooth_set_registrations(pub->iface, info.registrations);
    kn_dbus_bluetooth_set_registration_attempts(pub->iface, info.registration_attempts);
    kn_dbus_bluetooth_set_refused_calls(pub->iface, info.refused_calls);
    kn_dbus_bluetooth_set_pending_bond(pub->iface, info.pending_bond ? info.pending_bond : "");
    kn_dbus_bluetooth_set_pending_bond_address(
        pub->iface, info.pending_bond_address ? info.pending_bond_address : "");
    kn_dbus_bluetooth_set_last_error(pub->iface, info.last_error ? info.last_error : "");
}

static gboolean on_resolve(KnDBusBluetooth *iface, GDBusMethodInvocation *inv, gpointer data,
                           gboolean keep)
{
    KnBlePublisher *pub = data;

    if (!pub->ble || !kn_ble_publisher_resolve_bond(pub, keep)) {
        g_dbus_method_invocation_return_error(inv, KN_ERROR, KN_ERROR_NOT_FOUND,
                                              "No bond waits for confirmation");
        return TRUE;
    }
    g_info("BLE: bond %s over D-Bus by %s", keep ? "confirmed" : "refused",
           g_dbus_method_invocation_get_sender(inv));
    g_dbus_method_invocation_return_value(inv, NULL);
    return TRUE;
}

static gboolean on_confirm_bond(KnDBusBluetooth *iface, GDBusMethodInvocation *inv, gpointer data)
{
    return on_resolve(iface, inv, data, TRUE);
}

static gboolean on_deny_bond(KnDBusBluetooth *iface, GDBusMethodInvocation *inv, gpointer data)
{
    return on_resolve(iface, inv, data, FALSE);
}

static void export_state(KnBlePublisher *pub, GDBusObjectManagerServer *manager)
{
    if (!manager)
        return;
    pub->manager = g_object_ref(manager);
    pub->object = g_dbus_object_skeleton_new(KN_BLE_DBUS_PATH);
    pub->iface = kn_dbus_bluetooth_skeleton_new();
    kn_dbus_bluetooth_set_state(pub->iface, "unavailable");
    kn_dbus_bluetooth_set_adapter(pub->iface, "");
    kn_dbus_bluetooth_set_address(pub->iface, "");
    kn_dbus_bluetooth_set_local_name(pub->iface, "");
    kn_dbus_bluetooth_set_last_error(pub->iface, "");
    kn_dbus_bluetooth_set_pending_bond(pub->iface, "");
    kn_dbus_bluetooth_set_pending_bond_address(pub->iface, "");
    g_signal_connect(pub->iface, "handle-confirm-bond", G_CALLBACK(on_confirm_bond), pub);
    g_signal_connect(pub->iface, "handle-deny-bond", G_CALLBACK(on_deny_bond), pub);
    g_dbus_object_skeleton_add_interface(pub->object, G_DBUS_INTERFACE_SKELETON(pub->iface));
    g_dbus_object_manager_server_export(manager, pub->object);
}

/* ---- life ---- */

KnBlePublisher *kn_ble_publisher_new(KnCore *core, const KnKeyFile *config,
                                     GDBusObjectManagerServer *manager, GError **error)
{
    g_autoptr(KnBlePublisher) pub = g_new0(KnBlePublisher, 1);
    g_autoptr(GError) bus_error = NULL;

    pub->core = core;
    kn_ble_config_init(&pub->settings);
    if (!kn_ble_config_load(&pub->settings, config, error))
        return NULL;
    if (!pub->settings.enable) {
        g_info("BLE: disabled in the configuration");
        return NULL;
    }
    export_state(pub, manager);

    pub->system_bus = g_bus_get_sync(G_BUS_TYPE_SYSTEM, NULL, &bus_error);
    if (!pub->system_bus) {
        /* kneed stays useful without Bluetooth; the state says why. */
        g_warning("BLE: no system bus, so no Bluetooth: %s", bus_error->message);
        kn_dbus_bluetooth_set_last_error(pub->iface, bus_error->message);
        return g_steal_pointer(&pub);
    }
    pub->cancel = g_cancellable_new();
    pub->ble = kn_ble_new(pub->system_bus, &pub->settings, &hooks, pub, error);
    if (!pub->ble)
        return NULL;
    /* Calls on_status at once: the peripheral starts from the core's state. */
    pub->publisher_id = kn_core_add_publisher(core, &ops, pub, NULL);
    if (kn_core_get_live(core)->t_s > 0)
        kn_ble_update_live(pub->ble, kn_core_get_live(core));
    show_state(pub);
    return g_steal_pointer(&pub);
}

void kn_ble_publisher_free(KnBlePublisher *pub)
{
    if (!pub)
        return;
    if (pub->publisher_id)
        kn_core_remove_publisher(pub->core, pub->publisher_id);
    if (pub->cancel)
        g_cancellable_cancel(pub->cancel);
    g_clear_object(&pub->cancel);
    /* A bond still waiting stays unconfirmed: the next peripheral's sweep
     * removes it. */
    kn_ble_publisher_set_confirm_ops(pub, NULL, NULL);
    kn_ble_free(pub->ble);
    if (pub->manager && pub->object)
        g_dbus_object_manager_server_unexport(pub->manager, KN_BLE_DBUS_PATH);
    g_clear_object(&pub->iface);
    g_clear_object(&pub->object);
    g_clear_object(&pub->manager);
    g_clear_object(&pub->system_bus);
    kn_ble_config_clear(&pub->settings);
    g_free(pub);
}

gboolean kn_ble_publisher_config_changed(KnBlePublisher *pub, const KnKeyFile *config)
{
    KnBleConfig c;
    gboolean changed;

    kn_ble_config_init(&c);
    if (!kn_ble_config_load(&c, config, NULL)) {
        kn_ble_config_clear(&c);
        return FALSE;
    }
    changed = pub ? !kn_ble_config_equal(&c, &pub->settings) : c.enable;
    kn_ble_config_clear(&c);
    return changed;
}

guint kn_ble_publisher_pairing_window_s(KnBlePublisher *pub)
{
    return pub ? pub->settings.pairing_window_s : 120;
}

KnBleLink kn_ble_publisher_get_link(KnBlePublisher *pub)
{
    return pub ? pub->link : KN_BLE_LINK_OFF;
}

void kn_ble_publisher_set_link_func(KnBlePublisher *pub, KnBleLinkFunc func, gpointer user_data)
{
    pub->link_func = func;
    pub->link_data = user_data;
}

void kn_ble_publisher_set_confirm_ops(KnBlePublisher *pub, const KnBleConfirmOps *confirm,
                                      gpointer user_data)
{
    if (pub->confirm_asked && pub->confirm_ops)
        pub->confirm_ops->cancel(pub->confirm_data);
    pub->confirm_asked = FALSE;
    pub->confirm_ops = confirm;
    pub->confirm_data = user_data;
}

gboolean kn_ble_publisher_resolve_bond(KnBlePublisher *pub, gboolean keep)
{
    return pub && pub->ble && kn_ble_resolve_bond(pub->ble, keep);
}
