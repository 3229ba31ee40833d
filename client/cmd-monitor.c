/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * kneectl monitor: a live view of kneed's metrics with alerts as they
 * arrive.  On a terminal the view is redrawn in place and alerts scroll
 * above it; otherwise (a pipe, a log) every change is one plain line.
 * kneectl alerts: alerts only, one line (or JSON object) each.
 */
#define G_LOG_DOMAIN "kneectl"

#include <glib-unix.h>
#include <json-glib/json-glib.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "client/commands.h"
#include "client/live.h"

typedef struct {
    const char *cmd;
    GDBusConnection *bus;
    GMainLoop *loop;
    int status;
    gboolean tty;
    gboolean strides;
    gboolean json;
    guint64 max_alerts;
    guint64 alerts;
    GVariantDict *props;          /* the daemon's properties, kept current */
    guint drawn_lines;            /* lines of the live view on screen */
    guint subs[4];
    guint timer;
} Monitor;

static void quit(Monitor *m, int status)
{
    if (m->status == KN_EXIT_OK)
        m->status = status;
    g_main_loop_quit(m->loop);
}

static double prop_double(Monitor *m, const char *key)
{
    double v;

    return g_variant_dict_lookup(m->props, key, "d", &v) ? v : NAN;
}

static const char *prop_string(Monitor *m, const char *key)
{
    const char *v;

    return g_variant_dict_lookup(m->props, key, "&s", &v) ? v : "?";
}

static guint64 prop_uint(Monitor *m, const char *key)
{
    g_autoptr(GVariant) v = g_variant_dict_lookup_value(m->props, key, NULL);

    if (v && g_variant_is_of_type(v, G_VARIANT_TYPE_UINT32))
        return g_variant_get_uint32(v);
    if (v && g_variant_is_of_type(v, G_VARIANT_TYPE_UINT64))
        return g_variant_get_uint64(v);
    return 0;
}

/* The live view, as lines. */
static GPtrArray *view_lines(Monitor *m)
{
    GPtrArray *lines = g_ptr_array_new_with_free_func(g_free);
    g_autoptr(GVariant) stride = g_variant_dict_lookup_value(m->props, "LastStride",
                                                             G_VARIANT_TYPE_VARDICT);
    g_autofree char *knee = kn_live_format_double(prop_double(m, "KneeAngle"), 1);
    g_autofree char *speed = kn_live_format_double(prop_double(m, "KneeSpeed"), 0);
    g_autofree char *rom = kn_live_format_double(prop_double(m, "BaselineRangeOfMotion"), 1);
    g_autofree char *t = kn_live_format_double(prop_double(m, "LiveTime"), 2);

    g_ptr_array_add(lines, g_strdup_printf("kneed: %s, %s source, t = %s s",
                                           prop_string(m, "State"), prop_string(m, "Source"), t));
    g_ptr_array_add(lines, g_strdup_printf("  knee      %7s°   speed %s°/s", knee, speed));
    g_ptr_array_add(lines, g_strdup_printf("  cadence   %7.0f    steps/min, %s, %" G_GUINT64_FORMAT
                                           " strides", prop_double(m, "Cadence"),
                                           prop_string(m, "Activity"), prop_uint(m, "StrideCount")));
    if (stride && g_variant_n_children(stride) > 0) {
        g_autofree char *ic = kn_live_format_double(kn_live_dict_double(stride, "ic_flex_deg", NAN), 1);
        g_autofree char *st = kn_live_format_double(kn_live_dict_double(stride, "stance_peak_flex_deg", NAN), 1);
        g_autofree char *sw = kn_live_format_double(kn_live_dict_double(stride, "swing_peak_flex_deg", NAN), 1);
        g_autofree char *r = kn_live_format_double(kn_live_dict_double(stride, "rom_deg", NAN), 1);
        g_autofree char *ct = kn_live_format_double(kn_live_dict_double(stride, "contact_s", NAN) * 1000, 0);
        g_autofree char *imp = kn_live_format_double(kn_live_dict_double(stride, "impact_g", NAN), 1);

        g_ptr_array_add(lines, g_strdup_printf("  stride    contact %s°, stance peak %s°, swing peak %s°",
                                               ic, st, sw));
        g_ptr_array_add(lines, g_strdup_printf("            range %s°, contact %s ms, impact %s g",
                                               r, ct, imp));
    } else {
        g_ptr_array_add(lines, g_strdup("  stride    -"));
        g_ptr_array_add(lines, g_strdup(""));
    }
    g_ptr_array_add(lines, g_strdup_printf("  baseline  range of motion %s°, alerts %" G_GUINT64_FORMAT,
                                           rom, prop_uint(m, "AlertCount")));
    return lines;
}

