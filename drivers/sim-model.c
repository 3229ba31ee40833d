/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The simulated sleeve: walks through the activity blocks, advances the
 * gait cycle, blends the poses of neighbouring blocks, lets the scripted
 * events reshape the knee, and synthesises the flex sensor and the two
 * IMUs from the resulting leg motion (docs/simulator.md).
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "drivers/sim-internal.h"

/* Leg geometry (m): segment lengths of an adult of ~1.75 m, and the
 * sleeve's IMUs 12 cm above and below the knee joint on the segment axes. */
#define THIGH_LENGTH_M 0.45
#define SHANK_LENGTH_M 0.43
#define IMU_OFFSET_M 0.12
#define HIP_HEIGHT_M 0.9

/* Sensor noise at noise = 1 (typical MEMS IMU, resistive flex sensor). */
#define ACCEL_NOISE_MS2 0.05
#define GYRO_NOISE_RADS 0.005
#define FLEX_NOISE_DEG 0.3

/* Impact transient: a damped sine, mostly along the shank axis. */
#define IMPACT_FREQ_HZ 18.0
#define IMPACT_DECAY_S 0.012
#define IMPACT_LENGTH_S 0.15
#define IMPACT_THIGH_SHARE 0.25

/* Variability at variability = 1: stride frequency (relative), swing and
 * stance peak flexion (deg).  The stride-frequency knots are differences
 * of white noise, so the phase wanders but does not drift: the number of
 * strides in a block stays cadence x duration. */
#define VAR_RATE_SIGMA 0.035
#define VAR_SWING_SIGMA_DEG 3.0
#define VAR_STANCE_SIGMA_DEG 1.5

static bool is_moving(const struct kn_sim_block *b)
{
    return b->activity == KN_SIM_WALK || b->activity == KN_SIM_RUN;
}

/* ---- variability: uniform cubic B-splines of random knots ---- */

static double var_draw(struct kn_sim *s, int ch)
{
    double v = s->cfg.variability;

    switch (ch) {
    case KN_SIM_VAR_RATE: {
        double w = kn_rng_gauss(&s->gait_rng);
        double c = VAR_RATE_SIGMA * v * (w - s->var_prev_white) / M_SQRT2;

        s->var_prev_white = w;
        return c;
    }
    case KN_SIM_VAR_SWING:
        return VAR_SWING_SIGMA_DEG * v * kn_rng_gauss(&s->gait_rng);
    case KN_SIM_VAR_STANCE:
        return VAR_STANCE_SIGMA_DEG * v * kn_rng_gauss(&s->gait_rng);
    }
    return 0;
}

static void var_advance(struct kn_sim *s, double t)
{
    while (t >= s->var_t0 + KN_SIM_VAR_KNOT_S) {
        s->var_t0 += KN_SIM_VAR_KNOT_S;
        for (int ch = 0; ch < KN_SIM_VAR_COUNT; ch++) {
            memmove(&s->var_c[ch][0], &s->var_c[ch][1], 3 * sizeof(double));
            s->var_c[ch][3] = var_draw(s, ch);
        }
    }
}

static struct kn_jet var_eval(const struct kn_sim *s, int ch, double t)
{
    const double *c = s->var_c[ch];
    double u = (t - s->var_t0) / KN_SIM_VAR_KNOT_S, v = 1 - u;
    double u2 = u * u, u3 = u2 * u;
    double f = (v * v * v * c[0] + (3 * u3 - 6 * u2 + 4) * c[1] +
                (-3 * u3 + 3 * u2 + 3 * u + 1) * c[2] + u3 * c[3]) / 6;
    double fp = (-v * v * c[0] + (3 * u2 - 4 * u) * c[1] + (-3 * u2 + 2 * u + 1) * c[2] +
                 u2 * c[3]) / 2;
    double fpp = v * c[0] + (3 * u - 2) * c[1] + (1 - 3 * u) * c[2] + u * c[3];

    return (struct kn_jet) { f, fp / KN_SIM_VAR_KNOT_S,
                             fpp / (KN_SIM_VAR_KNOT_S * KN_SIM_VAR_KNOT_S) };
}

/* ---- blocks and blends ---- */

struct blend {
    const struct kn_sim_block_state *a, *b;
    const struct kn_sim_block *ca, *cb;
    struct kn_jet w;          /* weight of b */
    double boundary_s;        /* absolute time of the block boundary */
};

