/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A new bond waits for the wearer's confirmation (docs/gatt.md "Pairing
 * window").  Just Works cannot tell the wearer's phone from a nearby
 * attacker's, and the sleeve has no display to compare a number on, so
 * the one bond a pairing window makes is kept only once the wearer says
 * so (the sleeve's button, or kneectl pair confirm) within
 * bond_confirm_s.  Until then the window is closed to every other device,
 * the new bond is refused health data, and the encrypted characteristics
 * send nothing to anyone (bluetoothd sends a value to every subscribed
 * device; kneed cannot leave one out).  Refused or too late, the bond is
 * removed with Adapter1.RemoveDevice, which also drops the link.
 *
 * A kept bond is marked Trusted on its Device1 object: bluetoothd stores
 * the mark with the bond, so it survives restarts of both daemons, and
 * any other bond on kneed's adapter (left by a restart while one waited,
 * or made behind kneed's back) is removed.
 */
#define G_LOG_DOMAIN "kneed"

#include <string.h>

#include "daemon/ble/private.h"

#define CALL_TIMEOUT_MS 25000

void kn_ble_device_free(gpointer data)
{
    KnBleDevice *d = data;

    g_free(d->address);
    g_free(d);
}

gboolean kn_ble_device_bonded(const KnBleDevice *d)
{
    return d->has_bonded ? d->bonded : d->paired;
}

gboolean kn_ble_device_confirmed(const KnBleDevice *d)
{
    return kn_ble_device_bonded(d) && d->trusted;
}

static gboolean on_adapter(KnBle *ble, const char *path)
{
    gsize n = ble->adapter ? strlen(ble->adapter) : 0;

    return n && strncmp(path, ble->adapter, n) == 0 && path[n] == '/';
}

gboolean kn_ble_bond_window_open(KnBle *ble)
{
    return ble->status.pairing_window_open && !ble->window_bonded && !ble->bond_pending;
}

gboolean kn_ble_bond_holding(KnBle *ble)
{
    return ble->bond_pending || g_hash_table_size(ble->removing) > 0;
}

/* ---- calls to bluetoothd ---- */

typedef struct {
    KnBle *ble;
    char *path;
} CallData;

static void call_data_free(CallData *cd)
{
    g_free(cd->path);
    g_free(cd);
}

static void removed(GObject *source, GAsyncResult *res, gpointer user_data)
{
    CallData *cd = user_data;
    g_autoptr(GError) error = NULL;
    g_autoptr(GVariant) ret = g_dbus_connection_call_finish(G_DBUS_CONNECTION(source), res, &error);
    KnBle *ble = cd->ble;

    /* Cancelled: bluetoothd went or kneed stops (ble may be gone). */
    if (!ret && g_error_matches(error, G_IO_ERROR, G_IO_ERROR_CANCELLED)) {
        call_data_free(cd);
        return;
    }
    if (!ret)
        g_warning("BLE: cannot remove the bond of %s: %s", cd->path, error->message);
    g_hash_table_remove(ble->removing, cd->path);
    call_data_free(cd);
    /* bluetoothd has dropped the device and its link before it replies:
     * nothing sent from now on reaches it. */
    if (!kn_ble_bond_holding(ble))
        kn_ble_gatt_release(ble);
    kn_ble_state_changed(ble);
}

static void remove_device(KnBle *ble, const char *path, const char *why)
{
    g_autofree char *adapter = g_path_get_dirname(path);
    CallData *cd;

    if (!ble->bluez_owner || g_hash_table_contains(ble->removing, path))
        return;
    g_message("BLE: removing the bond of %s: %s", path, why);
    if (!ble->bond_cancel)
        ble->bond_cancel = g_cancellable_new();
    g_hash_table_add(ble->removing, g_strdup(path));
    cd = g_new0(CallData, 1);
    cd->ble = ble;
    cd->path = g_strdup(path);
    g_dbus_connection_call(ble->conn, ble->bluez_owner, adapter, IFACE_ADAPTER, "RemoveDevice",
                           g_variant_new("(o)", path), NULL, G_DBUS_CALL_FLAGS_NO_AUTO_START,
                           CALL_TIMEOUT_MS, ble->bond_cancel, removed, cd);
}

static void trusted(GObject *source, GAsyncResult *res, gpointer user_data)
{
    g_autofree char *path = user_data;
    g_autoptr(GError) error = NULL;
    g_autoptr(GVariant) ret = g_dbus_connection_call_finish(G_DBUS_CONNECTION(source), res, &error);

    /* Without the mark the next start of kneed removes the bond. */
    if (!ret && !g_error_matches(error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        g_warning("BLE: cannot mark %s as confirmed (Trusted): %s", path, error->message);
}

static void trust_device(KnBle *ble, const char *path)
{
    KnBleDevice *d = kn_ble_lookup_device(ble, path);

    /* At once: its next read must not wait for PropertiesChanged. */
    if (d)
        d->trusted = TRUE;
    if (!ble->bluez_owner)
        return;
    if (!ble->bond_cancel)
        ble->bond_cancel = g_cancellable_new();
    g_dbus_connection_call(ble->conn, ble->bluez_owner, path, IFACE_PROPERTIES, "Set",
                           g_variant_new("(ssv)", IFACE_DEVICE, "Trusted",
                                         g_variant_new_boolean(TRUE)),
                           NULL, G_DBUS_CALL_FLAGS_NO_AUTO_START, CALL_TIMEOUT_MS,
                           ble->bond_cancel, trusted, g_strdup(path));
}

/* ---- the bond waiting ---- */

static void end_pending(KnBle *ble, gboolean kept)
{
    g_autofree char *path = g_steal_pointer(&ble->bond_pending);

    g_clear_pointer(&ble->bond_pending_address, g_free);
    if (ble->bond_timeout_id) {
        GSource *src = g_main_context_find_source_by_id(ble->context, ble->bond_timeout_id);

        if (src)
            g_source_destroy(src);
        ble->bond_timeout_id = 0;
    }
    if (!kn_ble_bond_holding(ble))
        kn_ble_gatt_release(ble);
    kn_ble_agent_apply_pairable(ble);
    kn_ble_state_changed(ble);
    if (ble->hooks->bond_resolved)
        ble->hooks->bond_resolved(ble->hooks_data, path, kept);
}

gboolean kn_ble_resolve_bond(KnBle *ble, gboolean keep)
{
    if (!ble->bond_pending)
        return FALSE;
    if (keep) {
        g_message("BLE: the wearer confirmed the bond of %s", ble->bond_pending);
        trust_device(ble, ble->bond_pending);
    } else {
        remove_device(ble, ble->bond_pending, "the wearer refused it");
    }
    end_pending(ble, keep);
    return TRUE;
}

static gboolean confirm_timeout(gpointer data)
{
    KnBle *ble = data;

    ble->bond_timeout_id = 0;
    if (ble->bond_pending) {
        g_autofree char *why = g_strdup_printf("not confirmed within %u s", ble->cfg_bond_confirm_s);

        remove_device(ble, ble->bond_pending, why);
        end_pending(ble, FALSE);
    }
    return G_SOURCE_REMOVE;
}

void kn_ble_bond_device_paired(KnBle *ble, const char *path, const KnBleDevice *d, gboolean known)
{
    GSource *src;

    if (!on_adapter(ble, path) || g_strcmp0(path, ble->bond_pending) == 0)
        return;
    /* Confirmed before (or marked by an administrator). */
    if (kn_ble_device_confirmed(d))
        return;
    if (!known || !kn_ble_bond_window_open(ble)) {
        remove_device(ble, path,
                      ble->bond_pending || ble->window_bonded
                          ? "a second bond in the same pairing window"
                          : "made outside a pairing window, not confirmed by the wearer");
        return;
    }
    ble->bond_pending = g_strdup(path);
    ble->bond_pending_address = g_strdup(d->address ? d->address : "");
    ble->window_bonded = TRUE;
    /* Not _seconds: its first expiry may come up to a second early. */
    src = g_timeout_source_new(ble->cfg_bond_confirm_s * 1000);
    g_source_set_callback(src, confirm_timeout, ble, NULL);
    ble->bond_timeout_id = g_source_attach(src, ble->context);
    g_source_unref(src);
    g_message("BLE: %s (%s) bonded; it is kept once the wearer confirms it within %u s", path,
              ble->bond_pending_address, ble->cfg_bond_confirm_s);
    kn_ble_agent_apply_pairable(ble);
    kn_ble_state_changed(ble);
    if (ble->hooks->bond_pending)
        ble->hooks->bond_pending(ble->hooks_data, path, ble->bond_pending_address);
}

void kn_ble_bond_device_removed(KnBle *ble, const char *path)
{
    if (g_strcmp0(path, ble->bond_pending) != 0)
        return;
    g_info("BLE: %s went before the wearer confirmed its bond", path);
    end_pending(ble, FALSE);
}

void kn_ble_bond_sweep(KnBle *ble)
{
    GHashTableIter it;
    gpointer path, dev;
    g_autoptr(GPtrArray) doomed = g_ptr_array_new_with_free_func(g_free);

    if (!ble->adapter || !ble->om_loaded)
        return;
    g_hash_table_iter_init(&it, ble->devices);
    while (g_hash_table_iter_next(&it, &path, &dev))
        if (on_adapter(ble, path) && kn_ble_device_bonded(dev) && !((KnBleDevice *) dev)->trusted &&
            g_strcmp0(path, ble->bond_pending) != 0)
            g_ptr_array_add(doomed, g_strdup(path));
    for (guint i = 0; i < doomed->len; i++)
        remove_device(ble, doomed->pdata[i], "a bond the wearer never confirmed");
}

void kn_ble_bond_window_changed(KnBle *ble, gboolean open)
{
    /* A new window, or none: the next window makes its own bond. */
    ble->window_bonded = FALSE;
}

void kn_ble_bond_forget(KnBle *ble)
{
    if (ble->bond_cancel)
        g_cancellable_cancel(ble->bond_cancel);
    g_clear_object(&ble->bond_cancel);
    if (ble->bond_timeout_id) {
        GSource *src = g_main_context_find_source_by_id(ble->context, ble->bond_timeout_id);

        if (src)
            g_source_destroy(src);
        ble->bond_timeout_id = 0;
    }
    g_clear_pointer(&ble->bond_pending, g_free);
    g_clear_pointer(&ble->bond_pending_address, g_free);
    if (ble->removing)
        g_hash_table_remove_all(ble->removing);
}
