/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * ankle-acc: run-ankle-acc-outdoor/acc_running_left_ankle.csv, an
 * ActiGraph GT9X clipped to the left shoe just below the ankle, 100 Hz,
 * +-8 g, columns t_s, x_g, y_g, z_g, a 25-minute outdoor run.
 *
 * How the device sat on the body is not documented.  It is written as the
 * sleeve's shank accelerometer (the closest sensor the sleeve has), with
 * the proper rotation that puts gravity on +y during the first quiet
 * standing second found in the first ten seconds (none found: axes as
 * they are).  x and z stay unknown: only orientation-free quantities (the
 * magnitude) mean anything, which the metadata says (orientation=unknown).
 * Streams after a ten-second look-ahead.
 */
#define G_LOG_DOMAIN "kneectl"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "client/convert.h"

#define LOOKAHEAD_S 10.0
#define QUIET_WINDOW_S 1.0
#define QUIET_STD_G 0.05            /* per axis, over the window */
#define QUIET_NORM_TOL_G 0.1        /* | |mean| - 1 g | */

struct sample {
    double t_s;
    double a[3];
    guint64 line;
};

/* The first window of QUIET_WINDOW_S in which the device is still and
 * reads 1 g: returns its first index, or -1. */
static int find_standing(const GArray *head, double mean[3])
{
    for (guint i = 0; i < head->len; i++) {
        const struct sample *s0 = &g_array_index(head, struct sample, i);
        double sum[3] = { 0 }, sum2[3] = { 0 }, n = 0, norm = 0;
        gboolean quiet = TRUE;
        guint j;

        for (j = i; j < head->len; j++) {
            const struct sample *s = &g_array_index(head, struct sample, j);

            if (s->t_s - s0->t_s >= QUIET_WINDOW_S)
                break;
            for (int k = 0; k < 3; k++) {
                sum[k] += s->a[k];
                sum2[k] += s->a[k] * s->a[k];
            }
            n++;
        }
        if (j == head->len)
            return -1;          /* not a whole window left */
        for (int k = 0; k < 3; k++) {
            double m = sum[k] / n, var = sum2[k] / n - m * m;

            mean[k] = m;
            norm += m * m;
            if (var > QUIET_STD_G * QUIET_STD_G)
                quiet = FALSE;
        }
        if (quiet && fabs(sqrt(norm) - 1.0) < QUIET_NORM_TOL_G)
            return (int) i;
    }
    return -1;
}

static gboolean parse_row(KnCsv *csv, const guint cols[4], struct sample *s, double prev_t,
                          GError **error)
{
    if (!kn_csv_check_width(csv, error) || !kn_csv_double(csv, cols[0], FALSE, &s->t_s, error))
        return FALSE;
    for (int k = 0; k < 3; k++)
        if (!kn_csv_double(csv, cols[1 + k], FALSE, &s->a[k], error))
            return FALSE;
    if (s->t_s <= prev_t) {
        kn_csv_error(csv, error, KN_CONVERT_ERROR_VALUE, (int) cols[0],
                     "time %.6f does not increase (previous row %.6f)", s->t_s, prev_t);
        return FALSE;
    }
    s->line = kn_csv_line(csv);
    return TRUE;
}

static gboolean emit(KnRecordingWriter *w, const struct kn_mount *m, const char *name,
                     const struct sample *s, GError **error)
{
    struct kn_frame f = { .t_s = s->t_s, .present = KN_HAS_SHANK_ACCEL };
    g_autofree char *where = g_strdup_printf("%s:%" G_GUINT64_FORMAT, name, s->line);

    kn_mount_apply(m, s->a, KN_STANDARD_GRAVITY, f.shank_accel);
    return kn_convert_write_frame(w, &f, where, error);
}

