/* SPDX-License-Identifier: GPL-2.0-or-later */
#define G_LOG_DOMAIN "kneed"

#include <string.h>

#include "daemon/battery.h"

#define G KN_BATTERY_GROUP

const KnConfigKey kn_battery_config_keys[] = {
    { "supply", KN_CONFIG_KEY_TEXT, 1, KN_BATTERY_SUPPLY_MAX, NULL, "BAT0",
      "A power_supply name (/sys/class/power_supply/NAME) or an absolute directory with "
      "capacity; unset: the source's battery",
      .required = TRUE },
    { "poll_s", KN_CONFIG_KEY_UINT, KN_BATTERY_POLL_MIN_S, KN_BATTERY_POLL_MAX_S, "60", NULL,
      "How often the level is read, s" },
    { NULL },
};

typedef struct {
    char *dir;                    /* the power_supply directory */
    guint poll_s;
} Settings;

struct _KnBattery {
    KnCore *core;
    Settings settings;
    guint timer;
    gboolean failed;
};

static void settings_clear(Settings *s)
{
    g_clear_pointer(&s->dir, g_free);
}

/* NULL dir (and TRUE) when no supply is configured. */
static gboolean settings_load(Settings *s, const KnKeyFile *f, GError **error)
{
    g_autofree char *supply = NULL;
    guint64 poll = 60;

    memset(s, 0, sizeof(*s));
    if (!kn_config_check_keys(f, G, kn_battery_config_keys, error) ||
        !kn_keyfile_get_string(f, G, "supply", &supply, error) ||
        !kn_keyfile_get_uint(f, G, "poll_s", KN_BATTERY_POLL_MIN_S, KN_BATTERY_POLL_MAX_S, &poll,
                             error))
        return FALSE;
    if (!supply) {
        if (kn_keyfile_has_key(f, G, "poll_s")) {
            kn_keyfile_set_error(f, error, G, "poll_s", "needs supply =");
            return FALSE;
        }
        return TRUE;
    }
    if (!*supply || strlen(supply) > KN_BATTERY_SUPPLY_MAX || !g_utf8_validate(supply, -1, NULL) ||
        (supply[0] != '/' && (strchr(supply, '/') || g_str_equal(supply, "..") ||
                              g_str_equal(supply, ".")))) {
        kn_keyfile_set_error(f, error, G, "supply",
                             "'%s' is neither a power_supply name nor an absolute directory",
                             supply);
        return FALSE;
    }
    s->dir = supply[0] == '/' ? g_steal_pointer(&supply)
                              : g_build_filename("/sys/class/power_supply", supply, NULL);
    s->poll_s = (guint) poll;
    return TRUE;
}

gboolean kn_battery_check_group(const KnKeyFile *file, const char *group, gpointer user_data,
                                GError **error)
{
    Settings s;
    gboolean ok = settings_load(&s, file, error);

    settings_clear(&s);
    return ok;
}

static void read_level(KnBattery *b)
{
    g_autofree char *path = g_build_filename(b->settings.dir, "capacity", NULL);
    g_autofree char *status_path = g_build_filename(b->settings.dir, "status", NULL);
    g_autofree char *text = NULL;
    g_autofree char *status = NULL;
    g_autoptr(GError) error = NULL;
    guint64 pct;

    if (!g_file_get_contents(path, &text, NULL, &error) ||
        !g_ascii_string_to_unsigned(g_strstrip(text), 10, 0, 100, &pct, &error)) {
        if (!b->failed)
            g_warning("battery: cannot read the level from %s: %s", path, error->message);
        b->failed = TRUE;
        kn_core_set_battery(b->core, -1, FALSE, TRUE);
        return;
    }
    if (b->failed)
        g_message("battery: %s reads again", path);
    b->failed = FALSE;
    /* status is optional: "Charging", "Discharging", "Full", "Not charging". */
    kn_core_set_battery(b->core, (int) pct,
                        g_file_get_contents(status_path, &status, NULL, NULL) &&
                            g_str_equal(g_strstrip(status), "Charging"),
                        FALSE);
}

static gboolean tick(gpointer data)
{
    read_level(data);
    return G_SOURCE_CONTINUE;
}

KnBattery *kn_battery_new(KnCore *core, const KnKeyFile *config, GError **error)
{
    g_autoptr(KnBattery) b = g_new0(KnBattery, 1);

    b->core = core;
    if (!settings_load(&b->settings, config, error) || !b->settings.dir)
        return NULL;
    g_info("battery: reading %s every %u s", b->settings.dir, b->settings.poll_s);
    read_level(b);
    b->timer = g_timeout_add_seconds(b->settings.poll_s, tick, b);
    return g_steal_pointer(&b);
}

void kn_battery_free(KnBattery *b)
{
    if (!b)
        return;
    g_clear_handle_id(&b->timer, g_source_remove);
    /* The core outlives it on a reload that removes [battery]. */
    if (b->core)
        kn_core_unset_battery(b->core);
    settings_clear(&b->settings);
    g_free(b);
}

gboolean kn_battery_config_changed(KnBattery *b, const KnKeyFile *config)
{
    Settings s;
    gboolean changed;

    if (!settings_load(&s, config, NULL)) {
        settings_clear(&s);
        return FALSE;
    }
    changed = b ? g_strcmp0(s.dir, b->settings.dir) != 0 || s.poll_s != b->settings.poll_s
                : s.dir != NULL;
    settings_clear(&s);
    return changed;
}
