/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <string.h>

#include "sleeve/pattern.h"

uint32_t kn_pattern_duration_ms(const struct kn_pattern *p)
{
    uint32_t sum = 0;

    for (unsigned i = 0; i < p->n_steps; i++)
        sum += p->step_ms[i];
    return sum;
}

/* A loop whose steps of one level are all 0 ms never changes. */
static bool constant_level(const struct kn_pattern *p, int level)
{
    for (unsigned i = level ? 0 : 1; i < p->n_steps; i += 2)
        if (p->step_ms[i])
            return false;
    return true;
}

int kn_pattern_level_at(const struct kn_pattern *p, int64_t elapsed_us, int64_t *ret_next_us)
{
    int64_t period = (int64_t) kn_pattern_duration_ms(p) * 1000;
    int64_t end, t;

    if (ret_next_us)
        *ret_next_us = INT64_MAX;
    if (elapsed_us < 0)
        elapsed_us = 0;
    if (!p->loop)
        end = period;
    else
        end = p->total_ms ? (int64_t) p->total_ms * 1000 : INT64_MAX;
    if (period == 0 || elapsed_us >= end)
        return -1;
    /* Times are absolute from the start, so a late caller never shifts
     * the later steps. */
    t = p->loop ? elapsed_us / period * period : 0;
    for (unsigned i = 0; i < p->n_steps; i++) {
        int64_t d = (int64_t) p->step_ms[i] * 1000;
        int level = (i & 1) ? 0 : 1;

        if (elapsed_us >= t + d) {
            t += d;
            continue;
        }
        if (ret_next_us) {
            if (p->loop && constant_level(p, !level))
                *ret_next_us = end;
            else
                *ret_next_us = t + d < end ? t + d : end;
        }
        return level;
    }
    return -1;
}

int kn_pattern_append(struct kn_pattern *p, const uint16_t *steps_ms, unsigned n)
{
    if (p->n_steps + n > KN_PATTERN_MAX_STEPS)
        return -ENOBUFS;
    memcpy(p->step_ms + p->n_steps, steps_ms, n * sizeof(*steps_ms));
    p->n_steps = (uint8_t) (p->n_steps + n);
    return 0;
}
