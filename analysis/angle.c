/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/angle.h"
#include "analysis/filter.h"

/* Complementary filter: correction time constant and bias integral. */
#define IMU_TAU_S            0.6
#define IMU_BIAS_TAU_S       8.0
/* Offset between flex sensor and IMUs: slow normally, fast when the two
 * clearly disagree (the sleeve slipped). */
#define FUSE_TAU_SLOW_S      20.0
#define FUSE_TAU_FAST_S      1.0
#define FUSE_SLIP_DEG        3.0
#define FUSE_SETTLED_DEG     0.3
/* Stillness: gyros below 0.15 rad/s, accelerometers within 0.1 g of 1 g;
 * for the flex sensor alone, less than 1 degree of change. */
#define STILL_GYRO_RADS      0.15
#define STILL_ACCEL_G        0.10
#define STILL_FLEX_DEG       1.0
#define UPRIGHT_TILT_DEG     30.0
#define STANDING_DEADBAND    3.0
#define AUTOZERO_STILL_S     1.5
#define GAP_S                0.25

/* The accelerometer angle needs the segments' angular acceleration, a
 * derivative of the gyro.  It is taken as a central difference over
 * +-ALPHA_HALF_S, which has no phase lag, so the accelerometer is
 * compared with the estimate of that many seconds ago. */
#define ALPHA_HALF_S 0.005
#define IMU_RING 32u

struct imu_sample {
    double t;
    double wt, ws;
    double tax, tay, sax, say;
    double knee;              /* gyro-propagated estimate at t */
};

struct kn_angle {
    struct kn_angle_params p;

    /* knee-centre complementary filter */
    bool imu_init;
    double knee_imu;          /* rad, raw (before zero) */
    double bias;              /* rad/s, gyro difference bias */
    struct imu_sample ring[IMU_RING];
    uint32_t ring_n;          /* samples since the filter (re)started */

    /* flex */
    double prev_flex;
    bool have_prev_flex;
    double flex_rate;

    /* zeros (deg, subtracted from raw) */
    double zero_imu;
    double zero_flex;
    bool calibrated;          /* explicitly, or by quiet standing */

    /* fusion */
    bool fuse_init;
    double fuse_off;          /* (flex - imu) slow */
    double fuse_fast;
    bool fuse_slipping;

    /* stillness */
    double still_s;
    double flex_anchor;
    bool flex_anchor_set;
};

void kn_angle_params_init(struct kn_angle_params *p)
{
    p->thigh_lever_m = 0.12;
    p->shank_lever_m = 0.12;
}

struct kn_angle *kn_angle_new(const struct kn_angle_params *p)
{
    struct kn_angle *a = calloc(1, sizeof(*a));

    if (!a)
        return NULL;
    if (p)
        a->p = *p;
    else
        kn_angle_params_init(&a->p);
    kn_angle_reset(a);
    return a;
}

void kn_angle_free(struct kn_angle *a)
{
    free(a);
}

void kn_angle_reset(struct kn_angle *a)
{
    struct kn_angle_params p = a->p;

    memset(a, 0, sizeof(*a));
    a->p = p;
}

static double norm2(double x, double y)
{
    return sqrt(x * x + y * y);
}

/* Knee angle (rad) from the two accelerometers moved to the knee centre,
 * for ring sample c whose angular accelerations are at, as; *ret_weight
 * in [0, 1] says how much to trust it. */
static double accel_knee(const struct kn_angle *a, const struct imu_sample *c,
                         double at, double as, double *ret_weight)
{
    double dt = a->p.thigh_lever_m, ds = a->p.shank_lever_m;
    /* thigh IMU sits above the knee (+y): the knee centre is at -dt*y */
    double ktx = c->tax + at * dt;
    double kty = c->tay + c->wt * c->wt * dt;
    /* shank IMU sits below the knee (-y): the knee centre is at +ds*y */
    double ksx = c->sax - as * ds;
    double ksy = c->say - c->ws * c->ws * ds;
    double mt = norm2(ktx, kty) / KN_STANDARD_GRAVITY;
    double ms = norm2(ksx, ksy) / KN_STANDARD_GRAVITY;
    double m = fmin(mt, ms);
    /* the two magnitudes must agree: they measure the same vector */
    double agree = fabs(mt - ms) / fmax(fmax(mt, ms), 1e-3);
    double w = fmin(fmax((m - 0.4) / 0.4, 0.0), 1.0);

    w *= fmin(fmax(1.0 - (agree - 0.15) / 0.25, 0.0), 1.0);
    *ret_weight = w;
    return kn_wrap_pi(atan2(ktx, kty) - atan2(ksx, ksy));
}

static struct imu_sample *ring_at(struct kn_angle *a, uint32_t back)
{
    return &a->ring[(a->ring_n - 1u - back) % IMU_RING];
}

