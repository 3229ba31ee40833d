/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Scripted events of the simulated sleeve: how each one reshapes the
 * knee (and the shank's frontal angle, or the flex sensor's zero), and
 * the window in which the analysis should report it.  Every shape is
 * built from C2 smoothsteps applied to jets, so the IMU signals follow
 * the event as exactly as they follow the gait.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "drivers/sim-internal.h"

/* Hyperextension: the knee is driven to HYPER_BEYOND_DEG past the
 * scripted depth (so the true angle does go below -depth), held, let go. */
#define HYPER_BEYOND_DEG 1.5
#define HYPER_HOLD_S 0.06
#define HYPER_FALL_S 0.15
#define HYPER_WINDOW_DEG (-5.0)
#define HYPER_WINDOW_LEAD_S 0.01
#define HYPER_WINDOW_S 0.3

/* Giving way: the collapse peaks within GIVE_RISE_S of initial contact. */
#define GIVE_RISE_S 0.12
#define GIVE_HOLD_S 0.05
#define GIVE_FALL_S 0.30
#define GIVE_WINDOW_AFTER_S 0.5

/* Locking: blends in and out over LOCK_EDGE_S; soft floor width. */
#define LOCK_EDGE_S 0.5
#define LOCK_SOFTNESS_DEG 5.0

#define RANGE_LOSS_WINDOW_AFTER_S 60.0
#define LOCKING_WINDOW_AFTER_S 5.0

/* Sorts event indices by time, stably (insertion sort: no global state
 * for qsort, and n <= 1024 once per run). */
static void sort_indices(const struct kn_sim_config *c, size_t *idx, size_t n)
{
    for (size_t i = 1; i < n; i++) {
        size_t v = idx[i], j = i;

        while (j > 0 && c->events[v].t_s < c->events[idx[j - 1]].t_s) {
            idx[j] = idx[j - 1];
            j--;
        }
        idx[j] = v;
    }
}

void kn_sim_events_init(struct kn_sim *s)
{
    const struct kn_sim_config *c = &s->cfg;

    for (size_t i = 0; i < c->n_events; i++) {
        const struct kn_sim_event *e = &c->events[i];
        struct kn_sim_window *w = &s->windows[i];

        s->order[i] = i;
        memset(&s->ev[i], 0, sizeof(s->ev[i]));
        w->kind = e->kind;
        w->expect_alert = kn_sim_event_expected_alert(e->kind);
        switch (e->kind) {
        case KN_SIM_EVENT_HYPEREXTENSION:
        case KN_SIM_EVENT_GIVING_WAY:
            w->start_s = NAN;      /* found when the knee gets there */
            w->end_s = NAN;
            break;
        case KN_SIM_EVENT_RANGE_LOSS:
            w->start_s = e->t_s;
            w->end_s = e->t_s + e->duration_s + RANGE_LOSS_WINDOW_AFTER_S;
            break;
        case KN_SIM_EVENT_LOCKING:
            w->start_s = e->t_s;
            w->end_s = e->t_s + e->duration_s + LOCKING_WINDOW_AFTER_S;
            break;
        case KN_SIM_EVENT_SLEEVE_SLIP:
            w->start_s = e->t_s;
            w->end_s = s->pass_s;
            break;
        case KN_SIM_EVENT_KIND_COUNT:
            break;
        }
    }
    sort_indices(c, s->order, c->n_events);
    s->next_event = 0;
    s->n_active = 0;
    s->lost_range_deg = 0;
    s->slip_deg = 0;
}

static void drop_active(struct kn_sim *s, size_t k)
{
    s->active[k] = s->active[--s->n_active];
}

static double ramp(double t, double t0, double span)
{
    if (t <= t0)
        return 0;
    if (span <= 0 || t >= t0 + span)
        return 1;
    return (t - t0) / span;
}

struct kn_jet kn_sim_events_range_loss(struct kn_sim *s, double t)
{
    const struct kn_sim_config *c = &s->cfg;
    struct kn_jet lost = kn_jet_const(s->lost_range_deg);

    /* Events happen in the first pass only. */
    while (s->next_event < c->n_events && s->pass == 0 &&
           c->events[s->order[s->next_event]].t_s <= t) {
        size_t i = s->order[s->next_event++];

        s->ev[i].state = KN_SIM_EV_ARMED;
        s->active[s->n_active++] = i;
    }
    for (size_t k = 0; k < s->n_active;) {
        size_t i = s->active[k];
        const struct kn_sim_event *e = &c->events[i];

        if (e->kind != KN_SIM_EVENT_RANGE_LOSS) {
            k++;
            continue;
        }
        /* A linear ramp: the swelling builds up steadily. */
        if (t >= e->t_s + e->duration_s) {
            s->lost_range_deg += e->magnitude_deg;
            lost.v += e->magnitude_deg;
            s->ev[i].state = KN_SIM_EV_DONE;
            drop_active(s, k);
            continue;
        }
        lost.v += e->magnitude_deg * ramp(t, e->t_s, e->duration_s);
        lost.d += e->magnitude_deg / e->duration_s;
        k++;
    }
    return lost;
}

