/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/analysis.h"
#include "analysis/angle.h"
#include "analysis/detect.h"
#include "analysis/filter.h"
#include "analysis/gait.h"
#include "analysis/stride.h"

/* Flex-sensor-only zero drift: a slipping sleeve shifts the whole curve —
 * its most extended and most bent points move together and the range
 * stays.  Locking or swelling change the range.  A shift seen over this
 * many strides in a row is taken as drift and removed. */
#define DRIFT_STRIDES 4
#define DRIFT_MIN_DEG 3.0
#define DRIFT_ROM_TOLERANCE 0.3

struct welford {
    uint32_t n;
    double mean, m2, min, max;
};

struct kn_analysis {
    struct kn_params params;
    kn_stride_fn on_stride;
    kn_alert_fn on_alert;
    void *user_data;

    struct kn_angle *angle;
    struct kn_gait *gait;
    struct kn_strides *strides;
    struct kn_detect *detect;

    struct kn_live live;
    bool have_frame;
    double first_t;
    uint32_t frames;
    double sensors_seen_t[5];

    /* flex-only drift */
    double drift_ref_min, drift_ref_max;
    uint32_t drift_ref_n;
    double drift_shift[DRIFT_STRIDES];
    uint32_t drift_n;

    /* summary */
    struct welford w[9];
    double all_stride_s_sum, all_stride_s_sq;
    uint32_t alerts[KN_ALERT_KIND_COUNT];
};

enum { W_STRIDE, W_CAD, W_CONTACT, W_ICFLEX, W_STANCE, W_SWING, W_MIN, W_ROM, W_IMPACT };

static void welford_add(struct welford *w, double x)
{
    double d;

    if (isnan(x))
        return;
    if (w->n == 0)
        w->min = w->max = x;
    w->n++;
    d = x - w->mean;
    w->mean += d / w->n;
    w->m2 += d * (x - w->mean);
    w->min = fmin(w->min, x);
    w->max = fmax(w->max, x);
}

static struct kn_stat welford_stat(const struct welford *w)
{
    struct kn_stat s = { .n = w->n, .mean = NAN, .sd = NAN, .min = NAN, .max = NAN };

    if (w->n == 0)
        return s;
    s.mean = w->mean;
    s.sd = w->n > 1 ? sqrt(w->m2 / (w->n - 1)) : 0;
    s.min = w->min;
    s.max = w->max;
    return s;
}

struct kn_analysis *kn_analysis_new(const struct kn_params *params)
{
    struct kn_analysis *a;
    struct kn_params defaults;

    if (!params) {
        kn_params_init(&defaults);
        params = &defaults;
    }
    if (kn_params_validate(params, NULL) < 0)
        return NULL;
    a = calloc(1, sizeof(*a));
    if (!a)
        return NULL;
    a->params = *params;
    a->angle = kn_angle_new(NULL);
    a->gait = kn_gait_new();
    a->strides = kn_strides_new();
    a->detect = kn_detect_new(params);
    if (!a->angle || !a->gait || !a->strides || !a->detect) {
        kn_analysis_free(a);
        return NULL;
    }
    kn_analysis_reset(a);
    return a;
}

void kn_analysis_free(struct kn_analysis *a)
{
    if (!a)
        return;
    kn_angle_free(a->angle);
    kn_gait_free(a->gait);
    kn_strides_free(a->strides);
    kn_detect_free(a->detect);
    free(a);
}

void kn_analysis_reset(struct kn_analysis *a)
{
    kn_angle_reset(a->angle);
    kn_gait_reset(a->gait);
    kn_strides_reset(a->strides);
    kn_detect_reset(a->detect);
    memset(&a->live, 0, sizeof(a->live));
    a->live.knee_deg = NAN;
    a->live.knee_speed_dps = NAN;
    a->live.baseline_rom_deg = NAN;
    a->live.activity = KN_ACTIVITY_UNKNOWN;
    kn_stride_clear(&a->live.last_stride);
    a->have_frame = false;
    a->frames = 0;
    a->first_t = 0;
    for (int i = 0; i < 5; i++)
        a->sensors_seen_t[i] = -INFINITY;
    a->drift_ref_n = 0;
    a->drift_n = 0;
    memset(a->w, 0, sizeof(a->w));
    memset(a->alerts, 0, sizeof(a->alerts));
}

void kn_analysis_set_callbacks(struct kn_analysis *a, kn_stride_fn on_stride,
                               kn_alert_fn on_alert, void *user_data)
{
    a->on_stride = on_stride;
    a->on_alert = on_alert;
    a->user_data = user_data;
}

int kn_analysis_set_params(struct kn_analysis *a, const struct kn_params *params)
{
    if (kn_params_validate(params, NULL) < 0)
        return -EINVAL;
    a->params = *params;
    kn_detect_set_params(a->detect, params);
    return 0;
}