static void locate(struct kn_sim *s, double t, struct blend *ret)
{
    const struct kn_sim_config *c = &s->cfg;
    size_t n = c->n_blocks, i, j;
    double base, tp, half = KN_SIM_BLEND_S / 2;

    for (;;) {
        tp = t - (double) s->pass * s->pass_s;
        if (tp < s->blocks[s->block].end_s)
            break;
        if (s->block + 1 < n) {
            s->block++;
        } else if (c->repeat) {
            s->block = 0;
            s->pass++;
        } else {
            break;          /* past the end: stay in the last block */
        }
    }
    i = s->block;
    base = (double) s->pass * s->pass_s;
    ret->a = ret->b = &s->blocks[i];
    ret->ca = ret->cb = &c->blocks[i];
    ret->w = kn_jet_const(0);
    ret->boundary_s = NAN;
    if (tp < s->blocks[i].start_s + half && (i > 0 || s->pass > 0)) {
        j = (i + n - 1) % n;
        ret->a = &s->blocks[j];
        ret->ca = &c->blocks[j];
        ret->boundary_s = base + s->blocks[i].start_s;
        ret->w = kn_smoothstep(t, ret->boundary_s - half, KN_SIM_BLEND_S);
    } else if (tp >= s->blocks[i].end_s - half && (i + 1 < n || c->repeat)) {
        j = (i + 1) % n;
        ret->b = &s->blocks[j];
        ret->cb = &c->blocks[j];
        ret->boundary_s = base + s->blocks[i].end_s;
        ret->w = kn_smoothstep(t, ret->boundary_s - half, KN_SIM_BLEND_S);
    }
}

/* ---- poses ---- */

static void stand_pose(const struct kn_sim *s, double t, struct kn_sim_pose *p)
{
    /* Quiet standing: the knee 1-3 deg, the body swaying slowly over the
     * ankles (both segments tilt together). */
    double v = s->cfg.variability;
    double w0 = 2 * M_PI * 0.13, w1 = 2 * M_PI * 0.31, w2 = 2 * M_PI * 0.07;
    double a0 = 0.4 * v, a1 = 0.2 * v, a2 = 0.5 * v;
    double s0 = sin(w0 * t + s->sway_phase[0]), c0 = cos(w0 * t + s->sway_phase[0]);
    double s1 = sin(w1 * t + s->sway_phase[1]), c1 = cos(w1 * t + s->sway_phase[1]);
    double s2 = sin(w2 * t + s->sway_phase[2]), c2 = cos(w2 * t + s->sway_phase[2]);
    struct kn_jet thigh = {
        1 + a0 * s0 + a1 * s1,
        a0 * w0 * c0 + a1 * w1 * c1,
        -a0 * w0 * w0 * s0 - a1 * w1 * w1 * s1,
    };
    struct kn_jet knee = { 2 + a2 * s2, a2 * w2 * c2, -a2 * w2 * w2 * s2 };

    p->thigh = kn_jet_scale(thigh, KN_SIM_DEG);
    p->knee = kn_jet_scale(knee, KN_SIM_DEG);
    p->thigh_frontal = kn_jet_const(0);
    p->shank_frontal = kn_jet_const(0);
    p->hip_y = kn_jet_const(0);
    p->speed = kn_jet_const(0);
}

static void block_pose(const struct kn_sim *s, const struct kn_sim_block_state *b,
                       const struct kn_sim_block *cb, double t, struct kn_jet phi,
                       const struct kn_sim_mods *mods, struct kn_sim_pose *p)
{
    if (is_moving(cb))
        kn_sim_gait_eval(&b->gait, phi, mods, p);
    else
        stand_pose(s, t, p);
}

static void pose_lerp(struct kn_sim_pose *a, const struct kn_sim_pose *b, struct kn_jet w)
{
    a->thigh = kn_jet_lerp(a->thigh, b->thigh, w);
    a->knee = kn_jet_lerp(a->knee, b->knee, w);
    a->thigh_frontal = kn_jet_lerp(a->thigh_frontal, b->thigh_frontal, w);
    a->shank_frontal = kn_jet_lerp(a->shank_frontal, b->shank_frontal, w);
    a->hip_y = kn_jet_lerp(a->hip_y, b->hip_y, w);
    a->speed = kn_jet_lerp(a->speed, b->speed, w);
}

/* ---- kinematics to sensors ---- */

struct vec3 {
    struct kn_jet x, y, z;
};

