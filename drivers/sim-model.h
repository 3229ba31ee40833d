/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The simulated sleeve: a two-segment (thigh, shank) sagittal leg model
 * whose segment angles follow published walking and running kinematics,
 * with IMU and flex-sensor signals derived from the same motion:
 *   gyro  = segment angular velocity (+ bias + noise)
 *   accel = gravity in the segment frame + the sensor's own linear
 *           acceleration (+ an impact transient at foot strike + noise)
 *   flex  = true knee angle (+ sleeve zero drift + noise)
 * plus a small frontal-plane (varus/valgus) motion.  Deterministic for a
 * given seed.  Pure C: no GLib, no I/O.
 *
 * A run is a list of activity blocks (stand, walk, run) and scripted
 * events at given times.  The truth — true knee angle, true initial
 * contacts and toe-offs, the window in which each scripted event should
 * be detected — comes out beside every frame.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "analysis/frame.h"
#include "analysis/params.h"

enum kn_sim_activity {
    KN_SIM_STAND = 0,
    KN_SIM_WALK,
    KN_SIM_RUN,
};

struct kn_sim_block {
    enum kn_sim_activity activity;
    double duration_s;
    double cadence_spm;           /* steps/min; ignored when standing */
    double speed_mps;             /* ignored when standing */
};

enum kn_sim_event_kind {
    KN_SIM_EVENT_HYPEREXTENSION = 0,  /* knee driven past straight fast */
    KN_SIM_EVENT_GIVING_WAY,          /* flexion collapse + valgus in one stance */
    KN_SIM_EVENT_RANGE_LOSS,          /* peak flexion / extension lost progressively */
    KN_SIM_EVENT_LOCKING,             /* knee cannot straighten for a while */
    KN_SIM_EVENT_SLEEVE_SLIP,         /* flex-sensor zero drifts (not a knee event) */
    KN_SIM_EVENT_KIND_COUNT
};

struct kn_sim_event {
    enum kn_sim_event_kind kind;
    double t_s;                   /* onset */
    double duration_s;            /* ramp time (range loss, slip) or hold time */
    double magnitude_deg;         /* depth past straight, collapse depth, degrees lost,
                                     extension deficit, zero shift */
    double speed_dps;             /* hyperextension: angular speed into it */
    double valgus_deg;            /* giving way: valgus excursion of the shank */
};

#define KN_SIM_MAX_BLOCKS 32
#define KN_SIM_MAX_EVENTS 1024

/* Blocks last at least this long; consecutive blocks blend over
 * KN_SIM_BLEND_S centred on their boundary. */
#define KN_SIM_MIN_BLOCK_S 2.0
#define KN_SIM_BLEND_S 1.5
#define KN_SIM_MIN_RATE_HZ 100.0
#define KN_SIM_MAX_RATE_HZ 1000.0

struct kn_sim_config {
    double rate_hz;               /* 100 .. 1000 */
    enum kn_side side;
    uint64_t seed;
    uint32_t sensors;             /* enum kn_sensor_bits to produce */
    double noise;                 /* scale of every noise term, 0 = ideal sensors, 1 = typical MEMS */
    double gyro_bias_rads;        /* max |bias| per axis, drawn from the seed (and
                                     scaled by noise) */
    double impact_g;              /* peak impact transient at the shank while
                                     running (walking: 0.22 of it) */
    double frontal_deg;           /* amplitude of the normal varus/valgus motion */
    double variability;           /* scale of the stride-to-stride variability and the
                                     standing sway, 0 = every stride identical */
    bool repeat;                  /* loop the blocks forever (daemon); the scripted
                                     events happen in the first pass only */
    size_t n_blocks;
    struct kn_sim_block blocks[KN_SIM_MAX_BLOCKS];
    size_t n_events;
    struct kn_sim_event events[KN_SIM_MAX_EVENTS];
};

/* Truth for one frame.  A step counts (initial_contact, then toe_off)
 * only when the gait weight is at least 0.5, so that the half-formed steps
 * of a blend from or into standing are not counted; `contact` is the
 * foot's state whatever the weight. */
