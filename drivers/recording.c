/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "kneed-drivers"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "drivers/recording.h"

G_DEFINE_QUARK(kn-recording-error-quark, kn_recording_error)

/* Where each known column lands in a frame. */
enum col_id {
    COL_T = 0,
    COL_KNEE,
    COL_THIGH_AX, COL_THIGH_AY, COL_THIGH_AZ,
    COL_THIGH_GX, COL_THIGH_GY, COL_THIGH_GZ,
    COL_SHANK_AX, COL_SHANK_AY, COL_SHANK_AZ,
    COL_SHANK_GX, COL_SHANK_GY, COL_SHANK_GZ,
    COL_COUNT
};

static const char *const col_names[COL_COUNT] = {
    "t_s", "knee_deg",
    "thigh_ax", "thigh_ay", "thigh_az", "thigh_gx", "thigh_gy", "thigh_gz",
    "shank_ax", "shank_ay", "shank_az", "shank_gx", "shank_gy", "shank_gz",
};

/* The sensor group a column belongs to; t_s belongs to none. */
static guint32 col_group(enum col_id c)
{
    switch (c) {
    case COL_T:
    case COL_COUNT:
        return 0;
    case COL_KNEE:
        return KN_HAS_FLEX;
    case COL_THIGH_AX: case COL_THIGH_AY: case COL_THIGH_AZ:
        return KN_HAS_THIGH_ACCEL;
    case COL_THIGH_GX: case COL_THIGH_GY: case COL_THIGH_GZ:
        return KN_HAS_THIGH_GYRO;
    case COL_SHANK_AX: case COL_SHANK_AY: case COL_SHANK_AZ:
        return KN_HAS_SHANK_ACCEL;
    case COL_SHANK_GX: case COL_SHANK_GY: case COL_SHANK_GZ:
        return KN_HAS_SHANK_GYRO;
    }
    return 0;
}

static double *col_slot(struct kn_frame *f, enum col_id c)
{
    switch (c) {
    case COL_T: return &f->t_s;
    case COL_KNEE: return &f->knee_deg;
    case COL_THIGH_AX: case COL_THIGH_AY: case COL_THIGH_AZ:
        return &f->thigh_accel[c - COL_THIGH_AX];
    case COL_THIGH_GX: case COL_THIGH_GY: case COL_THIGH_GZ:
        return &f->thigh_gyro[c - COL_THIGH_GX];
    case COL_SHANK_AX: case COL_SHANK_AY: case COL_SHANK_AZ:
        return &f->shank_accel[c - COL_SHANK_AX];
    case COL_SHANK_GX: case COL_SHANK_GY: case COL_SHANK_GZ:
        return &f->shank_gyro[c - COL_SHANK_GX];
    case COL_COUNT:
        break;
    }
    return NULL;
}

static void col_limits(enum col_id c, double *lo, double *hi)
{
    guint32 g = col_group(c);

    if (c == COL_T) {
        *lo = -1e9;
        *hi = 1e9;
    } else if (g == KN_HAS_FLEX) {
        *lo = KN_LIMIT_KNEE_DEG_MIN;
        *hi = KN_LIMIT_KNEE_DEG_MAX;
    } else if (g & (KN_HAS_THIGH_ACCEL | KN_HAS_SHANK_ACCEL)) {
        *lo = -KN_LIMIT_ACCEL_MS2;
        *hi = KN_LIMIT_ACCEL_MS2;
    } else {
        *lo = -KN_LIMIT_GYRO_RADS;
        *hi = KN_LIMIT_GYRO_RADS;
    }
}

struct _KnRecordingReader {
    char *name;               /* for messages */
    FILE *fp;
    gboolean own_fp;
    guint64 line;
    KnRecordingMeta meta;
    guint32 columns;
    guint n_fields;           /* fields in the header */
    int *field_col;           /* header field -> enum col_id, or -1 (ignored) */
    gboolean have_prev;
    double prev_t;
    char *buf;
    size_t buf_len;
};

void kn_recording_meta_clear(KnRecordingMeta *meta)
{
    g_clear_pointer(&meta->source, g_free);
    g_clear_pointer(&meta->extra, g_hash_table_unref);
}

void kn_recording_reader_free(KnRecordingReader *r)
{
    if (!r)
        return;
    if (r->fp && r->own_fp)
        fclose(r->fp);
    kn_recording_meta_clear(&r->meta);
    g_free(r->field_col);
    g_free(r->buf);
    g_free(r->name);
    g_free(r);
}

