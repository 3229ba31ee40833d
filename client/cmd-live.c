/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * kneectl's one-shot live commands against a running kneed: status,
 * calibrate, pain, session, thresholds.  (monitor and alerts follow the
 * daemon: cmd-monitor.c.)
 */
#define G_LOG_DOMAIN "kneectl"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "client/commands.h"
#include "client/live.h"

/* Parses a subcommand's options; prints the error and returns FALSE. */
static gboolean parse_options(int *argc, char ***argv, const char *params, const char *summary,
                              const GOptionEntry *entries, int *ret_status)
{
    g_autoptr(GOptionContext) ctx = g_option_context_new(params);
    g_autoptr(GError) error = NULL;
    g_autofree char *cmd = g_strdup((*argv)[0]);

    g_option_context_set_summary(ctx, summary);
    if (entries)
        g_option_context_add_main_entries(ctx, entries, NULL);
    if (!g_option_context_parse(ctx, argc, argv, &error)) {
        fprintf(stderr, "kneectl %s: %s\n", cmd, error->message);
        *ret_status = KN_EXIT_USAGE;
        return FALSE;
    }
    return TRUE;
}

/* ---- status ---- */

static void print_sensors(GDBusConnection *bus, int *status)
{
    g_autoptr(GVariant) r = kn_live_call(bus, "status", "org.freedesktop.DBus.ObjectManager",
                                         "GetManagedObjects", NULL, "(a{oa{sa{sv}}})", 5000,
                                         status);
    g_autoptr(GVariantIter) objects = NULL;
    GVariant *ifaces;
    const char *path;

    if (!r)
        return;
    g_variant_get(r, "(a{oa{sa{sv}}})", &objects);
    while (g_variant_iter_loop(objects, "{&o@a{sa{sv}}}", &path, &ifaces)) {
        g_autoptr(GVariant) props = g_variant_lookup_value(ifaces, KN_LIVE_SENSOR_IFACE,
                                                           G_VARIANT_TYPE_VARDICT);
        const char *err;

        if (!props)
            continue;
        err = kn_live_dict_string(props, "LastError", "");
        printf("  %-6s %-12s %6.0f Hz%s%s%s%s\n", kn_live_dict_string(props, "Name", "?"),
               kn_live_dict_string(props, "State",
                                   kn_live_dict_bool(props, "Present", FALSE) ? "present"
                                                                              : "absent"),
               kn_live_dict_double(props, "Rate", 0),
               *kn_live_dict_string(props, "Device", "") ? "  " : "",
               kn_live_dict_string(props, "Device", ""), *err ? "  last error: " : "", err);
    }
}

static void print_stride(GVariant *s)
{
    g_autofree char *ic = kn_live_format_double(kn_live_dict_double(s, "ic_flex_deg", NAN), 1);
    g_autofree char *st = kn_live_format_double(kn_live_dict_double(s, "stance_peak_flex_deg", NAN), 1);
    g_autofree char *sw = kn_live_format_double(kn_live_dict_double(s, "swing_peak_flex_deg", NAN), 1);
    g_autofree char *rom = kn_live_format_double(kn_live_dict_double(s, "rom_deg", NAN), 1);
    g_autofree char *ct = kn_live_format_double(kn_live_dict_double(s, "contact_s", NAN) * 1000, 0);
    g_autofree char *imp = kn_live_format_double(kn_live_dict_double(s, "impact_g", NAN), 1);

    printf("#%" G_GUINT64_FORMAT ": flexion at contact %s°, stance peak %s°, swing peak %s°, "
           "range %s°, contact %s ms, impact %s g\n", kn_live_dict_uint(s, "index", 0), ic, st,
           sw, rom, ct, imp);
}

