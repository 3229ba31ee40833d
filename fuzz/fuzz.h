/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A fuzz target: one parser of outside input, fed bytes.  Built twice
 * (fuzz/local.mk): with libFuzzer for `make fuzz` (clang,
 * -fsanitize=fuzzer,address,undefined), and with fuzz/replay.c as an
 * ordinary test that `make check` runs over the seed corpus
 * fuzz/corpus/<name>/, so that every input that once crashed stays a
 * test.  docs/testing.md ("Fuzzing") says how to add one.
 *
 * A target returns 0; a finding is a crash, a sanitizer report or a
 * FUZZ_CHECK() that fails (an invariant of the parser: what it accepts
 * packs back to the same bytes, is within its documented ranges...).
 */
#pragma once

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_CHECK(cond)                                                        \
    do {                                                                        \
        if (!(cond)) {                                                          \
            fprintf(stderr, "%s:%d: invariant failed: %s\n", __FILE__, __LINE__, \
                    #cond);                                                     \
            abort();                                                            \
        }                                                                       \
    } while (0)

/* GLib logging during fuzzing: debug, info and messages are dropped (the
 * daemon's code logs its decisions), warnings and criticals abort (a
 * g_return_if_fail() reached is a finding). */
void fuzz_quiet_glib_log(void);
