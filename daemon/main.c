/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * kneed: the knee sleeve daemon.  One GLib main loop: the frame source,
 * the timers and D-Bus all run on it.  Start-up: configuration -> core ->
 * D-Bus objects exported -> bus name requested -> once owned, the source
 * starts and systemd hears READY=1.  SIGTERM/SIGINT stop cleanly (exit 0),
 * SIGHUP reloads the configuration.
 *
 * Exit status: 0 clean stop, 1 failure (bus, name), 64 bad command line,
 * 78 (EX_CONFIG) bad configuration.
 */
#define G_LOG_DOMAIN "kneed"

#include <glib-unix.h>
#include <locale.h>
#include <stdio.h>

#include "daemon/ble-publisher.h"
#include "daemon/config.h"
#include "daemon/core.h"
#include "daemon/dbus-api.h"
#include "daemon/log.h"
#include "daemon/modules.h"
#include "daemon/sd.h"
#include "daemon/state-dir.h"
#include "sleeve/sleeve.h"

#define EXIT_USAGE 64
#define EXIT_CONFIG 78

typedef struct {
    const char *config_path;        /* NULL: the default */
    GBusType bus_type;
    GMainLoop *loop;
    int exit_status;
    KnConfig *config;
    KnCore *core;
    KnSystemd *sd;
    GDBusConnection *bus;
    KnDBusApi *api;
    KnBlePublisher *ble;
    KnSleeve *sleeve;
    guint name_id;
    gboolean name_owned;
} Daemon;

static KnConfig *load_config(const char *path, GError **error)
{
    gsize n;
    const KnConfigGroup *modules = kn_config_modules(&n);

    return kn_config_load(path, modules, n, error);
}

static const char *bus_name(GBusType type)
{
    return type == G_BUS_TYPE_SESSION ? "session" : "system";
}

static void quit(Daemon *d, int status)
{
    if (d->exit_status == 0)
        d->exit_status = status;
    g_main_loop_quit(d->loop);
}

/* The state directory is decided in one place (daemon/state-dir.h). */
static void resolve_state_dir(KnConfig *config, GBusType bus_type)
{
    g_free(config->driver_opts.state_dir);
    config->driver_opts.state_dir = kn_state_dir_resolve(config->state_dir,
                                                         bus_type == G_BUS_TYPE_SESSION);
}

static void start_source(Daemon *d)
{
    g_autoptr(GError) error = NULL;

    if (!kn_core_set_source(d->core, d->config->driver, &d->config->driver_opts, &error)) {
        /* Stay up: the D-Bus API still tells what went wrong. */
        g_warning("cannot start source %s: %s", d->config->driver->name, error->message);
        kn_systemd_status(d->sd, "Idle: cannot start source %s: %s", d->config->driver->name,
                          error->message);
    }
}

static void on_name_acquired(GDBusConnection *bus, const char *name, gpointer user_data)
{
    Daemon *d = user_data;

    d->name_owned = TRUE;
    g_info("owning %s on the %s bus", name, bus_name(d->bus_type));
    start_source(d);
    kn_systemd_ready(d->sd);
}

static void on_name_lost(GDBusConnection *bus, const char *name, gpointer user_data)
{
    Daemon *d = user_data;

    if (d->name_owned)
        g_printerr("kneed: lost %s on the %s bus\n", name, bus_name(d->bus_type));
    else
        g_printerr("kneed: cannot own %s on the %s bus: another kneed is running, or the "
                   "bus policy (org.kneed.Kneed1.conf) does not allow this user\n",
                   name, bus_name(d->bus_type));
    quit(d, 1);
}

static gboolean on_stop_signal(gpointer user_data)
{
    Daemon *d = user_data;

    g_message("stopping");
    kn_systemd_stopping(d->sd);
    quit(d, 0);
    return G_SOURCE_CONTINUE;
}

/* The LED shows what the radio does. */
static void on_ble_link(KnBleLink link, gpointer user_data)
{
    Daemon *d = user_data;

    switch (link) {
    case KN_BLE_LINK_OFF:
        kn_sleeve_set_link(d->sleeve, KN_SLEEVE_LINK_NONE);
        break;
    case KN_BLE_LINK_ADVERTISING:
        kn_sleeve_set_link(d->sleeve, KN_SLEEVE_LINK_ADVERTISING);
        break;
    case KN_BLE_LINK_CONNECTED:
        kn_sleeve_set_link(d->sleeve, KN_SLEEVE_LINK_CONNECTED);
        break;
    }
}

