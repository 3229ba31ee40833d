/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The GATT application: one object tree under its own ObjectManager at
 * /org/kneed/ble, exported with g_dbus_connection_register_object() and
 * the interface descriptions of dbus/ (gdbus-codegen --interface-info).
 * Not gdbus-codegen skeletons: a skeleton batches property changes in an
 * idle callback and drops a change to an equal value, while every alert
 * must leave as its own PropertiesChanged, at once and in order.
 *
 * Value changes go as PropertiesChanged addressed to each D-Bus peer that
 * called StartNotify (bluetoothd), never broadcast: health data must not
 * reach every process listening on the system bus.
 */
#define G_LOG_DOMAIN "kneed"

#include <errno.h>
#include <math.h>
#include <string.h>

#include "dbus/bluez-iface.h"
#include "daemon/ble/private.h"

enum {
    CAP_READ = 1 << 0,
    CAP_WRITE = 1 << 1,
    CAP_NOTIFY = 1 << 2,
    CAP_INDICATE = 1 << 3,
    CAP_BONDED = 1 << 4,          /* writes only from confirmed bonds */
    CAP_ENCRYPTED = 1 << 5,       /* an encrypt-* flag: reads need a confirmed bond, and
                                   * nothing is sent while a new bond waits (bond.c) */
};

/* BlueZ flags: docs/gatt.md explains each choice. */
static const char *const f_enc_read_notify[] = { "encrypt-read", "encrypt-notify", NULL };
static const char *const f_enc_read_indicate[] = { "encrypt-read", "encrypt-indicate", NULL };
static const char *const f_enc_write_indicate[] = { "encrypt-write", "encrypt-indicate", NULL };
static const char *const f_enc_write[] = { "encrypt-write", NULL };
static const char *const f_enc_notify[] = { "encrypt-notify", NULL };
static const char *const f_enc_read[] = { "encrypt-read", NULL };
static const char *const f_read[] = { "read", NULL };
static const char *const f_read_notify[] = { "read", "notify", NULL };

static const struct {
    const char *path;
    const char *uuid;
} services[KN_SVC_COUNT] = {
    [KN_SVC_KNEE] = { KN_BLE_APP_PATH "/knee", KN_GATT_UUID_KNEE_SERVICE },
    [KN_SVC_RSC] = { KN_BLE_APP_PATH "/rsc", KN_GATT_UUID_RSC_SERVICE },
    [KN_SVC_BATTERY] = { KN_BLE_APP_PATH "/battery", KN_GATT_UUID_BATTERY_SERVICE },
    [KN_SVC_DIS] = { KN_BLE_APP_PATH "/dis", KN_GATT_UUID_DIS_SERVICE },
};

static const struct {
    KnSvc svc;
    const char *path;
    const char *uuid;
    const char *const *flags;
    unsigned caps;
} chrs[KN_CHR_COUNT] = {
    [KN_CHR_LIVE] = { KN_SVC_KNEE, KN_BLE_APP_PATH "/knee/live", KN_GATT_UUID_LIVE,
                      f_enc_read_notify, CAP_READ | CAP_NOTIFY | CAP_ENCRYPTED },
    [KN_CHR_ALERTS] = { KN_SVC_KNEE, KN_BLE_APP_PATH "/knee/alerts", KN_GATT_UUID_ALERTS,
                        f_enc_read_indicate, CAP_READ | CAP_INDICATE | CAP_ENCRYPTED },
    [KN_CHR_CONTROL] = { KN_SVC_KNEE, KN_BLE_APP_PATH "/knee/control", KN_GATT_UUID_CONTROL,
                         f_enc_write_indicate,
                         CAP_WRITE | CAP_INDICATE | CAP_BONDED | CAP_ENCRYPTED },
    [KN_CHR_PAIN] = { KN_SVC_KNEE, KN_BLE_APP_PATH "/knee/pain", KN_GATT_UUID_PAIN,
                      f_enc_write, CAP_WRITE | CAP_BONDED | CAP_ENCRYPTED },
    [KN_CHR_STATUS] = { KN_SVC_KNEE, KN_BLE_APP_PATH "/knee/status", KN_GATT_UUID_STATUS,
                        f_enc_read_notify, CAP_READ | CAP_NOTIFY | CAP_ENCRYPTED },
    [KN_CHR_RSC_MEASUREMENT] = { KN_SVC_RSC, KN_BLE_APP_PATH "/rsc/measurement",
                                 KN_GATT_UUID_RSC_MEASUREMENT, f_enc_notify,
                                 CAP_NOTIFY | CAP_ENCRYPTED },
    [KN_CHR_RSC_FEATURE] = { KN_SVC_RSC, KN_BLE_APP_PATH "/rsc/feature",
                             KN_GATT_UUID_RSC_FEATURE, f_read, CAP_READ },
    [KN_CHR_SENSOR_LOCATION] = { KN_SVC_RSC, KN_BLE_APP_PATH "/rsc/location",
                                 KN_GATT_UUID_SENSOR_LOCATION, f_read, CAP_READ },
    [KN_CHR_SC_CONTROL] = { KN_SVC_RSC, KN_BLE_APP_PATH "/rsc/control", KN_GATT_UUID_SC_CONTROL,
                            f_enc_write_indicate,
                            CAP_WRITE | CAP_INDICATE | CAP_BONDED | CAP_ENCRYPTED },
    [KN_CHR_BATTERY_LEVEL] = { KN_SVC_BATTERY, KN_BLE_APP_PATH "/battery/level",
                               KN_GATT_UUID_BATTERY_LEVEL, f_read_notify, CAP_READ | CAP_NOTIFY },
    [KN_CHR_MANUFACTURER] = { KN_SVC_DIS, KN_BLE_APP_PATH "/dis/manufacturer",
                              KN_GATT_UUID_MANUFACTURER, f_read, CAP_READ },
    [KN_CHR_MODEL] = { KN_SVC_DIS, KN_BLE_APP_PATH "/dis/model", KN_GATT_UUID_MODEL,
                       f_read, CAP_READ },
    [KN_CHR_SERIAL] = { KN_SVC_DIS, KN_BLE_APP_PATH "/dis/serial", KN_GATT_UUID_SERIAL,
                        f_enc_read, CAP_READ | CAP_ENCRYPTED },
    [KN_CHR_HARDWARE_REV] = { KN_SVC_DIS, KN_BLE_APP_PATH "/dis/hardware",
                              KN_GATT_UUID_HARDWARE_REV, f_read, CAP_READ },
    [KN_CHR_FIRMWARE_REV] = { KN_SVC_DIS, KN_BLE_APP_PATH "/dis/firmware",
                              KN_GATT_UUID_FIRMWARE_REV, f_read, CAP_READ },
    [KN_CHR_SOFTWARE_REV] = { KN_SVC_DIS, KN_BLE_APP_PATH "/dis/software",
                              KN_GATT_UUID_SOFTWARE_REV, f_read, CAP_READ },
};

