/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Frame sources behind one interface.
 *
 * A driver (KnDriver) is a constant table of callbacks; a device (KnDevice)
 * is one open instance of it.  Nothing is a singleton: the daemon may open
 * a replay and a simulated sleeve side by side (the tests do).  The
 * drivers[] registry (kn_drivers) is walked by name from the
 * configuration's `[daemon] source=`.
 *
 * Life of a device, all on one thread and its thread-default GMainContext:
 *
 *     kn_device_open()   -> probe(), then open(): validate options, allocate
 *     kn_device_set_callbacks()
 *     kn_device_start()  -> start(): attach the sources that deliver frames
 *     ...                   frames arrive through callbacks->frames
 *     kn_device_stop()   -> stop(): detach every source; no callback after it
 *     kn_device_close()  -> close(): free; the callbacks' destroy notify runs
 *
 * Frames arrive in batches, the way a kernel IIO buffer fills: a timer-paced
 * source (simulated sleeve, replay) wakes once per batch period and hands
 * over every frame that is due by the monotonic clock (the options' clock,
 * clock/clock.h, so that a test can move it); an fd-driven source
 * (IIO buffer, GPIO line events) watches its file descriptor with
 * g_unix_fd_add()/g_source_add_unix_fd() and drains what is readable in one
 * dispatch.  No driver polls anything on a timer that has a file
 * descriptor.  A driver never blocks the main loop: a dispatch delivers at
 * most about one second of frames and yields.
 *
 * Drivers log at debug level only (G_LOG_DOMAIN "kneed-drivers"); failures
 * travel as GError (KN_DRIVER_ERROR) or through callbacks->finished.
 */
#pragma once

#include <glib.h>

#include "analysis/frame.h"
#include "analysis/params.h"
#include "clock/clock.h"
#include "drivers/flex-cal.h"
#include "drivers/iio-options.h"
#include "drivers/sim-model.h"

G_BEGIN_DECLS

#define KN_DRIVER_ERROR (kn_driver_error_quark())
GQuark kn_driver_error_quark(void);

typedef enum {
    KN_DRIVER_ERROR_FAILED,        /* anything else */
    KN_DRIVER_ERROR_NOT_FOUND,     /* no such hardware / file */
    KN_DRIVER_ERROR_INVALID,       /* options out of range, bad recording */
    KN_DRIVER_ERROR_IO,            /* read error on a running source */
} KnDriverError;

/* The sleeve's sensor groups, as the status reports them. */
typedef enum {
    KN_SENSOR_FLEX = 0,            /* flexion sensor across the joint */
    KN_SENSOR_THIGH,               /* thigh IMU (accelerometer + gyroscope) */
    KN_SENSOR_SHANK,               /* shank IMU */
    KN_SENSOR_COUNT
} KnSensorId;

/* "flex", "thigh", "shank"; NULL for an invalid id. */
const char *kn_sensor_id_to_string(KnSensorId id);

#define KN_SENSOR_ERROR_MAX 256
#define KN_SENSOR_DEVICE_MAX 192

/* What a sensor group is doing.  Timer-paced sources leave it ABSENT and
 * set present; the core reads that as STREAMING. */
typedef enum {
    KN_SENSOR_STATE_ABSENT = 0,    /* the source has no such sensor */
    KN_SENSOR_STATE_STREAMING,     /* delivering values */
    KN_SENSOR_STATE_FAILED,        /* configured but not delivering: last_error says why */
    KN_SENSOR_STATE_UNCALIBRATED,  /* delivering raw values that cannot be turned into degrees */
} KnSensorState;

/* "absent", "streaming", "failed", "uncalibrated". */
const char *kn_sensor_state_to_string(KnSensorState state);

