/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The BLE publisher: plugs the peripheral (daemon/ble/ble.h) into kneed's
 * core (daemon/publisher.h).  It feeds KnBle with what the core publishes
 * (the battery level too: the core's one, daemon/battery.h), turns control
 * point and pain writes into core control calls, and shows the state
 * of the peripheral as org.kneed.Kneed1.Bluetooth on
 * /org/kneed/Kneed1/bluetooth of the daemon's bus.
 *
 * The peripheral always talks to bluetoothd on the system bus, even when
 * kneed's API is on the session bus (development).
 */
#pragma once

#include "daemon/core.h"
#include "daemon/keyfile.h"

G_BEGIN_DECLS

#define KN_BLE_DBUS_PATH "/org/kneed/Kneed1/bluetooth"

typedef struct _KnBlePublisher KnBlePublisher;

/* Reads [bluetooth] from config (checked already by kn_config_load).
 * Returns NULL without error when it is disabled.  Without a system bus
 * it still returns a publisher, whose state says "unavailable".  manager
 * (may be NULL) is where the state object is exported. */
KnBlePublisher *kn_ble_publisher_new(KnCore *core, const KnKeyFile *config,
                                     GDBusObjectManagerServer *manager, GError **error);
void kn_ble_publisher_free(KnBlePublisher *pub);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(KnBlePublisher, kn_ble_publisher_free)

/* TRUE when config's [bluetooth] differs from the one pub runs with (a
 * reload must then replace the publisher).  pub may be NULL (disabled). */
gboolean kn_ble_publisher_config_changed(KnBlePublisher *pub, const KnKeyFile *config);

/* The pairing window a button press opens ([bluetooth] pairing_window_s). */
guint kn_ble_publisher_pairing_window_s(KnBlePublisher *pub);

/* What the radio does, for the sleeve's LED: a narrow view of the
 * peripheral's state (kn_ble_get_info), nothing of its insides. */
typedef enum {
    KN_BLE_LINK_OFF = 0,          /* no bluetoothd, adapter, or registration yet */
    KN_BLE_LINK_ADVERTISING,      /* registered and advertising, no phone connected */
    KN_BLE_LINK_CONNECTED,        /* at least one device connected */
} KnBleLink;

typedef void (*KnBleLinkFunc)(KnBleLink link, gpointer user_data);

/* How the wearer confirms a new bond (the sleeve's button, from main.c).
 * ask: a new bond waits; ask the wearer, who answers through
 * kn_ble_publisher_resolve_bond() within timeout_s.  FALSE when nobody
 * can be asked (no working button): kneectl pair confirm then.  cancel:
 * it was resolved otherwise (D-Bus, timeout, the device went). */
typedef struct {
    gboolean (*ask)(guint timeout_s, gpointer user_data);
    void (*cancel)(gpointer user_data);
} KnBleConfirmOps;

/* ops may be NULL (none). */
void kn_ble_publisher_set_confirm_ops(KnBlePublisher *pub, const KnBleConfirmOps *confirm,
                                      gpointer user_data);
/* Keeps or removes the bond waiting; FALSE when none waits (or pub is
 * NULL). */
gboolean kn_ble_publisher_resolve_bond(KnBlePublisher *pub, gboolean keep);

/* pub may be NULL (Bluetooth disabled): OFF. */
KnBleLink kn_ble_publisher_get_link(KnBlePublisher *pub);
/* func runs on every change of the link (may be NULL to stop). */
void kn_ble_publisher_set_link_func(KnBlePublisher *pub, KnBleLinkFunc func, gpointer user_data);

G_END_DECLS
