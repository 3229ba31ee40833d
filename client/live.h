/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * What kneectl's live commands share: finding kneed on the right bus,
 * calling it, and turning failures into messages a person can act on
 * (daemon not running, running on the other bus, denied by the policy).
 *
 * Exit statuses (kneectl(1)): 0 success, 1 kneed refused or failed the
 * request, 2 usage, 3 kneed not reachable (no bus, not running), 4 denied
 * by the bus policy.
 */
#pragma once

#include <gio/gio.h>

#define KN_LIVE_NAME "org.kneed.Kneed1"
#define KN_LIVE_PATH "/org/kneed/Kneed1"
#define KN_LIVE_IFACE "org.kneed.Kneed1.Daemon"
#define KN_LIVE_SENSOR_IFACE "org.kneed.Kneed1.Sensor"

enum {
    KN_EXIT_OK = 0,
    KN_EXIT_FAILED = 1,
    KN_EXIT_USAGE = 2,
    KN_EXIT_UNREACHABLE = 3,
    KN_EXIT_DENIED = 4,
};

/* The bus chosen by --session/--system (KNEECTL_BUS), system by default. */
GBusType kn_live_bus_type(void);
const char *kn_live_bus_name(GBusType type);

/* Connects and checks that kneed owns its name.  On failure prints why
 * (prefixed "kneectl CMD: ") and sets *ret_status. */
GDBusConnection *kn_live_connect(const char *cmd, int *ret_status);

/* Calls a method of org.kneed.Kneed1.Daemon (or another interface when
 * iface is not NULL).  On failure prints the message and sets *ret_status. */
GVariant *kn_live_call(GDBusConnection *bus, const char *cmd, const char *iface,
                       const char *method, GVariant *params, const char *reply_type,
                       int timeout_ms, int *ret_status);

/* Prints a D-Bus failure for a person; returns the exit status. */
int kn_live_report_error(const char *cmd, const GError *error);

/* All properties of the daemon interface (a{sv}); NULL after printing. */
GVariant *kn_live_get_all(GDBusConnection *bus, const char *cmd, int *ret_status);

double kn_live_dict_double(GVariant *dict, const char *key, double fallback);
const char *kn_live_dict_string(GVariant *dict, const char *key, const char *fallback);
guint64 kn_live_dict_uint(GVariant *dict, const char *key, guint64 fallback);
gint64 kn_live_dict_int(GVariant *dict, const char *key, gint64 fallback);
gboolean kn_live_dict_bool(GVariant *dict, const char *key, gboolean fallback);

/* "14:03:27" local time from µs since the epoch ("-" for 0). */
char *kn_live_format_time(gint64 unix_us);
/* "12.3" or "-" for NaN, with the precision given. */
char *kn_live_format_double(double v, int decimals);
/* One line for an Alert signal's arguments. */
char *kn_live_format_alert(GVariant *alert_args);