int kn_cmd_status(int argc, char **argv)
{
    int status = KN_EXIT_OK;
    g_autoptr(GDBusConnection) bus = NULL;
    g_autoptr(GVariant) p = NULL;
    g_autoptr(GVariant) stride = NULL;
    g_autofree char *knee = NULL;
    g_autofree char *offset = NULL;
    g_autofree char *rom = NULL;
    int battery;

    if (!parse_options(&argc, &argv, "", "Show kneed's state, sensors and latest metrics.",
                       NULL, &status))
        return status;
    if (argc > 1) {
        fprintf(stderr, "kneectl status: unexpected argument '%s'\n", argv[1]);
        return KN_EXIT_USAGE;
    }
    bus = kn_live_connect("status", &status);
    if (!bus)
        return status;
    p = kn_live_get_all(bus, "status", &status);
    if (!p)
        return status;

    knee = kn_live_format_double(kn_live_dict_double(p, "KneeAngle", NAN), 1);
    offset = kn_live_format_double(kn_live_dict_double(p, "ZeroOffset", NAN), 1);
    rom = kn_live_format_double(kn_live_dict_double(p, "BaselineRangeOfMotion", NAN), 1);
    battery = (int) kn_live_dict_int(p, "BatteryLevel", -1);
    printf("kneed %s on the %s bus\n", kn_live_dict_string(p, "Version", "?"),
           kn_live_bus_name(kn_live_bus_type()));
    printf("State:         %s\n", kn_live_dict_string(p, "State", "?"));
    printf("Source:        %s (%.2g× real time, batch %" G_GUINT64_FORMAT " ms)\n",
           kn_live_dict_string(p, "Source", "?"), kn_live_dict_double(p, "SourceSpeed", 0),
           kn_live_dict_uint(p, "BatchPeriod", 0));
    printf("Side:          %s\n", kn_live_dict_string(p, "Side", "?"));
    if (battery >= 0)
        printf("Battery:       %d %%\n", battery);
    else
        printf("Battery:       unknown\n");
    printf("Sensors:\n");
    print_sensors(bus, &status);
    printf("Knee angle:    %s°  (zero offset %s°)\n", knee, offset);
    printf("Cadence:       %.0f steps/min, %s\n", kn_live_dict_double(p, "Cadence", 0),
           kn_live_dict_string(p, "Activity", "?"));
    printf("Strides:       %" G_GUINT64_FORMAT "\n", kn_live_dict_uint(p, "StrideCount", 0));
    stride = g_variant_lookup_value(p, "LastStride", G_VARIANT_TYPE_VARDICT);
    if (stride && g_variant_n_children(stride) > 0) {
        printf("Last stride:   ");
        print_stride(stride);
    }
    printf("Baseline ROM:  %s°\n", rom);
    if (kn_live_dict_bool(p, "SessionActive", FALSE)) {
        g_autofree char *since = kn_live_format_time(kn_live_dict_int(p, "SessionStart", 0));

        printf("Session:       #%" G_GUINT64_FORMAT " since %s\n",
               kn_live_dict_uint(p, "SessionId", 0), since);
    } else {
        printf("Session:       none\n");
    }
    if (kn_live_dict_double(p, "CoachingTarget", 0) > 0)
        printf("Coaching:      towards %.0f steps/min\n", kn_live_dict_double(p, "CoachingTarget", 0));
    /* Whose time the wall times above are (docs/dbus-api.md, "Time"). */
    printf("Clock:         %s%s\n",
           g_strcmp0(kn_live_dict_string(p, "WallClockSource", ""), "client") == 0
               ? "a client's time" : "the board's clock",
           kn_live_dict_bool(p, "WallClockSet", FALSE) ? "" : " (not set since kneed started)");
    if (kn_live_dict_bool(p, "PairingWindowOpen", FALSE)) {
        g_autofree char *until = kn_live_format_time(kn_live_dict_int(p, "PairingWindowEnd", 0));

        printf("Pairing:       open until %s\n", until);
    }
    printf("Frames:        %" G_GUINT64_FORMAT " analysed, %" G_GUINT64_FORMAT " rejected\n",
           kn_live_dict_uint(p, "FramesAccepted", 0), kn_live_dict_uint(p, "FramesRejected", 0));
    printf("Alerts:        %" G_GUINT64_FORMAT " raised\n", kn_live_dict_uint(p, "AlertCount", 0));
    return status;
}

/* ---- calibrate ---- */

int kn_cmd_calibrate(int argc, char **argv)
{
    int status = KN_EXIT_OK;
    g_autoptr(GDBusConnection) bus = NULL;
    g_autoptr(GVariant) r = NULL;
    double offset, residual, stillness;

    if (argc > 1 && strcmp(argv[1], "flex") == 0)
        return kn_cmd_calibrate_flex(argc - 1, argv + 1);
    if (!parse_options(&argc, &argv, "[flex]",
                       "Zero the knee angle: stand straight and still for a second.  "
                       "'kneectl calibrate flex' calibrates the flexion sensor.", NULL,
                       &status))
        return status;
    bus = kn_live_connect("calibrate", &status);
    if (!bus)
        return status;
    printf("Stand straight and still...\n");
    fflush(stdout);
    r = kn_live_call(bus, "calibrate", NULL, "Calibrate", NULL, "(ddd)", 15000, &status);
    if (!r)
        return status;
    g_variant_get(r, "(ddd)", &offset, &residual, &stillness);
    printf("Calibrated: the knee read %.1f°, now 0° (zero offset %.1f°)\n", residual, offset);
    return KN_EXIT_OK;
}

