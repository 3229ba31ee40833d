/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The analysis' ring buffer (analysis/ring.h): links only that module. */
#include <errno.h>
#include <glib.h>

#include "analysis/ring.h"

static void test_init(void)
{
    struct kn_ring r;

    g_assert_cmpint(kn_ring_init(&r, 1), ==, 0);
    g_assert_cmpuint(kn_ring_capacity(&r), ==, 1);
    g_assert_cmpint(kn_ring_init(&r, 4096), ==, 0);
    g_assert_cmpuint(kn_ring_capacity(&r), ==, 4096);
    g_assert_cmpint(kn_ring_init(&r, 1u << 31), ==, 0);
    g_assert_cmpuint(r.count, ==, 0);
    for (uint32_t bad = 0; bad < 10; bad++) {
        if (bad == 1 || bad == 2 || bad == 4 || bad == 8)
            continue;
        g_assert_cmpint(kn_ring_init(&r, bad), ==, -EINVAL);
        g_assert_cmpuint(kn_ring_capacity(&r), ==, 1);
        g_assert_cmpuint(r.count, ==, 0);
    }
    g_assert_cmpint(kn_ring_init(&r, 3000), ==, -EINVAL);
}

/* Against a plain list of everything pushed: the ring holds the newest
 * min(pushed, capacity) of them, newest first, across many wraps. */
static void test_against_a_list(void)
{
    int values[8];
    struct kn_ring r;
    g_autoptr(GArray) all = g_array_new(FALSE, FALSE, sizeof(int));

    kn_ring_init(&r, G_N_ELEMENTS(values));
    for (int v = 0; v < 100; v++) {
        values[kn_ring_push(&r)] = v;
        g_array_append_val(all, v);
        g_assert_cmpuint(r.count, ==, MIN(all->len, G_N_ELEMENTS(values)));
        for (uint32_t b = 0; b < r.count; b++)
            g_assert_cmpint(values[kn_ring_at(&r, b)], ==, g_array_index(all, int, all->len - 1 - b));
    }
    kn_ring_clear(&r);
    g_assert_cmpuint(r.count, ==, 0);
    values[kn_ring_push(&r)] = 42;
    g_assert_cmpuint(r.count, ==, 1);
    g_assert_cmpint(values[kn_ring_at(&r, 0)], ==, 42);
}

/* head - 1 - back goes below zero and wraps without disturbing the order,
 * and the head stays below the capacity however many pushes (the IMU
 * knee estimate's own counter grew with every sample). */
static void test_head_arithmetic(void)
{
    int values[4];
    struct kn_ring r;

    kn_ring_init(&r, 4);
    r.head = 3;
    r.count = 0;
    for (int v = 0; v < 6; v++)
        values[kn_ring_push(&r)] = v;
    g_assert_cmpuint(r.count, ==, 4);
    for (uint32_t b = 0; b < 4; b++)
        g_assert_cmpint(values[kn_ring_at(&r, b)], ==, 5 - (int) b);
    g_assert_cmpuint(r.head, <, 4);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/ring/init", test_init);
    g_test_add_func("/ring/against-a-list", test_against_a_list);
    g_test_add_func("/ring/head-arithmetic", test_head_arithmetic);
    return g_test_run();
}