/* The segment's y axis (towards its proximal end) in the world, for
 * R = Rz(theta) Rx(beta): (-sin t cos b, cos t cos b, sin b). */
static struct vec3 segment_axis(struct kn_jet st, struct kn_jet ct, struct kn_jet sb, struct kn_jet cb)
{
    return (struct vec3) {
        kn_jet_scale(kn_jet_mul(st, cb), -1),
        kn_jet_mul(ct, cb),
        sb,
    };
}

static struct vec3 vec_axpy(struct vec3 p, double k, struct vec3 u)
{
    return (struct vec3) {
        kn_jet_add(p.x, kn_jet_scale(u.x, k)),
        kn_jet_add(p.y, kn_jet_scale(u.y, k)),
        kn_jet_add(p.z, kn_jet_scale(u.z, k)),
    };
}

/* Specific force (acceleration minus gravity) of a point moving along p,
 * in the frame of a segment at (theta, beta); and its angular velocity. */
static void imu_signals(struct vec3 p, double st, double ct, double sb, double cb,
                        struct kn_jet theta, struct kn_jet beta, double accel[3], double gyro[3])
{
    double fx = p.x.dd, fy = p.y.dd + KN_STANDARD_GRAVITY, fz = p.z.dd;
    double a = fx * ct + fy * st;
    double b = -fx * st + fy * ct;

    accel[0] = a;
    accel[1] = cb * b + sb * fz;
    accel[2] = -sb * b + cb * fz;
    gyro[0] = beta.d;
    gyro[1] = theta.d * sb;
    gyro[2] = theta.d * cb;
}

static double impact_shape(const struct kn_sim *s, double tau)
{
    if (tau < 0 || tau > IMPACT_LENGTH_S)
        return 0;
    return s->impact_norm * exp(-tau / IMPACT_DECAY_S) * sin(2 * M_PI * IMPACT_FREQ_HZ * tau);
}

static void add_noise(struct kn_sim *s, double v[3], double sigma, const double bias[3])
{
    for (int k = 0; k < 3; k++) {
        v[k] += sigma * kn_rng_gauss(&s->noise_rng);
        if (bias)
            v[k] += bias[k];
    }
}

/* ---- one frame ---- */

