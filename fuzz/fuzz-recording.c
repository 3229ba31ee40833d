/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The recording-format reader (docs/recording-format.md), as the replay
 * driver and `kneectl analyze` use it: open, then every row.  A frame it
 * returns passes the analysis' own frame check, carries only groups the
 * header has, and comes later than the one before; an error names the
 * file and a line.
 */
#include <glib.h>
#include <math.h>
#include <string.h>

#include "drivers/recording.h"
#include "fuzz/fuzz.h"

#define NAME "fuzz.csv"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    fuzz_quiet_glib_log();
    return 0;
}

static void check_error(const GError *error)
{
    FUZZ_CHECK(error != NULL);
    FUZZ_CHECK(g_str_has_prefix(error->message, NAME ":"));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(KnRecordingReader) r = NULL;
    struct kn_frame f;
    double prev = -INFINITY;
    guint32 columns;
    FILE *fp;

    /* fmemopen() refuses a zero-length buffer */
    fp = size ? fmemopen((void *) data, size, "r") : fopen("/dev/null", "re");
    FUZZ_CHECK(fp != NULL);
    r = kn_recording_reader_new_for_stream(fp, NAME, &error);
    if (!r) {
        check_error(error);
        fclose(fp);
        return 0;
    }
    columns = kn_recording_reader_columns(r);
    FUZZ_CHECK((columns & ~KN_HAS_ALL) == 0);
    while (kn_recording_reader_next(r, &f, &error)) {
        const char *field = NULL;

        FUZZ_CHECK((f.present & ~columns) == 0);
        FUZZ_CHECK(kn_frame_check(&f, &field) == 0);
        FUZZ_CHECK(f.t_s > prev);
        prev = f.t_s;
    }
    if (error)
        check_error(error);
    g_clear_pointer(&r, kn_recording_reader_free);
    fclose(fp);
    return 0;
}
