/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * kneectl subcommands.  Each takes the arguments after its own name
 * (argv[0] is the subcommand) and returns the process exit status.
 */
#pragma once

/* offline: client/cmd-simulate.c, cmd-analyze.c, cmd-convert.c */
int kn_cmd_simulate(int argc, char **argv);
int kn_cmd_analyze(int argc, char **argv);
int kn_cmd_convert(int argc, char **argv);

/* live, against a running kneed: client/cmd-live.c */
int kn_cmd_status(int argc, char **argv);
int kn_cmd_monitor(int argc, char **argv);
int kn_cmd_alerts(int argc, char **argv);
int kn_cmd_calibrate(int argc, char **argv);
int kn_cmd_pain(int argc, char **argv);
int kn_cmd_session(int argc, char **argv);
int kn_cmd_thresholds(int argc, char **argv);

/* the sleeve's sensors: client/cmd-sensors.c, cmd-record.c */
int kn_cmd_sensors(int argc, char **argv);
int kn_cmd_calibrate_flex(int argc, char **argv);
int kn_cmd_record(int argc, char **argv);
