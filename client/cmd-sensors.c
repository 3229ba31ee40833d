/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * kneectl sensors: each sensor group, the device found, its rate (taken
 * and asked), its state and its last error; the flexion sensor's
 * calibration.  kneectl calibrate flex: the two-pose calibration of the
 * flexion sensor (the leg straight, then a second known angle).
 */
#define G_LOG_DOMAIN "kneectl"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "client/commands.h"
#include "client/live.h"

static const char *const order[] = { "flex", "thigh", "shank" };

static void print_calibration(GDBusConnection *bus)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(GVariant) r = g_dbus_connection_call_sync(bus, KN_LIVE_NAME, KN_LIVE_PATH,
        KN_LIVE_IFACE, "GetFlexCalibration", NULL, G_VARIANT_TYPE("(a(dd)s)"),
        G_DBUS_CALL_FLAGS_NO_AUTO_START, 5000, NULL, &error);
    g_autoptr(GVariantIter) points = NULL;
    const char *origin;
    double raw, deg;
    gboolean first = TRUE;

    /* NotSupported: a source without an ADC has nothing to show. */
    if (!r)
        return;
    g_variant_get(r, "(a(dd)&s)", &points, &origin);
    printf("  calibration: ");
    while (g_variant_iter_next(points, "(dd)", &raw, &deg)) {
        printf("%s%g:%g", first ? "" : ", ", raw, deg);
        first = FALSE;
    }
    if (strcmp(origin, "stored") == 0)
        printf(" (raw:deg, from kneectl calibrate flex)\n");
    else if (strcmp(origin, "config") == 0)
        printf(" (raw:deg, from kneed.conf)\n");
    else
        printf("none: run 'kneectl calibrate flex'\n");
}

int kn_cmd_sensors(int argc, char **argv)
{
    int status = KN_EXIT_OK;
    g_autoptr(GOptionContext) ctx = g_option_context_new("");
    g_autoptr(GError) error = NULL;
    g_autoptr(GDBusConnection) bus = NULL;
    g_autoptr(GVariant) r = NULL;
    g_autoptr(GVariant) all = NULL;
    g_autofree char *source = NULL;

    g_option_context_set_summary(ctx, "List the sleeve's sensors: the device found, its rate, "
                                      "its state.");
    if (!g_option_context_parse(ctx, &argc, &argv, &error)) {
        fprintf(stderr, "kneectl sensors: %s\n", error->message);
        return KN_EXIT_USAGE;
    }
    if (argc > 1) {
        fprintf(stderr, "kneectl sensors: unexpected argument '%s'\n", argv[1]);
        return KN_EXIT_USAGE;
    }
    bus = kn_live_connect("sensors", &status);
    if (!bus)
        return status;
    all = kn_live_get_all(bus, "sensors", &status);
    if (!all)
        return status;
    source = g_strdup(kn_live_dict_string(all, "Source", "?"));
    r = kn_live_call(bus, "sensors", "org.freedesktop.DBus.ObjectManager", "GetManagedObjects",
                     NULL, "(a{oa{sa{sv}}})", 5000, &status);
    if (!r)
        return status;
    printf("Source: %s\n", source);
    for (size_t o = 0; o < G_N_ELEMENTS(order); o++) {
        g_autoptr(GVariantIter) objects = NULL;
        GVariant *ifaces;
        const char *path;

        g_variant_get(r, "(a{oa{sa{sv}}})", &objects);
        while (g_variant_iter_loop(objects, "{&o@a{sa{sv}}}", &path, &ifaces)) {
            g_autoptr(GVariant) p = g_variant_lookup_value(ifaces, KN_LIVE_SENSOR_IFACE,
                                                           G_VARIANT_TYPE_VARDICT);
            const char *device, *err, *state;
            double rate, asked;

            if (!p || strcmp(kn_live_dict_string(p, "Name", ""), order[o]) != 0)
                continue;
            state = kn_live_dict_string(p, "State", "?");
            device = kn_live_dict_string(p, "Device", "");
            err = kn_live_dict_string(p, "LastError", "");
            rate = kn_live_dict_double(p, "Rate", 0);
            asked = kn_live_dict_double(p, "RequestedRate", 0);
            printf("%s: %s\n", order[o], state);
            if (strcmp(state, "absent") == 0)
                continue;
            printf("  device:      %s\n", *device ? device : "-");
            if (asked > 0 && rate != asked)
                printf("  rate:        %g Hz (%g Hz asked: the nearest the device supports)\n",
                       rate, asked);
            else
                printf("  rate:        %g Hz\n", rate);
            if (*err)
                printf("  last error:  %s\n", err);
            if (strcmp(order[o], "flex") == 0)
                print_calibration(bus);
        }
    }
    return status;
}