/* ---- pain ---- */

static int pain_marks(void)
{
    int status = KN_EXIT_OK;
    g_autoptr(GDBusConnection) bus = kn_live_connect("pain", &status);
    g_autoptr(GVariant) r = NULL;
    g_autoptr(GVariantIter) it = NULL;
    guint64 id, session;
    gint64 when;
    gboolean scored;
    guint n = 0;

    if (!bus)
        return status;
    r = kn_live_call(bus, "pain", NULL, "ListPainMarks", NULL, "(a(txtb))", 5000, &status);
    if (!r)
        return status;
    g_variant_get(r, "(a(txtb))", &it);
    while (g_variant_iter_next(it, "(txtb)", &id, &when, &session, &scored)) {
        g_autofree char *t = kn_live_format_time(when);

        if (session)
            printf("%6" G_GUINT64_FORMAT "  %s  session %" G_GUINT64_FORMAT "  %s\n", id, t,
                   session, scored ? "scored" : "waiting for a score");
        else
            printf("%6" G_GUINT64_FORMAT "  %s  no session  %s\n", id, t,
                   scored ? "scored" : "waiting for a score");
        n++;
    }
    if (n == 0)
        printf("No pain marks\n");
    return KN_EXIT_OK;
}

static int pain_mark(void)
{
    int status = KN_EXIT_OK;
    g_autoptr(GDBusConnection) bus = kn_live_connect("pain", &status);
    g_autoptr(GVariant) r = NULL;
    guint64 id;

    if (!bus)
        return status;
    r = kn_live_call(bus, "pain", NULL, "MarkPain", NULL, "(t)", 5000, &status);
    if (!r)
        return status;
    g_variant_get(r, "(t)", &id);
    printf("Pain mark %" G_GUINT64_FORMAT " made; score it with "
           "'kneectl pain SCORE --where W --mark %" G_GUINT64_FORMAT "'\n", id, id);
    return KN_EXIT_OK;
}

int kn_cmd_pain(int argc, char **argv)
{
    static const char *const locations[] = { "front", "outside", "inside", "back", NULL };
    static const char *const timings[] = { "start", "during", "after", NULL };
    int status = KN_EXIT_OK;
    g_autoptr(GDBusConnection) bus = NULL;
    g_autoptr(GVariant) r = NULL;
    g_autofree char *where = NULL;
    g_autofree char *when = NULL;
    g_autofree char *note = NULL;
    gint64 mark = 0;
    guint64 score, seq;
    const GOptionEntry entries[] = {
        { "where", 0, 0, G_OPTION_ARG_STRING, &where,
          "Where it hurts: front, outside, inside or back (required)", "WHERE" },
        { "when", 0, 0, G_OPTION_ARG_STRING, &when,
          "When: start, during (default) or after the run", "WHEN" },
        { "note", 0, 0, G_OPTION_ARG_STRING, &note, "A short note", "TEXT" },
        { "mark", 0, 0, G_OPTION_ARG_INT64, &mark,
          "Score this pain mark (the sleeve's button) instead of reporting now", "ID" },
        { NULL }
    };

    if (!parse_options(&argc, &argv, "SCORE | mark | marks",
                       "Log a pain report, SCORE 0 (none) to 10 (worst); above 7 raises a "
                       "red-flag alert.  'mark' marks this moment to score later; 'marks' "
                       "lists the marks (a short press of the sleeve's button makes one).",
                       entries, &status))
        return status;
    if (argc == 2 && strcmp(argv[1], "marks") == 0)
        return pain_marks();
    if (argc == 2 && strcmp(argv[1], "mark") == 0)
        return pain_mark();
    if (argc != 2 || !g_ascii_string_to_unsigned(argv[1], 10, 0, 10, &score, NULL)) {
        fprintf(stderr, "kneectl pain: give one SCORE from 0 to 10, or 'mark' or 'marks'\n");
        return KN_EXIT_USAGE;
    }
    if (!where || !g_strv_contains(locations, where)) {
        fprintf(stderr, "kneectl pain: --where must be front, outside, inside or back\n");
        return KN_EXIT_USAGE;
    }
    if (when && !g_strv_contains(timings, when)) {
        fprintf(stderr, "kneectl pain: --when must be start, during or after\n");
        return KN_EXIT_USAGE;
    }
    if (mark < 0) {
        fprintf(stderr, "kneectl pain: --mark takes a mark id ('kneectl pain marks')\n");
        return KN_EXIT_USAGE;
    }
    bus = kn_live_connect("pain", &status);
    if (!bus)
        return status;
    if (mark)
        r = kn_live_call(bus, "pain", NULL, "ScorePainMark",
                         g_variant_new("(tusss)", (guint64) mark, (guint32) score, where,
                                       when ? when : "during", note ? note : ""),
                         "(t)", 5000, &status);
    else
        r = kn_live_call(bus, "pain", NULL, "ReportPain",
                         g_variant_new("(usss)", (guint32) score, where, when ? when : "during",
                                       note ? note : ""), "(t)", 5000, &status);
    if (!r)
        return status;
    g_variant_get(r, "(t)", &seq);
    if (mark)
        printf("Pain mark %" G_GINT64_FORMAT " scored %" G_GUINT64_FORMAT "/10 (%s, %s)\n", mark,
               score, where, when ? when : "during");
    else
        printf("Pain %" G_GUINT64_FORMAT "/10 (%s, %s) recorded\n", score, where,
               when ? when : "during");
    if (seq)
        printf("Red flag: alert #%" G_GUINT64_FORMAT " raised. Stop and rest; if the pain "
               "persists, have the knee checked by a professional.\n", seq);
    return KN_EXIT_OK;
}

