/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The pipeline's contract: bad frames are refused and change nothing;
 * calibration needs a still leg; parameters are validated; the summary
 * counts what was delivered.
 */
#include <errno.h>
#include <glib.h>
#include <math.h>
#include <string.h>

#include "analysis/analysis.h"

#define G KN_STANDARD_GRAVITY

static struct kn_frame standing(double t, double knee)
{
    struct kn_frame f = { .t_s = t, .present = KN_HAS_ALL, .knee_deg = knee };

    f.thigh_accel[1] = G;
    f.shank_accel[1] = G;
    return f;
}

static void test_bad_frames(void)
{
    struct kn_analysis *a = kn_analysis_new(NULL);
    struct kn_frame f = standing(1.0, 2.0), bad;
    struct kn_live before;

    g_assert_cmpint(kn_analysis_push(a, &f), ==, 0);
    before = *kn_analysis_live(a);

    bad = standing(1.0, 2.0);                 /* same time */
    g_assert_cmpint(kn_analysis_push(a, &bad), ==, -EINVAL);
    bad = standing(0.5, 2.0);                 /* backwards */
    g_assert_cmpint(kn_analysis_push(a, &bad), ==, -EINVAL);
    bad = standing(2.0, NAN);                 /* NaN angle */
    g_assert_cmpint(kn_analysis_push(a, &bad), ==, -EINVAL);
    bad = standing(2.0, 2.0);
    bad.shank_gyro[2] = INFINITY;
    g_assert_cmpint(kn_analysis_push(a, &bad), ==, -EINVAL);
    bad = standing(2.0, 2.0);
    bad.thigh_accel[0] = 1e6;                 /* absurd */
    g_assert_cmpint(kn_analysis_push(a, &bad), ==, -EINVAL);
    bad = standing(2.0, 2.0);
    bad.present = 0x80;                       /* unknown sensor bit */
    g_assert_cmpint(kn_analysis_push(a, &bad), ==, -EINVAL);
    bad = standing(NAN, 2.0);
    g_assert_cmpint(kn_analysis_push(a, &bad), ==, -EINVAL);

    g_assert_cmpmem(&before, sizeof(before), kn_analysis_live(a), sizeof(before));
    f = standing(1.01, 2.0);
    g_assert_cmpint(kn_analysis_push(a, &f), ==, 0);
    kn_analysis_free(a);
}

static void test_calibrate(void)
{
    struct kn_analysis *a = kn_analysis_new(NULL);
    struct kn_calibration cal;
    struct kn_frame f;
    double t = 0;

    g_assert_cmpint(kn_analysis_calibrate(a, &cal), ==, -ENODATA);
    /* moving: the flex sensor sweeps */
    for (; t < 2.0; t += 0.005) {
        f = standing(t, 20 + 15 * sin(t * 6));
        f.thigh_gyro[2] = 0.5;
        g_assert_cmpint(kn_analysis_push(a, &f), ==, 0);
    }
    g_assert_cmpint(kn_analysis_calibrate(a, &cal), ==, -EBUSY);
    /* still for 3 s (the first second or so settles the stillness
     * statistics): accepted, and the knee reads 0 after */
    for (double end = t + 3.0; t < end; t += 0.005) {
        f = standing(t, 2.5);
        g_assert_cmpint(kn_analysis_push(a, &f), ==, 0);
    }
    g_assert_cmpint(kn_analysis_calibrate(a, &cal), ==, 0);
    g_assert_cmpfloat(cal.window_s, >=, 1.0);
    f = standing(t, 2.5);
    g_assert_cmpint(kn_analysis_push(a, &f), ==, 0);
    g_assert_cmpfloat_with_epsilon(kn_analysis_live(a)->knee_deg, 0, 0.05);
    kn_analysis_free(a);
}