static void step(struct kn_sim *s, bool synth, struct kn_frame *f, struct kn_sim_truth *truth)
{
    const struct kn_sim_config *c = &s->cfg;
    double t = (double) s->frame / c->rate_hz;
    struct blend bl;
    struct kn_sim_moment m = { .t_s = t, .ic_t_s = NAN, .to_t_s = NAN };
    struct kn_sim_mods mods;
    struct kn_sim_pose pose, pose_b;
    struct kn_jet w, phi = kn_jet_const(0), freq = kn_jet_const(0), lost;
    bool a_moves, b_moves, was_active = s->gait_active;
    const struct kn_sim_gait *dominant;
    double weight, duty = 0, phase_prev = s->phase, flex_offset;

    locate(s, t, &bl);
    var_advance(s, t);
    w = bl.w;
    a_moves = is_moving(bl.ca);
    b_moves = is_moving(bl.cb);
    weight = (a_moves ? 1 - w.v : 0) + (b_moves ? w.v : 0);
    dominant = w.v < 0.5 ? (a_moves ? &bl.a->gait : &bl.b->gait)
                         : (b_moves ? &bl.b->gait : &bl.a->gait);

    memset(truth, 0, sizeof(*truth));
    truth->t_s = t;
    truth->event_t_s = NAN;
    truth->phase = NAN;
    truth->activity = w.v < 0.5 ? bl.ca->activity : bl.cb->activity;

    s->gait_active = weight > 0;
    if (s->gait_active) {
        double fa = a_moves ? bl.a->gait.freq_hz : bl.b->gait.freq_hz;
        double fb = b_moves ? bl.b->gait.freq_hz : fa;
        double da = a_moves ? bl.a->gait.duty : bl.b->gait.duty;
        double db = b_moves ? bl.b->gait.duty : da;
        struct kn_jet rate = var_eval(s, KN_SIM_VAR_RATE, t);

        freq = kn_jet_mul(kn_jet_lerp(kn_jet_const(fa), kn_jet_const(fb), w),
                          kn_jet_add(kn_jet_const(1), rate));
        duty = da + (db - da) * w.v;
        if (!was_active) {
            /* Starting from standing: the boundary falls at mid-cycle, so
             * the contacts either side are clearly below and above the
             * weight 0.5 that makes a step count.  A run that starts in
             * motion starts at initial contact. */
            s->phase = isnan(bl.boundary_s) ? 0 : 0.5 - freq.v * (bl.boundary_s - t);
            s->phase -= floor(s->phase);
            s->stance = s->phase < duty;
            s->counted_stance = false;
            phase_prev = s->phase;
        } else {
            s->phase += (s->freq_prev + freq.v) * 0.5 / c->rate_hz;
        }
        s->freq_prev = freq.v;

        double frac = s->phase - floor(s->phase), frac_prev = phase_prev - floor(phase_prev);
        phi = (struct kn_jet) { frac, freq.v, freq.d };
        truth->phase = frac;

        if (was_active && floor(s->phase) > floor(phase_prev)) {
            double t_ic = t - (s->phase - floor(s->phase)) / (s->phase - phase_prev) / c->rate_hz;

            s->stance = true;
            s->counted_stance = weight >= 0.5;
            s->last_ic_s = t_ic;
            s->last_impact = c->impact_g * KN_STANDARD_GRAVITY * dominant->impact_scale * weight;
            if (s->counted_stance) {
                truth->initial_contact = true;
                truth->event_t_s = t_ic;
                m.initial_contact = true;
                m.ic_t_s = t_ic;
            }
        } else if (was_active && s->stance && frac_prev < duty && frac >= duty) {
            double t_to = t - (frac - duty) / (s->phase - phase_prev) / c->rate_hz;

            s->stance = false;
            m.toe_off = true;
            m.to_t_s = t_to;
            if (s->counted_stance) {
                truth->toe_off = true;
                truth->event_t_s = t_to;
            }
            s->counted_stance = false;
        }
        if (was_active && frac_prev < dominant->late_swing_min && frac >= dominant->late_swing_min)
            m.late_swing = true;
    } else {
        s->stance = true;
        s->counted_stance = false;
        s->freq_prev = 0;
    }
    m.gait_weight = weight;
    m.gait = s->gait_active ? dominant : NULL;
    m.phase = phi.v;
    m.freq_hz = freq.v;

    lost = kn_sim_events_range_loss(s, t);
    mods.swing_deg = kn_jet_sub(var_eval(s, KN_SIM_VAR_SWING, t), lost);
    mods.stance_deg = var_eval(s, KN_SIM_VAR_STANCE, t);
    mods.extension_deg = kn_jet_scale(lost, 0.2);
    mods.frontal_rad = c->frontal_deg * KN_SIM_DEG;

    block_pose(s, bl.a, bl.ca, t, phi, &mods, &pose);
    if (bl.b != bl.a && w.v > 0) {
        block_pose(s, bl.b, bl.cb, t, phi, &mods, &pose_b);
        pose_lerp(&pose, &pose_b, w);
    }
    flex_offset = kn_sim_events_apply(s, &m, &pose.knee, &pose.shank_frontal);

    struct kn_jet thigh = pose.thigh, knee = pose.knee;
    struct kn_jet shank = kn_jet_sub(thigh, knee);
    struct kn_jet st_t, ct_t, sb_t, cb_t, st_s, ct_s, sb_s, cb_s;
    struct vec3 hip, u_t, u_s, knee_pos, p_t, p_s;

    s->hip_x += (s->speed_prev + pose.speed.v) * 0.5 / c->rate_hz;
    s->speed_prev = pose.speed.v;
    hip.x = (struct kn_jet) { s->hip_x, pose.speed.v, pose.speed.d };
    hip.y = kn_jet_add(kn_jet_const(HIP_HEIGHT_M), pose.hip_y);
    hip.z = kn_jet_const(0);
    kn_jet_sincos(thigh, &st_t, &ct_t);
    kn_jet_sincos(pose.thigh_frontal, &sb_t, &cb_t);
    kn_jet_sincos(shank, &st_s, &ct_s);
    kn_jet_sincos(pose.shank_frontal, &sb_s, &cb_s);
    u_t = segment_axis(st_t, ct_t, sb_t, cb_t);
    u_s = segment_axis(st_s, ct_s, sb_s, cb_s);
    knee_pos = vec_axpy(hip, -THIGH_LENGTH_M, u_t);
    p_t = vec_axpy(hip, -(THIGH_LENGTH_M - IMU_OFFSET_M), u_t);
    p_s = vec_axpy(knee_pos, -IMU_OFFSET_M, u_s);

    truth->knee_deg = knee.v / KN_SIM_DEG;
    truth->thigh_deg = thigh.v / KN_SIM_DEG;
    truth->shank_deg = shank.v / KN_SIM_DEG;
    truth->thigh_frontal_deg = pose.thigh_frontal.v / KN_SIM_DEG;
    truth->shank_frontal_deg = pose.shank_frontal.v / KN_SIM_DEG;
    truth->cadence_spm = s->gait_active ? 120 * freq.v : 0;
    truth->contact = s->gait_active ? s->stance : true;
    truth->gait_weight = weight;
    truth->speed_mps = pose.speed.v;
    truth->flex_offset_deg = flex_offset;
    truth->thigh_imu_pos[0] = p_t.x.v;
    truth->thigh_imu_pos[1] = p_t.y.v;
    truth->thigh_imu_pos[2] = p_t.z.v;
    truth->shank_imu_pos[0] = p_s.x.v;
    truth->shank_imu_pos[1] = p_s.y.v;
    truth->shank_imu_pos[2] = p_s.z.v;

    s->frame++;
    if (!synth)
        return;

    memset(f, 0, sizeof(*f));
    f->t_s = t;
    f->present = c->sensors;
    f->knee_deg = truth->knee_deg + flex_offset;
    imu_signals(p_t, st_t.v, ct_t.v, sb_t.v, cb_t.v, thigh, pose.thigh_frontal,
                f->thigh_accel, f->thigh_gyro);
    imu_signals(p_s, st_s.v, ct_s.v, sb_s.v, cb_s.v, shank, pose.shank_frontal,
                f->shank_accel, f->shank_gyro);

    if (s->gait_active && s->last_impact > 0) {
        double a = s->last_impact * impact_shape(s, t - s->last_ic_s);

        /* Mostly along the shank, a little backwards as the foot brakes;
         * soft tissue and the knee damp what reaches the thigh. */
        f->shank_accel[0] += -0.3 * a;
        f->shank_accel[1] += 0.954 * a;
        f->thigh_accel[1] += IMPACT_THIGH_SHARE * a;
    }

    if (c->noise > 0) {
        if (c->sensors & KN_HAS_FLEX)
            f->knee_deg += c->noise * FLEX_NOISE_DEG * kn_rng_gauss(&s->noise_rng);
        if (c->sensors & KN_HAS_THIGH_ACCEL)
            add_noise(s, f->thigh_accel, c->noise * ACCEL_NOISE_MS2, NULL);
        if (c->sensors & KN_HAS_THIGH_GYRO)
            add_noise(s, f->thigh_gyro, c->noise * GYRO_NOISE_RADS, s->thigh_bias);
        if (c->sensors & KN_HAS_SHANK_ACCEL)
            add_noise(s, f->shank_accel, c->noise * ACCEL_NOISE_MS2, NULL);
        if (c->sensors & KN_HAS_SHANK_GYRO)
            add_noise(s, f->shank_gyro, c->noise * GYRO_NOISE_RADS, s->shank_bias);
    }

    /* A left-leg sleeve: the same right-handed sensors mounted the same way
     * up, mirrored through the sagittal plane. */
    if (c->side == KN_SIDE_LEFT) {
        f->thigh_accel[2] = -f->thigh_accel[2];
        f->thigh_gyro[0] = -f->thigh_gyro[0];
        f->thigh_gyro[1] = -f->thigh_gyro[1];
        f->shank_accel[2] = -f->shank_accel[2];
        f->shank_gyro[0] = -f->shank_gyro[0];
        f->shank_gyro[1] = -f->shank_gyro[1];
    }

    /* Only what the sleeve has. */
    if (!(c->sensors & KN_HAS_FLEX))
        f->knee_deg = 0;
    if (!(c->sensors & KN_HAS_THIGH_ACCEL))
        memset(f->thigh_accel, 0, sizeof(f->thigh_accel));
    if (!(c->sensors & KN_HAS_THIGH_GYRO))
        memset(f->thigh_gyro, 0, sizeof(f->thigh_gyro));
    if (!(c->sensors & KN_HAS_SHANK_ACCEL))
        memset(f->shank_accel, 0, sizeof(f->shank_accel));
    if (!(c->sensors & KN_HAS_SHANK_GYRO))
        memset(f->shank_gyro, 0, sizeof(f->shank_gyro));
}

