/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Inside KnBle: shared by ble.c (lifecycle, registrations), bluez.c
 * (bluetoothd's objects), gatt.c (the application objects), adv.c (the
 * advertisement), agent.c (the agent and the adapter's Pairable) and
 * bond.c (a new bond waiting for the wearer's confirmation).
 */
#pragma once

#include "daemon/ble/shared/adv-plan.h"
#include "daemon/ble/ble.h"


#define BLUEZ_SERVICE "org.bluez"
#define BLUEZ_ERROR "org.bluez.Error."
#define IFACE_ADAPTER "org.bluez.Adapter1"
#define IFACE_DEVICE "org.bluez.Device1"
#define IFACE_GATT_MANAGER "org.bluez.GattManager1"
#define IFACE_ADV_MANAGER "org.bluez.LEAdvertisingManager1"
#define IFACE_AGENT_MANAGER "org.bluez.AgentManager1"
#define IFACE_PROPERTIES "org.freedesktop.DBus.Properties"
#define IFACE_OBJECT_MANAGER "org.freedesktop.DBus.ObjectManager"
#define IFACE_GATT_SERVICE "org.bluez.GattService1"
#define IFACE_GATT_CHRC "org.bluez.GattCharacteristic1"
#define IFACE_ADVERTISEMENT "org.bluez.LEAdvertisement1"
#define IFACE_AGENT "org.bluez.Agent1"

typedef enum {
    KN_SVC_KNEE,
    KN_SVC_RSC,
    KN_SVC_BATTERY,
    KN_SVC_DIS,
    KN_SVC_COUNT
} KnSvc;

typedef enum {
    KN_CHR_LIVE,
    KN_CHR_ALERTS,
    KN_CHR_CONTROL,
    KN_CHR_PAIN,
    KN_CHR_STATUS,
    KN_CHR_RSC_MEASUREMENT,
    KN_CHR_RSC_FEATURE,
    KN_CHR_SENSOR_LOCATION,
    KN_CHR_SC_CONTROL,
    KN_CHR_BATTERY_LEVEL,
    KN_CHR_MANUFACTURER,
    KN_CHR_MODEL,
    KN_CHR_SERIAL,
    KN_CHR_HARDWARE_REV,
    KN_CHR_FIRMWARE_REV,
    KN_CHR_SOFTWARE_REV,
    KN_CHR_COUNT
} KnChr;

/* A registration with bluetoothd (application, advertisement, agent). */
typedef enum {
    KN_REG_NONE,                  /* not registered, nothing in flight */
    KN_REG_PENDING,               /* call in flight */
    KN_REG_DONE,
    KN_REG_WAIT_RETRY,            /* failed, retry timer armed */
} KnRegState;

typedef struct {
    KnRegState state;
    GCancellable *cancel;         /* of the call in flight */
    guint retry_id;
    guint backoff_s;
    char *error;                  /* last failure */
} KnReg;

typedef struct {
    char *path;
    gboolean has_adapter;
    gboolean has_gatt_manager;
    gboolean has_adv_manager;
    gboolean powered;
    gboolean pairable;
    char *address;
    int max_adv_len;              /* from SupportedCapabilities, 0 unknown */
    int max_scan_rsp_len;
    char **supported_includes;
} KnBleAdapter;

typedef struct {
    gboolean paired;
    gboolean bonded;
    gboolean has_bonded;          /* BlueZ >= 5.65 has the property */
    gboolean trusted;             /* kneed marks a bond the wearer confirmed */
    gboolean connected;
    char *address;
} KnBleDevice;

typedef struct {
    KnBle *ble;
    KnSvc id;
} KnSvcState;

typedef struct {
    KnBle *ble;
    KnChr id;
    guint reg_id;
    /* D-Bus unique name -> number of StartNotify calls not yet ended */
    GHashTable *subscribers;
    GHashTable *watches;          /* unique name -> name watch id */
    GBytes *value;                /* last value sent or read, for Value */
    GBytes *held;                 /* latest value not sent while a new bond waits */
    guint64 confirmations;
} KnChrState;

struct _KnBle {
    GDBusConnection *conn;
    GMainContext *context;

    /* configuration (owned copies) */
    char *cfg_adapter;
    char *cfg_name;
    gboolean cfg_power;
    double cfg_height_m;
    guint cfg_alert_queue;
    guint cfg_bond_confirm_s;
    char *dis[6];                 /* manufacturer, model, serial, hw, fw, sw */

    const KnBleHooks *hooks;
    gpointer hooks_data;

    /* exported objects */
    guint om_reg_id;
    guint svc_reg_id[KN_SVC_COUNT];
    KnSvcState svc[KN_SVC_COUNT];
    KnChrState chr[KN_CHR_COUNT];
    guint adv_reg_id;
    guint agent_reg_id;

    /* values */
    struct kn_gatt_live live;
    gboolean live_known;
    struct kn_gatt_alert last_alert;
    GQueue alert_queue;           /* of struct kn_gatt_alert *, oldest first */
    guint64 alerts_dropped;
    KnBleStatus status;
    struct kn_rsc_measurement rsc;
    double total_m;
    gboolean rsc_moving;          /* the last measurement sent had speed > 0 */
    gboolean cp_busy;             /* an asynchronous control point request runs */
    guint8 cp_busy_opcode;

    /* bluetoothd */
    guint name_watch_id;
    char *bluez_owner;            /* unique name, NULL when not running */
    guint sig_ifaces_added;
    guint sig_ifaces_removed;
    guint sig_props_changed;
    GCancellable *om_cancel;      /* GetManagedObjects in flight */
    gboolean om_loaded;
    gboolean has_agent_manager;
    GHashTable *adapters;         /* path -> KnBleAdapter */
    GHashTable *devices;          /* path -> KnBleDevice */
    char *adapter;                /* path of the adapter in use */
    char *local_name;             /* advertised */
    struct kn_adv_plan adv_plan;

    KnReg reg_app;
    KnReg reg_adv;
    KnReg reg_agent;
    guint64 registrations;
    guint64 registration_attempts;
    GCancellable *power_cancel;
    GCancellable *pairable_cancel;
    gboolean pairable_wanted_sent;    /* value of the last Pairable Set sent */
    gboolean pairable_sent;           /* a Set is outstanding or done for it */
    gboolean pairable_in_flight;      /* that Set awaits its reply */
    gboolean pairable_recheck;        /* the window changed meanwhile: look again at the reply */
    guint settings_retry_id;          /* Powered / Pairable after a refused Set */

    guint notify_idle_id;         /* coalesces state_changed */
    guint64 refused_calls;        /* method calls refused: not from bluetoothd */

    /* bond.c */
    char *bond_pending;           /* device path of the bond waiting for confirmation */
    char *bond_pending_address;
    guint bond_timeout_id;
    gboolean window_bonded;       /* this window made its bond: closed to others */
    GCancellable *bond_cancel;    /* RemoveDevice and Trusted calls in flight */
    GHashTable *removing;         /* device paths with a RemoveDevice in flight */
};

/* ble.c */
/* The one check of who calls kneed's BlueZ objects (application,
 * services, characteristics, advertisement, agent): TRUE when sender is
 * the current owner of org.bluez; else FALSE with
 * org.bluez.Error.NotPermitted in *error. */
gboolean kn_ble_sender_is_bluetoothd(KnBle *ble, const char *sender, GError **error);
/* The same for a method call: answers the refusal itself. */
gboolean kn_ble_caller_is_bluetoothd(KnBle *ble, GDBusMethodInvocation *inv);
void kn_ble_state_changed(KnBle *ble);
KnBleAdapter *kn_ble_current_adapter(KnBle *ble);
KnBleDevice *kn_ble_lookup_device(KnBle *ble, const char *path);
void kn_ble_reevaluate(KnBle *ble);
void kn_ble_reg_clear(KnReg *reg);
/* Forgets the registrations with the adapter in use (it is gone, or
 * bluetoothd is). */
void kn_ble_drop_adapter_registrations(KnBle *ble);
/* Records a failed (or dropped) registration and arms its retry timer:
 * 1, 2, 4 ... 30 s. */
void kn_ble_reg_failed(KnBle *ble, KnReg *reg, const char *what, const char *message);

/* bluez.c */
void kn_ble_bluez_watch(KnBle *ble);
void kn_ble_bluez_forget(KnBle *ble);
void kn_ble_adapter_free(gpointer data);

/* gatt.c */
gboolean kn_ble_gatt_export(KnBle *ble, GError **error);
void kn_ble_gatt_unexport(KnBle *ble);
/* The whole tree as GetManagedObjects returns it. */
GVariant *kn_ble_gatt_managed_objects(KnBle *ble);
/* Sends value as the characteristic's new Value to its subscribers. */
void kn_ble_gatt_notify(KnBle *ble, KnChr chr, const uint8_t *value, size_t len);
gboolean kn_ble_gatt_subscribed(KnBle *ble, KnChr chr);
guint kn_ble_gatt_subscriptions(KnBle *ble);
void kn_ble_gatt_live_changed(KnBle *ble);
void kn_ble_gatt_status_changed(KnBle *ble);
void kn_ble_gatt_alert_raised(KnBle *ble, const struct kn_gatt_alert *alert);
void kn_ble_gatt_rsc_changed(KnBle *ble);
void kn_ble_gatt_battery_changed(KnBle *ble);
void kn_ble_gatt_calibration_done(KnBle *ble, enum kn_cp_result result,
                                  const struct kn_calibration *cal);

/* adv.c */
gboolean kn_ble_adv_export(KnBle *ble, GError **error);
void kn_ble_adv_unexport(KnBle *ble);
/* Recomputes what is advertised for the current adapter. */
void kn_ble_adv_plan_update(KnBle *ble);

/* agent.c */
gboolean kn_ble_agent_export(KnBle *ble, GError **error);
void kn_ble_agent_unexport(KnBle *ble);
/* Makes the adapter's Pairable follow the pairing window. */
void kn_ble_agent_apply_pairable(KnBle *ble);

/* ble.c: bluetoothd refused an adapter setting (Busy while it powers
 * up): ask again in a second. */
void kn_ble_retry_settings(KnBle *ble);

/* bond.c (docs/gatt.md "Pairing") */
void kn_ble_device_free(gpointer data);
/* A bond bluetoothd keeps (Bonded; Paired before BlueZ 5.65). */
gboolean kn_ble_device_bonded(const KnBleDevice *d);
/* A bond the wearer confirmed: bonded and Trusted. */
gboolean kn_ble_device_confirmed(const KnBleDevice *d);
/* The agent and Pairable: the daemon's window is open and has not made
 * its bond yet, and no bond waits. */
gboolean kn_ble_bond_window_open(KnBle *ble);
/* A bond waits: encrypted characteristics send nothing (gatt.c). */
gboolean kn_ble_bond_holding(KnBle *ble);
/* device_update() saw path become paired (known: the device existed
 * before, so this is a pairing made now, not one bluetoothd reports). */
void kn_ble_bond_device_paired(KnBle *ble, const char *path, const KnBleDevice *d,
                               gboolean known);
/* The device object went. */
void kn_ble_bond_device_removed(KnBle *ble, const char *path);
/* Removes every bond on the adapter in use that the wearer did not
 * confirm (left by a restart while one waited, or made behind kneed). */
void kn_ble_bond_sweep(KnBle *ble);
/* The daemon's window opened or closed. */
void kn_ble_bond_window_changed(KnBle *ble, gboolean open);
/* kneed stops: forget a waiting bond without a word to bluetoothd (the
 * next start's sweep removes it). */
void kn_ble_bond_forget(KnBle *ble);
/* gatt.c: what was held while a bond waited goes out. */
void kn_ble_gatt_release(KnBle *ble);
