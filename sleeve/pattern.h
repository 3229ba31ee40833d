/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * On/off patterns for the sleeve's outputs (the haptic motor, the LED):
 * a list of step durations that alternate on, off, on, ... starting with
 * on, played once or looped.  Pure C11: times are inputs (microseconds on
 * any monotonic clock), nothing here sleeps, reads a clock or does I/O.
 * The tables of which pattern means what are in haptic.h and led.h;
 * docs/sleeve.md lists every one with its timings.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#define KN_PATTERN_MAX_STEPS 24

struct kn_pattern {
    const char *name;             /* static string, for logs and tests */
    uint8_t n_steps;
    uint16_t step_ms[KN_PATTERN_MAX_STEPS];   /* on, off, on, off, ...; 0 allowed */
    bool loop;                    /* repeat the steps ... */
    uint32_t total_ms;            /* ... until this much time passed; 0: forever */
};

/* The pattern played once.  The empty pattern lasts 0 ms. */
uint32_t kn_pattern_duration_ms(const struct kn_pattern *p);

/* The level (1 on, 0 off) at elapsed_us after the pattern started, or -1
 * once it has ended (elapsed_us < 0 reads as 0).  *ret_next_us (may be
 * NULL) is the elapsed time of the next step boundary after elapsed_us,
 * or INT64_MAX when there is none (ended, or an endless loop of one
 * level). */
int kn_pattern_level_at(const struct kn_pattern *p, int64_t elapsed_us, int64_t *ret_next_us);

/* Appends steps (on, off, on, ... continuing the alternation) to p;
 * returns 0 or -ENOBUFS (p unchanged) when they do not fit. */
int kn_pattern_append(struct kn_pattern *p, const uint16_t *steps_ms, unsigned n);
