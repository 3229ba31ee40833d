/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <string.h>

#include "daemon/state-dir.h"

char *kn_state_dir_resolve(const char *configured, gboolean session)
{
    const char *systemd = g_getenv("STATE_DIRECTORY");

    if (configured && *configured)
        return g_strdup(configured);
    if (systemd && *systemd) {
        const char *colon = strchr(systemd, ':');

        return colon ? g_strndup(systemd, (gsize) (colon - systemd)) : g_strdup(systemd);
    }
    if (session)
        return g_build_filename(g_get_user_data_dir(), "kneed", NULL);
    return g_strdup(KN_STATE_DIR_DEFAULT);
}
