/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The modules' groups of kneed.conf (daemon/modules.c) through their keys
 * tables (daemon/config.h): every group and key is printed by
 * --print-config, the printed text reads back and prints the same, the
 * ranges and defaults the tables print are those the modules' validators
 * apply.  A key added to a validator but not to its table is refused as
 * unknown, so it cannot be left out of the printed configuration.
 */
#include <glib.h>
#include <glib/gstdio.h>
#include <string.h>

#include "daemon/ble/config.h"
#include "daemon/config.h"
#include "daemon/modules.h"
#include "sleeve/sleeve-config.h"

static char *dir;

static char *write_file(const char *name, const char *text)
{
    g_autoptr(GError) error = NULL;
    char *path = g_build_filename(dir, name, NULL);

    g_file_set_contents(path, text, -1, &error);
    g_assert_no_error(error);
    return path;
}

static KnConfig *load_text(const char *text, GError **error)
{
    g_autofree char *path = write_file("kneed.conf", text);
    gsize n;
    const KnConfigGroup *modules = kn_config_modules(&n);

    return kn_config_load(path, modules, n, error);
}

/* What a group needs to be in use: its required keys (a line name). */
static void append_base(GString *s, const KnConfigGroup *g)
{
    g_string_append_printf(s, "[%s]\n", g->group);
    for (const KnConfigKey *k = g->keys; k->key; k++)
        if (k->required)
            g_string_append_printf(s, "%s = %s-line\n", k->key, g->group);
}

static void test_every_group_and_key_is_printed(void)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(KnConfig) c = load_text("", &error);
    g_autofree char *text = NULL;
    gsize n;
    const KnConfigGroup *modules = kn_config_modules(&n);

    g_assert_no_error(error);
    text = kn_config_to_string(c);
    for (gsize m = 0; m < n; m++) {
        g_autofree char *header = g_strdup_printf("\n[%s]\n", modules[m].group);
        const char *at = strstr(text, header);
        const char *next;

        g_assert_nonnull(modules[m].keys);
        g_assert_nonnull(at);
        next = strstr(at + 1, "\n[");
        for (const KnConfigKey *k = modules[m].keys; k->key; k++) {
            g_autofree char *line = g_strdup_printf("\n%s = ", k->key);
            g_autofree char *commented = g_strdup_printf("\n#%s = ", k->key);
            const char *found = strstr(at, line);
            const char *found_c = strstr(at, commented);

            if (found && next && found > next)
                found = NULL;
            if (found_c && next && found_c > next)
                found_c = NULL;
            g_assert_true(found || found_c);
            g_assert_nonnull(k->help);
        }
    }
}

static void assert_round_trip(const char *input)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(KnConfig) a = load_text(input, &error);
    g_autoptr(KnConfig) b = NULL;
    g_autofree char *ta = NULL;
    g_autofree char *tb = NULL;

    g_assert_no_error(error);
    ta = kn_config_to_string(a);
    b = load_text(ta, &error);
    g_assert_no_error(error);
    tb = kn_config_to_string(b);
    g_assert_cmpstr(ta, ==, tb);
}

static void test_printed_text_reads_back(void)
{
    g_autoptr(GString) all = g_string_new(NULL);
    gsize n;
    const KnConfigGroup *modules = kn_config_modules(&n);

    assert_round_trip("");
    /* Every group in use, each key at its printed default or example. */
    for (gsize m = 0; m < n; m++) {
        append_base(all, &modules[m]);
        for (const KnConfigKey *k = modules[m].keys; k->key; k++) {
            const char *v = k->def ? k->def : k->example;

            if (!k->required && v)
                g_string_append_printf(all, "%s = %s\n", k->key, v);
        }
    }
    assert_round_trip(all->str);
}

static void expect_refused(const char *text, const char *group, const char *key)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(KnConfig) c = load_text(text, &error);
    g_autofree char *want = g_strdup_printf("[%s] %s: ", group, key);

    if (c)
        g_error("accepted:\n%s", text);
    g_assert_error(error, KN_CONFIG_ERROR, KN_CONFIG_ERROR_INVALID);
    if (!strstr(error->message, want) || !strstr(error->message, "kneed.conf:"))
        g_error("'%s' does not name %s:\n%s", error->message, want, text);
}

static void expect_accepted(const char *text)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(KnConfig) c = load_text(text, &error);

    if (!c)
        g_error("refused: %s\n%s", error->message, text);
}