/* What the sleeve's I/O needs from the BLE publisher. */
static void connect_sleeve_to_ble(Daemon *d)
{
    kn_sleeve_set_pairing_window(d->sleeve, d->ble ? kn_ble_publisher_pairing_window_s(d->ble) : 0);
    if (d->ble)
        kn_ble_publisher_set_link_func(d->ble, on_ble_link, d);
    on_ble_link(kn_ble_publisher_get_link(d->ble), d);
}

/* Bluetooth is optional: kneed runs on without it and its status says why. */
static void start_ble(Daemon *d, const KnConfig *config)
{
    g_autoptr(GError) error = NULL;

    d->ble = kn_ble_publisher_new(d->core, kn_config_get_file(config),
                                  kn_dbus_api_get_object_manager(d->api), &error);
    if (!d->ble && error)
        g_warning("Bluetooth unavailable: %s", error->message);
    connect_sleeve_to_ble(d);
}

static gboolean on_reload_signal(gpointer user_data)
{
    Daemon *d = user_data;
    g_autoptr(GError) error = NULL;
    g_autoptr(KnConfig) config = NULL;

    kn_systemd_reloading(d->sd);
    config = load_config(d->config_path, &error);
    if (!config || !kn_core_set_options(d->core, &config->core_opts, &error)) {
        g_warning("reload failed, keeping the current configuration: %s", error->message);
        kn_systemd_ready(d->sd);
        kn_systemd_status(d->sd, "Reload failed: %s", error->message);
        return G_SOURCE_CONTINUE;
    }
    resolve_state_dir(config, d->bus_type);
    if (kn_sleeve_config_changed(d->sleeve, kn_config_get_file(config))) {
        g_message("reopening the sleeve's lines with the new [button], [haptic], [led] settings");
        g_clear_pointer(&d->sleeve, kn_sleeve_free);
        d->sleeve = kn_sleeve_new(d->core, kn_config_get_file(config), &error);
        if (!d->sleeve && error) {
            g_warning("sleeve I/O unavailable until the next reload: %s", error->message);
            g_clear_error(&error);
        }
        connect_sleeve_to_ble(d);
    }
    if (kn_ble_publisher_config_changed(d->ble, kn_config_get_file(config))) {
        g_message("restarting Bluetooth with the new [bluetooth] settings");
        g_clear_pointer(&d->ble, kn_ble_publisher_free);
        start_ble(d, config);
    }
    if (!kn_config_same_source(d->config, config)) {
        kn_config_free(d->config);
        d->config = g_steal_pointer(&config);
        if (d->name_owned)
            start_source(d);
    } else {
        kn_config_free(d->config);
        d->config = g_steal_pointer(&config);
    }
    g_message("configuration reloaded");
    kn_systemd_ready(d->sd);
    return G_SOURCE_CONTINUE;
}