#define VALUE_MAX 80

static void return_error(GDBusMethodInvocation *inv, const char *name, const char *msg)
{
    g_autofree char *full = g_strconcat(BLUEZ_ERROR, name, NULL);

    g_dbus_method_invocation_return_dbus_error(inv, full, msg);
}

/* An application ATT error (0x80-0x9f): bluetoothd >= 5.66 takes the code
 * from the message of org.bluez.Error.Failed. */
static void return_att_app_error(GDBusMethodInvocation *inv, guint8 code)
{
    char msg[8];

    g_snprintf(msg, sizeof(msg), "0x%02x", code);
    return_error(inv, "Failed", msg);
}

/* ---- values ---- */

static void build_status(KnBle *ble, struct kn_gatt_status *s)
{
    const KnBleStatus *st = &ble->status;

    memset(s, 0, sizeof(*s));
    s->state = st->state;
    s->source = st->source;
    s->sensors_present = st->sensors_present;
    s->sensors_failed = st->sensors_failed;
    s->battery_pct = st->battery_pct;
    s->session_active = st->session_active;
    s->coaching = st->coaching;
    s->clock_set = st->clock_set;
    s->pairing_window = st->pairing_window_open;
    s->charging = st->charging;
    s->storage_present = st->storage_present;
    s->storage_pct = st->storage_pct;
    s->error_bits = st->error_bits;
    s->alerts_dropped = (uint32_t) MIN(ble->alerts_dropped, G_MAXUINT32);
    s->alerts_queued = g_queue_get_length(&ble->alert_queue);
    s->side = (uint8_t) st->side;
    s->pain_marks = st->pain_marks_unscored;
}

static const char *dis_string(KnBle *ble, KnChr c)
{
    const char *s = ble->dis[c - KN_CHR_MANUFACTURER];

    return s ? s : "";
}

/* The current value of a readable characteristic; mtu 0 = unknown. */
static int build_value(KnBle *ble, KnChr c, guint16 mtu, uint8_t *buf, size_t size)
{
    struct kn_gatt_live empty;
    struct kn_gatt_status status;
    size_t n;

    switch (c) {
    case KN_CHR_LIVE:
        if (!ble->live_known)
            kn_gatt_live_clear(&empty);
        return kn_gatt_live_pack(ble->live_known ? &ble->live : &empty,
                                 kn_gatt_live_form_for_mtu(mtu), buf, size);
    case KN_CHR_ALERTS:
        return kn_gatt_alert_pack(&ble->last_alert, buf, size);
    case KN_CHR_STATUS:
        build_status(ble, &status);
        return kn_gatt_status_pack(&status, buf, size);
    case KN_CHR_RSC_MEASUREMENT:
        return kn_rsc_measurement_pack(&ble->rsc, buf, size);
    case KN_CHR_RSC_FEATURE:
        return kn_rsc_feature_pack(KN_RSC_FEATURES, buf, size);
    case KN_CHR_SENSOR_LOCATION:
        buf[0] = KN_SENSOR_LOCATION_OTHER;
        return 1;
    case KN_CHR_BATTERY_LEVEL:
        return kn_battery_level_pack(ble->status.battery_pct, buf, size);
    case KN_CHR_MANUFACTURER:
    case KN_CHR_MODEL:
    case KN_CHR_SERIAL:
    case KN_CHR_HARDWARE_REV:
    case KN_CHR_FIRMWARE_REV:
    case KN_CHR_SOFTWARE_REV:
        n = MIN(strlen(dis_string(ble, c)), size);
        memcpy(buf, dis_string(ble, c), n);
        return (int) n;
    case KN_CHR_CONTROL:
    case KN_CHR_PAIN:
    case KN_CHR_SC_CONTROL:
    case KN_CHR_COUNT:
        return 0;
    }
    return 0;
}

/* ---- subscriptions ---- */

gboolean kn_ble_gatt_subscribed(KnBle *ble, KnChr chr)
{
    return g_hash_table_size(ble->chr[chr].subscribers) > 0;
}

guint kn_ble_gatt_subscriptions(KnBle *ble)
{
    guint n = 0;

    for (int c = 0; c < KN_CHR_COUNT; c++) {
        GHashTableIter it;
        gpointer count;

        if (!ble->chr[c].subscribers)
            continue;
        g_hash_table_iter_init(&it, ble->chr[c].subscribers);
        while (g_hash_table_iter_next(&it, NULL, &count))
            n += GPOINTER_TO_UINT(count);
    }
    return n;
}

