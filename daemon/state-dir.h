/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Where kneed keeps what must outlive a run: the runner's flexion-sensor
 * calibration today, the session store tomorrow.  Decided here and
 * nowhere else:
 *
 *   1. [daemon] state_dir, when set;
 *   2. $STATE_DIRECTORY, which systemd sets from the unit's
 *      StateDirectory=kneed (its first entry);
 *   3. with --session (a development daemon of one user):
 *      $XDG_DATA_HOME/kneed (~/.local/share/kneed);
 *   4. /var/lib/kneed.
 *
 * The directory is created (mode 0700) by whoever first writes to it.
 */
#pragma once

#include <glib.h>

#define KN_STATE_DIR_DEFAULT "/var/lib/kneed"

/* configured: [daemon] state_dir or NULL; session: kneed --session.
 * g_free. */
char *kn_state_dir_resolve(const char *configured, gboolean session);
