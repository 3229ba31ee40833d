/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * KnBle's life: the configuration, choosing and powering the adapter,
 * and registering the application, the advertisement and the agent —
 * asynchronously, once per bluetoothd and adapter, again whenever they
 * come back (docs/gatt.md "Lifecycle"); what the daemon feeds.  What
 * bluetoothd has (its adapters and devices) is followed in bluez.c.
 */
#define G_LOG_DOMAIN "kneed"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <string.h>

#include "daemon/ble/private.h"
#include "daemon/ble/shared/rsc-estimate.h"

#define CALL_TIMEOUT_MS 25000
#define BACKOFF_MAX_S 30

/* ---- configuration ---- */

void kn_ble_config_init(KnBleConfig *cfg)
{
    memset(cfg, 0, sizeof(*cfg));
    cfg->enable = TRUE;
    cfg->power_adapter = TRUE;
    cfg->pairing_window_s = 120;
    cfg->bond_confirm_s = 30;
    cfg->height_cm = 175;
    cfg->alert_queue = 32;
    cfg->manufacturer = g_strdup("kneed");
    cfg->model = g_strdup("Knee Sleeve");
    cfg->software_rev = g_strdup(PACKAGE_VERSION);
}

/* The string members, for clear, copy and equal. */
static const gsize string_members[] = {
    G_STRUCT_OFFSET(KnBleConfig, adapter),      G_STRUCT_OFFSET(KnBleConfig, name),
    G_STRUCT_OFFSET(KnBleConfig, manufacturer), G_STRUCT_OFFSET(KnBleConfig, model),
    G_STRUCT_OFFSET(KnBleConfig, serial),
    G_STRUCT_OFFSET(KnBleConfig, hardware_rev), G_STRUCT_OFFSET(KnBleConfig, firmware_rev),
    G_STRUCT_OFFSET(KnBleConfig, software_rev),
};
#define STRING_MEMBER(cfg, i) G_STRUCT_MEMBER(char *, (cfg), string_members[i])

void kn_ble_config_clear(KnBleConfig *cfg)
{
    for (gsize i = 0; i < G_N_ELEMENTS(string_members); i++)
        g_free(STRING_MEMBER(cfg, i));
    memset(cfg, 0, sizeof(*cfg));
}

void kn_ble_config_copy(KnBleConfig *dst, const KnBleConfig *src)
{
    if (dst == src)
        return;
    kn_ble_config_clear(dst);
    *dst = *src;
    for (gsize i = 0; i < G_N_ELEMENTS(string_members); i++)
        STRING_MEMBER(dst, i) = g_strdup(STRING_MEMBER(src, i));
}

gboolean kn_ble_config_equal(const KnBleConfig *a, const KnBleConfig *b)
{
    for (gsize i = 0; i < G_N_ELEMENTS(string_members); i++)
        if (g_strcmp0(STRING_MEMBER(a, i), STRING_MEMBER(b, i)) != 0)
            return FALSE;
    return a->enable == b->enable && a->power_adapter == b->power_adapter &&
           a->pairing_window_s == b->pairing_window_s &&
           a->bond_confirm_s == b->bond_confirm_s && a->height_cm == b->height_cm &&
           a->alert_queue == b->alert_queue;
}

static gboolean invalid(const char **ret_key, const char *key, GError **error, const char *format,
                        ...) G_GNUC_PRINTF(4, 5);
static gboolean invalid(const char **ret_key, const char *key, GError **error, const char *format,
                        ...)
{
    g_autofree char *msg = NULL;
    va_list ap;

    if (ret_key)
        *ret_key = key;
    va_start(ap, format);
    msg = g_strdup_vprintf(format, ap);
    va_end(ap);
    g_set_error_literal(error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT, msg);
    return FALSE;
}

static gboolean check_text(const char *key, const char *s, gsize max, const char **ret_key,
                           GError **error)
{
    if (s && (!*s || strlen(s) > max || !g_utf8_validate(s, -1, NULL)))
        return invalid(ret_key, key, error, "must be UTF-8 text of 1 to %zu bytes", max);
    return TRUE;
}