static gboolean convert(const struct kn_convert_opts *opts, GError **error)
{
    g_autoptr(KnCsv) csv = NULL;
    g_autoptr(KnRecordingWriter) w = NULL;
    g_autoptr(GArray) head = g_array_new(FALSE, FALSE, sizeof(struct sample));
    g_autofree char *base = g_path_get_basename(opts->input);
    g_autofree char *mount_text = NULL;
    static const char *const names[4] = { "t_s", "x_g", "y_g", "z_g" };
    KnRecordingMeta meta = { .rate_hz = 100 };
    struct kn_mount mount = { { 0, 1, 2 }, { 1, 1, 1 } };
    double mean[3], prev_t = -INFINITY;
    guint cols[4];
    int r, standing;

    csv = kn_csv_open(opts->input, error);
    if (!csv)
        return FALSE;
    if (!kn_csv_read_header(csv, error))
        return FALSE;
    for (int k = 0; k < 4; k++)
        if (!kn_csv_require_column(csv, names[k], &cols[k], error))
            return FALSE;

    for (;;) {
        struct sample s;

        r = kn_csv_next(csv, error);
        if (r < 0)
            return FALSE;
        if (r == 0)
            break;
        if (!parse_row(csv, cols, &s, prev_t, error))
            return FALSE;
        prev_t = s.t_s;
        g_array_append_val(head, s);
        if (s.t_s - g_array_index(head, struct sample, 0).t_s >= LOOKAHEAD_S)
            break;
    }
    if (head->len == 0) {
        kn_csv_error(csv, error, KN_CONVERT_ERROR_DATA, -1, "no data rows");
        return FALSE;
    }

    meta.side = KN_SIDE_LEFT;
    if (opts->side_given)
        meta.side = opts->side;
    else if (!strstr(base, "left"))
        meta.side = KN_SIDE_RIGHT;
    meta.source = g_strdup_printf("run-ankle-acc-outdoor %s (ActiGraph GT9X at the ankle, "
                                  "written as the shank accelerometer)", base);
    meta.extra = kn_convert_meta_new();
    kn_convert_meta_set(meta.extra, "format", "ankle-acc");
    kn_convert_meta_set(meta.extra, "orientation", "unknown");
    kn_convert_meta_set(meta.extra, "orientation_note",
                        "placement on the body undocumented: only the magnitude is meaningful");
    kn_convert_meta_set(meta.extra, "accel_range_g", "8");

    standing = find_standing(head, mean);
    if (standing >= 0) {
        int axis = 0;
        const struct sample *s0 = &g_array_index(head, struct sample, standing);

        for (int k = 1; k < 3; k++)
            if (fabs(mean[k]) > fabs(mean[axis]))
                axis = k;
        kn_mount_for_gravity(axis, mean[axis] < 0 ? -1 : +1, &mount);
        mount_text = kn_mount_describe(&mount);
        kn_convert_meta_set(meta.extra, "mount", "%s (gravity on +y while standing still "
                            "at %.2f-%.2f s)", mount_text, s0->t_s, s0->t_s + QUIET_WINDOW_S);
    } else {
        mount_text = kn_mount_describe(&mount);
        kn_convert_meta_set(meta.extra, "mount", "%s (no standing period in the first %.0f s: "
                            "axes as recorded)", mount_text, LOOKAHEAD_S);
        fprintf(stderr, "%s: note: no quiet standing second in the first %.0f s: axes kept "
                        "as recorded, gravity direction unknown\n", opts->input, LOOKAHEAD_S);
    }

    w = kn_recording_writer_new(opts->output, &meta, KN_HAS_SHANK_ACCEL, error);
    kn_recording_meta_clear(&meta);
    if (!w)
        return FALSE;
    for (guint i = 0; i < head->len; i++)
        if (!emit(w, &mount, kn_csv_name(csv), &g_array_index(head, struct sample, i), error))
            return FALSE;
    while ((r = kn_csv_next(csv, error)) > 0) {
        struct sample s;

        if (!parse_row(csv, cols, &s, prev_t, error))
            return FALSE;
        prev_t = s.t_s;
        if (!emit(w, &mount, kn_csv_name(csv), &s, error))
            return FALSE;
    }
    if (r < 0)
        return FALSE;
    return kn_recording_writer_close(g_steal_pointer(&w), error);
}

static GPtrArray *list_inputs(const char *dir, GError **error)
{
    return kn_convert_list_dir(dir, "acc_running_*ankle*.csv", NULL, error);
}

const struct kn_convert_format kn_format_ankle = {
    .name = "ankle-acc",
    .summary = "25-minute outdoor run, ankle accelerometer, orientation unknown (run-ankle-acc-outdoor)",
    .inputs = "acc_running_left_ankle.csv",
    .has_truth = FALSE,
    .convert = convert,
    .list_inputs = list_inputs,
};
