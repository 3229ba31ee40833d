/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * shank-acc-grf: run-shank-acc-grf/csv/trialNN_<condition>.csv, a 3-axis
 * shank accelerometer (g) at 142.857 Hz on a treadmill over a force plate
 * (Bach, Dominici & Daffertshofer 2022).  Columns t_s, acc_x_g, acc_y_g,
 * acc_z_g, vgrf_N.
 *
 * Documented axes: x along the shank pointing down, y medio-lateral,
 * z forward.  Project frame: y superior = -x, x anterior = z, z = x cross
 * y = -y (so the sensor's y points to the body's left).  Four trials
 * (14, 15, 17, 18) read +1 g on x: that sensor was mounted upside down.
 * The mounting is therefore taken from the data (mean of x over the first
 * two seconds), or forced with --mount; docs/datasets.md has the evidence.
 *
 * The accelerometer range is +-8 g and running impacts clip: values are
 * kept as they are and the metadata says accel_range_g=8.
 *
 * --truth writes the force-plate contacts of the instrumented leg from
 * the data set's <stem>_events_from_vgrf.csv.  Streams, after a two-second
 * look-ahead.
 */
#define G_LOG_DOMAIN "kneectl"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "client/convert.h"

#define RATE_HZ 142.857
#define RANGE_G 8.0
#define CLIP_G 7.9                  /* |a| at or above: at the limit */
#define LOOKAHEAD_S 2.0

struct sample {
    double t_s;
    double a[3];
    guint64 line;
};

struct trial_info {
    gboolean found;
    char *gender;
    double weight_kg, height_cm, speed_kmh;
};

static void trial_info_clear(struct trial_info *info)
{
    g_clear_pointer(&info->gender, g_free);
}

/* trialNN_<condition> */
static gboolean parse_name(const char *path, guint *ret_trial, char **ret_condition)
{
    g_autofree char *stem = kn_convert_stem(path);
    guint64 n;
    const char *us;

    if (!g_str_has_prefix(stem, "trial"))
        return FALSE;
    us = strchr(stem, '_');
    if (!us || !us[1])
        return FALSE;
    {
        g_autofree char *num = g_strndup(stem + 5, (gsize) (us - stem - 5));

        if (!g_ascii_string_to_unsigned(num, 10, 1, 999, &n, NULL))
            return FALSE;
    }
    *ret_trial = (guint) n;
    *ret_condition = g_strdup(us + 1);
    return TRUE;
}

/* walk+run_INFO.csv beside the csv/ directory: per trial gender, weight,
 * height, speed.  Absent: not an error (found stays FALSE); malformed: an
 * error, it is input too. */
static gboolean read_info(const char *input, guint trial, struct trial_info *ret, GError **error)
{
    g_autofree char *dir = g_path_get_dirname(input);
    g_autofree char *path = g_build_filename(dir, "..", "walk+run_INFO.csv", NULL);
    g_autoptr(KnCsv) csv = NULL;
    guint c_trial, c_gender, c_weight, c_height, c_speed;
    int r;

    if (!g_file_test(path, G_FILE_TEST_IS_REGULAR))
        return TRUE;
    csv = kn_csv_open(path, error);
    if (!csv)
        return FALSE;
    if (!kn_csv_read_header(csv, error))
        return FALSE;
    if (!kn_csv_require_column(csv, "Trial", &c_trial, error) ||
        !kn_csv_require_column(csv, "Gender", &c_gender, error) ||
        !kn_csv_require_column(csv, "Weight [kg]", &c_weight, error) ||
        !kn_csv_require_column(csv, "Height [cm]", &c_height, error) ||
        !kn_csv_require_column(csv, "Speed [km/h]", &c_speed, error))
        return FALSE;
    while ((r = kn_csv_next(csv, error)) > 0) {
        double t;

        /* The sheet ends with rows of empty cells. */
        if (!*g_strstrip((char *) kn_csv_field(csv, c_trial)))
            continue;
        if (!kn_csv_double(csv, c_trial, FALSE, &t, error))
            return FALSE;
        if (t != trial)
            continue;
        if (!kn_csv_double(csv, c_weight, FALSE, &ret->weight_kg, error) ||
            !kn_csv_double(csv, c_height, FALSE, &ret->height_cm, error) ||
            !kn_csv_double(csv, c_speed, FALSE, &ret->speed_kmh, error))
            return FALSE;
        if (!(ret->speed_kmh > 0 && ret->speed_kmh < 40)) {
            kn_csv_error(csv, error, KN_CONVERT_ERROR_VALUE, (int) c_speed,
                         "%g km/h is not a treadmill speed", ret->speed_kmh);
            return FALSE;
        }
        ret->gender = g_strdup(g_strstrip((char *) kn_csv_field(csv, c_gender)));
        ret->found = TRUE;
        return TRUE;
    }
    return r == 0;
}

