/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "daemon/battery.h"
#include "daemon/ble/config.h"
#include "daemon/modules.h"
#include "sleeve/sleeve-config.h"

/* A module not built in yet keeps its group accepted (check NULL) so that
 * a shared kneed.conf works with every build. */
static const KnConfigGroup module_groups[] = {
    { KN_BLE_CONFIG_GROUP, kn_ble_config_check_group, NULL,
      "The Bluetooth LE peripheral (docs/gatt.md)", kn_ble_config_keys },
    { KN_BATTERY_GROUP, kn_battery_check_group, NULL, "The board's battery (kneed.conf(5))",
      kn_battery_config_keys },
    { KN_SLEEVE_GROUP_BUTTON, kn_sleeve_settings_check_group, NULL,
      "The sleeve's button (docs/sleeve.md): a GPIO input line", kn_sleeve_button_keys },
    { KN_SLEEVE_GROUP_HAPTIC, kn_sleeve_settings_check_group, NULL,
      "The sleeve's vibration motor: a GPIO output line", kn_sleeve_haptic_keys },
    { KN_SLEEVE_GROUP_LED, kn_sleeve_settings_check_group, NULL,
      "The sleeve's LED: a GPIO output line", kn_sleeve_led_keys },
};

const KnConfigGroup *kn_config_modules(gsize *ret_n)
{
    *ret_n = G_N_ELEMENTS(module_groups);
    return module_groups;
}