/* ---- public API ---- */

static int cmp_window(const void *a, const void *b)
{
    const struct kn_sim_window *x = a, *y = b;

    if (isnan(x->start_s) || isnan(y->start_s))
        return isnan(x->start_s) - isnan(y->start_s);
    return x->start_s < y->start_s ? -1 : x->start_s > y->start_s;
}

struct kn_sim *kn_sim_new(const struct kn_sim_config *c)
{
    struct kn_sim *s;
    double start = 0, tau, peak;

    if (kn_sim_config_validate(c, NULL, 0) < 0)
        return NULL;
    s = calloc(1, sizeof(*s));
    if (!s)
        return NULL;
    s->cfg = *c;
    kn_sim_template_build_walk(&s->walk_tpl);
    kn_sim_template_build_run(&s->run_tpl);
    for (size_t i = 0; i < c->n_blocks; i++) {
        const struct kn_sim_block *b = &c->blocks[i];

        s->blocks[i].start_s = start;
        start += b->duration_s;
        s->blocks[i].end_s = start;
        if (is_moving(b))
            kn_sim_gait_init(&s->blocks[i].gait,
                             b->activity == KN_SIM_RUN ? &s->run_tpl : &s->walk_tpl,
                             b->activity, b->cadence_spm, b->speed_mps);
    }
    s->pass_s = start;
    s->pass_frames = (uint64_t) ceil(start * c->rate_hz - 1e-6);
    s->stance = true;

