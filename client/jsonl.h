/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * One flat JSON object per line, numbers at a chosen precision.
 *
 * json-glib always prints doubles with 17 significant digits
 * ("1.2350000000000001"), which makes JSON Lines output unreadable and
 * larger than the recording it describes; this writer only adds the
 * precision control and relies on nothing clever: keys are the caller's
 * constants, strings are escaped per RFC 8259.
 */
#pragma once

#include <glib.h>

typedef struct {
    GString *s;
    gboolean need_comma;
} KnJsonLine;

void kn_jsonl_begin(KnJsonLine *j, GString *buf);
void kn_jsonl_str(KnJsonLine *j, const char *key, const char *value);
/* NaN and infinities are written as null. */
void kn_jsonl_num(KnJsonLine *j, const char *key, double value, int decimals);
void kn_jsonl_int(KnJsonLine *j, const char *key, gint64 value);
void kn_jsonl_object_begin(KnJsonLine *j, const char *key);
void kn_jsonl_object_end(KnJsonLine *j);
/* Closes the object and appends a newline. */
void kn_jsonl_end(KnJsonLine *j);

/* Appends value as a JSON string literal (with quotes). */
void kn_json_append_string(GString *s, const char *value);
