/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Gait templates of the simulated sleeve.  The keypoints are read off
 * the published mean curves (docs/simulator.md gives the sources and the
 * resulting ranges):
 *   running: Novacheck 1998, "The biomechanics of running", Gait &
 *            Posture 7:77-95 (knee and hip sagittal curves, jog/run);
 *   walking: Perry & Burnfield, "Gait Analysis: Normal and Pathological
 *            Function", 2nd ed. 2010 (knee and thigh curves).
 * Thigh angles are sagittal angles from the vertical (hip flexion minus
 * the pelvis' anterior tilt), so the shank angle thigh - knee puts the
 * foot ahead of the knee at initial contact and behind it at toe-off.
 */
#include <math.h>
#include <string.h>

#include "drivers/sim-gait.h"

#define DEG (M_PI / 180.0)

struct keypoint {
    double x;
    double thigh, knee, swing, stance, extension;
};

/* Running, template stance end 0.36 (duty factor at 170 spm, 3.3 m/s). */
static const struct keypoint run_keys[] = {
    /* x      thigh  knee  swing stance ext */
    { 0.00,   27.4,  18,   0,    0,     0.8 },   /* initial contact */
    { 0.05,   24.8,  30,   0,    0.5,   0.4 },
    { 0.12,   20.4,  41,   0,    1.0,   0 },     /* stance flexion peak */
    { 0.20,    9.5,  38,   0,    0.85,  0 },
    { 0.28,   -6.6,  28,   0,    0.35,  0 },
    { 0.36,  -18.0,  20,   0,    0,     0 },     /* toe-off */
    { 0.44,  -16.4,  42,   0.25, 0,     0 },
    { 0.52,   -3.7,  68,   0.6,  0,     0 },
    { 0.60,   12.1,  86,   0.9,  0,     0 },
    { 0.67,   24.2,  90,   1.0,  0,     0 },     /* swing flexion peak */
    { 0.74,   32.9,  80,   0.9,  0,     0 },
    { 0.82,   36.9,  48,   0.5,  0,     0.2 },
    { 0.89,   34.7,  18,   0.12, 0,     0.7 },
    { 0.94,   31.3,   6,   0,    0,     1.0 },   /* terminal-swing extension */
    { 0.97,   29.3,  10,   0,    0,     1.0 },
};

/* Walking, template stance end 0.61. */
static const struct keypoint walk_keys[] = {
    /* x      thigh  knee  swing stance ext */
    { 0.00,   22.0,   4,   0,    0,     1.0 },   /* initial contact */
    { 0.06,   18.6,  12,   0,    0.6,   0.6 },
    { 0.13,   13.2,  18,   0,    1.0,   0.2 },   /* loading response peak */
    { 0.22,    5.0,  12,   0,    0.6,   0.4 },
    { 0.32,   -3.0,   6,   0,    0,     0.8 },
    { 0.40,   -8.1,   4,   0,    0,     1.0 },   /* terminal stance extension */
    { 0.50,  -11.8,  12,   0.1,  0,     0.6 },
    { 0.56,  -10.0,  27,   0.35, 0,     0 },
    { 0.61,   -5.2,  39,   0.6,  0,     0 },     /* toe-off */
    { 0.66,    2.1,  52,   0.85, 0,     0 },
    { 0.72,   12.0,  60,   1.0,  0,     0 },     /* swing flexion peak */
    { 0.78,   20.1,  55,   0.9,  0,     0 },
    { 0.85,   24.8,  35,   0.55, 0,     0.3 },
    { 0.92,   24.9,  12,   0.15, 0,     0.8 },
    { 0.97,   23.4,   3,   0,    0,     1.0 },   /* terminal-swing extension */
};

/* Second derivatives of the periodic cubic spline through (x[i], y[i]),
 * period 1: the cyclic tridiagonal system solved densely (n <= 20, once). */
static void spline_solve(int n, const double *x, const double *y, double *m)
{
    double a[KN_SIM_MAX_KNOTS][KN_SIM_MAX_KNOTS + 1];

    memset(a, 0, sizeof(a));
    for (int i = 0; i < n; i++) {
        int im = (i + n - 1) % n, ip = (i + 1) % n;
        double h_prev = im == n - 1 ? 1 - x[im] + x[0] : x[i] - x[im];
        double h = x[i + 1] - x[i];
        double y_next = ip == 0 ? y[0] : y[ip];

        a[i][im] += h_prev;
        a[i][i] += 2 * (h_prev + h);
        a[i][ip] += h;
        a[i][n] = 6 * ((y_next - y[i]) / h - (y[i] - y[im]) / h_prev);
    }
    for (int c = 0; c < n; c++) {
        int p = c;

        for (int r = c + 1; r < n; r++)
            if (fabs(a[r][c]) > fabs(a[p][c]))
                p = r;
        if (p != c)
            for (int k = 0; k <= n; k++) {
                double tmp = a[c][k];
                a[c][k] = a[p][k];
                a[p][k] = tmp;
            }
        for (int r = c + 1; r < n; r++) {
            double f = a[r][c] / a[c][c];
            for (int k = c; k <= n; k++)
                a[r][k] -= f * a[c][k];
        }
    }
    for (int r = n - 1; r >= 0; r--) {
        double s = a[r][n];
        for (int k = r + 1; k < n; k++)
            s -= a[r][k] * m[k];
        m[r] = s / a[r][r];
    }
    m[n] = m[0];
}

/* Weights of y[i], y[i+1], m[i], m[i+1] in the value, first and second
 * derivative at u, on the knot interval i. */
struct spline_basis {
    int i;
    double w0[4], w1[4], w2[4];
};

static void spline_basis(const struct kn_sim_template *t, double u, struct spline_basis *b)
{
    int i = 0;

    while (i < t->n - 1 && u >= t->x[i + 1])
        i++;
    double h = t->x[i + 1] - t->x[i];
    double a = (t->x[i + 1] - u) / h, c = 1 - a;

    b->i = i;
    b->w0[0] = a;
    b->w0[1] = c;
    b->w0[2] = (a * a * a - a) * h * h / 6;
    b->w0[3] = (c * c * c - c) * h * h / 6;
    b->w1[0] = -1 / h;
    b->w1[1] = 1 / h;
    b->w1[2] = -(3 * a * a - 1) * h / 6;
    b->w1[3] = (3 * c * c - 1) * h / 6;
    b->w2[0] = 0;
    b->w2[1] = 0;
    b->w2[2] = a;
    b->w2[3] = c;
}

/* Curve k at the basis' point, as a jet in time given the phase jet. */
static struct kn_jet spline_jet(const struct kn_sim_template *t, const struct spline_basis *b,
                                int k, struct kn_jet u)
{
    const double *y = t->y[k], *m = t->m[k];
    int i = b->i;
    double q[4] = { y[i], y[i + 1], m[i], m[i + 1] };
    double f = 0, fp = 0, fpp = 0;

    for (int j = 0; j < 4; j++) {
        f += b->w0[j] * q[j];
        fp += b->w1[j] * q[j];
        fpp += b->w2[j] * q[j];
    }
    return kn_jet_compose(f, fp, fpp, u);
}

static double spline_value(const struct kn_sim_template *t, int k, double u)
{
    struct spline_basis b;

    spline_basis(t, u, &b);
    return spline_jet(t, &b, k, kn_jet_const(u)).v;
}

static void template_build(struct kn_sim_template *t, const struct keypoint *keys, int n,
                           double stance_end, double loading_end)
{
    memset(t, 0, sizeof(*t));
    t->n = n;
    for (int i = 0; i < n; i++) {
        t->x[i] = keys[i].x;
        t->y[KN_SIM_CURVE_THIGH][i] = keys[i].thigh;
        t->y[KN_SIM_CURVE_KNEE][i] = keys[i].knee;
        t->y[KN_SIM_CURVE_SWING][i] = keys[i].swing;
        t->y[KN_SIM_CURVE_STANCE][i] = keys[i].stance;
        t->y[KN_SIM_CURVE_EXTENSION][i] = keys[i].extension;
    }
    t->x[n] = 1;
    for (int k = 0; k < KN_SIM_CURVE_COUNT; k++) {
        t->y[k][n] = t->y[k][0];
        spline_solve(n, t->x, t->y[k], t->m[k]);
    }
    t->stance_end = stance_end;
    t->loading_end = loading_end;

    double sum = 0, best = INFINITY;
    const int steps = 2000;
    for (int s = 0; s < steps; s++) {
        double u = (s + 0.5) / steps;
        double knee = spline_value(t, KN_SIM_CURVE_KNEE, u);

        sum += spline_value(t, KN_SIM_CURVE_THIGH, u);
        if (u > 0.75 && knee < best) {
            best = knee;
            t->late_swing_min = u;
        }
    }
    t->thigh_mean = sum / steps;
}

void kn_sim_template_build_run(struct kn_sim_template *t)
{
    template_build(t, run_keys, (int) (sizeof(run_keys) / sizeof(run_keys[0])), 0.36, 0.30);
}

void kn_sim_template_build_walk(struct kn_sim_template *t)
{
    template_build(t, walk_keys, (int) (sizeof(walk_keys) / sizeof(walk_keys[0])), 0.61, 0.30);
}

static double clamp(double v, double lo, double hi)
{
    return v < lo ? lo : v > hi ? hi : v;
}

/* The template phase of cycle phase phi: a smooth monotonic warp that
 * moves the template's toe-off onto the block's duty factor while
 * keeping initial contact at 0 (periodic, C-infinity). */
static struct kn_jet warp(const struct kn_sim_gait *g, struct kn_jet phi)
{
    double s = sin(2 * M_PI * phi.v), c = cos(2 * M_PI * phi.v);
    double c_w = g->warp_c;
    struct kn_jet psi = kn_jet_compose(phi.v + c_w * s, 1 + 2 * M_PI * c_w * c,
                                       -4 * M_PI * M_PI * c_w * s, phi);

    if (psi.v < 0)
        psi.v = 0;
    if (psi.v >= 1)
        psi.v = nextafter(1.0, 0.0);
    return psi;
}

static double unwarp(const struct kn_sim_gait *g, double psi)
{
    double phi = psi;

    for (int k = 0; k < 50; k++) {
        double f = phi + g->warp_c * sin(2 * M_PI * phi) - psi;
        double fp = 1 + 2 * M_PI * g->warp_c * cos(2 * M_PI * phi);

        phi -= f / fp;
    }
    return phi;
}

double kn_sim_gait_knee_deg(const struct kn_sim_gait *g, double phi)
{
    const struct kn_sim_template *t = g->tpl;
    struct kn_jet psi = warp(g, kn_jet_const(phi));

    return spline_value(t, KN_SIM_CURVE_KNEE, psi.v) +
           g->swing_coef * spline_value(t, KN_SIM_CURVE_SWING, psi.v) +
           g->stance_coef * spline_value(t, KN_SIM_CURVE_STANCE, psi.v);
}

/* Peak of the knee curve within [lo, hi) of the template phase. */
static double knee_peak(const struct kn_sim_gait *g, double lo, double hi)
{
    const struct kn_sim_template *t = g->tpl;
    double best = -INFINITY;

    for (int s = 0; s < 1000; s++) {
        double u = lo + (hi - lo) * (s + 0.5) / 1000;
        double k = spline_value(t, KN_SIM_CURVE_KNEE, u) +
                   g->swing_coef * spline_value(t, KN_SIM_CURVE_SWING, u) +
                   g->stance_coef * spline_value(t, KN_SIM_CURVE_STANCE, u);
        if (k > best)
            best = k;
    }
    return best;
}

void kn_sim_gait_init(struct kn_sim_gait *g, const struct kn_sim_template *tpl,
                      enum kn_sim_activity activity, double cadence_spm, double speed_mps)
{
    double stride_m, ref_stride_m, omega;

    memset(g, 0, sizeof(*g));
    g->activity = activity;
    g->tpl = tpl;
    g->cadence_spm = cadence_spm;
    g->freq_hz = cadence_spm / 120.0;
    g->speed_mps = speed_mps;
    stride_m = speed_mps / g->freq_hz;
    omega = 4 * M_PI * g->freq_hz;      /* the hip bobs once a step */

    switch (activity) {
    case KN_SIM_RUN: {
        /* Contact time falls with speed (0.2-0.3 s); duty factor 0.30-0.41. */
        double contact_s = clamp(0.265 - 0.035 * (speed_mps - 3.3), 0.18, 0.32);

        g->duty = clamp(contact_s * g->freq_hz, 0.30, 0.41);
        g->swing_peak_deg = clamp(90 + 15 * (speed_mps - 3.3), 80, 128);
        g->stance_peak_deg = clamp(41 + 2 * (speed_mps - 3.3), 36, 48);
        ref_stride_m = 3.3 / (170 / 120.0);
        /* A sinusoidal bob may not pull the hip down harder than gravity. */
        g->bob_m = -fmin(0.035, 0.9 * KN_STANDARD_GRAVITY / (omega * omega));
        g->impact_scale = 1;
        break;
    }
    case KN_SIM_WALK:
        g->duty = clamp(0.615 - 0.03 * (speed_mps - 1.3), 0.57, 0.65);
        g->swing_peak_deg = clamp(60 + 8 * (speed_mps - 1.3), 52, 68);
        g->stance_peak_deg = clamp(18 + 3 * (speed_mps - 1.3), 14, 22);
        ref_stride_m = 1.3 / (110 / 120.0);
        /* Inverted pendulum: the hip is highest at mid-stance. */
        g->bob_m = fmin(0.02, 0.9 * KN_STANDARD_GRAVITY / (omega * omega));
        g->impact_scale = 0.22;
        break;
    case KN_SIM_STAND:
    default:
        return;
    }

    g->thigh_scale = clamp(pow(stride_m / ref_stride_m, 0.8), 0.7, 1.5);
    g->warp_c = (tpl->stance_end - g->duty) / sin(2 * M_PI * g->duty);

    /* Mode weights so that the curve's peaks land on the targets (the
     * spline's own overshoot makes this a small fixed-point iteration). */
    for (int it = 0; it < 4; it++) {
        g->swing_coef += g->swing_peak_deg - knee_peak(g, tpl->stance_end, 1);
        g->stance_coef += g->stance_peak_deg - knee_peak(g, 0, tpl->loading_end);
    }
    g->late_swing_min = unwarp(g, tpl->late_swing_min);
}

void kn_sim_gait_eval(const struct kn_sim_gait *g, struct kn_jet phi,
                      const struct kn_sim_mods *mods, struct kn_sim_pose *ret)
{
    const struct kn_sim_template *t = g->tpl;
    struct kn_jet psi = warp(g, phi);
    struct spline_basis b;
    struct kn_jet thigh, knee, swing, stance, ext;

    spline_basis(t, psi.v, &b);
    thigh = spline_jet(t, &b, KN_SIM_CURVE_THIGH, psi);
    knee = spline_jet(t, &b, KN_SIM_CURVE_KNEE, psi);
    swing = spline_jet(t, &b, KN_SIM_CURVE_SWING, psi);
    stance = spline_jet(t, &b, KN_SIM_CURVE_STANCE, psi);
    ext = spline_jet(t, &b, KN_SIM_CURVE_EXTENSION, psi);

    thigh = kn_jet_add(kn_jet_const(t->thigh_mean),
                       kn_jet_scale(kn_jet_sub(thigh, kn_jet_const(t->thigh_mean)), g->thigh_scale));
    knee = kn_jet_add(knee, kn_jet_scale(swing, g->swing_coef));
    knee = kn_jet_add(knee, kn_jet_scale(stance, g->stance_coef));
    knee = kn_jet_add(knee, kn_jet_mul(swing, mods->swing_deg));
    knee = kn_jet_add(knee, kn_jet_mul(stance, mods->stance_deg));
    knee = kn_jet_add(knee, kn_jet_mul(ext, mods->extension_deg));
    ret->thigh = kn_jet_scale(thigh, DEG);
    ret->knee = kn_jet_scale(knee, DEG);

    /* Varus/valgus: a sin^4 bump over stance (C3 at contact and toe-off),
     * valgus (negative) as the knee takes the load. */
    if (phi.v < g->duty) {
        struct kn_jet s, c, s2;

        kn_jet_sincos(kn_jet_scale(phi, M_PI / g->duty), &s, &c);
        s2 = kn_jet_mul(s, s);
        ret->shank_frontal = kn_jet_scale(kn_jet_mul(s2, s2), -mods->frontal_rad);
    } else {
        ret->shank_frontal = kn_jet_const(0);
    }
    ret->thigh_frontal = kn_jet_scale(ret->shank_frontal, 0.4);

    struct kn_jet s, c;
    kn_jet_sincos(kn_jet_scale(kn_jet_sub(phi, kn_jet_const(g->duty / 2)), 4 * M_PI), &s, &c);
    ret->hip_y = kn_jet_scale(c, g->bob_m);
    ret->speed = kn_jet_const(g->speed_mps);
}