static void erase_view(Monitor *m)
{
    if (m->drawn_lines > 0)
        printf("\033[%uA\r\033[J", m->drawn_lines);
    m->drawn_lines = 0;
}

static void draw(Monitor *m)
{
    g_autoptr(GPtrArray) lines = NULL;
    struct winsize ws;

    if (!m->tty) {
        g_autofree char *knee = kn_live_format_double(prop_double(m, "KneeAngle"), 1);
        g_autofree char *t = kn_live_format_double(prop_double(m, "LiveTime"), 2);

        printf("metrics t=%s state=%s knee_deg=%s cadence_spm=%.0f strides=%" G_GUINT64_FORMAT
               " activity=%s\n", t, prop_string(m, "State"), knee, prop_double(m, "Cadence"),
               prop_uint(m, "StrideCount"), prop_string(m, "Activity"));
        fflush(stdout);
        return;
    }
    lines = view_lines(m);
    erase_view(m);
    /* A wrapped line would throw off the cursor moves that redraw the
     * view: cut each to the terminal's width. */
    if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) < 0 || ws.ws_col < 2)
        ws.ws_col = 80;
    for (guint i = 0; i < lines->len; i++) {
        const char *line = g_ptr_array_index(lines, i);
        g_autofree char *cut = g_utf8_substring(line, 0, MIN(g_utf8_strlen(line, -1), ws.ws_col - 1));

        printf("%s\033[K\n", cut);
    }
    m->drawn_lines = lines->len;
    fflush(stdout);
}

/* Scrolls a line above the live view. */
static void log_line(Monitor *m, const char *line)
{
    if (m->tty)
        erase_view(m);
    printf("%s\n", line);
    if (m->tty && !m->json && m->props)
        draw(m);
    fflush(stdout);
}

static char *alert_json(GVariant *args)
{
    g_autoptr(JsonBuilder) b = json_builder_new();
    g_autoptr(JsonGenerator) gen = json_generator_new();
    g_autoptr(JsonNode) root = NULL;
    g_autoptr(GVariant) details = NULL;
    const char *kind, *severity, *message;
    guint64 seq;
    gint64 ts;
    double value, threshold;

    g_variant_get(args, "(t&s&sxdd&s@a{sv})", &seq, &kind, &severity, &ts, &value, &threshold,
                  &message, &details);
    json_builder_begin_object(b);
    json_builder_set_member_name(b, "sequence");
    json_builder_add_int_value(b, (gint64) seq);
    json_builder_set_member_name(b, "kind");
    json_builder_add_string_value(b, kind);
    json_builder_set_member_name(b, "severity");
    json_builder_add_string_value(b, severity);
    json_builder_set_member_name(b, "timestamp_us");
    json_builder_add_int_value(b, ts);
    json_builder_set_member_name(b, "value");
    json_builder_add_double_value(b, value);
    json_builder_set_member_name(b, "threshold");
    json_builder_add_double_value(b, threshold);
    json_builder_set_member_name(b, "message");
    json_builder_add_string_value(b, message);
    json_builder_set_member_name(b, "details");
    json_builder_add_value(b, json_gvariant_serialize(details));
    json_builder_end_object(b);
    root = json_builder_get_root(b);
    json_generator_set_root(gen, root);
    return json_generator_to_data(gen, NULL);
}

static void on_alert(GDBusConnection *bus, const char *sender, const char *path,
                     const char *iface, const char *signal, GVariant *args, gpointer user_data)
{
    Monitor *m = user_data;
    g_autofree char *line = NULL;

    if (!g_variant_is_of_type(args, G_VARIANT_TYPE("(tssxddsa{sv})")))
        return;
    line = m->json ? alert_json(args) : kn_live_format_alert(args);
    log_line(m, line);
    if (m->max_alerts && ++m->alerts >= m->max_alerts)
        quit(m, KN_EXIT_OK);
}

