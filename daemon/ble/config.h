/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The [bluetooth] group of kneed.conf (keys in docs/gatt.md,
 * "Configuration") into a KnBleConfig (daemon/ble/ble.h).  The file is
 * read with the daemon/keyfile.h helpers, which check the syntax of each
 * value (a boolean, a whole number), and the whole is checked by
 * kn_ble_config_check(), the one validator, so every error names file,
 * line and key.  kn_ble_config_keys is the group's keys table
 * (daemon/config.h): the unknown-key check and kneed --print-config.
 */
#pragma once

#include "daemon/ble/ble.h"
#include "daemon/config.h"

G_BEGIN_DECLS

#define KN_BLE_CONFIG_GROUP "bluetooth"

extern const KnConfigKey kn_ble_config_keys[];

/* Reads and checks the group (absent keys keep *cfg's values: start from
 * kn_ble_config_init).  On error *cfg is left as it was. */
gboolean kn_ble_config_load(KnBleConfig *cfg, const KnKeyFile *file, GError **error);

/* KnConfigGroup check function for [bluetooth]. */
gboolean kn_ble_config_check_group(const KnKeyFile *file, const char *group,
                                   gpointer user_data, GError **error);

G_END_DECLS
