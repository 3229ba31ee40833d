/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Configuration: the line finder, typed getters, and every kind of bad
 * kneed.conf rejected with "FILE:LINE: [group] key: message". */
#include <glib.h>
#include <glib/gstdio.h>
#include <string.h>

#include "daemon/config.h"
#include "daemon/keyfile.h"
#include "drivers/recording.h"

static char *tmpdir;

static char *write_file(const char *name, const char *contents)
{
    g_autoptr(GError) error = NULL;
    char *path = g_build_filename(tmpdir, name, NULL);

    g_file_set_contents(path, contents, -1, &error);
    g_assert_no_error(error);
    return path;
}

static const char sample[] =
    "# comment [daemon]\n"          /* 1 */
    "[daemon]\n"                    /* 2 */
    "source = replay\n"             /* 3 */
    "  side=left\n"                 /* 4 */
    "\n"                            /* 5 */
    "[replay]\n"                    /* 6 */
    "speed = 2\n"                   /* 7 */
    "#speed = 3\n"                  /* 8 */
    "[daemon]\n"                    /* 9: GKeyFile merges repeated groups */
    "side = right\n"                /* 10 */
    "sidekick = 1\n"                /* 11 */
    "[daemonic]\n"                  /* 12 */
    "side = 3";                     /* 13, no final newline */

static void test_find_line(void)
{
    g_assert_cmpuint(kn_keyfile_find_line(sample, "daemon", NULL), ==, 2);
    g_assert_cmpuint(kn_keyfile_find_line(sample, "daemon", "source"), ==, 3);
    /* The last occurrence wins, as in GKeyFile. */
    g_assert_cmpuint(kn_keyfile_find_line(sample, "daemon", "side"), ==, 10);
    g_assert_cmpuint(kn_keyfile_find_line(sample, "daemon", "sidekick"), ==, 11);
    g_assert_cmpuint(kn_keyfile_find_line(sample, "replay", "speed"), ==, 7);
    g_assert_cmpuint(kn_keyfile_find_line(sample, "daemonic", "side"), ==, 13);
    g_assert_cmpuint(kn_keyfile_find_line(sample, "daemon", "file"), ==, 0);
    g_assert_cmpuint(kn_keyfile_find_line(sample, "thresholds", NULL), ==, 0);
    g_assert_cmpuint(kn_keyfile_find_line(sample, "daemo", NULL), ==, 0);
    g_assert_cmpuint(kn_keyfile_find_line("", "daemon", "side"), ==, 0);
    g_assert_cmpuint(kn_keyfile_find_line(NULL, "daemon", "side"), ==, 0);
}

