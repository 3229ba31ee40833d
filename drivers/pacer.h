/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Pacing for timer-driven sources (simulated sleeve, replay): one wake-up
 * per batch period on an absolute CLOCK_MONOTONIC grid (no drift however
 * late a dispatch runs), and the mapping from the source's time t_s to
 * the monotonic clock, so the driver hands over exactly the frames that
 * are due.  speed 0 means unpaced: an idle source that runs whenever the
 * main loop has nothing else to do.
 */
#pragma once

#include <glib.h>

typedef struct _KnPacer KnPacer;

/* Called once per batch period (or per idle dispatch when unpaced). */
typedef void (*KnPacerFunc)(KnPacer *pacer, gpointer user_data);

KnPacer *kn_pacer_new(guint period_ms, double speed, KnPacerFunc func, gpointer user_data);
void kn_pacer_free(KnPacer *pacer);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(KnPacer, kn_pacer_free)

/* Attaches the source to the thread-default main context with the frame
 * at source time t_next due now.  The first tick runs after one period. */
void kn_pacer_start(KnPacer *pacer, double t_next);
void kn_pacer_stop(KnPacer *pacer);

/* Source time due at the monotonic time now_us (+inf when unpaced). */
double kn_pacer_due(const KnPacer *pacer, gint64 now_us);

/* Moves the time origin so that t_next is due now (after falling far
 * behind, or after a pause). */
void kn_pacer_rebase(KnPacer *pacer, double t_next);

/* CLOCK_MONOTONIC microseconds of source time 0; 0 when unpaced. */
gint64 kn_pacer_origin(const KnPacer *pacer);
double kn_pacer_speed(const KnPacer *pacer);
