/* SPDX-License-Identifier: GPL-2.0-or-later */
#define G_LOG_DOMAIN "kneed"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "daemon/keyfile.h"

G_DEFINE_QUARK(kn-config-error-quark, kn_config_error)

struct _KnKeyFile {
    char *path;
    char *text;
    GKeyFile *kf;
};

/* Scans like GKeyFile's parser: leading blanks skipped, '#' comments,
 * "[group]" headers, "key = value" with blanks around the key trimmed. */
guint kn_keyfile_find_line(const char *text, const char *group, const char *key)
{
    size_t group_len = group ? strlen(group) : 0;
    size_t key_len = key ? strlen(key) : 0;
    gboolean in_group = FALSE;
    guint line = 0, found = 0;
    const char *p = text;

    if (!text || !group)
        return 0;
    while (*p) {
        const char *eol = strchr(p, '\n');
        const char *end = eol ? eol : p + strlen(p);
        const char *s = p;

        line++;
        while (s < end && g_ascii_isspace(*s))
            s++;
        if (s < end && *s == '[') {
            const char *close = memchr(s, ']', (size_t) (end - s));

            in_group = close && (size_t) (close - s - 1) == group_len &&
                       strncmp(s + 1, group, group_len) == 0;
            if (in_group && !key && !found)
                found = line;
        } else if (in_group && key && s < end && *s != '#') {
            const char *eq = memchr(s, '=', (size_t) (end - s));
            const char *k_end = eq;

            while (eq && k_end > s && g_ascii_isspace(k_end[-1]))
                k_end--;
            if (eq && (size_t) (k_end - s) == key_len && strncmp(s, key, key_len) == 0)
                found = line;
        }
        p = eol ? eol + 1 : end;
    }
    return found;
}

/* GKeyFile's parse errors quote the offending line: find it. */
static guint parse_error_line(const char *text, const char *message)
{
    const char *open = strstr(message, "\xe2\x80\x9c");    /* “ */
    const char *close = open ? strstr(open + 3, "\xe2\x80\x9d") : NULL;   /* ” */
    g_autofree char *quoted = NULL;
    guint line = 1;

    if (!open || !close)
        return 0;
    quoted = g_strndup(open + 3, (gsize) (close - open - 3));
    for (const char *p = text; *p; line++) {
        const char *eol = strchr(p, '\n');
        size_t len = eol ? (size_t) (eol - p) : strlen(p);

        if (*quoted && g_strstr_len(p, (gssize) len, quoted))
            return line;
        if (!eol)
            break;
        p = eol + 1;
    }
    return 0;
}

KnKeyFile *kn_keyfile_new_empty(void)
{
    KnKeyFile *kf = g_new0(KnKeyFile, 1);

    kf->kf = g_key_file_new();
    kf->text = g_strdup("");
    return kf;
}

/* Takes text (NUL-terminated, len bytes before the NUL). */
static KnKeyFile *load_text(const char *path, char *text, gsize len, GError **error)
{
    g_autoptr(KnKeyFile) kf = g_new0(KnKeyFile, 1);
    g_autoptr(GError) local = NULL;

    kf->path = g_strdup(path);
    kf->kf = g_key_file_new();
    kf->text = text;
    if (strlen(kf->text) != len || !g_utf8_validate(kf->text, (gssize) len, NULL)) {
        g_set_error(error, KN_CONFIG_ERROR, KN_CONFIG_ERROR_PARSE,
                    "%s: not a UTF-8 text file", path);
        return NULL;
    }
    if (!g_key_file_load_from_data(kf->kf, kf->text, len, G_KEY_FILE_NONE, &local)) {
        guint line = parse_error_line(kf->text, local->message);

        if (line)
            g_set_error(error, KN_CONFIG_ERROR, KN_CONFIG_ERROR_PARSE, "%s:%u: %s", path, line,
                        local->message);
        else
            g_set_error(error, KN_CONFIG_ERROR, KN_CONFIG_ERROR_PARSE, "%s: %s", path,
                        local->message);
        return NULL;
    }
    return g_steal_pointer(&kf);
}

KnKeyFile *kn_keyfile_load(const char *path, GError **error)
{
    g_autoptr(GError) local = NULL;
    char *text = NULL;
    gsize len;

    if (!g_file_get_contents(path, &text, &len, &local)) {
        g_set_error(error, KN_CONFIG_ERROR, KN_CONFIG_ERROR_IO, "%s: %s", path, local->message);
        return NULL;
    }
    return load_text(path, text, len, error);
}

