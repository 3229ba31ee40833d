/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * kneed.conf (kneed.conf(5)): the whole file as kneed reads it, with
 * every module's group (daemon/modules.c: [bluetooth], [button], [haptic],
 * [led]).  An error names the file; an accepted file prints (kneed
 * --print-config) as a file that reads back as the same configuration and
 * prints the same text again.
 *
 * [replay] file names a path that is opened: the target runs where
 * relative paths lead nowhere (make fuzz runs it in fuzz/run/), and
 * without a controlling terminal, so /dev/tty cannot block it.
 */
#include <glib.h>
#include <string.h>
#include <unistd.h>

#include "daemon/config.h"
#include "daemon/modules.h"
#include "fuzz/fuzz.h"

#define NAME "fuzz.conf"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    fuzz_quiet_glib_log();
    (void) setsid();
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(KnConfig) c = NULL;
    g_autoptr(KnConfig) again = NULL;
    g_autofree char *text = NULL;
    g_autofree char *text2 = NULL;
    const KnConfigGroup *modules;
    gsize n;

    modules = kn_config_modules(&n);
    c = kn_config_load_data(NAME, (const char *) data, size, modules, n, &error);
    if (!c) {
        FUZZ_CHECK(error != NULL);
        FUZZ_CHECK(g_str_has_prefix(error->message, NAME));
        return 0;
    }
    FUZZ_CHECK(error == NULL);
    text = kn_config_to_string(c);
    again = kn_config_load_data(NAME, text, strlen(text), modules, n, &error);
    if (!again)
        fprintf(stderr, "printed configuration refused: %s\n%s", error->message, text);
    FUZZ_CHECK(again != NULL);
    FUZZ_CHECK(kn_config_same_source(c, again));
    FUZZ_CHECK(memcmp(&c->core_opts, &again->core_opts, sizeof(c->core_opts)) == 0);
    /* The modules' groups too: what is printed prints the same again. */
    text2 = kn_config_to_string(again);
    FUZZ_CHECK(strcmp(text, text2) == 0);
    return 0;
}
