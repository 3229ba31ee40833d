/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>

#include "analysis/ring.h"

int kn_ring_init(struct kn_ring *r, uint32_t capacity)
{
    r->mask = 0;
    kn_ring_clear(r);
    if (capacity == 0 || (capacity & (capacity - 1u)) != 0)
        return -EINVAL;
    r->mask = capacity - 1u;
    return 0;
}
