/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * kneed as a Bluetooth LE peripheral through bluetoothd (docs/gatt.md).
 *
 * KnBle exports the GATT application, the advertisement and the pairing
 * agent on the system bus, follows bluetoothd and its adapters, and
 * (re-)registers them whenever bluetoothd or the adapter (re)appears.  It
 * is a publisher: the daemon feeds it live metrics, strides, alerts and
 * status, and it calls the hooks for what phones ask through the control
 * point and the pain report.  Everything runs on the thread-default main
 * context of kn_ble_new(); no call blocks.
 */
#pragma once

#include <gio/gio.h>

#include "analysis/analysis.h"
#include "daemon/ble/shared/gatt-codec.h"

G_BEGIN_DECLS

typedef struct _KnBle KnBle;

#define KN_BLE_APP_PATH "/org/kneed/ble"
#define KN_BLE_ADV_PATH "/org/kneed/advertisement0"
#define KN_BLE_AGENT_PATH "/org/kneed/agent"

/* The [bluetooth] group of kneed.conf (docs/gatt.md "Configuration"):
 * the one type for the peripheral, the publisher and the configuration
 * loader (daemon/ble/config.h).  Strings are owned (kn_ble_config_clear
 * frees them); NULL means unset. */
typedef struct {
    gboolean enable;              /* run the peripheral at all (the publisher's) */
    char *adapter;                /* "hci0"; NULL: the first powered adapter */
    char *name;                   /* advertised name; NULL: "Knee Sleeve XXXX" */
    gboolean power_adapter;       /* power the adapter on if it is off */
    guint pairing_window_s;       /* how long the sleeve's button opens the window */
    guint bond_confirm_s;         /* how long a new bond waits for the runner's yes */
    guint height_cm;              /* the wearer, for speed estimates */
    guint alert_queue;            /* alerts kept while nobody subscribes */
    char *manufacturer;           /* Device Information strings */
    char *model;
    char *serial;                 /* NULL: from /etc/machine-id */
    char *hardware_rev;
    char *firmware_rev;
    char *software_rev;           /* kneed's version; not a key of the file */
} KnBleConfig;

#define KN_BLE_PAIRING_WINDOW_MIN_S 1
#define KN_BLE_PAIRING_WINDOW_MAX_S 600
#define KN_BLE_BOND_CONFIRM_MIN_S 1
#define KN_BLE_BOND_CONFIRM_MAX_S 300
#define KN_BLE_HEIGHT_MIN_CM 50
#define KN_BLE_HEIGHT_MAX_CM 250
#define KN_BLE_ALERT_QUEUE_MIN 1
#define KN_BLE_ALERT_QUEUE_MAX 1024
#define KN_BLE_ADAPTER_MAX 32         /* bytes of an adapter name */
#define KN_BLE_STRING_MAX 64          /* bytes of a Device Information string */

/* Defaults: enabled, no adapter preference, default name, power on, a
 * 120 s window, 30 s to confirm a bond, 175 cm, 32 alerts, kneed's
 * version as software revision. */
void kn_ble_config_init(KnBleConfig *cfg);
void kn_ble_config_clear(KnBleConfig *cfg);
void kn_ble_config_copy(KnBleConfig *dst, const KnBleConfig *src);
gboolean kn_ble_config_equal(const KnBleConfig *a, const KnBleConfig *b);
/* The one validator of the [bluetooth] group (the file's loader calls
 * it too): ranges, adapter name, strings of 1..max bytes of UTF-8 (name
 * at most 29).  On error *ret_key (may be NULL) is the key at fault and
 * the G_IO_ERROR_INVALID_ARGUMENT message says what is wrong with it. */
gboolean kn_ble_config_check(const KnBleConfig *cfg, const char **ret_key, GError **error);

/* What the daemon tells the BLE module about itself. */
typedef struct {
    enum kn_gatt_state state;
    enum kn_gatt_source source;
    enum kn_side side;
    guint8 sensors_present;       /* enum kn_sensor_bits */
    guint8 sensors_failed;
    int battery_pct;              /* -1 unknown */
    gboolean charging;
    gboolean session_active;
    gboolean coaching;
    gboolean clock_set;           /* a client set the wall clock */
    gboolean pairing_window_open;
    guint pairing_window_remaining_s;
    gboolean storage_present;
    int storage_pct;              /* -1 unknown */
    guint16 error_bits;           /* enum kn_gatt_status_error */
    guint pain_marks_unscored;    /* pain marks waiting for a score */
} KnBleStatus;

void kn_ble_status_init(KnBleStatus *st);

typedef struct {
    guint64 seq;                  /* the daemon's alert sequence number */
    gint64 wall_us;               /* the wall clock when it was raised */
    gboolean clock_set;           /* that clock was set by a client */
    struct kn_alert alert;
} KnBleAlert;

/* A pain mark as the control point's Get Pain Mark returns it. */
typedef struct {
    guint64 id;
    gint64 wall_us;               /* when it was marked */
    guint waiting;                /* marks waiting for a score, this one included */
} KnBlePainMark;

/* Control hooks: what phones ask for.  Every member is required except
 * get_pain_mark, bond_pending, bond_resolved and state_changed.  Result
 * codes as docs/gatt.md. */
