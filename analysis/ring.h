/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The ring buffer of the analysis' sample histories (gait events, the
 * detectors, stride metrics, the IMU knee estimate): the last N entries
 * of a caller-owned array of any element type, N a power of two.  The
 * ring only does the index arithmetic, so each history keeps its own
 * typed array and reads it as the newest entry, the one before...:
 *
 *     struct kn_ring r;                 struct sample hist[4096];
 *     kn_ring_init(&r, KN_N(hist));
 *     struct sample *s = &hist[kn_ring_push(&r)];    (fill it)
 *     for (uint32_t b = 0; b < r.count; b++)  ... hist[kn_ring_at(&r, b)] ...
 *
 * Pure C11; the functions are inline because the analysis calls them for
 * every sample, dozens of times.
 */
#pragma once

#include <stdint.h>

struct kn_ring {
    uint32_t mask;            /* capacity - 1 */
    uint32_t head;            /* the slot the next push fills */
    uint32_t count;           /* entries held: 0 .. capacity */
};

#define KN_N(array) ((uint32_t) (sizeof(array) / sizeof((array)[0])))

/* capacity: a power of two (1, 2, 4 ... 2^31).  Returns 0, or -EINVAL (and
 * an empty ring of capacity 1) for any other. */
int kn_ring_init(struct kn_ring *r, uint32_t capacity);

static inline uint32_t kn_ring_capacity(const struct kn_ring *r)
{
    return r->mask + 1u;
}

/* Forgets every entry. */
static inline void kn_ring_clear(struct kn_ring *r)
{
    r->head = 0;
    r->count = 0;
}

/* Makes room for a new newest entry and returns its slot; when full, the
 * oldest entry's slot is reused. */
static inline uint32_t kn_ring_push(struct kn_ring *r)
{
    uint32_t slot = r->head;

    r->head = (r->head + 1u) & r->mask;
    if (r->count <= r->mask)
        r->count++;
    return slot;
}

/* The slot of the entry pushed `back` pushes ago: 0 the newest, count - 1
 * the oldest held (back >= count gives a slot of no meaning). */
static inline uint32_t kn_ring_at(const struct kn_ring *r, uint32_t back)
{
    return (r->head - 1u - back) & r->mask;
}
