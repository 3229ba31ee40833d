/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "drivers/iio-scan.h"

/* The kernel's ALIGN(): exact for the power-of-two sizes every driver
 * uses; kept bit for bit for the others so the layout is the kernel's. */
static size_t kernel_align(size_t x, size_t a)
{
    return (x + (a - 1)) & ~(a - 1);
}

static int parse_uint(const char **p, unsigned *ret)
{
    char *end;
    unsigned long v;

    if (!isdigit((unsigned char) **p))
        return -EINVAL;
    errno = 0;
    v = strtoul(*p, &end, 10);
    if (errno || v > 1024)
        return -EINVAL;
    *p = end;
    *ret = (unsigned) v;
    return 0;
}

int kn_iio_scan_type_parse(const char *text, struct kn_iio_scan_type *ret)
{
    struct kn_iio_scan_type t = { .repeat = 1 };
    const char *p = text;

    if (!text)
        return -EINVAL;
    if (strncmp(p, "le:", 3) == 0)
        t.be = false;
    else if (strncmp(p, "be:", 3) == 0)
        t.be = true;
    else
        return -EINVAL;
    p += 3;
    /* Upper case marks a "fully defined" element in some kernels. */
    switch (*p) {
    case 's':
    case 'S':
        t.is_signed = true;
        break;
    case 'u':
    case 'U':
        t.is_signed = false;
        break;
    default:
        return -EINVAL;
    }
    p++;
    if (parse_uint(&p, &t.bits) < 0 || *p++ != '/' || parse_uint(&p, &t.storage) < 0)
        return -EINVAL;
    if (*p == 'X') {
        p++;
        if (parse_uint(&p, &t.repeat) < 0 || t.repeat < 1)
            return -EINVAL;
    }
    if (p[0] != '>' || p[1] != '>')
        return -EINVAL;
    p += 2;
    if (parse_uint(&p, &t.shift) < 0)
        return -EINVAL;
    while (*p && isspace((unsigned char) *p))
        p++;
    if (*p)
        return -EINVAL;
    if (t.storage != 8 && t.storage != 16 && t.storage != 32 && t.storage != 64)
        return -EINVAL;
    if (t.bits < 1 || t.bits + t.shift > t.storage)
        return -EINVAL;
    *ret = t;
    return 0;
}

size_t kn_iio_scan_type_size(const struct kn_iio_scan_type *type)
{
    return (size_t) type->storage / 8 * type->repeat;
}

static int cmp_index(const void *a, const void *b)
{
    const struct kn_iio_scan_elem *x = *(const struct kn_iio_scan_elem *const *) a;
    const struct kn_iio_scan_elem *y = *(const struct kn_iio_scan_elem *const *) b;

    return (x->index > y->index) - (x->index < y->index);
}

int kn_iio_scan_layout(struct kn_iio_scan_elem *elems, size_t n, size_t *ret_size)
{
    struct kn_iio_scan_elem **order;
    size_t bytes = 0, largest = 0;

    if (n == 0)
        return -EINVAL;
    order = malloc(n * sizeof(*order));
    if (!order)
        return -ENOMEM;
    for (size_t i = 0; i < n; i++)
        order[i] = &elems[i];
    qsort(order, n, sizeof(*order), cmp_index);
    for (size_t i = 0; i < n; i++) {
        size_t len = kn_iio_scan_type_size(&order[i]->type);

        if (i > 0 && order[i]->index == order[i - 1]->index) {
            free(order);
            return -EINVAL;
        }
        bytes = kernel_align(bytes, len);
        order[i]->offset = bytes;
        bytes += len;
        if (len > largest)
            largest = len;
    }
    free(order);
    *ret_size = kernel_align(bytes, largest);
    return 0;
}

int64_t kn_iio_scan_decode(const uint8_t *scan, const struct kn_iio_scan_elem *e, unsigned rep)
{
    const struct kn_iio_scan_type *t = &e->type;
    const uint8_t *p = scan + e->offset + (size_t) rep * (t->storage / 8);
    unsigned n = t->storage / 8;
    uint64_t v = 0;

    for (unsigned i = 0; i < n; i++)
        v |= (uint64_t) p[t->be ? i : n - 1 - i] << (8 * (n - 1 - i));
    v >>= t->shift;
    if (t->bits < 64)
        v &= (UINT64_C(1) << t->bits) - 1;
    if (t->is_signed && t->bits < 64 && (v >> (t->bits - 1)) & 1)
        v |= ~((UINT64_C(1) << t->bits) - 1);
    return (int64_t) v;
}

void kn_iio_scan_encode(uint8_t *scan, const struct kn_iio_scan_elem *e, unsigned rep,
                        int64_t raw)
{
    const struct kn_iio_scan_type *t = &e->type;
    uint8_t *p = scan + e->offset + (size_t) rep * (t->storage / 8);
    unsigned n = t->storage / 8;
    uint64_t v = (uint64_t) raw;

    if (t->bits < 64)
        v &= (UINT64_C(1) << t->bits) - 1;
    v <<= t->shift;
    for (unsigned i = 0; i < n; i++)
        p[t->be ? i : n - 1 - i] = (uint8_t) (v >> (8 * (n - 1 - i)));
}

double kn_iio_scan_value(int64_t raw, double offset, double scale)
{
    return ((double) raw + offset) * scale;
}
