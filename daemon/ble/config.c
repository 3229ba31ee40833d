/* SPDX-License-Identifier: GPL-2.0-or-later */
#define G_LOG_DOMAIN "kneed"

#include <string.h>

#include "daemon/ble/config.h"
#include "daemon/ble/shared/adv-plan.h"

#define G KN_BLE_CONFIG_GROUP
#define STRING_MAX 64

static const char *const keys[] = {
    "enable", "adapter", "name", "power_adapter", "pairing_window_s", "battery_supply",
    "height_cm", "alert_queue", "manufacturer", "model", "serial", "hardware_revision",
    "firmware_revision", NULL,
};

void kn_ble_settings_init(KnBleSettings *s)
{
    KnBleConfig defaults;

    kn_ble_config_init(&defaults);
    memset(s, 0, sizeof(*s));
    s->enable = TRUE;
    s->power_adapter = defaults.power_adapter;
    s->pairing_window_s = 120;
    s->height_cm = (guint) (defaults.height_m * 100 + 0.5);
    s->alert_queue = defaults.alert_queue;
    s->manufacturer = g_strdup(defaults.manufacturer);
    s->model = g_strdup(defaults.model);
}

void kn_ble_settings_clear(KnBleSettings *s)
{
    g_free(s->adapter);
    g_free(s->name);
    g_free(s->battery_supply);
    g_free(s->manufacturer);
    g_free(s->model);
    g_free(s->serial);
    g_free(s->hardware_rev);
    g_free(s->firmware_rev);
    memset(s, 0, sizeof(*s));
}

static gboolean get_text(const KnKeyFile *f, const char *key, gsize max, char **inout,
                         GError **error)
{
    g_autofree char *v = NULL;

    if (!kn_keyfile_get_string(f, G, key, &v, error))
        return FALSE;
    if (!v)
        return TRUE;
    if (!*v || !g_utf8_validate(v, -1, NULL) || strlen(v) > max) {
        kn_keyfile_set_error(f, error, G, key, "must be UTF-8 text of 1 to %zu bytes", max);
        return FALSE;
    }
    g_free(*inout);
    *inout = g_steal_pointer(&v);
    return TRUE;
}

static gboolean valid_adapter(const char *a)
{
    for (const char *c = a; *c; c++)
        if (!g_ascii_isalnum(*c) && *c != '_')
            return FALSE;
    return *a != '\0';
}

gboolean kn_ble_settings_load(KnBleSettings *out, const KnKeyFile *f, GError **error)
{
    KnBleSettings s;
    guint64 window, height, queue;
    gboolean ok;

    if (!kn_keyfile_check_keys(f, G, keys, error))
        return FALSE;
    kn_ble_settings_init(&s);
    window = s.pairing_window_s;
    height = s.height_cm;
    queue = s.alert_queue;
    ok = kn_keyfile_get_boolean(f, G, "enable", &s.enable, error) &&
         get_text(f, "adapter", 32, &s.adapter, error) &&
         get_text(f, "name", KN_ADV_NAME_MAX, &s.name, error) &&
         kn_keyfile_get_boolean(f, G, "power_adapter", &s.power_adapter, error) &&
         kn_keyfile_get_uint(f, G, "pairing_window_s", 1, 600, &window, error) &&
         get_text(f, "battery_supply", 256, &s.battery_supply, error) &&
         kn_keyfile_get_uint(f, G, "height_cm", 50, 250, &height, error) &&
         kn_keyfile_get_uint(f, G, "alert_queue", 1, KN_BLE_ALERT_QUEUE_MAX, &queue, error) &&
         get_text(f, "manufacturer", STRING_MAX, &s.manufacturer, error) &&
         get_text(f, "model", STRING_MAX, &s.model, error) &&
         get_text(f, "serial", STRING_MAX, &s.serial, error) &&
         get_text(f, "hardware_revision", STRING_MAX, &s.hardware_rev, error) &&
         get_text(f, "firmware_revision", STRING_MAX, &s.firmware_rev, error);
    if (ok && s.adapter && !valid_adapter(s.adapter)) {
        kn_keyfile_set_error(f, error, G, "adapter", "'%s' is not an adapter name such as hci0",
                             s.adapter);
        ok = FALSE;
    }
    if (ok && s.battery_supply && strchr(s.battery_supply, '/') && s.battery_supply[0] != '/') {
        kn_keyfile_set_error(f, error, G, "battery_supply",
                             "'%s' is neither a power_supply name nor an absolute directory",
                             s.battery_supply);
        ok = FALSE;
    }
    if (!ok) {
        kn_ble_settings_clear(&s);
        return FALSE;
    }
    s.pairing_window_s = (guint) window;
    s.height_cm = (guint) height;
    s.alert_queue = (guint) queue;
    kn_ble_settings_clear(out);
    *out = s;
    return TRUE;
}

gboolean kn_ble_settings_equal(const KnBleSettings *a, const KnBleSettings *b)
{
    return a->enable == b->enable && g_strcmp0(a->adapter, b->adapter) == 0 &&
           g_strcmp0(a->name, b->name) == 0 && a->power_adapter == b->power_adapter &&
           a->pairing_window_s == b->pairing_window_s &&
           g_strcmp0(a->battery_supply, b->battery_supply) == 0 &&
           a->height_cm == b->height_cm && a->alert_queue == b->alert_queue &&
           g_strcmp0(a->manufacturer, b->manufacturer) == 0 &&
           g_strcmp0(a->model, b->model) == 0 && g_strcmp0(a->serial, b->serial) == 0 &&
           g_strcmp0(a->hardware_rev, b->hardware_rev) == 0 &&
           g_strcmp0(a->firmware_rev, b->firmware_rev) == 0;
}

void kn_ble_settings_to_config(const KnBleSettings *s, KnBleConfig *cfg)
{
    kn_ble_config_init(cfg);
    cfg->adapter = s->adapter;
    cfg->name = s->name;
    cfg->power_adapter = s->power_adapter;
    cfg->height_m = s->height_cm / 100.0;
    cfg->alert_queue = s->alert_queue;
    cfg->manufacturer = s->manufacturer;
    cfg->model = s->model;
    cfg->serial = s->serial;
    cfg->hardware_rev = s->hardware_rev;
    cfg->firmware_rev = s->firmware_rev;
}

gboolean kn_ble_settings_check_group(const KnKeyFile *file, const char *group,
                                     gpointer user_data, GError **error)
{
    KnBleSettings s;
    gboolean ok;

    kn_ble_settings_init(&s);
    ok = kn_ble_settings_load(&s, file, error);
    kn_ble_settings_clear(&s);
    return ok;
}
