/* SPDX-License-Identifier: GPL-2.0-or-later */
#define G_LOG_DOMAIN "kneed"

#include <string.h>

#include "sleeve/sleeve-config.h"

#define LINE_NAME_MAX 31          /* the v1 ABI's 32 bytes with the NUL */
#define CHIP_MAX 255
#define OFFSET_MAX 65535

#define CHIP_KEY(example)                                                                    \
    { "chip", KN_CONFIG_KEY_TEXT, 1, CHIP_MAX, NULL, example,                                \
      "GPIO chip: path, name, number or label; unset: the line's name on any chip" }
#define LINE_KEY(example, what)                                                              \
    { "line", KN_CONFIG_KEY_TEXT, 0, 0, NULL, example,                                       \
      "The " what "'s line: its name (gpio-line-names) or its offset on chip; unset: none",  \
      .required = TRUE }

const KnConfigKey kn_sleeve_button_keys[] = {
    CHIP_KEY("gpiochip0"),
    LINE_KEY("button", "button"),
    { "active_low", KN_CONFIG_KEY_BOOLEAN, 0, 0, "false", NULL, "The line reads 0 when pressed" },
    { "bias", KN_CONFIG_KEY_TEXT, 0, 0, "as-is", NULL,
      "The line's pull: as-is, disable, pull-up or pull-down" },
    { "debounce_ms", KN_CONFIG_KEY_UINT, 1, 100, G_STRINGIFY(KN_BUTTON_DEBOUNCE_MS_DEFAULT), NULL,
      "A level counts once the line has not moved this long, ms" },
    { "double_ms", KN_CONFIG_KEY_UINT, 100, 1000, G_STRINGIFY(KN_BUTTON_DOUBLE_MS_DEFAULT), NULL,
      "A second press within this of the release is a double press, ms" },
    { "long_ms", KN_CONFIG_KEY_UINT, 500, 10000, G_STRINGIFY(KN_BUTTON_LONG_MS_DEFAULT), NULL,
      "Held this long, a long press (more than double_ms), ms" },
    { NULL },
};
const KnConfigKey kn_sleeve_haptic_keys[] = {
    CHIP_KEY("gpiochip0"),
    LINE_KEY("haptic", "vibration motor"),
    { "active_low", KN_CONFIG_KEY_BOOLEAN, 0, 0, "false", NULL, "The motor runs at 0" },
    { "alerts", KN_CONFIG_KEY_TEXT, 0, 0, "info", NULL,
      "The lowest alert severity that buzzes: info, warning, critical or none" },
    { "metronome", KN_CONFIG_KEY_BOOLEAN, 0, 0, "true", NULL,
      "Beat each step at the target cadence while cadence coaching is on" },
    { NULL },
};
const KnConfigKey kn_sleeve_led_keys[] = {
    CHIP_KEY("gpiochip0"),
    LINE_KEY("led", "LED"),
    { "active_low", KN_CONFIG_KEY_BOOLEAN, 0, 0, "false", NULL, "The LED lights at 0" },
    { NULL },
};

/* kn_keyfile_get_uint with the range of the key's table entry. */
static gboolean get_uint(const KnKeyFile *f, const char *group, const KnConfigKey *keys,
                         const char *key, guint64 *inout, GError **error)
{
    while (strcmp(keys->key, key) != 0)
        keys++;
    return kn_keyfile_get_uint(f, group, key, keys->min, keys->max, inout, error);
}

void kn_sleeve_settings_init(KnSleeveSettings *s)
{
    memset(s, 0, sizeof(*s));
    kn_button_config_init(&s->gestures);
    s->haptic_alerts_on = TRUE;
    s->haptic_min_severity = KN_SEVERITY_INFO;
    s->metronome = TRUE;
}

static void line_clear(KnSleeveLineSettings *ls)
{
    g_free(ls->chip);
    g_free(ls->name);
    memset(ls, 0, sizeof(*ls));
}

void kn_sleeve_settings_clear(KnSleeveSettings *s)
{
    line_clear(&s->button);
    line_clear(&s->haptic);
    line_clear(&s->led);
    kn_sleeve_settings_init(s);
}

static gboolean plain_text(const char *v, gsize max)
{
    if (!*v || strlen(v) > max || !g_utf8_validate(v, -1, NULL))
        return FALSE;
    for (const char *c = v; *c; c++)
        if (g_ascii_iscntrl(*c))
            return FALSE;
    return TRUE;
}

