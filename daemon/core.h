/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The core of kneed: the one object every publisher talks to.
 *
 * It owns the frame source (a KnDevice, drivers/driver.h), the analysis
 * (struct kn_analysis), the alert sequence numbers, the session, the
 * sensors' status, the battery level, the wall clock offset, cadence
 * coaching and the pairing-window request.  Publishers (the D-Bus API, the
 * BLE GATT application, haptics, the session store) register a table of
 * callbacks (daemon/publisher.h) to hear about metrics, strides, alerts
 * and status changes, and call the control functions below.
 *
 *   driver --frames--> core --push--> analysis --stride/alert--> core
 *                        |                                        |
 *                        +---- live (throttled), status ----------+--> publishers
 *
 * Time: the core has one clock (clock/clock.h, KnCoreOptions.clock), and
 * so do its source, its timers and the publishers that ask for it
 * (kn_core_get_clock).  Every time is CLOCK_MONOTONIC; wall times are made
 * from it through the clock's one mapping when something is stamped, and
 * keep their value when the mapping later changes (KnPublisherOps.clock).
 *
 * Everything runs on the thread that created the core, from its
 * thread-default GMainContext.  Control functions never block; they
 * validate everything first and change nothing on error (GError in the
 * KN_ERROR domain, daemon/error.h).  An alert reaches every publisher in
 * the same main-loop dispatch as the batch of frames that raised it.
 */
#pragma once

#include <gio/gio.h>

#include "analysis/analysis.h"
#include "clock/clock.h"
#include "daemon/error.h"
#include "drivers/driver.h"

G_BEGIN_DECLS

typedef struct _KnCore KnCore;

typedef enum {
    KN_STATE_IDLE = 0,     /* no source delivering frames */
    KN_STATE_STREAMING,    /* frames flowing, every sensor of the source healthy */
    KN_STATE_DEGRADED,     /* frames flowing, but a sensor failed or frames are rejected */
    KN_STATE_CALIBRATING,  /* a calibration is collecting its still window */
} KnState;

const char *kn_state_to_string(KnState state);   /* "idle", "streaming", ... */

typedef enum {
    KN_PAIN_FRONT = 0,     /* front of the knee (around the kneecap) */
    KN_PAIN_OUTSIDE,       /* lateral side */
    KN_PAIN_INSIDE,        /* medial side */
    KN_PAIN_BACK,          /* back of the knee */
} KnPainLocation;

typedef enum {
    KN_PAIN_AT_START = 0,  /* at the start of the run */
    KN_PAIN_DURING,        /* during the run */
    KN_PAIN_AFTER,         /* after the run */
} KnPainTiming;

/* "front", "outside", "inside", "back" / "start", "during", "after". */
const char *kn_pain_location_to_string(KnPainLocation location);
gboolean kn_pain_location_from_string(const char *s, KnPainLocation *ret);
const char *kn_pain_timing_to_string(KnPainTiming timing);
gboolean kn_pain_timing_from_string(const char *s, KnPainTiming *ret);

#define KN_PAIN_SCORE_MAX 10
#define KN_PAIN_RED_FLAG_ABOVE 7     /* a score above this raises a critical alert */
#define KN_PAIN_NOTE_MAX 256         /* bytes of UTF-8 */

typedef struct {
    guint score;                 /* 0..10 */
    KnPainLocation location;
    KnPainTiming timing;
    const char *note;            /* UTF-8, may be "" */
    gint64 wall_us;              /* when it was reported (kn_core_get_wall_clock); for
                                  * a scored mark, when the mark was made */
    guint64 session_id;          /* 0 outside a session */
    guint64 mark_id;             /* the pain mark it scores, 0 for a direct report */
} KnPainReport;

/* A moment of pain marked without a score (the sleeve's button: the
 * runner cannot stop to type), scored later from a phone or kneectl. */
typedef struct {
    guint64 id;                  /* 1, 2, ... never reused while kneed runs */
    gint64 wall_us;              /* when it hurt, by the mapping when it was marked */
    gint64 monotonic_us;         /* the same moment on CLOCK_MONOTONIC (the core's clock) */
    guint64 session_id;          /* 0 outside a session */
    gboolean scored;
} KnPainMark;

#define KN_PAIN_MARKS_MAX 64         /* marks the core keeps (scored or not) */
#define KN_PAIN_MARK_MAX_AGE_S 3600  /* a mark dated further back is refused */

/* The parts of the sleeve's own I/O (sleeve/), as bits. */
typedef enum {
    KN_SLEEVE_PART_BUTTON = 1u << 0,
    KN_SLEEVE_PART_HAPTIC = 1u << 1,
    KN_SLEEVE_PART_LED    = 1u << 2,
} KnSleevePart;