/* PropertiesChanged addressed to each subscriber (and to `also`). */
static void emit_changed(KnBle *ble, KnChr c, const char *prop, GVariant *value,
                         const char *also)
{
    GVariantBuilder changed;
    g_autoptr(GVariant) params = NULL;
    GHashTableIter it;
    gpointer sender;

    g_variant_builder_init(&changed, G_VARIANT_TYPE_VARDICT);
    g_variant_builder_add(&changed, "{sv}", prop, value);
    params = g_variant_ref_sink(g_variant_new("(sa{sv}as)", IFACE_GATT_CHRC, &changed, NULL));

    g_hash_table_iter_init(&it, ble->chr[c].subscribers);
    while (g_hash_table_iter_next(&it, &sender, NULL)) {
        g_autoptr(GError) error = NULL;

        if (!g_dbus_connection_emit_signal(ble->conn, *(char *) sender ? sender : NULL,
                                           chrs[c].path, IFACE_PROPERTIES,
                                           "PropertiesChanged", params, &error))
            g_warning("BLE: cannot send %s of %s: %s", prop, chrs[c].path, error->message);
    }
    if (also && !g_hash_table_contains(ble->chr[c].subscribers, also))
        g_dbus_connection_emit_signal(ble->conn, *also ? also : NULL, chrs[c].path,
                                      IFACE_PROPERTIES, "PropertiesChanged", params, NULL);
}

static void set_value(KnBle *ble, KnChr c, const uint8_t *value, size_t len)
{
    g_clear_pointer(&ble->chr[c].value, g_bytes_unref);
    ble->chr[c].value = g_bytes_new(value, len);
}

void kn_ble_gatt_notify(KnBle *ble, KnChr c, const uint8_t *value, size_t len)
{
    /* bluetoothd would send it to the bond that waits too: the latest
     * value goes out once it is kept or gone (kn_ble_gatt_release). */
    if ((chrs[c].caps & CAP_ENCRYPTED) && kn_ble_bond_holding(ble)) {
        g_clear_pointer(&ble->chr[c].held, g_bytes_unref);
        ble->chr[c].held = g_bytes_new(value, len);
        return;
    }
    set_value(ble, c, value, len);
    if (!kn_ble_gatt_subscribed(ble, c))
        return;
    emit_changed(ble, c, "Value",
                 g_variant_new_fixed_array(G_VARIANT_TYPE_BYTE, value, len, 1), NULL);
}

static gboolean same_as_sent(KnBle *ble, KnChr c, const uint8_t *value, size_t len)
{
    GBytes *old = ble->chr[c].value;
    gsize old_len;
    const void *old_data;

    if (!old)
        return FALSE;
    old_data = g_bytes_get_data(old, &old_len);
    return old_len == len && memcmp(old_data, value, len) == 0;
}

static void notify_if_changed(KnBle *ble, KnChr c, guint16 mtu)
{
    uint8_t buf[VALUE_MAX];
    int n = build_value(ble, c, mtu, buf, sizeof(buf));

    if (n < 0 || same_as_sent(ble, c, buf, (size_t) n))
        return;
    kn_ble_gatt_notify(ble, c, buf, (size_t) n);
}

static void send_alert(KnBle *ble, const struct kn_gatt_alert *a)
{
    uint8_t buf[KN_GATT_ALERT_LEN];
    int n = kn_gatt_alert_pack(a, buf, sizeof(buf));

    if (n > 0)
        kn_ble_gatt_notify(ble, KN_CHR_ALERTS, buf, (size_t) n);
}

/* Queued alerts go out in raising order, marked late. */
static void flush_alert_queue(KnBle *ble)
{
    struct kn_gatt_alert *a;

    if (g_queue_is_empty(&ble->alert_queue))
        return;
    while ((a = g_queue_pop_head(&ble->alert_queue))) {
        a->late = TRUE;
        send_alert(ble, a);
        g_free(a);
    }
    /* The Value of the characteristic stays the latest alert raised. */
    kn_ble_gatt_status_changed(ble);
}

void kn_ble_gatt_alert_raised(KnBle *ble, const struct kn_gatt_alert *alert)
{
    ble->last_alert = *alert;
    /* While a new bond waits alerts queue as if nobody listened. */
    if (kn_ble_gatt_subscribed(ble, KN_CHR_ALERTS) && !kn_ble_bond_holding(ble)) {
        send_alert(ble, alert);
        return;
    }
    g_queue_push_tail(&ble->alert_queue, g_memdup2(alert, sizeof(*alert)));
    while (g_queue_get_length(&ble->alert_queue) > ble->cfg_alert_queue) {
        g_free(g_queue_pop_head(&ble->alert_queue));
        ble->alerts_dropped++;
    }
    kn_ble_gatt_status_changed(ble);
    kn_ble_state_changed(ble);
}

void kn_ble_gatt_live_changed(KnBle *ble)
{
    /* Notifications carry the compact form (docs/gatt.md). */
    if (kn_ble_gatt_subscribed(ble, KN_CHR_LIVE))
        notify_if_changed(ble, KN_CHR_LIVE, 23);
}

void kn_ble_gatt_status_changed(KnBle *ble)
{
    notify_if_changed(ble, KN_CHR_STATUS, 0);
}

void kn_ble_gatt_battery_changed(KnBle *ble)
{
    notify_if_changed(ble, KN_CHR_BATTERY_LEVEL, 0);
}

void kn_ble_gatt_rsc_changed(KnBle *ble)
{
    uint8_t buf[KN_RSC_MEASUREMENT_MAX_LEN];
    int n = kn_rsc_measurement_pack(&ble->rsc, buf, sizeof(buf));

    /* Every stride is a measurement, even if equal to the previous one. */
    if (n > 0)
        kn_ble_gatt_notify(ble, KN_CHR_RSC_MEASUREMENT, buf, (size_t) n);
}