static void test_getters(void)
{
    g_autoptr(GError) error = NULL;
    g_autofree char *path = write_file("get.conf",
        "[g]\nd = 2.5\nbad = 2.5x\nu = 7\nneg = -1\nb = true\nbb = maybe\ns =  text \n"
        "l = a; b ;;c\n"
        "esc = tab\\there\\s\\\\\n"
        "lesc = x\\;y; z\n"
        "bad1 = y\\|y\\\n"
        "bad2 = trailing\\\n"
        "bad3 = a\\;b\n");
    g_autoptr(KnKeyFile) kf = kn_keyfile_load(path, &error);
    g_autofree char *s = NULL;
    g_auto(GStrv) list = NULL;
    g_autofree char *expect = NULL;
    double d = -1;
    guint64 u = 0;
    gboolean b = FALSE;

    g_assert_no_error(error);
    g_assert_true(kn_keyfile_get_double(kf, "g", "d", 0, 10, &d, &error));
    g_assert_cmpfloat(d, ==, 2.5);
    d = -1;
    g_assert_true(kn_keyfile_get_double(kf, "g", "absent", 0, 10, &d, &error));
    g_assert_cmpfloat(d, ==, -1);
    g_assert_false(kn_keyfile_get_double(kf, "g", "bad", 0, 10, &d, &error));
    expect = g_strdup_printf("%s:3: [g] bad: not a number: '2.5x'", path);
    g_assert_cmpstr(error->message, ==, expect);
    g_clear_error(&error);
    g_assert_false(kn_keyfile_get_double(kf, "g", "d", 3, 10, &d, &error));
    g_assert_true(g_str_has_suffix(error->message, ":2: [g] d: 2.5 is outside 3..10"));
    g_clear_error(&error);

    g_assert_true(kn_keyfile_get_uint(kf, "g", "u", 0, 10, &u, &error));
    g_assert_cmpuint(u, ==, 7);
    g_assert_false(kn_keyfile_get_uint(kf, "g", "neg", 0, 10, &u, &error));
    g_assert_true(g_str_has_suffix(error->message, ":5: [g] neg: not a whole number: '-1'"));
    g_clear_error(&error);

    g_assert_true(kn_keyfile_get_boolean(kf, "g", "b", &b, &error));
    g_assert_true(b);
    g_assert_false(kn_keyfile_get_boolean(kf, "g", "bb", &b, &error));
    g_assert_true(g_str_has_suffix(error->message, ":7: [g] bb: not true or false: 'maybe'"));
    g_clear_error(&error);

    g_assert_true(kn_keyfile_get_string(kf, "g", "s", &s, &error));
    g_assert_cmpstr(s, ==, "text");
    list = kn_keyfile_get_list(kf, "g", "l", &error);
    g_assert_no_error(error);
    g_assert_cmpuint(g_strv_length(list), ==, 3);
    g_assert_cmpstr(list[1], ==, "b");
    g_assert_cmpstr(list[2], ==, "c");
    g_clear_pointer(&list, g_strfreev);

    /* GKeyFile's escapes, and a refusal naming the line for a bad one
     * (GLib's own decoder set its error twice for bad1 and bad2) */
    g_assert_true(kn_keyfile_get_string(kf, "g", "esc", &s, &error));
    g_assert_cmpstr(s, ==, "tab\there \\");
    list = kn_keyfile_get_list(kf, "g", "lesc", &error);
    g_assert_no_error(error);
    g_assert_cmpuint(g_strv_length(list), ==, 2);
    g_assert_cmpstr(list[0], ==, "x;y");
    g_assert_null(kn_keyfile_get_list(kf, "g", "bad1", &error));
    g_assert_true(g_str_has_suffix(error->message, ":12: [g] bad1: invalid escape sequence '\\|'"));
    g_clear_error(&error);
    g_assert_null(kn_keyfile_get_list(kf, "g", "bad2", &error));
    g_assert_true(g_str_has_suffix(error->message, ":13: [g] bad2: the value ends with a lone '\\'"));
    g_clear_error(&error);
    g_assert_false(kn_keyfile_get_string(kf, "g", "bad2", &s, &error));
    g_clear_error(&error);
    g_assert_false(kn_keyfile_get_string(kf, "g", "bad3", &s, &error));
    g_assert_true(g_str_has_suffix(error->message, ":14: [g] bad3: invalid escape sequence '\\;'"));
}

static void test_parse_error_line(void)
{
    g_autoptr(GError) error = NULL;
    g_autofree char *path = write_file("syntax.conf", "[daemon]\nside = left\nthis is no key\n");
    g_autoptr(KnKeyFile) kf = kn_keyfile_load(path, &error);
    g_autofree char *prefix = g_strdup_printf("%s:3: ", path);

    g_assert_null(kf);
    g_assert_error(error, KN_CONFIG_ERROR, KN_CONFIG_ERROR_PARSE);
    g_assert_true(g_str_has_prefix(error->message, prefix));
}

static void test_missing_file(void)
{
    g_autoptr(GError) error = NULL;
    g_autofree char *path = g_build_filename(tmpdir, "nope.conf", NULL);
    g_autoptr(KnConfig) c = kn_config_load(path, NULL, 0, &error);

    g_assert_null(c);
    g_assert_error(error, KN_CONFIG_ERROR, KN_CONFIG_ERROR_IO);
    g_assert_true(strstr(error->message, path) != NULL);
}

static char *recording_path(void)
{
    return write_file("rec.csv",
        "# kneed-recording v1\n# rate_hz=100\nt_s,knee_deg\n0.00,1\n0.01,2\n0.02,3\n");
}

