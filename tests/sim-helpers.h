/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Helpers shared by the simulated-sleeve tests: scripted configs, whole
 * runs in memory, per-stride numbers read off the truth. */
#pragma once

#include <glib.h>
#include <math.h>
#include <string.h>

#include "analysis/events.h"
#include "drivers/sim-model.h"

#define G KN_STANDARD_GRAVITY
#define DEG (M_PI / 180.0)

/* A whole run in memory. */
struct run {
    size_t n;
    struct kn_frame *f;
    struct kn_sim_truth *t;
    size_t n_windows;
    struct kn_sim_window windows[16];
};

/* Per-stride numbers from the truth, like a gait lab would read them:
 * means over the strides that start and end in [from_s, to_s]. */
struct stride_stats {
    int n;
    double stride_s, contact_s, ic_knee, stance_peak, swing_peak, min_knee;
    double stride_sd;
    double swing_peak_min, swing_peak_max;
};

/* Replaces the blocks (NULL-terminated specs); aborts on a parse error. */
void config_blocks(struct kn_sim_config *c, const char *const *blocks);
void config_event(struct kn_sim_config *c, const char *spec);
struct kn_sim *sim_new_checked(const struct kn_sim_config *c);
void run_sim(const struct kn_sim_config *c, struct run *r);
void run_clear(struct run *r);
size_t index_at(const struct run *r, double t);
void stride_stats(const struct run *r, double from_s, double to_s, struct stride_stats *ret);
int count_contacts(const struct run *r);
