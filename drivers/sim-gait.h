/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Gait kinematics of the simulated sleeve (internal to drivers/sim-*.c):
 * thigh and knee sagittal angles over the gait cycle as periodic C2 cubic
 * splines through keypoints shaped after published curves, scaled for
 * speed and cadence.  See docs/simulator.md for the sources.
 */
#pragma once

#include "drivers/sim-jet.h"
#include "drivers/sim-model.h"

#define KN_SIM_MAX_KNOTS 20

/* Curves of a template.  The knee is the base curve plus "modes" scaled
 * at run time: because a spline is linear in its keypoint values, a sum
 * of splines on the same knots is the spline of the summed keypoints. */
enum kn_sim_curve {
    KN_SIM_CURVE_THIGH = 0,
    KN_SIM_CURVE_KNEE,
    KN_SIM_CURVE_SWING,       /* 1 at the swing flexion peak, 0 in stance */
    KN_SIM_CURVE_STANCE,      /* 1 at the stance flexion peak, 0 in swing */
    KN_SIM_CURVE_EXTENSION,   /* 1 where the knee is most extended */
    KN_SIM_CURVE_COUNT
};

struct kn_sim_template {
    int n;                                     /* knots in [0, 1) */
    double x[KN_SIM_MAX_KNOTS + 1];            /* x[n] = 1 closes the period */
    double y[KN_SIM_CURVE_COUNT][KN_SIM_MAX_KNOTS + 1];
    double m[KN_SIM_CURVE_COUNT][KN_SIM_MAX_KNOTS + 1];  /* second derivatives */
    double stance_end;                         /* template phase of toe-off */
    double loading_end;                        /* the stance flexion peak lies before */
    double thigh_mean;                         /* deg */
    double late_swing_min;                     /* template phase of the terminal-swing extension */
};

/* Walking and running templates, built once per simulator. */
void kn_sim_template_build_walk(struct kn_sim_template *t);
void kn_sim_template_build_run(struct kn_sim_template *t);

/* The gait of one walking or running block. */
struct kn_sim_gait {
    enum kn_sim_activity activity;
    const struct kn_sim_template *tpl;
    double cadence_spm;
    double freq_hz;            /* strides per second = cadence / 120 */
    double speed_mps;
    double duty;               /* stance fraction of the cycle */
    double warp_c;             /* phase warp: psi = phi + c sin(2 pi phi) */
    double thigh_scale;        /* thigh excursion about its mean */
    double swing_coef;         /* weight of the swing mode in the knee */
    double stance_coef;        /* weight of the stance mode in the knee */
    double swing_peak_deg;     /* peak swing flexion the block aims at */
    double stance_peak_deg;
    double bob_m;              /* hip vertical amplitude; < 0: lowest at mid-stance */
    double impact_scale;       /* fraction of impact_g at initial contact */
    double late_swing_min;     /* cycle phase of the terminal-swing extension */
};

/* Time-varying changes applied on top of the block's gait (jets in time,
 * degrees): stride-to-stride variability and scripted range loss. */
struct kn_sim_mods {
    struct kn_jet swing_deg;      /* added to the swing flexion peak */
    struct kn_jet stance_deg;     /* added to the stance flexion peak */
    struct kn_jet extension_deg;  /* added where the knee is most extended */
    double frontal_rad;           /* amplitude of the stance varus/valgus motion */
};

/* The leg at one instant: angles in radians, hip in metres. */
struct kn_sim_pose {
    struct kn_jet thigh;          /* thigh sagittal angle */
    struct kn_jet knee;           /* knee flexion */
    struct kn_jet thigh_frontal;  /* thigh frontal angle (about its x axis) */
    struct kn_jet shank_frontal;  /* shank frontal angle; valgus < 0 on a right leg */
    struct kn_jet hip_y;          /* hip height change */
    struct kn_jet speed;          /* forward speed */
};

/* Fills the gait of a block (activity walk or run). */
void kn_sim_gait_init(struct kn_sim_gait *g, const struct kn_sim_template *tpl,
                      enum kn_sim_activity activity, double cadence_spm, double speed_mps);

/* The pose at cycle phase phi (a jet in time, value in [0, 1)). */
void kn_sim_gait_eval(const struct kn_sim_gait *g, struct kn_jet phi,
                      const struct kn_sim_mods *mods, struct kn_sim_pose *ret);

/* The knee flexion (deg) of the gait's own curve at phase phi, without
 * modifiers: used to calibrate and by the tests. */
double kn_sim_gait_knee_deg(const struct kn_sim_gait *g, double phi);
