/* SPDX-License-Identifier: GPL-2.0-or-later */
/* PLACEHOLDER until issue 2 lands. */
#include <stdio.h>

#include "client/commands.h"

int kn_cmd_analyze(int argc, char **argv)
{
    fprintf(stderr, "kneectl analyze: not built yet\n");
    return 1;
}
