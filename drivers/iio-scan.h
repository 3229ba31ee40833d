/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * IIO scan elements: what one sample of a kernel IIO buffer looks like and
 * how to turn its bytes into numbers.  Pure C11 (no GLib, no I/O), so the
 * byte-level rules are unit-tested against tables (tests/test-iio-scan.c).
 *
 * The kernel describes each enabled channel in scan_elements/<ch>_type as
 *
 *     le:s12/16>>4        [be|le]:[s|u]BITS/STORAGE[XREPEAT]>>SHIFT
 *
 * and lays a scan out in scan-index order, each element aligned to its own
 * size (storage/8 * repeat bytes), the whole scan padded to its largest
 * element (drivers/iio/industrialio-buffer.c, iio_compute_scan_bytes()).
 * A value is (raw + offset) * scale in the IIO ABI's units (m/s^2 for
 * accel, rad/s for anglvel, mV for voltage, ns for the timestamp).
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct kn_iio_scan_type {
    bool be;                   /* big-endian storage */
    bool is_signed;
    unsigned bits;             /* significant bits, 1..64 */
    unsigned storage;          /* 8, 16, 32 or 64 */
    unsigned shift;            /* right shift before masking */
    unsigned repeat;           /* >= 1 values of this type in a row */
};

/* Parses a *_type attribute ("le:s16/16>>0", "be:u12/16X2>>4"; trailing
 * white space allowed).  Returns 0, or -EINVAL for anything else
 * (bits 0, bits + shift > storage, storage not 8/16/32/64, ...). */
int kn_iio_scan_type_parse(const char *text, struct kn_iio_scan_type *ret);

/* Bytes one element occupies: storage/8 * repeat. */
size_t kn_iio_scan_type_size(const struct kn_iio_scan_type *type);

struct kn_iio_scan_elem {
    long index;                /* scan_elements/<ch>_index */
    struct kn_iio_scan_type type;
    size_t offset;             /* filled by kn_iio_scan_layout() */
};

/* Lays out the enabled elements (in any order; they are placed by index,
 * which must be unique) the way the kernel does: fills each offset and
 * *ret_size, the bytes of one scan.  -EINVAL on duplicate indices or an
 * empty set. */
int kn_iio_scan_layout(struct kn_iio_scan_elem *elems, size_t n, size_t *ret_size);

/* The raw value of repetition rep of an element in one scan (sample points
 * at the scan's first byte): byte order, shift, mask and sign extension
 * applied; this is the number the kernel's in_<ch>_raw shows. */
int64_t kn_iio_scan_decode(const uint8_t *scan, const struct kn_iio_scan_elem *elem, unsigned rep);

/* The inverse, for tests and simulators: writes raw (truncated to the
 * element's bits) into a scan. */
void kn_iio_scan_encode(uint8_t *scan, const struct kn_iio_scan_elem *elem, unsigned rep,
                        int64_t raw);

/* (raw + offset) * scale. */
double kn_iio_scan_value(int64_t raw, double offset, double scale);