/* Reads one line without its terminator.  Returns 1, 0 at EOF, -1 on
 * error.  A line is at most KN_RECORDING_LINE_MAX bytes: the buffer is
 * bounded by what a recording needs, not by what a file holds (a file
 * without a newline, /dev/zero, would otherwise take all memory). */
static int read_line(KnRecordingReader *r, char **ret_line, GError **error)
{
    gboolean nul = FALSE;
    size_t n = 0;
    int c;

    errno = 0;
    while ((c = getc_unlocked(r->fp)) != EOF && c != '\n') {
        if (n == KN_RECORDING_LINE_MAX) {
            g_set_error(error, KN_RECORDING_ERROR, KN_RECORDING_ERROR_FORMAT,
                        "%s:%" G_GUINT64_FORMAT ": line longer than %d bytes",
                        r->name, r->line + 1, KN_RECORDING_LINE_MAX);
            return -1;
        }
        if (n + 1 >= r->buf_len) {
            r->buf_len = MIN(MAX(r->buf_len * 2, 256), KN_RECORDING_LINE_MAX + 1);
            r->buf = g_realloc(r->buf, r->buf_len);
        }
        nul |= c == '\0';
        r->buf[n++] = (char) c;
    }
    if (c == EOF && ferror(r->fp)) {
        g_set_error(error, KN_RECORDING_ERROR, KN_RECORDING_ERROR_IO,
                    "%s:%" G_GUINT64_FORMAT ": read error: %s",
                    r->name, r->line + 1, g_strerror(errno));
        return -1;
    }
    if (c == EOF && n == 0)
        return 0;
    r->line++;
    if (nul) {
        g_set_error(error, KN_RECORDING_ERROR, KN_RECORDING_ERROR_FORMAT,
                    "%s:%" G_GUINT64_FORMAT ": binary data (NUL byte) in a text recording",
                    r->name, r->line);
        return -1;
    }
    if (!r->buf) {
        r->buf_len = 256;
        r->buf = g_malloc(r->buf_len);
    }
    while (n > 0 && r->buf[n - 1] == '\r')
        n--;
    r->buf[n] = '\0';
    *ret_line = r->buf;
    return 1;
}

static gboolean parse_meta(KnRecordingReader *r, const char *text, GError **error)
{
    g_autofree char *key = NULL;
    g_autofree char *value = NULL;
    const char *eq = strchr(text, '=');

    if (!eq)
        return TRUE;    /* a plain comment */
    key = g_strstrip(g_strndup(text, (gsize) (eq - text)));
    value = g_strstrip(g_strdup(eq + 1));
    if (!*key || strchr(key, ' '))
        return TRUE;    /* prose that happens to contain '=' */

    if (strcmp(key, "rate_hz") == 0) {
        char *end = NULL;
        double v = g_ascii_strtod(value, &end);

        if (!*value || *end || !isfinite(v) || v <= 0 || v > 100000) {
            g_set_error(error, KN_RECORDING_ERROR, KN_RECORDING_ERROR_FORMAT,
                        "%s:%" G_GUINT64_FORMAT ": metadata rate_hz: not a rate in Hz: '%s'",
                        r->name, r->line, value);
            return FALSE;
        }
        r->meta.rate_hz = v;
    } else if (strcmp(key, "side") == 0) {
        if (kn_side_from_string(value, &r->meta.side) < 0) {
            g_set_error(error, KN_RECORDING_ERROR, KN_RECORDING_ERROR_FORMAT,
                        "%s:%" G_GUINT64_FORMAT ": metadata side: expected 'left' or 'right', got '%s'",
                        r->name, r->line, value);
            return FALSE;
        }
    } else if (strcmp(key, "source") == 0) {
        g_free(r->meta.source);
        r->meta.source = g_steal_pointer(&value);
    } else {
        g_hash_table_replace(r->meta.extra, g_steal_pointer(&key), g_steal_pointer(&value));
    }
    return TRUE;
}

