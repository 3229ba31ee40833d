/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The pairing agent (org.bluez.Agent1 at /org/kneed/agent, capability
 * NoInputNoOutput) and the adapter's Pairable, which follow the pairing
 * window the daemon opens (button long press, D-Bus method).  Outside the
 * window the adapter is not pairable and the agent refuses everything, so
 * no new bond can be made (docs/gatt.md "Pairing window").
 */
#define G_LOG_DOMAIN "kneed"

#include "dbus/bluez-iface.h"
#include "daemon/ble/private.h"

/* Not the daemon's window alone: it is closed to others once it has made
 * its bond, and while a bond waits for the wearer (bond.c). */
static gboolean window_open(KnBle *ble)
{
    return kn_ble_bond_window_open(ble);
}

static void reject(GDBusMethodInvocation *inv, const char *why)
{
    g_dbus_method_invocation_return_dbus_error(inv, BLUEZ_ERROR "Rejected", why);
}

static void agent_method_call(GDBusConnection *conn, const char *sender, const char *path,
                              const char *iface, const char *method, GVariant *params,
                              GDBusMethodInvocation *inv, gpointer user_data)
{
    KnBle *ble = user_data;
    g_autoptr(GVariant) first = NULL;
    const char *device = NULL;

    /* Only bluetoothd may drive the agent. */
    if (!kn_ble_caller_is_bluetoothd(ble, inv))
        return;
    if (g_variant_n_children(params) > 0) {
        first = g_variant_get_child_value(params, 0);
        if (g_variant_is_of_type(first, G_VARIANT_TYPE_OBJECT_PATH))
            device = g_variant_get_string(first, NULL);
    }

    if (g_str_equal(method, "Release")) {
        g_info("BLE: bluetoothd released the agent");
        g_dbus_method_invocation_return_value(inv, NULL);
        if (ble->reg_agent.state == KN_REG_DONE)
            kn_ble_reg_failed(ble, &ble->reg_agent, "agent", "released by bluetoothd");
        return;
    }
    if (g_str_equal(method, "Cancel")) {
        g_dbus_method_invocation_return_value(inv, NULL);
        return;
    }
    if (g_str_equal(method, "RequestPinCode") || g_str_equal(method, "RequestPasskey")) {
        reject(inv, "The sleeve has no keyboard");
        return;
    }
    if (g_str_equal(method, "RequestAuthorization") || g_str_equal(method, "RequestConfirmation") ||
        g_str_equal(method, "DisplayPasskey") || g_str_equal(method, "DisplayPinCode")) {
        if (!window_open(ble)) {
            g_info("BLE: refused pairing with %s: no pairing window", device ? device : "?");
            reject(inv, "Pairing window closed");
            return;
        }
        g_info("BLE: accepting Just Works pairing with %s", device ? device : "?");
        g_dbus_method_invocation_return_value(inv, NULL);
        return;
    }
    if (g_str_equal(method, "AuthorizeService")) {
        KnBleDevice *dev = device ? kn_ble_lookup_device(ble, device) : NULL;
        gboolean bonded = dev && kn_ble_device_bonded(dev);

        if (!bonded && !window_open(ble)) {
            reject(inv, "Not bonded");
            return;
        }
        g_dbus_method_invocation_return_value(inv, NULL);
        return;
    }
    g_dbus_method_invocation_return_error(inv, G_DBUS_ERROR, G_DBUS_ERROR_UNKNOWN_METHOD,
                                          "No method %s", method);
}

static const GDBusInterfaceVTable agent_vtable = { agent_method_call, NULL, NULL, { 0 } };

gboolean kn_ble_agent_export(KnBle *ble, GError **error)
{
    ble->agent_reg_id = g_dbus_connection_register_object(
        ble->conn, KN_BLE_AGENT_PATH, (GDBusInterfaceInfo *) &kn_bluez_agent1_interface,
        &agent_vtable, ble, NULL, error);
    return ble->agent_reg_id != 0;
}

void kn_ble_agent_unexport(KnBle *ble)
{
    if (ble->agent_reg_id)
        g_dbus_connection_unregister_object(ble->conn, ble->agent_reg_id);
    ble->agent_reg_id = 0;
}

static void set_done(GObject *source, GAsyncResult *res, gpointer user_data)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(GVariant) ret = g_dbus_connection_call_finish(G_DBUS_CONNECTION(source), res, &error);
    KnBle *ble = user_data;

    /* Cancelled: bluetoothd or the adapter went (in_flight was reset
     * then), or kneed stops (ble may be gone). */
    if (g_error_matches(error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        return;
    ble->pairable_in_flight = FALSE;
    if (!ret) {
        g_warning("BLE: cannot set the adapter's Pairable: %s", error->message);
        ble->pairable_sent = FALSE;
        ble->pairable_recheck = FALSE;
        kn_ble_retry_settings(ble);
        return;
    }
    /* The adapter has the value now.  A Pairable signal seen while the
     * Set was pending told the state before it (bluetoothd's own set-up
     * at start), so it does not call for another Set. */
    ble->pairable_sent = TRUE;
    if (ble->pairable_recheck) {
        ble->pairable_recheck = FALSE;
        kn_ble_agent_apply_pairable(ble);
    }
}

static void set_adapter_property(KnBle *ble, const char *adapter, const char *name, GVariant *value,
                                 GAsyncReadyCallback cb)
{
    g_dbus_connection_call(ble->conn, ble->bluez_owner, adapter, IFACE_PROPERTIES, "Set",
                           g_variant_new("(ssv)", IFACE_ADAPTER, name, value), NULL,
                           G_DBUS_CALL_FLAGS_NO_AUTO_START, -1, ble->pairable_cancel, cb, ble);
}

static void timeout_set_done(GObject *source, GAsyncResult *res, gpointer user_data)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(GVariant) ret = g_dbus_connection_call_finish(G_DBUS_CONNECTION(source), res, &error);

    /* bluetoothd's own end of the window is a safety net only. */
    if (!ret && !g_error_matches(error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        g_info("BLE: cannot set PairableTimeout: %s", error->message);
}

void kn_ble_agent_apply_pairable(KnBle *ble)
{
    KnBleAdapter *a = kn_ble_current_adapter(ble);
    gboolean want = window_open(ble);

    if (!a || !a->has_adapter || !ble->bluez_owner)
        return;
    /* One Set at a time: bluetoothd answers Busy to a second Set of a
     * setting whose change is still pending (5.66 property_set_mode()).
     * The same value again is dropped; another waits for the reply. */
    if (ble->pairable_in_flight) {
        if (want != ble->pairable_wanted_sent)
            ble->pairable_recheck = TRUE;
        return;
    }
    /* ble.c clears pairable_sent when bluetoothd, the adapter or its
     * Pairable changes behind our back. */
    if (ble->pairable_sent && ble->pairable_wanted_sent == want)
        return;
    if (!ble->pairable_cancel)
        ble->pairable_cancel = g_cancellable_new();
    if (want)
        /* bluetoothd closes the window by itself even if kneed dies. */
        set_adapter_property(ble, a->path, "PairableTimeout",
                             g_variant_new_uint32(MAX(ble->status.pairing_window_remaining_s, 1)),
                             timeout_set_done);
    g_info("BLE: %s pairing on %s", want ? "allowing" : "refusing", a->path);
    set_adapter_property(ble, a->path, "Pairable", g_variant_new_boolean(want), set_done);
    ble->pairable_sent = TRUE;
    ble->pairable_in_flight = TRUE;
    ble->pairable_wanted_sent = want;
}