/* ---- calibrate flex ---- */

static gboolean wait_enter(gboolean ask, const char *prompt)
{
    char line[256];

    printf("%s\n", prompt);
    fflush(stdout);
    if (!ask)
        return TRUE;
    printf("Press Enter when ready (Ctrl-D to give up). ");
    fflush(stdout);
    if (!fgets(line, sizeof(line), stdin)) {
        printf("\n");
        return FALSE;
    }
    return TRUE;
}

static gboolean measure(GDBusConnection *bus, double *ret_raw, int *status)
{
    g_autoptr(GVariant) r = NULL;
    double sd;
    guint32 n;

    printf("Hold still...\n");
    fflush(stdout);
    r = kn_live_call(bus, "calibrate flex", NULL, "MeasureFlex", NULL, "(ddu)", 15000, status);
    if (!r)
        return FALSE;
    g_variant_get(r, "(ddu)", ret_raw, &sd, &n);
    printf("  raw %.1f (± %.1f over %u samples)\n", *ret_raw, sd, n);
    fflush(stdout);
    return TRUE;
}

int kn_cmd_calibrate_flex(int argc, char **argv)
{
    int status = KN_EXIT_OK;
    double angle = 90, raw0, raw1;
    gboolean yes = FALSE;
    const GOptionEntry entries[] = {
        { "angle", 0, 0, G_OPTION_ARG_DOUBLE, &angle,
          "The second pose's knee angle, degrees (default 90: sitting, the shin vertical)",
          "DEG" },
        { "yes", 'y', 0, G_OPTION_ARG_NONE, &yes,
          "Do not wait for Enter before each pose", NULL },
        { NULL }
    };
    g_autoptr(GOptionContext) ctx = g_option_context_new("");
    g_autoptr(GError) error = NULL;
    g_autoptr(GDBusConnection) bus = NULL;
    g_autoptr(GVariant) r = NULL;
    g_autofree char *second = NULL;
    GVariantBuilder b;

    g_option_context_set_summary(ctx, "Calibrate the flexion sensor on two poses: the leg "
                                      "straight, then bent to a known angle.  kneed keeps the "
                                      "result and uses it from then on.");
    g_option_context_add_main_entries(ctx, entries, NULL);
    if (!g_option_context_parse(ctx, &argc, &argv, &error)) {
        fprintf(stderr, "kneectl calibrate flex: %s\n", error->message);
        return KN_EXIT_USAGE;
    }
    if (argc > 1) {
        fprintf(stderr, "kneectl calibrate flex: unexpected argument '%s'\n", argv[1]);
        return KN_EXIT_USAGE;
    }
    if (!isfinite(angle) || angle < 20 || angle > 160) {
        fprintf(stderr, "kneectl calibrate flex: --angle must be 20..160 degrees\n");
        return KN_EXIT_USAGE;
    }
    bus = kn_live_connect("calibrate flex", &status);
    if (!bus)
        return status;
    printf("Flexion sensor calibration: two poses, held still for a second each.\n\n");
    fflush(stdout);
    if (!wait_enter(!yes, "1. Stand with the leg fully straight (knee at 0°)."))
        return KN_EXIT_FAILED;
    if (!measure(bus, &raw0, &status))
        return status;
    second = g_strdup_printf("2. Bend the knee to %g°%s and hold it there.", angle,
                             angle == 90 ? " (sit on a chair, the shin vertical)" : "");
    if (!wait_enter(!yes, second))
        return KN_EXIT_FAILED;
    if (!measure(bus, &raw1, &status))
        return status;
    g_variant_builder_init(&b, G_VARIANT_TYPE("a(dd)"));
    g_variant_builder_add(&b, "(dd)", raw0, 0.0);
    g_variant_builder_add(&b, "(dd)", raw1, angle);
    r = kn_live_call(bus, "calibrate flex", NULL, "SetFlexCalibration",
                     g_variant_new("(a(dd))", &b), NULL, 5000, &status);
    if (!r)
        return status;
    printf("\nCalibrated: raw %.1f reads 0°, raw %.1f reads %g°. kneed keeps it and uses it "
           "from now on.\n", raw0, raw1, angle);
    return KN_EXIT_OK;
}