/* Sent when a characteristic gets its first subscriber. */
static void on_first_subscriber(KnBle *ble, KnChr c)
{
    switch (c) {
    case KN_CHR_ALERTS:
        if (!kn_ble_bond_holding(ble))
            flush_alert_queue(ble);
        break;
    case KN_CHR_LIVE:
        if (ble->live_known) {
            g_clear_pointer(&ble->chr[c].value, g_bytes_unref);
            kn_ble_gatt_live_changed(ble);
        }
        break;
    case KN_CHR_STATUS:
    case KN_CHR_BATTERY_LEVEL:
        g_clear_pointer(&ble->chr[c].value, g_bytes_unref);
        notify_if_changed(ble, c, 0);
        break;
    case KN_CHR_CONTROL:
    case KN_CHR_PAIN:
    case KN_CHR_RSC_MEASUREMENT:
    case KN_CHR_RSC_FEATURE:
    case KN_CHR_SENSOR_LOCATION:
    case KN_CHR_SC_CONTROL:
    case KN_CHR_MANUFACTURER:
    case KN_CHR_MODEL:
    case KN_CHR_SERIAL:
    case KN_CHR_HARDWARE_REV:
    case KN_CHR_FIRMWARE_REV:
    case KN_CHR_SOFTWARE_REV:
    case KN_CHR_COUNT:
        break;
    }
}

static void subscriber_vanished(GDBusConnection *conn, const char *name, gpointer user_data);

static void drop_subscriber(KnChrState *st, const char *sender)
{
    gpointer watch;

    if (g_hash_table_lookup_extended(st->watches, sender, NULL, &watch)) {
        g_bus_unwatch_name(GPOINTER_TO_UINT(watch));
        g_hash_table_remove(st->watches, sender);
    }
    g_hash_table_remove(st->subscribers, sender);
}

static void subscriber_vanished(GDBusConnection *conn, const char *name, gpointer user_data)
{
    KnChrState *st = user_data;
    KnBle *ble = st->ble;
    g_autofree char *owned = g_strdup(name);

    if (!g_hash_table_contains(st->subscribers, owned))
        return;
    g_debug("BLE: %s left the bus: its subscription to %s ends", owned, chrs[st->id].path);
    drop_subscriber(st, owned);
    if (!kn_ble_gatt_subscribed(ble, st->id))
        emit_changed(ble, st->id, "Notifying", g_variant_new_boolean(FALSE), NULL);
    kn_ble_state_changed(ble);
}

static void start_notify(KnChrState *st, GDBusMethodInvocation *inv)
{
    KnBle *ble = st->ble;
    const char *sender = g_dbus_method_invocation_get_sender(inv);
    gboolean was = kn_ble_gatt_subscribed(ble, st->id);
    guint count;

    if (!(chrs[st->id].caps & (CAP_NOTIFY | CAP_INDICATE))) {
        return_error(inv, "NotSupported", "This characteristic neither notifies nor indicates");
        return;
    }
    if (!sender)
        sender = "";
    count = GPOINTER_TO_UINT(g_hash_table_lookup(st->subscribers, sender));
    g_hash_table_insert(st->subscribers, g_strdup(sender), GUINT_TO_POINTER(count + 1));
    if (count == 0 && *sender && g_dbus_is_unique_name(sender)) {
        guint w = g_bus_watch_name_on_connection(ble->conn, sender, G_BUS_NAME_WATCHER_FLAGS_NONE,
                                                 NULL, subscriber_vanished, st, NULL);
        g_hash_table_insert(st->watches, g_strdup(sender), GUINT_TO_POINTER(w));
    }
    g_dbus_method_invocation_return_value(inv, NULL);

    if (!was) {
        emit_changed(ble, st->id, "Notifying", g_variant_new_boolean(TRUE), NULL);
        on_first_subscriber(ble, st->id);
    }
    kn_ble_state_changed(ble);
}

/* bluetoothd calls StopNotify only when the last device has disabled the
 * CCCD, so it ends every subscription of the caller. */
static void stop_notify(KnChrState *st, GDBusMethodInvocation *inv)
{
    KnBle *ble = st->ble;
    const char *sender = g_dbus_method_invocation_get_sender(inv);
    g_autofree char *caller = g_strdup(sender ? sender : "");
    gboolean was = kn_ble_gatt_subscribed(ble, st->id);

    drop_subscriber(st, caller);
    g_dbus_method_invocation_return_value(inv, NULL);
    if (was && !kn_ble_gatt_subscribed(ble, st->id))
        emit_changed(ble, st->id, "Notifying", g_variant_new_boolean(FALSE), caller);
    kn_ble_state_changed(ble);
}

/* ---- who may read and write ---- */

static gboolean device_confirmed(KnBle *ble, const char *path)
{
    KnBleDevice *dev = path ? kn_ble_lookup_device(ble, path) : NULL;

    return dev && kn_ble_device_confirmed(dev);
}

void kn_ble_gatt_release(KnBle *ble)
{
    for (int c = 0; c < KN_CHR_COUNT; c++) {
        g_autoptr(GBytes) held = g_steal_pointer(&ble->chr[c].held);
        gsize len;
        const uint8_t *data;

        if (!held)
            continue;
        data = g_bytes_get_data(held, &len);
        kn_ble_gatt_notify(ble, (KnChr) c, data, len);
    }
    if (kn_ble_gatt_subscribed(ble, KN_CHR_ALERTS))
        flush_alert_queue(ble);
}

/* ---- options of ReadValue / WriteValue ---- */

