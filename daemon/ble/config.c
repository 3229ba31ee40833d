/* SPDX-License-Identifier: GPL-2.0-or-later */
#define G_LOG_DOMAIN "kneed"

#include <string.h>

#include "daemon/ble/config.h"
#include "daemon/ble/shared/adv-plan.h"

#define G KN_BLE_CONFIG_GROUP

const KnConfigKey kn_ble_config_keys[] = {
    { "enable", KN_CONFIG_KEY_BOOLEAN, 0, 0, "true", NULL, "Run the Bluetooth LE peripheral" },
    { "adapter", KN_CONFIG_KEY_TEXT, 1, KN_BLE_ADAPTER_MAX, NULL, "hci0",
      "Adapter name; unset: the first powered one (a configured one is never swapped)" },
    { "name", KN_CONFIG_KEY_TEXT, 1, KN_ADV_NAME_MAX, NULL, "Knee Sleeve",
      "Advertised name, UTF-8; unset: Knee Sleeve XXXX (the adapter address's last 2 bytes)" },
    { "power_adapter", KN_CONFIG_KEY_BOOLEAN, 0, 0, "true", NULL,
      "Power the adapter on when it is off" },
    { "pairing_window_s", KN_CONFIG_KEY_UINT, KN_BLE_PAIRING_WINDOW_MIN_S,
      KN_BLE_PAIRING_WINDOW_MAX_S, "120", NULL,
      "How long a long press of the button opens the pairing window, s" },
    { "bond_confirm_s", KN_CONFIG_KEY_UINT, KN_BLE_BOND_CONFIRM_MIN_S, KN_BLE_BOND_CONFIRM_MAX_S,
      "30", NULL,
      "How long a new bond waits for the wearer's yes (button, kneectl pair confirm), s" },
    { "height_cm", KN_CONFIG_KEY_UINT, KN_BLE_HEIGHT_MIN_CM, KN_BLE_HEIGHT_MAX_CM, "175", NULL,
      "The wearer's height, for the speed and stride length estimates, cm" },
    { "alert_queue", KN_CONFIG_KEY_UINT, KN_BLE_ALERT_QUEUE_MIN, KN_BLE_ALERT_QUEUE_MAX, "32",
      NULL, "Alerts kept while no phone is subscribed" },
    { "manufacturer", KN_CONFIG_KEY_TEXT, 1, KN_BLE_STRING_MAX, "kneed", NULL,
      "Device Information: Manufacturer Name String, UTF-8" },
    { "model", KN_CONFIG_KEY_TEXT, 1, KN_BLE_STRING_MAX, "Knee Sleeve", NULL,
      "Device Information: Model Number String, UTF-8" },
    { "serial", KN_CONFIG_KEY_TEXT, 1, KN_BLE_STRING_MAX, NULL, "SN-0001",
      "Device Information: Serial Number String; unset: 12 hex digits of /etc/machine-id" },
    { "hardware_revision", KN_CONFIG_KEY_TEXT, 1, KN_BLE_STRING_MAX, NULL, "B2",
      "Device Information: Hardware Revision String; unset: empty" },
    { "firmware_revision", KN_CONFIG_KEY_TEXT, 1, KN_BLE_STRING_MAX, NULL, "1.0",
      "Device Information: Firmware Revision String; unset: empty" },
    { NULL },
};

static gboolean get_uint(const KnKeyFile *f, const char *key, guint *inout, GError **error)
{
    guint64 v = *inout;

    /* The syntax here, the range in kn_ble_config_check(). */
    if (!kn_keyfile_get_uint(f, G, key, 0, G_MAXUINT, &v, error))
        return FALSE;
    *inout = (guint) v;
    return TRUE;
}

gboolean kn_ble_config_load(KnBleConfig *out, const KnKeyFile *f, GError **error)
{
    g_autoptr(GError) local = NULL;
    const char *key = NULL;
    KnBleConfig c = { 0 };
    gboolean ok;

    if (!kn_config_check_keys(f, G, kn_ble_config_keys, error))
        return FALSE;
    kn_ble_config_copy(&c, out);
    ok = kn_keyfile_get_boolean(f, G, "enable", &c.enable, error) &&
         kn_keyfile_get_string(f, G, "adapter", &c.adapter, error) &&
         kn_keyfile_get_string(f, G, "name", &c.name, error) &&
         kn_keyfile_get_boolean(f, G, "power_adapter", &c.power_adapter, error) &&
         get_uint(f, "pairing_window_s", &c.pairing_window_s, error) &&
         get_uint(f, "bond_confirm_s", &c.bond_confirm_s, error) &&
         get_uint(f, "height_cm", &c.height_cm, error) &&
         get_uint(f, "alert_queue", &c.alert_queue, error) &&
         kn_keyfile_get_string(f, G, "manufacturer", &c.manufacturer, error) &&
         kn_keyfile_get_string(f, G, "model", &c.model, error) &&
         kn_keyfile_get_string(f, G, "serial", &c.serial, error) &&
         kn_keyfile_get_string(f, G, "hardware_revision", &c.hardware_rev, error) &&
         kn_keyfile_get_string(f, G, "firmware_revision", &c.firmware_rev, error);
    if (ok && !kn_ble_config_check(&c, &key, &local)) {
        kn_keyfile_set_error(f, error, G, key, "%s", local->message);
        ok = FALSE;
    }
    if (ok)
        kn_ble_config_copy(out, &c);
    kn_ble_config_clear(&c);
    return ok;
}

gboolean kn_ble_config_check_group(const KnKeyFile *file, const char *group, gpointer user_data,
                                   GError **error)
{
    KnBleConfig c;
    gboolean ok;

    kn_ble_config_init(&c);
    ok = kn_ble_config_load(&c, file, error);
    kn_ble_config_clear(&c);
    return ok;
}