static void test_good(void)
{
    g_autoptr(GError) error = NULL;
    g_autofree char *rec = recording_path();
    g_autofree char *text = g_strdup_printf(
        "[daemon]\nsource = replay\nside = left\nbatch_ms = 20\npublish_hz = 5\n"
        "[replay]\nfile = rec.csv\nspeed = 0\nloop = true\n"
        "[thresholds]\nhyperextension.angle_deg = 7\n"
        "[locking]\nstrides = 4\n"
        "[bluetooth]\nanything = goes\n");
    g_autofree char *path = write_file("good.conf", text);
    const KnConfigGroup modules[] = { { "bluetooth", NULL, NULL } };
    g_autoptr(KnConfig) c = kn_config_load(path, modules, G_N_ELEMENTS(modules), &error);

    g_assert_no_error(error);
    g_assert_cmpstr(c->driver->name, ==, "replay");
    g_assert_cmpint(c->core_opts.params.side, ==, KN_SIDE_LEFT);
    g_assert_cmpint(c->driver_opts.side, ==, KN_SIDE_LEFT);
    g_assert_cmpuint(c->driver_opts.batch_ms, ==, 20);
    g_assert_cmpfloat(c->core_opts.publish_hz, ==, 5);
    /* Relative to the configuration file's directory. */
    g_assert_cmpstr(c->driver_opts.replay_file, ==, rec);
    g_assert_cmpfloat(c->driver_opts.replay_speed, ==, 0);
    g_assert_true(c->driver_opts.replay_loop);
    g_assert_cmpfloat(kn_params_get(&c->core_opts.params, KN_PARAM_HYPEREXT_DEG), ==, 7);
    g_assert_cmpfloat(kn_params_get(&c->core_opts.params, KN_PARAM_LOCKING_STRIDES), ==, 4);
    /* Untouched keys keep the table's defaults. */
    g_assert_cmpfloat(kn_params_get(&c->core_opts.params, KN_PARAM_HIGH_IMPACT_G), ==,
                      kn_params_info(KN_PARAM_HIGH_IMPACT_G)->def);
}

static gboolean module_check(const KnKeyFile *f, const char *group, gpointer data, GError **error)
{
    static const char *const keys[] = { "name", NULL };

    (*(int *) data)++;
    return kn_keyfile_check_keys(f, group, keys, error);
}

static void test_module_group(void)
{
    g_autoptr(GError) error = NULL;
    g_autofree char *rec = recording_path();
    g_autofree char *path = write_file("mod.conf",
        "[daemon]\nsource = replay\n[replay]\nfile = rec.csv\n[bluetooth]\nname = x\nnmae = y\n");
    int calls = 0;
    const KnConfigGroup modules[] = { { "bluetooth", module_check, &calls } };
    g_autoptr(KnConfig) c = kn_config_load(path, modules, 1, &error);
    g_autofree char *expect = g_strdup_printf("%s:7: [bluetooth] nmae: unknown key", path);

    g_assert_null(c);
    g_assert_cmpint(calls, ==, 1);
    g_assert_cmpstr(error->message, ==, expect);
}