static gboolean parse_header(KnRecordingReader *r, const char *line, GError **error)
{
    g_auto(GStrv) fields = g_strsplit(line, ",", -1);
    gboolean seen[COL_COUNT] = { FALSE };
    guint32 partial = 0;

    r->n_fields = g_strv_length(fields);
    r->field_col = g_new(int, r->n_fields);
    for (guint i = 0; i < r->n_fields; i++) {
        const char *name = g_strstrip(fields[i]);

        r->field_col[i] = -1;
        for (int c = 0; c < COL_COUNT; c++) {
            if (strcmp(name, col_names[c]) != 0)
                continue;
            if (seen[c]) {
                g_set_error(error, KN_RECORDING_ERROR, KN_RECORDING_ERROR_FORMAT,
                            "%s:%" G_GUINT64_FORMAT ": column %u (%s): named twice in the header",
                            r->name, r->line, i + 1, name);
                return FALSE;
            }
            seen[c] = TRUE;
            r->field_col[i] = c;
        }
    }
    if (!seen[COL_T]) {
        g_set_error(error, KN_RECORDING_ERROR, KN_RECORDING_ERROR_TIME,
                    "%s:%" G_GUINT64_FORMAT ": header has no t_s column", r->name, r->line);
        return FALSE;
    }
    for (int c = COL_KNEE; c < COL_COUNT; c++) {
        if (seen[c])
            r->columns |= col_group(c);
        else
            partial |= col_group(c);
    }
    partial &= r->columns;
    if (partial) {
        for (int c = COL_KNEE; c < COL_COUNT; c++) {
            if (!seen[c] && (col_group(c) & partial)) {
                g_set_error(error, KN_RECORDING_ERROR, KN_RECORDING_ERROR_FORMAT,
                            "%s:%" G_GUINT64_FORMAT ": header has part of a sensor group but no %s column",
                            r->name, r->line, col_names[c]);
                return FALSE;
            }
        }
    }
    return TRUE;
}

static KnRecordingReader *reader_start(KnRecordingReader *reader, GError **error)
{
    g_autoptr(KnRecordingReader) r = reader;
    char *line = NULL;
    int k;

    k = read_line(r, &line, error);
    if (k < 0)
        return NULL;
    if (k == 0 || strcmp(g_strchomp(line), KN_RECORDING_MAGIC) != 0) {
        g_set_error(error, KN_RECORDING_ERROR, KN_RECORDING_ERROR_FORMAT,
                    "%s:1: not a kneed recording: the first line must be '%s'",
                    r->name, KN_RECORDING_MAGIC);
        return NULL;
    }
    for (;;) {
        k = read_line(r, &line, error);
        if (k < 0)
            return NULL;
        if (k == 0) {
            g_set_error(error, KN_RECORDING_ERROR, KN_RECORDING_ERROR_FORMAT,
                        "%s:%" G_GUINT64_FORMAT ": no header line", r->name, r->line);
            return NULL;
        }
        if (line[0] == '#') {
            if (!parse_meta(r, line + 1, error))
                return NULL;
            continue;
        }
        if (!*g_strstrip(line))
            continue;
        if (!parse_header(r, line, error))
            return NULL;
        break;
    }
    return g_steal_pointer(&r);
}

static KnRecordingReader *reader_new(const char *name)
{
    KnRecordingReader *r = g_new0(KnRecordingReader, 1);

    r->meta.extra = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
    r->meta.side = KN_SIDE_RIGHT;
    r->name = g_strdup(name);
    return r;
}

KnRecordingReader *kn_recording_reader_open(const char *path, GError **error)
{
    KnRecordingReader *r;

    if (strcmp(path, "-") == 0)
        return kn_recording_reader_new_for_stream(stdin, "<stdin>", error);
    r = reader_new(path);
    r->fp = fopen(path, "re");
    if (!r->fp) {
        int err = errno;

        g_set_error(error, G_FILE_ERROR, g_file_error_from_errno(err),
                    "%s: cannot open: %s", path, g_strerror(err));
        kn_recording_reader_free(r);
        return NULL;
    }
    r->own_fp = TRUE;
    return reader_start(r, error);
}

KnRecordingReader *kn_recording_reader_new_for_stream(FILE *fp, const char *name, GError **error)
{
    KnRecordingReader *r = reader_new(name);

    r->fp = fp;
    return reader_start(r, error);
}

const KnRecordingMeta *kn_recording_reader_meta(const KnRecordingReader *r)
{
    return &r->meta;
}

guint32 kn_recording_reader_columns(const KnRecordingReader *r)
{
    return r->columns;
}

guint64 kn_recording_reader_line(const KnRecordingReader *r)
{
    return r->line;
}

