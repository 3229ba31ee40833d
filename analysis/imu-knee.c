/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/filter.h"
#include "analysis/imu-knee.h"
#include "analysis/joint-axis.h"
#include "analysis/ring.h"

/* Complementary filter: correction time constant and bias integral. */
#define TAU_S            0.6
#define BIAS_TAU_S       8.0
#define OPINION_TAU_S    0.015
#define QUIET_RADS       1.5
#define QUIET_G          0.15
#define DYNAMIC_TRUST    0.3
#define GAP_S            0.25
/* The accelerometer angle needs the segments' angular acceleration, a
 * derivative of the gyro.  It is taken as a central difference over
 * +-ALPHA_HALF_S, which has no phase lag, so the accelerometer is
 * compared with the estimate of that many seconds ago. */
#define ALPHA_HALF_S     0.005
#define RING             32u
/* Joint-axis estimation: samples at ~50 Hz while the leg moves; a first
 * fit after AXIS_FIRST of them (a couple of strides), then one over the
 * last AXIS_SAMPLES after AXIS_REFIT new ones, the interval doubling up to
 * AXIS_REFIT_MAX (half a minute of movement): a sleeve's mounting settles
 * in the first strides, and each fit costs a few milliseconds. */
#define AXIS_SAMPLES     150
#define AXIS_FIRST       60
#define AXIS_REFIT       75
#define AXIS_REFIT_MAX   1500
#define AXIS_DT_S        0.02
#define AXIS_MOVING_RADS 1.0
/* adopt a fit only when it explains the motion clearly better than the
 * axes in use, and moves them noticeably */
#define AXIS_GAIN        0.85
#define AXIS_MIN_CHANGE  0.035    /* rad, 2 degrees */
#define CENTRE_MAX_M     0.35     /* a sleeve's sensors are within this of the knee */
#define CENTRE_GAIN      0.9

struct sample {
    double t;
    double wt[3], ws[3];
    double at[3], as[3];
    double knee;              /* gyro-propagated estimate at t */
};

/* The plane perpendicular to a flexion axis j: v along the segment (y
 * projected), u = v x j anterior.  For j = z these are y and x. */
struct plane {
    double j[3], u[3], v[3];
};

struct kn_imu_knee {
    double lever_t, lever_s;
    struct plane pt, ps;
    unsigned axes_version;

    bool init;
    double knee;              /* rad, raw */
    double bias;              /* rad/s, gyro difference bias along the axes */
    struct sample ring[RING];
    struct kn_ring r;

    double (*axis_wt)[3];
    double (*axis_ws)[3];
    struct kn_joint_sample *centre;   /* the same instants, for the joint centre */
    uint32_t axis_n, axis_new, axis_every;
    double axis_last_t;
    double ot[3], os[3];      /* sensor to knee centre, each sensor's frame */
    double opinion;           /* smoothed accelerometer angle, NaN when none */
    double echo;              /* the gyro estimate through the same smoothing */
};

static double dot(const double a[3], const double b[3])
{
    return a[0] * b[0] + a[1] * b[1] + a[2] * b[2];
}

static void cross(const double a[3], const double b[3], double out[3])
{
    double x = a[1] * b[2] - a[2] * b[1];
    double y = a[2] * b[0] - a[0] * b[2];
    double z = a[0] * b[1] - a[1] * b[0];

    out[0] = x;
    out[1] = y;
    out[2] = z;
}

static void plane_from_axis(struct plane *p, const double j[3])
{
    static const double y[3] = { 0, 1, 0 };
    double d = dot(y, j), n;

    memcpy(p->j, j, sizeof(p->j));
    for (int i = 0; i < 3; i++)
        p->v[i] = y[i] - d * j[i];
    n = sqrt(dot(p->v, p->v));
    for (int i = 0; i < 3; i++)
        p->v[i] /= n;
    cross(p->v, p->j, p->u);
}

struct kn_imu_knee *kn_imu_knee_new(double thigh_lever_m, double shank_lever_m)
{
    struct kn_imu_knee *k = calloc(1, sizeof(*k));

    if (!k)
        return NULL;
    k->axis_wt = calloc(AXIS_SAMPLES, sizeof(*k->axis_wt));
    k->axis_ws = calloc(AXIS_SAMPLES, sizeof(*k->axis_ws));
    k->centre = calloc(AXIS_SAMPLES, sizeof(*k->centre));
    if (!k->axis_wt || !k->axis_ws || !k->centre) {
        kn_imu_knee_free(k);
        return NULL;
    }
    k->lever_t = thigh_lever_m;
    k->lever_s = shank_lever_m;
    kn_imu_knee_reset(k);
    return k;
}

void kn_imu_knee_free(struct kn_imu_knee *k)
{
    if (!k)
        return;
    free(k->axis_wt);
    free(k->axis_ws);
    free(k->centre);
    free(k);
}

