/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The advertisement always fits: bluetoothd's byte count, what is dropped
 * first, and the name in the scan response. */
#include <string.h>

#include <glib.h>

#include "daemon/ble/shared/adv-plan.h"

static void test_default_advertisement_is_29_bytes(void)
{
    struct kn_adv_plan_input in = { "Knee Sleeve 1A2B", true, true, 0, 0 };
    struct kn_adv_plan p;

    kn_adv_plan_make(&in, &p);
    g_assert_true(p.discoverable && p.knee_uuid && p.rsc_uuid && p.appearance);
    g_assert_cmpuint(p.adv_len, ==, 29);
    g_assert_cmpstr(p.name, ==, "Knee Sleeve 1A2B");
    g_assert_cmpuint(p.scan_rsp_len, ==, 18);
}

static void test_bluetoothd_byte_count(void)
{
    /* Flags 3, one 16-bit UUID list 2+2n, one 128-bit list 2+16n,
     * appearance 4, name 2+len. */
    g_assert_cmpuint(kn_adv_data_len(true, 0, 0, false, 0), ==, 3);
    g_assert_cmpuint(kn_adv_data_len(false, 2, 0, false, 0), ==, 6);
    g_assert_cmpuint(kn_adv_data_len(false, 0, 1, false, 0), ==, 18);
    g_assert_cmpuint(kn_adv_data_len(true, 1, 1, true, 0), ==, 29);
    g_assert_cmpuint(kn_adv_data_len(false, 0, 0, false, 5), ==, 7);
    g_assert_cmpuint(kn_adv_data_len(false, 0, 0, false, 0), ==, 0);
}

static void test_drops_appearance_then_rsc_then_knee(void)
{
    struct kn_adv_plan_input in = { "Knee", true, true, 28, 31 };
    struct kn_adv_plan p;

    kn_adv_plan_make(&in, &p);
    g_assert_false(p.appearance);
    g_assert_true(p.rsc_uuid && p.knee_uuid);
    g_assert_cmpuint(p.adv_len, ==, 25);
    in.max_adv_len = 24;
    kn_adv_plan_make(&in, &p);
    g_assert_false(p.appearance || p.rsc_uuid);
    g_assert_true(p.knee_uuid);
    g_assert_cmpuint(p.adv_len, ==, 21);
    in.max_adv_len = 20;
    kn_adv_plan_make(&in, &p);
    g_assert_false(p.knee_uuid);
    g_assert_true(p.discoverable);
    g_assert_cmpuint(p.adv_len, ==, 3);
    in.max_adv_len = 2;
    kn_adv_plan_make(&in, &p);
    g_assert_false(p.discoverable);
    g_assert_cmpuint(p.adv_len, ==, 0);
}

static void test_extended_lengths_are_capped_at_legacy(void)
{
    struct kn_adv_plan_input in = { "Knee", true, true, 251, 251 };
    struct kn_adv_plan p;

    kn_adv_plan_make(&in, &p);
    g_assert_cmpuint(p.adv_len, <=, 31);
    g_assert_cmpuint(p.scan_rsp_len, <=, 31);
}

static void test_name_is_cut_on_a_character_boundary(void)
{
    /* 28 bytes: "Knee Sleeve " + 8 x "é" (2 bytes each). */
    struct kn_adv_plan_input in = { "Knee Sleeve \xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9"
                                    "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9", false, false, 31, 15 };
    struct kn_adv_plan p;

    kn_adv_plan_make(&in, &p);
    /* 13 bytes of room: "Knee Sleeve " (12) and no half "é". */
    g_assert_cmpstr(p.name, ==, "Knee Sleeve ");
    g_assert_cmpuint(p.scan_rsp_len, ==, 14);
    in.max_scan_rsp_len = 0;
    kn_adv_plan_make(&in, &p);
    g_assert_cmpuint(strlen(p.name), ==, 28);
    in.name = "bad \xff name";
    kn_adv_plan_make(&in, &p);
    g_assert_cmpstr(p.name, ==, "");
    g_assert_cmpuint(p.scan_rsp_len, ==, 0);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/ble-adv-plan/default-advertisement-is-29-bytes", test_default_advertisement_is_29_bytes);
    g_test_add_func("/ble-adv-plan/bluetoothd-byte-count", test_bluetoothd_byte_count);
    g_test_add_func("/ble-adv-plan/drops-appearance-then-rsc-then-knee", test_drops_appearance_then_rsc_then_knee);
    g_test_add_func("/ble-adv-plan/extended-lengths-are-capped-at-legacy",
                    test_extended_lengths_are_capped_at_legacy);
    g_test_add_func("/ble-adv-plan/name-is-cut-on-a-character-boundary", test_name_is_cut_on_a_character_boundary);
    return g_test_run();
}
