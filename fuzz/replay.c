/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The main() of a fuzz target outside libFuzzer (systemd's way): runs
 * every file of the target's seed corpus through LLVMFuzzerTestOneInput
 * once, reporting each as a TAP case (tests/local.mk).  The corpus is
 * $KNEED_SRCDIR/fuzz/corpus/<name>, <name> the program's name without
 * "fuzz-"; files given as arguments are run instead (a crash artifact of
 * `make fuzz`, by hand).
 */
#include <glib.h>
#include <string.h>

#include "fuzz/fuzz.h"

static gint compare_paths(gconstpointer a, gconstpointer b)
{
    return strcmp(*(const char *const *) a, *(const char *const *) b);
}

static int run_file(const char *path, int n)
{
    g_autoptr(GError) error = NULL;
    g_autofree char *data = NULL;
    gsize len;

    if (!g_file_get_contents(path, &data, &len, &error)) {
        printf("not ok %d - %s\n# %s\n", n, path, error->message);
        return 1;
    }
    /* a copy of exactly len bytes: ASan sees a read past the input */
    {
        g_autofree uint8_t *copy = g_memdup2(data, len ? len : 1);

        LLVMFuzzerTestOneInput(copy, len);
    }
    printf("ok %d - %s (%zu bytes)\n", n, path, (size_t) len);
    fflush(stdout);
    return 0;
}

int main(int argc, char **argv)
{
    g_autofree char *base = g_path_get_basename(argv[0]);
    const char *name = g_str_has_prefix(base, "fuzz-") ? base + 5 : base;
    const char *srcdir = g_getenv("KNEED_SRCDIR") ? g_getenv("KNEED_SRCDIR") : FUZZ_SRCDIR;
    g_autofree char *dir = g_build_filename(srcdir, "fuzz", "corpus", name, NULL);
    g_autoptr(GPtrArray) files = g_ptr_array_new_with_free_func(g_free);
    int failed = 0;

    LLVMFuzzerInitialize(&argc, &argv);
    if (argc > 1) {
        for (int i = 1; i < argc; i++)
            g_ptr_array_add(files, g_strdup(argv[i]));
    } else {
        g_autoptr(GError) error = NULL;
        g_autoptr(GDir) d = g_dir_open(dir, 0, &error);
        const char *entry;

        if (!d) {
            printf("Bail out! no seed corpus: %s\n", error->message);
            return 99;
        }
        while ((entry = g_dir_read_name(d)))
            g_ptr_array_add(files, g_build_filename(dir, entry, NULL));
        g_ptr_array_sort(files, compare_paths);
    }
    if (files->len == 0) {
        printf("Bail out! the seed corpus %s is empty\n", dir);
        return 99;
    }
    printf("1..%u\n", files->len);
    for (guint i = 0; i < files->len; i++)
        failed |= run_file(g_ptr_array_index(files, i), (int) i + 1);
    return failed;
}
