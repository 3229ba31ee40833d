/* SPDX-License-Identifier: GPL-2.0-or-later */
/* For tests that fake the kernel with umockdev (mocking.md). */
#pragma once

#include <glib.h>

/* Runs the program again under umockdev's preload library unless it is
 * loaded already (so the test works from make and by hand); an
 * AddressSanitizer build is told not to insist on coming first.  Returns
 * only when the library is loaded, or exits 77 (SKIP) when umockdev is
 * not installed. */
void kn_test_under_umockdev(int argc, char **argv);

/* rm -r */
void kn_test_remove_tree(const char *path);