/* "button", "haptic", "led"; NULL for anything else. */
const char *kn_sleeve_part_to_string(KnSleevePart part);

/* One alert as publishers receive it. */
typedef struct {
    guint64 seq;                 /* 1, 2, ... in raising order; never reused in a run */
    gint64 wall_us;              /* wall clock when raised (kn_core_get_wall_clock): kept
                                  * as it was when the mapping changes later */
    gint64 sample_monotonic_us;  /* CLOCK_MONOTONIC of the triggering sample; 0 unknown */
    gint64 batch_monotonic_us;   /* arrival of the batch that raised it; 0 for pain */
    guint64 session_id;          /* 0 outside a session */
    struct kn_alert alert;       /* kind, severity, t_s, value, threshold, unit, message */
    const KnPainReport *pain;    /* for KN_ALERT_PAIN only, else NULL */
} KnAlertEvent;

typedef struct {
    KnState state;
    const char *source;          /* driver name ("simulated", "replay"), "" when none */
    enum kn_side side;
    KnSensorStatus sensors[KN_SENSOR_COUNT];
    int battery_pct;             /* 0..100, -1 unknown: the board's (kn_core_set_battery)
                                  * when it has one, else the source's */
    gboolean battery_charging;
    gboolean battery_failed;     /* the board's battery could not be read */
    gint64 time_origin_us;       /* see KnDeviceStatus */
    double speed;                /* pace of the source, 0 unpaced */
    guint batch_ms;
    double publish_hz;
    guint64 frames;              /* accepted since start-up */
    guint64 frames_rejected;     /* failed kn_frame_check or went back in time */

    gboolean session_active;
    guint64 session_id;          /* last session started, 0 before the first */
    gint64 session_start_wall_us;

    double coaching_target_spm;  /* 0 when coaching is off */

    gboolean pairing_window_open;
    /* By the mapping in force: it follows a change of the mapping (the
     * window's length does not change).  0 when closed. */
    gint64 pairing_window_end_wall_us;

    /* The wall clock was set since kneed started: by a client
     * (kn_core_set_wall_clock) or by a step of the system clock. */
    gboolean wall_clock_set;
    KnWallSource wall_clock_source;      /* whose time the mapping is */
    gint64 wall_offset_us;       /* kn_core_get_wall_clock() − CLOCK_MONOTONIC, µs */
    guint64 alerts_raised;       /* == seq of the latest alert */

    guint pain_marks_unscored;   /* of the marks kept */

    guint32 sleeve_parts;        /* KnSleevePart bits configured (0: no GPIO) */
    guint32 sleeve_failed;       /* of those, the ones failing now */
} KnCoreStatus;

/* What changed, for KnPublisherOps.status. */
typedef enum {
    KN_CHANGED_STATE    = 1u << 0,   /* state, source, speed, time origin, batch, publish rate */
    KN_CHANGED_SENSORS  = 1u << 1,
    KN_CHANGED_BATTERY  = 1u << 2,
    KN_CHANGED_SESSION  = 1u << 3,
    KN_CHANGED_COACHING = 1u << 4,
    KN_CHANGED_PAIRING  = 1u << 5,
    KN_CHANGED_PARAMS   = 1u << 6,   /* thresholds or side */
    KN_CHANGED_CLOCK    = 1u << 7,
    KN_CHANGED_PAIN_MARKS = 1u << 8,
    KN_CHANGED_SLEEVE   = 1u << 9,   /* sleeve_parts, sleeve_failed */
    KN_CHANGED_ALL      = 0x3ffu,
} KnChange;

typedef struct {
    struct kn_params params;     /* thresholds and side */
    guint batch_ms;              /* published in the status; the driver options carry it */
    double publish_hz;           /* live metrics rate, > 0 */
    /* The clock of the core, its sources and timers (a test clock in the
     * unit tests); NULL: the system's.  Read by kn_core_new() only, which
     * takes a reference. */
    KnClock *clock;
} KnCoreOptions;

void kn_core_options_init(KnCoreOptions *opts);

/* Returns NULL with error if the options do not validate. */
KnCore *kn_core_new(const KnCoreOptions *opts, GError **error);
/* Stops and closes the source, runs every publisher's destroy notify.
 * Accepts NULL. */
void kn_core_free(KnCore *core);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(KnCore, kn_core_free)

/* --- Source (main.c) --- */

/* Opens and starts a source, replacing the current one (which is stopped
 * and closed first).  On error the core is left without a source. */
gboolean kn_core_set_source(KnCore *core, const KnDriver *driver,
                            const KnDriverOptions *opts, GError **error);
