/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <math.h>

#include "client/jsonl.h"

void kn_json_append_string(GString *s, const char *v)
{
    g_string_append_c(s, '"');
    for (const unsigned char *p = (const unsigned char *) v; *p; p++) {
        switch (*p) {
        case '"':
            g_string_append(s, "\\\"");
            break;
        case '\\':
            g_string_append(s, "\\\\");
            break;
        case '\n':
            g_string_append(s, "\\n");
            break;
        case '\r':
            g_string_append(s, "\\r");
            break;
        case '\t':
            g_string_append(s, "\\t");
            break;
        default:
            if (*p < 0x20)
                g_string_append_printf(s, "\\u%04x", *p);
            else
                g_string_append_c(s, (char) *p);
        }
    }
    g_string_append_c(s, '"');
}

static void key(KnJsonLine *j, const char *k)
{
    if (j->need_comma)
        g_string_append_c(j->s, ',');
    j->need_comma = TRUE;
    kn_json_append_string(j->s, k);
    g_string_append_c(j->s, ':');
}

void kn_jsonl_begin(KnJsonLine *j, GString *buf)
{
    j->s = buf;
    j->need_comma = FALSE;
    g_string_append_c(buf, '{');
}

void kn_jsonl_str(KnJsonLine *j, const char *k, const char *value)
{
    key(j, k);
    kn_json_append_string(j->s, value);
}

void kn_jsonl_num(KnJsonLine *j, const char *k, double value, int decimals)
{
    char buf[G_ASCII_DTOSTR_BUF_SIZE];
    char fmt[16];

    key(j, k);
    if (!isfinite(value)) {
        g_string_append(j->s, "null");
        return;
    }
    /* "-0.000" reads oddly */
    if (fabs(value) < 0.5 * pow(10, -decimals))
        value = 0;
    g_snprintf(fmt, sizeof(fmt), "%%.%df", decimals);
    g_string_append(j->s, g_ascii_formatd(buf, sizeof(buf), fmt, value));
}

void kn_jsonl_int(KnJsonLine *j, const char *k, gint64 value)
{
    key(j, k);
    g_string_append_printf(j->s, "%" G_GINT64_FORMAT, value);
}

void kn_jsonl_object_begin(KnJsonLine *j, const char *k)
{
    key(j, k);
    g_string_append_c(j->s, '{');
    j->need_comma = FALSE;
}

void kn_jsonl_object_end(KnJsonLine *j)
{
    g_string_append_c(j->s, '}');
    j->need_comma = TRUE;
}

void kn_jsonl_end(KnJsonLine *j)
{
    g_string_append(j->s, "}\n");
}
