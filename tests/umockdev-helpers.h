/* SPDX-License-Identifier: GPL-2.0-or-later */
/* For the tests (and bench-iio) that fake the kernel with umockdev
 * (mocking.md). */
#pragma once

#include <glib.h>

/* Runs the program again under umockdev's preload library unless it is
 * loaded already (so the test works from make and by hand); an
 * AddressSanitizer build is told not to insist on coming first.  Returns
 * only when the library is loaded; otherwise prints a TAP skip
 * (1..0 # SKIP reason) and exits with kn_test_skip_status(). */
void kn_test_under_umockdev(int argc, char **argv);

/* What a skipped program exits with: 0 under automake's tap-driver.sh
 * (KNEED_TEST_TAP, tests/local.mk), which reads the plan's SKIP; 77 by
 * hand. */
int kn_test_skip_status(void);

/* rm -r */
void kn_test_remove_tree(const char *path);