typedef struct {
    guint16 offset;
    guint16 mtu;
    const char *device;
    const char *type;
} Options;

static gboolean parse_options(GVariant *dict, Options *o, GDBusMethodInvocation *inv)
{
    GVariantIter it;
    const char *key;
    GVariant *v;

    memset(o, 0, sizeof(*o));
    g_variant_iter_init(&it, dict);
    while (g_variant_iter_loop(&it, "{&sv}", &key, &v)) {
        const GVariantType *want = NULL;

        if (g_str_equal(key, "offset") || g_str_equal(key, "mtu"))
            want = G_VARIANT_TYPE_UINT16;
        else if (g_str_equal(key, "device"))
            want = G_VARIANT_TYPE_OBJECT_PATH;
        else if (g_str_equal(key, "type") || g_str_equal(key, "link"))
            want = G_VARIANT_TYPE_STRING;
        else if (g_str_equal(key, "prepare-authorize"))
            want = G_VARIANT_TYPE_BOOLEAN;
        else
            continue;     /* options of newer BlueZ versions */
        if (!g_variant_is_of_type(v, want)) {
            g_autofree char *type = g_variant_type_dup_string(want);
            g_autofree char *msg = g_strdup_printf("Option %s must be of type %s", key, type);

            return_error(inv, "InvalidArguments", msg);
            g_variant_unref(v);
            return FALSE;
        }
        if (g_str_equal(key, "offset"))
            o->offset = g_variant_get_uint16(v);
        else if (g_str_equal(key, "mtu"))
            o->mtu = g_variant_get_uint16(v);
        else if (g_str_equal(key, "device"))
            o->device = g_variant_get_string(v, NULL);
        else if (g_str_equal(key, "type"))
            o->type = g_variant_get_string(v, NULL);
    }
    return TRUE;
}

/* ---- ReadValue ---- */

static void read_value(KnChrState *st, GVariant *params, GDBusMethodInvocation *inv)
{
    KnBle *ble = st->ble;
    g_autoptr(GVariant) dict = NULL;
    uint8_t buf[VALUE_MAX];
    Options o;
    size_t start;
    int n, tail;

    if (!(chrs[st->id].caps & CAP_READ)) {
        return_error(inv, "NotPermitted", "Read not permitted");
        return;
    }
    g_variant_get(params, "(@a{sv})", &dict);
    if (!parse_options(dict, &o, inv))
        return;
    /* bluetoothd checked the encryption; the bond is kneed's to check. */
    if ((chrs[st->id].caps & CAP_ENCRYPTED) && !device_confirmed(ble, o.device)) {
        return_error(inv, "NotAuthorized", "Health data needs a bond the wearer confirmed");
        return;
    }
    n = build_value(ble, st->id, o.mtu, buf, sizeof(buf));
    if (n < 0) {
        return_error(inv, "Failed", "Value unavailable");
        return;
    }
    tail = kn_gatt_read_slice((size_t) n, o.offset, &start);
    if (tail < 0) {
        return_error(inv, "InvalidOffset", "Offset beyond the end of the value");
        return;
    }
    g_dbus_method_invocation_return_value(
        inv, g_variant_new("(@ay)", g_variant_new_fixed_array(G_VARIANT_TYPE_BYTE, buf + start,
                                                              (gsize) tail, 1)));
}

/* ---- control point ---- */

static void send_cp_response(KnBle *ble, const struct kn_cp_response *r)
{
    uint8_t buf[16];
    int n = kn_cp_response_pack(r, buf, sizeof(buf));

    if (n > 0)
        kn_ble_gatt_notify(ble, KN_CHR_CONTROL, buf, (size_t) n);
}

void kn_ble_gatt_calibration_done(KnBle *ble, enum kn_cp_result result,
                                  const struct kn_calibration *cal)
{
    struct kn_cp_response r = { .opcode = KN_CP_CALIBRATE, .result = result };

    if (!ble->cp_busy || ble->cp_busy_opcode != KN_CP_CALIBRATE) {
        g_warning("BLE: calibration result without a calibration request");
        return;
    }
    ble->cp_busy = FALSE;
    if (result == KN_CP_SUCCESS && cal) {
        r.u.calibrate.offset_deg = cal->offset_deg;
        r.u.calibrate.residual_deg = cal->residual_deg;
    }
    send_cp_response(ble, &r);
}

/* Runs a well-formed request.  The write has been answered already: the
 * result goes back in the indication. */
static void run_cp_request(KnBle *ble, const struct kn_cp_request *req)
{
    const KnBleHooks *h = ble->hooks;
    gpointer d = ble->hooks_data;
    struct kn_cp_response r = { .opcode = req->opcode, .result = KN_CP_FAILED };
    double value = NAN;

    switch ((enum kn_cp_opcode) req->opcode) {
    case KN_CP_START_SESSION:
        r.result = h->start_session(d);
        break;
    case KN_CP_STOP_SESSION:
        r.result = h->stop_session(d);
        break;
    case KN_CP_CALIBRATE:
        ble->cp_busy = TRUE;
        ble->cp_busy_opcode = KN_CP_CALIBRATE;
        h->calibrate(d, ble);
        return;
    case KN_CP_SET_THRESHOLD:
        r.result = h->set_param(d, (enum kn_param_id) req->u.threshold.id, req->u.threshold.value);
        break;
    case KN_CP_GET_THRESHOLD:
        r.result = h->get_param(d, (enum kn_param_id) req->u.threshold.id, &value);
        r.u.threshold.id = req->u.threshold.id;
        r.u.threshold.value = value;
        break;
    case KN_CP_SET_TIME:
        r.result = h->set_time(d, (gint64) req->u.time.unix_s * G_USEC_PER_SEC +
                                  (gint64) req->u.time.ms * 1000);
        break;
    case KN_CP_IDENTIFY:
        r.result = h->identify(d, req->u.identify.duration_ms);
        break;
    case KN_CP_START_COACHING:
        r.result = h->start_coaching(d, req->u.coaching.target_spm);
        break;
    case KN_CP_STOP_COACHING:
        r.result = h->stop_coaching(d);
        break;
    case KN_CP_GET_PAIN_MARK: {
        KnBlePainMark mark;

        if (!h->get_pain_mark) {
            r.result = KN_CP_OPCODE_NOT_SUPPORTED;
            break;
        }
        r.result = h->get_pain_mark(d, req->u.pain_mark.index, &mark);
        if (r.result != KN_CP_SUCCESS)
            break;
        r.u.pain_mark.id = (uint32_t) MIN(mark.id, G_MAXUINT32);
        kn_gatt_split_time(mark.wall_us > 0 ? mark.wall_us / 1e6 : 0, &r.u.pain_mark.unix_s,
                           &r.u.pain_mark.ms);
        r.u.pain_mark.waiting = mark.waiting;
        break;
    }
    }
    send_cp_response(ble, &r);
}

