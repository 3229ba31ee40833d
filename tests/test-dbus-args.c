/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The D-Bus argument decoders (daemon/dbus-args.c), without a bus. */
#include <glib.h>
#include <string.h>

#include "daemon/dbus-args.h"

static void test_thresholds(void)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(GArray) updates = NULL;
    g_autoptr(GVariant) dict = g_variant_ref_sink(g_variant_new_parsed(
        "{'a': <byte 1>, 'b': <int16 -2>, 'c': <uint16 3>, 'd': <-4>, 'e': <uint32 5>, "
        "'f': <int64 -6>, 'g': <uint64 7>, 'h': <8.5>}"));
    g_autoptr(GVariant) bad = g_variant_ref_sink(g_variant_new_parsed(
        "{'ok': <1.0>, 'hyperextension.angle_deg': <'six'>}"));
    g_autoptr(GVariant) empty = g_variant_ref_sink(g_variant_new_parsed("@a{sv} {}"));
    const KnThresholdUpdate *u;

    g_assert_true(kn_dbus_args_thresholds(dict, &updates, &error));
    g_assert_no_error(error);
    g_assert_cmpuint(updates->len, ==, 8);
    u = (const KnThresholdUpdate *) updates->data;
    g_assert_cmpstr(u[0].key, ==, "a");
    g_assert_cmpfloat(u[0].value, ==, 1);
    g_assert_cmpfloat(u[1].value, ==, -2);
    g_assert_cmpfloat(u[5].value, ==, -6);
    g_assert_cmpfloat(u[7].value, ==, 8.5);
    g_clear_pointer(&updates, g_array_unref);

    g_assert_false(kn_dbus_args_thresholds(bad, &updates, &error));
    g_assert_null(updates);
    g_assert_error(error, KN_ERROR, KN_ERROR_INVALID_ARGUMENT);
    g_assert_cmpstr(error->message, ==, "'hyperextension.angle_deg': not a number (D-Bus type s)");
    g_clear_error(&error);

    g_assert_true(kn_dbus_args_thresholds(empty, &updates, &error));
    g_assert_cmpuint(updates->len, ==, 0);
}

static void test_pain(void)
{
    g_autoptr(GError) error = NULL;
    KnPainLocation where = KN_PAIN_FRONT;
    KnPainTiming when = KN_PAIN_AT_START;

    g_assert_true(kn_dbus_args_pain("back", "after", &where, &when, &error));
    g_assert_cmpint(where, ==, KN_PAIN_BACK);
    g_assert_cmpint(when, ==, KN_PAIN_AFTER);
    g_assert_false(kn_dbus_args_pain("elbow", "after", &where, &when, &error));
    g_assert_error(error, KN_ERROR, KN_ERROR_INVALID_ARGUMENT);
    g_assert_cmpstr(error->message, ==, "unknown location 'elbow' (front, outside, inside, back)");
    g_clear_error(&error);
    g_assert_false(kn_dbus_args_pain("front", "", &where, &when, &error));
    g_assert_cmpstr(error->message, ==, "unknown timing '' (start, during, after)");
    /* untouched on failure */
    g_assert_cmpint(where, ==, KN_PAIN_BACK);
}

static void test_flex_points(void)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(GVariant) two = g_variant_ref_sink(g_variant_new_parsed(
        "[(1800.0, 90.0), (1200.0, 0.0)]"));
    g_autoptr(GVariant) many = g_variant_ref_sink(g_variant_new_parsed(
        "[(1.0, 0.0), (2.0, 1.0), (3.0, 2.0), (4.0, 3.0), (5.0, 4.0), (6.0, 5.0), (7.0, 6.0), "
        "(8.0, 7.0), (9.0, 8.0), (10.0, 9.0), (11.0, 10.0), (12.0, 11.0), (13.0, 12.0), "
        "(14.0, 13.0), (15.0, 14.0), (16.0, 15.0), (17.0, 16.0)]"));
    KnFlexCal cal;

    g_assert_true(kn_dbus_args_flex_points(two, &cal, &error));
    g_assert_no_error(error);
    g_assert_cmpuint(cal.n, ==, 2);
    /* In the order given: the driver sorts. */
    g_assert_cmpfloat(cal.p[0].raw, ==, 1800);
    g_assert_cmpfloat(cal.p[1].deg, ==, 0);
    g_assert_false(kn_dbus_args_flex_points(many, &cal, &error));
    g_assert_error(error, KN_ERROR, KN_ERROR_INVALID_ARGUMENT);
    g_assert_nonnull(strstr(error->message, "at most 16"));
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/dbus-args/thresholds", test_thresholds);
    g_test_add_func("/dbus-args/pain", test_pain);
    g_test_add_func("/dbus-args/flex-points", test_flex_points);
    return g_test_run();
}
