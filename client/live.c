/* SPDX-License-Identifier: GPL-2.0-or-later */
#define G_LOG_DOMAIN "kneectl"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "client/live.h"

GBusType kn_live_bus_type(void)
{
    return g_strcmp0(g_getenv("KNEECTL_BUS"), "session") == 0 ? G_BUS_TYPE_SESSION
                                                              : G_BUS_TYPE_SYSTEM;
}

const char *kn_live_bus_name(GBusType type)
{
    return type == G_BUS_TYPE_SESSION ? "session" : "system";
}

static gboolean name_owned(GDBusConnection *bus)
{
    g_autoptr(GVariant) r = g_dbus_connection_call_sync(bus, "org.freedesktop.DBus",
        "/org/freedesktop/DBus", "org.freedesktop.DBus", "NameHasOwner",
        g_variant_new("(s)", KN_LIVE_NAME), G_VARIANT_TYPE("(b)"),
        G_DBUS_CALL_FLAGS_NONE, 5000, NULL, NULL);
    gboolean owned = FALSE;

    if (r)
        g_variant_get(r, "(b)", &owned);
    return owned;
}

/* Is kneed on the other bus?  Only asked to improve an error message. */
static gboolean running_on(GBusType type)
{
    g_autoptr(GDBusConnection) bus = NULL;

    if (type == G_BUS_TYPE_SESSION && !g_getenv("DBUS_SESSION_BUS_ADDRESS"))
        return FALSE;
    bus = g_bus_get_sync(type, NULL, NULL);
    return bus && name_owned(bus);
}

GDBusConnection *kn_live_connect(const char *cmd, int *ret_status)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(GDBusConnection) bus = NULL;
    GBusType type = kn_live_bus_type();
    GBusType other = type == G_BUS_TYPE_SESSION ? G_BUS_TYPE_SYSTEM : G_BUS_TYPE_SESSION;

    bus = g_bus_get_sync(type, NULL, &error);
    if (!bus) {
        fprintf(stderr, "kneectl %s: cannot connect to the %s bus: %s\n", cmd,
                kn_live_bus_name(type), error->message);
        if (running_on(other))
            fprintf(stderr, "kneectl %s: kneed is running on the %s bus: run 'kneectl --%s %s'\n",
                    cmd, kn_live_bus_name(other), kn_live_bus_name(other), cmd);
        *ret_status = KN_EXIT_UNREACHABLE;
        return NULL;
    }
    if (name_owned(bus))
        return g_steal_pointer(&bus);
    if (running_on(other))
        fprintf(stderr, "kneectl %s: kneed is not running on the %s bus, but it is on the %s "
                "bus: run 'kneectl --%s %s'\n", cmd, kn_live_bus_name(type),
                kn_live_bus_name(other), kn_live_bus_name(other), cmd);
    else if (type == G_BUS_TYPE_SYSTEM)
        fprintf(stderr, "kneectl %s: kneed is not running on the system bus "
                "(start it with 'systemctl start kneed', or use --session for a "
                "development daemon started with 'kneed --session')\n", cmd);
    else
        fprintf(stderr, "kneectl %s: kneed is not running on the session bus "
                "(start one with 'kneed --session')\n", cmd);
    *ret_status = KN_EXIT_UNREACHABLE;
    return NULL;
}

int kn_live_report_error(const char *cmd, const GError *error)
{
    g_autofree char *remote = g_dbus_error_get_remote_error(error);
    g_autoptr(GError) copy = g_error_copy(error);

    g_dbus_error_strip_remote_error(copy);
    if (g_strcmp0(remote, "org.freedesktop.DBus.Error.AccessDenied") == 0) {
        fprintf(stderr, "kneectl %s: permission denied by the D-Bus policy: kneed's data is "
                "health data, for root and the members of the 'kneed' group only "
                "(add yourself with 'usermod -aG kneed USER', then log in again)\n", cmd);
        return KN_EXIT_DENIED;
    }
    if (g_strcmp0(remote, "org.freedesktop.DBus.Error.ServiceUnknown") == 0 ||
        g_strcmp0(remote, "org.freedesktop.DBus.Error.NameHasNoOwner") == 0 ||
        g_error_matches(error, G_DBUS_ERROR, G_DBUS_ERROR_SERVICE_UNKNOWN) ||
        g_error_matches(error, G_DBUS_ERROR, G_DBUS_ERROR_NAME_HAS_NO_OWNER)) {
        fprintf(stderr, "kneectl %s: kneed stopped\n", cmd);
        return KN_EXIT_UNREACHABLE;
    }
    if (g_error_matches(error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT) ||
        g_error_matches(error, G_DBUS_ERROR, G_DBUS_ERROR_NO_REPLY)) {
        fprintf(stderr, "kneectl %s: kneed did not answer in time\n", cmd);
        return KN_EXIT_UNREACHABLE;
    }
    if (remote && g_str_has_prefix(remote, "org.kneed.Kneed1.Error."))
        fprintf(stderr, "kneectl %s: %s (%s)\n", cmd, copy->message,
                remote + strlen("org.kneed.Kneed1.Error."));
    else
        fprintf(stderr, "kneectl %s: %s\n", cmd, copy->message);
    return KN_EXIT_FAILED;
}

