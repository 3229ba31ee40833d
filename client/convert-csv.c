/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The CSV reader and the helpers shared by the input formats of
 * `kneectl convert`. */
#define G_LOG_DOMAIN "kneectl"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "client/convert.h"

G_DEFINE_QUARK(kn-convert-error-quark, kn_convert_error)

/* No input of ours comes near this; a longer line is not a CSV row. */
#define KN_CSV_MAX_LINE (1u << 20)

struct _KnCsv {
    char *name;
    FILE *fp;
    gboolean own_fp;
    guint64 line;
    char *buf;
    size_t buf_len;
    GPtrArray *fields;           /* borrowed pointers into buf */
    char **header;               /* owned copies of the header cells */
    guint n_header;
};

KnCsv *kn_csv_open(const char *path, GError **error)
{
    g_autoptr(KnCsv) csv = g_new0(KnCsv, 1);

    csv->fields = g_ptr_array_new();
    if (strcmp(path, "-") == 0) {
        csv->name = g_strdup("<stdin>");
        csv->fp = stdin;
        return g_steal_pointer(&csv);
    }
    csv->name = g_strdup(path);
    csv->fp = fopen(path, "re");
    if (!csv->fp) {
        int err = errno;

        g_set_error(error, G_FILE_ERROR, g_file_error_from_errno(err),
                    "%s: cannot open: %s", path, g_strerror(err));
        return NULL;
    }
    csv->own_fp = TRUE;
    return g_steal_pointer(&csv);
}

void kn_csv_free(KnCsv *csv)
{
    if (!csv)
        return;
    if (csv->fp && csv->own_fp)
        fclose(csv->fp);
    free(csv->buf);
    g_ptr_array_unref(csv->fields);
    g_strfreev(csv->header);
    g_free(csv->name);
    g_free(csv);
}

void kn_csv_error(KnCsv *csv, GError **error, KnConvertError code, int column,
                  const char *fmt, ...)
{
    g_autofree char *msg = NULL;
    va_list ap;

    va_start(ap, fmt);
    msg = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    if (csv->line == 0)
        g_set_error(error, KN_CONVERT_ERROR, code, "%s: %s", csv->name, msg);
    else if (column < 0)
        g_set_error(error, KN_CONVERT_ERROR, code, "%s:%" G_GUINT64_FORMAT ": %s",
                    csv->name, csv->line, msg);
    else if ((guint) column < csv->n_header && csv->header[column][0])
        g_set_error(error, KN_CONVERT_ERROR, code,
                    "%s:%" G_GUINT64_FORMAT ": column %d (%s): %s",
                    csv->name, csv->line, column + 1, csv->header[column], msg);
    else
        g_set_error(error, KN_CONVERT_ERROR, code, "%s:%" G_GUINT64_FORMAT ": column %d: %s",
                    csv->name, csv->line, column + 1, msg);
}

int kn_csv_next(KnCsv *csv, GError **error)
{
    for (;;) {
        ssize_t n;
        char *p;

        errno = 0;
        n = getline(&csv->buf, &csv->buf_len, csv->fp);
        if (n < 0) {
            if (ferror(csv->fp)) {
                int err = errno;

                g_set_error(error, KN_CONVERT_ERROR, KN_CONVERT_ERROR_IO,
                            "%s:%" G_GUINT64_FORMAT ": read error: %s",
                            csv->name, csv->line + 1, g_strerror(err));
                return -1;
            }
            return 0;
        }
        csv->line++;
        if (memchr(csv->buf, '\0', (size_t) n)) {
            kn_csv_error(csv, error, KN_CONVERT_ERROR_FORMAT, -1,
                         "binary data (NUL byte) in a text file");
            return -1;
        }
        if ((size_t) n > KN_CSV_MAX_LINE) {
            kn_csv_error(csv, error, KN_CONVERT_ERROR_FORMAT, -1,
                         "line longer than %u bytes", KN_CSV_MAX_LINE);
            return -1;
        }
        while (n > 0 && (csv->buf[n - 1] == '\n' || csv->buf[n - 1] == '\r'))
            csv->buf[--n] = '\0';
        p = csv->buf;
        /* A byte-order mark is how some spreadsheets start a file. */
        if (csv->line == 1 && g_str_has_prefix(p, "\xEF\xBB\xBF"))
            p += 3;
        if (!g_utf8_validate(p, -1, NULL)) {
            kn_csv_error(csv, error, KN_CONVERT_ERROR_FORMAT, -1, "not UTF-8 text");
            return -1;
        }
        if (!*p || strspn(p, " \t") == strlen(p))
            continue;
        g_ptr_array_set_size(csv->fields, 0);
        for (;;) {
            char *comma = strchr(p, ',');

            g_ptr_array_add(csv->fields, p);
            if (!comma)
                break;
            *comma = '\0';
            p = comma + 1;
        }
        return 1;
    }
}