/* Each bad file and the exact error it must give (FILE is the path). */
static const struct {
    const char *name;
    const char *text;
    const char *message;
} bad[] = {
    { "unknown-group", "[daemon]\nside = left\n[deamon]\nside = left\n",
      "FILE:3: [deamon]: unknown section" },
    { "unknown-key", "[daemon]\nside = left\nsied = right\n",
      "FILE:3: [daemon] sied: unknown key" },
    { "bad-side", "[daemon]\nside = middle\n",
      "FILE:2: [daemon] side: 'middle' is not left or right" },
    { "bad-source", "[daemon]\n\nsource = magic\n",
      "FILE:3: [daemon] source: unknown source 'magic' (simulated, replay, iio)" },
    { "batch-range", "[daemon]\nbatch_ms = 0\n",
      "FILE:2: [daemon] batch_ms: 0 is outside 1..1000" },
    { "publish-nan", "[daemon]\npublish_hz = fast\n",
      "FILE:2: [daemon] publish_hz: not a number: 'fast'" },
    { "threshold-unknown", "[thresholds]\nhyperextension.angel_deg = 3\n",
      "FILE:2: [thresholds] hyperextension.angel_deg: unknown threshold" },
    { "threshold-range", "[hyperextension]\n# deep\nangle_deg = 90\n",
      "FILE:3: [hyperextension] angle_deg: 90 is outside 1..30" },
    { "threshold-integer", "[locking]\nstrides = 2.5\n",
      "FILE:2: [locking] strides: 2.5 is not a whole number" },
    { "threshold-twice", "[thresholds]\nlocking.strides = 3\n[locking]\nstrides = 4\n",
      "FILE:4: [locking] strides: also set as [thresholds] locking.strides" },
    { "threshold-order", "[hyperextension]\nangle_deg = 20\ncritical_angle_deg = 15\n",
      "FILE:3: [hyperextension] critical_angle_deg: inconsistent with the other thresholds "
      "(a critical level below its warning level)" },
    { "replay-no-file", "[daemon]\nsource = replay\n",
      "FILE: [replay] file: required with source=replay" },
    { "replay-speed", "[replay]\nspeed = -1\n",
      "FILE:2: [replay] speed: -1 is outside 0..1000" },
    { "replay-loop", "[replay]\nloop = often\n",
      "FILE:2: [replay] loop: not true or false: 'often'" },
    { "sim-rate", "[simulated]\nrate_hz = 5000\n",
      "FILE:2: [simulated] rate_hz: 5000 is outside 100..1000" },
    { "sim-key", "[simulated]\nspeeed = 2\n",
      "FILE:2: [simulated] speeed: unknown key" },
};

static void test_bad(gconstpointer data)
{
    guint i = GPOINTER_TO_UINT(data);
    g_autoptr(GError) error = NULL;
    g_autofree char *name = g_strconcat(bad[i].name, ".conf", NULL);
    g_autofree char *path = write_file(name, bad[i].text);
    g_autoptr(KnConfig) c = kn_config_load(path, NULL, 0, &error);
    g_autoptr(GString) expect = g_string_new(bad[i].message);

    g_string_replace(expect, "FILE", path, 1);
    g_assert_null(c);
    g_assert_error(error, KN_CONFIG_ERROR, KN_CONFIG_ERROR_INVALID);
    g_assert_cmpstr(error->message, ==, expect->str);

    /* the same text from memory (the fuzzer's way in), the same message */
    g_clear_error(&error);
    c = kn_config_load_data(path, bad[i].text, strlen(bad[i].text), NULL, 0, &error);
    g_assert_null(c);
    g_assert_error(error, KN_CONFIG_ERROR, KN_CONFIG_ERROR_INVALID);
    g_assert_cmpstr(error->message, ==, expect->str);
}

static void test_load_data(void)
{
    static const char text[] = "[daemon]\nbatch_ms = 25\n";
    static const char nul[] = "[daemon]\nbatch_ms = 25\0\n";
    g_autoptr(GError) error = NULL;
    g_autoptr(KnConfig) c = kn_config_load_data("mem.conf", text, sizeof(text) - 1, NULL, 0, &error);

    g_assert_no_error(error);
    g_assert_cmpuint(c->driver_opts.batch_ms, ==, 25);
    g_clear_pointer(&c, kn_config_free);
    c = kn_config_load_data("mem.conf", nul, sizeof(nul) - 1, NULL, 0, &error);
    g_assert_null(c);
    g_assert_error(error, KN_CONFIG_ERROR, KN_CONFIG_ERROR_PARSE);
    g_assert_cmpstr(error->message, ==, "mem.conf: not a UTF-8 text file");
}