/* ---- session ---- */

static void print_summary(GVariant *s)
{
    g_autoptr(GVariant) alerts = g_variant_lookup_value(s, "alerts", G_VARIANT_TYPE("a{su}"));
    g_autofree char *cad = kn_live_format_double(kn_live_dict_double(s, "cadence_spm_mean", NAN), 0);
    g_autofree char *rom = kn_live_format_double(kn_live_dict_double(s, "rom_deg_mean", NAN), 1);
    g_autofree char *sw = kn_live_format_double(kn_live_dict_double(s, "swing_peak_flex_deg_mean", NAN), 1);
    GVariantIter iter;
    const char *kind;
    guint32 n;
    guint total = 0;

    printf("Session %" G_GUINT64_FORMAT ": %.0f s, %" G_GUINT64_FORMAT " strides, "
           "%" G_GUINT64_FORMAT " steps\n", kn_live_dict_uint(s, "session_id", 0),
           kn_live_dict_double(s, "duration_s", 0), kn_live_dict_uint(s, "strides", 0),
           kn_live_dict_uint(s, "steps", 0));
    printf("  cadence %s steps/min, range of motion %s°, swing peak %s° (means)\n", cad, rom, sw);
    printf("  alerts:");
    if (alerts) {
        g_variant_iter_init(&iter, alerts);
        while (g_variant_iter_next(&iter, "{&su}", &kind, &n)) {
            if (n) {
                printf(" %s %u", kind, n);
                total += n;
            }
        }
    }
    printf("%s\n", total ? "" : " none");
}

int kn_cmd_session(int argc, char **argv)
{
    int status = KN_EXIT_OK;
    g_autoptr(GDBusConnection) bus = NULL;
    g_autoptr(GVariant) r = NULL;
    gboolean start;

    if (!parse_options(&argc, &argv, "start|stop", "Start or stop a session.", NULL, &status))
        return status;
    if (argc != 2 || (strcmp(argv[1], "start") != 0 && strcmp(argv[1], "stop") != 0)) {
        fprintf(stderr, "kneectl session: say start or stop\n");
        return KN_EXIT_USAGE;
    }
    start = strcmp(argv[1], "start") == 0;
    bus = kn_live_connect("session", &status);
    if (!bus)
        return status;
    if (start) {
        guint64 id;

        r = kn_live_call(bus, "session", NULL, "StartSession", NULL, "(t)", 5000, &status);
        if (!r)
            return status;
        g_variant_get(r, "(t)", &id);
        printf("Session %" G_GUINT64_FORMAT " started\n", id);
    } else {
        g_autoptr(GVariant) summary = NULL;

        r = kn_live_call(bus, "session", NULL, "StopSession", NULL, "(a{sv})", 5000, &status);
        if (!r)
            return status;
        g_variant_get(r, "(@a{sv})", &summary);
        print_summary(summary);
    }
    return KN_EXIT_OK;
}

