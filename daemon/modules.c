/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "daemon/ble/config.h"
#include "daemon/modules.h"
#include "sleeve/sleeve-config.h"

/* A module not built in yet keeps its group accepted (check NULL) so that
 * a shared kneed.conf works with every build. */
static const KnConfigGroup module_groups[] = {
    { KN_BLE_CONFIG_GROUP, kn_ble_settings_check_group, NULL },   /* the BLE peripheral */
    { KN_SLEEVE_GROUP_BUTTON, kn_sleeve_settings_check_group, NULL },   /* the sleeve's I/O */
    { KN_SLEEVE_GROUP_HAPTIC, kn_sleeve_settings_check_group, NULL },
    { KN_SLEEVE_GROUP_LED, kn_sleeve_settings_check_group, NULL },
};

const KnConfigGroup *kn_config_modules(gsize *ret_n)
{
    *ret_n = G_N_ELEMENTS(module_groups);
    return module_groups;
}
