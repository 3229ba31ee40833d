/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/sim-score.h"

#define MAX_EVENTS 20000
#define MATCH_S 0.060
#define BOUNDARY_S 1.0

struct run_state {
    struct sim_score *score;
    double *det_start;
    double *det_contact;
    double *det_cadence;
    size_t n_det;
};

static void on_stride(const struct kn_stride *s, void *user_data)
{
    struct run_state *r = user_data;

    if (r->n_det >= MAX_EVENTS)
        return;
    r->det_start[r->n_det] = s->start_s;
    r->det_contact[r->n_det] = s->contact_s;
    r->det_cadence[r->n_det] = s->cadence_spm;
    r->n_det++;
}

static void on_alert(const struct kn_alert *a, void *user_data)
{
    struct run_state *r = user_data;

    if (r->score->n_alerts < SIM_SCORE_MAX_ALERTS)
        r->score->alerts[r->score->n_alerts++] = *a;
}

/* Whether t is in the steady part of a walking/running block. */
static bool steady(const struct kn_sim_config *c, double t)
{
    double start = 0;

    for (size_t i = 0; i < c->n_blocks; i++) {
        double end = start + c->blocks[i].duration_s;

        if (t >= start && t < end)
            return c->blocks[i].activity != KN_SIM_STAND && t > start + BOUNDARY_S && t < end - BOUNDARY_S;
        start = end;
    }
    return false;
}

bool sim_score_run(const struct kn_sim_config *c, const struct kn_params *params,
                   struct sim_score *ret, char *err, size_t err_len)
{
    struct run_state r = { .score = ret };
    double *ic = malloc(MAX_EVENTS * sizeof(double));
    double *to = malloc(MAX_EVENTS * sizeof(double));
    size_t n_ic = 0, n_to = 0;
    struct kn_sim *sim;
    struct kn_analysis *a;
    const struct kn_sim_window *w;
    struct kn_frame f;
    struct kn_sim_truth tr;
    double sq = 0, err_sum = 0, cad_sum = 0, c_sum = 0, c_sq = 0;
    size_t cad_n = 0;

    memset(ret, 0, sizeof(*ret));
    if (kn_sim_config_validate(c, err, err_len) < 0) {
        free(ic);
        free(to);
        return false;
    }
    r.det_start = malloc(MAX_EVENTS * sizeof(double));
    r.det_contact = malloc(MAX_EVENTS * sizeof(double));
    r.det_cadence = malloc(MAX_EVENTS * sizeof(double));
    sim = kn_sim_new(c);
    a = kn_analysis_new(params);
    if (!ic || !to || !r.det_start || !r.det_contact || !r.det_cadence || !sim || !a)
        abort();
    kn_analysis_set_callbacks(a, on_stride, on_alert, &r);

    while (kn_sim_next(sim, &f, &tr)) {
        double knee;

        if (kn_analysis_push(a, &f) < 0)
            abort();
        if (tr.initial_contact && n_ic < MAX_EVENTS)
            ic[n_ic++] = isnan(tr.event_t_s) ? tr.t_s : tr.event_t_s;
        if (tr.toe_off && n_to < MAX_EVENTS)
            to[n_to++] = isnan(tr.event_t_s) ? tr.t_s : tr.event_t_s;
        knee = kn_analysis_live(a)->knee_deg;
        if (!isnan(knee) && tr.t_s > 5.0) {
            double e = knee - tr.knee_deg;

            sq += e * e;
            ret->knee_samples++;
            ret->knee_max_err_deg = fmax(ret->knee_max_err_deg, fabs(e));
        }
        ret->duration_s = tr.t_s;
    }
    ret->knee_rmse_deg = ret->knee_samples ? sqrt(sq / ret->knee_samples) : NAN;