/* ---- thresholds ---- */

static void print_thresholds(GVariant *desc, GVariant *values, char **only)
{
    GVariantIter iter;
    const char *key, *unit, *kind, *summary;
    double min, max, def;

    g_variant_iter_init(&iter, desc);
    while (g_variant_iter_next(&iter, "(&s&s&sddd&s)", &key, &unit, &kind, &min, &max, &def,
                               &summary)) {
        g_autoptr(GVariant) v = g_variant_lookup_value(values, key, NULL);
        double value = NAN;

        if (only && !g_strv_contains((const char *const *) only, key))
            continue;
        if (v && g_variant_is_of_type(v, G_VARIANT_TYPE_DOUBLE))
            value = g_variant_get_double(v);
        else if (v && g_variant_is_of_type(v, G_VARIANT_TYPE_UINT32))
            value = g_variant_get_uint32(v);
        printf("%-38s %8g %-7s %s (%g..%g, default %g)\n", key, value, unit,
               value == def ? " " : "*", min, max, def);
    }
}

int kn_cmd_thresholds(int argc, char **argv)
{
    int status = KN_EXIT_OK;
    g_autoptr(GDBusConnection) bus = NULL;
    g_autoptr(GVariant) desc_r = NULL;
    g_autoptr(GVariant) values_r = NULL;
    g_autoptr(GVariant) desc = NULL;
    g_autoptr(GVariant) values = NULL;
    g_autoptr(GPtrArray) keys = g_ptr_array_new_with_free_func(g_free);
    GVariantBuilder b;

    if (!parse_options(&argc, &argv, "[KEY=VALUE...]",
                       "Show the detector thresholds, or set some (all or nothing). "
                       "Changed values are marked '*'.", NULL, &status))
        return status;
    g_variant_builder_init(&b, G_VARIANT_TYPE_VARDICT);
    for (int i = 1; i < argc; i++) {
        const char *eq = strchr(argv[i], '=');
        g_autofree char *key = eq ? g_strndup(argv[i], (gsize) (eq - argv[i])) : NULL;
        char *end = NULL;
        double v;

        if (!key || !*key) {
            fprintf(stderr, "kneectl thresholds: '%s' is not KEY=VALUE\n", argv[i]);
            g_variant_builder_clear(&b);
            return KN_EXIT_USAGE;
        }
        errno = 0;
        v = g_ascii_strtod(eq + 1, &end);
        if (!eq[1] || *end || errno || !isfinite(v)) {
            fprintf(stderr, "kneectl thresholds: %s: '%s' is not a number\n", key, eq + 1);
            g_variant_builder_clear(&b);
            return KN_EXIT_USAGE;
        }
        g_variant_builder_add(&b, "{sv}", key, g_variant_new_double(v));
        g_ptr_array_add(keys, g_steal_pointer(&key));
    }
    bus = kn_live_connect("thresholds", &status);
    if (!bus) {
        g_variant_builder_clear(&b);
        return status;
    }
    if (keys->len > 0) {
        g_autoptr(GVariant) r = kn_live_call(bus, "thresholds", NULL, "SetThresholds",
                                             g_variant_new("(a{sv})", &b), NULL, 5000, &status);
        if (!r)
            return status;
    } else {
        g_variant_builder_clear(&b);
    }
    desc_r = kn_live_call(bus, "thresholds", NULL, "DescribeThresholds", NULL, "(a(sssddds))",
                          5000, &status);
    if (!desc_r)
        return status;
    values_r = kn_live_call(bus, "thresholds", NULL, "GetThresholds", NULL, "(a{sv})", 5000,
                            &status);
    if (!values_r)
        return status;
    g_variant_get(desc_r, "(@a(sssddds))", &desc);
    g_variant_get(values_r, "(@a{sv})", &values);
    g_ptr_array_add(keys, NULL);
    print_thresholds(desc, values, keys->len > 1 ? (char **) keys->pdata : NULL);
    return KN_EXIT_OK;
}

/* ---- pair ---- */

#define BT_PATH "/org/kneed/Kneed1/bluetooth"
#define BT_IFACE "org.kneed.Kneed1.Bluetooth"

