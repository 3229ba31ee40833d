/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <glib/gstdio.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tests/umockdev-helpers.h"

#define PRELOAD "libumockdev-preload.so.0"

int kn_test_skip_status(void)
{
    return g_getenv("KNEED_TEST_TAP") ? 0 : 77;
}

void kn_test_under_umockdev(int argc, char **argv)
{
    const char *preload = g_getenv("LD_PRELOAD");
    g_autofree char *asan = NULL;
    g_autofree char *both = NULL;

    if (preload && strstr(preload, "umockdev-preload"))
        return;
    /* Run again already, and still no preload: it did not load. */
    if (g_getenv("KNEED_TEST_REEXEC")) {
        printf("1..0 # SKIP umockdev's preload library did not load (install umockdev)\n");
        exit(kn_test_skip_status());
    }
    both = preload && *preload ? g_strconcat(PRELOAD, ":", preload, NULL) : g_strdup(PRELOAD);
    g_setenv("LD_PRELOAD", both, TRUE);
    /* ASan wants its runtime first in the library list; the preload comes
     * first here, which is harmless for it. */
    asan = g_strconcat(g_getenv("ASAN_OPTIONS") ? g_getenv("ASAN_OPTIONS") : "",
                       g_getenv("ASAN_OPTIONS") ? ":" : "", "verify_asan_link_order=0", NULL);
    g_setenv("ASAN_OPTIONS", asan, TRUE);
    g_setenv("KNEED_TEST_REEXEC", "1", TRUE);
    execv("/proc/self/exe", argv);
    printf("1..0 # SKIP cannot run under umockdev: %s\n", g_strerror(errno));
    exit(kn_test_skip_status());
}

void kn_test_remove_tree(const char *path)
{
    g_autoptr(GDir) dir = g_dir_open(path, 0, NULL);
    const char *name;

    while (dir && (name = g_dir_read_name(dir))) {
        g_autofree char *child = g_build_filename(path, name, NULL);

        if (g_file_test(child, G_FILE_TEST_IS_DIR) && !g_file_test(child, G_FILE_TEST_IS_SYMLINK))
            kn_test_remove_tree(child);
        else
            g_unlink(child);
    }
    g_rmdir(path);
}
