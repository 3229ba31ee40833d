/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The board's battery: a power_supply of the kernel (sysfs capacity and
 * status), read on the main loop every [battery] poll_s and handed to the
 * core (kn_core_set_battery), which publishes the one level every
 * publisher shows (D-Bus BatteryLevel, the BLE Battery Level and Status).
 * A small source of its own rather than part of a publisher (two
 * publishers reading it could tell two levels) or of a frame source (a
 * recording replayed on the sleeve still runs on the board's battery).
 * Without [battery] supply the source's battery applies (the simulated
 * sleeve has one).
 */
#pragma once

#include "daemon/config.h"
#include "daemon/core.h"

G_BEGIN_DECLS

#define KN_BATTERY_GROUP "battery"
#define KN_BATTERY_SUPPLY_MAX 256
#define KN_BATTERY_POLL_MIN_S 1
#define KN_BATTERY_POLL_MAX_S 3600

extern const KnConfigKey kn_battery_config_keys[];

/* KnConfigGroup check function for [battery]. */
gboolean kn_battery_check_group(const KnKeyFile *file, const char *group, gpointer user_data,
                                GError **error);

typedef struct _KnBattery KnBattery;

/* Reads [battery] (checked by kn_config_load already) and the level at
 * once.  NULL without error when no supply is configured. */
KnBattery *kn_battery_new(KnCore *core, const KnKeyFile *config, GError **error);
/* Gives the core back the source's battery.  Accepts NULL. */
void kn_battery_free(KnBattery *battery);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(KnBattery, kn_battery_free)

/* TRUE when config's [battery] differs from battery's (NULL: none). */
gboolean kn_battery_config_changed(KnBattery *battery, const KnKeyFile *config);

G_END_DECLS
