/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <math.h>
#include <string.h>

#include "daemon/session.h"

static void stat_init(struct kn_stat *st)
{
    memset(st, 0, sizeof(*st));
    st->min = NAN;
    st->max = NAN;
}

/* Welford: sd holds the running sum of squared deviations until the
 * summary turns it into a standard deviation. */
static void stat_add(struct kn_stat *st, double x)
{
    double delta;

    if (!isfinite(x))
        return;
    st->n++;
    delta = x - st->mean;
    st->mean += delta / st->n;
    st->sd += delta * (x - st->mean);
    st->min = st->n == 1 ? x : fmin(st->min, x);
    st->max = st->n == 1 ? x : fmax(st->max, x);
}

static void stat_finish(struct kn_stat *st)
{
    st->sd = st->n > 1 ? sqrt(st->sd / (st->n - 1)) : 0;
    if (st->n == 0)
        st->mean = NAN;
}

void kn_session_stats_init(KnSessionStats *s)
{
    memset(s, 0, sizeof(*s));
    s->first_t_s = NAN;
    s->last_t_s = NAN;
    stat_init(&s->sum.stride_s);
    stat_init(&s->sum.cadence_spm);
    stat_init(&s->sum.contact_s);
    stat_init(&s->sum.ic_flex_deg);
    stat_init(&s->sum.stance_peak_flex_deg);
    stat_init(&s->sum.swing_peak_flex_deg);
    stat_init(&s->sum.min_flex_deg);
    stat_init(&s->sum.rom_deg);
    stat_init(&s->sum.impact_g);
}

void kn_session_stats_add_frames(KnSessionStats *s, double first_t_s, double last_t_s,
                                 unsigned n_frames)
{
    if (n_frames == 0)
        return;
    if (isnan(s->first_t_s))
        s->first_t_s = first_t_s;
    s->last_t_s = last_t_s;
    s->frames += n_frames;
}

void kn_session_stats_add_stride(KnSessionStats *s, const struct kn_stride *st)
{
    s->sum.strides++;
    s->sum.steps += 2;
    stat_add(&s->sum.stride_s, st->stride_s);
    stat_add(&s->sum.cadence_spm, st->cadence_spm);
    stat_add(&s->sum.contact_s, st->contact_s);
    stat_add(&s->sum.ic_flex_deg, st->ic_flex_deg);
    stat_add(&s->sum.stance_peak_flex_deg, st->stance_peak_flex_deg);
    stat_add(&s->sum.swing_peak_flex_deg, st->swing_peak_flex_deg);
    stat_add(&s->sum.min_flex_deg, st->min_flex_deg);
    stat_add(&s->sum.rom_deg, st->rom_deg);
    stat_add(&s->sum.impact_g, st->impact_g);
}

void kn_session_stats_add_alert(KnSessionStats *s, enum kn_alert_kind kind)
{
    if ((unsigned) kind < KN_ALERT_KIND_COUNT)
        s->sum.alerts[kind]++;
}

void kn_session_stats_summary(const KnSessionStats *s, struct kn_summary *ret)
{
    *ret = s->sum;
    ret->frames = s->frames;
    ret->duration_s = isnan(s->first_t_s) ? 0 : s->last_t_s - s->first_t_s;
    stat_finish(&ret->stride_s);
    stat_finish(&ret->cadence_spm);
    stat_finish(&ret->contact_s);
    stat_finish(&ret->ic_flex_deg);
    stat_finish(&ret->stance_peak_flex_deg);
    stat_finish(&ret->swing_peak_flex_deg);
    stat_finish(&ret->min_flex_deg);
    stat_finish(&ret->rom_deg);
    stat_finish(&ret->impact_g);
    ret->stride_cv_pct = ret->stride_s.n > 1 && ret->stride_s.mean > 0
        ? 100.0 * ret->stride_s.sd / ret->stride_s.mean : NAN;
}