struct contact {
    double on_s, off_s;
};

/* <stem>_events_from_vgrf.csv: foot_on_t_s, foot_off_t_s per contact. */
static GArray *read_events(const char *input, char **ret_path, GError **error)
{
    g_autofree char *dir = g_path_get_dirname(input);
    g_autofree char *stem = kn_convert_stem(input);
    g_autofree char *name = g_strconcat(stem, "_events_from_vgrf.csv", NULL);
    g_autofree char *path = g_build_filename(dir, name, NULL);
    g_autoptr(KnCsv) csv = kn_csv_open(path, error);
    g_autoptr(GArray) out = g_array_new(FALSE, FALSE, sizeof(struct contact));
    guint c_on, c_off;
    int r;

    if (!csv)
        return NULL;
    if (!kn_csv_read_header(csv, error))
        return NULL;
    if (!kn_csv_require_column(csv, "foot_on_t_s", &c_on, error) ||
        !kn_csv_require_column(csv, "foot_off_t_s", &c_off, error))
        return NULL;
    while ((r = kn_csv_next(csv, error)) > 0) {
        struct contact c;

        if (!kn_csv_check_width(csv, error) ||
            !kn_csv_double(csv, c_on, FALSE, &c.on_s, error) ||
            !kn_csv_double(csv, c_off, FALSE, &c.off_s, error))
            return NULL;
        if (c.off_s <= c.on_s) {
            kn_csv_error(csv, error, KN_CONVERT_ERROR_VALUE, (int) c_off,
                         "foot-off %.4f s is not after foot-on %.4f s", c.off_s, c.on_s);
            return NULL;
        }
        if (out->len && c.on_s <= g_array_index(out, struct contact, out->len - 1).off_s) {
            kn_csv_error(csv, error, KN_CONVERT_ERROR_VALUE, (int) c_on,
                         "contact starts at %.4f s, before the previous one ends", c.on_s);
            return NULL;
        }
        g_array_append_val(out, c);
    }
    if (r < 0)
        return NULL;
    *ret_path = g_steal_pointer(&path);
    return g_steal_pointer(&out);
}

static gboolean write_truth(const struct kn_convert_opts *opts, const char *events_path,
                            GArray *events, guint trial, const char *condition,
                            const struct trial_info *info, GError **error)
{
    g_autoptr(KnTruth) t = kn_truth_open(opts->truth, error);
    g_autoptr(JsonBuilder) b = json_builder_new();
    g_autofree char *base = g_path_get_basename(opts->input);
    g_autofree char *ev_base = g_path_get_basename(events_path);

    if (!t)
        return FALSE;
    json_builder_begin_object(b);
    json_builder_set_member_name(b, "type");
    json_builder_add_string_value(b, "meta");
    json_builder_set_member_name(b, "format");
    json_builder_add_string_value(b, "shank-acc-grf");
    json_builder_set_member_name(b, "source");
    json_builder_add_string_value(b, base);
    json_builder_set_member_name(b, "trial");
    json_builder_add_int_value(b, trial);
    json_builder_set_member_name(b, "condition");
    json_builder_add_string_value(b, condition);
    if (info->found) {
        json_builder_set_member_name(b, "speed_kmh");
        json_builder_add_double_value(b, info->speed_kmh);
    }
    json_builder_set_member_name(b, "rate_hz");
    json_builder_add_double_value(b, RATE_HZ);
    json_builder_set_member_name(b, "contacts");
    json_builder_add_int_value(b, events->len);
    json_builder_set_member_name(b, "events");
    json_builder_add_string_value(b, ev_base);
    json_builder_set_member_name(b, "method");
    json_builder_add_string_value(b, "force plate under the instrumented leg: -vGRF > 50 N "
                                     "for >= 0.1 s (the data set's events file)");
    json_builder_end_object(b);
    kn_truth_write_builder(t, b);

    for (guint i = 0; i < events->len; i++) {
        const struct contact *c = &g_array_index(events, struct contact, i);

        kn_truth_write_numbers(t, "contact", "ic_s", c->on_s, "to_s", c->off_s,
                               "contact_s", c->off_s - c->on_s, NULL);
    }
    return kn_truth_close(g_steal_pointer(&t), error);
}