struct kn_sim_truth {
    double t_s;
    double knee_deg;
    double thigh_deg;
    double shank_deg;
    enum kn_sim_activity activity;
    double cadence_spm;           /* 0 when standing */
    bool contact;                 /* foot on the ground (always while standing) */
    bool initial_contact;         /* this frame is the first of a stance */
    bool toe_off;                 /* this frame is the first of a swing */
    double event_t_s;             /* exact time of the flagged initial contact or
                                     toe-off (between the previous frame and this
                                     one), NaN on other frames */
    double phase;                 /* gait cycle phase in [0, 1), 0 at initial
                                     contact; NaN while standing still */
    double gait_weight;           /* 0 standing .. 1 walking/running; blends */
    double speed_mps;
    double thigh_frontal_deg;     /* frontal angles about the segments' x axes, with */
    double shank_frontal_deg;     /*   the right leg's sign on either leg: shank
                                     valgus < 0 */
    double flex_offset_deg;       /* sleeve-slip zero shift in the flex sensor */
    double thigh_imu_pos[3];      /* sensor positions, m, world frame: x forward, */
    double shank_imu_pos[3];      /*   y up, z to the body's right */
};

/* The window in which the analysis should report a scripted event, and
 * which alert kind it should raise (-1 for a sleeve slip, which must
 * raise nothing). */
struct kn_sim_window {
    enum kn_sim_event_kind kind;
    int expect_alert;             /* enum kn_alert_kind, or -1 */
    double start_s;
    double end_s;
};

/* Defaults: 200 Hz, right leg, seed 1, all sensors, noise 1, gyro bias
 * up to 0.02 rad/s, impact 8 g, frontal motion 2 deg, variability 1;
 * blocks stand 5 s, run 300 s at 170 spm / 3.3 m/s, stand 5 s; no events.
 * To script other blocks, set n_blocks to 0 and add them. */
void kn_sim_config_init(struct kn_sim_config *c);

/* Parses "run:DURATION[:CADENCE[:SPEED]]", "walk:...", "stand:DURATION"
 * (seconds, steps/min, m/s; cadence and speed default to 170 spm and
 * 3.3 m/s running, 110 spm and 1.3 m/s walking) and appends the block.  Returns 0 or -EINVAL / -E2BIG with a message in
 * err (err_len bytes, may be 0). */
int kn_sim_config_add_block(struct kn_sim_config *c, const char *spec,
                            char *err, size_t err_len);

/* Parses "KIND@TIME[:key=value,...]" with KIND one of hyperextension,
 * giving_way, range_loss, locking, sleeve_slip and keys depth (or deg),
 * speed (hyperextension), valgus (giving_way), duration (range_loss,
 * locking, sleeve_slip); appends the event with the kind's defaults for
 * the keys not given (docs/simulator.md).  Returns 0 or -EINVAL / -E2BIG. */
int kn_sim_config_add_event(struct kn_sim_config *c, const char *spec,
                            char *err, size_t err_len);

/* Checks ranges (rate 100..1000 Hz, cadence, speed, events inside the
 * run, ...).  Returns 0 or -EINVAL with a message. */
int kn_sim_config_validate(const struct kn_sim_config *c, char *err, size_t err_len);

struct kn_sim;

/* Returns NULL if the config does not validate or on allocation failure. */
struct kn_sim *kn_sim_new(const struct kn_sim_config *c);
void kn_sim_free(struct kn_sim *s);

/* Total duration of one pass over the blocks. */
double kn_sim_duration(const struct kn_sim *s);

/* Produces the next frame in *ret_frame (never NULL) and its truth when
 * ret_truth is not NULL.
 * Returns false at the end of the run (never when repeating). */
bool kn_sim_next(struct kn_sim *s, struct kn_frame *ret_frame, struct kn_sim_truth *ret_truth);

/* The detection windows of the scripted events, in time order. */
size_t kn_sim_windows(const struct kn_sim *s, const struct kn_sim_window **ret_windows);

const char *kn_sim_event_kind_to_string(enum kn_sim_event_kind kind);
/* The alert kind the analysis should raise for an event (enum
 * kn_alert_kind), -1 for a sleeve slip. */
int kn_sim_event_expected_alert(enum kn_sim_event_kind kind);
const char *kn_sim_activity_to_string(enum kn_sim_activity activity);

/* Parses a comma-separated list of flex, thigh, shank, thigh-accel,
 * thigh-gyro, shank-accel, shank-gyro, all into enum kn_sensor_bits.
 * Returns 0 or -EINVAL with a message. */
int kn_sim_sensors_from_string(const char *list, uint32_t *ret_sensors, char *err, size_t err_len);

/* Writes the spec string of a block or event ("run:300:170:3.3",
 * "hyperextension@120:depth=12,speed=400") that the parsers above read
 * back to the same values.  Returns the length snprintf would write. */
int kn_sim_block_format(const struct kn_sim_block *b, char *buf, size_t len);
int kn_sim_event_format(const struct kn_sim_event *e, char *buf, size_t len);
