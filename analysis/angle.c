/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/angle.h"
#include "analysis/filter.h"
#include "analysis/imu-knee.h"

/* Offset between flex sensor and IMUs: slow normally, fast from a clear
 * disagreement (the sleeve slipped) until it is settled. */
#define FUSE_TAU_SLOW_S      20.0
#define FUSE_TAU_FAST_S      1.0
#define FUSE_SLIP_DEG        3.0
#define FUSE_SETTLED_DEG     0.3
/* Stillness from how much the signals vary, not from their values: a
 * MEMS gyro's bias can be several degrees per second, and a calibration
 * error of a few percent moves |a| off 1 g. */
#define STILL_GYRO_SD        0.12     /* rad/s, sagittal and frontal together; walking ~1-2 */
#define STILL_GYRO_MEAN      0.2      /* rad/s: more than any bias, less than a movement */
#define STILL_ACCEL_SD       0.03     /* g */
#define STILL_ACCEL_G        0.10     /* |a| within this of 1 g */
#define STILL_TAU_S          0.4
#define STILL_FLEX_DEG       1.0      /* flex sensor alone: within a degree */
#define UPRIGHT_TILT_DEG     30.0
#define STANDING_DEADBAND    5.0
#define AUTOZERO_STILL_S     1.0
#define GAP_S                0.25

struct motion {
    bool init;
    double g_mean[3], g_var[3];
    double a_mean, a_var;
    double a_vec[3];          /* mean specific force: the still pose */
};

struct kn_angle {
    struct kn_angle_params p;
    struct kn_imu_knee *imu;
    bool imu_valid;
    double imu_raw_deg;

    /* flex */
    double prev_flex;
    bool have_prev_flex;
    double flex_rate;

    /* zeros (deg, subtracted from raw) */
    double zero_imu;
    double zero_flex;
    bool calibrated;          /* explicitly, or by quiet standing */
    /* the standing pose the IMU zero was taken in, to carry the zero over
     * when the flexion axes are re-estimated */
    bool have_standing;
    double standing_t[3], standing_s[3];
    double standing_raw_deg;
    unsigned axes_version;

    /* fusion */
    bool fuse_init;
    double fuse_off;
    double fuse_fast;
    bool fuse_slipping;

    /* stillness */
    struct motion thigh_motion, shank_motion;
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
    a->imu = kn_imu_knee_new(a->p.thigh_lever_m, a->p.shank_lever_m);
    if (!a->imu) {
        free(a);
        return NULL;
    }
    kn_angle_reset(a);
    return a;
}

void kn_angle_free(struct kn_angle *a)
{
    if (!a)
        return;
    kn_imu_knee_free(a->imu);
    free(a);
}

void kn_angle_reset(struct kn_angle *a)
{
    struct kn_angle_params p = a->p;
    struct kn_imu_knee *imu = a->imu;

    memset(a, 0, sizeof(*a));
    a->p = p;
    a->imu = imu;
    kn_imu_knee_reset(imu);
}

static void motion_update(struct motion *m, const double gyro[3], const double accel[3], double dt)
{
    double a = sqrt(accel[0] * accel[0] + accel[1] * accel[1] + accel[2] * accel[2]) / KN_STANDARD_GRAVITY;
    double k = dt > 0 ? dt / (dt + STILL_TAU_S) : 1.0;

    if (!m->init) {
        for (int i = 0; i < 3; i++) {
            m->g_mean[i] = gyro[i];
            m->g_var[i] = STILL_GYRO_SD * STILL_GYRO_SD;     /* not still until shown */
            m->a_vec[i] = accel[i];
        }
        m->a_mean = a;
        m->a_var = STILL_ACCEL_SD * STILL_ACCEL_SD;
        m->init = true;
        return;
    }
    for (int i = 0; i < 3; i++) {
        double d = gyro[i] - m->g_mean[i];

        m->g_mean[i] += k * d;
        m->g_var[i] += k * (d * d - m->g_var[i]);
        m->a_vec[i] += k * (accel[i] - m->a_vec[i]);
    }
    {
        double d = a - m->a_mean;

        m->a_mean += k * d;
        m->a_var += k * (d * d - m->a_var);
    }
}

/* Axial twist (gyro y, along the segment) is left out: shifting weight
 * while standing twists the thigh without moving the knee's sagittal
 * angle, which is what a calibration zeroes. */
static bool motion_still(const struct motion *m)
{
    return m->init && m->g_var[0] + m->g_var[2] < STILL_GYRO_SD * STILL_GYRO_SD &&
           fabs(m->g_mean[0]) < STILL_GYRO_MEAN && fabs(m->g_mean[2]) < STILL_GYRO_MEAN &&
           m->a_var < STILL_ACCEL_SD * STILL_ACCEL_SD && fabs(m->a_mean - 1.0) < STILL_ACCEL_G;
}

static bool imu_upright(const struct kn_frame *f)
{
    double tilt_t = atan2(f->thigh_accel[0], f->thigh_accel[1]) * KN_DEG_PER_RAD;
    double tilt_s = atan2(f->shank_accel[0], f->shank_accel[1]) * KN_DEG_PER_RAD;

    return fabs(tilt_t) < UPRIGHT_TILT_DEG && fabs(tilt_s) < UPRIGHT_TILT_DEG;
}