    kn_rng_seed(&s->gait_rng, c->seed, 1);
    kn_rng_seed(&s->noise_rng, c->seed, 2);
    for (int k = 0; k < 3; k++)
        s->sway_phase[k] = 2 * M_PI * kn_rng_uniform(&s->gait_rng);
    s->var_prev_white = kn_rng_gauss(&s->gait_rng);
    s->var_t0 = -KN_SIM_VAR_KNOT_S;
    for (int j = 0; j < 4; j++)
        for (int ch = 0; ch < KN_SIM_VAR_COUNT; ch++)
            s->var_c[ch][j] = var_draw(s, ch);
    for (int k = 0; k < 3; k++) {
        s->thigh_bias[k] = c->noise * c->gyro_bias_rads * kn_rng_symmetric(&s->noise_rng);
        s->shank_bias[k] = c->noise * c->gyro_bias_rads * kn_rng_symmetric(&s->noise_rng);
    }
    /* The damped sine peaks at tan(w t) = w tau. */
    tau = atan(2 * M_PI * IMPACT_FREQ_HZ * IMPACT_DECAY_S) / (2 * M_PI * IMPACT_FREQ_HZ);
    peak = exp(-tau / IMPACT_DECAY_S) * sin(2 * M_PI * IMPACT_FREQ_HZ * tau);
    s->impact_norm = 1 / peak;

    kn_sim_events_init(s);
    if (!kn_sim_events_resolved(s)) {
        /* Hyperextension and giving-way windows depend on where the gait
         * is when they fire: run the kinematics ahead (no sensors, no
         * noise: the same gait stream) to find them now. */
        struct kn_sim *probe = malloc(sizeof(*probe));
        struct kn_sim_truth truth;

        if (!probe) {
            free(s);
            return NULL;
        }
        memcpy(probe, s, sizeof(*probe));
        while (!kn_sim_events_resolved(probe) && probe->frame < probe->pass_frames)
            step(probe, false, NULL, &truth);
        memcpy(s->windows, probe->windows, sizeof(s->windows));
        free(probe);
    }
    memcpy(s->sorted_windows, s->windows, c->n_events * sizeof(s->windows[0]));
    qsort(s->sorted_windows, c->n_events, sizeof(s->sorted_windows[0]), cmp_window);
    return s;
}

void kn_sim_free(struct kn_sim *s)
{
    free(s);
}

double kn_sim_duration(const struct kn_sim *s)
{
    return s->pass_s;
}

bool kn_sim_next(struct kn_sim *s, struct kn_frame *ret_frame, struct kn_sim_truth *ret_truth)
{
    struct kn_sim_truth scratch;

    if (!s->cfg.repeat && s->frame >= s->pass_frames)
        return false;
    step(s, true, ret_frame, ret_truth ? ret_truth : &scratch);
    return true;
}

size_t kn_sim_windows(const struct kn_sim *s, const struct kn_sim_window **ret_windows)
{
    *ret_windows = s->sorted_windows;
    return s->cfg.n_events;
}
