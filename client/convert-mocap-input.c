/* SPDX-License-Identifier: GPL-2.0-or-later */
/* mocap-vicon: reading a Vicon trajectories export, checking its marker
 * labels against the geometry, filling short gaps and choosing the span
 * to keep (convert-mocap.h). */
#define G_LOG_DOMAIN "kneectl"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "client/convert-mocap.h"
#include "client/mocap-model.h"
#include "client/sigproc.h"

static const char *const marker_names[MK_COUNT] = {
    "LASI", "RASI", "LPSI", "RPSI", "RKNE", "LKNE", "RANK", "LANK", "RTOE", "LTOE", "RHEE", "LHEE",
};


void kn_mocap_clear(struct mocap *m)
{
    for (int k = 0; k < MK_COUNT; k++)
        if (m->mk[k].xyz)
            g_array_unref(m->mk[k].xyz);
    g_free(m->name);
    g_free(m->subject);
    if (m->relabelled)
        g_string_free(m->relabelled, TRUE);
    if (m->trimmed)
        g_string_free(m->trimmed, TRUE);
    g_clear_object(&m->trimmed_json);
}

/* ---- reading the export ---- */

static gboolean read_header(struct mocap *m, KnCsv *csv, GError **error)
{
    g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func(g_free);
    guint n_fields;
    int r;

    r = kn_csv_next(csv, error);
    if (r < 0)
        return FALSE;
    if (r == 0 || strcmp(g_strstrip((char *) kn_csv_field(csv, 0)), "Trajectories") != 0) {
        kn_csv_error(csv, error, KN_CONVERT_ERROR_FORMAT, -1,
                     "not a Vicon trajectories export: the first line must be 'Trajectories'");
        return FALSE;
    }
    if (kn_csv_next(csv, error) <= 0 ||
        !kn_csv_double(csv, 0, FALSE, &m->rate_hz, error)) {
        if (error && !*error)
            kn_csv_error(csv, error, KN_CONVERT_ERROR_FORMAT, -1, "no frame rate line");
        return FALSE;
    }
    if (!(m->rate_hz >= 10 && m->rate_hz <= 10000)) {
        kn_csv_error(csv, error, KN_CONVERT_ERROR_VALUE, 0, "frame rate %g Hz is not plausible",
                     m->rate_hz);
        return FALSE;
    }

    /* Line 3: marker names ("Subject:RKNE") over the X column of each. */
    if (kn_csv_next(csv, error) <= 0) {
        if (error && !*error)
            kn_csv_error(csv, error, KN_CONVERT_ERROR_FORMAT, -1, "no marker name line");
        return FALSE;
    }
    for (int k = 0; k < MK_COUNT; k++) {
        g_strlcpy(m->mk[k].name, marker_names[k], sizeof(m->mk[k].name));
        g_strlcpy(m->mk[k].label, marker_names[k], sizeof(m->mk[k].label));
        m->mk[k].column = -1;
    }
    g_ptr_array_add(names, g_strdup("Frame"));
    g_ptr_array_add(names, g_strdup("Sub Frame"));
    for (guint c = 2; c < kn_csv_n_fields(csv); c++) {
        g_autofree char *cell = g_strstrip(g_strdup(kn_csv_field(csv, c)));
        const char *colon = strrchr(cell, ':');
        const char *marker = colon ? colon + 1 : cell;

        if ((c - 2) % 3 == 0) {
            if (colon && !m->subject)
                m->subject = g_strndup(cell, (gsize) (colon - cell));
            for (int k = 0; k < MK_COUNT; k++)
                if (*marker && strcmp(marker, m->mk[k].name) == 0) {
                    if (m->mk[k].column >= 0) {
                        kn_csv_error(csv, error, KN_CONVERT_ERROR_FORMAT, (int) c,
                                     "marker %s named twice", marker);
                        return FALSE;
                    }
                    m->mk[k].column = (int) c;
                }
        }
    }
    {
        static const int pelvis[] = { MK_LASI, MK_RASI };
        const int leg[] = { m->kne, m->ank };

        for (size_t k = 0; k < 2; k++)
            if (m->mk[pelvis[k]].column < 0 || m->mk[leg[k]].column < 0) {
                kn_csv_error(csv, error, KN_CONVERT_ERROR_FORMAT, -1, "no %s marker in the header",
                             m->mk[m->mk[pelvis[k]].column < 0 ? pelvis[k] : leg[k]].name);
                return FALSE;
            }
    }
    if (m->mk[MK_LPSI].column < 0 && m->mk[MK_RPSI].column < 0) {
        kn_csv_error(csv, error, KN_CONVERT_ERROR_FORMAT, -1, "no LPSI or RPSI marker in the header");
        return FALSE;
    }
    {
        /* Name the columns for messages: "RKNE.Y". */
        g_autoptr(GPtrArray) marker_of = g_ptr_array_new_with_free_func(g_free);

        for (guint c = 2; c < kn_csv_n_fields(csv); c++) {
            g_autofree char *cell = g_strstrip(g_strdup(kn_csv_field(csv, c)));
            const char *colon = strrchr(cell, ':');

            g_ptr_array_add(marker_of, g_strdup(colon ? colon + 1 : cell));
        }
        /* Line 4: Frame, Sub Frame, X, Y, Z, ... */
        if (kn_csv_next(csv, error) <= 0) {
            if (error && !*error)
                kn_csv_error(csv, error, KN_CONVERT_ERROR_FORMAT, -1, "no column name line");
            return FALSE;
        }
        if (strcmp(g_strstrip((char *) kn_csv_field(csv, 0)), "Frame") != 0) {
            kn_csv_error(csv, error, KN_CONVERT_ERROR_FORMAT, 0, "expected 'Frame'");
            return FALSE;
        }
        n_fields = kn_csv_n_fields(csv);
        for (guint c = 2; c < n_fields; c++) {
            guint first = c - (c - 2) % 3;
            const char *marker = first - 2 < marker_of->len ? g_ptr_array_index(marker_of, first - 2) : "";

            g_ptr_array_add(names, g_strdup_printf("%s.%s", marker,
                                                   g_strstrip((char *) kn_csv_field(csv, c))));
        }
    }
    for (int k = 0; k < MK_COUNT; k++)
        if (m->mk[k].column >= 0 && (guint) m->mk[k].column + 2 >= n_fields) {
            kn_csv_error(csv, error, KN_CONVERT_ERROR_FORMAT, -1,
                         "marker %s has no X, Y, Z columns", m->mk[k].name);
            return FALSE;
        }
    g_ptr_array_add(names, NULL);
    kn_csv_set_header(csv, (char **) g_ptr_array_free(g_steal_pointer(&names), FALSE));

    /* Line 5: units. */
    if (kn_csv_next(csv, error) <= 0) {
        if (error && !*error)
            kn_csv_error(csv, error, KN_CONVERT_ERROR_FORMAT, -1, "no unit line");
        return FALSE;
    }
    for (int k = 0; k < MK_COUNT; k++) {
        const char *unit;

        if (m->mk[k].column < 0)
            continue;
        unit = g_strstrip((char *) kn_csv_field(csv, (guint) m->mk[k].column));
        if (strcmp(unit, "mm") != 0) {
            kn_csv_error(csv, error, KN_CONVERT_ERROR_FORMAT, m->mk[k].column,
                         "unit '%s': millimetres (mm) expected", unit);
            return FALSE;
        }
    }
    return TRUE;
}