/* A call to the Bluetooth object; NULL after printing why. */
static GVariant *bt_call(GDBusConnection *bus, const char *method, GVariant *params,
                         const char *reply_type, int *status)
{
    g_autoptr(GError) error = NULL;
    g_autofree char *remote = NULL;
    GVariant *r = g_dbus_connection_call_sync(bus, KN_LIVE_NAME, BT_PATH,
                                              strcmp(method, "GetAll") == 0
                                                  ? "org.freedesktop.DBus.Properties"
                                                  : BT_IFACE,
                                              method, params,
                                              reply_type ? G_VARIANT_TYPE(reply_type) : NULL,
                                              G_DBUS_CALL_FLAGS_NO_AUTO_START, 5000, NULL,
                                              &error);

    if (r)
        return r;
    remote = g_dbus_error_get_remote_error(error);
    if (g_strcmp0(remote, "org.freedesktop.DBus.Error.UnknownObject") == 0 ||
        g_strcmp0(remote, "org.freedesktop.DBus.Error.UnknownMethod") == 0) {
        fprintf(stderr, "kneectl pair: kneed runs without Bluetooth ([bluetooth] enable)\n");
        *status = KN_EXIT_FAILED;
        return NULL;
    }
    *status = kn_live_report_error("pair", error);
    return NULL;
}

static int pair_show(GDBusConnection *bus)
{
    int status = KN_EXIT_OK;
    g_autoptr(GVariant) daemon = kn_live_get_all(bus, "pair", &status);
    g_autoptr(GVariant) r = NULL;
    g_autoptr(GVariant) bt = NULL;
    const char *pending;

    if (!daemon)
        return status;
    r = bt_call(bus, "GetAll", g_variant_new("(s)", BT_IFACE), "(a{sv})", &status);
    if (!r)
        return status;
    g_variant_get(r, "(@a{sv})", &bt);
    if (kn_live_dict_bool(daemon, "PairingWindowOpen", FALSE)) {
        g_autofree char *until = kn_live_format_time(kn_live_dict_int(daemon, "PairingWindowEnd", 0));

        printf("Pairing window: open until %s\n", until);
    } else {
        printf("Pairing window: closed\n");
    }
    pending = kn_live_dict_string(bt, "PendingBond", "");
    if (*pending)
        printf("New bond:       %s waits for confirmation (kneectl pair confirm|deny)\n",
               kn_live_dict_string(bt, "PendingBondAddress", "?"));
    else
        printf("New bond:       none waiting\n");
    return KN_EXIT_OK;
}

int kn_cmd_pair(int argc, char **argv)
{
    int status = KN_EXIT_OK;
    g_autoptr(GDBusConnection) bus = NULL;
    g_autoptr(GVariant) r = NULL;
    const char *what;
    guint64 seconds = 120;

    if (!parse_options(&argc, &argv, "[open [SECONDS]|confirm|deny]",
                       "Open the BLE pairing window; keep (confirm) or remove (deny) the new "
                       "bond that waits for the wearer's confirmation.  Without a word: show "
                       "both.", NULL, &status))
        return status;
    what = argc > 1 ? argv[1] : NULL;
    if ((what && strcmp(what, "open") != 0 && strcmp(what, "confirm") != 0 &&
         strcmp(what, "deny") != 0) ||
        argc > (what && strcmp(what, "open") == 0 ? 3 : 2)) {
        fprintf(stderr, "kneectl pair: say open [SECONDS], confirm or deny\n");
        return KN_EXIT_USAGE;
    }
    if (what && strcmp(what, "open") == 0 && argc == 3 &&
        !g_ascii_string_to_unsigned(argv[2], 10, 1, 600, &seconds, NULL)) {
        fprintf(stderr, "kneectl pair: '%s' is not a number of seconds from 1 to 600\n", argv[2]);
        return KN_EXIT_USAGE;
    }
    bus = kn_live_connect("pair", &status);
    if (!bus)
        return status;
    if (!what)
        return pair_show(bus);
    if (strcmp(what, "open") == 0) {
        r = kn_live_call(bus, "pair", NULL, "OpenPairingWindow",
                         g_variant_new("(u)", (guint32) seconds), NULL, 5000, &status);
        if (!r)
            return status;
        printf("Pairing window open for %" G_GUINT64_FORMAT " s\n", seconds);
        return KN_EXIT_OK;
    }
    r = bt_call(bus, strcmp(what, "confirm") == 0 ? "ConfirmBond" : "DenyBond", NULL, NULL,
                &status);
    if (!r)
        return status;
    printf(strcmp(what, "confirm") == 0 ? "The new bond is kept\n"
                                        : "The new bond is removed\n");
    return KN_EXIT_OK;
}