/* max(x, floor) with a soft corner of width LOCK_SOFTNESS_DEG. */
static struct kn_jet soft_floor(struct kn_jet x, double floor_rad)
{
    double k = LOCK_SOFTNESS_DEG * KN_SIM_DEG;
    double u = (x.v - floor_rad) / k;
    double sp = u > 30 ? u : log1p(exp(u));
    double sig = 1 / (1 + exp(-u));

    return kn_jet_compose(floor_rad + k * sp, sig, sig * (1 - sig) / k, x);
}

static void apply_locking(struct kn_sim *s, const struct kn_sim_moment *m, struct kn_jet *knee)
{
    const struct kn_sim_config *c = &s->cfg;

    for (size_t k = 0; k < s->n_active;) {
        size_t i = s->active[k];
        const struct kn_sim_event *e = &c->events[i];

        if (e->kind != KN_SIM_EVENT_LOCKING) {
            k++;
            continue;
        }
        if (m->t_s >= e->t_s + e->duration_s + LOCK_EDGE_S) {
            s->ev[i].state = KN_SIM_EV_DONE;
            drop_active(s, k);
            continue;
        }
        struct kn_jet w = kn_plateau(m->t_s, e->t_s, LOCK_EDGE_S, e->duration_s - LOCK_EDGE_S,
                                     LOCK_EDGE_S);
        *knee = kn_jet_lerp(*knee, soft_floor(*knee, e->magnitude_deg * KN_SIM_DEG), w);
        s->ev[i].state = KN_SIM_EV_ACTIVE;
        k++;
    }
}

static void apply_giving_way(struct kn_sim *s, const struct kn_sim_moment *m,
                             struct kn_jet *knee, struct kn_jet *shank_frontal)
{
    const struct kn_sim_config *c = &s->cfg;

    for (size_t k = 0; k < s->n_active;) {
        size_t i = s->active[k];
        const struct kn_sim_event *e = &c->events[i];
        struct kn_sim_event_run *r = &s->ev[i];

        if (e->kind != KN_SIM_EVENT_GIVING_WAY) {
            k++;
            continue;
        }
        if (r->state == KN_SIM_EV_ARMED) {
            if (!m->initial_contact) {
                k++;
                continue;
            }
            r->state = KN_SIM_EV_ACTIVE;
            r->t0 = m->ic_t_s;
            r->rise_s = GIVE_RISE_S;
            r->hold_s = GIVE_HOLD_S;
            r->fall_s = GIVE_FALL_S;
            s->windows[i].start_s = m->ic_t_s;
        } else if (m->toe_off && !r->toe_off_seen) {
            r->toe_off_seen = true;
            s->windows[i].end_s = m->to_t_s + GIVE_WINDOW_AFTER_S;
        }
        if (r->toe_off_seen && m->t_s >= r->t0 + r->rise_s + r->hold_s + r->fall_s) {
            r->state = KN_SIM_EV_DONE;
            drop_active(s, k);
            continue;
        }
        struct kn_jet g = kn_plateau(m->t_s, r->t0, r->rise_s, r->hold_s, r->fall_s);
        *knee = kn_jet_add(*knee, kn_jet_scale(g, e->magnitude_deg * KN_SIM_DEG));
        *shank_frontal = kn_jet_sub(*shank_frontal, kn_jet_scale(g, e->valgus_deg * KN_SIM_DEG));
        k++;
    }
}

/* Steepest descent (deg/s, positive) of the knee driven from its gait
 * curve to target_deg by a smoothstep of length rise_s, starting at phase
 * phi0 of gait g; offset_deg is what the modifiers add to the curve. */
static double drive_speed(const struct kn_sim_gait *g, double phi0, double freq_hz,
                          double offset_deg, double target_deg, double rise_s)
{
    const int steps = 80;
    double prev = 0, best = 0;

    for (int k = 0; k <= steps; k++) {
        double s = rise_s * k / steps;
        double phi = phi0 + freq_hz * s;
        double base = kn_sim_gait_knee_deg(g, phi - floor(phi)) + offset_deg;
        double h = kn_smoothstep(s, 0, rise_s).v;
        double knee = base + h * (target_deg - base);

        if (k > 0 && (prev - knee) / (rise_s / steps) > best)
            best = (prev - knee) / (rise_s / steps);
        prev = knee;
    }
    return best;
}

