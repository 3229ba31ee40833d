/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Runs a simulated sleeve through the analysis and scores the result
 * against the simulator's truth: knee-angle error, initial-contact and
 * contact-time errors, stride count, cadence, alerts against the scripted
 * events' windows.  Shared by tests/test-sim-runs.c and the accuracy
 * report (tests/accuracy-report.c).
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "analysis/analysis.h"
#include "drivers/sim-model.h"

#define SIM_SCORE_MAX_ALERTS 256
#define SIM_SCORE_MAX_WINDOWS 16

struct sim_score {
    /* knee angle, after the first 5 s (the filters' start-up) */
    double knee_rmse_deg;
    double knee_max_err_deg;
    size_t knee_samples;
    /* strides whose opening contact lies in the steady part of a gait
     * block (1 s away from any block boundary, where the simulator blends
     * gaits and counts only the steps of weight >= 0.5) */
    size_t truth_strides;
    size_t detected_strides;
    size_t matched;               /* detected within 60 ms of a true contact */
    double ic_mean_err_s;         /* detected - true */
    double ic_max_abs_err_s;
    double contact_mean_err_s;    /* over matched strides with a toe-off */
    double contact_rms_err_s;
    size_t contact_n;
    double cadence_mean_spm;      /* over detected steady strides */
    /* all strides, as the summary counts them */
    struct kn_summary summary;
    /* alerts */
    size_t n_alerts;
    struct kn_alert alerts[SIM_SCORE_MAX_ALERTS];
    size_t n_windows;
    struct kn_sim_window windows[SIM_SCORE_MAX_WINDOWS];
    int window_hits[SIM_SCORE_MAX_WINDOWS];      /* alerts of the expected kind inside */
    size_t unexplained_alerts;    /* warning/critical outside every window */
    double duration_s;
};

/* Returns false (with a message in err) when the config does not
 * validate.  params NULL = defaults. */
bool sim_score_run(const struct kn_sim_config *c, const struct kn_params *params,
                   struct sim_score *ret, char *err, size_t err_len);

/* One line of figures, for g_test_message and the report. */
void sim_score_format(const struct sim_score *s, char *buf, size_t len);
