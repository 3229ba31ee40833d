/* SPDX-License-Identifier: GPL-2.0-or-later */
#define G_LOG_DOMAIN "kneed"

#include <unistd.h>

#include "daemon/log.h"

static gboolean log_verbose;
static gboolean log_journald;

static GLogWriterOutput writer(GLogLevelFlags level, const GLogField *fields, gsize n_fields,
                               gpointer user_data)
{
    const char *domain = NULL;

    for (gsize i = 0; i < n_fields; i++) {
        if (g_strcmp0(fields[i].key, "GLIB_DOMAIN") == 0) {
            domain = fields[i].value;
            break;
        }
    }
    if (!log_verbose && (level & (G_LOG_LEVEL_DEBUG | G_LOG_LEVEL_INFO)) &&
        g_log_writer_default_would_drop(level, domain))
        return G_LOG_WRITER_HANDLED;
    if (log_journald && g_log_writer_journald(level, fields, n_fields, user_data) ==
        G_LOG_WRITER_HANDLED)
        return G_LOG_WRITER_HANDLED;
    return g_log_writer_standard_streams(level, fields, n_fields, user_data);
}

void kn_log_setup(gboolean verbose)
{
    log_verbose = verbose;
    /* -v means "show me everything here", even under systemd. */
    log_journald = !verbose && g_log_writer_is_journald(STDERR_FILENO);
    g_log_set_writer_func(writer, NULL, NULL);
}