static gboolean parse_row(KnCsv *csv, const guint cols[5], struct sample *s, GError **error)
{
    double vgrf;

    if (!kn_csv_check_width(csv, error) || !kn_csv_double(csv, cols[0], FALSE, &s->t_s, error))
        return FALSE;
    for (int k = 0; k < 3; k++)
        if (!kn_csv_double(csv, cols[1 + k], FALSE, &s->a[k], error))
            return FALSE;
    /* Not converted, but a corrupt cell is still a corrupt input. */
    if (!kn_csv_double(csv, cols[4], FALSE, &vgrf, error))
        return FALSE;
    s->line = kn_csv_line(csv);
    return TRUE;
}

struct writer_state {
    KnRecordingWriter *w;
    const char *name;
    struct kn_mount mount;
    guint64 clipped;
    guint64 rows;
};

static gboolean emit(struct writer_state *ws, const struct sample *s, GError **error)
{
    struct kn_frame f = { .t_s = s->t_s, .present = KN_HAS_SHANK_ACCEL };
    g_autofree char *where = g_strdup_printf("%s:%" G_GUINT64_FORMAT, ws->name, s->line);

    if (fabs(s->a[0]) >= CLIP_G || fabs(s->a[1]) >= CLIP_G || fabs(s->a[2]) >= CLIP_G)
        ws->clipped++;
    kn_mount_apply(&ws->mount, s->a, KN_STANDARD_GRAVITY, f.shank_accel);
    ws->rows++;
    return kn_convert_write_frame(ws->w, &f, where, error);
}