guint kn_csv_n_fields(const KnCsv *csv)
{
    return csv->fields->len;
}

const char *kn_csv_field(const KnCsv *csv, guint i)
{
    return i < csv->fields->len ? g_ptr_array_index(csv->fields, i) : "";
}

guint64 kn_csv_line(const KnCsv *csv)
{
    return csv->line;
}

const char *kn_csv_name(const KnCsv *csv)
{
    return csv->name;
}

void kn_csv_take_header(KnCsv *csv)
{
    g_strfreev(csv->header);
    csv->n_header = csv->fields->len;
    csv->header = g_new0(char *, csv->n_header + 1);
    for (guint i = 0; i < csv->n_header; i++)
        csv->header[i] = g_strstrip(g_strdup(g_ptr_array_index(csv->fields, i)));
}

gboolean kn_csv_read_header(KnCsv *csv, GError **error)
{
    int r = kn_csv_next(csv, error);

    if (r == 0)
        kn_csv_error(csv, error, KN_CONVERT_ERROR_FORMAT, -1, "empty file: no header line");
    if (r <= 0)
        return FALSE;
    kn_csv_take_header(csv);
    return TRUE;
}

void kn_csv_set_header(KnCsv *csv, char **names)
{
    g_strfreev(csv->header);
    csv->header = names;
    csv->n_header = g_strv_length(names);
}

int kn_csv_column(const KnCsv *csv, const char *name)
{
    for (guint i = 0; i < csv->n_header; i++)
        if (strcmp(csv->header[i], name) == 0)
            return (int) i;
    return -1;
}

gboolean kn_csv_require_column(KnCsv *csv, const char *name, guint *ret_index, GError **error)
{
    int i = kn_csv_column(csv, name);

    if (i < 0) {
        kn_csv_error(csv, error, KN_CONVERT_ERROR_FORMAT, -1, "header has no %s column", name);
        return FALSE;
    }
    *ret_index = (guint) i;
    return TRUE;
}

gboolean kn_csv_check_width(KnCsv *csv, GError **error)
{
    if (csv->fields->len > csv->n_header) {
        kn_csv_error(csv, error, KN_CONVERT_ERROR_FORMAT, -1,
                     "more fields than the %u columns of the header", csv->n_header);
        return FALSE;
    }
    if (csv->fields->len < csv->n_header) {
        kn_csv_error(csv, error, KN_CONVERT_ERROR_FORMAT, -1, "%u fields, the header has %u",
                     csv->fields->len, csv->n_header);
        return FALSE;
    }
    return TRUE;
}