KnKeyFile *kn_keyfile_load_data(const char *name, const char *data, gsize len, GError **error)
{
    return load_text(name, g_strndup(data, len), len, error);
}

void kn_keyfile_free(KnKeyFile *kf)
{
    if (!kf)
        return;
    g_key_file_unref(kf->kf);
    g_free(kf->path);
    g_free(kf->text);
    g_free(kf);
}

GKeyFile *kn_keyfile_get_keyfile(const KnKeyFile *kf)
{
    return kf->kf;
}

const char *kn_keyfile_get_path(const KnKeyFile *kf)
{
    return kf->path;
}

char *kn_keyfile_get_dir(const KnKeyFile *kf)
{
    return kf->path ? g_path_get_dirname(kf->path) : g_strdup(".");
}

static char *where(const KnKeyFile *kf, const char *group, const char *key)
{
    guint line = kn_keyfile_find_line(kf->text, group, key);

    if (!line && key)
        line = kn_keyfile_find_line(kf->text, group, NULL);
    if (line)
        return g_strdup_printf("%s:%u", kf->path ? kf->path : "(defaults)", line);
    return g_strdup(kf->path ? kf->path : "(defaults)");
}

char *kn_keyfile_describe(const KnKeyFile *kf, const char *group, const char *key)
{
    g_autofree char *w = where(kf, group, key);

    return key ? g_strdup_printf("%s: [%s] %s", w, group, key)
               : g_strdup_printf("%s: [%s]", w, group);
}

void kn_keyfile_set_error(const KnKeyFile *kf, GError **error, const char *group,
                          const char *key, const char *format, ...)
{
    g_autofree char *message = NULL;
    g_autofree char *w = NULL;
    va_list ap;

    va_start(ap, format);
    message = g_strdup_vprintf(format, ap);
    va_end(ap);
    w = where(kf, group, key);
    if (key)
        g_set_error(error, KN_CONFIG_ERROR, KN_CONFIG_ERROR_INVALID, "%s: [%s] %s: %s", w,
                    group, key, message);
    else
        g_set_error(error, KN_CONFIG_ERROR, KN_CONFIG_ERROR_INVALID, "%s: [%s]: %s", w,
                    group, message);
}

gboolean kn_keyfile_has_key(const KnKeyFile *kf, const char *group, const char *key)
{
    return g_key_file_has_key(kf->kf, group, key, NULL);
}

gboolean kn_keyfile_check_keys(const KnKeyFile *kf, const char *group,
                               const char *const *allowed, GError **error)
{
    g_auto(GStrv) keys = g_key_file_get_keys(kf->kf, group, NULL, NULL);

    for (size_t i = 0; keys && keys[i]; i++) {
        if (!g_strv_contains(allowed, keys[i])) {
            kn_keyfile_set_error(kf, error, group, keys[i], "unknown key");
            return FALSE;
        }
    }
    return TRUE;
}

static char *get_raw(const KnKeyFile *kf, const char *group, const char *key)
{
    g_autofree char *v = g_key_file_get_value(kf->kf, group, key, NULL);

    return v ? g_strstrip(g_steal_pointer(&v)) : NULL;
}

gboolean kn_keyfile_get_double(const KnKeyFile *kf, const char *group, const char *key,
                               double min, double max, double *inout, GError **error)
{
    g_autofree char *raw = get_raw(kf, group, key);
    char *end = NULL;
    double v;

    if (!raw)
        return TRUE;
    errno = 0;
    v = g_ascii_strtod(raw, &end);
    if (!*raw || *end || errno == ERANGE || !isfinite(v)) {
        kn_keyfile_set_error(kf, error, group, key, "not a number: '%s'", raw);
        return FALSE;
    }
    if (v < min || v > max) {
        kn_keyfile_set_error(kf, error, group, key, "%g is outside %g..%g", v, min, max);
        return FALSE;
    }
    *inout = v;
    return TRUE;
}

gboolean kn_keyfile_get_uint(const KnKeyFile *kf, const char *group, const char *key,
                             guint64 min, guint64 max, guint64 *inout, GError **error)
{
    g_autofree char *raw = get_raw(kf, group, key);
    guint64 v;

    if (!raw)
        return TRUE;
    if (!g_ascii_string_to_unsigned(raw, 10, 0, G_MAXUINT64, &v, NULL)) {
        kn_keyfile_set_error(kf, error, group, key, "not a whole number: '%s'", raw);
        return FALSE;
    }
    if (v < min || v > max) {
        kn_keyfile_set_error(kf, error, group, key,
                             "%" G_GUINT64_FORMAT " is outside %" G_GUINT64_FORMAT
                             "..%" G_GUINT64_FORMAT, v, min, max);
        return FALSE;
    }
    *inout = v;
    return TRUE;
}

