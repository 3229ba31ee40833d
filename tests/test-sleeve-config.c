/* SPDX-License-Identifier: GPL-2.0-or-later */
/* [button], [haptic], [led]: the one validator, alone and as kneed loads
 * it (kn_config_load with the module groups): defaults, every key, and
 * every error naming file, line, section and key. */
#include <glib.h>
#include <glib/gstdio.h>
#include <string.h>

#include "daemon/config.h"
#include "sleeve/sleeve-config.h"

static char *dir;

static char *write_file(const char *text)
{
    char *path = g_build_filename(dir, "kneed.conf", NULL);

    g_assert_true(g_file_set_contents(path, text, -1, NULL));
    return path;
}

static gboolean load(const char *text, KnSleeveSettings *s, GError **error)
{
    g_autofree char *path = write_file(text);
    g_autoptr(KnKeyFile) f = kn_keyfile_load(path, error);

    g_assert_nonnull(f);
    return kn_sleeve_settings_load(s, f, error);
}

static void test_defaults(void)
{
    KnSleeveSettings s;
    g_autoptr(GError) error = NULL;

    kn_sleeve_settings_init(&s);
    g_assert_true(load("[daemon]\nside = left\n", &s, &error));
    g_assert_no_error(error);
    g_assert_false(s.button.configured || s.haptic.configured || s.led.configured);
    g_assert_cmpuint(s.gestures.debounce_ms, ==, 20);
    g_assert_cmpuint(s.gestures.double_ms, ==, 400);
    g_assert_cmpuint(s.gestures.long_ms, ==, 2000);
    g_assert_true(s.haptic_alerts_on && s.metronome);
    g_assert_cmpint(s.haptic_min_severity, ==, KN_SEVERITY_INFO);
    /* A section header alone configures nothing. */
    g_assert_true(load("[led]\n", &s, &error));
    g_assert_false(s.led.configured);
    kn_sleeve_settings_clear(&s);
}

static void test_every_key(void)
{
    KnSleeveSettings s, t;
    g_autoptr(GError) error = NULL;
    KnGpioLineSpec spec;
    static const char text[] =
        "[button]\nchip = pinctrl-bcm2711\nline = GPIO17\nactive_low = true\nbias = pull-up\n"
        "debounce_ms = 30\ndouble_ms = 350\nlong_ms = 3000\n"
        "[haptic]\nchip = gpiochip0\nline = 27\nalerts = warning\nmetronome = false\n"
        "[led]\nline = STATUS_LED\nactive_low = true\n";

    kn_sleeve_settings_init(&s);
    kn_sleeve_settings_init(&t);
    g_assert_true(load(text, &s, &error));
    g_assert_no_error(error);
    g_assert_true(s.button.configured);
    g_assert_cmpstr(s.button.chip, ==, "pinctrl-bcm2711");
    g_assert_cmpstr(s.button.name, ==, "GPIO17");
    g_assert_true(s.button.active_low);
    g_assert_cmpint(s.button.bias, ==, KN_GPIO_BIAS_PULL_UP);
    g_assert_cmpuint(s.gestures.debounce_ms, ==, 30);
    g_assert_cmpuint(s.gestures.double_ms, ==, 350);
    g_assert_cmpuint(s.gestures.long_ms, ==, 3000);
    g_assert_null(s.haptic.name);
    g_assert_cmpuint(s.haptic.offset, ==, 27);
    g_assert_cmpint(s.haptic_min_severity, ==, KN_SEVERITY_WARNING);
    g_assert_false(s.metronome);
    g_assert_null(s.led.chip);
    g_assert_cmpstr(s.led.name, ==, "STATUS_LED");
    kn_sleeve_line_spec(&s.button, &spec);
    g_assert_cmpstr(spec.chip, ==, "pinctrl-bcm2711");
    g_assert_true(spec.active_low);
    g_assert_true(load(text, &t, &error));
    g_assert_true(kn_sleeve_settings_equal(&s, &t));
    g_assert_true(load("[haptic]\nchip = gpiochip0\nline = 27\nalerts = none\n", &t, &error));
    g_assert_false(t.haptic_alerts_on);
    g_assert_false(kn_sleeve_settings_equal(&s, &t));
    kn_sleeve_settings_clear(&s);
    kn_sleeve_settings_clear(&t);
}