static void write_control(KnBle *ble, const uint8_t *value, gsize len,
                          GDBusMethodInvocation *inv)
{
    struct kn_cp_request req;
    int parsed;

    if (len == 0 || len > KN_CP_MAX_LEN) {
        return_error(inv, "InvalidValueLength", "A request is 1 to 20 bytes");
        return;
    }
    if (!kn_ble_gatt_subscribed(ble, KN_CHR_CONTROL)) {
        return_att_app_error(inv, KN_ATT_ERROR_CCCD_IMPROPER);
        return;
    }
    if (ble->cp_busy) {
        return_error(inv, "InProgress", "The previous request is still running");
        return;
    }
    parsed = kn_cp_request_parse(value, len, &req);
    g_dbus_method_invocation_return_value(inv, NULL);
    if (parsed != KN_CP_SUCCESS) {
        struct kn_cp_response r = { .opcode = req.opcode, .result = (guint8) parsed };

        send_cp_response(ble, &r);
        return;
    }
    run_cp_request(ble, &req);
}

static void write_sc_control(KnBle *ble, const uint8_t *value, gsize len,
                             GDBusMethodInvocation *inv)
{
    uint8_t buf[4], opcode = 0;
    uint32_t total_dm = 0;
    int result, n;

    if (len == 0 || len > KN_SC_MAX_LEN) {
        return_error(inv, "InvalidValueLength", "A request is 1 to 20 bytes");
        return;
    }
    if (!kn_ble_gatt_subscribed(ble, KN_CHR_SC_CONTROL)) {
        return_att_app_error(inv, KN_ATT_ERROR_CCCD_IMPROPER);
        return;
    }
    result = kn_sc_request_parse(value, len, &opcode, &total_dm);
    g_dbus_method_invocation_return_value(inv, NULL);
    if (result == KN_CP_SUCCESS)
        ble->total_m = total_dm / 10.0;
    n = kn_sc_response_pack(opcode, (uint8_t) result, buf, sizeof(buf));
    kn_ble_gatt_notify(ble, KN_CHR_SC_CONTROL, buf, (size_t) n);
}

static void write_pain(KnBle *ble, const uint8_t *value, gsize len, GDBusMethodInvocation *inv)
{
    struct kn_gatt_pain pain;
    int r = kn_gatt_pain_parse(value, len, &pain);

    switch (r) {
    case -EMSGSIZE:
        return_error(inv, "InvalidValueLength",
                     "A pain report is 4 to 68 bytes (8 to 68 when it scores a mark)");
        return;
    case -EPROTONOSUPPORT:
        return_att_app_error(inv, KN_ATT_ERROR_UNSUPPORTED_VERSION);
        return;
    case -ERANGE:
        return_att_app_error(inv, KN_ATT_ERROR_VALUE_OUT_OF_RANGE);
        return;
    default:
        break;
    }
    r = ble->hooks->report_pain(ble->hooks_data, &pain);
    if (r == -ERANGE) {
        return_att_app_error(inv, KN_ATT_ERROR_VALUE_OUT_OF_RANGE);
        return;
    }
    if (r == -ENOENT) {
        return_att_app_error(inv, KN_ATT_ERROR_UNKNOWN_PAIN_MARK);
        return;
    }
    if (r < 0) {
        return_att_app_error(inv, KN_ATT_ERROR_OPERATION_FAILED);
        return;
    }
    g_dbus_method_invocation_return_value(inv, NULL);
}