void kn_core_clear_source(KnCore *core);
/* Applies new options (configuration reload): thresholds/side through
 * kn_core_set_params(), publish rate at once. */
gboolean kn_core_set_options(KnCore *core, const KnCoreOptions *opts, GError **error);

/* --- Reading --- */

const KnCoreStatus *kn_core_get_status(KnCore *core);
/* The latest live state of the analysis (updated every batch; publishers
 * get it throttled through KnPublisherOps.live). */
const struct kn_live *kn_core_get_live(KnCore *core);
const struct kn_params *kn_core_get_params(KnCore *core);
/* Wall clock: microseconds since the Unix epoch by kneed's mapping, the
 * clock's CLOCK_MONOTONIC plus the offset that the system clock gave at
 * start-up, that a client set (kn_core_set_wall_clock), or that a step of
 * the system clock gave since; status.wall_offset_us. */
gint64 kn_core_get_wall_clock(KnCore *core);
/* The core's clock: publishers take their time and timers from it. */
KnClock *kn_core_get_clock(KnCore *core);

/* --- Liveness (the watchdog, daemon/sd.c) --- */

/* Frames must reach the core at least this often, unless the source is
 * legitimately idle.  The slowest driver to notice a silent device (IIO:
 * one second of silence) has then long said so. */
#define KN_CORE_STALL_S 5

typedef enum {
    KN_LIVENESS_STREAMING = 0,   /* frames arrived (or the source started) less than
                                  * KN_CORE_STALL_S ago */
    KN_LIVENESS_NO_SOURCE,       /* idle: no source runs (none started yet, it could not
                                  * start, it ended, or it failed and stopped) */
    KN_LIVENESS_QUIET,           /* idle: the source said it delivers nothing until a time
                                  * (KnDeviceStatus.idle_until_us), not KN_CORE_STALL_S past */
    KN_LIVENESS_STALLED,         /* the source runs, sent nothing for KN_CORE_STALL_S and
                                  * said nothing: wedged */
} KnLiveness;

const char *kn_liveness_to_string(KnLiveness liveness);   /* "streaming", "no-source", ... */

/* Whether the data path is alive now; *ret_silent_us (may be NULL): since
 * the last batch of frames, or since the source started. */
KnLiveness kn_core_get_liveness(KnCore *core, gint64 *ret_silent_us);

/* --- Control (every publisher) --- */

/* Zero the extension: the wearer stands straight and still.  Waits for a
 * fresh second of frames (state "calibrating"), then calibrates on it.
 * Fails with NO_DATA when not streaming or without a knee angle,
 * NOT_STILL when the leg moved, TIMED_OUT when frames stop, IN_PROGRESS
 * is never returned: concurrent callers share the one calibration. */
void kn_core_calibrate_async(KnCore *core, GCancellable *cancellable,
                             GAsyncReadyCallback callback, gpointer user_data);
gboolean kn_core_calibrate_finish(KnCore *core, GAsyncResult *result,
                                  struct kn_calibration *ret_calibration, GError **error);

/* The flexion sensor's calibration (daemon/core-flex.c).  Measure: the
 * wearer holds a pose; after one second the mean raw ADC value (and its
 * spread) is returned.  NOT_SUPPORTED without a flexion sensor on an ADC
 * (a simulated sleeve, a replay), NO_DATA when it is not streaming,
 * NOT_STILL when the value moved by more than 0.25 % of the ADC's range. */
void kn_core_measure_flex_async(KnCore *core, GCancellable *cancellable,
                                GAsyncReadyCallback callback, gpointer user_data);
gboolean kn_core_measure_flex_finish(KnCore *core, GAsyncResult *result,
                                     KnFlexRawStats *ret_stats, GError **error);
/* Validates (INVALID_ARGUMENT naming the fault), stores it in the state
 * directory and uses it from then on (FAILED when it cannot be stored). */
gboolean kn_core_set_flex_calibration(KnCore *core, const KnFlexCal *cal, GError **error);
/* The calibration in use; *ret_stored TRUE when it is the runner's own.
 * NOT_SUPPORTED without a flexion sensor on an ADC. */
gboolean kn_core_get_flex_calibration(KnCore *core, KnFlexCal *ret_cal, gboolean *ret_stored,
                                      GError **error);

/* Sessions: a labelled interval of the stream; the analysis keeps running
 * across them.  SESSION_ACTIVE / NO_SESSION on misuse. */
gboolean kn_core_start_session(KnCore *core, guint64 *ret_session_id, GError **error);
/* ret_summary (may be NULL) covers the session only. */
gboolean kn_core_stop_session(KnCore *core, struct kn_summary *ret_summary, GError **error);