static gboolean all_digits(const char *v)
{
    for (const char *c = v; *c; c++)
        if (!g_ascii_isdigit(*c))
            return FALSE;
    return *v != '\0';
}

static gboolean load_line(const KnKeyFile *f, const char *group, gboolean input,
                          KnSleeveLineSettings *ls, GError **error)
{
    GKeyFile *kf = kn_keyfile_get_keyfile(f);
    g_auto(GStrv) keys = g_key_file_get_keys(kf, group, NULL, NULL);
    g_autofree char *line = NULL;
    g_autofree char *bias = NULL;
    guint64 offset;

    if (!keys || !keys[0])
        return TRUE;
    if (!kn_keyfile_get_string(f, group, "chip", &ls->chip, error) ||
        !kn_keyfile_get_string(f, group, "line", &line, error) ||
        !kn_keyfile_get_boolean(f, group, "active_low", &ls->active_low, error))
        return FALSE;
    if (ls->chip && (!plain_text(ls->chip, CHIP_MAX) || strchr(ls->chip, ' '))) {
        kn_keyfile_set_error(f, error, group, "chip",
                             "'%s' is not a chip path, name, number or label", ls->chip);
        return FALSE;
    }
    if (!line) {
        kn_keyfile_set_error(f, error, group, "line",
                             "required: the line's name (gpio-line-names) or its offset on chip");
        return FALSE;
    }
    if (all_digits(line)) {
        if (!g_ascii_string_to_unsigned(line, 10, 0, OFFSET_MAX, &offset, NULL)) {
            kn_keyfile_set_error(f, error, group, "line", "offset %s is outside 0..%d", line,
                                 OFFSET_MAX);
            return FALSE;
        }
        if (!ls->chip) {
            kn_keyfile_set_error(f, error, group, "line",
                                 "offset %s needs chip = (only a line's name is looked for "
                                 "on every chip)", line);
            return FALSE;
        }
        ls->offset = (guint) offset;
    } else if (!plain_text(line, LINE_NAME_MAX)) {
        kn_keyfile_set_error(f, error, group, "line",
                             "'%s' is not a line name of 1 to %d bytes or an offset", line,
                             LINE_NAME_MAX);
        return FALSE;
    } else {
        ls->name = g_steal_pointer(&line);
    }
    if (input) {
        if (!kn_keyfile_get_string(f, group, "bias", &bias, error))
            return FALSE;
        if (bias && !kn_gpio_bias_from_string(bias, &ls->bias)) {
            kn_keyfile_set_error(f, error, group, "bias",
                                 "'%s' is not as-is, disable, pull-up or pull-down", bias);
            return FALSE;
        }
    }
    ls->configured = TRUE;
    return TRUE;
}

static gboolean load_button(KnSleeveSettings *s, const KnKeyFile *f, GError **error)
{
    const char *g = KN_SLEEVE_GROUP_BUTTON;
    guint64 debounce = s->gestures.debounce_ms;
    guint64 dbl = s->gestures.double_ms;
    guint64 lng = s->gestures.long_ms;
    const char *bad = NULL;

    if (!kn_config_check_keys(f, g, kn_sleeve_button_keys, error) ||
        !load_line(f, g, TRUE, &s->button, error) ||
        !get_uint(f, g, kn_sleeve_button_keys, "debounce_ms", &debounce, error) ||
        !get_uint(f, g, kn_sleeve_button_keys, "double_ms", &dbl, error) ||
        !get_uint(f, g, kn_sleeve_button_keys, "long_ms", &lng, error))
        return FALSE;
    s->gestures.debounce_ms = (uint32_t) debounce;
    s->gestures.double_ms = (uint32_t) dbl;
    s->gestures.long_ms = (uint32_t) lng;
    if (kn_button_config_check(&s->gestures, &bad) < 0) {
        kn_keyfile_set_error(f, error, g, bad, "must be longer than double_ms (%u ms)",
                             s->gestures.double_ms);
        return FALSE;
    }
    return TRUE;
}