const struct kn_params *kn_analysis_get_params(const struct kn_analysis *a)
{
    return &a->params;
}

const struct kn_live *kn_analysis_live(const struct kn_analysis *a)
{
    return &a->live;
}

static void deliver_alerts(struct kn_analysis *a, const struct kn_alert *alerts, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        a->alerts[alerts[i].kind]++;
        if (a->on_alert)
            a->on_alert(&alerts[i], a->user_data);
    }
}

/* Flex sensor alone: a stride whose extremes both moved by the same
 * amount against the reference is a slipped sleeve. */
static void track_flex_drift(struct kn_analysis *a, const struct kn_stride *s)
{
    double max_flex = s->min_flex_deg + s->rom_deg, dmin, dmax;

    if (!(a->live.sensors & KN_HAS_FLEX) ||
        (a->live.sensors & (KN_HAS_THIGH_IMU | KN_HAS_SHANK_IMU)) == (KN_HAS_THIGH_IMU | KN_HAS_SHANK_IMU) ||
        isnan(s->rom_deg))
        return;
    if (a->drift_ref_n < 10) {
        /* reference: running mean of the first strides */
        a->drift_ref_min = (a->drift_ref_min * a->drift_ref_n + s->min_flex_deg) / (a->drift_ref_n + 1);
        a->drift_ref_max = (a->drift_ref_max * a->drift_ref_n + max_flex) / (a->drift_ref_n + 1);
        a->drift_ref_n++;
        return;
    }
    dmin = s->min_flex_deg - a->drift_ref_min;
    dmax = max_flex - a->drift_ref_max;
    if (fabs(dmin) >= DRIFT_MIN_DEG && dmin * dmax > 0 &&
        fabs(dmin - dmax) <= DRIFT_ROM_TOLERANCE * fabs(dmin)) {
        a->drift_shift[a->drift_n++] = 0.5 * (dmin + dmax);
        if (a->drift_n == DRIFT_STRIDES) {
            double shift = kn_median(a->drift_shift, DRIFT_STRIDES);

            kn_angle_shift_flex_zero(a->angle, shift);
            a->drift_n = 0;
        }
    } else {
        a->drift_n = 0;
    }
}

static enum kn_activity classify(const struct kn_analysis *a, const struct kn_stride *s)
{
    /* By cadence alone: a flight phase would be the textbook criterion,
     * but contact time is the least certain metric on a degraded sleeve
     * (accelerometer or flex sensor only) and must not turn a walk into a
     * run that then gets running advice. */
    if (s->cadence_spm >= kn_params_get(&a->params, KN_PARAM_RUNNING_MIN_CADENCE_SPM))
        return KN_ACTIVITY_RUNNING;
    return KN_ACTIVITY_WALKING;
}

static void on_contact(struct kn_analysis *a, const struct kn_gait_event *ev, double now)
{
    struct kn_alert alerts[KN_DETECT_MAX_ALERTS];
    struct kn_stride s;
    size_t n;

    if (kn_strides_contact(a->strides, ev->t_s, &s)) {
        s.index = ++a->live.strides;
        s.activity = classify(a, &s);
        a->live.last_stride = s;
        a->live.has_last_stride = true;
        a->live.cadence_spm = s.cadence_spm;
        a->live.activity = s.activity;

        welford_add(&a->w[W_STRIDE], s.stride_s);
        welford_add(&a->w[W_CAD], s.cadence_spm);
        welford_add(&a->w[W_CONTACT], s.contact_s);
        welford_add(&a->w[W_ICFLEX], s.ic_flex_deg);
        welford_add(&a->w[W_STANCE], s.stance_peak_flex_deg);
        welford_add(&a->w[W_SWING], s.swing_peak_flex_deg);
        welford_add(&a->w[W_MIN], s.min_flex_deg);
        welford_add(&a->w[W_ROM], s.rom_deg);
        welford_add(&a->w[W_IMPACT], s.impact_g);

        n = kn_detect_stride(a->detect, &s, now, alerts);
        a->live.baseline_rom_deg = kn_detect_baseline_rom(a->detect);
        if (a->on_stride)
            a->on_stride(&s, a->user_data);
        deliver_alerts(a, alerts, n);
        track_flex_drift(a, &s);
    }
    n = kn_detect_contact(a->detect, ev->t_s, now, alerts);
    deliver_alerts(a, alerts, n);
}

