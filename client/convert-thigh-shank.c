/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * thigh-shank-imu: walk-thigh-shank-imu/csv/NO<n>_<side>_IMU_<k>.csv, two
 * MPU9250 nodes (thigh, shank) joined on their sample counters, 100 Hz,
 * accelerations in g, angular rates in degrees per second.
 *
 * Node axes: x along the segment (up), y medio-lateral, z antero-posterior.
 * The mounting below was worked out from all 65 trials (docs/datasets.md):
 * x reads +1 g standing (x = superior); the shank's largest angular rate,
 * the mid-swing peak, is positive about y on both legs (y = the axis about
 * which a positive rotation swings the distal end forward = the body's
 * right); z = x cross y for these right-handed sensors is then anterior,
 * which the low-frequency z acceleration confirms (it follows +g sin of
 * the gyro-integrated segment angle).
 *
 * Holds the trial in memory: before anything is written, the two nodes'
 * clocks are checked against each other (alignment_lag below), and a
 * thigh node whose clock disagrees is left out.
 */
#define G_LOG_DOMAIN "kneectl"

#include <glib/gstdio.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "client/convert.h"

#define DEG_TO_RAD (G_PI / 180.0)
#define BSN_RECORD_BYTES 28
#define RATE_HZ 100
/* a trial at 100 Hz is 12-20 s; this is over five hours */
#define MAX_ROWS (2u * 1000 * 1000)
/* The shank's activity follows the thigh's by a fraction of a stride:
 * 0.06-0.30 s in 64 of the 65 trials.  More than this either way means
 * the nodes' clocks did not start together, and the joined rows pair
 * thigh and shank samples from different moments. */
#define ALIGN_MAX_LAG_S 0.5
#define ALIGN_SEARCH_S 4.0
#define ENVELOPE_S 0.5

enum { SEG_THIGH, SEG_SHANK, SEG_COUNT };

/* [segment][side]: the nodes sit the same way up on both legs with y to
 * the body's right, so all four entries are the same proper rotation
 * (project x = node z, y = node x, z = node y). */
static const struct kn_mount mounts[SEG_COUNT][2] = {
    [SEG_THIGH][KN_SIDE_RIGHT] = { { 2, 0, 1 }, { +1, +1, +1 } },
    [SEG_THIGH][KN_SIDE_LEFT] = { { 2, 0, 1 }, { +1, +1, +1 } },
    [SEG_SHANK][KN_SIDE_RIGHT] = { { 2, 0, 1 }, { +1, +1, +1 } },
    [SEG_SHANK][KN_SIDE_LEFT] = { { 2, 0, 1 }, { +1, +1, +1 } },
};

static const char *const seg_names[SEG_COUNT] = { "thigh", "shank" };
static const char *const axis_names[3] = { "x", "y", "z" };

/* NO<n>_<side>_IMU_<k>: fills what it finds; FALSE when the name does not
 * follow the pattern. */
static gboolean parse_name(const char *path, guint *ret_subject, enum kn_side *ret_side,
                           guint *ret_trial)
{
    g_autofree char *stem = kn_convert_stem(path);
    g_auto(GStrv) parts = g_strsplit(stem, "_", -1);
    guint64 n, k;

    if (g_strv_length(parts) != 4 || !g_str_has_prefix(parts[0], "NO") ||
        strcmp(parts[2], "IMU") != 0)
        return FALSE;
    if (!g_ascii_string_to_unsigned(parts[0] + 2, 10, 0, 1000, &n, NULL) ||
        !g_ascii_string_to_unsigned(parts[3], 10, 0, 100000, &k, NULL) ||
        kn_side_from_string(parts[1], ret_side) < 0)
        return FALSE;
    *ret_subject = (guint) n;
    *ret_trial = (guint) k;
    return TRUE;
}

/* Record count of the original binary file of a node, or -1 when it is
 * not beside the CSV (../raw_bsn/NO.<n>/<Seg>-<side>/IMU_<k>.1bsn). */