/* Before any calibration, a standing reading within the deadband is
 * believed (people stand with the knee a little bent or a little back);
 * beyond it, it is taken for a sensor offset and all of it removed:
 * standing straight is the zero. */
static double standing_offset(double knee)
{
    return fabs(knee) > STANDING_DEADBAND ? knee : 0;
}

static void remember_standing(struct kn_angle *a)
{
    memcpy(a->standing_t, a->thigh_motion.a_vec, sizeof(a->standing_t));
    memcpy(a->standing_s, a->shank_motion.a_vec, sizeof(a->standing_s));
    a->standing_raw_deg = kn_imu_knee_static(a->imu, a->standing_t, a->standing_s) * KN_DEG_PER_RAD;
    a->have_standing = true;
}

/* The flexion axes were re-estimated: the same standing pose now reads
 * another raw angle; move the zero with it. */
static void follow_axes(struct kn_angle *a)
{
    unsigned v = kn_imu_knee_axes_version(a->imu);
    double raw;

    if (v == a->axes_version)
        return;
    a->axes_version = v;
    if (!a->have_standing)
        return;
    raw = kn_imu_knee_static(a->imu, a->standing_t, a->standing_s) * KN_DEG_PER_RAD;
    a->zero_imu += raw - a->standing_raw_deg;
    a->standing_raw_deg = raw;
}

void kn_angle_push(struct kn_angle *a, const struct kn_frame *f, double dt, struct kn_angle_out *out)
{
    bool have_imu = (f->present & (KN_HAS_THIGH_IMU | KN_HAS_SHANK_IMU)) ==
                    (KN_HAS_THIGH_IMU | KN_HAS_SHANK_IMU);
    bool have_flex = f->present & KN_HAS_FLEX;
    bool still = false, upright = false, flex_still = true;
    double imu_deg = NAN, flex_deg = NAN, rate = NAN;
    double frontal = (f->present & KN_HAS_SHANK_GYRO) ? f->shank_gyro[0] : NAN;

    if (have_imu) {
        double knee_rad, rate_rads;

        a->imu_valid = kn_imu_knee_push(a->imu, f, dt, &knee_rad, &rate_rads);
        follow_axes(a);
        if (a->imu_valid) {
            a->imu_raw_deg = knee_rad * KN_DEG_PER_RAD;
            imu_deg = a->imu_raw_deg - a->zero_imu;
            rate = rate_rads * KN_DEG_PER_RAD;
        }
        frontal = kn_imu_knee_shank_frontal_rate(a->imu, f->shank_gyro);
        motion_update(&a->thigh_motion, f->thigh_gyro, f->thigh_accel, dt);
        motion_update(&a->shank_motion, f->shank_gyro, f->shank_accel, dt);
        still = motion_still(&a->thigh_motion) && motion_still(&a->shank_motion);
        upright = still && imu_upright(f);
    } else if (a->imu_valid || a->thigh_motion.init) {
        /* an IMU dropped out: start over when both are back */
        a->imu_valid = false;
        kn_imu_knee_reset(a->imu);
        follow_axes(a);
        a->thigh_motion.init = a->shank_motion.init = false;
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
        /* still while the reading stays within a degree of an anchor */
        if (!a->flex_anchor_set || fabs(raw - a->flex_anchor) > STILL_FLEX_DEG) {
            a->flex_anchor = raw;
            a->flex_anchor_set = true;
            flex_still = false;
        }
        if (!have_imu) {
            rate = a->flex_rate;
            still = flex_still;
            upright = still && fabs(flex_deg) < 15.0;
        } else {
            /* every sensor must agree the leg is still */
            still = still && flex_still;
            upright = upright && flex_still;
        }
    } else {
        a->have_prev_flex = false;
    }

    a->still_s = still ? a->still_s + dt : 0;

    /* quiet upright standing before any calibration: remove what looks
     * like a sensor offset */
    if (upright && a->still_s >= AUTOZERO_STILL_S && !a->calibrated) {
        if (!isnan(imu_deg)) {
            double c = standing_offset(imu_deg);

            a->zero_imu += c;
            imu_deg -= c;
            remember_standing(a);
        }
        if (!isnan(flex_deg)) {
            double c = isnan(imu_deg) ? standing_offset(flex_deg) : flex_deg - imu_deg;

            a->zero_flex += c;
            flex_deg -= c;
        }
        a->calibrated = true;
    }

    out->imu_knee_deg = imu_deg;
    out->flex_deg = flex_deg;
    out->check_gap_deg = !isnan(flex_deg) ? 0.0
                         : !isnan(imu_deg) ? kn_imu_knee_disagreement(a->imu) * KN_DEG_PER_RAD
                                           : NAN;
    out->rate_dps = rate;
    out->frontal_rads = frontal;
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

    if (a->imu_valid) {
        double imu_deg = a->imu_raw_deg - a->zero_imu;

        before = imu_deg;
        a->zero_imu += imu_deg;
        remember_standing(a);
    }
    if (a->have_prev_flex) {
        double flex_deg = a->prev_flex - a->zero_flex;

        if (!a->imu_valid)
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

double kn_angle_still_s(const struct kn_angle *a)
{
    return a->still_s;
}

double kn_angle_zero_offset(const struct kn_angle *a)
{
    if (a->imu_valid)
        return a->zero_imu;
    return a->zero_flex;
}