int kn_analysis_push(struct kn_analysis *a, const struct kn_frame *f)
{
    struct kn_gait_event events[KN_GAIT_MAX_EVENTS];
    struct kn_alert alerts[KN_DETECT_MAX_ALERTS];
    struct kn_angle_out ang;
    struct kn_detect_sample ds;
    double dt, accel_g = NAN;
    size_t n;

    if (kn_frame_check(f, NULL) < 0)
        return -EINVAL;
    if (a->have_frame && !(f->t_s > a->live.t_s))
        return -EINVAL;
    dt = a->have_frame ? f->t_s - a->live.t_s : 0;
    if (!a->have_frame)
        a->first_t = f->t_s;
    a->have_frame = true;
    a->frames++;
    a->live.t_s = f->t_s;
    for (int i = 0; i < 5; i++)
        if (f->present & (1u << i))
            a->sensors_seen_t[i] = f->t_s;
    a->live.sensors = 0;
    for (int i = 0; i < 5; i++)
        if (f->t_s - a->sensors_seen_t[i] <= 1.0)
            a->live.sensors |= 1u << i;

    kn_angle_push(a->angle, f, dt, &ang);
    a->live.knee_deg = ang.knee_deg;
    a->live.knee_speed_dps = ang.rate_dps;
    a->live.zero_offset_deg = kn_angle_zero_offset(a->angle);

    if (f->present & KN_HAS_SHANK_ACCEL)
        accel_g = sqrt(f->shank_accel[0] * f->shank_accel[0] + f->shank_accel[1] * f->shank_accel[1] +
                       f->shank_accel[2] * f->shank_accel[2]) / KN_STANDARD_GRAVITY;
    kn_strides_sample(a->strides, f->t_s, ang.knee_deg, accel_g);

    n = kn_gait_push(a->gait, f, ang.knee_deg, events);
    for (size_t i = 0; i < n; i++) {
        switch (events[i].type) {
        case KN_GAIT_IC:
            on_contact(a, &events[i], f->t_s);
            break;
        case KN_GAIT_TO:
            kn_strides_toe_off(a->strides, events[i].t_s);
            break;
        case KN_GAIT_STOP:
            kn_strides_stop(a->strides);
            kn_detect_stop(a->detect);
            a->live.cadence_spm = 0;
            a->live.activity = KN_ACTIVITY_STILL;
            break;
        }
    }

    ds = (struct kn_detect_sample) {
        .t = f->t_s,
        .knee_deg = ang.knee_deg,
        .rate_dps = ang.rate_dps,
        .check_gap_deg = ang.check_gap_deg,
        .frontal_rads = ang.frontal_rads,
        .last_ic = kn_strides_last_contact(a->strides),
        .typical_contact_s = kn_strides_typical_contact(a->strides),
    };
    n = kn_detect_sample(a->detect, &ds, alerts);
    deliver_alerts(a, alerts, n);

    if (isnan(kn_strides_last_contact(a->strides)) && ang.still)
        a->live.activity = KN_ACTIVITY_STILL;
    a->live.in_stance = !isnan(ds.last_ic) &&
                        f->t_s - ds.last_ic <= (isnan(ds.typical_contact_s) ? 0.3 : ds.typical_contact_s);
    return 0;
}

int kn_analysis_calibrate(struct kn_analysis *a, struct kn_calibration *ret)
{
    double before;

    if (!a->have_frame || isnan(a->live.knee_deg) || a->live.t_s - a->first_t < 1.0)
        return -ENODATA;
    if (kn_angle_still_s(a->angle) < 1.0)
        return -EBUSY;
    before = kn_angle_calibrate(a->angle);
    a->drift_ref_n = 0;
    a->drift_n = 0;
    if (ret) {
        ret->residual_deg = before;
        ret->offset_deg = kn_angle_zero_offset(a->angle);
        ret->stillness_dps = isnan(a->live.knee_speed_dps) ? 0 : fabs(a->live.knee_speed_dps);
        ret->window_s = kn_angle_still_s(a->angle);
    }
    a->live.zero_offset_deg = kn_angle_zero_offset(a->angle);
    a->live.knee_deg -= before;
    return 0;
}

void kn_analysis_summary(const struct kn_analysis *a, struct kn_summary *ret)
{
    struct kn_stat st;

    memset(ret, 0, sizeof(*ret));
    ret->frames = a->frames;
    ret->duration_s = a->frames ? a->live.t_s - a->first_t : 0;
    ret->strides = a->live.strides;
    ret->steps = 2 * a->live.strides;
    ret->stride_s = welford_stat(&a->w[W_STRIDE]);
    ret->cadence_spm = welford_stat(&a->w[W_CAD]);
    ret->contact_s = welford_stat(&a->w[W_CONTACT]);
    ret->ic_flex_deg = welford_stat(&a->w[W_ICFLEX]);
    ret->stance_peak_flex_deg = welford_stat(&a->w[W_STANCE]);
    ret->swing_peak_flex_deg = welford_stat(&a->w[W_SWING]);
    ret->min_flex_deg = welford_stat(&a->w[W_MIN]);
    ret->rom_deg = welford_stat(&a->w[W_ROM]);
    ret->impact_g = welford_stat(&a->w[W_IMPACT]);
    st = ret->stride_s;
    ret->stride_cv_pct = st.n > 1 ? 100.0 * st.sd / st.mean : NAN;
    memcpy(ret->alerts, a->alerts, sizeof(ret->alerts));
}