static void push_imu(struct kn_angle *a, const struct kn_frame *f, double dt)
{
    struct imu_sample *cur;
    uint32_t h;

    if (a->ring_n > 0 && (dt <= 0 || dt >= GAP_S)) {
        /* a gap: start again from the accelerometers */
        a->ring_n = 0;
        a->imu_init = false;
    }
    if (a->imu_init) {
        /* trapezoidal: the rectangle rule leads a 500 deg/s swing by a degree */
        const struct imu_sample *prev = ring_at(a, 0);
        double rate = 0.5 * (f->thigh_gyro[2] - f->shank_gyro[2] + prev->wt - prev->ws) - a->bias;

        a->knee_imu = kn_wrap_pi(a->knee_imu + rate * dt);
    }
    cur = &a->ring[a->ring_n % IMU_RING];
    *cur = (struct imu_sample) {
        .t = f->t_s, .wt = f->thigh_gyro[2], .ws = f->shank_gyro[2],
        .tax = f->thigh_accel[0], .tay = f->thigh_accel[1],
        .sax = f->shank_accel[0], .say = f->shank_accel[1],
        .knee = a->knee_imu,
    };
    a->ring_n++;

    /* half-window in samples, from this frame's interval */
    h = (uint32_t) fmax(1.0, fmin(lround(ALPHA_HALF_S / dt), (IMU_RING - 1) / 2));
    if (dt <= 0 || a->ring_n < 2 * h + 1)
        return;
    {
        struct imu_sample *newest = ring_at(a, 0), *oldest = ring_at(a, 2 * h), *c = ring_at(a, h);
        double span = newest->t - oldest->t;
        double at = (newest->wt - oldest->wt) / span;
        double as = (newest->ws - oldest->ws) / span;
        double w, e, k, knee_acc = accel_knee(a, c, at, as, &w);

        if (!a->imu_init) {
            if (w < 0.5)
                return;
            /* start at the accelerometer angle, carried to now by the gyros */
            a->knee_imu = knee_acc;
            c->knee = knee_acc;
            for (uint32_t b = h; b-- > 0;) {
                struct imu_sample *s = ring_at(a, b), *p = ring_at(a, b + 1);

                a->knee_imu += 0.5 * (s->wt - s->ws + p->wt - p->ws) * (s->t - p->t);
                s->knee = a->knee_imu;
            }
            a->knee_imu = kn_wrap_pi(a->knee_imu);
            a->imu_init = true;
            return;
        }
        if (w <= 0)
            return;
        e = kn_wrap_pi(knee_acc - c->knee);
        k = w * dt / IMU_TAU_S;
        a->knee_imu = kn_wrap_pi(a->knee_imu + k * e);
        a->bias -= w * e * dt / (IMU_TAU_S * IMU_BIAS_TAU_S);
        /* keep the stored estimates consistent with the correction */
        for (uint32_t b = 0; b <= 2 * h; b++)
            ring_at(a, b)->knee += k * e;
    }
}

static bool imu_still(const struct kn_frame *f)
{
    const double *acc[2] = { f->thigh_accel, f->shank_accel };
    const double *gyr[2] = { f->thigh_gyro, f->shank_gyro };

    for (int s = 0; s < 2; s++) {
        double m = sqrt(acc[s][0] * acc[s][0] + acc[s][1] * acc[s][1] + acc[s][2] * acc[s][2]);
        double g = sqrt(gyr[s][0] * gyr[s][0] + gyr[s][1] * gyr[s][1] + gyr[s][2] * gyr[s][2]);

        if (fabs(m / KN_STANDARD_GRAVITY - 1.0) > STILL_ACCEL_G || g > STILL_GYRO_RADS)
            return false;
    }
    return true;
}

static bool imu_upright(const struct kn_frame *f)
{
    double tilt_t = atan2(f->thigh_accel[0], f->thigh_accel[1]) * KN_DEG_PER_RAD;
    double tilt_s = atan2(f->shank_accel[0], f->shank_accel[1]) * KN_DEG_PER_RAD;

    return fabs(tilt_t) < UPRIGHT_TILT_DEG && fabs(tilt_s) < UPRIGHT_TILT_DEG;
}

/* Removes the part of a standing reading beyond the deadband. */
static double deadband_excess(double knee)
{
    if (knee > STANDING_DEADBAND)
        return knee - STANDING_DEADBAND;
    if (knee < -STANDING_DEADBAND)
        return knee + STANDING_DEADBAND;
    return 0;
}