static gboolean load_haptic(KnSleeveSettings *s, const KnKeyFile *f, GError **error)
{
    const char *g = KN_SLEEVE_GROUP_HAPTIC;
    g_autofree char *alerts = NULL;
    enum kn_severity sev;

    if (!kn_config_check_keys(f, g, kn_sleeve_haptic_keys, error) ||
        !load_line(f, g, FALSE, &s->haptic, error) ||
        !kn_keyfile_get_boolean(f, g, "metronome", &s->metronome, error) ||
        !kn_keyfile_get_string(f, g, "alerts", &alerts, error))
        return FALSE;
    if (!alerts)
        return TRUE;
    if (strcmp(alerts, "none") == 0) {
        s->haptic_alerts_on = FALSE;
        return TRUE;
    }
    if (kn_severity_from_string(alerts, &sev) < 0) {
        kn_keyfile_set_error(f, error, g, "alerts",
                             "'%s' is not info, warning, critical or none", alerts);
        return FALSE;
    }
    s->haptic_alerts_on = TRUE;
    s->haptic_min_severity = sev;
    return TRUE;
}

static gboolean same_line(const KnSleeveLineSettings *a, const KnSleeveLineSettings *b)
{
    return a->configured && b->configured && g_strcmp0(a->chip, b->chip) == 0 &&
           g_strcmp0(a->name, b->name) == 0 && (a->name || a->offset == b->offset);
}

gboolean kn_sleeve_settings_load(KnSleeveSettings *out, const KnKeyFile *f, GError **error)
{
    static const struct {
        const char *group;
        gsize offset;
    } lines[] = {
        { KN_SLEEVE_GROUP_BUTTON, G_STRUCT_OFFSET(KnSleeveSettings, button) },
        { KN_SLEEVE_GROUP_HAPTIC, G_STRUCT_OFFSET(KnSleeveSettings, haptic) },
        { KN_SLEEVE_GROUP_LED, G_STRUCT_OFFSET(KnSleeveSettings, led) },
    };
    KnSleeveSettings s;
    gboolean ok;

    kn_sleeve_settings_init(&s);
    ok = load_button(&s, f, error) && load_haptic(&s, f, error) &&
         kn_config_check_keys(f, KN_SLEEVE_GROUP_LED, kn_sleeve_led_keys, error) &&
         load_line(f, KN_SLEEVE_GROUP_LED, FALSE, &s.led, error);
    /* One line cannot serve two parts.  Two spellings of one chip are
     * only found when the second request gets EBUSY. */
    for (gsize i = 1; ok && i < G_N_ELEMENTS(lines); i++) {
        for (gsize j = 0; ok && j < i; j++) {
            const KnSleeveLineSettings *a = G_STRUCT_MEMBER_P(&s, lines[j].offset);
            const KnSleeveLineSettings *b = G_STRUCT_MEMBER_P(&s, lines[i].offset);

            if (!same_line(a, b))
                continue;
            kn_keyfile_set_error(f, error, lines[i].group, "line",
                                 "the same line as [%s] line", lines[j].group);
            ok = FALSE;
        }
    }
    if (!ok) {
        kn_sleeve_settings_clear(&s);
        return FALSE;
    }
    kn_sleeve_settings_clear(out);
    *out = s;
    return TRUE;
}

static gboolean line_equal(const KnSleeveLineSettings *a, const KnSleeveLineSettings *b)
{
    return a->configured == b->configured && g_strcmp0(a->chip, b->chip) == 0 &&
           g_strcmp0(a->name, b->name) == 0 && a->offset == b->offset &&
           a->active_low == b->active_low && a->bias == b->bias;
}

gboolean kn_sleeve_settings_equal(const KnSleeveSettings *a, const KnSleeveSettings *b)
{
    return line_equal(&a->button, &b->button) && line_equal(&a->haptic, &b->haptic) &&
           line_equal(&a->led, &b->led) &&
           memcmp(&a->gestures, &b->gestures, sizeof(a->gestures)) == 0 &&
           a->haptic_alerts_on == b->haptic_alerts_on &&
           a->haptic_min_severity == b->haptic_min_severity && a->metronome == b->metronome;
}

void kn_sleeve_line_spec(const KnSleeveLineSettings *ls, KnGpioLineSpec *ret)
{
    memset(ret, 0, sizeof(*ret));
    ret->chip = ls->chip;
    ret->name = ls->name;
    ret->offset = ls->offset;
    ret->active_low = ls->active_low;
    ret->bias = ls->bias;
}

gboolean kn_sleeve_settings_check_group(const KnKeyFile *file, const char *group,
                                        gpointer user_data, GError **error)
{
    KnSleeveSettings s;
    gboolean ok;

    kn_sleeve_settings_init(&s);
    ok = kn_sleeve_settings_load(&s, file, error);
    kn_sleeve_settings_clear(&s);
    return ok;
}