gboolean kn_csv_double(KnCsv *csv, guint i, gboolean allow_empty, double *ret, GError **error)
{
    const char *cell = kn_csv_field(csv, i);
    g_autofree char *text = g_strstrip(g_strdup(cell));
    char *end = NULL;
    double v;

    if (i >= kn_csv_n_fields(csv) && !allow_empty) {
        kn_csv_error(csv, error, KN_CONVERT_ERROR_FORMAT, (int) i,
                     "missing: the row has only %u fields", kn_csv_n_fields(csv));
        return FALSE;
    }
    if (!*text) {
        if (allow_empty) {
            *ret = NAN;
            return TRUE;
        }
        kn_csv_error(csv, error, KN_CONVERT_ERROR_VALUE, (int) i, "empty cell");
        return FALSE;
    }
    errno = 0;
    v = g_ascii_strtod(text, &end);
    if (end == text || *end || errno == ERANGE || !isfinite(v)) {
        kn_csv_error(csv, error, KN_CONVERT_ERROR_VALUE, (int) i, "not a number: '%s'", text);
        return FALSE;
    }
    *ret = v;
    return TRUE;
}

static gint compare_paths(gconstpointer a, gconstpointer b)
{
    return g_utf8_collate(*(const char *const *) a, *(const char *const *) b);
}

GPtrArray *kn_convert_list_dir(const char *dir, const char *pattern, const char *exclude,
                               GError **error)
{
    g_autoptr(GDir) d = g_dir_open(dir, 0, error);
    g_autoptr(GPtrArray) out = g_ptr_array_new_with_free_func(g_free);
    const char *name;

    if (!d) {
        g_prefix_error(error, "%s: ", dir);
        return NULL;
    }
    while ((name = g_dir_read_name(d))) {
        if (!g_pattern_match_simple(pattern, name))
            continue;
        if (exclude && g_pattern_match_simple(exclude, name))
            continue;
        g_ptr_array_add(out, g_build_filename(dir, name, NULL));
    }
    g_ptr_array_sort(out, compare_paths);
    return g_steal_pointer(&out);
}

gboolean kn_convert_write_frame(KnRecordingWriter *w, const struct kn_frame *frame,
                                const char *where, GError **error)
{
    const char *field = NULL;

    if (kn_frame_check(frame, &field) < 0) {
        g_set_error(error, KN_CONVERT_ERROR, KN_CONVERT_ERROR_VALUE,
                    "%s: the converted %s is not finite or beyond the plausible range "
                    "of analysis/frame.h (t=%.3f s)", where, field ? field : "value", frame->t_s);
        return FALSE;
    }
    return kn_recording_writer_write(w, frame, error);
}

GHashTable *kn_convert_meta_new(void)
{
    return g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
}

void kn_convert_meta_set(GHashTable *extra, const char *key, const char *fmt, ...)
{
    char *value;
    va_list ap;

    va_start(ap, fmt);
    value = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    /* One metadata line each: a newline would end it early. */
    g_strdelimit(value, "\r\n", ' ');
    g_hash_table_replace(extra, g_strdup(key), value);
}

struct _KnTruth {
    char *name;
    FILE *fp;
    gboolean own_fp;
    JsonGenerator *gen;
};

KnTruth *kn_truth_open(const char *path, GError **error)
{
    g_autoptr(KnTruth) t = g_new0(KnTruth, 1);

    t->gen = json_generator_new();
    if (strcmp(path, "-") == 0) {
        t->name = g_strdup("<stdout>");
        t->fp = stdout;
        return g_steal_pointer(&t);
    }
    t->name = g_strdup(path);
    t->fp = fopen(path, "we");
    if (!t->fp) {
        int err = errno;

        g_set_error(error, G_FILE_ERROR, g_file_error_from_errno(err),
                    "%s: cannot create: %s", path, g_strerror(err));
        return NULL;
    }
    t->own_fp = TRUE;
    return g_steal_pointer(&t);
}

void kn_truth_write(KnTruth *t, JsonNode *node)
{
    g_autofree char *s = NULL;

    json_generator_set_root(t->gen, node);
    s = json_generator_to_data(t->gen, NULL);
    fputs(s, t->fp);
    fputc('\n', t->fp);
}

void kn_truth_write_builder(KnTruth *t, JsonBuilder *b)
{
    g_autoptr(JsonNode) node = json_builder_get_root(b);

    kn_truth_write(t, node);
}