typedef struct {
    enum kn_cp_result (*start_session)(gpointer data);
    enum kn_cp_result (*stop_session)(gpointer data);
    /* Starts a calibration; it ends with kn_ble_complete_calibration(),
     * which may be called before this returns. */
    void (*calibrate)(gpointer data, KnBle *ble);
    enum kn_cp_result (*set_param)(gpointer data, enum kn_param_id id, double value);
    enum kn_cp_result (*get_param)(gpointer data, enum kn_param_id id, double *ret_value);
    enum kn_cp_result (*set_time)(gpointer data, gint64 unix_us);
    enum kn_cp_result (*identify)(gpointer data, guint duration_ms);
    enum kn_cp_result (*start_coaching)(gpointer data, double target_spm);
    enum kn_cp_result (*stop_coaching)(gpointer data);
    /* 0; -ERANGE when a field is refused as out of range; -ENOENT when
     * pain->mark_id names no mark waiting for a score; another negative
     * errno when the report could not be recorded.  Nothing recorded on
     * error. */
    int (*report_pain)(gpointer data, const struct kn_gatt_pain *pain);
    /* The index-th pain mark waiting for a score, oldest first;
     * KN_CP_NOT_AVAILABLE when there are not that many (may be NULL: the
     * opcode is then not supported). */
    enum kn_cp_result (*get_pain_mark)(gpointer data, guint index, KnBlePainMark *ret);
    /* A device bonded during the pairing window: the bond waits for the
     * wearer's confirmation (kn_ble_resolve_bond) for bond_confirm_s, the
     * window is closed to other devices (may be NULL). */
    void (*bond_pending)(gpointer data, const char *device_path, const char *address);
    /* The waiting bond was kept or removed: by kn_ble_resolve_bond(),
     * because its time was up, or because it went (may be NULL). */
    void (*bond_resolved)(gpointer data, const char *device_path, gboolean kept);
    /* kn_ble_get_info() changed (may be NULL). */
    void (*state_changed)(gpointer data);
} KnBleHooks;

typedef enum {
    KN_BLE_NO_BLUETOOTHD = 0,     /* org.bluez has no owner */
    KN_BLE_NO_ADAPTER,            /* bluetoothd runs, no (matching) adapter */
    KN_BLE_ADAPTER_OFF,           /* adapter present but not powered */
    KN_BLE_REGISTERING,           /* registrations in flight or being retried */
    KN_BLE_READY,                 /* application and advertisement registered */
} KnBleState;

const char *kn_ble_state_to_string(KnBleState state);

typedef struct {
    KnBleState state;
    const char *adapter;          /* object path, NULL */
    const char *address;          /* adapter address, NULL */
    const char *local_name;       /* what is advertised */
    gboolean app_registered;
    gboolean adv_registered;
    gboolean agent_registered;
    gboolean pairable;            /* as bluetoothd reports it */
    guint subscriptions;          /* notification sessions, all characteristics */
    guint connected;              /* devices connected to the adapter in use */
    guint alerts_queued;
    guint64 alerts_dropped;
    guint64 registrations;        /* successful RegisterApplication calls */
    guint64 registration_attempts;    /* Register* calls sent (application, advertisement,
                                       * agent), successful or not */
    guint64 refused_calls;        /* calls to kneed's BlueZ objects not from bluetoothd */
    const char *last_error;       /* of the last failed registration, NULL */
    const char *pending_bond;     /* device path of the bond waiting for confirmation */
    const char *pending_bond_address;
} KnBleInfo;

/* Exports the objects on system_bus and starts following bluetoothd.
 * Fails only if the objects cannot be exported (another process or
 * object already owns the paths) or cfg does not check. */
KnBle *kn_ble_new(GDBusConnection *system_bus, const KnBleConfig *cfg,
                  const KnBleHooks *hooks, gpointer hooks_data, GError **error);
/* Unregisters from bluetoothd (without waiting), unexports everything.
 * Accepts NULL. */
void kn_ble_free(KnBle *ble);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(KnBle, kn_ble_free)

void kn_ble_update_live(KnBle *ble, const struct kn_live *live);
void kn_ble_push_stride(KnBle *ble, const struct kn_stride *stride);
void kn_ble_push_alert(KnBle *ble, const KnBleAlert *alert);
void kn_ble_update_status(KnBle *ble, const KnBleStatus *status);
/* Ends the calibration started by hooks->calibrate.  cal is read only on
 * KN_CP_SUCCESS. */
void kn_ble_complete_calibration(KnBle *ble, enum kn_cp_result result,
                                 const struct kn_calibration *cal);

/* Pointers stay valid until the next main-loop iteration. */
void kn_ble_get_info(KnBle *ble, KnBleInfo *ret);

/* Keeps (the device is marked Trusted: a bond the wearer confirmed) or
 * removes (Adapter1.RemoveDevice, which also drops the link) the bond
 * waiting for confirmation; hooks->bond_resolved follows.  FALSE when no
 * bond waits. */
gboolean kn_ble_resolve_bond(KnBle *ble, gboolean keep);

G_END_DECLS