static gboolean parse_row(KnRecordingReader *r, char *line, struct kn_frame *f, GError **error)
{
    guint32 filled = 0, empty = 0;
    gboolean have_t = FALSE;
    guint field = 0;
    char *p = line;

    memset(f, 0, sizeof(*f));
    for (;;) {
        char *comma = strchr(p, ',');
        char *cell = p;
        int c;

        if (comma)
            *comma = '\0';
        if (field >= r->n_fields) {
            g_set_error(error, KN_RECORDING_ERROR, KN_RECORDING_ERROR_FORMAT,
                        "%s:%" G_GUINT64_FORMAT ": more fields than the %u columns of the header",
                        r->name, r->line, r->n_fields);
            return FALSE;
        }
        c = r->field_col[field];
        if (c >= 0) {
            char *end = NULL;
            double v, lo, hi;

            cell = g_strstrip(cell);
            if (!*cell) {
                if (c == COL_T) {
                    g_set_error(error, KN_RECORDING_ERROR, KN_RECORDING_ERROR_TIME,
                                "%s:%" G_GUINT64_FORMAT ": column %u (t_s): empty time",
                                r->name, r->line, field + 1);
                    return FALSE;
                }
                empty |= col_group(c);
            } else {
                v = g_ascii_strtod(cell, &end);
                if (*end || end == cell || !isfinite(v)) {
                    g_set_error(error, KN_RECORDING_ERROR, KN_RECORDING_ERROR_VALUE,
                                "%s:%" G_GUINT64_FORMAT ": column %u (%s): not a number: '%s'",
                                r->name, r->line, field + 1, col_names[c], cell);
                    return FALSE;
                }
                col_limits(c, &lo, &hi);
                if (v < lo || v > hi) {
                    g_set_error(error, KN_RECORDING_ERROR, KN_RECORDING_ERROR_VALUE,
                                "%s:%" G_GUINT64_FORMAT ": column %u (%s): %s is outside [%g, %g]",
                                r->name, r->line, field + 1, col_names[c], cell, lo, hi);
                    return FALSE;
                }
                *col_slot(f, c) = v;
                if (c == COL_T)
                    have_t = TRUE;
                else
                    filled |= col_group(c);
            }
        }
        field++;
        if (!comma)
            break;
        p = comma + 1;
    }
    if (field != r->n_fields) {
        g_set_error(error, KN_RECORDING_ERROR, KN_RECORDING_ERROR_FORMAT,
                    "%s:%" G_GUINT64_FORMAT ": %u fields, the header has %u",
                    r->name, r->line, field, r->n_fields);
        return FALSE;
    }
    g_assert(have_t);
    if (filled & empty) {
        g_set_error(error, KN_RECORDING_ERROR, KN_RECORDING_ERROR_VALUE,
                    "%s:%" G_GUINT64_FORMAT ": a sensor group is partly empty (x, y, z must all be "
                    "given or all be empty)", r->name, r->line);
        return FALSE;
    }
    if (r->have_prev && !(f->t_s > r->prev_t)) {
        g_set_error(error, KN_RECORDING_ERROR, KN_RECORDING_ERROR_TIME,
                    "%s:%" G_GUINT64_FORMAT ": column 1 (t_s): time %.6f does not increase "
                    "(previous row %.6f)", r->name, r->line, f->t_s, r->prev_t);
        return FALSE;
    }
    r->have_prev = TRUE;
    r->prev_t = f->t_s;
    f->present = filled;
    return TRUE;
}

gboolean kn_recording_reader_next(KnRecordingReader *r, struct kn_frame *ret_frame, GError **error)
{
    char *line = NULL;

    for (;;) {
        int k = read_line(r, &line, error);

        if (k <= 0)
            return FALSE;
        if (line[0] == '#')
            continue;
        if (!*g_strstrip(line))
            continue;
        return parse_row(r, line, ret_frame, error);
    }
}

struct _KnRecordingWriter {
    char *name;
    FILE *fp;
    gboolean own_fp;
    guint32 columns;
    GString *row;
};

void kn_recording_writer_free(KnRecordingWriter *w)
{
    if (!w)
        return;
    if (w->fp && w->own_fp)
        fclose(w->fp);
    if (w->row)
        g_string_free(w->row, TRUE);
    g_free(w->name);
    g_free(w);
}

