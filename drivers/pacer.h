/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Pacing for timer-driven sources (simulated sleeve, replay): one wake-up
 * per batch period on a fixed grid of the clock's monotonic time (no
 * drift however late a dispatch runs, clock/clock.h), and the mapping
 * from the source's time t_s to monotonic time, so the driver hands over
 * exactly the frames that are due.  speed 0 means unpaced: an idle source
 * that runs whenever the main loop has nothing else to do.
 */
#pragma once

#include <glib.h>

#include "clock/clock.h"

typedef struct _KnPacer KnPacer;

/* Called once per batch period (or per idle dispatch when unpaced). */
typedef void (*KnPacerFunc)(KnPacer *pacer, gpointer user_data);

/* Keeps a reference to clock. */
KnPacer *kn_pacer_new(KnClock *clock, guint period_ms, double speed, KnPacerFunc func,
                      gpointer user_data);
void kn_pacer_free(KnPacer *pacer);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(KnPacer, kn_pacer_free)

/* Attaches the source to the thread-default main context with the frame
 * at source time t_next due now.  The first tick runs after one period. */
void kn_pacer_start(KnPacer *pacer, double t_next);
void kn_pacer_stop(KnPacer *pacer);

/* The clock's monotonic time now. */
gint64 kn_pacer_now(const KnPacer *pacer);
/* Source time due at the monotonic time now_us (+inf when unpaced). */
double kn_pacer_due(const KnPacer *pacer, gint64 now_us);
/* Monotonic µs at which source time t_s is due; 0 when unpaced. */
gint64 kn_pacer_time_of(const KnPacer *pacer, double t_s);

/* Moves the time origin so that t_next is due now (after falling far
 * behind, or after a pause). */
void kn_pacer_rebase(KnPacer *pacer, double t_next);

/* Monotonic microseconds of source time 0; 0 when unpaced. */
gint64 kn_pacer_origin(const KnPacer *pacer);
double kn_pacer_speed(const KnPacer *pacer);
