/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/frame.h"
#include "drivers/flex-cal.h"

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

static int cmp_raw(const void *a, const void *b)
{
    const KnFlexPoint *x = a, *y = b;

    return (x->raw > y->raw) - (x->raw < y->raw);
}

static int fail(char *msg, size_t len, const char *format, ...) G_GNUC_PRINTF(3, 4);

static int fail(char *msg, size_t len, const char *format, ...)
{
    va_list ap;

    va_start(ap, format);
    if (msg && len)
        g_vsnprintf(msg, len, format, ap);
    va_end(ap);
    return -EINVAL;
}

int kn_flex_cal_validate(KnFlexCal *cal, char *msg, size_t len)
{
    double sign;

    if (cal->n < 2)
        return fail(msg, len, "needs at least two points RAW:DEG (the leg straight and a "
                    "second pose)");
    if (cal->n > KN_FLEX_CAL_MAX_POINTS)
        return fail(msg, len, "at most %d points", KN_FLEX_CAL_MAX_POINTS);
    for (guint i = 0; i < cal->n; i++) {
        if (!isfinite(cal->p[i].raw) || !isfinite(cal->p[i].deg))
            return fail(msg, len, "point %u is not a pair of finite numbers", i + 1);
        if (cal->p[i].deg < KN_LIMIT_KNEE_DEG_MIN || cal->p[i].deg > KN_LIMIT_KNEE_DEG_MAX)
            return fail(msg, len, "%g deg is not a knee angle (%g..%g)", cal->p[i].deg,
                        KN_LIMIT_KNEE_DEG_MIN, KN_LIMIT_KNEE_DEG_MAX);
    }
    qsort(cal->p, cal->n, sizeof(cal->p[0]), cmp_raw);
    for (guint i = 1; i < cal->n; i++)
        if (cal->p[i].raw == cal->p[i - 1].raw)
            return fail(msg, len, "raw value %g is given twice", cal->p[i].raw);
    sign = cal->p[1].deg > cal->p[0].deg ? 1 : -1;
    for (guint i = 1; i < cal->n; i++) {
        if (!((cal->p[i].deg - cal->p[i - 1].deg) * sign > 0))
            return fail(msg, len, "the angle must change monotonically with the raw value: "
                        "%g:%g and %g:%g", cal->p[i - 1].raw, cal->p[i - 1].deg,
                        cal->p[i].raw, cal->p[i].deg);
    }
    if (fabs(cal->p[cal->n - 1].deg - cal->p[0].deg) < KN_FLEX_CAL_MIN_SPAN_DEG)
        return fail(msg, len, "the points span only %g deg: calibrate on poses at least "
                    "%g deg apart", fabs(cal->p[cal->n - 1].deg - cal->p[0].deg),
                    KN_FLEX_CAL_MIN_SPAN_DEG);
    if (cal->p[cal->n - 1].raw - cal->p[0].raw < KN_FLEX_CAL_MIN_SPAN_RAW)
        return fail(msg, len, "the raw value changed by only %g between the poses: is the "
                    "sensor on this channel?", cal->p[cal->n - 1].raw - cal->p[0].raw);
    return 0;
}

int kn_flex_cal_parse(const char *text, KnFlexCal *ret, char *msg, size_t len)
{
    g_auto(GStrv) items = NULL;
    KnFlexCal cal = { 0 };
    int r;

    if (!text)
        return fail(msg, len, "empty");
    items = g_strsplit(text, ",", -1);
    for (size_t i = 0; items[i]; i++) {
        g_auto(GStrv) pair = NULL;

        if (!*g_strstrip(items[i]))
            continue;
        if (cal.n == KN_FLEX_CAL_MAX_POINTS)
            return fail(msg, len, "at most %d points", KN_FLEX_CAL_MAX_POINTS);
        pair = g_strsplit(items[i], ":", -1);
        if (g_strv_length(pair) != 2 || !parse_number(pair[0], &cal.p[cal.n].raw) ||
            !parse_number(pair[1], &cal.p[cal.n].deg))
            return fail(msg, len, "'%s' is not RAW:DEG", items[i]);
        cal.n++;
    }
    r = kn_flex_cal_validate(&cal, msg, len);
    if (r < 0)
        return r;
    *ret = cal;
    return 0;
}

double kn_flex_cal_apply(const KnFlexCal *cal, double raw)
{
    guint i;
    const KnFlexPoint *a, *b;

    if (cal->n < 2)
        return NAN;
    /* The segment holding raw, or the end segment it extends. */
    for (i = 1; i < cal->n - 1 && raw > cal->p[i].raw; i++)
        ;
    a = &cal->p[i - 1];
    b = &cal->p[i];
    return a->deg + (raw - a->raw) * (b->deg - a->deg) / (b->raw - a->raw);
}

static void append_number(GString *s, double v)
{
    static const char *const formats[] = { "%.6g", "%.9g", "%.12g", "%.17g" };
    char buf[G_ASCII_DTOSTR_BUF_SIZE];

    for (size_t i = 0; i < G_N_ELEMENTS(formats); i++) {
        g_ascii_formatd(buf, sizeof(buf), formats[i], v);
        if (g_ascii_strtod(buf, NULL) == v)
            break;
    }
    g_string_append(s, buf);
}

char *kn_flex_cal_to_string(const KnFlexCal *cal)
{
    GString *s = g_string_new(NULL);

    for (guint i = 0; i < cal->n; i++) {
        if (i)
            g_string_append(s, ", ");
        append_number(s, cal->p[i].raw);
        g_string_append_c(s, ':');
        append_number(s, cal->p[i].deg);
    }
    return g_string_free(s, FALSE);
}

gboolean kn_flex_cal_equal(const KnFlexCal *a, const KnFlexCal *b)
{
    if (a->n != b->n)
        return FALSE;
    for (guint i = 0; i < a->n; i++)
        if (a->p[i].raw != b->p[i].raw || a->p[i].deg != b->p[i].deg)
            return FALSE;
    return TRUE;
}