void kn_truth_write_angle(KnTruth *t, double t_s, double knee_deg, double thigh_deg,
                          double shank_deg)
{
    char a[G_ASCII_DTOSTR_BUF_SIZE], b[G_ASCII_DTOSTR_BUF_SIZE];
    char c[G_ASCII_DTOSTR_BUF_SIZE], d[G_ASCII_DTOSTR_BUF_SIZE];

    fprintf(t->fp, "{\"type\":\"angle\",\"t_s\":%s,\"knee_deg\":%s,\"thigh_deg\":%s,\"shank_deg\":%s}\n",
            g_ascii_formatd(a, sizeof(a), "%.6f", t_s),
            g_ascii_formatd(b, sizeof(b), "%.4f", knee_deg),
            g_ascii_formatd(c, sizeof(c), "%.4f", thigh_deg),
            g_ascii_formatd(d, sizeof(d), "%.4f", shank_deg));
}

void kn_truth_write_numbers(KnTruth *t, const char *type, ...)
{
    char num[G_ASCII_DTOSTR_BUF_SIZE];
    const char *key;
    va_list ap;

    fprintf(t->fp, "{\"type\":\"%s\"", type);
    va_start(ap, type);
    while ((key = va_arg(ap, const char *))) {
        double v = va_arg(ap, double);

        fprintf(t->fp, ",\"%s\":%s", key, g_ascii_formatd(num, sizeof(num), "%.10g", v));
    }
    va_end(ap);
    fputs("}\n", t->fp);
}

gboolean kn_truth_close(KnTruth *t, GError **error)
{
    gboolean ok = TRUE;

    if (fflush(t->fp) != 0 || ferror(t->fp)) {
        g_set_error(error, KN_CONVERT_ERROR, KN_CONVERT_ERROR_IO, "%s: write error: %s",
                    t->name, g_strerror(errno));
        ok = FALSE;
    }
    if (t->own_fp) {
        if (fclose(t->fp) != 0 && ok) {
            g_set_error(error, KN_CONVERT_ERROR, KN_CONVERT_ERROR_IO, "%s: close error: %s",
                        t->name, g_strerror(errno));
            ok = FALSE;
        }
        t->fp = NULL;
    }
    kn_truth_free(t);
    return ok;
}

void kn_truth_free(KnTruth *t)
{
    if (!t)
        return;
    if (t->fp && t->own_fp)
        fclose(t->fp);
    g_clear_object(&t->gen);
    g_free(t->name);
    g_free(t);
}

char *kn_convert_stem(const char *path)
{
    g_autofree char *base = g_path_get_basename(path);
    char *dot = strrchr(base, '.');

    if (dot && dot != base)
        *dot = '\0';
    return g_steal_pointer(&base);
}

void kn_mount_for_gravity(int axis, int sign, struct kn_mount *ret)
{
    /* Cyclic successors keep the frame right-handed: the axis after the
     * gravity axis becomes z, the one before it x. */
    ret->src[1] = axis;
    ret->src[2] = (axis + 1) % 3;
    ret->src[0] = (axis + 2) % 3;
    ret->sign[0] = 1.0;
    ret->sign[1] = sign < 0 ? -1.0 : 1.0;
    ret->sign[2] = sign < 0 ? -1.0 : 1.0;
}

void kn_mount_apply(const struct kn_mount *m, const double in[3], double scale, double out[3])
{
    for (int i = 0; i < 3; i++)
        out[i] = scale * m->sign[i] * in[m->src[i]];
}

char *kn_mount_describe(const struct kn_mount *m)
{
    static const char axes[] = "xyz";

    return g_strdup_printf("x=%c%c y=%c%c z=%c%c", m->sign[0] < 0 ? '-' : '+', axes[m->src[0]],
                           m->sign[1] < 0 ? '-' : '+', axes[m->src[1]],
                           m->sign[2] < 0 ? '-' : '+', axes[m->src[2]]);
}
