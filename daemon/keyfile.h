/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A configuration file read with GKeyFile that can name the line of any
 * group or key in its errors.  GKeyFile does not keep line numbers, so the
 * text is kept and scanned (kn_keyfile_find_line) when an error needs one.
 *
 * Every error is in the KN_CONFIG_ERROR domain and reads
 *     FILE:LINE: [group] key: message
 * (LINE left out when the key is not in the file, i.e. a default).  The
 * typed getters leave *inout untouched when the key is absent, so the
 * caller's default applies.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define KN_CONFIG_ERROR (kn_config_error_quark())
GQuark kn_config_error_quark(void);

typedef enum {
    KN_CONFIG_ERROR_IO,          /* missing or unreadable file */
    KN_CONFIG_ERROR_PARSE,       /* not key-file syntax */
    KN_CONFIG_ERROR_INVALID,     /* unknown group or key, bad value */
} KnConfigError;

/* 1-based line of key in group (the last one: GKeyFile keeps the last
 * value), of the group's first header when key is NULL; 0 when absent.
 * text is the whole file.  Pure; unit-tested on its own. */
guint kn_keyfile_find_line(const char *text, const char *group, const char *key);

typedef struct _KnKeyFile KnKeyFile;

KnKeyFile *kn_keyfile_load(const char *path, GError **error);
/* The same from len bytes of text, named `name` in messages (relative
 * paths in it are relative to name's directory). */
KnKeyFile *kn_keyfile_load_data(const char *name, const char *data, gsize len, GError **error);
/* No file: every getter finds nothing. */
KnKeyFile *kn_keyfile_new_empty(void);
void kn_keyfile_free(KnKeyFile *kf);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(KnKeyFile, kn_keyfile_free)

GKeyFile *kn_keyfile_get_keyfile(const KnKeyFile *kf);
const char *kn_keyfile_get_path(const KnKeyFile *kf);    /* NULL when empty */
/* The directory of the file, for paths relative to it ("." when empty). */
char *kn_keyfile_get_dir(const KnKeyFile *kf);

/* "FILE:LINE: [group] key" (key may be NULL: "FILE:LINE: [group]"; LINE
 * that of the group, or left out, when the key is not in the file), for
 * messages about a key found later, at run time.  g_free. */
char *kn_keyfile_describe(const KnKeyFile *kf, const char *group, const char *key);

/* Sets *error to "FILE:LINE: [group] key: message" (key may be NULL:
 * "FILE:LINE: [group]: message"). */
void kn_keyfile_set_error(const KnKeyFile *kf, GError **error, const char *group,
                          const char *key, const char *format, ...) G_GNUC_PRINTF(5, 6);

gboolean kn_keyfile_has_key(const KnKeyFile *kf, const char *group, const char *key);

/* Fails on the first key of group that is not in allowed (NULL-terminated). */
gboolean kn_keyfile_check_keys(const KnKeyFile *kf, const char *group,
                               const char *const *allowed, GError **error);

gboolean kn_keyfile_get_double(const KnKeyFile *kf, const char *group, const char *key,
                               double min, double max, double *inout, GError **error);
gboolean kn_keyfile_get_uint(const KnKeyFile *kf, const char *group, const char *key,
                             guint64 min, guint64 max, guint64 *inout, GError **error);
gboolean kn_keyfile_get_boolean(const KnKeyFile *kf, const char *group, const char *key,
                                gboolean *inout, GError **error);
/* *inout is freed and replaced when the key is present. */
gboolean kn_keyfile_get_string(const KnKeyFile *kf, const char *group, const char *key,
                               char **inout, GError **error);
/* NULL (and no error) when absent.  Items are stripped; empty ones dropped. */
char **kn_keyfile_get_list(const KnKeyFile *kf, const char *group, const char *key,
                           GError **error);

G_END_DECLS
