/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The configuration groups that modules own (daemon/config.h's extension
 * point): the one list that kneed and the kneed.conf fuzzer
 * (fuzz/fuzz-config.c) pass to kn_config_load(), so that a module's
 * validator is fuzzed as soon as it is listed here.
 */
#pragma once

#include "daemon/config.h"

const KnConfigGroup *kn_config_modules(gsize *ret_n);