static void write_value(KnChrState *st, GVariant *params, GDBusMethodInvocation *inv)
{
    KnBle *ble = st->ble;
    g_autoptr(GVariant) bytes = NULL;
    g_autoptr(GVariant) dict = NULL;
    const uint8_t *value;
    gsize len;
    Options o;

    if (!(chrs[st->id].caps & CAP_WRITE)) {
        return_error(inv, "NotPermitted", "Write not permitted");
        return;
    }
    g_variant_get(params, "(@ay@a{sv})", &bytes, &dict);
    if (!parse_options(dict, &o, inv))
        return;
    if (o.offset != 0) {
        return_error(inv, "InvalidOffset", "Long writes are not supported");
        return;
    }
    if (o.type && g_str_equal(o.type, "command")) {
        return_error(inv, "NotPermitted", "Write without response is not supported");
        return;
    }
    if ((chrs[st->id].caps & CAP_BONDED) && !device_confirmed(ble, o.device)) {
        return_error(inv, "NotAuthorized", "Writes need a bond the wearer confirmed");
        return;
    }
    /* Its response would be indicated to the bond that waits too. */
    if ((chrs[st->id].caps & CAP_INDICATE) && kn_ble_bond_holding(ble)) {
        return_error(inv, "InProgress", "A new bond waits for the wearer's confirmation");
        return;
    }
    value = g_variant_get_fixed_array(bytes, &len, 1);

    switch (st->id) {
    case KN_CHR_CONTROL:
        write_control(ble, value, len, inv);
        return;
    case KN_CHR_PAIN:
        write_pain(ble, value, len, inv);
        return;
    case KN_CHR_SC_CONTROL:
        write_sc_control(ble, value, len, inv);
        return;
    case KN_CHR_LIVE:
    case KN_CHR_ALERTS:
    case KN_CHR_STATUS:
    case KN_CHR_RSC_MEASUREMENT:
    case KN_CHR_RSC_FEATURE:
    case KN_CHR_SENSOR_LOCATION:
    case KN_CHR_BATTERY_LEVEL:
    case KN_CHR_MANUFACTURER:
    case KN_CHR_MODEL:
    case KN_CHR_SERIAL:
    case KN_CHR_HARDWARE_REV:
    case KN_CHR_FIRMWARE_REV:
    case KN_CHR_SOFTWARE_REV:
    case KN_CHR_COUNT:
        break;
    }
    return_error(inv, "NotPermitted", "Write not permitted");
}

/* ---- D-Bus vtables ---- */

static void chr_method_call(GDBusConnection *conn, const char *sender, const char *path,
                            const char *iface, const char *method, GVariant *params,
                            GDBusMethodInvocation *inv, gpointer user_data)
{
    KnChrState *st = user_data;

    if (!kn_ble_caller_is_bluetoothd(st->ble, inv))
        return;
    if (g_str_equal(method, "ReadValue"))
        read_value(st, params, inv);
    else if (g_str_equal(method, "WriteValue"))
        write_value(st, params, inv);
    else if (g_str_equal(method, "StartNotify"))
        start_notify(st, inv);
    else if (g_str_equal(method, "StopNotify"))
        stop_notify(st, inv);
    else if (g_str_equal(method, "Confirm")) {
        st->confirmations++;
        g_dbus_method_invocation_return_value(inv, NULL);
    } else
        g_dbus_method_invocation_return_error(inv, G_DBUS_ERROR, G_DBUS_ERROR_UNKNOWN_METHOD,
                                              "No method %s", method);
}

static GVariant *chr_property(KnChrState *st, const char *name)
{
    KnBle *ble = st->ble;
    unsigned caps = chrs[st->id].caps;

    if (g_str_equal(name, "UUID"))
        return g_variant_new_string(chrs[st->id].uuid);
    if (g_str_equal(name, "Service"))
        return g_variant_new_object_path(services[chrs[st->id].svc].path);
    if (g_str_equal(name, "Flags"))
        return g_variant_new_strv((const char *const *) chrs[st->id].flags, -1);
    if (g_str_equal(name, "Notifying")) {
        if (!(caps & (CAP_NOTIFY | CAP_INDICATE)))
            return NULL;
        return g_variant_new_boolean(kn_ble_gatt_subscribed(ble, st->id));
    }
    if (g_str_equal(name, "Value")) {
        uint8_t buf[VALUE_MAX];
        gsize len = 0;
        const void *data = buf;
        int n;

        if (st->value) {
            data = g_bytes_get_data(st->value, &len);
        } else if (caps & CAP_READ) {
            n = build_value(ble, st->id, 0, buf, sizeof(buf));
            len = n > 0 ? (gsize) n : 0;
        }
        return g_variant_new_fixed_array(G_VARIANT_TYPE_BYTE, data, len, 1);
    }
    return NULL;
}

static GVariant *chr_get_property(GDBusConnection *conn, const char *sender, const char *path,
                                  const char *iface, const char *name, GError **error,
                                  gpointer user_data)
{
    KnChrState *st = user_data;
    GVariant *v;

    /* Value is health data (GetAll, whose errors GDBus drops, leaves
     * everything out for another caller). */
    if (!kn_ble_sender_is_bluetoothd(st->ble, sender, error))
        return NULL;
    v = chr_property(st, name);

    if (!v)
        g_set_error(error, G_DBUS_ERROR, G_DBUS_ERROR_UNKNOWN_PROPERTY, "No property %s", name);
    return v;
}

static GVariant *svc_property(KnSvc svc, const char *name)
{
    if (g_str_equal(name, "UUID"))
        return g_variant_new_string(services[svc].uuid);
    if (g_str_equal(name, "Primary"))
        return g_variant_new_boolean(TRUE);
    return NULL;
}

static GVariant *svc_get_property(GDBusConnection *conn, const char *sender, const char *path,
                                  const char *iface, const char *name, GError **error,
                                  gpointer user_data)
{
    KnSvcState *st = user_data;
    GVariant *v;

    if (!kn_ble_sender_is_bluetoothd(st->ble, sender, error))
        return NULL;
    v = svc_property(st->id, name);

    if (!v)
        g_set_error(error, G_DBUS_ERROR, G_DBUS_ERROR_UNKNOWN_PROPERTY, "No property %s", name);
    return v;
}

static GVariant *props_of(const GDBusInterfaceInfo *info, GVariant *(*get)(gpointer, const char *),
                          gpointer data)
{
    GVariantBuilder b;

    g_variant_builder_init(&b, G_VARIANT_TYPE_VARDICT);
    for (int i = 0; info->properties && info->properties[i]; i++) {
        GVariant *v = get(data, info->properties[i]->name);

        if (v)
            g_variant_builder_add(&b, "{sv}", info->properties[i]->name, v);
    }
    return g_variant_builder_end(&b);
}