static void test_replay_bad_recording(void)
{
    g_autoptr(GError) error = NULL;
    g_autofree char *rec = write_file("broken.csv", "# kneed-recording v1\nt_s,knee_deg\n0,1\nx,2\n");
    g_autofree char *missing = write_file("missing.conf",
        "[daemon]\nsource = replay\n[replay]\nfile = /nonexistent/run.csv\n");
    g_autofree char *path = write_file("broken.conf",
        "[daemon]\nsource = replay\n[replay]\nfile = broken.csv\n");
    g_autoptr(KnConfig) c = kn_config_load(missing, NULL, 0, &error);
    g_autofree char *prefix = g_strdup_printf("%s:4: [replay] file: ", missing);

    g_assert_null(c);
    g_assert_true(g_str_has_prefix(error->message, prefix));
    g_assert_nonnull(strstr(error->message, "/nonexistent/run.csv"));
    g_clear_error(&error);
    /* The header is fine: the bad row is the replay's business (it stops
     * with the reader's message); the file itself is accepted. */
    c = kn_config_load(path, NULL, 0, &error);
    g_assert_no_error(error);
}

/* kneed --print-config reads back as the same configuration. */
static void test_print_roundtrip(void)
{
    g_autoptr(GError) error = NULL;
    g_autofree char *rec = recording_path();
    g_autofree char *path = write_file("print.conf",
        "[daemon]\nside = left\nbatch_ms = 25\npublish_hz = 3.5\n"
        "[simulated]\nrate_hz = 500\nseed = 12345678901\nnoise = 0.25\nsensors = flex, shank\n"
        "blocks = stand:3; walk:60:110:1.4; run:30\n"
        "events = hyperextension@10:depth=8,speed=350; range_loss@40:deg=15,duration=20\n"
        "repeat = false\nbattery_hours = 2.5\n"
        "[replay]\nfile = rec.csv\nspeed = 4\n"
        "[thresholds]\nhyperextension.angle_deg = 6.25\n[locking]\nstrides = 5\n");
    g_autoptr(KnConfig) a = kn_config_load(path, NULL, 0, &error);
    g_autofree char *text = NULL;
    g_autofree char *again = NULL;
    g_autoptr(KnConfig) b = NULL;

    g_assert_no_error(error);
    text = kn_config_to_string(a);
    again = write_file("printed.conf", text);
    b = kn_config_load(again, NULL, 0, &error);
    g_assert_no_error(error);
    g_assert_true(kn_config_same_source(a, b));
    g_assert_cmpmem(&a->core_opts, sizeof(a->core_opts), &b->core_opts, sizeof(b->core_opts));
    g_assert_cmpuint(b->driver_opts.sim.n_events, ==, 2);
    g_assert_cmpuint(b->driver_opts.sim.sensors, ==, KN_HAS_FLEX | KN_HAS_SHANK_IMU);
    g_assert_cmpuint(b->driver_opts.sim.seed, ==, G_GUINT64_CONSTANT(12345678901));
}

int main(int argc, char **argv)
{
    int r;

    g_test_init(&argc, &argv, NULL);
    tmpdir = g_dir_make_tmp("kneed-config-XXXXXX", NULL);
    g_test_add_func("/config/find-line", test_find_line);
    g_test_add_func("/config/getters", test_getters);
    g_test_add_func("/config/parse-error-line", test_parse_error_line);
    g_test_add_func("/config/missing-file", test_missing_file);
    g_test_add_func("/config/good", test_good);
    g_test_add_func("/config/module-group", test_module_group);
    g_test_add_func("/config/replay-bad-recording", test_replay_bad_recording);
    g_test_add_func("/config/print-roundtrip", test_print_roundtrip);
    g_test_add_func("/config/load-data", test_load_data);
    for (guint i = 0; i < G_N_ELEMENTS(bad); i++) {
        g_autofree char *path = g_strdup_printf("/config/bad/%s", bad[i].name);

        g_test_add_data_func(path, GUINT_TO_POINTER(i), test_bad);
    }
    r = g_test_run();
    {
        g_autoptr(GDir) dir = g_dir_open(tmpdir, 0, NULL);
        const char *name;

        while (dir && (name = g_dir_read_name(dir))) {
            g_autofree char *p = g_build_filename(tmpdir, name, NULL);
            g_unlink(p);
        }
        g_rmdir(tmpdir);
    }
    g_free(tmpdir);
    return r;
}
