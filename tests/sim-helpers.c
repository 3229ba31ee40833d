/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "tests/sim-helpers.h"

void config_blocks(struct kn_sim_config *c, const char *const *blocks)
{
    char err[256];

    c->n_blocks = 0;
    for (; *blocks; blocks++) {
        int r = kn_sim_config_add_block(c, *blocks, err, sizeof(err));

        if (r < 0)
            g_error("block %s: %s", *blocks, err);
    }
}

void config_event(struct kn_sim_config *c, const char *spec)
{
    char err[256];

    if (kn_sim_config_add_event(c, spec, err, sizeof(err)) < 0)
        g_error("event %s: %s", spec, err);
}

struct kn_sim *sim_new_checked(const struct kn_sim_config *c)
{
    char err[256];
    struct kn_sim *s;

    if (kn_sim_config_validate(c, err, sizeof(err)) < 0)
        g_error("config: %s", err);
    s = kn_sim_new(c);
    g_assert_nonnull(s);
    return s;
}

void run_sim(const struct kn_sim_config *c, struct run *r)
{
    struct kn_sim *s = sim_new_checked(c);
    size_t cap = (size_t) ceil(kn_sim_duration(s) * c->rate_hz) + 1;
    const struct kn_sim_window *w;

    r->f = g_new(struct kn_frame, cap);
    r->t = g_new(struct kn_sim_truth, cap);
    r->n = 0;
    while (kn_sim_next(s, &r->f[r->n], &r->t[r->n])) {
        g_assert_cmpuint(r->n, <, cap);
        r->n++;
    }
    r->n_windows = kn_sim_windows(s, &w);
    g_assert_cmpuint(r->n_windows, <=, G_N_ELEMENTS(r->windows));
    memcpy(r->windows, w, r->n_windows * sizeof(*w));
    kn_sim_free(s);
}

void run_clear(struct run *r)
{
    g_free(r->f);
    g_free(r->t);
}

size_t index_at(const struct run *r, double t)
{
    for (size_t i = 0; i < r->n; i++)
        if (r->t[i].t_s >= t)
            return i;
    return r->n;
}

void stride_stats(const struct run *r, double from_s, double to_s, struct stride_stats *ret)
{
    double ic = NAN, to = NAN, sum2 = 0;
    size_t ic_i = 0, to_i = 0;

    memset(ret, 0, sizeof(*ret));
    ret->swing_peak_min = INFINITY;
    ret->swing_peak_max = -INFINITY;
    for (size_t i = 0; i < r->n; i++) {
        const struct kn_sim_truth *t = &r->t[i];

        if (t->toe_off) {
            to = t->event_t_s;
            to_i = i;
        }
        if (!t->initial_contact)
            continue;
        if (!isnan(ic) && !isnan(to) && to > ic && ic >= from_s && t->event_t_s <= to_s) {
            double stance_peak = -INFINITY, swing_peak = -INFINITY, min_knee = INFINITY;
            size_t half = ic_i + (to_i - ic_i) / 2;

            for (size_t k = ic_i; k < i; k++) {
                double knee = r->t[k].knee_deg;

                if (k < half)
                    stance_peak = fmax(stance_peak, knee);
                if (k >= to_i)
                    swing_peak = fmax(swing_peak, knee);
                min_knee = fmin(min_knee, knee);
            }
            ret->n++;
            ret->stride_s += t->event_t_s - ic;
            sum2 += (t->event_t_s - ic) * (t->event_t_s - ic);
            ret->contact_s += to - ic;
            ret->ic_knee += r->t[ic_i].knee_deg;
            ret->stance_peak += stance_peak;
            ret->swing_peak += swing_peak;
            ret->min_knee += min_knee;
            ret->swing_peak_min = fmin(ret->swing_peak_min, swing_peak);
            ret->swing_peak_max = fmax(ret->swing_peak_max, swing_peak);
        }
        ic = t->event_t_s;
        ic_i = i;
        to = NAN;
    }
    g_assert_cmpint(ret->n, >, 2);
    ret->stride_s /= ret->n;
    ret->stride_sd = sqrt(fmax(0, sum2 / ret->n - ret->stride_s * ret->stride_s));
    ret->contact_s /= ret->n;
    ret->ic_knee /= ret->n;
    ret->stance_peak /= ret->n;
    ret->swing_peak /= ret->n;
    ret->min_knee /= ret->n;
}

int count_contacts(const struct run *r)
{
    int n = 0;

    for (size_t i = 0; i < r->n; i++)
        n += r->t[i].initial_contact;
    return n;
}
