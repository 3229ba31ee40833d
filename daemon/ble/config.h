/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The [bluetooth] group of kneed.conf (keys in docs/gatt.md,
 * "Configuration"), read with the daemon/keyfile.h helpers so that every
 * error names file, line and key.
 */
#pragma once

#include "daemon/ble/ble.h"
#include "daemon/keyfile.h"

G_BEGIN_DECLS

#define KN_BLE_CONFIG_GROUP "bluetooth"

typedef struct {
    gboolean enable;
    char *adapter;
    char *name;
    gboolean power_adapter;
    guint pairing_window_s;       /* for the sleeve's button */
    char *battery_supply;         /* power_supply name or directory; NULL: the source's */
    guint height_cm;
    guint alert_queue;
    char *manufacturer;
    char *model;
    char *serial;
    char *hardware_rev;
    char *firmware_rev;
} KnBleSettings;

void kn_ble_settings_init(KnBleSettings *s);
void kn_ble_settings_clear(KnBleSettings *s);
/* Reads and checks the group (absent keys keep their defaults).  On error
 * *s is left as it was. */
gboolean kn_ble_settings_load(KnBleSettings *s, const KnKeyFile *file, GError **error);
gboolean kn_ble_settings_equal(const KnBleSettings *a, const KnBleSettings *b);
/* A view of s as a KnBleConfig (pointers into s). */
void kn_ble_settings_to_config(const KnBleSettings *s, KnBleConfig *cfg);

/* KnConfigGroup check function for [bluetooth]. */
gboolean kn_ble_settings_check_group(const KnKeyFile *file, const char *group,
                                     gpointer user_data, GError **error);

G_END_DECLS