void kn_angle_push(struct kn_angle *a, const struct kn_frame *f, double dt, struct kn_angle_out *out)
{
    bool have_imu = (f->present & (KN_HAS_THIGH_IMU | KN_HAS_SHANK_IMU)) ==
                    (KN_HAS_THIGH_IMU | KN_HAS_SHANK_IMU);
    bool have_flex = f->present & KN_HAS_FLEX;
    bool still = false, upright = false;
    double imu_deg = NAN, flex_deg = NAN, rate = NAN;

    if (have_imu) {
        push_imu(a, f, dt);
        if (a->imu_init) {
            imu_deg = a->knee_imu * KN_DEG_PER_RAD - a->zero_imu;
            rate = (f->thigh_gyro[2] - f->shank_gyro[2] - a->bias) * KN_DEG_PER_RAD;
        }
        still = imu_still(f);
        upright = still && imu_upright(f);
    } else {
        a->imu_init = false;
        a->ring_n = 0;
    }

    if (have_flex) {
        double raw = f->knee_deg;

        if (a->have_prev_flex && dt > 0 && dt < GAP_S)
            a->flex_rate = kn_lowpass(a->flex_rate, (raw - a->prev_flex) / dt, dt, 0.008);
        else
            a->flex_rate = 0;
        a->prev_flex = raw;
        a->have_prev_flex = true;
        flex_deg = raw - a->zero_flex;
        if (!have_imu) {
            rate = a->flex_rate;
            /* still while the reading stays within a degree of an anchor */
            if (!a->flex_anchor_set || fabs(raw - a->flex_anchor) > STILL_FLEX_DEG) {
                a->flex_anchor = raw;
                a->flex_anchor_set = true;
            } else {
                still = true;
            }
            upright = still && fabs(flex_deg) < 15.0;
        }
    } else {
        a->have_prev_flex = false;
    }

    a->still_s = still ? a->still_s + dt : 0;

    /* quiet upright standing before any calibration: remove what looks
     * like a sensor offset */
    if (upright && a->still_s >= AUTOZERO_STILL_S && !a->calibrated) {
        if (!isnan(imu_deg)) {
            double c = deadband_excess(imu_deg);

            a->zero_imu += c;
            imu_deg -= c;
        }
        if (!isnan(flex_deg)) {
            double c = deadband_excess(isnan(imu_deg) ? flex_deg : flex_deg - imu_deg);

            a->zero_flex += c;
            flex_deg -= c;
        }
        a->calibrated = true;
    }

    out->imu_knee_deg = imu_deg;
    out->flex_deg = flex_deg;
    out->rate_dps = rate;
    out->still = a->still_s >= 1.0;
    out->still_s = a->still_s;
    out->upright = upright && out->still;

    if (!isnan(flex_deg) && !isnan(imu_deg)) {
        double diff = flex_deg - imu_deg;

        if (!a->fuse_init || dt <= 0 || dt >= GAP_S) {
            a->fuse_off = a->fuse_fast = diff;
            a->fuse_init = true;
        } else {
            a->fuse_fast = kn_lowpass(a->fuse_fast, diff, dt, FUSE_TAU_FAST_S);
            /* follow fast from a clear disagreement until it is gone */
            if (fabs(a->fuse_fast - a->fuse_off) > FUSE_SLIP_DEG)
                a->fuse_slipping = true;
            else if (fabs(a->fuse_fast - a->fuse_off) < FUSE_SETTLED_DEG)
                a->fuse_slipping = false;
            a->fuse_off = kn_lowpass(a->fuse_off, a->fuse_fast, dt,
                                     a->fuse_slipping ? FUSE_TAU_FAST_S : FUSE_TAU_SLOW_S);
        }
        out->knee_deg = flex_deg - a->fuse_off;
        out->source = KN_ANGLE_FUSED;
    } else if (!isnan(imu_deg)) {
        a->fuse_init = false;
        out->knee_deg = imu_deg;
        out->source = KN_ANGLE_IMU;
    } else if (!isnan(flex_deg)) {
        a->fuse_init = false;
        out->knee_deg = flex_deg;
        out->source = KN_ANGLE_FLEX;
    } else {
        a->fuse_init = false;
        out->knee_deg = NAN;
        out->rate_dps = NAN;
        out->source = KN_ANGLE_NONE;
    }
}

double kn_angle_calibrate(struct kn_angle *a)
{
    double before = 0;

    if (a->imu_init) {
        double imu_deg = a->knee_imu * KN_DEG_PER_RAD - a->zero_imu;

        before = imu_deg;
        a->zero_imu += imu_deg;
    }
    if (a->have_prev_flex) {
        double flex_deg = a->prev_flex - a->zero_flex;

        if (!a->imu_init)
            before = flex_deg;
        a->zero_flex += flex_deg;
        a->fuse_off = a->fuse_fast = 0;
    }
    a->calibrated = true;
    return before;
}

void kn_angle_shift_flex_zero(struct kn_angle *a, double delta_deg)
{
    a->zero_flex += delta_deg;
}

double kn_angle_zero_offset(const struct kn_angle *a)
{
    if (a->imu_init)
        return a->zero_imu;
    return a->zero_flex;
}

double kn_angle_still_s(const struct kn_angle *a)
{
    return a->still_s;
}