/* Validates score (0..10, OUT_OF_RANGE), note (valid UTF-8 of at most
 * KN_PAIN_NOTE_MAX bytes, INVALID_ARGUMENT), records the report and tells
 * publishers; a score above 7 also raises a critical "pain" alert whose
 * seq goes to *ret_alert_seq (0 when none; may be NULL). */
gboolean kn_core_report_pain(KnCore *core, guint score, KnPainLocation location,
                             KnPainTiming timing, const char *note,
                             guint64 *ret_alert_seq, GError **error);

/* Marks a moment of pain with no score: at monotonic_us (CLOCK_MONOTONIC,
 * the press of the button; 0: now), which must not lie in the future nor
 * more than KN_PAIN_MARK_MAX_AGE_S back (OUT_OF_RANGE).  Publishers hear
 * it (KnPublisherOps.pain_mark).  The core keeps the latest
 * KN_PAIN_MARKS_MAX marks for kn_core_get_pain_marks(); an older one is
 * forgotten (logged; publishers that keep history, the store, have heard
 * it already). */
gboolean kn_core_mark_pain(KnCore *core, gint64 monotonic_us, guint64 *ret_mark_id,
                           GError **error);
/* Scores a mark: the same checks and effects as kn_core_report_pain(), the
 * report dated at the mark and carrying its id and session.  NOT_FOUND
 * when no mark kept has that id or it is already scored. */
gboolean kn_core_score_pain_mark(KnCore *core, guint64 mark_id, guint score,
                                 KnPainLocation location, KnPainTiming timing, const char *note,
                                 guint64 *ret_alert_seq, GError **error);
/* The marks kept, oldest first; valid until the next mark. */
const KnPainMark *kn_core_get_pain_marks(KnCore *core, guint *ret_n);

/* The sleeve's I/O says which parts it drives and which fail now. */
void kn_core_set_sleeve_io(KnCore *core, guint32 parts, guint32 failed);

/* The board's battery (daemon/battery.h) in place of the source's, until
 * kn_core_unset_battery(): percent 0..100 (clamped), -1 unknown; failed
 * when it could not be read.  Publishers hear KN_CHANGED_BATTERY: every
 * one of them shows this one value. */
void kn_core_set_battery(KnCore *core, int percent, gboolean charging, gboolean failed);
void kn_core_unset_battery(KnCore *core);

typedef struct {
    const char *key;             /* "hyperextension.angle_deg" (analysis/params.h) */
    double value;
} KnThresholdUpdate;

/* All or nothing: every key known (UNKNOWN_KEY), every value in range
 * (OUT_OF_RANGE), the whole set consistent (kn_params_validate,
 * OUT_OF_RANGE naming the key).  The error message names the key. */
gboolean kn_core_set_thresholds(KnCore *core, const KnThresholdUpdate *updates, gsize n_updates,
                                GError **error);
/* The same for one parameter by id (the GATT protocol numbers them). */
gboolean kn_core_set_param(KnCore *core, enum kn_param_id id, double value, GError **error);
/* Replaces every parameter and the side. */
gboolean kn_core_set_params(KnCore *core, const struct kn_params *params, GError **error);

/* Sets the wall clock (the board may have no RTC; a phone knows the time):
 * the mapping becomes the client's until a later set or a step of the
 * system clock (docs/dbus-api.md, "Time").  unix_us must lie in 2020..2100
 * (OUT_OF_RANGE).  Publishers hear KnPublisherOps.clock, then the status
 * (KN_CHANGED_CLOCK). */
gboolean kn_core_set_wall_clock(KnCore *core, gint64 unix_us, GError **error);

/* Asks the sleeve to buzz so the wearer can find it: duration 1..10000 ms
 * (OUT_OF_RANGE).  Publishers that drive an actuator act on
 * KnPublisherOps.identify. */
gboolean kn_core_identify(KnCore *core, guint duration_ms, GError **error);

/* Cadence coaching towards target_spm (120..220, OUT_OF_RANGE); stop is a
 * no-op when off. */
gboolean kn_core_start_coaching(KnCore *core, double target_spm, GError **error);
void kn_core_stop_coaching(KnCore *core);

/* Opens the window in which new BLE bonds are accepted, for 1..600 s
 * (OUT_OF_RANGE); opening it again extends it.  The core closes it when
 * the time is up; the BLE publisher may close it early (one bond made). */
gboolean kn_core_open_pairing_window(KnCore *core, guint seconds, GError **error);
void kn_core_close_pairing_window(KnCore *core);

G_END_DECLS
