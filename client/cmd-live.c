/* SPDX-License-Identifier: GPL-2.0-or-later */
/* PLACEHOLDER until issue 3 (the daemon) lands. */
#include <stdio.h>

#include "client/commands.h"

static int not_yet(const char *name)
{
    fprintf(stderr, "kneectl %s: needs the daemon (not built yet)\n", name);
    return 1;
}

int kn_cmd_status(int argc, char **argv) { return not_yet(argv[0]); }
int kn_cmd_monitor(int argc, char **argv) { return not_yet(argv[0]); }
int kn_cmd_alerts(int argc, char **argv) { return not_yet(argv[0]); }
int kn_cmd_calibrate(int argc, char **argv) { return not_yet(argv[0]); }
int kn_cmd_pain(int argc, char **argv) { return not_yet(argv[0]); }
int kn_cmd_session(int argc, char **argv) { return not_yet(argv[0]); }
int kn_cmd_thresholds(int argc, char **argv) { return not_yet(argv[0]); }
