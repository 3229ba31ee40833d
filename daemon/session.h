/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Per-session statistics.  The analysis keeps running across sessions (a
 * reset would drop its calibration and baseline), so a session's summary
 * is accumulated here from its strides and alerts, in the same shape as
 * the analysis' own summary (struct kn_summary).
 */
#pragma once

#include "analysis/analysis.h"

typedef struct {
    double first_t_s;             /* NaN until the first frame of the session */
    double last_t_s;
    unsigned frames;
    struct kn_summary sum;        /* means in progress; sd holds Welford's M2 */
} KnSessionStats;

void kn_session_stats_init(KnSessionStats *s);
void kn_session_stats_add_frames(KnSessionStats *s, double first_t_s, double last_t_s,
                                 unsigned n_frames);
void kn_session_stats_add_stride(KnSessionStats *s, const struct kn_stride *stride);
void kn_session_stats_add_alert(KnSessionStats *s, enum kn_alert_kind kind);
/* The finished summary: standard deviations, CV, duration. */
void kn_session_stats_summary(const KnSessionStats *s, struct kn_summary *ret);