static gboolean check_uint(const char *key, guint v, guint min, guint max, const char **ret_key,
                           GError **error)
{
    if (v < min || v > max)
        return invalid(ret_key, key, error, "%u is outside %u..%u", v, min, max);
    return TRUE;
}

gboolean kn_ble_config_check(const KnBleConfig *cfg, const char **ret_key, GError **error)
{
    if (!check_text("adapter", cfg->adapter, KN_BLE_ADAPTER_MAX, ret_key, error))
        return FALSE;
    /* An adapter name such as hci0: one element of /org/bluez/<name>. */
    for (const char *c = cfg->adapter; c && *c; c++)
        if (!g_ascii_isalnum(*c) && *c != '_')
            return invalid(ret_key, "adapter", error, "'%s' is not an adapter name such as hci0",
                           cfg->adapter);
    return check_text("name", cfg->name, KN_ADV_NAME_MAX, ret_key, error) &&
           check_uint("pairing_window_s", cfg->pairing_window_s, KN_BLE_PAIRING_WINDOW_MIN_S,
                      KN_BLE_PAIRING_WINDOW_MAX_S, ret_key, error) &&
           check_uint("bond_confirm_s", cfg->bond_confirm_s, KN_BLE_BOND_CONFIRM_MIN_S,
                      KN_BLE_BOND_CONFIRM_MAX_S, ret_key, error) &&
           check_uint("height_cm", cfg->height_cm, KN_BLE_HEIGHT_MIN_CM, KN_BLE_HEIGHT_MAX_CM,
                      ret_key, error) &&
           check_uint("alert_queue", cfg->alert_queue, KN_BLE_ALERT_QUEUE_MIN,
                      KN_BLE_ALERT_QUEUE_MAX, ret_key, error) &&
           check_text("manufacturer", cfg->manufacturer, KN_BLE_STRING_MAX, ret_key, error) &&
           check_text("model", cfg->model, KN_BLE_STRING_MAX, ret_key, error) &&
           check_text("serial", cfg->serial, KN_BLE_STRING_MAX, ret_key, error) &&
           check_text("hardware_revision", cfg->hardware_rev, KN_BLE_STRING_MAX, ret_key, error) &&
           check_text("firmware_revision", cfg->firmware_rev, KN_BLE_STRING_MAX, ret_key, error) &&
           check_text("software_revision", cfg->software_rev, KN_BLE_STRING_MAX, ret_key, error);
}

void kn_ble_status_init(KnBleStatus *st)
{
    memset(st, 0, sizeof(*st));
    st->battery_pct = -1;
    st->storage_pct = -1;
}

const char *kn_ble_state_to_string(KnBleState state)
{
    switch (state) {
    case KN_BLE_NO_BLUETOOTHD:
        return "no-bluetoothd";
    case KN_BLE_NO_ADAPTER:
        return "no-adapter";
    case KN_BLE_ADAPTER_OFF:
        return "adapter-off";
    case KN_BLE_REGISTERING:
        return "registering";
    case KN_BLE_READY:
        return "ready";
    }
    return "unknown";
}

/* ---- state ---- */

static gboolean state_changed_idle(gpointer user_data)
{
    KnBle *ble = user_data;

    ble->notify_idle_id = 0;
    if (ble->hooks->state_changed)
        ble->hooks->state_changed(ble->hooks_data);
    return G_SOURCE_REMOVE;
}

void kn_ble_state_changed(KnBle *ble)
{
    GSource *src;

    if (ble->notify_idle_id || !ble->hooks->state_changed)
        return;
    src = g_idle_source_new();
    g_source_set_callback(src, state_changed_idle, ble, NULL);
    ble->notify_idle_id = g_source_attach(src, ble->context);
    g_source_unref(src);
}

/* ---- who is calling ---- */

/* A GError domain that GDBus sends as org.bluez.Error.NotPermitted: a
 * property getter can only answer with a GError. */
static GQuark not_permitted_quark(void)
{
    static gsize once;
    static GQuark quark;

    if (g_once_init_enter(&once)) {
        quark = g_quark_from_static_string("kn-ble-caller-error-quark");
        g_dbus_error_register_error(quark, 0, BLUEZ_ERROR "NotPermitted");
        g_once_init_leave(&once, 1);
    }
    return quark;
}