static void on_stride(GDBusConnection *bus, const char *sender, const char *path,
                      const char *iface, const char *signal, GVariant *args, gpointer user_data)
{
    Monitor *m = user_data;
    g_autoptr(GVariant) s = NULL;
    g_autofree char *line = NULL;
    g_autofree char *rom = NULL;
    g_autofree char *ic = NULL;

    if (!m->strides || !g_variant_is_of_type(args, G_VARIANT_TYPE("(a{sv})")))
        return;
    g_variant_get(args, "(@a{sv})", &s);
    rom = kn_live_format_double(kn_live_dict_double(s, "rom_deg", NAN), 1);
    ic = kn_live_format_double(kn_live_dict_double(s, "ic_flex_deg", NAN), 1);
    line = g_strdup_printf("stride #%" G_GUINT64_FORMAT " t=%.2f cadence_spm=%.0f "
                           "ic_flex_deg=%s rom_deg=%s", kn_live_dict_uint(s, "index", 0),
                           kn_live_dict_double(s, "t_s", NAN),
                           kn_live_dict_double(s, "cadence_spm", 0), ic, rom);
    log_line(m, line);
}

static void on_properties(GDBusConnection *bus, const char *sender, const char *path,
                          const char *iface, const char *signal, GVariant *args,
                          gpointer user_data)
{
    Monitor *m = user_data;
    g_autoptr(GVariant) changed = NULL;
    GVariantIter iter;
    const char *name, *key;
    GVariant *value;

    if (!g_variant_is_of_type(args, G_VARIANT_TYPE("(sa{sv}as)")))
        return;
    g_variant_get(args, "(&s@a{sv}as)", &name, &changed, NULL);
    if (strcmp(name, KN_LIVE_IFACE) != 0)
        return;
    g_variant_iter_init(&iter, changed);
    while (g_variant_iter_next(&iter, "{&sv}", &key, &value)) {
        g_variant_dict_insert_value(m->props, key, value);
        g_variant_unref(value);
    }
    draw(m);
}

static void on_name_owner(GDBusConnection *bus, const char *sender, const char *path,
                          const char *iface, const char *signal, GVariant *args,
                          gpointer user_data)
{
    Monitor *m = user_data;
    const char *name, *new_owner;

    g_variant_get(args, "(&s&s&s)", &name, NULL, &new_owner);
    if (*new_owner)
        return;
    if (m->tty)
        erase_view(m);
    fprintf(stderr, "kneectl %s: kneed stopped\n", m->cmd);
    quit(m, KN_EXIT_UNREACHABLE);
}

static gboolean on_timeout(gpointer user_data)
{
    Monitor *m = user_data;

    m->timer = 0;
    quit(m, KN_EXIT_OK);
    return G_SOURCE_REMOVE;
}

static gboolean on_signal(gpointer user_data)
{
    quit(user_data, KN_EXIT_OK);
    return G_SOURCE_CONTINUE;
}

/* --duration becomes a guint of milliseconds (g_timeout_add): anything
 * else, inf and nan included, is refused rather than converted (out of
 * range, a double-to-integer conversion is undefined, and x86 and arm
 * disagree on it: 'inf' stopped at once on x86). */
#define MAX_DURATION_S (G_MAXUINT / 1000.0)

static gboolean duration_ok(double duration_s)
{
    return duration_s >= 0 && duration_s <= MAX_DURATION_S;
}