typedef struct {
    gboolean present;              /* delivering values */
    double rate_hz;                /* nominal sample rate; 0 when absent */
    char last_error[KN_SENSOR_ERROR_MAX];  /* "" when none ever */
    KnSensorState state;
    double requested_hz;           /* the configured rate, 0 when the source has none */
    char device[KN_SENSOR_DEVICE_MAX];     /* the hardware found, "" when none */
} KnSensorStatus;

typedef struct {
    KnSensorStatus sensors[KN_SENSOR_COUNT];
    int battery_pct;               /* 0..100, -1 when the source has no battery */
    /* CLOCK_MONOTONIC microseconds (kn_clock_now() of the options'
     * clock) at which the source's t_s = 0 was sampled, when the source
     * runs in real time or at a fixed multiple of it (sample t_s was taken
     * at time_origin_us + t_s * 1e6 / speed); 0 when unknown or unpaced. */
    gint64 time_origin_us;
    double speed;                  /* pace: 1 real time, > 1 faster, 0 unpaced */
    /* The source knowingly delivers nothing until this CLOCK_MONOTONIC
     * time: every device failed and the next attempt to reopen one is then
     * (a back-off), or the next frame of a recording or of a slowed-down
     * simulation is due only then.  0 while frames are due every batch
     * period.  Set through kn_device_set_idle_until() when the silence will
     * last more than KN_DEVICE_QUIET_S; the daemon's watchdog tells a
     * meant silence from a stalled source by it (kneed(8)). */
    gint64 idle_until_us;
    /* The flexion sensor's calibration in use (n == 0: none, or the
     * source needs none) and whether it is the runner's own (kneectl
     * calibrate flex, kept in the state directory) or kneed.conf's. */
    KnFlexCal flex_cal;
    gboolean flex_cal_stored;
} KnDeviceStatus;

#define KN_DEVICE_QUIET_S 1.0

/* Per-source options.  The configuration (daemon/config.c) fills them;
 * each driver reads its own part.  A new driver adds its own member. */
typedef struct {
    /* The clock the source takes its time and timers from (the core's);
     * NULL: a system clock of its own.  A reference is held by the
     * options (kn_driver_options_copy/clear) and by an open device. */
    KnClock *clock;
    guint batch_ms;                /* delivery period of timer-paced sources, 1..1000 */
    enum kn_side side;

    /* "simulated" */
    struct kn_sim_config sim;      /* sim.side is overridden by side */
    double sim_speed;              /* 1 = real time; > 0 */
    double sim_battery_hours;      /* simulated battery life; 0 = no battery */

    /* "replay" */
    char *replay_file;             /* recording format v1 */
    double replay_speed;           /* 1 = real time, 0 = as fast as possible */
    gboolean replay_loop;          /* start over at the end (times keep increasing) */

    /* "iio" */
    KnIioOptions iio;
    /* kneed's state directory (daemon/state-dir.h), where the runner's
     * flexion-sensor calibration is kept; NULL: nothing is stored. */
    char *state_dir;
} KnDriverOptions;

void kn_driver_options_init(KnDriverOptions *opts);
void kn_driver_options_clear(KnDriverOptions *opts);
void kn_driver_options_copy(KnDriverOptions *dst, const KnDriverOptions *src);

typedef struct _KnDevice KnDevice;

/* The flexion sensor's raw ADC values over a window. */
typedef struct {
    guint n;                       /* samples */
    double mean, sd;               /* of the raw values */
    double t_first, t_last;        /* source time of the first and last */
    double full_scale;             /* largest raw magnitude the ADC channel gives */
    double rate_hz;                /* of the channel */
} KnFlexRawStats;

typedef struct {
    /* New frames in time order; t_s strictly increases within and across
     * batches.  The array is valid only during the call.  Required. */
    void (*frames)(KnDevice *dev, const struct kn_frame *frames, gsize n_frames,
                   gpointer user_data);
    /* kn_device_get_status() changed (sensor present or failed, rate,
     * battery, time origin).  May be NULL. */
    void (*status_changed)(KnDevice *dev, gpointer user_data);
    /* The source ended by itself: error NULL at a clean end (a replay
     * without loop), else why it failed.  The device is already stopped.
     * May be NULL. */
    void (*finished)(KnDevice *dev, const GError *error, gpointer user_data);
} KnDeviceCallbacks;