static gboolean read_rows(struct mocap *m, KnCsv *csv, GError **error)
{
    double prev_frame = 0;
    int r;

    for (int k = 0; k < MK_COUNT; k++)
        if (m->mk[k].column >= 0)
            m->mk[k].xyz = g_array_new(FALSE, FALSE, sizeof(double));
    while ((r = kn_csv_next(csv, error)) > 0) {
        double frame, sub, gap_frames = 0;
        static const double missing[3] = { NAN, NAN, NAN };

        if (!kn_csv_check_width(csv, error) ||
            !kn_csv_double(csv, 0, FALSE, &frame, error) ||
            !kn_csv_double(csv, 1, FALSE, &sub, error))
            return FALSE;
        /* Up to 2^53, where doubles still hold every whole number: the
         * frame becomes a guint64, and a larger double's conversion is
         * undefined (x86 and arm give different numbers). */
        if (!(frame >= 0 && frame <= 9007199254740992.0) || frame != floor(frame) || sub != 0) {
            kn_csv_error(csv, error, KN_CONVERT_ERROR_VALUE,
                         !(frame >= 0 && frame <= 9007199254740992.0) || frame != floor(frame) ? 0 : 1,
                         "frame %g, sub-frame %g: whole frames expected", frame, sub);
            return FALSE;
        }
        if (m->n == 0) {
            m->first_frame = (guint64) frame;
        } else {
            if (frame <= prev_frame) {
                kn_csv_error(csv, error, KN_CONVERT_ERROR_VALUE, 0,
                             "frame %.0f does not follow frame %.0f", frame, prev_frame);
                return FALSE;
            }
            gap_frames = frame - prev_frame - 1;
        }
        if (m->n + gap_frames + 1 > MOCAP_MAX_FRAMES) {
            kn_csv_error(csv, error, KN_CONVERT_ERROR_DATA, 0, "more than %u frames", MOCAP_MAX_FRAMES);
            return FALSE;
        }
        /* Frames absent from the export are missing data for every marker. */
        for (guint g = 0; g < (guint) gap_frames; g++) {
            for (int k = 0; k < MK_COUNT; k++)
                if (m->mk[k].xyz)
                    g_array_append_vals(m->mk[k].xyz, missing, 3);
            m->n++;
        }
        for (int k = 0; k < MK_COUNT; k++) {
            double p[3];
            int empty = 0;

            if (!m->mk[k].xyz)
                continue;
            for (int a = 0; a < 3; a++) {
                if (!kn_csv_double(csv, (guint) m->mk[k].column + a, TRUE, &p[a], error))
                    return FALSE;
                empty += isnan(p[a]);
                if (!isnan(p[a]) && fabs(p[a]) > 1e6) {
                    kn_csv_error(csv, error, KN_CONVERT_ERROR_VALUE, m->mk[k].column + a,
                                 "%g mm is outside any capture volume", p[a]);
                    return FALSE;
                }
            }
            if (empty != 0 && empty != 3) {
                kn_csv_error(csv, error, KN_CONVERT_ERROR_VALUE, m->mk[k].column,
                             "marker %s is only partly given", m->mk[k].name);
                return FALSE;
            }
            g_array_append_vals(m->mk[k].xyz, p, 3);
        }
        prev_frame = frame;
        m->n++;
    }
    if (r < 0)
        return FALSE;
    if (m->n == 0) {
        kn_csv_error(csv, error, KN_CONVERT_ERROR_DATA, -1, "no frames");
        return FALSE;
    }
    return TRUE;
}

