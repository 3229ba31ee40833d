/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * What bluetoothd has, as KnBle needs it: the owner of org.bluez, its
 * adapters (Adapter1, GattManager1, LEAdvertisingManager1 and their
 * properties) and devices (Paired, Bonded), from its ObjectManager at /.
 * Every change ends in kn_ble_reevaluate().
 *
 * Not GDBusObjectManagerClient: it calls GetManagedObjects synchronously
 * when the name owner appears, which would stall the main loop (and the
 * analysis) on a busy bluetoothd.
 */
#define G_LOG_DOMAIN "kneed"

#include <string.h>

#include "daemon/ble/private.h"

#define CALL_TIMEOUT_MS 25000

void kn_ble_adapter_free(gpointer data)
{
    KnBleAdapter *a = data;

    g_free(a->path);
    g_free(a->address);
    g_strfreev(a->supported_includes);
    g_free(a);
}

/* ---- bluetoothd's objects ---- */

static void device_update(KnBle *ble, const char *path, GVariant *props, gboolean create)
{
    KnBleDevice *d = g_hash_table_lookup(ble->devices, path);
    gboolean was_paired, was_connected, known = d != NULL;
    GVariantIter it;
    const char *key;
    GVariant *v;

    if (!d) {
        if (!create)
            return;
        d = g_new0(KnBleDevice, 1);
        g_hash_table_insert(ble->devices, g_strdup(path), d);
    }
    was_paired = known && (d->paired || d->bonded);
    was_connected = d->connected;
    g_variant_iter_init(&it, props);
    while (g_variant_iter_loop(&it, "{&sv}", &key, &v)) {
        if (g_str_equal(key, "Address") && g_variant_is_of_type(v, G_VARIANT_TYPE_STRING)) {
            g_free(d->address);
            d->address = g_variant_dup_string(v, NULL);
            continue;
        }
        if (!g_variant_is_of_type(v, G_VARIANT_TYPE_BOOLEAN))
            continue;
        if (g_str_equal(key, "Trusted"))
            d->trusted = g_variant_get_boolean(v);
        else if (g_str_equal(key, "Paired"))
            d->paired = g_variant_get_boolean(v);
        else if (g_str_equal(key, "Bonded")) {
            d->bonded = g_variant_get_boolean(v);
            d->has_bonded = TRUE;
        } else if (g_str_equal(key, "Connected"))
            d->connected = g_variant_get_boolean(v);
    }
    if (d->connected != was_connected)
        kn_ble_state_changed(ble);
    /* Paired now (known) or appearing paired: bond.c decides. */
    if (!was_paired && (d->paired || d->bonded))
        kn_ble_bond_device_paired(ble, path, d, known);
}

static void capabilities_update(KnBleAdapter *a, GVariant *caps)
{
    guint8 len;

    if (g_variant_lookup(caps, "MaxAdvLen", "y", &len))
        a->max_adv_len = len;
    if (g_variant_lookup(caps, "MaxScnRspLen", "y", &len))
        a->max_scan_rsp_len = len;
}

static void adapter_props_update(KnBle *ble, KnBleAdapter *a, const char *iface, GVariant *props)
{
    GVariantIter it;
    const char *key;
    GVariant *v;

    g_variant_iter_init(&it, props);
    while (g_variant_iter_loop(&it, "{&sv}", &key, &v)) {
        if (g_str_equal(iface, IFACE_ADAPTER)) {
            if (g_str_equal(key, "Powered") && g_variant_is_of_type(v, G_VARIANT_TYPE_BOOLEAN)) {
                a->powered = g_variant_get_boolean(v);
                if (a->powered && g_strcmp0(a->path, ble->adapter) == 0) {
                    g_clear_object(&ble->power_cancel);
                }
            } else if (g_str_equal(key, "Pairable") &&
                       g_variant_is_of_type(v, G_VARIANT_TYPE_BOOLEAN)) {
                a->pairable = g_variant_get_boolean(v);
                /* Someone else changed it: make it follow the window
                 * again.  Not while our Set is pending: then the signal
                 * tells the state before it, and the reply decides
                 * (agent.c). */
                if (g_strcmp0(a->path, ble->adapter) == 0 && ble->pairable_sent &&
                    !ble->pairable_in_flight && a->pairable != ble->pairable_wanted_sent)
                    ble->pairable_sent = FALSE;
            } else if (g_str_equal(key, "Address") &&
                       g_variant_is_of_type(v, G_VARIANT_TYPE_STRING)) {
                g_free(a->address);
                a->address = g_variant_dup_string(v, NULL);
            }
        } else if (g_str_equal(iface, IFACE_ADV_MANAGER)) {
            if (g_str_equal(key, "SupportedIncludes") &&
                g_variant_is_of_type(v, G_VARIANT_TYPE_STRING_ARRAY)) {
                g_strfreev(a->supported_includes);
                a->supported_includes = g_variant_dup_strv(v, NULL);
            } else if (g_str_equal(key, "SupportedCapabilities") &&
                       g_variant_is_of_type(v, G_VARIANT_TYPE_VARDICT)) {
                capabilities_update(a, v);
            }
        }
    }
}