static gint64 raw_records(const char *input, guint subject, enum kn_side side, guint trial,
                          const char *seg)
{
    g_autofree char *dir = g_path_get_dirname(input);
    g_autofree char *node = g_strdup_printf("NO.%u", subject);
    g_autofree char *segdir = g_strdup_printf("%s-%s", seg, kn_side_to_string(side));
    g_autofree char *file = g_strdup_printf("IMU_%u.1bsn", trial);
    g_autofree char *path = g_build_filename(dir, "..", "raw_bsn", node, segdir, file, NULL);
    GStatBuf st;

    if (g_stat(path, &st) < 0 || st.st_size % BSN_RECORD_BYTES)
        return -1;
    return st.st_size / BSN_RECORD_BYTES;
}

struct row {
    struct kn_frame f;
    guint64 line;
};

/* Box-smoothed |x| over ENVELOPE_S, centred, minus its mean. */
static double *envelope(const struct row *rows, guint n, gboolean thigh)
{
    guint k = (guint) (ENVELOPE_S * RATE_HZ), half = k / 2;
    double *abs_x = g_new(double, n), *env = g_new(double, n), mean = 0;

    for (guint i = 0; i < n; i++)
        abs_x[i] = fabs(thigh ? rows[i].f.thigh_gyro[2] : rows[i].f.shank_gyro[2]);
    for (guint i = 0; i < n; i++) {
        guint lo = i >= half ? i - half : 0, hi = MIN(n, i + k - half);
        double sum = 0;

        /* zero beyond the ends */
        for (guint j = lo; j < hi; j++)
            sum += abs_x[j];
        env[i] = sum / k;
        mean += env[i];
    }
    mean /= n;
    for (guint i = 0; i < n; i++)
        env[i] -= mean;
    g_free(abs_x);
    return env;
}

/* The lag (s) of the shank's activity envelope behind the thigh's that
 * lines them up best, within +-ALIGN_SEARCH_S: how far apart the two node
 * clocks are, give or take the within-stride delay of the shank's swing
 * after the thigh's.  NaN for a trial too short to tell. */
static double alignment_lag(const struct row *rows, guint n)
{
    gint max_lag = (gint) (ALIGN_SEARCH_S * RATE_HZ);
    g_autofree double *te = NULL, *se = NULL;
    double best = -INFINITY;
    gint best_lag = 0;

    if (n < 2u * (guint) max_lag)
        return NAN;
    te = envelope(rows, n, TRUE);
    se = envelope(rows, n, FALSE);
    for (gint lag = -max_lag; lag <= max_lag; lag++) {
        guint off = (guint) ABS(lag), len = n - off;
        const double *a = lag >= 0 ? te : te + off;
        const double *b = lag >= 0 ? se + off : se;
        double c = 0;

        for (guint i = 0; i < len; i++)
            c += a[i] * b[i];
        c /= len;
        if (c > best) {
            best = c;
            best_lag = lag;
        }
    }
    return (double) best_lag / RATE_HZ;
}

static const char *const node_suffix[2] = { "acc", "gyr" };
static const char *const node_unit[2] = { "g", "dps" };