/* ---- labels ---- */

static void permute(struct mocap *m, int first, const int order[4])
{
    struct trajectory old[4];

    memcpy(old, &m->mk[first], sizeof(old));
    for (int r = 0; r < 4; r++) {
        struct trajectory *t = &m->mk[first + r];

        t->xyz = old[order[r]].xyz;
        t->column = old[order[r]].column;
        t->filled = old[order[r]].filled;
        g_strlcpy(t->label, old[order[r]].label, sizeof(t->label));
        if (strcmp(t->label, t->name) != 0)
            g_string_append_printf(m->relabelled, "%s%s<-%s", m->relabelled->len ? " " : "",
                                   t->name, t->label);
    }
}

static const double *track(const struct mocap *m, int k)
{
    return m->mk[k].xyz ? &g_array_index(m->mk[k].xyz, double, 0) : NULL;
}

/* Auto-labelling errors swap markers for a whole trial in this data set
 * (left for right, ASIS for PSIS, toe for heel): give every marker the
 * role its position says it has (mocap-model.h). */
gboolean kn_mocap_check_labels(struct mocap *m, GError **error)
{
    const double *pel[4], *grp[4];
    int order[4], r;

    m->relabelled = g_string_new(NULL);
    for (int k = 0; k < 4; k++)
        pel[k] = track(m, MK_LASI + k);
    if (pel[0] && pel[1] && pel[2] && pel[3]) {
        r = kn_mocap_pelvis_roles(pel, m->n, order);
        if (r == -EBADMSG) {
            g_set_error(error, KN_CONVERT_ERROR, KN_CONVERT_ERROR_DATA,
                        "%s: the pelvis markers do not form an ASIS/PSIS rectangle under any "
                        "labelling", m->opts->input);
            return FALSE;
        }
        if (r == 0)
            permute(m, MK_LASI, order);
    }
    for (int k = 0; k < 4; k++)
        pel[k] = track(m, MK_LASI + k);
    for (int g = 0; g < 2; g++) {
        int first = g == 0 ? MK_RKNE : MK_RTOE;
        gboolean all = pel[0] && pel[1];

        for (int k = 0; k < 4; k++) {
            grp[k] = track(m, first + k);
            all = all && grp[k];
        }
        if (all && kn_mocap_leg_roles(pel, grp, m->n, g == 0, order) == 0)
            permute(m, first, order);
    }
    if (m->relabelled->len)
        fprintf(stderr, "%s: note: markers relabelled from their positions (role<-label): %s\n",
                m->opts->input, m->relabelled->str);
    return TRUE;
}

/* ---- gaps and the usable span ---- */