    /* steady strides: the truth's, and ours */
    for (size_t i = 0; i + 1 < n_ic; i++)
        if (steady(c, ic[i]) && steady(c, ic[i + 1]) && ic[i + 1] - ic[i] < 2.5)
            ret->truth_strides++;
    for (size_t j = 0; j < r.n_det; j++) {
        double best = INFINITY;
        size_t bi = 0;

        double start, end;

        for (size_t i = 0; i < n_ic; i++) {
            if (fabs(r.det_start[j] - ic[i]) < fabs(best)) {
                best = r.det_start[j] - ic[i];
                bi = i;
            }
        }
        /* judge steadiness by the true contact a stride was matched to,
         * so that a detection a few ms off at the edge counts the same */
        start = fabs(best) <= MATCH_S ? ic[bi] : r.det_start[j];
        end = fabs(best) <= MATCH_S && bi + 1 < n_ic ? ic[bi + 1] : r.det_start[j] + 120.0 / r.det_cadence[j];
        if (!steady(c, start) || !steady(c, end))
            continue;
        ret->detected_strides++;
        cad_sum += r.det_cadence[j];
        cad_n++;
        if (fabs(best) > MATCH_S)
            continue;
        ret->matched++;
        err_sum += best;
        ret->ic_max_abs_err_s = fmax(ret->ic_max_abs_err_s, fabs(best));
        if (!isnan(r.det_contact[j])) {
            for (size_t k = 0; k < n_to; k++) {
                if (to[k] > ic[bi] && (bi + 1 >= n_ic || to[k] < ic[bi + 1])) {
                    double e = r.det_contact[j] - (to[k] - ic[bi]);

                    c_sum += e;
                    c_sq += e * e;
                    ret->contact_n++;
                    break;
                }
            }
        }
    }
    ret->ic_mean_err_s = ret->matched ? err_sum / ret->matched : NAN;
    ret->contact_mean_err_s = ret->contact_n ? c_sum / ret->contact_n : NAN;
    ret->contact_rms_err_s = ret->contact_n ? sqrt(c_sq / ret->contact_n) : NAN;
    ret->cadence_mean_spm = cad_n ? cad_sum / cad_n : NAN;
    kn_analysis_summary(a, &ret->summary);

    ret->n_windows = kn_sim_windows(sim, &w);
    if (ret->n_windows > SIM_SCORE_MAX_WINDOWS)
        ret->n_windows = SIM_SCORE_MAX_WINDOWS;
    memcpy(ret->windows, w, ret->n_windows * sizeof(*w));
    for (size_t k = 0; k < ret->n_alerts; k++) {
        const struct kn_alert *al = &ret->alerts[k];
        bool explained = al->severity == KN_SEVERITY_INFO;

        for (size_t q = 0; q < ret->n_windows; q++) {
            if (al->t_s < w[q].start_s || al->t_s > w[q].end_s)
                continue;
            if ((int) al->kind == w[q].expect_alert) {
                ret->window_hits[q]++;
                explained = true;
            }
        }
        if (!explained)
            ret->unexplained_alerts++;
    }

    kn_analysis_free(a);
    kn_sim_free(sim);
    free(ic);
    free(to);
    free(r.det_start);
    free(r.det_contact);
    free(r.det_cadence);
    return true;
}

void sim_score_format(const struct sim_score *s, char *buf, size_t len)
{
    snprintf(buf, len,
             "knee RMSE %.2f deg (max %.1f); strides %zu/%zu (matched %zu); IC error mean %+.1f ms, "
             "worst %.1f ms; contact error mean %+.0f ms, rms %.0f ms; cadence %.2f spm; alerts %zu "
             "(%zu unexplained)",
             s->knee_rmse_deg, s->knee_max_err_deg, s->detected_strides, s->truth_strides, s->matched,
             1000 * s->ic_mean_err_s, 1000 * s->ic_max_abs_err_s, 1000 * s->contact_mean_err_s,
             1000 * s->contact_rms_err_s, s->cadence_mean_spm, s->n_alerts, s->unexplained_alerts);
}