void kn_imu_knee_reset(struct kn_imu_knee *k)
{
    static const double z[3] = { 0, 0, 1 };

    plane_from_axis(&k->pt, z);
    plane_from_axis(&k->ps, z);
    k->axes_version = 0;
    k->init = false;
    k->knee = 0;
    k->bias = 0;
    kn_ring_init(&k->r, RING);
    k->axis_n = k->axis_new = 0;
    k->axis_every = AXIS_FIRST;
    k->axis_last_t = -INFINITY;
    k->opinion = NAN;
    /* nominal: straight down the thigh, straight up the shank */
    k->ot[0] = 0;
    k->ot[1] = -k->lever_t;
    k->ot[2] = 0;
    k->os[0] = 0;
    k->os[1] = k->lever_s;
    k->os[2] = 0;
}

unsigned kn_imu_knee_axes_version(const struct kn_imu_knee *k)
{
    return k->axes_version;
}

void kn_imu_knee_axes(const struct kn_imu_knee *k, double ret_thigh[3], double ret_shank[3])
{
    memcpy(ret_thigh, k->pt.j, 3 * sizeof(double));
    memcpy(ret_shank, k->ps.j, 3 * sizeof(double));
}

double kn_imu_knee_shank_frontal_rate(const struct kn_imu_knee *k, const double shank_gyro[3])
{
    return dot(shank_gyro, k->ps.u);
}

static struct sample *ring_at(struct kn_imu_knee *k, uint32_t back)
{
    return &k->ring[kn_ring_at(&k->r, back)];
}

/* The magnitude of a specific force's part in a segment's flexion plane. */
static double plane_norm(const struct plane *p, const double f[3])
{
    double u = dot(f, p->u), v = dot(f, p->v);

    return sqrt(u * u + v * v);
}

/* The tilt of a specific force in a segment's flexion plane. */
static double plane_angle(const struct plane *p, const double f[3])
{
    return atan2(dot(f, p->u), dot(f, p->v));
}

/* The knee centre's specific force seen by one IMU: f + alpha x r +
 * w x (w x r), r from the sensor to the knee centre along the segment. */
static void knee_centre(const double f[3], const double w[3], const double alpha[3],
                        const double r[3], double out[3])
{
    double ar[3], wr[3], wwr[3];

    cross(alpha, r, ar);
    cross(w, r, wr);
    cross(w, wr, wwr);
    for (int i = 0; i < 3; i++)
        out[i] = f[i] + ar[i] + wwr[i];
}

/* Knee angle (rad) from the two accelerometers at ring sample c, with
 * angular accelerations alpha_t, alpha_s.  *ret_weight in [0, 1] says
 * whether the reading is usable at all; *ret_trust in (0, 1] how much
 * the moment can be trusted (most when quasi-static). */
static double accel_knee(const struct kn_imu_knee *k, const struct plane *pt, const struct plane *ps,
                         const struct sample *c, const double alpha_t[3], const double alpha_s[3],
                         double *ret_weight, double *ret_trust)
{
    double kt[3], ks[3], mt, ms, m, agree, w;

    knee_centre(c->at, c->wt, alpha_t, k->ot, kt);
    knee_centre(c->as, c->ws, alpha_s, k->os, ks);
    /* only the components in each flexion plane carry the angle (plain
     * sqrt: frames are range-checked, nothing here can overflow, and
     * libm's hypot costs several times more per frame) */
    mt = plane_norm(pt, kt) / KN_STANDARD_GRAVITY;
    ms = plane_norm(ps, ks) / KN_STANDARD_GRAVITY;
    m = fmin(mt, ms);
    /* the two magnitudes must agree: they measure the same vector */
    agree = fabs(mt - ms) / fmax(fmax(mt, ms), 1e-3);
    w = fmin(fmax((m - 0.4) / 0.4, 0.0), 1.0);
    w *= fmin(fmax(1.0 - (agree - 0.15) / 0.25, 0.0), 1.0);
    /* Most trust when the leg is quasi-static (slow segments, ~1 g): real
     * sleeves add soft-tissue wobble and impact ringing that no rigid-body
     * correction removes, and walking offers such moments every stride.
     * Some trust always, for running, which has none. */
    {
        double spin = (dot(c->wt, c->wt) + dot(c->ws, c->ws)) / (QUIET_RADS * QUIET_RADS);
        double dev = (0.5 * (mt + ms) - 1.0) / QUIET_G;

        *ret_trust = DYNAMIC_TRUST + (1.0 - DYNAMIC_TRUST) * exp(-spin - dev * dev);
    }
    *ret_weight = w;
    return kn_wrap_pi(plane_angle(pt, kt) - plane_angle(ps, ks));
}