typedef struct {
    const char *name;              /* the value of [daemon] source= */
    const char *description;
    /* Can this source run here with these options (hardware present,
     * file readable)?  Cheap and without side effects.  May be NULL. */
    gboolean (*probe)(const KnDriverOptions *opts, GError **error);
    /* Allocates an instance: a struct whose first member is a KnDevice,
     * zero-initialised apart from what open() sets. */
    KnDevice *(*open)(const KnDriverOptions *opts, GError **error);
    /* Attaches the sources that deliver frames to the thread-default main
     * context. */
    gboolean (*start)(KnDevice *dev, GError **error);
    /* Detaches them.  Must be idempotent. */
    void (*stop)(KnDevice *dev);
    /* Frees the instance (after stop). */
    void (*close)(KnDevice *dev);
    /* Optional, sources with a flexion sensor read through an ADC: the raw
     * values since source time since_t (for a calibration), and a new
     * calibration (validated, stored, used from then on). */
    gboolean (*flex_raw_stats)(KnDevice *dev, double since_t, KnFlexRawStats *ret,
                               GError **error);
    gboolean (*set_flex_calibration)(KnDevice *dev, const KnFlexCal *cal, GError **error);
} KnDriver;

/* The instance header every driver embeds first.  Drivers fill status and
 * call the kn_device_emit_*() helpers; everyone else uses the functions
 * below. */
struct _KnDevice {
    const KnDriver *driver;
    KnDeviceStatus status;
    gboolean running;
    /* private to driver.c */
    KnDeviceCallbacks callbacks;
    gpointer user_data;
    GDestroyNotify destroy;
};

/* NULL-terminated registry of every built-in driver. */
extern const KnDriver *const kn_drivers[];

/* NULL when no driver has that name. */
const KnDriver *kn_driver_lookup(const char *name);

/* probe() then open().  Returns NULL and sets error on failure. */
KnDevice *kn_device_open(const KnDriver *driver, const KnDriverOptions *opts, GError **error);
/* Replaces the callbacks; the previous destroy notify runs. */
void kn_device_set_callbacks(KnDevice *dev, const KnDeviceCallbacks *callbacks,
                             gpointer user_data, GDestroyNotify destroy);
gboolean kn_device_start(KnDevice *dev, GError **error);
void kn_device_stop(KnDevice *dev);
/* Stops if needed, runs the destroy notify, frees.  Accepts NULL. */
void kn_device_close(KnDevice *dev);
const KnDeviceStatus *kn_device_get_status(const KnDevice *dev);
/* The driver's flex hooks; KN_DRIVER_ERROR_FAILED "not supported" when
 * it has none (a simulated sleeve, a replay). */
gboolean kn_device_flex_raw_stats(KnDevice *dev, double since_t, KnFlexRawStats *ret,
                                  GError **error);
gboolean kn_device_set_flex_calibration(KnDevice *dev, const KnFlexCal *cal, GError **error);
const char *kn_device_get_name(const KnDevice *dev);
gboolean kn_device_is_running(const KnDevice *dev);

/* For drivers. */
void kn_device_emit_frames(KnDevice *dev, const struct kn_frame *frames, gsize n_frames);
void kn_device_emit_status_changed(KnDevice *dev);
/* Stops the device, then reports the end. */
void kn_device_emit_finished(KnDevice *dev, const GError *error);
/* Sets status.idle_until_us (0: frames are due again) and tells the
 * status callback when it changed. */
void kn_device_set_idle_until(KnDevice *dev, gint64 monotonic_us);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(KnDevice, kn_device_close)

G_END_DECLS
