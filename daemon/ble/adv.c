/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The LE advertisement (org.bluez.LEAdvertisement1 at
 * /org/kneed/advertisement0).  bluetoothd reads it with GetAll when it is
 * registered; what it contains is planned by shared/adv-plan.c so that it
 * always fits the adapter (docs/gatt.md "Advertisement").
 */
#define G_LOG_DOMAIN "kneed"

#include <string.h>

#include "dbus/bluez-iface.h"
#include "daemon/ble/private.h"
#include "daemon/ble/shared/gatt-codec.h"

static char *machine_id_prefix(void)
{
    g_autofree char *id = NULL;

    if (!g_file_get_contents("/etc/machine-id", &id, NULL, NULL) || strlen(id) < 4 ||
        !g_ascii_isxdigit(id[0]) || !g_ascii_isxdigit(id[1]) || !g_ascii_isxdigit(id[2]) ||
        !g_ascii_isxdigit(id[3]))
        return g_strdup("0000");
    return g_ascii_strup(id, 4);
}

/* "Knee Sleeve XXXX": the adapter address's last two bytes. */
static char *default_name(KnBleAdapter *adapter)
{
    const char *addr = adapter ? adapter->address : NULL;

    if (addr && strlen(addr) == 17)
        return g_strdup_printf("Knee Sleeve %c%c%c%c", g_ascii_toupper(addr[12]),
                               g_ascii_toupper(addr[13]), g_ascii_toupper(addr[15]),
                               g_ascii_toupper(addr[16]));
    {
        g_autofree char *id = machine_id_prefix();

        return g_strdup_printf("Knee Sleeve %s", id);
    }
}

void kn_ble_adv_plan_update(KnBle *ble)
{
    KnBleAdapter *adapter = kn_ble_current_adapter(ble);
    struct kn_adv_plan_input in = { 0 };

    g_free(ble->local_name);
    ble->local_name = ble->cfg_name ? g_strdup(ble->cfg_name) : default_name(adapter);
    in.name = ble->local_name;
    in.want_rsc_uuid = TRUE;
    in.want_appearance = TRUE;
    in.max_adv_len = adapter ? adapter->max_adv_len : 0;
    in.max_scan_rsp_len = adapter ? adapter->max_scan_rsp_len : 0;
    kn_adv_plan_make(&in, &ble->adv_plan);
    g_debug("BLE: advertising %zu bytes (+%zu in the scan response) as \"%s\"",
            ble->adv_plan.adv_len, ble->adv_plan.scan_rsp_len, ble->adv_plan.name);
}

static GVariant *adv_get_property(GDBusConnection *conn, const char *sender, const char *path,
                                  const char *iface, const char *name, GError **error,
                                  gpointer user_data)
{
    KnBle *ble = user_data;
    const struct kn_adv_plan *p = &ble->adv_plan;

    if (!kn_ble_sender_is_bluetoothd(ble, sender, error))
        return NULL;
    if (g_str_equal(name, "Type"))
        return g_variant_new_string("peripheral");
    if (g_str_equal(name, "ServiceUUIDs") && (p->knee_uuid || p->rsc_uuid)) {
        const char *uuids[3];
        int n = 0;

        if (p->knee_uuid)
            uuids[n++] = KN_GATT_UUID_KNEE_SERVICE;
        if (p->rsc_uuid)
            uuids[n++] = KN_GATT_UUID_RSC_SERVICE;
        return g_variant_new_strv(uuids, n);
    }
    if (g_str_equal(name, "Discoverable") && p->discoverable)
        return g_variant_new_boolean(TRUE);
    if (g_str_equal(name, "Appearance") && p->appearance)
        return g_variant_new_uint16(KN_GATT_APPEARANCE_RUNNING_WALKING_SENSOR);
    if (g_str_equal(name, "LocalName") && p->name[0])
        return g_variant_new_string(p->name);
    /* Absent properties are not advertised (GetAll leaves them out). */
    g_set_error(error, G_DBUS_ERROR, G_DBUS_ERROR_UNKNOWN_PROPERTY, "%s is not advertised", name);
    return NULL;
}

static void adv_method_call(GDBusConnection *conn, const char *sender, const char *path,
                            const char *iface, const char *method, GVariant *params,
                            GDBusMethodInvocation *inv, gpointer user_data)
{
    KnBle *ble = user_data;

    if (!kn_ble_caller_is_bluetoothd(ble, inv))
        return;
    if (!g_str_equal(method, "Release")) {
        g_dbus_method_invocation_return_error(inv, G_DBUS_ERROR, G_DBUS_ERROR_UNKNOWN_METHOD,
                                              "No method %s", method);
        return;
    }
    g_dbus_method_invocation_return_value(inv, NULL);
    /* bluetoothd has dropped the advertisement (adapter reset, timeout):
     * register it again, through the retry delay so that a bluetoothd
     * that keeps releasing it is not hammered. */
    if (ble->reg_adv.state == KN_REG_DONE)
        kn_ble_reg_failed(ble, &ble->reg_adv, "advertisement", "released by bluetoothd");
}

static const GDBusInterfaceVTable adv_vtable = { adv_method_call, adv_get_property, NULL, { 0 } };

gboolean kn_ble_adv_export(KnBle *ble, GError **error)
{
    kn_ble_adv_plan_update(ble);
    ble->adv_reg_id = g_dbus_connection_register_object(
        ble->conn, KN_BLE_ADV_PATH, (GDBusInterfaceInfo *) &kn_bluez_leadvertisement1_interface,
        &adv_vtable, ble, NULL, error);
    return ble->adv_reg_id != 0;
}

void kn_ble_adv_unexport(KnBle *ble)
{
    if (ble->adv_reg_id)
        g_dbus_connection_unregister_object(ble->conn, ble->adv_reg_id);
    ble->adv_reg_id = 0;
}