static GVariant *svc_prop_cb(gpointer data, const char *name)
{
    return svc_property(GPOINTER_TO_INT(data), name);
}

static GVariant *chr_prop_cb(gpointer data, const char *name)
{
    return chr_property(data, name);
}

GVariant *kn_ble_gatt_managed_objects(KnBle *ble)
{
    GVariantBuilder objects;

    g_variant_builder_init(&objects, G_VARIANT_TYPE("a{oa{sa{sv}}}"));
    for (int s = 0; s < KN_SVC_COUNT; s++) {
        g_variant_builder_open(&objects, G_VARIANT_TYPE("{oa{sa{sv}}}"));
        g_variant_builder_add(&objects, "o", services[s].path);
        g_variant_builder_open(&objects, G_VARIANT_TYPE("a{sa{sv}}"));
        g_variant_builder_add(&objects, "{s@a{sv}}", IFACE_GATT_SERVICE,
                              props_of(&kn_bluez_gatt_service1_interface, svc_prop_cb,
                                       GINT_TO_POINTER(s)));
        g_variant_builder_close(&objects);
        g_variant_builder_close(&objects);
    }
    for (int c = 0; c < KN_CHR_COUNT; c++) {
        g_variant_builder_open(&objects, G_VARIANT_TYPE("{oa{sa{sv}}}"));
        g_variant_builder_add(&objects, "o", chrs[c].path);
        g_variant_builder_open(&objects, G_VARIANT_TYPE("a{sa{sv}}"));
        g_variant_builder_add(&objects, "{s@a{sv}}", IFACE_GATT_CHRC,
                              props_of(&kn_bluez_gatt_characteristic1_interface, chr_prop_cb,
                                       &ble->chr[c]));
        g_variant_builder_close(&objects);
        g_variant_builder_close(&objects);
    }
    return g_variant_builder_end(&objects);
}

static void om_method_call(GDBusConnection *conn, const char *sender, const char *path,
                           const char *iface, const char *method, GVariant *params,
                           GDBusMethodInvocation *inv, gpointer user_data)
{
    KnBle *ble = user_data;

    /* The tree carries the characteristics' values. */
    if (!kn_ble_caller_is_bluetoothd(ble, inv))
        return;
    if (!g_str_equal(method, "GetManagedObjects")) {
        g_dbus_method_invocation_return_error(inv, G_DBUS_ERROR, G_DBUS_ERROR_UNKNOWN_METHOD,
                                              "No method %s", method);
        return;
    }
    g_dbus_method_invocation_return_value(
        inv, g_variant_new_tuple((GVariant *[]) { kn_ble_gatt_managed_objects(ble) }, 1));
}

static const GDBusInterfaceVTable om_vtable = { om_method_call, NULL, NULL, { 0 } };
static const GDBusInterfaceVTable svc_vtable = { NULL, svc_get_property, NULL, { 0 } };
static const GDBusInterfaceVTable chr_vtable = { chr_method_call, chr_get_property, NULL, { 0 } };

gboolean kn_ble_gatt_export(KnBle *ble, GError **error)
{
    ble->om_reg_id = g_dbus_connection_register_object(
        ble->conn, KN_BLE_APP_PATH,
        (GDBusInterfaceInfo *) &kn_bluez_org_freedesktop_dbus_object_manager_interface,
        &om_vtable, ble, NULL, error);
    if (!ble->om_reg_id)
        return FALSE;
    for (int s = 0; s < KN_SVC_COUNT; s++) {
        ble->svc[s].ble = ble;
        ble->svc[s].id = (KnSvc) s;
        ble->svc_reg_id[s] = g_dbus_connection_register_object(
            ble->conn, services[s].path, (GDBusInterfaceInfo *) &kn_bluez_gatt_service1_interface,
            &svc_vtable, &ble->svc[s], NULL, error);
        if (!ble->svc_reg_id[s])
            return FALSE;
    }
    for (int c = 0; c < KN_CHR_COUNT; c++) {
        KnChrState *st = &ble->chr[c];

        st->ble = ble;
        st->id = (KnChr) c;
        st->subscribers = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
        st->watches = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
        st->reg_id = g_dbus_connection_register_object(
            ble->conn, chrs[c].path,
            (GDBusInterfaceInfo *) &kn_bluez_gatt_characteristic1_interface, &chr_vtable, st,
            NULL, error);
        if (!st->reg_id)
            return FALSE;
    }
    return TRUE;
}

void kn_ble_gatt_unexport(KnBle *ble)
{
    for (int c = 0; c < KN_CHR_COUNT; c++) {
        KnChrState *st = &ble->chr[c];
        GHashTableIter it;
        gpointer watch;

        if (st->reg_id)
            g_dbus_connection_unregister_object(ble->conn, st->reg_id);
        st->reg_id = 0;
        if (st->watches) {
            g_hash_table_iter_init(&it, st->watches);
            while (g_hash_table_iter_next(&it, NULL, &watch))
                g_bus_unwatch_name(GPOINTER_TO_UINT(watch));
        }
        g_clear_pointer(&st->watches, g_hash_table_unref);
        g_clear_pointer(&st->subscribers, g_hash_table_unref);
        g_clear_pointer(&st->value, g_bytes_unref);
        g_clear_pointer(&st->held, g_bytes_unref);
    }
    for (int s = 0; s < KN_SVC_COUNT; s++) {
        if (ble->svc_reg_id[s])
            g_dbus_connection_unregister_object(ble->conn, ble->svc_reg_id[s]);
        ble->svc_reg_id[s] = 0;
    }
    if (ble->om_reg_id)
        g_dbus_connection_unregister_object(ble->conn, ble->om_reg_id);
    ble->om_reg_id = 0;
}