gboolean kn_ble_sender_is_bluetoothd(KnBle *ble, const char *sender, GError **error)
{
    /* bluez_owner follows org.bluez's owner (the name watch of bluez.c):
     * the unique name a process cannot take over, unlike the well-known
     * name a client could claim where the bus policy lets it. */
    if (sender && ble->bluez_owner && strcmp(sender, ble->bluez_owner) == 0)
        return TRUE;
    g_set_error_literal(error, not_permitted_quark(), 0, "Only bluetoothd may call this");
    g_debug("BLE: refused a call from %s: not bluetoothd (%s)", sender ? sender : "?",
            ble->bluez_owner ? ble->bluez_owner : "not running");
    return FALSE;
}

gboolean kn_ble_caller_is_bluetoothd(KnBle *ble, GDBusMethodInvocation *inv)
{
    g_autoptr(GError) error = NULL;

    if (kn_ble_sender_is_bluetoothd(ble, g_dbus_method_invocation_get_sender(inv), &error))
        return TRUE;
    ble->refused_calls++;
    g_dbus_method_invocation_return_gerror(inv, error);
    return FALSE;
}

KnBleAdapter *kn_ble_current_adapter(KnBle *ble)
{
    return ble->adapter ? g_hash_table_lookup(ble->adapters, ble->adapter) : NULL;
}

KnBleDevice *kn_ble_lookup_device(KnBle *ble, const char *path)
{
    return g_hash_table_lookup(ble->devices, path);
}

/* ---- registrations ---- */

static void reg_reset(KnReg *reg)
{
    if (reg->cancel)
        g_cancellable_cancel(reg->cancel);
    g_clear_object(&reg->cancel);
    if (reg->retry_id)
        g_source_remove(reg->retry_id);
    reg->retry_id = 0;
    reg->state = KN_REG_NONE;
}

void kn_ble_reg_clear(KnReg *reg)
{
    reg_reset(reg);
    reg->backoff_s = 0;
    g_clear_pointer(&reg->error, g_free);
}

typedef struct {
    KnBle *ble;
    KnReg *reg;
} RetryData;

static gboolean retry_cb(gpointer user_data)
{
    RetryData *rd = user_data;

    rd->reg->retry_id = 0;
    rd->reg->state = KN_REG_NONE;
    kn_ble_reevaluate(rd->ble);
    return G_SOURCE_REMOVE;
}

void kn_ble_reg_failed(KnBle *ble, KnReg *reg, const char *what, const char *message)
{
    GSource *src;
    RetryData *rd;

    reg_reset(reg);
    g_free(reg->error);
    reg->error = g_strdup_printf("%s: %s", what, message);
    reg->backoff_s = reg->backoff_s ? MIN(reg->backoff_s * 2, BACKOFF_MAX_S) : 1;
    g_warning("BLE: %s failed (%s); retrying in %u s", what, message, reg->backoff_s);
    rd = g_new(RetryData, 1);
    rd->ble = ble;
    rd->reg = reg;
    src = g_timeout_source_new_seconds(reg->backoff_s);
    g_source_set_callback(src, retry_cb, rd, g_free);
    reg->retry_id = g_source_attach(src, ble->context);
    g_source_unref(src);
    reg->state = KN_REG_WAIT_RETRY;
    kn_ble_state_changed(ble);
}

typedef struct {
    KnBle *ble;
    KnReg *reg;
    const char *what;
} CallData;

static gboolean call_finish(GObject *source, GAsyncResult *res, CallData *cd, GError **error)
{
    g_autoptr(GVariant) ret = g_dbus_connection_call_finish(G_DBUS_CONNECTION(source), res, error);

    return ret != NULL;
}

static void reg_done(CallData *cd)
{
    KnReg *reg = cd->reg;

    g_clear_object(&reg->cancel);
    reg->state = KN_REG_DONE;
    reg->backoff_s = 0;
    g_clear_pointer(&reg->error, g_free);
    kn_ble_state_changed(cd->ble);
}