GVariant *kn_live_call(GDBusConnection *bus, const char *cmd, const char *iface,
                       const char *method, GVariant *params, const char *reply_type,
                       int timeout_ms, int *ret_status)
{
    g_autoptr(GError) error = NULL;
    GVariant *r = g_dbus_connection_call_sync(bus, KN_LIVE_NAME, KN_LIVE_PATH,
                                              iface ? iface : KN_LIVE_IFACE, method, params,
                                              reply_type ? G_VARIANT_TYPE(reply_type) : NULL,
                                              G_DBUS_CALL_FLAGS_NO_AUTO_START, timeout_ms,
                                              NULL, &error);

    if (!r)
        *ret_status = kn_live_report_error(cmd, error);
    return r;
}

GVariant *kn_live_get_all(GDBusConnection *bus, const char *cmd, int *ret_status)
{
    g_autoptr(GVariant) r = kn_live_call(bus, cmd, "org.freedesktop.DBus.Properties", "GetAll",
                                         g_variant_new("(s)", KN_LIVE_IFACE), "(a{sv})", 5000,
                                         ret_status);
    GVariant *dict = NULL;

    if (r)
        g_variant_get(r, "(@a{sv})", &dict);
    return dict;
}

double kn_live_dict_double(GVariant *dict, const char *key, double fallback)
{
    double v;

    return g_variant_lookup(dict, key, "d", &v) ? v : fallback;
}

const char *kn_live_dict_string(GVariant *dict, const char *key, const char *fallback)
{
    const char *v;

    return g_variant_lookup(dict, key, "&s", &v) ? v : fallback;
}

guint64 kn_live_dict_uint(GVariant *dict, const char *key, guint64 fallback)
{
    g_autoptr(GVariant) v = g_variant_lookup_value(dict, key, NULL);

    if (!v)
        return fallback;
    if (g_variant_is_of_type(v, G_VARIANT_TYPE_UINT64))
        return g_variant_get_uint64(v);
    if (g_variant_is_of_type(v, G_VARIANT_TYPE_UINT32))
        return g_variant_get_uint32(v);
    return fallback;
}

gint64 kn_live_dict_int(GVariant *dict, const char *key, gint64 fallback)
{
    g_autoptr(GVariant) v = g_variant_lookup_value(dict, key, NULL);

    if (!v)
        return fallback;
    if (g_variant_is_of_type(v, G_VARIANT_TYPE_INT64))
        return g_variant_get_int64(v);
    if (g_variant_is_of_type(v, G_VARIANT_TYPE_INT32))
        return g_variant_get_int32(v);
    return fallback;
}

gboolean kn_live_dict_bool(GVariant *dict, const char *key, gboolean fallback)
{
    gboolean v;

    return g_variant_lookup(dict, key, "b", &v) ? v : fallback;
}

char *kn_live_format_time(gint64 unix_us)
{
    g_autoptr(GDateTime) dt = NULL;

    if (unix_us <= 0)
        return g_strdup("-");
    dt = g_date_time_new_from_unix_local(unix_us / G_USEC_PER_SEC);
    return dt ? g_date_time_format(dt, "%H:%M:%S") : g_strdup("-");
}

char *kn_live_format_double(double v, int decimals)
{
    return isfinite(v) ? g_strdup_printf("%.*f", decimals, v) : g_strdup("-");
}

char *kn_live_format_alert(GVariant *args)
{
    g_autoptr(GVariant) details = NULL;
    g_autofree char *when = NULL;
    const char *kind, *severity, *message, *unit = "";
    guint64 seq;
    gint64 ts;
    double value, threshold;

    g_variant_get(args, "(t&s&sxdd&s@a{sv})", &seq, &kind, &severity, &ts, &value, &threshold,
                  &message, &details);
    g_variant_lookup(details, "unit", "&s", &unit);
    when = kn_live_format_time(ts);
    return g_strdup_printf("%s alert #%" G_GUINT64_FORMAT " %s %s: %s (%.1f%s%s, threshold %.1f)",
                           when, seq, severity, kind, message, value, *unit ? " " : "", unit,
                           threshold);
}
