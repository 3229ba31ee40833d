/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Values of IIO sysfs attributes, parsed and applied without any I/O:
 * mount matrices and *_available lists.  Unit-tested in
 * tests/test-iio-scan.c.
 *
 * in_mount_matrix (Documentation/ABI/testing/sysfs-bus-iio) is
 * "x1, y1, z1; x2, y2, z2; x3, y3, z3", rows separated by ';'; a reading v
 * of the chip becomes M v in the frame the matrix was written for.  kneed
 * expects the matrix (from the device tree, or [thigh]/[shank]
 * mount_matrix) to take the chip's axes to the segment frame: x anterior,
 * y superior, z to the right (docs/recording-format.md).
 */
#pragma once

#include <glib.h>

typedef struct {
    double m[3][3];            /* row-major: out[i] = sum_j m[i][j] in[j] */
} KnMountMatrix;

void kn_mount_matrix_identity(KnMountMatrix *ret);

/* Parses "a, b, c; d, e, f; g, h, i" (white space free, newline at the
 * end allowed).  -EINVAL when the text is not nine finite numbers in
 * three rows, -EDOM when they are not a rotation: rows of unit length,
 * orthogonal, determinant +1 (each within 1e-3).  A reflection would turn
 * the right-handed sensor frame into a left-handed one. */
int kn_mount_matrix_parse(const char *text, KnMountMatrix *ret);

/* out = M in; out may alias in. */
void kn_mount_matrix_apply(const KnMountMatrix *m, const double in[3], double out[3]);

gboolean kn_mount_matrix_is_identity(const KnMountMatrix *m);

/* "a, b, c; d, e, f; g, h, i" with %g numbers; free with g_free. */
char *kn_mount_matrix_to_string(const KnMountMatrix *m);

/* Picks the supported value nearest to wanted from an *_available
 * attribute: a list of numbers ("12.5 26 52", "0.78125 1.5625") or a range
 * "[min step max]".  Ties go to the higher value (more samples rather than
 * fewer).  Returns 0 with *ret, -EINVAL when the text is neither. */
int kn_iio_pick_nearest(const char *available, double wanted, double *ret);