static gboolean convert(const struct kn_convert_opts *opts, GError **error)
{
    g_autoptr(KnCsv) csv = NULL;
    g_autoptr(KnRecordingWriter) w = NULL;
    g_autoptr(GArray) rows_buf = g_array_new(FALSE, FALSE, sizeof(struct row));
    g_auto(KnRecordingMeta) meta = { .rate_hz = RATE_HZ };
    g_autofree char *base = g_path_get_basename(opts->input);
    guint col_counter, col_t, cols[SEG_COUNT][2][3];
    guint subject = 0, trial = 0;
    enum kn_side name_side = KN_SIDE_RIGHT, side;
    gboolean named = parse_name(opts->input, &subject, &name_side, &trial);
    gboolean have_prev = FALSE;
    double prev_counter = 0, prev_t = 0;
    guint64 missing = 0;
    gint64 rec[SEG_COUNT] = { -1, -1 };
    guint32 present = KN_HAS_THIGH_IMU | KN_HAS_SHANK_IMU;
    double lag;
    int r;

    if (!named && !opts->side_given) {
        g_set_error(error, KN_CONVERT_ERROR, KN_CONVERT_ERROR_USAGE,
                    "%s: cannot tell the side from the file name (NO<n>_<left|right>_IMU_<k>.csv): "
                    "use --side", opts->input);
        return FALSE;
    }
    side = opts->side_given ? opts->side : name_side;
    meta.side = side;

    csv = kn_csv_open(opts->input, error);
    if (!csv)
        return FALSE;
    if (!kn_csv_read_header(csv, error))
        return FALSE;
    if (!kn_csv_require_column(csv, "counter", &col_counter, error) ||
        !kn_csv_require_column(csv, "t_s", &col_t, error))
        return FALSE;
    for (int s = 0; s < SEG_COUNT; s++)
        for (int k = 0; k < 2; k++)
            for (int a = 0; a < 3; a++) {
                g_autofree char *name = g_strdup_printf("%s_%s_%s_%s", seg_names[s], node_suffix[k],
                                                        axis_names[a], node_unit[k]);

                if (!kn_csv_require_column(csv, name, &cols[s][k][a], error))
                    return FALSE;
            }

    meta.source = g_strdup_printf("walk-thigh-shank-imu %s (MPU9250 thigh and shank nodes)", base);
    meta.extra = kn_convert_meta_new();
    kn_convert_meta_set(meta.extra, "format", "thigh-shank-imu");
    for (int s = 0; s < SEG_COUNT; s++) {
        g_autofree char *key = g_strdup_printf("mount_%s", seg_names[s]);
        g_autofree char *text = kn_mount_describe(&mounts[s][side]);

        kn_convert_meta_set(meta.extra, key, "%s", text);
    }
    kn_convert_meta_set(meta.extra, "gyro_scale_note",
                        "%g x the source reader's 1000/32768 dps per count (2 = an MPU9250 at "
                        "+-2000 dps, docs/datasets.md)", opts->gyro_gain);
    kn_convert_meta_set(meta.extra, "gyro_gain", "%g", opts->gyro_gain);
    if (named) {
        kn_convert_meta_set(meta.extra, "subject", "NO%u", subject);
        kn_convert_meta_set(meta.extra, "trial", "%u", trial);
        if (opts->side_given && opts->side != name_side)
            fprintf(stderr, "%s: note: --side %s overrides the file name's %s\n", opts->input,
                    kn_side_to_string(opts->side), kn_side_to_string(name_side));
        for (int s = 0; s < SEG_COUNT; s++)
            rec[s] = raw_records(opts->input, subject, name_side, trial, s == SEG_THIGH ? "Thigh" : "Shank");
    }
    if (rec[SEG_THIGH] >= 0 && rec[SEG_SHANK] >= 0) {
        kn_convert_meta_set(meta.extra, "thigh_records", "%" G_GINT64_FORMAT, rec[SEG_THIGH]);
        kn_convert_meta_set(meta.extra, "shank_records", "%" G_GINT64_FORMAT, rec[SEG_SHANK]);
        if (rec[SEG_THIGH] != rec[SEG_SHANK]) {
            kn_convert_meta_set(meta.extra, "node_length_note",
                                "the nodes differ in length: only the frames both recorded "
                                "(equal counters) are kept; thigh/shank alignment unverified");
            fprintf(stderr, "%s: note: the thigh node has %" G_GINT64_FORMAT " records and the "
                            "shank node %" G_GINT64_FORMAT ": only the frames both recorded are kept\n",
                    opts->input, rec[SEG_THIGH], rec[SEG_SHANK]);
        }
    }

    while ((r = kn_csv_next(csv, error)) > 0) {
        struct kn_frame f = { .present = KN_HAS_THIGH_IMU | KN_HAS_SHANK_IMU };
        double counter, raw[SEG_COUNT][2][3];
        struct row row;

        if (!kn_csv_check_width(csv, error))
            return FALSE;
        if (!kn_csv_double(csv, col_counter, FALSE, &counter, error) ||
            !kn_csv_double(csv, col_t, FALSE, &f.t_s, error))
            return FALSE;
        if (counter < 0 || counter != floor(counter)) {
            kn_csv_error(csv, error, KN_CONVERT_ERROR_VALUE, (int) col_counter,
                         "not a sample counter: %g", counter);
            return FALSE;
        }
        if (have_prev && counter <= prev_counter) {
            kn_csv_error(csv, error, KN_CONVERT_ERROR_VALUE, (int) col_counter,
                         "counter %.0f does not increase (previous row %.0f)", counter, prev_counter);
            return FALSE;
        }
        if (have_prev && f.t_s <= prev_t) {
            kn_csv_error(csv, error, KN_CONVERT_ERROR_VALUE, (int) col_t,
                         "time %.6f does not increase (previous row %.6f)", f.t_s, prev_t);
            return FALSE;
        }
        if (have_prev && counter > prev_counter + 1) {
            missing += (guint64) (counter - prev_counter - 1);
            fprintf(stderr, "%s:%" G_GUINT64_FORMAT ": note: counter jumps from %.0f to %.0f: "
                            "%.0f frame(s) absent from the input, left as a time gap\n",
                    kn_csv_name(csv), kn_csv_line(csv), prev_counter, counter,
                    counter - prev_counter - 1);
        }
        for (int s = 0; s < SEG_COUNT; s++)
            for (int k = 0; k < 2; k++)
                for (int a = 0; a < 3; a++)
                    if (!kn_csv_double(csv, cols[s][k][a], FALSE, &raw[s][k][a], error))
                        return FALSE;
        for (int s = 0; s < SEG_COUNT; s++) {
            kn_mount_apply(&mounts[s][side], raw[s][0], KN_STANDARD_GRAVITY,
                           s == SEG_THIGH ? f.thigh_accel : f.shank_accel);
            kn_mount_apply(&mounts[s][side], raw[s][1], DEG_TO_RAD * opts->gyro_gain,
                           s == SEG_THIGH ? f.thigh_gyro : f.shank_gyro);
        }
        if (rows_buf->len >= MAX_ROWS) {
            kn_csv_error(csv, error, KN_CONVERT_ERROR_DATA, -1, "more than %u rows", MAX_ROWS);
            return FALSE;
        }
        row = (struct row) { .f = f, .line = kn_csv_line(csv) };
        g_array_append_val(rows_buf, row);
        have_prev = TRUE;
        prev_counter = counter;
        prev_t = f.t_s;
    }
    if (r < 0)
        return FALSE;
    if (rows_buf->len == 0) {
        kn_csv_error(csv, error, KN_CONVERT_ERROR_DATA, -1, "no data rows");
        return FALSE;
    }
    if (missing)
        fprintf(stderr, "%s: note: %" G_GUINT64_FORMAT " frame(s) missing in the input "
                        "(counter gaps)\n", opts->input, missing);

    lag = alignment_lag((const struct row *) rows_buf->data, rows_buf->len);
    if (!isnan(lag)) {
        kn_convert_meta_set(meta.extra, "thigh_shank_lag_s", "%.2f", lag);
        if (fabs(lag) > ALIGN_MAX_LAG_S && !opts->keep_misaligned) {
            present = KN_HAS_SHANK_IMU;
            kn_convert_meta_set(meta.extra, "alignment_note",
                                "the thigh node's clock disagrees with the shank's (activity lag "
                                "%+.2f s, more than %.1f s): thigh data left out, no knee angle "
                                "can be computed from these nodes", lag, ALIGN_MAX_LAG_S);
            fprintf(stderr, "%s: note: the shank's activity lags the thigh's by %+.2f s (more than "
                            "%.1f s): the node clocks disagree, the thigh is left out "
                            "(--keep-misaligned keeps it)\n", opts->input, lag, ALIGN_MAX_LAG_S);
        }
    }

    w = kn_recording_writer_new(opts->output, &meta, present, error);
    if (!w)
        return FALSE;
    for (guint i = 0; i < rows_buf->len; i++) {
        struct row *row = &g_array_index(rows_buf, struct row, i);
        g_autofree char *where = g_strdup_printf("%s:%" G_GUINT64_FORMAT, kn_csv_name(csv), row->line);

        row->f.present = present;
        if (!kn_convert_write_frame(w, &row->f, where, error))
            return FALSE;
    }
    return kn_recording_writer_close(g_steal_pointer(&w), error);
}

static GPtrArray *list_inputs(const char *dir, GError **error)
{
    g_autofree char *sub = g_build_filename(dir, "csv", NULL);

    return kn_convert_list_dir(g_file_test(sub, G_FILE_TEST_IS_DIR) ? sub : dir,
                               "NO*_*_IMU_*.csv", NULL, error);
}

const struct kn_convert_format kn_format_thigh_shank = {
    .name = "thigh-shank-imu",
    .summary = "walking, thigh + shank MPU9250 nodes, 100 Hz (walk-thigh-shank-imu)",
    .inputs = "csv/NO<n>_<side>_IMU_<k>.csv",
    .has_truth = FALSE,
    .convert = convert,
    .list_inputs = list_inputs,
};