double kn_imu_knee_static(const struct kn_imu_knee *k, const double thigh_accel[3],
                          const double shank_accel[3])
{
    return kn_wrap_pi(plane_angle(&k->pt, thigh_accel) - plane_angle(&k->ps, shank_accel));
}

static void collect_axis_sample(struct kn_imu_knee *k, const struct kn_frame *f, double dt)
{
    double mag = sqrt(dot(f->thigh_gyro, f->thigh_gyro)) + sqrt(dot(f->shank_gyro, f->shank_gyro));
    const struct sample *prev;
    struct kn_joint_sample *js;
    uint32_t i;

    if (f->t_s - k->axis_last_t < AXIS_DT_S || mag < AXIS_MOVING_RADS || k->r.count == 0 || dt <= 0)
        return;
    k->axis_last_t = f->t_s;
    i = k->axis_n % AXIS_SAMPLES;
    memcpy(k->axis_wt[i], f->thigh_gyro, sizeof(k->axis_wt[i]));
    memcpy(k->axis_ws[i], f->shank_gyro, sizeof(k->axis_ws[i]));
    prev = ring_at(k, 0);
    js = &k->centre[i];
    for (int a = 0; a < 3; a++) {
        js->at[a] = f->thigh_accel[a];
        js->wt[a] = f->thigh_gyro[a];
        js->alt[a] = (f->thigh_gyro[a] - prev->wt[a]) / dt;
        js->as[a] = f->shank_accel[a];
        js->ws[a] = f->shank_gyro[a];
        js->als[a] = (f->shank_gyro[a] - prev->ws[a]) / dt;
    }
    k->axis_n++;
    k->axis_new++;
}

static double residual_rms(const struct kn_imu_knee *k, uint32_t n, const double jt[3], const double js[3])
{
    double sum = 0, a[3], b[3];

    for (uint32_t i = 0; i < n; i++) {
        cross(k->axis_wt[i], jt, a);
        cross(k->axis_ws[i], js, b);
        sum += pow(sqrt(dot(a, a)) - sqrt(dot(b, b)), 2);
    }
    return sqrt(sum / n);
}

/* Where the knee centre is: a lever arm off by a few centimetres puts
 * omega^2 * error into the reference at every swing.  The fit is adopted
 * when it explains the two sensors' accelerations clearly better. */
static void refit_centre(struct kn_imu_knee *k, uint32_t n)
{
    struct kn_joint_centre_fit fit;

    if (!kn_joint_centre_fit(k->centre, n, k->ot, k->os, CENTRE_MAX_M, &fit))
        return;
    if (fit.rms > CENTRE_GAIN * fit.rms_start)
        return;
    memcpy(k->ot, fit.thigh, sizeof(k->ot));
    memcpy(k->os, fit.shank, sizeof(k->os));
}

/* Re-estimates the axes once enough new movement has been seen; on a
 * change, shifts the filter so the angle continues without a jump. */
static void maybe_refit_axes(struct kn_imu_knee *k)
{
    struct kn_joint_axis_fit fit;
    struct plane nt, ns;
    double shift = 0, wsum = 0;

    uint32_t n = k->axis_n < AXIS_SAMPLES ? k->axis_n : AXIS_SAMPLES;

    if (k->axis_new < k->axis_every)
        return;
    k->axis_new = 0;
    k->axis_every = k->axis_every == AXIS_FIRST ? AXIS_REFIT
                                                : (k->axis_every * 2 > AXIS_REFIT_MAX ? AXIS_REFIT_MAX : k->axis_every * 2);
    refit_centre(k, n);
    if (!kn_joint_axis_fit((const double (*)[3]) k->axis_wt, (const double (*)[3]) k->axis_ws, n,
                           k->pt.j, k->ps.j, &fit))
        return;
    if (fit.rms > AXIS_GAIN * residual_rms(k, n, k->pt.j, k->ps.j))
        return;
    if (acos(fmin(dot(fit.thigh, k->pt.j), 1.0)) < AXIS_MIN_CHANGE &&
        acos(fmin(dot(fit.shank, k->ps.j), 1.0)) < AXIS_MIN_CHANGE)
        return;
    plane_from_axis(&nt, fit.thigh);
    plane_from_axis(&ns, fit.shank);
    /* the same poses under the new axes read a different raw angle: take
     * the difference over the ring's (static-part) accelerometer angles */
    for (uint32_t b = 0; b < k->r.count; b++) {
        const struct sample *s = ring_at(k, b);
        double w = 1.0;
        double d = kn_wrap_pi(plane_angle(&nt, s->at) - plane_angle(&ns, s->as) -
                              (plane_angle(&k->pt, s->at) - plane_angle(&k->ps, s->as)));

        shift += w * d;
        wsum += w;
    }
    k->pt = nt;
    k->ps = ns;
    k->axes_version++;
    if (wsum > 0)
        k->knee = kn_wrap_pi(k->knee + shift / wsum);
    for (uint32_t b = 0; b < k->r.count; b++)
        ring_at(k, b)->knee += shift / wsum;
}

