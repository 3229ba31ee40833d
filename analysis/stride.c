/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/filter.h"
#include "analysis/ring.h"
#include "analysis/stride.h"

#define HIST_CAP 4096u
#define MIN_STRIDE_S 0.4
#define MAX_STRIDE_S 2.5
#define CV_STRIDES 10
/* the impact of a contact: its onset and the ringing that follows */
#define IMPACT_BEFORE_S 0.02
#define IMPACT_AFTER_S 0.08

struct point {
    double t;
    double knee;
    double accel_g;
};

struct kn_strides {
    struct point hist[HIST_CAP];
    struct kn_ring ring;
    double open_ic;           /* NaN when none */
    double open_to;           /* toe-off after open_ic, NaN until seen */
    double times[CV_STRIDES];
    uint32_t n_times;
    double contacts[8];
    uint32_t n_contacts;
    double typical_contact;
};

struct kn_strides *kn_strides_new(void)
{
    struct kn_strides *s = calloc(1, sizeof(*s));

    if (s)
        kn_strides_reset(s);
    return s;
}

void kn_strides_free(struct kn_strides *s)
{
    free(s);
}

void kn_strides_reset(struct kn_strides *s)
{
    memset(s, 0, sizeof(*s));
    kn_ring_init(&s->ring, HIST_CAP);
    s->open_ic = NAN;
    s->open_to = NAN;
    s->typical_contact = NAN;
}

void kn_strides_sample(struct kn_strides *s, double t, double knee_deg, double accel_g)
{
    s->hist[kn_ring_push(&s->ring)] = (struct point) { .t = t, .knee = knee_deg, .accel_g = accel_g };
}

void kn_strides_toe_off(struct kn_strides *s, double t)
{
    if (!isnan(s->open_ic) && t > s->open_ic)
        s->open_to = t;
}

void kn_strides_stop(struct kn_strides *s)
{
    s->open_ic = NAN;
    s->open_to = NAN;
    s->n_times = 0;
}

double kn_strides_last_contact(const struct kn_strides *s)
{
    return s->open_ic;
}

double kn_strides_typical_contact(const struct kn_strides *s)
{
    return s->typical_contact;
}

static const struct point *at(const struct kn_strides *s, uint32_t back)
{
    return &s->hist[kn_ring_at(&s->ring, back)];
}

struct span {
    double max, min;
};

/* Extremes of the knee over [t0, t1]; NaN when no angle there. */
static struct span knee_span(const struct kn_strides *s, double t0, double t1)
{
    struct span r = { NAN, NAN };

    for (uint32_t b = 0; b < s->ring.count; b++) {
        const struct point *p = at(s, b);

        if (p->t > t1)
            continue;
        if (p->t < t0)
            break;
        if (isnan(p->knee))
            continue;
        if (isnan(r.max) || p->knee > r.max)
            r.max = p->knee;
        if (isnan(r.min) || p->knee < r.min)
            r.min = p->knee;
    }
    return r;
}

/* Knee at time t, interpolated. */
static double knee_at(const struct kn_strides *s, double t)
{
    for (uint32_t b = 0; b + 1 < s->ring.count; b++) {
        const struct point *hi = at(s, b), *lo = at(s, b + 1);

        if (lo->t <= t && hi->t >= t) {
            double f = (t - lo->t) / fmax(hi->t - lo->t, 1e-12);

            return lo->knee + f * (hi->knee - lo->knee);
        }
    }
    return NAN;
}

static double accel_peak(const struct kn_strides *s, double t0, double t1)
{
    double best = NAN;

    for (uint32_t b = 0; b < s->ring.count; b++) {
        const struct point *p = at(s, b);

        if (p->t > t1)
            continue;
        if (p->t < t0)
            break;
        if (!isnan(p->accel_g) && (isnan(best) || p->accel_g > best))
            best = p->accel_g;
    }
    return best;
}

bool kn_strides_contact(struct kn_strides *s, double t, struct kn_stride *ret)
{
    double start = s->open_ic, to = s->open_to;
    double stride, mean, sd;
    struct span all;

    s->open_ic = t;
    s->open_to = NAN;
    if (isnan(start))
        return false;
    stride = t - start;
    if (stride < MIN_STRIDE_S || stride > MAX_STRIDE_S || s->ring.count == 0 ||
        at(s, s->ring.count - 1)->t > start) {
        if (stride > MAX_STRIDE_S)
            s->n_times = 0;
        return false;
    }

    kn_stride_clear(ret);
    ret->t_s = t;
    ret->start_s = start;
    ret->stride_s = stride;
    ret->cadence_spm = 2.0 * 60.0 / stride;

    all = knee_span(s, start, t);
    ret->ic_flex_deg = knee_at(s, start);
    ret->min_flex_deg = all.min;
    ret->rom_deg = all.max - all.min;
    if (!isnan(to) && to > start && to < t) {
        struct span stance = knee_span(s, start, to);
        struct span swing = knee_span(s, to, t);

        ret->contact_s = to - start;
        ret->stance_peak_flex_deg = stance.max;
        ret->swing_peak_flex_deg = swing.max;
        kn_push_recent(s->contacts, &s->n_contacts, 8, ret->contact_s);
        if (s->n_contacts >= 3)
            s->typical_contact = kn_median(s->contacts, s->n_contacts);
    } else {
        ret->swing_peak_flex_deg = all.max;
    }
    ret->impact_g = accel_peak(s, start - IMPACT_BEFORE_S, start + IMPACT_AFTER_S);

    kn_push_recent(s->times, &s->n_times, CV_STRIDES, stride);
    if (kn_mean_sd(s->times, s->n_times, &mean, &sd) >= 3)
        ret->stride_cv_pct = 100.0 * sd / mean;
    return true;
}
