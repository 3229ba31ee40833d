/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * State of the simulated sleeve, shared by drivers/sim-model.c (blocks,
 * phase, signal synthesis) and drivers/sim-events.c (scripted events).
 * Not a public header.
 */
#pragma once

#include "drivers/sim-gait.h"
#include "drivers/sim-model.h"
#include "drivers/sim-rng.h"

#define KN_SIM_DEG (M_PI / 180.0)

/* Smooth random processes for the stride-to-stride variability: uniform
 * cubic B-splines through random knots every KN_SIM_VAR_KNOT_S. */
enum kn_sim_var_channel {
    KN_SIM_VAR_RATE = 0,      /* relative change of the stride frequency */
    KN_SIM_VAR_SWING,         /* deg added to the swing flexion peak */
    KN_SIM_VAR_STANCE,        /* deg added to the stance flexion peak */
    KN_SIM_VAR_COUNT
};
#define KN_SIM_VAR_KNOT_S 0.5

struct kn_sim_block_state {
    double start_s;           /* within a pass */
    double end_s;
    struct kn_sim_gait gait;  /* walk and run blocks */
};

enum kn_sim_event_state {
    KN_SIM_EV_PENDING = 0,    /* before its time */
    KN_SIM_EV_ARMED,          /* waiting for its moment in the gait cycle */
    KN_SIM_EV_ACTIVE,
    KN_SIM_EV_DONE,
};

struct kn_sim_event_run {
    enum kn_sim_event_state state;
    double t0;                /* start of the shaped motion */
    double rise_s, hold_s, fall_s;
    bool window_open;         /* hyperextension: knee went below -5 deg */
    bool toe_off_seen;        /* giving way: its stance ended */
};

/* What happened in the gait between the previous frame and this one,
 * for the events that wait for a moment of the cycle. */
struct kn_sim_moment {
    double t_s;
    double gait_weight;
    bool late_swing;          /* crossed the terminal-swing extension */
    bool initial_contact;     /* a counted initial contact */
    double ic_t_s;
    bool toe_off;             /* any toe-off */
    double to_t_s;
    const struct kn_sim_gait *gait;  /* the dominant gait, NULL standing */
    double phase;             /* cycle phase, [0, 1) */
    double freq_hz;           /* stride frequency now */
};

struct kn_sim {
    struct kn_sim_config cfg;
    struct kn_sim_template walk_tpl, run_tpl;
    struct kn_sim_block_state blocks[KN_SIM_MAX_BLOCKS];
    double pass_s;            /* one pass over the blocks */
    double dt;
    uint64_t frame;           /* index of the next frame */
    uint64_t pass_frames;     /* frames in the run (without repeat) */

    /* Where we are in the blocks. */
    size_t block;
    uint64_t pass;

    /* Gait cycle. */
    bool gait_active;         /* not fully standing */
    double phase;             /* cycles since the gait started, continuous */
    double freq_prev;         /* stride frequency at the previous frame */
    bool stance;
    bool counted_stance;      /* the current stance began with a counted contact */
    double last_ic_s;         /* for the impact transient */
    double last_impact;       /* its amplitude, m/s^2 */
    double hip_x;             /* forward position, m */
    double speed_prev;

    struct kn_rng gait_rng;   /* gait variability: independent of the noise */
    struct kn_rng noise_rng;
    double var_t0;            /* start of the current knot interval */
    double var_c[KN_SIM_VAR_COUNT][4];
    double var_prev_white;
    double sway_phase[3];

    double thigh_bias[3], shank_bias[3];
    double impact_norm;       /* 1 / peak of the unit impact shape */

    /* Scripted events, in config order; order[] sorts them by time. */
    struct kn_sim_event_run ev[KN_SIM_MAX_EVENTS];
    size_t order[KN_SIM_MAX_EVENTS];
    size_t next_event;        /* next in order[] still pending */
    size_t active[KN_SIM_MAX_EVENTS];
    size_t n_active;
    double lost_range_deg;    /* range loss whose ramp is over */
    double slip_deg;          /* sleeve slips that are over */
    struct kn_sim_window windows[KN_SIM_MAX_EVENTS];         /* config order */
    struct kn_sim_window sorted_windows[KN_SIM_MAX_EVENTS];  /* time order */
};

/* drivers/sim-events.c */
void kn_sim_events_init(struct kn_sim *s);
/* Arms the events due by t and returns the range lost by then (deg). */
struct kn_jet kn_sim_events_range_loss(struct kn_sim *s, double t);
/* Applies locking, giving way and hyperextension to the knee and the
 * shank's frontal angle (radians); returns the flex sensor's zero shift
 * (deg). */
double kn_sim_events_apply(struct kn_sim *s, const struct kn_sim_moment *m,
                           struct kn_jet *knee, struct kn_jet *shank_frontal);
/* True once every hyperextension and giving way has its window. */
bool kn_sim_events_resolved(const struct kn_sim *s);