/* Rounded and clamped as a double, converted last: lround() of the ratio
 * overflowed for a tiny interval (a recording may put two rows 1e-300 s
 * apart), and its result then differs between x86 (LONG_MIN: a window of
 * 1) and arm (saturation: 15). */
unsigned kn_imu_knee_half_window(double dt)
{
    if (!(dt > 0))
        return 1;
    return (unsigned) fmax(1.0, fmin(round(ALPHA_HALF_S / dt), (RING - 1) / 2));
}

bool kn_imu_knee_push(struct kn_imu_knee *k, const struct kn_frame *f, double dt,
                      double *ret_knee_rad, double *ret_rate_rads)
{
    struct sample *cur;
    double rate;
    uint32_t h;

    if (k->r.count > 0 && (dt <= 0 || dt >= GAP_S)) {
        /* a gap: start again from the accelerometers */
        kn_ring_clear(&k->r);
        k->init = false;
        k->opinion = NAN;
    }
    collect_axis_sample(k, f, dt);
    maybe_refit_axes(k);

    rate = dot(f->thigh_gyro, k->pt.j) - dot(f->shank_gyro, k->ps.j);
    if (k->init) {
        /* trapezoidal: the rectangle rule leads a 500 deg/s swing by a degree */
        const struct sample *prev = ring_at(k, 0);
        double prev_rate = dot(prev->wt, k->pt.j) - dot(prev->ws, k->ps.j);

        k->knee = kn_wrap_pi(k->knee + (0.5 * (rate + prev_rate) - k->bias) * dt);
    }
    cur = &k->ring[kn_ring_push(&k->r)];
    cur->t = f->t_s;
    memcpy(cur->wt, f->thigh_gyro, sizeof(cur->wt));
    memcpy(cur->ws, f->shank_gyro, sizeof(cur->ws));
    memcpy(cur->at, f->thigh_accel, sizeof(cur->at));
    memcpy(cur->as, f->shank_accel, sizeof(cur->as));
    cur->knee = k->knee;

    h = kn_imu_knee_half_window(dt);
    if (dt > 0 && k->r.count >= 2 * h + 1) {
        struct sample *newest = ring_at(k, 0), *oldest = ring_at(k, 2 * h), *c = ring_at(k, h);
        double span = newest->t - oldest->t, at[3], as[3], w, trust, knee_acc;

        for (int i = 0; i < 3; i++) {
            at[i] = (newest->wt[i] - oldest->wt[i]) / span;
            as[i] = (newest->ws[i] - oldest->ws[i]) / span;
        }
        knee_acc = accel_knee(k, &k->pt, &k->ps, c, at, as, &w, &trust);
        if (w >= 0.5 && k->init) {
            double g = dt / (dt + OPINION_TAU_S);

            if (isnan(k->opinion)) {
                k->opinion = knee_acc;
                k->echo = c->knee;
            } else {
                k->opinion += kn_wrap_pi(knee_acc - k->opinion) * g;
                k->echo += kn_wrap_pi(c->knee - k->echo) * g;
            }
        } else {
            k->opinion = NAN;
        }
        if (!k->init) {
            if (w >= 0.5) {
                /* start at the accelerometer angle, carried to now by the gyros */
                k->knee = knee_acc;
                c->knee = knee_acc;
                for (uint32_t b = h; b-- > 0;) {
                    struct sample *s = ring_at(k, b), *p = ring_at(k, b + 1);
                    double r1 = dot(s->wt, k->pt.j) - dot(s->ws, k->ps.j);
                    double r0 = dot(p->wt, k->pt.j) - dot(p->ws, k->ps.j);

                    k->knee += 0.5 * (r1 + r0) * (s->t - p->t);
                    s->knee = k->knee;
                }
                k->knee = kn_wrap_pi(k->knee);
                k->init = true;
            }
        } else if (w > 0) {
            double e = kn_wrap_pi(knee_acc - c->knee);

            w *= trust;
            double g = w * dt / TAU_S;

            k->knee = kn_wrap_pi(k->knee + g * e);
            k->bias -= w * e * dt / (TAU_S * BIAS_TAU_S);
            /* keep the stored estimates consistent with the correction */
            for (uint32_t b = 0; b <= 2 * h; b++)
                ring_at(k, b)->knee += g * e;
        }
    }
    if (!k->init)
        return false;
    *ret_knee_rad = k->knee;
    *ret_rate_rads = rate - k->bias;
    return true;
}

double kn_imu_knee_disagreement(const struct kn_imu_knee *k)
{
    return isnan(k->opinion) ? NAN : kn_wrap_pi(k->opinion - k->echo);
}
