/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Structured logging: to the journal when stderr is connected to it (as
 * under systemd), else to stderr.  Debug and info messages only with
 * verbose (-v) or G_MESSAGES_DEBUG.
 */
#pragma once

#include <glib.h>

void kn_log_setup(gboolean verbose);
