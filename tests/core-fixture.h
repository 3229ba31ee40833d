/* SPDX-License-Identifier: GPL-2.0-or-later */
/* What the core's unit tests share: a source the test feeds by hand
 * ("manual"), a publisher that records what it hears, and a fixture
 * with a core on a test clock (clock/clock-test.h) running that source. */
#pragma once

#include <glib.h>

#include "clock/clock-test.h"
#include "daemon/core.h"
#include "daemon/publisher.h"

#define S G_GINT64_CONSTANT(1000000)
#define MS G_GINT64_CONSTANT(1000)
#define T0 (100000 * S)                                        /* monotonic: 28 h up */
#define WALL0 (G_GINT64_CONSTANT(1767225600) * S)              /* 2026-01-01 */

/* The open manual device (NULL when none), and the source time of the
 * next frame standing_frame() makes (10 ms apart from 0). */
extern KnDevice *manual_dev;
extern double next_t;
/* Every sensor present at 100 Hz, battery 80 %, real time, t = 0 sampled
 * at monotonic 1 s. */
extern const KnDriver manual_driver;

/* A frame of quiet standing, knee at 2 degrees. */
void standing_frame(struct kn_frame *f);
/* n of them in one batch. */
void feed(guint n);

typedef struct {
    guint status_calls;
    KnChange changed;             /* union of all masks seen */
    KnState last_state;
    guint live_calls;
    gint64 live_at[16];           /* the clock's time of each live call */
    KnClock *clock;
    GArray *clock_changes;        /* KnClockChange */
    guint status_calls_at_clock;  /* status_calls when the clock callback ran */
    GArray *alerts;               /* KnAlertEvent, pain pointer cleared */
    guint pain_calls;
    guint last_pain_score;
    guint identify_ms;
    guint marks;
    KnPainMark last_mark;
    guint64 last_pain_mark_id;
    gint64 last_pain_wall_us;
    KnCore *core;
    guint id;
    gboolean remove_on_status;
} Recorder;

extern const KnPublisherOps rec_ops;            /* every callback but identify */
extern const KnPublisherOps rec_ops_identify;   /* identify alone */

typedef struct {
    KnClock *clock;
    KnCore *core;
    Recorder rec;
} Fixture;

/* A core (publish_hz 5) on a test clock at T0 / WALL0, rec registered,
 * the manual source started. */
void setup(Fixture *f, gconstpointer data);
void teardown(Fixture *f, gconstpointer data);
