/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The core's insides, shared by core.c (sources, frames, publishers,
 * calibration) and core-control.c (the other control functions). */
#pragma once

#include "daemon/core.h"
#include "daemon/publisher.h"
#include "daemon/session.h"

typedef struct {
    guint id;
    const KnPublisherOps *ops;
    gpointer data;
    GDestroyNotify destroy;
    gboolean removed;
} Publisher;

struct _KnCore {
    KnCoreOptions opts;           /* opts.clock unused: see clock */
    KnClock *clock;
    guint clock_handler;
    struct kn_analysis *analysis;
    KnDevice *device;
    KnCoreStatus status;
    char *source_name;

    GPtrArray *publishers;        /* Publisher*, in registration order */
    guint next_publisher_id;
    guint dispatching;            /* nesting depth of publisher iterations */
    gboolean prune;               /* removed publishers wait for the end of it */

    gboolean in_batch;
    KnChange pending;             /* status changes to tell at the end of the batch */
    gint64 batch_arrival_us;
    gint64 next_live_us;
    double published_live_t;      /* live.t_s last published */
    gint64 last_frames_us;        /* last batch, or the source's start */

    gboolean battery_external;    /* kn_core_set_battery: the source's is not used */

    double stream_first_t;        /* first frame since the source started; NaN before */
    double last_reject_t;         /* NaN when none */
    char sensor_error[KN_SENSOR_COUNT][KN_SENSOR_ERROR_MAX];

    KnSessionStats session;

    GPtrArray *calibrations;      /* GTask*, all answered by one calibration */
    double calibration_start_t;
    KnTimer *calibration_timer;

    KnTimer *pairing_timer;
    gint64 pairing_deadline_us;   /* monotonic end of the open window */

    GArray *pain_marks;           /* KnPainMark, oldest first, at most KN_PAIN_MARKS_MAX */
    guint64 last_mark_id;

    GPtrArray *flex_measures;     /* GTask* of kn_core_measure_flex_async() (core-flex.c) */
    GArray *tapped;               /* struct kn_frame: a batch for KnPublisherOps.frames */
};

void kn_core_publishers_begin(KnCore *c);
void kn_core_publishers_end(KnCore *c);
/* The i-th publisher if it is still registered, else NULL. */
Publisher *kn_core_publisher_at(KnCore *c, guint i);
/* Tells publishers at once, or at the end of the batch being processed. */
void kn_core_mark_changed(KnCore *c, KnChange what);
/* Numbers, stamps and hands an alert to every publisher. */
void kn_core_emit_alert(KnCore *c, KnAlertEvent *ev);
/* The core's clock changed its mapping (core-control.c). */
void kn_core_on_clock_changed(KnClock *clock, const KnClockChange *change, gpointer user_data);
/* The pairing window's time is up (core-control.c). */
void kn_core_pairing_timeout(KnTimer *timer, gpointer user_data);
/* Answers every flex measurement in flight with this error. */
void kn_core_flex_cancel(KnCore *c, GQuark domain, int code, const char *message);
