/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <glib.h>

#include "fuzz/fuzz.h"

static GLogWriterOutput writer(GLogLevelFlags level, const GLogField *fields, gsize n_fields,
                               gpointer user_data)
{
    if (level & (G_LOG_LEVEL_ERROR | G_LOG_LEVEL_CRITICAL | G_LOG_LEVEL_WARNING)) {
        g_log_writer_standard_streams(level, fields, n_fields, user_data);
        abort();
    }
    return G_LOG_WRITER_HANDLED;
}

void fuzz_quiet_glib_log(void)
{
    g_log_set_writer_func(writer, NULL, NULL);
}
