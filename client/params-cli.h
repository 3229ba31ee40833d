/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <glib.h>

#include "analysis/params.h"

/* Applies "KEY=VALUE" strings (NULL-terminated, may be NULL) to *p.
 * Validates each against the parameter table and the whole set at the
 * end; on error sets *error naming the argument, and *p may be partly
 * changed (callers work on a copy). */
gboolean kn_params_cli_apply(struct kn_params *p, const char *const *sets, GError **error);