int main(int argc, char **argv)
{
    g_autoptr(GOptionContext) context = NULL;
    g_autoptr(GError) error = NULL;
    g_autofree char *config_path = NULL;
    gboolean session = FALSE, system = FALSE, verbose = FALSE, version = FALSE, check = FALSE;
    gboolean print = FALSE;
    Daemon d = { .bus_type = G_BUS_TYPE_SYSTEM };
    const GOptionEntry entries[] = {
        { "config", 'c', 0, G_OPTION_ARG_FILENAME, &config_path,
          "Configuration file (default " KN_CONFIG_DEFAULT_PATH ")", "FILE" },
        { "session", 0, 0, G_OPTION_ARG_NONE, &session,
          "Use the session bus instead of the system bus", NULL },
        { "system", 0, 0, G_OPTION_ARG_NONE, &system, "Use the system bus (the default)", NULL },
        { "verbose", 'v', 0, G_OPTION_ARG_NONE, &verbose, "Debug messages to stderr", NULL },
        { "check-config", 0, 0, G_OPTION_ARG_NONE, &check,
          "Check the configuration and exit", NULL },
        { "print-config", 0, 0, G_OPTION_ARG_NONE, &print,
          "Print the effective configuration and exit", NULL },
        { "version", 0, 0, G_OPTION_ARG_NONE, &version, "Print the version and exit", NULL },
        { NULL }
    };

    setlocale(LC_ALL, "");
    context = g_option_context_new("- the knee sleeve daemon");
    g_option_context_add_main_entries(context, entries, NULL);
    g_option_context_set_description(context, "See kneed(8) and kneed.conf(5).");
    if (!g_option_context_parse(context, &argc, &argv, &error)) {
        g_printerr("kneed: %s\n", error->message);
        return EXIT_USAGE;
    }
    if (session && system) {
        g_printerr("kneed: --session and --system exclude each other\n");
        return EXIT_USAGE;
    }
    if (argc > 1) {
        g_printerr("kneed: unexpected argument '%s'\n", argv[1]);
        return EXIT_USAGE;
    }
    if (version) {
        printf("kneed %s\n", PACKAGE_VERSION);
        return 0;
    }
    kn_log_setup(verbose);
    d.config_path = config_path;
    d.bus_type = session ? G_BUS_TYPE_SESSION : G_BUS_TYPE_SYSTEM;

    d.config = load_config(config_path, &error);
    if (!d.config) {
        g_printerr("kneed: %s\n", error->message);
        return EXIT_CONFIG;
    }
    resolve_state_dir(d.config, d.bus_type);
    if (print) {
        g_autofree char *text = kn_config_to_string(d.config);

        fputs(text, stdout);
        kn_config_free(d.config);
        return 0;
    }
    if (check) {
        printf("%s: OK\n", kn_keyfile_get_path(d.config->file) ? kn_keyfile_get_path(d.config->file)
                                                              : "built-in defaults");
        kn_config_free(d.config);
        return 0;
    }

    d.core = kn_core_new(&d.config->core_opts, &error);
    if (!d.core) {
        g_printerr("kneed: %s\n", error->message);
        kn_config_free(d.config);
        return EXIT_CONFIG;
    }
    /* A configured line that cannot be had is a configuration error, found
     * before kneed claims its bus name. */
    d.sleeve = kn_sleeve_new(d.core, kn_config_get_file(d.config), &error);
    if (!d.sleeve && error) {
        g_printerr("kneed: %s\n", error->message);
        kn_core_free(d.core);
        kn_config_free(d.config);
        return EXIT_CONFIG;
    }
    d.sd = kn_systemd_new(d.core);
    d.loop = g_main_loop_new(NULL, FALSE);
    g_unix_signal_add(SIGTERM, on_stop_signal, &d);
    g_unix_signal_add(SIGINT, on_stop_signal, &d);
    g_unix_signal_add(SIGHUP, on_reload_signal, &d);

    d.bus = g_bus_get_sync(d.bus_type, NULL, &error);
    if (!d.bus) {
        g_printerr("kneed: cannot connect to the %s bus: %s\n", bus_name(d.bus_type),
                   error->message);
        d.exit_status = 1;
        goto out;
    }
    /* Our objects are exported before the name is requested, so a client
     * that sees the name finds everything. */
    d.api = kn_dbus_api_new(d.core, d.bus, &error);
    if (!d.api) {
        g_printerr("kneed: cannot export the D-Bus objects: %s\n", error->message);
        d.exit_status = 1;
        goto out;
    }
    start_ble(&d, d.config);
    d.name_id = g_bus_own_name_on_connection(d.bus, KN_DBUS_NAME,
                                             G_BUS_NAME_OWNER_FLAGS_DO_NOT_QUEUE,
                                             on_name_acquired, on_name_lost, &d, NULL);
    g_main_loop_run(d.loop);

out:
    kn_core_clear_source(d.core);
    kn_ble_publisher_free(d.ble);
    kn_sleeve_free(d.sleeve);
    if (d.name_id)
        g_bus_unown_name(d.name_id);
    kn_dbus_api_free(d.api);
    if (d.bus) {
        /* Sends what is queued (a last PropertiesChanged) before closing. */
        g_dbus_connection_flush_sync(d.bus, NULL, NULL);
        g_object_unref(d.bus);
    }
    kn_systemd_free(d.sd);
    kn_core_free(d.core);
    kn_config_free(d.config);
    g_clear_pointer(&d.loop, g_main_loop_unref);
    return d.exit_status;
}