static int follow(Monitor *m, double duration_s, gboolean live_view)
{
    g_autoptr(GDBusConnection) bus = NULL;
    g_autoptr(GVariant) props = NULL;
    guint sig_int, sig_term;

    bus = kn_live_connect(m->cmd, &m->status);
    if (!bus)
        return m->status;
    m->bus = bus;
    m->loop = g_main_loop_new(NULL, FALSE);
    /* Subscribe first, then read the state, so no change falls between. */
    m->subs[0] = g_dbus_connection_signal_subscribe(bus, KN_LIVE_NAME, KN_LIVE_IFACE, "Alert",
        KN_LIVE_PATH, NULL, G_DBUS_SIGNAL_FLAGS_NONE, on_alert, m, NULL);
    m->subs[1] = g_dbus_connection_signal_subscribe(bus, "org.freedesktop.DBus",
        "org.freedesktop.DBus", "NameOwnerChanged", "/org/freedesktop/DBus", KN_LIVE_NAME,
        G_DBUS_SIGNAL_FLAGS_NONE, on_name_owner, m, NULL);
    if (live_view) {
        m->subs[2] = g_dbus_connection_signal_subscribe(bus, KN_LIVE_NAME,
            "org.freedesktop.DBus.Properties", "PropertiesChanged", KN_LIVE_PATH, KN_LIVE_IFACE,
            G_DBUS_SIGNAL_FLAGS_NONE, on_properties, m, NULL);
        m->subs[3] = g_dbus_connection_signal_subscribe(bus, KN_LIVE_NAME, KN_LIVE_IFACE,
            "Stride", KN_LIVE_PATH, NULL, G_DBUS_SIGNAL_FLAGS_NONE, on_stride, m, NULL);
    }
    /* Reading the properties also proves the policy lets us in. */
    props = kn_live_get_all(bus, m->cmd, &m->status);
    if (!props)
        goto out;
    if (live_view) {
        m->props = g_variant_dict_new(props);
        draw(m);
    }
    sig_int = g_unix_signal_add(SIGINT, on_signal, m);
    sig_term = g_unix_signal_add(SIGTERM, on_signal, m);
    if (duration_s > 0)
        m->timer = g_timeout_add((guint) (duration_s * 1000), on_timeout, m);
    g_main_loop_run(m->loop);
    g_source_remove(sig_int);
    g_source_remove(sig_term);
    g_clear_handle_id(&m->timer, g_source_remove);
out:
    for (guint i = 0; i < G_N_ELEMENTS(m->subs); i++)
        if (m->subs[i])
            g_dbus_connection_signal_unsubscribe(bus, m->subs[i]);
    g_clear_pointer(&m->props, g_variant_dict_unref);
    g_clear_pointer(&m->loop, g_main_loop_unref);
    return m->status;
}

int kn_cmd_monitor(int argc, char **argv)
{
    g_autoptr(GOptionContext) ctx = g_option_context_new("");
    g_autoptr(GError) error = NULL;
    Monitor m = { .cmd = "monitor" };
    double duration = 0;
    gboolean plain = FALSE;
    const GOptionEntry entries[] = {
        { "duration", 0, 0, G_OPTION_ARG_DOUBLE, &duration, "Stop after SECONDS", "SECONDS" },
        { "strides", 0, 0, G_OPTION_ARG_NONE, &m.strides, "Also print a line per stride", NULL },
        { "plain", 0, 0, G_OPTION_ARG_NONE, &plain,
          "One line per change even on a terminal", NULL },
        { NULL }
    };

    g_option_context_set_summary(ctx, "Follow live metrics and alerts (Ctrl-C to stop).");
    g_option_context_add_main_entries(ctx, entries, NULL);
    if (!g_option_context_parse(ctx, &argc, &argv, &error) || argc > 1 || !duration_ok(duration)) {
        fprintf(stderr, "kneectl monitor: %s\n",
                error ? error->message : "bad arguments (--duration: 0 to 4294967 seconds)");
        return KN_EXIT_USAGE;
    }
    m.tty = !plain && isatty(STDOUT_FILENO);
    return follow(&m, duration, TRUE);
}

int kn_cmd_alerts(int argc, char **argv)
{
    g_autoptr(GOptionContext) ctx = g_option_context_new("");
    g_autoptr(GError) error = NULL;
    Monitor m = { .cmd = "alerts" };
    double duration = 0;
    gint64 count = 0;
    const GOptionEntry entries[] = {
        { "count", 'n', 0, G_OPTION_ARG_INT64, &count, "Stop after N alerts", "N" },
        { "duration", 0, 0, G_OPTION_ARG_DOUBLE, &duration, "Stop after SECONDS", "SECONDS" },
        { "json", 0, 0, G_OPTION_ARG_NONE, &m.json, "One JSON object per alert", NULL },
        { NULL }
    };

    g_option_context_set_summary(ctx, "Follow alerts as they are raised (Ctrl-C to stop).");
    g_option_context_add_main_entries(ctx, entries, NULL);
    if (!g_option_context_parse(ctx, &argc, &argv, &error) || argc > 1 || count < 0 ||
        !duration_ok(duration)) {
        fprintf(stderr, "kneectl alerts: %s\n",
                error ? error->message : "bad arguments (--duration: 0 to 4294967 seconds)");
        return KN_EXIT_USAGE;
    }
    m.max_alerts = (guint64) count;
    return follow(&m, duration, FALSE);
}