gboolean kn_keyfile_get_boolean(const KnKeyFile *kf, const char *group, const char *key,
                                gboolean *inout, GError **error)
{
    g_autofree char *raw = get_raw(kf, group, key);

    if (!raw)
        return TRUE;
    if (strcmp(raw, "true") == 0 || strcmp(raw, "1") == 0) {
        *inout = TRUE;
    } else if (strcmp(raw, "false") == 0 || strcmp(raw, "0") == 0) {
        *inout = FALSE;
    } else {
        kn_keyfile_set_error(kf, error, group, key, "not true or false: '%s'", raw);
        return FALSE;
    }
    return TRUE;
}

/* GKeyFile's escapes, decoded here: \s \n \t \r \\ and, in a list,
 * \; for a ';' that does not separate.  GLib 2.74's own decoder (in
 * g_key_file_get_string_list) sets its GError twice for a value with an
 * invalid escape followed by a trailing backslash, or ending in one: a
 * GLib warning and a leaked error for one bad line of kneed.conf (found
 * by fuzz/fuzz-config.c).  Returns the items (one unless list), or NULL
 * with *error naming file, line and key. */
static GPtrArray *unescape(const KnKeyFile *kf, const char *group, const char *key,
                           const char *raw, gboolean list, GError **error)
{
    g_autoptr(GPtrArray) items = g_ptr_array_new_with_free_func(g_free);
    g_autoptr(GString) cur = g_string_new(NULL);

    for (const char *p = raw; *p; p++) {
        if (list && *p == ';') {
            g_ptr_array_add(items, g_string_free(g_steal_pointer(&cur), FALSE));
            cur = g_string_new(NULL);
            continue;
        }
        if (*p != '\\') {
            g_string_append_c(cur, *p);
            continue;
        }
        switch (*++p) {
        case 's':
            g_string_append_c(cur, ' ');
            break;
        case 'n':
            g_string_append_c(cur, '\n');
            break;
        case 't':
            g_string_append_c(cur, '\t');
            break;
        case 'r':
            g_string_append_c(cur, '\r');
            break;
        case '\\':
            g_string_append_c(cur, '\\');
            break;
        case ';':
            if (list) {
                g_string_append_c(cur, ';');
                break;
            }
            /* fall through */
        default:
            if (!*p) {
                kn_keyfile_set_error(kf, error, group, key, "the value ends with a lone '\\'");
                return NULL;
            }
            kn_keyfile_set_error(kf, error, group, key, "invalid escape sequence '\\%.*s'",
                                 (int) g_utf8_skip[*(const guchar *) p], p);
            return NULL;
        }
    }
    /* a list's last item, or the one string */
    g_ptr_array_add(items, g_string_free(g_steal_pointer(&cur), FALSE));
    return g_steal_pointer(&items);
}

gboolean kn_keyfile_get_string(const KnKeyFile *kf, const char *group, const char *key,
                               char **inout, GError **error)
{
    g_autofree char *raw = g_key_file_get_value(kf->kf, group, key, NULL);
    g_autoptr(GPtrArray) items = NULL;

    if (!raw)
        return TRUE;
    items = unescape(kf, group, key, raw, FALSE, error);
    if (!items)
        return FALSE;
    g_free(*inout);
    *inout = g_strstrip(g_steal_pointer(&items->pdata[0]));
    return TRUE;
}

char **kn_keyfile_get_list(const KnKeyFile *kf, const char *group, const char *key,
                           GError **error)
{
    g_autofree char *raw = g_key_file_get_value(kf->kf, group, key, NULL);
    g_autoptr(GPtrArray) items = NULL;
    g_autoptr(GStrvBuilder) b = NULL;

    if (!raw)
        return NULL;
    items = unescape(kf, group, key, raw, TRUE, error);
    if (!items)
        return NULL;
    b = g_strv_builder_new();
    for (guint i = 0; i < items->len; i++) {
        char *item = g_strstrip(g_ptr_array_index(items, i));

        if (*item)
            g_strv_builder_add(b, item);
    }
    return g_strv_builder_end(b);
}