static void registered_cb(GObject *source, GAsyncResult *res, gpointer user_data)
{
    g_autofree CallData *cd = user_data;
    g_autoptr(GError) error = NULL;
    g_autofree char *remote = NULL;

    if (call_finish(source, res, cd, &error)) {
        g_info("BLE: %s registered", cd->what);
        if (cd->reg == &cd->ble->reg_app)
            cd->ble->registrations++;
        reg_done(cd);
        return;
    }
    /* Cancelled: bluetoothd or the adapter went away, or kneed is
     * stopping (cd->ble may be gone). */
    if (g_error_matches(error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        return;
    remote = g_dbus_error_get_remote_error(error);
    if (g_strcmp0(remote, BLUEZ_ERROR "AlreadyExists") == 0) {
        /* Should not happen (we register once per bluetoothd), but it
         * means what we wanted is in place. */
        g_warning("BLE: %s was already registered", cd->what);
        reg_done(cd);
        return;
    }
    g_clear_object(&cd->reg->cancel);
    g_dbus_error_strip_remote_error(error);
    kn_ble_reg_failed(cd->ble, cd->reg, cd->what, error->message);
}

static void reg_call(KnBle *ble, KnReg *reg, const char *what, const char *path,
                     const char *iface, const char *method, GVariant *args,
                     GAsyncReadyCallback cb)
{
    CallData *cd = g_new(CallData, 1);

    cd->ble = ble;
    cd->reg = reg;
    cd->what = what;
    reg->state = KN_REG_PENDING;
    reg->cancel = g_cancellable_new();
    ble->registration_attempts++;
    g_info("BLE: registering %s with %s", what, path);
    g_dbus_connection_call(ble->conn, ble->bluez_owner, path, iface, method, args, NULL,
                           G_DBUS_CALL_FLAGS_NO_AUTO_START, CALL_TIMEOUT_MS, reg->cancel, cb, cd);
}

static void agent_registered_cb(GObject *source, GAsyncResult *res, gpointer user_data)
{
    g_autofree CallData *cd = user_data;
    g_autoptr(GError) error = NULL;
    KnBle *ble;

    if (!call_finish(source, res, cd, &error)) {
        g_autofree char *remote = NULL;

        if (g_error_matches(error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
            return;
        remote = g_dbus_error_get_remote_error(error);
        if (g_strcmp0(remote, BLUEZ_ERROR "AlreadyExists") != 0) {
            g_dbus_error_strip_remote_error(error);
            g_clear_object(&cd->reg->cancel);
            kn_ble_reg_failed(cd->ble, cd->reg, cd->what, error->message);
            return;
        }
        /* Registered before a failed RequestDefaultAgent: go on. */
    }
    ble = cd->ble;
    g_clear_object(&ble->reg_agent.cancel);
    /* The sleeve's only agent must also be the default one: pairing a
     * phone is not triggered by any application. */
    reg_call(ble, &ble->reg_agent, "default agent", "/org/bluez", IFACE_AGENT_MANAGER,
             "RequestDefaultAgent", g_variant_new("(o)", KN_BLE_AGENT_PATH), registered_cb);
}

static void power_done(GObject *source, GAsyncResult *res, gpointer user_data)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(GVariant) ret = g_dbus_connection_call_finish(G_DBUS_CONNECTION(source), res, &error);
    KnBle *ble = user_data;

    if (ret || g_error_matches(error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        return;
    g_warning("BLE: cannot power the adapter on: %s", error->message);
    g_clear_object(&ble->power_cancel);
    kn_ble_retry_settings(ble);
}

static gboolean settings_retry_cb(gpointer user_data)
{
    KnBle *ble = user_data;

    ble->settings_retry_id = 0;
    kn_ble_reevaluate(ble);
    return G_SOURCE_REMOVE;
}

void kn_ble_retry_settings(KnBle *ble)
{
    GSource *src;

    if (ble->settings_retry_id)
        return;
    src = g_timeout_source_new_seconds(1);
    g_source_set_callback(src, settings_retry_cb, ble, NULL);
    ble->settings_retry_id = g_source_attach(src, ble->context);
    g_source_unref(src);
}

/* Picks the adapter: the configured one, else the one in use while it
 * exists, else the first powered, else the first. */
static const char *choose_adapter(KnBle *ble)
{
    g_autoptr(GList) paths = NULL;
    const char *first = NULL, *first_powered = NULL;

    if (ble->cfg_adapter) {
        KnBleAdapter *a = g_hash_table_lookup(ble->adapters, ble->cfg_adapter);

        return a && a->has_adapter ? a->path : NULL;
    }
    if (ble->adapter) {
        KnBleAdapter *a = g_hash_table_lookup(ble->adapters, ble->adapter);

        if (a && a->has_adapter)
            return a->path;
    }
    paths = g_list_sort(g_hash_table_get_keys(ble->adapters), (GCompareFunc) g_strcmp0);
    for (GList *l = paths; l; l = l->next) {
        KnBleAdapter *a = g_hash_table_lookup(ble->adapters, l->data);

        if (!a->has_adapter)
            continue;
        if (!first)
            first = a->path;
        if (a->powered && !first_powered)
            first_powered = a->path;
    }
    return first_powered ? first_powered : first;
}

void kn_ble_drop_adapter_registrations(KnBle *ble)
{
    if (ble->settings_retry_id) {
        GSource *src = g_main_context_find_source_by_id(ble->context, ble->settings_retry_id);

        if (src)
            g_source_destroy(src);
        ble->settings_retry_id = 0;
    }
    kn_ble_reg_clear(&ble->reg_app);
    kn_ble_reg_clear(&ble->reg_adv);
    if (ble->power_cancel)
        g_cancellable_cancel(ble->power_cancel);
    g_clear_object(&ble->power_cancel);
    if (ble->pairable_cancel)
        g_cancellable_cancel(ble->pairable_cancel);
    g_clear_object(&ble->pairable_cancel);
    ble->pairable_sent = FALSE;
    ble->pairable_in_flight = FALSE;
    ble->pairable_recheck = FALSE;
}

void kn_ble_reevaluate(KnBle *ble)
{
    const char *chosen;
    KnBleAdapter *a;

    if (!ble->bluez_owner || !ble->om_loaded) {
        kn_ble_state_changed(ble);
        return;
    }
    if (ble->has_agent_manager && ble->reg_agent.state == KN_REG_NONE)
        reg_call(ble, &ble->reg_agent, "agent", "/org/bluez", IFACE_AGENT_MANAGER,
                 "RegisterAgent", g_variant_new("(os)", KN_BLE_AGENT_PATH, "NoInputNoOutput"),
                 agent_registered_cb);

    chosen = choose_adapter(ble);
    if (g_strcmp0(chosen, ble->adapter) != 0) {
        if (ble->adapter)
            g_info("BLE: adapter %s is gone", ble->adapter);
        kn_ble_drop_adapter_registrations(ble);
        g_free(ble->adapter);
        ble->adapter = g_strdup(chosen);
        if (chosen)
            g_info("BLE: using adapter %s", chosen);
    }
    a = kn_ble_current_adapter(ble);
    if (!a) {
        kn_ble_state_changed(ble);
        return;
    }
    kn_ble_bond_sweep(ble);
    if (!a->powered && ble->cfg_power && !ble->power_cancel) {
        g_info("BLE: powering %s on", a->path);
        ble->power_cancel = g_cancellable_new();
        g_dbus_connection_call(ble->conn, ble->bluez_owner, a->path, IFACE_PROPERTIES, "Set",
                               g_variant_new("(ssv)", IFACE_ADAPTER, "Powered",
                                             g_variant_new_boolean(TRUE)),
                               NULL, G_DBUS_CALL_FLAGS_NO_AUTO_START, CALL_TIMEOUT_MS,
                               ble->power_cancel, power_done, ble);
    }
    kn_ble_agent_apply_pairable(ble);

    if (a->has_gatt_manager && ble->reg_app.state == KN_REG_NONE)
        reg_call(ble, &ble->reg_app, "GATT application", a->path, IFACE_GATT_MANAGER,
                 "RegisterApplication", g_variant_new("(oa{sv})", KN_BLE_APP_PATH, NULL),
                 registered_cb);
    if (a->has_adv_manager && ble->reg_adv.state == KN_REG_NONE) {
        kn_ble_adv_plan_update(ble);
        reg_call(ble, &ble->reg_adv, "advertisement", a->path, IFACE_ADV_MANAGER,
                 "RegisterAdvertisement", g_variant_new("(oa{sv})", KN_BLE_ADV_PATH, NULL),
                 registered_cb);
    }
    kn_ble_state_changed(ble);
}

/* ---- lifecycle ---- */

static char *machine_serial(void)
{
    g_autofree char *id = NULL;

    if (!g_file_get_contents("/etc/machine-id", &id, NULL, NULL))
        return g_strdup("unknown");
    g_strstrip(id);
    if (strlen(id) > 12)
        id[12] = '\0';
    return g_ascii_strup(id, -1);
}

KnBle *kn_ble_new(GDBusConnection *system_bus, const KnBleConfig *cfg,
                  const KnBleHooks *hooks, gpointer hooks_data, GError **error)
{
    g_autoptr(KnBle) ble = NULL;
    g_autoptr(GError) local = NULL;
    const char *key = NULL;
    const char *dis[6] = { cfg->manufacturer, cfg->model, cfg->serial, cfg->hardware_rev,
                           cfg->firmware_rev, cfg->software_rev };

    g_return_val_if_fail(G_IS_DBUS_CONNECTION(system_bus), NULL);
    g_return_val_if_fail(hooks && hooks->start_session && hooks->stop_session && hooks->calibrate &&
                         hooks->set_param && hooks->get_param && hooks->set_time &&
                         hooks->identify && hooks->start_coaching && hooks->stop_coaching &&
                         hooks->report_pain, NULL);
    if (!kn_ble_config_check(cfg, &key, &local)) {
        g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT, "[bluetooth] %s: %s", key,
                    local->message);
        return NULL;
    }

    ble = g_new0(KnBle, 1);
    ble->conn = g_object_ref(system_bus);
    ble->context = g_main_context_ref_thread_default();
    ble->hooks = hooks;
    ble->hooks_data = hooks_data;
    ble->cfg_adapter = cfg->adapter ? g_strconcat("/org/bluez/", cfg->adapter, NULL) : NULL;
    ble->cfg_name = g_strdup(cfg->name);
    ble->cfg_power = cfg->power_adapter;
    ble->cfg_height_m = cfg->height_cm / 100.0;
    ble->cfg_alert_queue = cfg->alert_queue;
    ble->cfg_bond_confirm_s = cfg->bond_confirm_s;
    for (int i = 0; i < 6; i++)
        ble->dis[i] = g_strdup(dis[i] ? dis[i] : "");
    if (!cfg->serial) {
        g_free(ble->dis[2]);
        ble->dis[2] = machine_serial();
    }

    kn_gatt_live_clear(&ble->live);
    ble->last_alert.kind = KN_GATT_ALERT_KIND_NONE;
    ble->last_alert.threshold = 0;
    kn_ble_status_init(&ble->status);
    ble->rsc.stride_m = NAN;
    ble->rsc.total_m = 0;
    g_queue_init(&ble->alert_queue);
    ble->adapters = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, kn_ble_adapter_free);
    ble->devices = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, kn_ble_device_free);
    ble->removing = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);

    if (!kn_ble_gatt_export(ble, error) || !kn_ble_adv_export(ble, error) ||
        !kn_ble_agent_export(ble, error))
        return NULL;

    kn_ble_bluez_watch(ble);
    return g_steal_pointer(&ble);
}

static void unregister(KnBle *ble, const char *path, const char *iface, const char *method,
                       GVariant *args)
{
    g_dbus_connection_call(ble->conn, ble->bluez_owner, path, iface, method, args, NULL,
                           G_DBUS_CALL_FLAGS_NO_AUTO_START, -1, NULL, NULL, NULL);
}

void kn_ble_free(KnBle *ble)
{
    if (!ble)
        return;
    if (ble->name_watch_id)
        g_bus_unwatch_name(ble->name_watch_id);
    /* Tell bluetoothd now rather than when the connection closes. */
    if (ble->bluez_owner && ble->adapter) {
        if (ble->reg_adv.state == KN_REG_DONE)
            unregister(ble, ble->adapter, IFACE_ADV_MANAGER, "UnregisterAdvertisement",
                       g_variant_new("(o)", KN_BLE_ADV_PATH));
        if (ble->reg_app.state == KN_REG_DONE)
            unregister(ble, ble->adapter, IFACE_GATT_MANAGER, "UnregisterApplication",
                       g_variant_new("(o)", KN_BLE_APP_PATH));
    }
    if (ble->bluez_owner && ble->reg_agent.state == KN_REG_DONE)
        unregister(ble, "/org/bluez", IFACE_AGENT_MANAGER, "UnregisterAgent",
                   g_variant_new("(o)", KN_BLE_AGENT_PATH));
    if (ble->conn && ble->bluez_owner)
        g_dbus_connection_flush_sync(ble->conn, NULL, NULL);
    if (ble->removing)
        kn_ble_bond_forget(ble);
    if (ble->adapters)
        kn_ble_bluez_forget(ble);
    if (ble->notify_idle_id) {
        GSource *src = g_main_context_find_source_by_id(ble->context, ble->notify_idle_id);

        if (src)
            g_source_destroy(src);
    }
    if (ble->conn) {
        kn_ble_gatt_unexport(ble);
        kn_ble_adv_unexport(ble);
        kn_ble_agent_unexport(ble);
    }
    g_queue_clear_full(&ble->alert_queue, g_free);
    g_clear_pointer(&ble->adapters, g_hash_table_unref);
    g_clear_pointer(&ble->devices, g_hash_table_unref);
    g_clear_pointer(&ble->removing, g_hash_table_unref);
    g_free(ble->cfg_adapter);
    g_free(ble->cfg_name);
    for (int i = 0; i < 6; i++)
        g_free(ble->dis[i]);
    g_free(ble->local_name);
    g_clear_pointer(&ble->context, g_main_context_unref);
    g_clear_object(&ble->conn);
    g_free(ble);
}

/* ---- what the daemon feeds ---- */

static void live_from(KnBle *ble, const struct kn_live *l, struct kn_gatt_live *g)
{
    kn_gatt_live_clear(g);
    g->in_stance = l->in_stance;
    g->activity = l->activity;
    g->session_active = ble->status.session_active;
    g->calibrating = ble->status.state == KN_GATT_STATE_CALIBRATING;
    g->knee_deg = l->knee_deg;
    g->cadence_spm = l->cadence_spm;
    g->strides = l->strides;
    g->knee_speed_dps = l->knee_speed_dps;
    g->baseline_rom_deg = l->baseline_rom_deg;
    g->zero_offset_deg = l->zero_offset_deg;
    g->t_s = l->t_s;
    g->has_stride = l->has_last_stride;
    if (!l->has_last_stride)
        return;
    g->ic_flex_deg = l->last_stride.ic_flex_deg;
    g->stance_peak_flex_deg = l->last_stride.stance_peak_flex_deg;
    g->swing_peak_flex_deg = l->last_stride.swing_peak_flex_deg;
    g->rom_deg = l->last_stride.rom_deg;
    g->contact_s = l->last_stride.contact_s;
    g->impact_g = l->last_stride.impact_g;
    g->min_flex_deg = l->last_stride.min_flex_deg;
    g->stride_s = l->last_stride.stride_s;
    g->stride_cv_pct = l->last_stride.stride_cv_pct;
}

void kn_ble_update_live(KnBle *ble, const struct kn_live *live)
{
    live_from(ble, live, &ble->live);
    ble->live_known = TRUE;
    kn_ble_gatt_live_changed(ble);

    /* The wearer stopped: one measurement with speed and cadence 0. */
    if (ble->rsc_moving && (live->cadence_spm <= 0 || live->activity == KN_ACTIVITY_STILL)) {
        ble->rsc_moving = FALSE;
        ble->rsc.running = FALSE;
        ble->rsc.speed_mps = 0;
        ble->rsc.cadence_spm = 0;
        ble->rsc.stride_m = NAN;
        ble->rsc.total_m = ble->total_m;
        kn_ble_gatt_rsc_changed(ble);
    }
}

void kn_ble_push_stride(KnBle *ble, const struct kn_stride *stride)
{
    struct kn_rsc_estimate e;

    if (kn_rsc_estimate_stride(ble->cfg_height_m, stride, &e) < 0)
        return;
    if (e.moving)
        ble->total_m += e.stride_m;
    ble->rsc.running = e.running;
    ble->rsc.speed_mps = e.speed_mps;
    ble->rsc.cadence_spm = e.cadence_spm;
    ble->rsc.stride_m = e.moving ? e.stride_m : NAN;
    ble->rsc.total_m = ble->total_m;
    ble->rsc_moving = e.moving;
    kn_ble_gatt_rsc_changed(ble);
}

void kn_ble_push_alert(KnBle *ble, const KnBleAlert *in)
{
    struct kn_gatt_alert a = { 0 };

    a.wall_clock = in->clock_set;
    a.seq = (uint16_t) (in->seq & 0xffff);
    a.kind = (uint8_t) in->alert.kind;
    a.severity = (uint8_t) in->alert.severity;
    a.unit = (uint8_t) in->alert.unit;
    a.message = (uint8_t) in->alert.message;
    a.arg = in->alert.arg;
    kn_gatt_split_time(in->wall_us / 1e6, &a.time_s, &a.time_ms);
    a.value = in->alert.value;
    a.threshold = in->alert.threshold;
    kn_ble_gatt_alert_raised(ble, &a);
}

void kn_ble_update_status(KnBle *ble, const KnBleStatus *status)
{
    KnBleStatus old = ble->status;

    ble->status = *status;
    if (old.pairing_window_open != status->pairing_window_open) {
        kn_ble_bond_window_changed(ble, status->pairing_window_open);
        ble->pairable_sent = FALSE;
        kn_ble_agent_apply_pairable(ble);
    }
    if (old.battery_pct != status->battery_pct)
        kn_ble_gatt_battery_changed(ble);
    if (ble->live_known) {
        ble->live.session_active = status->session_active;
        ble->live.calibrating = status->state == KN_GATT_STATE_CALIBRATING;
        kn_ble_gatt_live_changed(ble);
    }
    kn_ble_gatt_status_changed(ble);
}

void kn_ble_complete_calibration(KnBle *ble, enum kn_cp_result result,
                                 const struct kn_calibration *cal)
{
    kn_ble_gatt_calibration_done(ble, result, cal);
}

static guint connected_devices(KnBle *ble)
{
    gsize len = ble->adapter ? strlen(ble->adapter) : 0;
    GHashTableIter it;
    gpointer path, dev;
    guint n = 0;

    if (!ble->adapter)
        return 0;
    g_hash_table_iter_init(&it, ble->devices);
    while (g_hash_table_iter_next(&it, &path, &dev))
        if (((KnBleDevice *) dev)->connected && strncmp(path, ble->adapter, len) == 0 &&
            ((const char *) path)[len] == '/')
            n++;
    return n;
}

void kn_ble_get_info(KnBle *ble, KnBleInfo *ret)
{
    KnBleAdapter *a = kn_ble_current_adapter(ble);

    memset(ret, 0, sizeof(*ret));
    ret->adapter = ble->adapter;
    ret->address = a ? a->address : NULL;
    ret->local_name = ble->local_name;
    ret->app_registered = ble->reg_app.state == KN_REG_DONE;
    ret->adv_registered = ble->reg_adv.state == KN_REG_DONE;
    ret->agent_registered = ble->reg_agent.state == KN_REG_DONE;
    ret->pairable = a && a->pairable;
    ret->subscriptions = kn_ble_gatt_subscriptions(ble);
    ret->connected = connected_devices(ble);
    ret->alerts_queued = g_queue_get_length(&ble->alert_queue);
    ret->alerts_dropped = ble->alerts_dropped;
    ret->registrations = ble->registrations;
    ret->refused_calls = ble->refused_calls;
    ret->registration_attempts = ble->registration_attempts;
    ret->pending_bond = ble->bond_pending;
    ret->pending_bond_address = ble->bond_pending_address;
    ret->last_error = ble->reg_app.error ? ble->reg_app.error
                      : ble->reg_adv.error ? ble->reg_adv.error
                                           : ble->reg_agent.error;
    if (!ble->bluez_owner)
        ret->state = KN_BLE_NO_BLUETOOTHD;
    else if (!a)
        ret->state = KN_BLE_NO_ADAPTER;
    else if (!a->powered)
        ret->state = KN_BLE_ADAPTER_OFF;
    else if (ret->app_registered && ret->adv_registered)
        ret->state = KN_BLE_READY;
    else
        ret->state = KN_BLE_REGISTERING;
}
