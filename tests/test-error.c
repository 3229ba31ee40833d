/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The one table from kneed's error codes to D-Bus error names: every code
 * has a distinct org.kneed.Kneed1.Error.* name, GDBus maps the names back
 * to the codes (what clients linking error.c see), and negative errnos
 * from the pure code map to the documented codes. */
#include <errno.h>
#include <string.h>

#include "daemon/error.h"

static void test_names(void)
{
    g_autoptr(GHashTable) seen = g_hash_table_new(g_str_hash, g_str_equal);

    for (int code = 0; code < KN_ERROR_CODE_COUNT; code++) {
        const char *name = kn_error_to_dbus_name(code);
        g_autoptr(GError) local = g_error_new(KN_ERROR, code, "message %d", code);
        g_autofree char *encoded = NULL;
        g_autoptr(GError) back = NULL;

        g_assert_nonnull(name);
        g_assert_true(g_str_has_prefix(name, "org.kneed.Kneed1.Error."));
        g_assert_true(g_dbus_is_interface_name(name));
        g_assert_false(g_hash_table_contains(seen, name));
        g_hash_table_add(seen, (gpointer) name);

        /* What g_dbus_method_invocation_return_gerror() sends ... */
        encoded = g_dbus_error_encode_gerror(local);
        g_assert_cmpstr(encoded, ==, name);
        /* ... and what a client gets back. */
        back = g_dbus_error_new_for_dbus_error(name, "remote message");
        g_assert_error(back, KN_ERROR, code);
    }
    g_assert_null(kn_error_to_dbus_name(KN_ERROR_CODE_COUNT));
    g_assert_null(kn_error_to_dbus_name((KnError) -1));
    g_assert_cmpstr(kn_error_to_dbus_name(KN_ERROR_NOT_STILL), ==, "org.kneed.Kneed1.Error.NotStill");
}

static void test_errno(void)
{
    g_assert_cmpint(kn_error_from_errno(-ENOENT), ==, KN_ERROR_UNKNOWN_KEY);
    g_assert_cmpint(kn_error_from_errno(-ERANGE), ==, KN_ERROR_OUT_OF_RANGE);
    g_assert_cmpint(kn_error_from_errno(-EINVAL), ==, KN_ERROR_INVALID_ARGUMENT);
    g_assert_cmpint(kn_error_from_errno(-ENODATA), ==, KN_ERROR_NO_DATA);
    g_assert_cmpint(kn_error_from_errno(-EBUSY), ==, KN_ERROR_NOT_STILL);
    g_assert_cmpint(kn_error_from_errno(-EALREADY), ==, KN_ERROR_IN_PROGRESS);
    g_assert_cmpint(kn_error_from_errno(-ENOTSUP), ==, KN_ERROR_NOT_SUPPORTED);
    g_assert_cmpint(kn_error_from_errno(-ETIMEDOUT), ==, KN_ERROR_TIMED_OUT);
    g_assert_cmpint(kn_error_from_errno(-EIO), ==, KN_ERROR_FAILED);
    g_assert_cmpint(kn_error_from_errno(0), ==, KN_ERROR_FAILED);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/error/names", test_names);
    g_test_add_func("/error/errno", test_errno);
    return g_test_run();
}