/* The rise time at which the drive into hyperextension peaks at the
 * scripted angular speed: the knee's own motion (it flexes towards
 * initial contact) adds to the drive, so solve for it by bisection. */
static double drive_rise_time(const struct kn_sim_moment *m, double knee_deg, double target_deg,
                              double speed_dps)
{
    double lo = 0.01, hi = 1.0;
    double offset = knee_deg - kn_sim_gait_knee_deg(m->gait, m->phase);

    for (int it = 0; it < 30; it++) {
        double mid = 0.5 * (lo + hi);

        if (drive_speed(m->gait, m->phase, m->freq_hz, offset, target_deg, mid) > speed_dps)
            lo = mid;
        else
            hi = mid;
    }
    return hi;
}

static void apply_hyperextension(struct kn_sim *s, const struct kn_sim_moment *m,
                                 struct kn_jet *knee)
{
    const struct kn_sim_config *c = &s->cfg;

    for (size_t k = 0; k < s->n_active;) {
        size_t i = s->active[k];
        const struct kn_sim_event *e = &c->events[i];
        struct kn_sim_event_run *r = &s->ev[i];
        double target = -(e->magnitude_deg + HYPER_BEYOND_DEG) * KN_SIM_DEG;

        if (e->kind != KN_SIM_EVENT_HYPEREXTENSION) {
            k++;
            continue;
        }
        if (r->state == KN_SIM_EV_ARMED) {
            if (!m->late_swing || m->gait_weight < 0.5 || !m->gait) {
                k++;
                continue;
            }
            r->state = KN_SIM_EV_ACTIVE;
            r->t0 = m->t_s;
            r->rise_s = drive_rise_time(m, knee->v / KN_SIM_DEG, target / KN_SIM_DEG,
                                        e->speed_dps);
            r->hold_s = HYPER_HOLD_S;
            r->fall_s = HYPER_FALL_S;
        }
        if (m->t_s >= r->t0 + r->rise_s + r->hold_s + r->fall_s) {
            r->state = KN_SIM_EV_DONE;
            drop_active(s, k);
            continue;
        }
        struct kn_jet h = kn_plateau(m->t_s, r->t0, r->rise_s, r->hold_s, r->fall_s);
        *knee = kn_jet_lerp(*knee, kn_jet_const(target), h);
        if (!r->window_open && knee->v < HYPER_WINDOW_DEG * KN_SIM_DEG) {
            r->window_open = true;
            s->windows[i].start_s = m->t_s - HYPER_WINDOW_LEAD_S;
            s->windows[i].end_s = s->windows[i].start_s + HYPER_WINDOW_S;
        }
        k++;
    }
}

static double apply_sleeve_slip(struct kn_sim *s, double t)
{
    const struct kn_sim_config *c = &s->cfg;
    double offset = s->slip_deg;

    for (size_t k = 0; k < s->n_active;) {
        size_t i = s->active[k];
        const struct kn_sim_event *e = &c->events[i];

        if (e->kind != KN_SIM_EVENT_SLEEVE_SLIP) {
            k++;
            continue;
        }
        if (t >= e->t_s + e->duration_s) {
            s->slip_deg += e->magnitude_deg;
            offset += e->magnitude_deg;
            s->ev[i].state = KN_SIM_EV_DONE;
            drop_active(s, k);
            continue;
        }
        offset += e->magnitude_deg * kn_smoothstep(t, e->t_s, e->duration_s).v;
        s->ev[i].state = KN_SIM_EV_ACTIVE;
        k++;
    }
    return offset;
}

double kn_sim_events_apply(struct kn_sim *s, const struct kn_sim_moment *m,
                           struct kn_jet *knee, struct kn_jet *shank_frontal)
{
    if (s->n_active == 0)
        return s->slip_deg;
    /* Order matters: a locked knee can still give way, and a hyperextension
     * overrides whatever the knee was doing. */
    apply_locking(s, m, knee);
    apply_giving_way(s, m, knee, shank_frontal);
    apply_hyperextension(s, m, knee);
    return apply_sleeve_slip(s, m->t_s);
}

bool kn_sim_events_resolved(const struct kn_sim *s)
{
    const struct kn_sim_config *c = &s->cfg;

    for (size_t i = 0; i < c->n_events; i++)
        if ((c->events[i].kind == KN_SIM_EVENT_HYPEREXTENSION ||
             c->events[i].kind == KN_SIM_EVENT_GIVING_WAY) &&
            (isnan(s->windows[i].start_s) || isnan(s->windows[i].end_s)))
            return false;
    return true;
}