/* The range a table prints is the one its validator applies. */
static void test_printed_ranges_are_the_validators(void)
{
    gsize n;
    const KnConfigGroup *modules = kn_config_modules(&n);
    guint tried = 0;

    for (gsize m = 0; m < n; m++) {
        for (const KnConfigKey *k = modules[m].keys; k->key; k++) {
            g_autoptr(GString) base = g_string_new(NULL);
            g_autofree char *lo = NULL;
            g_autofree char *hi = NULL;
            g_autofree char *above = NULL;

            append_base(base, &modules[m]);
            if (k->type == KN_CONFIG_KEY_BOOLEAN) {
                g_autofree char *bad = g_strdup_printf("%s%s = perhaps\n", base->str, k->key);

                expect_refused(bad, modules[m].group, k->key);
                tried++;
                continue;
            }
            if (k->type != KN_CONFIG_KEY_UINT)
                continue;
            lo = g_strdup_printf("%s%s = %" G_GUINT64_FORMAT "\n", base->str, k->key, k->min);
            hi = g_strdup_printf("%s%s = %" G_GUINT64_FORMAT "\n", base->str, k->key, k->max);
            above = g_strdup_printf("%s%s = %" G_GUINT64_FORMAT "\n", base->str, k->key,
                                    k->max + 1);
            expect_accepted(lo);
            expect_accepted(hi);
            expect_refused(above, modules[m].group, k->key);
            if (k->min > 0) {
                g_autofree char *below = g_strdup_printf("%s%s = %" G_GUINT64_FORMAT "\n",
                                                         base->str, k->key, k->min - 1);

                expect_refused(below, modules[m].group, k->key);
            }
            tried++;
        }
    }
    g_assert_cmpuint(tried, >=, 10);
}

/* Writing out every printed default changes nothing. */
static void test_printed_defaults_are_the_modules(void)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(GString) ble_text = g_string_new("[bluetooth]\n");
    g_autoptr(GString) sleeve_text = g_string_new(NULL);
    g_autoptr(KnKeyFile) ble_file = NULL;
    g_autoptr(KnKeyFile) sleeve_file = NULL;
    const KnConfigKey *tables[] = { kn_sleeve_button_keys, kn_sleeve_haptic_keys,
                                    kn_sleeve_led_keys };
    const char *groups[] = { "button", "haptic", "led" };
    KnBleConfig ble_def, ble_got;
    KnSleeveSettings sl_def, sl_got;

    for (const KnConfigKey *k = kn_ble_config_keys; k->key; k++)
        if (k->def)
            g_string_append_printf(ble_text, "%s = %s\n", k->key, k->def);
    for (gsize t = 0; t < G_N_ELEMENTS(tables); t++) {
        g_string_append_printf(sleeve_text, "[%s]\nline = %s-line\n", groups[t], groups[t]);
        for (const KnConfigKey *k = tables[t]; k->key; k++)
            if (k->def)
                g_string_append_printf(sleeve_text, "%s = %s\n", k->key, k->def);
    }
    ble_file = kn_keyfile_load_data("defaults.conf", ble_text->str, ble_text->len, &error);
    g_assert_no_error(error);
    kn_ble_config_init(&ble_def);
    kn_ble_config_init(&ble_got);
    g_assert_true(kn_ble_config_load(&ble_got, ble_file, &error));
    g_assert_no_error(error);
    g_assert_true(kn_ble_config_equal(&ble_def, &ble_got));
    kn_ble_config_clear(&ble_def);
    kn_ble_config_clear(&ble_got);

    sleeve_file = kn_keyfile_load_data("defaults.conf", sleeve_text->str, sleeve_text->len,
                                       &error);
    g_assert_no_error(error);
    kn_sleeve_settings_init(&sl_got);
    g_assert_true(kn_sleeve_settings_load(&sl_got, sleeve_file, &error));
    g_assert_no_error(error);
    /* The same as the lines alone. */
    {
        g_autofree char *lines = g_strdup(
            "[button]\nline = button-line\n[haptic]\nline = haptic-line\n[led]\nline = led-line\n");
        g_autoptr(KnKeyFile) f = kn_keyfile_load_data("lines.conf", lines, strlen(lines), &error);

        g_assert_no_error(error);
        kn_sleeve_settings_init(&sl_def);
        g_assert_true(kn_sleeve_settings_load(&sl_def, f, &error));
        g_assert_no_error(error);
    }
    g_assert_true(kn_sleeve_settings_equal(&sl_def, &sl_got));
    kn_sleeve_settings_clear(&sl_def);
    kn_sleeve_settings_clear(&sl_got);
}

int main(int argc, char **argv)
{
    g_autoptr(GError) error = NULL;
    g_autofree char *conf = NULL;
    int r;

    g_test_init(&argc, &argv, NULL);
    dir = g_dir_make_tmp("kneed-module-config-XXXXXX", &error);
    g_assert_no_error(error);
    g_test_add_func("/modules/every-group-and-key-is-printed", test_every_group_and_key_is_printed);
    g_test_add_func("/modules/printed-text-reads-back", test_printed_text_reads_back);
    g_test_add_func("/modules/printed-ranges-are-the-validators",
                    test_printed_ranges_are_the_validators);
    g_test_add_func("/modules/printed-defaults-are-the-modules",
                    test_printed_defaults_are_the_modules);
    r = g_test_run();
    conf = g_build_filename(dir, "kneed.conf", NULL);
    g_unlink(conf);
    g_rmdir(dir);
    g_free(dir);
    return r;
}
