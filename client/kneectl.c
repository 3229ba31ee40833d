/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * kneectl: the command-line client of kneed, and the offline tools
 * (simulate a run, analyse a recording, convert data sets).
 */
#define G_LOG_DOMAIN "kneectl"

#include <glib.h>
#include <locale.h>
#include <stdio.h>
#include <string.h>

#include "client/commands.h"

struct command {
    const char *name;
    int (*run)(int argc, char **argv);
    const char *args;
    const char *summary;
};

static const struct command commands[] = {
    { "status", kn_cmd_status, "", "show the daemon's state, sensors and latest metrics" },
    { "monitor", kn_cmd_monitor, "", "follow live metrics and alerts" },
    { "alerts", kn_cmd_alerts, "", "follow alerts as they are raised" },
    { "calibrate", kn_cmd_calibrate, "[flex]", "zero the knee angle while standing straight; "
      "flex: calibrate the flexion sensor on two poses" },
    { "sensors", kn_cmd_sensors, "", "list the sensors: device found, rate, state" },
    { "record", kn_cmd_record, "-o FILE [--duration S]", "write the live frames as a recording" },
    { "pain", kn_cmd_pain, "SCORE --where W [--mark ID] | mark[s]",
      "log a pain report; make, list, score pain marks" },
    { "session", kn_cmd_session, "start|stop", "start or stop a recorded session" },
    { "thresholds", kn_cmd_thresholds, "[KEY=VALUE...]", "show or set detector thresholds" },
    { "simulate", kn_cmd_simulate, "[OPTION...] -o FILE", "write a simulated run as a recording" },
    { "analyze", kn_cmd_analyze, "[OPTION...] FILE", "analyse a recording: JSON Lines of strides, alerts, summary" },
    { "convert", kn_cmd_convert, "FORMAT INPUT -o FILE", "turn a public data set into a recording" },
};

static void usage(FILE *out)
{
    fprintf(out, "Usage: kneectl [--session|--system] COMMAND [ARG...]\n\nCommands:\n");
    for (size_t i = 0; i < G_N_ELEMENTS(commands); i++)
        fprintf(out, "  %-11s %-40s %s\n", commands[i].name, commands[i].args, commands[i].summary);
    fprintf(out, "\nRun 'kneectl COMMAND --help' for a command's options.  See kneectl(1).\n");
}

int main(int argc, char **argv)
{
    int first = 1;

    setlocale(LC_ALL, "");
    /* Bus selection is read by the live commands from the environment so
     * that every subcommand parses only its own options. */
    while (first < argc && argv[first][0] == '-') {
        if (strcmp(argv[first], "--session") == 0) {
            g_setenv("KNEECTL_BUS", "session", TRUE);
        } else if (strcmp(argv[first], "--system") == 0) {
            g_setenv("KNEECTL_BUS", "system", TRUE);
        } else if (strcmp(argv[first], "--help") == 0 || strcmp(argv[first], "-h") == 0) {
            usage(stdout);
            return 0;
        } else if (strcmp(argv[first], "--version") == 0) {
            printf("kneectl %s\n", PACKAGE_VERSION);
            return 0;
        } else {
            fprintf(stderr, "kneectl: unknown option '%s'\n", argv[first]);
            usage(stderr);
            return 2;
        }
        first++;
    }
    if (first >= argc) {
        usage(stderr);
        return 2;
    }
    for (size_t i = 0; i < G_N_ELEMENTS(commands); i++)
        if (strcmp(argv[first], commands[i].name) == 0)
            return commands[i].run(argc - first, argv + first);
    fprintf(stderr, "kneectl: unknown command '%s'\n", argv[first]);
    usage(stderr);
    return 2;
}