static gboolean check_io(KnRecordingWriter *w, GError **error)
{
    if (!ferror(w->fp))
        return TRUE;
    g_set_error(error, KN_RECORDING_ERROR, KN_RECORDING_ERROR_IO,
                "%s: write error: %s", w->name, g_strerror(errno));
    return FALSE;
}

KnRecordingWriter *kn_recording_writer_new(const char *path, const KnRecordingMeta *meta,
                                           guint32 columns, GError **error)
{
    g_autoptr(KnRecordingWriter) w = g_new0(KnRecordingWriter, 1);
    char rate[G_ASCII_DTOSTR_BUF_SIZE];

    w->columns = columns & KN_HAS_ALL;
    w->row = g_string_sized_new(256);
    if (strcmp(path, "-") == 0) {
        w->name = g_strdup("<stdout>");
        w->fp = stdout;
    } else {
        w->name = g_strdup(path);
        w->fp = fopen(path, "we");
        if (!w->fp) {
            int err = errno;

            g_set_error(error, G_FILE_ERROR, g_file_error_from_errno(err),
                        "%s: cannot create: %s", path, g_strerror(err));
            return NULL;
        }
        w->own_fp = TRUE;
    }

    fputs(KN_RECORDING_MAGIC "\n", w->fp);
    if (meta && meta->rate_hz > 0)
        fprintf(w->fp, "# rate_hz=%s\n", g_ascii_formatd(rate, sizeof(rate), "%.6g", meta->rate_hz));
    fprintf(w->fp, "# side=%s\n", kn_side_to_string(meta ? meta->side : KN_SIDE_RIGHT));
    if (meta && meta->source)
        fprintf(w->fp, "# source=%s\n", meta->source);
    if (meta && meta->extra) {
        g_autoptr(GList) keys = g_hash_table_get_keys(meta->extra);

        keys = g_list_sort(keys, (GCompareFunc) strcmp);
        for (GList *l = keys; l; l = l->next)
            fprintf(w->fp, "# %s=%s\n", (const char *) l->data,
                    (const char *) g_hash_table_lookup(meta->extra, l->data));
    }
    fputs("t_s", w->fp);
    for (int c = COL_KNEE; c < COL_COUNT; c++)
        if (w->columns & col_group(c))
            fprintf(w->fp, ",%s", col_names[c]);
    fputc('\n', w->fp);
    if (!check_io(w, error))
        return NULL;
    return g_steal_pointer(&w);
}

gboolean kn_recording_writer_write(KnRecordingWriter *w, const struct kn_frame *frame, GError **error)
{
    char num[G_ASCII_DTOSTR_BUF_SIZE];
    struct kn_frame copy = *frame;

    g_string_truncate(w->row, 0);
    g_string_append(w->row, g_ascii_formatd(num, sizeof(num), "%.6f", frame->t_s));
    for (int c = COL_KNEE; c < COL_COUNT; c++) {
        guint32 g = col_group(c);

        if (!(w->columns & g))
            continue;
        g_string_append_c(w->row, ',');
        if (frame->present & g)
            g_string_append(w->row, g_ascii_formatd(num, sizeof(num), "%.7g", *col_slot(&copy, c)));
    }
    g_string_append_c(w->row, '\n');
    fwrite(w->row->str, 1, w->row->len, w->fp);
    return check_io(w, error);
}

gboolean kn_recording_writer_comment(KnRecordingWriter *w, const char *text, GError **error)
{
    /* One line, whatever the text holds. */
    g_autofree char *line = g_strdelimit(g_strdup(text), "\r\n", ' ');

    fprintf(w->fp, "# %s\n", line);
    return check_io(w, error);
}

gboolean kn_recording_writer_close(KnRecordingWriter *w, GError **error)
{
    gboolean ok = TRUE;

    if (fflush(w->fp) != 0 || ferror(w->fp)) {
        g_set_error(error, KN_RECORDING_ERROR, KN_RECORDING_ERROR_IO,
                    "%s: write error: %s", w->name, g_strerror(errno));
        ok = FALSE;
    }
    if (w->own_fp) {
        if (fclose(w->fp) != 0 && ok) {
            g_set_error(error, KN_RECORDING_ERROR, KN_RECORDING_ERROR_IO,
                        "%s: close error: %s", w->name, g_strerror(errno));
            ok = FALSE;
        }
        w->fp = NULL;
    }
    kn_recording_writer_free(w);
    return ok;
}