static void test_params(void)
{
    struct kn_params p;
    struct kn_analysis *a;
    const char *key = NULL;
    size_t n;
    const struct kn_param_info *table = kn_params_table(&n);

    /* the table is in id order, defaults in range, keys unique */
    g_assert_cmpuint(n, ==, KN_PARAM_COUNT);
    for (size_t i = 0; i < n; i++) {
        g_assert_cmpint(table[i].id, ==, (int) i);
        g_assert_cmpint(kn_params_check(&table[i], table[i].def), ==, 0);
        g_assert_true(kn_params_lookup(table[i].key) == &table[i]);
        for (size_t j = 0; j < i; j++)
            g_assert_cmpstr(table[i].key, !=, table[j].key);
    }
    kn_params_init(&p);
    g_assert_cmpint(kn_params_validate(&p, NULL), ==, 0);
    g_assert_cmpint(kn_params_set(&p, "no.such_key", 1), ==, -ENOENT);
    g_assert_cmpint(kn_params_set(&p, "hyperextension.angle_deg", 500), ==, -ERANGE);
    g_assert_cmpint(kn_params_set(&p, "hyperextension.angle_deg", NAN), ==, -ERANGE);
    g_assert_cmpint(kn_params_set(&p, "locking.strides", 2.5), ==, -ERANGE);
    g_assert_cmpfloat(kn_params_get(&p, KN_PARAM_HYPEREXT_DEG), ==, 5.0);
    /* a critical level below its warning level */
    g_assert_cmpint(kn_params_set(&p, "hyperextension.critical_angle_deg", 3), ==, 0);
    g_assert_cmpint(kn_params_validate(&p, &key), ==, -EINVAL);
    g_assert_cmpstr(key, ==, "hyperextension.critical_angle_deg");
    g_assert_null(kn_analysis_new(&p));

    a = kn_analysis_new(NULL);
    g_assert_cmpint(kn_analysis_set_params(a, &p), ==, -EINVAL);
    g_assert_cmpfloat(kn_params_get(kn_analysis_get_params(a), KN_PARAM_HYPEREXT_CRITICAL_DEG), ==, 10.0);
    kn_params_init(&p);
    p.side = KN_SIDE_LEFT;
    g_assert_cmpint(kn_analysis_set_params(a, &p), ==, 0);
    g_assert_cmpint(kn_analysis_get_params(a)->side, ==, KN_SIDE_LEFT);
    kn_analysis_free(a);
}

static void test_names(void)
{
    enum kn_alert_kind k;
    enum kn_severity s;

    for (int i = 0; i < KN_ALERT_KIND_COUNT; i++) {
        g_assert_cmpint(kn_alert_kind_from_string(kn_alert_kind_to_string(i), &k), ==, 0);
        g_assert_cmpint(k, ==, i);
    }
    for (int i = 0; i < KN_SEVERITY_COUNT; i++) {
        g_assert_cmpint(kn_severity_from_string(kn_severity_to_string(i), &s), ==, 0);
        g_assert_cmpint(s, ==, i);
    }
    g_assert_cmpint(kn_alert_kind_from_string("sprained", &k), ==, -EINVAL);
    g_assert_cmpstr(kn_alert_kind_to_string(KN_ALERT_RANGE_LOSS), ==, "range_loss");
}

/* Every parameter key is documented in docs/detectors.md. */
static void test_params_documented(void)
{
    g_autofree char *path = g_build_filename(g_getenv("KNEED_SRCDIR") ? g_getenv("KNEED_SRCDIR") : ".",
                                             "docs", "detectors.md", NULL);
    g_autofree char *doc = NULL;
    g_autoptr(GError) error = NULL;
    size_t n;
    const struct kn_param_info *table = kn_params_table(&n);

    g_file_get_contents(path, &doc, NULL, &error);
    g_assert_no_error(error);
    for (size_t i = 0; i < n; i++) {
        g_autofree char *quoted = g_strdup_printf("`%s`", table[i].key);

        if (!strstr(doc, quoted))
            g_error("%s is not documented in docs/detectors.md", table[i].key);
    }
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/analysis/bad-frames", test_bad_frames);
    g_test_add_func("/analysis/calibrate", test_calibrate);
    g_test_add_func("/analysis/params", test_params);
    g_test_add_func("/analysis/names", test_names);
    g_test_add_func("/analysis/params-documented", test_params_documented);
    return g_test_run();
}
