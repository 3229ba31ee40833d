/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <math.h>
#include <string.h>

#include "drivers/iio-attr.h"

#define ROTATION_TOLERANCE 1e-3

void kn_mount_matrix_identity(KnMountMatrix *ret)
{
    memset(ret, 0, sizeof(*ret));
    for (int i = 0; i < 3; i++)
        ret->m[i][i] = 1.0;
}

static gboolean parse_number(const char *s, double *ret)
{
    g_autofree char *copy = g_strstrip(g_strdup(s));
    char *end = NULL;
    double v;

    if (!*copy)
        return FALSE;
    errno = 0;
    v = g_ascii_strtod(copy, &end);
    if (*end || errno || !isfinite(v))
        return FALSE;
    *ret = v;
    return TRUE;
}

int kn_mount_matrix_parse(const char *text, KnMountMatrix *ret)
{
    g_auto(GStrv) rows = NULL;
    KnMountMatrix m;
    double det;

    if (!text)
        return -EINVAL;
    rows = g_strsplit(text, ";", -1);
    if (g_strv_length(rows) != 3)
        return -EINVAL;
    for (int i = 0; i < 3; i++) {
        g_auto(GStrv) cells = g_strsplit(rows[i], ",", -1);

        if (g_strv_length(cells) != 3)
            return -EINVAL;
        for (int j = 0; j < 3; j++)
            if (!parse_number(cells[j], &m.m[i][j]))
                return -EINVAL;
    }
    for (int i = 0; i < 3; i++) {
        for (int k = i; k < 3; k++) {
            double dot = 0;

            for (int j = 0; j < 3; j++)
                dot += m.m[i][j] * m.m[k][j];
            if (fabs(dot - (i == k ? 1.0 : 0.0)) > ROTATION_TOLERANCE)
                return -EDOM;
        }
    }
    det = m.m[0][0] * (m.m[1][1] * m.m[2][2] - m.m[1][2] * m.m[2][1]) -
          m.m[0][1] * (m.m[1][0] * m.m[2][2] - m.m[1][2] * m.m[2][0]) +
          m.m[0][2] * (m.m[1][0] * m.m[2][1] - m.m[1][1] * m.m[2][0]);
    if (fabs(det - 1.0) > ROTATION_TOLERANCE)
        return -EDOM;
    *ret = m;
    return 0;
}

void kn_mount_matrix_apply(const KnMountMatrix *m, const double in[3], double out[3])
{
    double v[3] = { in[0], in[1], in[2] };

    for (int i = 0; i < 3; i++)
        out[i] = m->m[i][0] * v[0] + m->m[i][1] * v[1] + m->m[i][2] * v[2];
}

gboolean kn_mount_matrix_is_identity(const KnMountMatrix *m)
{
    for (int i = 0; i < 3; i++)
        for (int j = 0; j < 3; j++)
            if (m->m[i][j] != (i == j ? 1.0 : 0.0))
                return FALSE;
    return TRUE;
}

char *kn_mount_matrix_to_string(const KnMountMatrix *m)
{
    GString *s = g_string_new(NULL);
    char buf[G_ASCII_DTOSTR_BUF_SIZE];

    for (int i = 0; i < 3; i++) {
        for (int j = 0; j < 3; j++) {
            /* -0 reads back the same but looks like a sign error. */
            double v = m->m[i][j] == 0 ? 0.0 : m->m[i][j];

            g_string_append(s, g_ascii_formatd(buf, sizeof(buf), "%g", v));
            if (j < 2)
                g_string_append(s, ", ");
        }
        if (i < 2)
            g_string_append(s, "; ");
    }
    return g_string_free(s, FALSE);
}

static int pick_range(const char *text, double wanted, double *ret)
{
    g_autofree char *inner = g_strndup(text + 1, strlen(text) - 2);
    g_auto(GStrv) parts = g_strsplit_set(g_strstrip(inner), " \t", -1);
    double v[3];
    int n = 0;

    for (size_t i = 0; parts[i]; i++) {
        if (!*parts[i])
            continue;
        if (n == 3 || !parse_number(parts[i], &v[n]))
            return -EINVAL;
        n++;
    }
    if (n != 3 || v[1] < 0 || v[2] < v[0])
        return -EINVAL;
    if (wanted <= v[0]) {
        *ret = v[0];
    } else if (wanted >= v[2]) {
        *ret = v[2];
    } else if (v[1] == 0) {
        *ret = wanted;
    } else {
        double k = floor((wanted - v[0]) / v[1] + 0.5);

        *ret = MIN(v[0] + k * v[1], v[2]);
    }
    return 0;
}

int kn_iio_pick_nearest(const char *available, double wanted, double *ret)
{
    g_autofree char *text = NULL;
    g_auto(GStrv) items = NULL;
    gboolean found = FALSE;
    double best = 0;

    if (!available)
        return -EINVAL;
    text = g_strstrip(g_strdup(available));
    if (text[0] == '[' && text[strlen(text) - 1] == ']')
        return pick_range(text, wanted, ret);
    items = g_strsplit_set(text, " \t\n", -1);
    for (size_t i = 0; items[i]; i++) {
        double v;

        if (!*items[i])
            continue;
        if (!parse_number(items[i], &v))
            return -EINVAL;
        if (!found || fabs(v - wanted) < fabs(best - wanted) ||
            (fabs(v - wanted) == fabs(best - wanted) && v > best))
            best = v;
        found = TRUE;
    }
    if (!found)
        return -EINVAL;
    *ret = best;
    return 0;
}