/* Fills the interior gaps of at most max_len frames of one trajectory. */
static void fill_short_gaps(struct trajectory *t, guint n, guint max_len)
{
    guint i = 0;

    if (!t->xyz)
        return;
    while (i < n) {
        guint j;

        if (present(t, i)) {
            i++;
            continue;
        }
        for (j = i; j < n && !present(t, j); j++)
            ;
        if (i > 0 && j < n && j - i <= max_len) {
            g_autofree double *c = g_new(double, n);

            for (int a = 0; a < 3; a++) {
                for (guint k = 0; k < n; k++)
                    c[k] = xyz_at(t, k)[a];
                /* Both neighbours exist: i > 0 and j < n. */
                kn_fill_gap_cubic(c, n, i, j - i);
                for (guint k = i; k < j; k++)
                    xyz_at(t, k)[a] = c[k];
            }
            t->filled += j - i;
        }
        i = j;
    }
}

static const char *missing_reason(const struct mocap *m, guint i)
{
    const int needed[] = { MK_LASI, MK_RASI, m->kne, m->ank };

    for (size_t k = 0; k < G_N_ELEMENTS(needed); k++)
        if (!present(&m->mk[needed[k]], i))
            return m->mk[needed[k]].name;
    if (!present(&m->mk[MK_LPSI], i) && !present(&m->mk[MK_RPSI], i))
        return "LPSI and RPSI";
    return NULL;
}

static void note_trim(struct mocap *m, guint a, guint b, const char *why)
{
    /* Times of the first and the last frame cut. */
    double t0 = (m->first_frame - 1 + a) / m->rate_hz, t1 = (m->first_frame - 1 + b - 1) / m->rate_hz;

    g_string_append_printf(m->trimmed, "%s%.3f-%.3f s (%s)", m->trimmed->len ? "; " : "", t0, t1, why);
    json_builder_begin_object(m->trimmed_json);
    json_builder_set_member_name(m->trimmed_json, "from_s");
    json_builder_add_double_value(m->trimmed_json, t0);
    json_builder_set_member_name(m->trimmed_json, "to_s");
    json_builder_add_double_value(m->trimmed_json, t1);
    json_builder_set_member_name(m->trimmed_json, "frames");
    json_builder_add_int_value(m->trimmed_json, b - a);
    json_builder_set_member_name(m->trimmed_json, "reason");
    json_builder_add_string_value(m->trimmed_json, why);
    json_builder_end_object(m->trimmed_json);
}

/* Keeps the longest run of frames in which every needed marker exists. */
gboolean kn_mocap_choose_span(struct mocap *m, GError **error)
{
    guint best_s = 0, best_e = 0, i = 0;

    while (i < m->n) {
        guint j = i;

        while (j < m->n && !missing_reason(m, j))
            j++;
        if (j - i > best_e - best_s) {
            best_s = i;
            best_e = j;
        }
        i = j + 1;
    }
    if ((best_e - best_s) < MOCAP_MIN_SPAN_S * m->rate_hz) {
        g_set_error(error, KN_CONVERT_ERROR, KN_CONVERT_ERROR_DATA,
                    "%s: no stretch of %.0f s in which the pelvis, knee and ankle markers of the "
                    "%s leg all exist (longest %.2f s)", m->opts->input, MOCAP_MIN_SPAN_S,
                    kn_side_to_string(m->side), (best_e - best_s) / m->rate_hz);
        return FALSE;
    }
    m->s = best_s;
    m->e = best_e;

    m->trimmed = g_string_new(NULL);
    m->trimmed_json = json_builder_new();
    json_builder_begin_array(m->trimmed_json);
    /* Describe what lies outside [s, e): runs with one reason each. */
    for (i = 0; i < m->n;) {
        const char *why;
        guint j = i + 1;

        if (i == m->s) {
            i = m->e;
            continue;
        }
        why = missing_reason(m, i);
        if (!why) {
            while (j < m->n && j != m->s && !missing_reason(m, j))
                j++;
            note_trim(m, i, j, "outside the longest complete stretch");
        } else {
            while (j < m->n && j != m->s && missing_reason(m, j) &&
                   strcmp(missing_reason(m, j), why) == 0)
                j++;
            {
                g_autofree char *text = g_strdup_printf("%s missing", why);

                note_trim(m, i, j, text);
            }
        }
        i = j;
    }
    json_builder_end_array(m->trimmed_json);
    return TRUE;
}

gboolean kn_mocap_read(struct mocap *m, KnCsv *csv, GError **error)
{
    return read_header(m, csv, error) && read_rows(m, csv, error);
}

void kn_mocap_fill_gaps(struct mocap *m)
{
    guint max_len = (guint) floor(m->opts->max_gap_s * m->rate_hz + 1e-9);

    for (int k = 0; k < MK_COUNT; k++)
        fill_short_gaps(&m->mk[k], m->n, max_len);
}
