/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The simulator's own pseudo-random numbers, so that a seed gives
 * bit-identical output on every libc: splitmix64 expands the seed,
 * xoshiro256** (Blackman & Vigna) draws, Marsaglia's polar method makes
 * Gaussians.
 */
#pragma once

#include <math.h>
#include <stdbool.h>
#include <stdint.h>

struct kn_rng {
    uint64_t s[4];
    double spare;
    bool has_spare;
};

static inline uint64_t kn_splitmix64(uint64_t *x)
{
    uint64_t z = (*x += UINT64_C(0x9e3779b97f4a7c15));

    z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
    return z ^ (z >> 31);
}

/* stream separates independent generators drawn from one seed. */
static inline void kn_rng_seed(struct kn_rng *r, uint64_t seed, uint64_t stream)
{
    uint64_t x = seed ^ (stream * UINT64_C(0xd1b54a32d192ed03));

    for (int i = 0; i < 4; i++)
        r->s[i] = kn_splitmix64(&x);
    r->has_spare = false;
    r->spare = 0;
}

static inline uint64_t kn_rotl64(uint64_t x, int k)
{
    return (x << k) | (x >> (64 - k));
}

static inline uint64_t kn_rng_next(struct kn_rng *r)
{
    uint64_t *s = r->s;
    uint64_t result = kn_rotl64(s[1] * 5, 7) * 9;
    uint64_t t = s[1] << 17;

    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = kn_rotl64(s[3], 45);
    return result;
}

/* Uniform in [0, 1). */
static inline double kn_rng_uniform(struct kn_rng *r)
{
    return (double) (kn_rng_next(r) >> 11) * 0x1.0p-53;
}

/* Uniform in [-1, 1). */
static inline double kn_rng_symmetric(struct kn_rng *r)
{
    return 2 * kn_rng_uniform(r) - 1;
}

/* Standard normal. */
static inline double kn_rng_gauss(struct kn_rng *r)
{
    double u, v, q;

    if (r->has_spare) {
        r->has_spare = false;
        return r->spare;
    }
    do {
        u = kn_rng_symmetric(r);
        v = kn_rng_symmetric(r);
        q = u * u + v * v;
    } while (q >= 1 || q == 0);
    q = sqrt(-2 * log(q) / q);
    r->spare = v * q;
    r->has_spare = true;
    return u * q;
}
