/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Speed and stride length from one stride: the models of docs/gatt.md with
 * hand-computed answers. */
#include <errno.h>
#include <math.h>

#include <glib.h>

#include "daemon/ble/shared/rsc-estimate.h"

static struct kn_stride stride(enum kn_activity activity, double cadence, double stride_s,
                               double contact_s)
{
    struct kn_stride s;

    kn_stride_clear(&s);
    s.activity = activity;
    s.cadence_spm = cadence;
    s.stride_s = stride_s;
    s.contact_s = contact_s;
    return s;
}

static void test_running_speed_is_leg_length_over_contact_time(void)
{
    struct kn_stride s = stride(KN_ACTIVITY_RUNNING, 171.4, 0.7, 0.25);
    struct kn_rsc_estimate e;

    g_assert_cmpint(kn_rsc_estimate_stride(1.75, &s, &e), ==, 0);
    g_assert_true(e.moving && e.running);
    /* leg 0.53 x 1.75 = 0.9275 m over 0.25 s */
    g_assert_cmpfloat_with_epsilon(e.speed_mps, 3.71, 1e-9);
    g_assert_cmpfloat_with_epsilon(e.stride_m, 3.71 * 0.7, 1e-9);
    g_assert_cmpfloat_with_epsilon(e.cadence_spm, 171.4, 1e-9);
}

static void test_walking_uses_step_length_from_height(void)
{
    struct kn_stride s = stride(KN_ACTIVITY_WALKING, 110, 1.09, 0.65);
    struct kn_rsc_estimate e;

    g_assert_cmpint(kn_rsc_estimate_stride(1.60, &s, &e), ==, 0);
    g_assert_true(e.moving && !e.running);
    /* step 0.415 x 1.60 = 0.664 m, 110 steps/min */
    g_assert_cmpfloat_with_epsilon(e.speed_mps, 0.664 * 110 / 60, 1e-9);
    g_assert_cmpfloat_with_epsilon(e.stride_m, 1.328, 1e-9);
}

static void test_still_or_unmeasurable_strides_give_zero_speed(void)
{
    struct kn_stride s = stride(KN_ACTIVITY_STILL, 0, NAN, NAN);
    struct kn_rsc_estimate e;

    g_assert_cmpint(kn_rsc_estimate_stride(1.75, &s, &e), ==, 0);
    g_assert_false(e.moving);
    g_assert_cmpfloat(e.speed_mps, ==, 0);
    g_assert_true(isnan(e.stride_m));
    /* Running without a usable contact time (accelerometer-only sleeve
     * that lost toe-off): no speed rather than a wild one. */
    s = stride(KN_ACTIVITY_RUNNING, 170, 0.7, NAN);
    g_assert_cmpint(kn_rsc_estimate_stride(1.75, &s, &e), ==, 0);
    g_assert_false(e.moving);
    g_assert_cmpfloat_with_epsilon(e.cadence_spm, 170, 1e-9);
    s = stride(KN_ACTIVITY_RUNNING, 170, 0.7, 0.01);
    g_assert_cmpint(kn_rsc_estimate_stride(1.75, &s, &e), ==, 0);
    g_assert_false(e.moving);
}

static void test_rejects_implausible_height(void)
{
    struct kn_stride s = stride(KN_ACTIVITY_RUNNING, 170, 0.7, 0.25);
    struct kn_rsc_estimate e = { .speed_mps = 42 };

    g_assert_cmpint(kn_rsc_estimate_stride(0.3, &s, &e), ==, -EINVAL);
    g_assert_cmpint(kn_rsc_estimate_stride(NAN, &s, &e), ==, -EINVAL);
    g_assert_cmpfloat(e.speed_mps, ==, 42);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/rsc-estimate/running-speed-is-leg-length-over-contact-time",
                    test_running_speed_is_leg_length_over_contact_time);
    g_test_add_func("/rsc-estimate/walking-uses-step-length-from-height",
                    test_walking_uses_step_length_from_height);
    g_test_add_func("/rsc-estimate/still-or-unmeasurable-strides-give-zero-speed",
                    test_still_or_unmeasurable_strides_give_zero_speed);
    g_test_add_func("/rsc-estimate/rejects-implausible-height", test_rejects_implausible_height);
    return g_test_run();
}