static KnBleAdapter *adapter_get(KnBle *ble, const char *path)
{
    KnBleAdapter *a = g_hash_table_lookup(ble->adapters, path);

    if (!a) {
        a = g_new0(KnBleAdapter, 1);
        a->path = g_strdup(path);
        g_hash_table_insert(ble->adapters, g_strdup(path), a);
    }
    return a;
}

/* One object of InterfacesAdded or GetManagedObjects. */
static void object_added(KnBle *ble, const char *path, GVariant *ifaces)
{
    GVariantIter it;
    const char *iface;
    GVariant *props;

    g_variant_iter_init(&it, ifaces);
    while (g_variant_iter_loop(&it, "{&s@a{sv}}", &iface, &props)) {
        if (g_str_equal(iface, IFACE_ADAPTER)) {
            KnBleAdapter *a = adapter_get(ble, path);

            a->has_adapter = TRUE;
            adapter_props_update(ble, a, iface, props);
        } else if (g_str_equal(iface, IFACE_GATT_MANAGER)) {
            adapter_get(ble, path)->has_gatt_manager = TRUE;
        } else if (g_str_equal(iface, IFACE_ADV_MANAGER)) {
            KnBleAdapter *a = adapter_get(ble, path);

            a->has_adv_manager = TRUE;
            adapter_props_update(ble, a, iface, props);
        } else if (g_str_equal(iface, IFACE_AGENT_MANAGER)) {
            ble->has_agent_manager = TRUE;
        } else if (g_str_equal(iface, IFACE_DEVICE)) {
            device_update(ble, path, props, TRUE);
        }
    }
}

static void object_removed(KnBle *ble, const char *path, const char *const *ifaces)
{
    KnBleAdapter *a = g_hash_table_lookup(ble->adapters, path);
    gboolean current = g_strcmp0(path, ble->adapter) == 0;

    for (int i = 0; ifaces[i]; i++) {
        if (g_str_equal(ifaces[i], IFACE_DEVICE)) {
            KnBleDevice *d = g_hash_table_lookup(ble->devices, path);

            if (d && d->connected)
                kn_ble_state_changed(ble);
            g_hash_table_remove(ble->devices, path);
            kn_ble_bond_device_removed(ble, path);
        } else if (g_str_equal(ifaces[i], IFACE_AGENT_MANAGER)) {
            ble->has_agent_manager = FALSE;
            kn_ble_reg_clear(&ble->reg_agent);
        } else if (a && g_str_equal(ifaces[i], IFACE_GATT_MANAGER)) {
            a->has_gatt_manager = FALSE;
            if (current)
                kn_ble_reg_clear(&ble->reg_app);
        } else if (a && g_str_equal(ifaces[i], IFACE_ADV_MANAGER)) {
            a->has_adv_manager = FALSE;
            if (current)
                kn_ble_reg_clear(&ble->reg_adv);
        } else if (a && g_str_equal(ifaces[i], IFACE_ADAPTER)) {
            a->has_adapter = FALSE;
        }
    }
    if (a && !a->has_adapter && !a->has_gatt_manager && !a->has_adv_manager)
        g_hash_table_remove(ble->adapters, path);
}

static void on_interfaces_added(GDBusConnection *conn, const char *sender, const char *path,
                                const char *iface, const char *signal, GVariant *params,
                                gpointer user_data)
{
    KnBle *ble = user_data;
    const char *object;
    g_autoptr(GVariant) ifaces = NULL;

    if (!ble->om_loaded || !g_variant_is_of_type(params, G_VARIANT_TYPE("(oa{sa{sv}})")))
        return;
    g_variant_get(params, "(&o@a{sa{sv}})", &object, &ifaces);
    object_added(ble, object, ifaces);
    kn_ble_reevaluate(ble);
}

static void on_interfaces_removed(GDBusConnection *conn, const char *sender, const char *path,
                                  const char *iface, const char *signal, GVariant *params,
                                  gpointer user_data)
{
    KnBle *ble = user_data;
    const char *object;
    g_autofree const char **ifaces = NULL;

    if (!ble->om_loaded || !g_variant_is_of_type(params, G_VARIANT_TYPE("(oas)")))
        return;
    g_variant_get(params, "(&o^a&s)", &object, &ifaces);
    object_removed(ble, object, ifaces);
    kn_ble_reevaluate(ble);
}

static void on_properties_changed(GDBusConnection *conn, const char *sender, const char *path,
                                  const char *iface, const char *signal, GVariant *params,
                                  gpointer user_data)
{
    KnBle *ble = user_data;
    const char *changed_iface;
    g_autoptr(GVariant) changed = NULL;
    KnBleAdapter *a;

    if (!ble->om_loaded || !g_variant_is_of_type(params, G_VARIANT_TYPE("(sa{sv}as)")))
        return;
    g_variant_get(params, "(&s@a{sv}as)", &changed_iface, &changed, NULL);
    if (g_str_equal(changed_iface, IFACE_DEVICE)) {
        device_update(ble, path, changed, FALSE);
        return;
    }
    if (!g_str_equal(changed_iface, IFACE_ADAPTER) && !g_str_equal(changed_iface, IFACE_ADV_MANAGER))
        return;
    a = g_hash_table_lookup(ble->adapters, path);
    if (!a)
        return;
    adapter_props_update(ble, a, changed_iface, changed);
    kn_ble_reevaluate(ble);
}