static void expect(const char *text, const char *message)
{
    KnSleeveSettings s;
    g_autoptr(GError) error = NULL;
    g_autofree char *path = g_build_filename(dir, "kneed.conf", NULL);
    g_autofree char *full = g_strdup_printf("%s:%s", path, message);

    kn_sleeve_settings_init(&s);
    g_assert_false(load(text, &s, &error));
    g_assert_error(error, KN_CONFIG_ERROR, KN_CONFIG_ERROR_INVALID);
    g_assert_cmpstr(error->message, ==, full);
    /* Left as it was. */
    g_assert_false(s.button.configured || s.haptic.configured || s.led.configured);
    kn_sleeve_settings_clear(&s);
}

static void test_errors(void)
{
    expect("[button]\nchip = gpiochip0\npin = 4\n", "3: [button] pin: unknown key");
    expect("[button]\nchip = gpiochip0\nbias = up\nline = 4\n",
           "3: [button] bias: 'up' is not as-is, disable, pull-up or pull-down");
    expect("[haptic]\nchip = gpiochip0\n",
           "1: [haptic] line: required: the line's name (gpio-line-names) or its offset on chip");
    expect("[led]\nline = 12\n",
           "2: [led] line: offset 12 needs chip = (only a line's name is looked for on every chip)");
    expect("[led]\nchip = gpiochip0\nline = 70000\n", "3: [led] line: offset 70000 is outside 0..65535");
    expect("[led]\nline = a-name-much-longer-than-thirty-one-bytes\n",
           "2: [led] line: 'a-name-much-longer-than-thirty-one-bytes' is not a line name of 1 to "
           "31 bytes or an offset");
    expect("[led]\nchip = my chip\nline = 1\n",
           "2: [led] chip: 'my chip' is not a chip path, name, number or label");
    expect("[led]\nline = LED\nactive_low = yes\n", "3: [led] active_low: not true or false: 'yes'");
    expect("[button]\nline = B\ndebounce_ms = 0\n", "3: [button] debounce_ms: 0 is outside 1..100");
    expect("[button]\nline = B\ndouble_ms = 800\nlong_ms = 700\n",
           "4: [button] long_ms: must be longer than double_ms (800 ms)");
    expect("[haptic]\nline = M\nalerts = loud\n",
           "3: [haptic] alerts: 'loud' is not info, warning, critical or none");
    expect("[haptic]\nline = M\nbias = pull-up\n", "3: [haptic] bias: unknown key");
    expect("[haptic]\nchip = 0\nline = 5\n[led]\nchip = 0\nline = 5\n",
           "6: [led] line: the same line as [haptic] line");
    expect("[button]\nline = X\n[led]\nline = X\n", "4: [led] line: the same line as [button] line");
}

/* As kneed loads it: the groups are claimed, an error stops the load. */
static void test_through_config_load(void)
{
    static const KnConfigGroup groups[] = {
        { KN_SLEEVE_GROUP_BUTTON, kn_sleeve_settings_check_group, NULL },
        { KN_SLEEVE_GROUP_HAPTIC, kn_sleeve_settings_check_group, NULL },
        { KN_SLEEVE_GROUP_LED, kn_sleeve_settings_check_group, NULL },
    };
    g_autoptr(GError) error = NULL;
    g_autofree char *path = write_file("[daemon]\nside = left\n\n[led]\nchip = 0\nline = 3\n");
    g_autoptr(KnConfig) ok = kn_config_load(path, groups, G_N_ELEMENTS(groups), &error);
    g_autoptr(KnConfig) bad = NULL;
    g_autofree char *path2 = NULL;
    g_autofree char *want = NULL;

    g_assert_no_error(error);
    g_assert_nonnull(ok);
    path2 = write_file("[daemon]\nside = left\n\n[haptic]\nline = M\nalerts = loud\n");
    bad = kn_config_load(path2, groups, G_N_ELEMENTS(groups), &error);
    g_assert_null(bad);
    want = g_strdup_printf("%s:6: [haptic] alerts: 'loud' is not info, warning, critical or none",
                           path2);
    g_assert_cmpstr(error->message, ==, want);
}

int main(int argc, char **argv)
{
    g_autoptr(GError) error = NULL;
    g_autofree char *conf = NULL;
    int r;

    g_test_init(&argc, &argv, NULL);
    dir = g_dir_make_tmp("kneed-sleeve-config-XXXXXX", &error);
    g_assert_no_error(error);
    g_test_add_func("/sleeve/config/defaults", test_defaults);
    g_test_add_func("/sleeve/config/every-key", test_every_key);
    g_test_add_func("/sleeve/config/errors", test_errors);
    g_test_add_func("/sleeve/config/through-config-load", test_through_config_load);
    r = g_test_run();
    conf = g_build_filename(dir, "kneed.conf", NULL);
    g_unlink(conf);
    g_rmdir(dir);
    g_free(dir);
    return r;
}