static gboolean convert(const struct kn_convert_opts *opts, GError **error)
{
    g_autoptr(KnCsv) csv = NULL;
    g_autoptr(KnRecordingWriter) w = NULL;
    g_autoptr(GArray) head = g_array_new(FALSE, FALSE, sizeof(struct sample));
    g_autoptr(GArray) events = NULL;
    g_autofree char *events_path = NULL, *condition = NULL, *base = g_path_get_basename(opts->input);
    g_autofree char *mount_text = NULL;
    struct trial_info info = { 0 };
    KnRecordingMeta meta = { .rate_hz = RATE_HZ };
    struct writer_state ws = { 0 };
    static const char *const names[5] = { "t_s", "acc_x_g", "acc_y_g", "acc_z_g", "vgrf_N" };
    guint cols[5], trial = 0;
    gboolean inverted = FALSE, done = FALSE;
    double mean_x = 0, prev_t = -INFINITY;
    int r;

    if (!parse_name(opts->input, &trial, &condition)) {
        g_set_error(error, KN_CONVERT_ERROR, KN_CONVERT_ERROR_USAGE,
                    "%s: not a trialNN_<condition>.csv file name", opts->input);
        return FALSE;
    }
    if (!read_info(opts->input, trial, &info, error))
        goto fail;
    if (opts->truth) {
        events = read_events(opts->input, &events_path, error);
        if (!events)
            goto fail;
    }

    csv = kn_csv_open(opts->input, error);
    if (!csv)
        goto fail;
    if (!kn_csv_read_header(csv, error))
        goto fail;
    for (int k = 0; k < 5; k++)
        if (!kn_csv_require_column(csv, names[k], &cols[k], error))
            goto fail;

    /* Look ahead two seconds for the mounting. */
    while (!done) {
        struct sample s;

        r = kn_csv_next(csv, error);
        if (r < 0)
            goto fail;
        if (r == 0)
            break;
        if (!parse_row(csv, cols, &s, error))
            goto fail;
        if (s.t_s <= prev_t) {
            kn_csv_error(csv, error, KN_CONVERT_ERROR_VALUE, (int) cols[0],
                         "time %.6f does not increase (previous row %.6f)", s.t_s, prev_t);
            goto fail;
        }
        prev_t = s.t_s;
        g_array_append_val(head, s);
        done = s.t_s - g_array_index(head, struct sample, 0).t_s >= LOOKAHEAD_S;
    }
    if (head->len == 0) {
        kn_csv_error(csv, error, KN_CONVERT_ERROR_DATA, -1, "no data rows");
        goto fail;
    }
    for (guint i = 0; i < head->len; i++)
        mean_x += g_array_index(head, struct sample, i).a[0] / head->len;
    switch (opts->mount) {
    case KN_MOUNT_AUTO:
        if (fabs(mean_x) < 0.5) {
            g_set_error(error, KN_CONVERT_ERROR, KN_CONVERT_ERROR_DATA,
                        "%s: cannot tell how the sensor is mounted: x averages %.2f g over the "
                        "first %.0f s; use --mount normal|inverted", opts->input, mean_x, LOOKAHEAD_S);
            goto fail;
        }
        inverted = mean_x > 0;
        break;
    case KN_MOUNT_NORMAL:
        inverted = FALSE;
        break;
    case KN_MOUNT_INVERTED:
        inverted = TRUE;
        break;
    }
    /* Normal: x points down (reads -1 g), so project +y = -x. */
    kn_mount_for_gravity(0, inverted ? +1 : -1, &ws.mount);
    mount_text = kn_mount_describe(&ws.mount);

    meta.side = opts->side_given ? opts->side : KN_SIDE_RIGHT;
    meta.source = g_strdup_printf("run-shank-acc-grf %s (shank accelerometer, Bach et al. 2022)", base);
    meta.extra = kn_convert_meta_new();
    kn_convert_meta_set(meta.extra, "format", "shank-acc-grf");
    kn_convert_meta_set(meta.extra, "trial", "%u", trial);
    kn_convert_meta_set(meta.extra, "condition", "%s", condition);
    if (info.found) {
        kn_convert_meta_set(meta.extra, "speed_kmh", "%g", info.speed_kmh);
        kn_convert_meta_set(meta.extra, "subject_gender", "%s", info.gender);
        kn_convert_meta_set(meta.extra, "subject_weight_kg", "%g", info.weight_kg);
        kn_convert_meta_set(meta.extra, "subject_height_cm", "%g", info.height_cm);
    }
    kn_convert_meta_set(meta.extra, "accel_range_g", "%g", RANGE_G);
    kn_convert_meta_set(meta.extra, "accel_clip_note",
                        "running impacts reach the +-8 g limit and are clipped (values kept)");
    kn_convert_meta_set(meta.extra, "mount", "%s (%s; x averaged %+.2f g over the first %.0f s)",
                        inverted ? "inverted" : "normal", mount_text, mean_x, LOOKAHEAD_S);
    if (!opts->side_given)
        kn_convert_meta_set(meta.extra, "side_note", "the data set does not say which leg");
    w = kn_recording_writer_new(opts->output, &meta, KN_HAS_SHANK_ACCEL, error);
    kn_recording_meta_clear(&meta);
    if (!w)
        goto fail;
    ws.w = w;
    ws.name = kn_csv_name(csv);

    for (guint i = 0; i < head->len; i++)
        if (!emit(&ws, &g_array_index(head, struct sample, i), error))
            goto fail;
    while ((r = kn_csv_next(csv, error)) > 0) {
        struct sample s;

        if (!parse_row(csv, cols, &s, error))
            goto fail;
        if (s.t_s <= prev_t) {
            kn_csv_error(csv, error, KN_CONVERT_ERROR_VALUE, (int) cols[0],
                         "time %.6f does not increase (previous row %.6f)", s.t_s, prev_t);
            goto fail;
        }
        prev_t = s.t_s;
        if (!emit(&ws, &s, error))
            goto fail;
    }
    if (r < 0)
        goto fail;
    if (!kn_recording_writer_close(g_steal_pointer(&w), error))
        goto fail;
    if (ws.clipped)
        fprintf(stderr, "%s: note: %" G_GUINT64_FORMAT " of %" G_GUINT64_FORMAT
                        " samples at the +-8 g limit (clipped, kept)\n",
                opts->input, ws.clipped, ws.rows);
    if (opts->truth) {
        double first = g_array_index(head, struct sample, 0).t_s;

        /* Contacts must lie within the recording they describe. */
        for (guint i = 0; i < events->len; i++) {
            const struct contact *c = &g_array_index(events, struct contact, i);

            if (c->on_s < first - 1.0 / RATE_HZ || c->off_s > prev_t + 1.0 / RATE_HZ) {
                g_set_error(error, KN_CONVERT_ERROR, KN_CONVERT_ERROR_DATA,
                            "%s: contact %u (%.3f-%.3f s) lies outside the recording "
                            "(%.3f-%.3f s)", events_path, i + 1, c->on_s, c->off_s, first, prev_t);
                goto fail;
            }
        }
        if (!write_truth(opts, events_path, events, trial, condition, &info, error))
            goto fail;
    }
    trial_info_clear(&info);
    return TRUE;

fail:
    trial_info_clear(&info);
    return FALSE;
}

static GPtrArray *list_inputs(const char *dir, GError **error)
{
    g_autofree char *sub = g_build_filename(dir, "csv", NULL);

    return kn_convert_list_dir(g_file_test(sub, G_FILE_TEST_IS_DIR) ? sub : dir, "trial*_*.csv",
                               "*_events_from_vgrf.csv", error);
}

const struct kn_convert_format kn_format_grf = {
    .name = "shank-acc-grf",
    .summary = "treadmill running/walking, shank accelerometer + force-plate contacts (run-shank-acc-grf)",
    .inputs = "csv/trialNN_<condition>.csv",
    .has_truth = TRUE,
    .convert = convert,
    .list_inputs = list_inputs,
};