static void managed_objects_cb(GObject *source, GAsyncResult *res, gpointer user_data)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(GVariant) ret = g_dbus_connection_call_finish(G_DBUS_CONNECTION(source), res, &error);
    KnBle *ble = user_data;
    g_autoptr(GVariant) objects = NULL;
    GVariantIter it;
    const char *path;
    GVariant *ifaces;

    if (!ret && g_error_matches(error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        return;
    g_clear_object(&ble->om_cancel);
    if (!ret) {
        g_warning("BLE: cannot read bluetoothd's objects: %s", error->message);
        return;
    }
    g_hash_table_remove_all(ble->adapters);
    g_hash_table_remove_all(ble->devices);
    ble->has_agent_manager = FALSE;
    objects = g_variant_get_child_value(ret, 0);
    g_variant_iter_init(&it, objects);
    while (g_variant_iter_loop(&it, "{&o@a{sa{sv}}}", &path, &ifaces))
        object_added(ble, path, ifaces);
    ble->om_loaded = TRUE;
    kn_ble_reevaluate(ble);
}

static void unsubscribe(KnBle *ble)
{
    guint *ids[] = { &ble->sig_ifaces_added, &ble->sig_ifaces_removed, &ble->sig_props_changed };

    for (gsize i = 0; i < G_N_ELEMENTS(ids); i++) {
        if (*ids[i])
            g_dbus_connection_signal_unsubscribe(ble->conn, *ids[i]);
        *ids[i] = 0;
    }
}

static void bluez_appeared(GDBusConnection *conn, const char *name, const char *owner,
                           gpointer user_data)
{
    KnBle *ble = user_data;

    if (g_strcmp0(owner, ble->bluez_owner) == 0)
        return;
    g_info("BLE: bluetoothd is running (%s)", owner);
    g_free(ble->bluez_owner);
    ble->bluez_owner = g_strdup(owner);
    ble->om_loaded = FALSE;
    unsubscribe(ble);
    /* Signals first, then the snapshot: nothing is missed in between, and
     * what arrives before the reply is older than the reply. */
    ble->sig_ifaces_added = g_dbus_connection_signal_subscribe(
        conn, owner, IFACE_OBJECT_MANAGER, "InterfacesAdded", NULL, NULL,
        G_DBUS_SIGNAL_FLAGS_NONE, on_interfaces_added, ble, NULL);
    ble->sig_ifaces_removed = g_dbus_connection_signal_subscribe(
        conn, owner, IFACE_OBJECT_MANAGER, "InterfacesRemoved", NULL, NULL,
        G_DBUS_SIGNAL_FLAGS_NONE, on_interfaces_removed, ble, NULL);
    ble->sig_props_changed = g_dbus_connection_signal_subscribe(
        conn, owner, IFACE_PROPERTIES, "PropertiesChanged", NULL, NULL,
        G_DBUS_SIGNAL_FLAGS_NONE, on_properties_changed, ble, NULL);
    ble->om_cancel = g_cancellable_new();
    g_dbus_connection_call(conn, owner, "/", IFACE_OBJECT_MANAGER, "GetManagedObjects", NULL,
                           G_VARIANT_TYPE("(a{oa{sa{sv}}})"), G_DBUS_CALL_FLAGS_NO_AUTO_START,
                           CALL_TIMEOUT_MS, ble->om_cancel, managed_objects_cb, ble);
    kn_ble_state_changed(ble);
}

void kn_ble_bluez_forget(KnBle *ble)
{
    unsubscribe(ble);
    if (ble->om_cancel)
        g_cancellable_cancel(ble->om_cancel);
    g_clear_object(&ble->om_cancel);
    ble->om_loaded = FALSE;
    kn_ble_drop_adapter_registrations(ble);
    kn_ble_reg_clear(&ble->reg_agent);
    g_hash_table_remove_all(ble->adapters);
    g_hash_table_remove_all(ble->devices);
    ble->has_agent_manager = FALSE;
    g_clear_pointer(&ble->adapter, g_free);
    g_clear_pointer(&ble->bluez_owner, g_free);
}

static void bluez_vanished(GDBusConnection *conn, const char *name, gpointer user_data)
{
    KnBle *ble = user_data;

    if (!ble->bluez_owner)
        return;
    g_info("BLE: bluetoothd has stopped; waiting for it");
    /* bluetoothd dropped our registrations with its state: they are
     * registered again, once, when it comes back. */
    kn_ble_bluez_forget(ble);
    kn_ble_state_changed(ble);
}

void kn_ble_bluez_watch(KnBle *ble)
{
    ble->name_watch_id = g_bus_watch_name_on_connection(ble->conn, BLUEZ_SERVICE,
                                                        G_BUS_NAME_WATCHER_FLAGS_NONE,
                                                        bluez_appeared, bluez_vanished, ble, NULL);
}
