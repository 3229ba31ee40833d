/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/detect.h"
#include "analysis/filter.h"
#include "analysis/ring.h"

#define HIST_CAP 2048u
#define MAX_BANDS 6
#define MAX_BASE 500
#define MAX_WINDOW 500
#define RECENT 10
/* speed into an event is the largest speed within this look-back */
#define SPEED_LOOKBACK_S 0.15
/* strides after a start that do not count towards a baseline */
#define WARMUP_STRIDES 5
/* a stride whose time differs more than this from the previous one is a
 * transition (speeding up, slowing down) */
#define STABLE_FRACTION 0.15
#define DEFAULT_CONTACT_S 0.30
/* an extreme angle's independent opinion may disagree this much: the
 * accelerometers of a real sleeve wobble by that much from stride to
 * stride (docs/accuracy.md); a gyro angle that ran away is off by more */
#define CHECK_GAP_DEG 12.0
/* ... judged on its median over this look-back, because single samples
 * of it scatter by tens of degrees in swing (docs/detectors.md) */
#define CHECK_GAP_LOOKBACK_S 0.1
#define CHECK_GAP_MAX 128     /* 0.1 s at 1 kHz */
#define LOADING_FRACTION 0.6

struct hsample {
    double t, knee, rate, frontal, gap;
};

/* One alert kind's episode state. */
struct gate {
    bool active;
    double clear_since;       /* NaN while the condition holds */
    double last_alert;
};

/* What is usual at one cadence: walking, easy running and fast running
 * load and move the knee differently. */
struct band {
    double cadence;
    /* stance: usual peak flexion and frontal excursion, recent strides */
    double stance_peaks[RECENT];
    uint32_t n_stance_peaks;
    double frontal_exc[RECENT];
    uint32_t n_frontal;
    double stance_peak_base, frontal_base;   /* medians of the two above */
    /* usual terminal extension (each stride's least flexion) */
    double usual_min[RECENT];
    uint32_t n_usual;
    double usual_min_med;
    /* range of motion */
    double cad_sum;
    uint32_t n_base;
    double base_max[MAX_BASE], base_min[MAX_BASE];
    bool ready;
    double base_max_med, base_min_med;
    uint32_t n_win;
    double win_max[MAX_WINDOW], win_min[MAX_WINDOW];
    uint32_t last_used;
};

struct kn_detect {
    struct kn_params p;
    struct gate gates[KN_ALERT_KIND_COUNT];

    struct hsample hist[HIST_CAP];
    struct kn_ring ring;
    double prev_t;

    /* stance under way */
    double stance_ic;
    double stance_len;
    double typical_contact;
    bool stance_open;
    bool stance_alerted;
    double phi, phi_min, phi_max;
    double usual_any;         /* the latest band's usual extension, NaN until known */
    bool walking;             /* the latest stride was walking */
    uint32_t unstable_run;    /* strides in a row that looked unstable */
    bool stride_unstable;
    bool stride_abnormal;
    double last_hyper_t;      /* the knee last went past the hyperextension limit */

    /* strides */
    struct band bands[MAX_BANDS];
    uint32_t n_bands;
    int cur_band;
    uint32_t stride_counter;
    uint32_t since_start;
    double prev_stride_s;
    uint32_t locked_run, unlocked_run;

    /* running advice */
    double adv_cad[MAX_WINDOW], adv_icflex[MAX_WINDOW], adv_impact[MAX_WINDOW];
    uint32_t n_adv;
};

static double P(const struct kn_detect *d, enum kn_param_id id)
{
    return kn_params_get(&d->p, id);
}

static void gates_reset(struct kn_detect *d)
{
    for (int k = 0; k < KN_ALERT_KIND_COUNT; k++)
        d->gates[k] = (struct gate) { .active = false, .clear_since = NAN, .last_alert = -INFINITY };
}

struct kn_detect *kn_detect_new(const struct kn_params *p)
{
    struct kn_detect *d = calloc(1, sizeof(*d));

    if (!d)
        return NULL;
    d->p = *p;
    kn_detect_reset(d);
    return d;
}

void kn_detect_free(struct kn_detect *d)
{
    free(d);
}

void kn_detect_reset(struct kn_detect *d)
{
    struct kn_params p = d->p;

    memset(d, 0, sizeof(*d));
    d->p = p;
    kn_ring_init(&d->ring, HIST_CAP);
    gates_reset(d);
    d->stance_ic = NAN;
    d->typical_contact = NAN;
    d->usual_any = NAN;
    d->last_hyper_t = -INFINITY;
    d->prev_t = NAN;
    d->prev_stride_s = NAN;
    d->cur_band = -1;
}

void kn_detect_set_params(struct kn_detect *d, const struct kn_params *p)
{
    bool baseline_changed =
        p->v[KN_PARAM_RANGE_LOSS_BASELINE_STRIDES] != d->p.v[KN_PARAM_RANGE_LOSS_BASELINE_STRIDES] ||
        p->v[KN_PARAM_RANGE_LOSS_CADENCE_BAND_SPM] != d->p.v[KN_PARAM_RANGE_LOSS_CADENCE_BAND_SPM];

    d->p = *p;
    if (baseline_changed)
        d->n_bands = 0, d->cur_band = -1;
    if (d->n_adv > (uint32_t) P(d, KN_PARAM_ADVICE_WINDOW_STRIDES))
        d->n_adv = 0;
    for (uint32_t b = 0; b < d->n_bands; b++)
        if (d->bands[b].n_win > (uint32_t) P(d, KN_PARAM_RANGE_LOSS_WINDOW_STRIDES))
            d->bands[b].n_win = 0;
}

void kn_detect_stop(struct kn_detect *d)
{
    d->stance_open = false;
    d->stance_ic = NAN;
    d->since_start = 0;
    d->prev_stride_s = NAN;
    d->locked_run = 0;
    d->n_adv = 0;
}

/* --- helpers ------------------------------------------------------------- */

/* The same for k parallel arrays sharing one count. */
static void push_recent_k(double *const *arrays, const double *values, int k, uint32_t *n, uint32_t cap)
{
    for (int i = 0; i < k; i++) {
        uint32_t m = *n;

        kn_push_recent(arrays[i], &m, cap, values[i]);
        if (i == k - 1)
            *n = m;
    }
}

/* Tracks whether a condition holds; returns true when an episode starts.
 * The episode ends after the condition has been false for hold_s. */
static bool gate_update(struct gate *g, double now, bool cond, double hold_s)
{
    if (cond) {
        g->clear_since = NAN;
        if (g->active)
            return false;
        g->active = true;
        return true;
    }
    if (g->active) {
        if (isnan(g->clear_since))
            g->clear_since = now;
        if (now - g->clear_since >= hold_s)
            g->active = false;
    }
    return false;
}

static bool refractory_over(const struct kn_detect *d, enum kn_alert_kind k, double now,
                            enum kn_param_id refractory)
{
    return now - d->gates[k].last_alert >= P(d, refractory);
}

struct out {
    struct kn_alert *a;
    size_t n;
};

static void raise_alert(struct kn_detect *d, struct out *o, enum kn_alert_kind kind,
                        enum kn_severity sev, double t, double value, double threshold,
                        enum kn_unit unit, enum kn_alert_message message, double arg)
{
    struct kn_alert *a;

    d->gates[kind].last_alert = t;
    if (o->n >= KN_DETECT_MAX_ALERTS)
        return;
    a = &o->a[o->n++];
    a->kind = kind;
    a->severity = sev;
    a->t_s = t;
    a->value = value;
    a->threshold = threshold;
    a->unit = unit;
    a->message = message;
    a->arg = arg;
}

static const struct hsample *hist_at(const struct kn_detect *d, uint32_t back)
{
    return &d->hist[kn_ring_at(&d->ring, back)];
}

/* The samples within (t - span, t], as back indices [*ret_first, end). */
static uint32_t look_back(const struct kn_detect *d, double t, double span, uint32_t *ret_first)
{
    uint32_t b = 0, end;

    while (b < d->ring.count && hist_at(d, b)->t > t)
        b++;
    for (end = b; end < d->ring.count && hist_at(d, end)->t > t - span; end++)
        ;
    *ret_first = b;
    return end;
}

/* Largest sign*rate over (t - SPEED_LOOKBACK_S, t]. */
static double recent_speed(const struct kn_detect *d, double t, double sign)
{
    uint32_t b, end = look_back(d, t, SPEED_LOOKBACK_S, &b);
    double best = 0;

    for (; b < end; b++)
        if (!isnan(hist_at(d, b)->rate))
            best = fmax(best, sign * hist_at(d, b)->rate);
    return best;
}

/* Median of the accelerometers' second opinion over (t - look-back, t];
 * NaN when they had none there (flight phase, disagreeing readings). */
static double recent_gap(const struct kn_detect *d, double t)
{
    uint32_t b, end = look_back(d, t, CHECK_GAP_LOOKBACK_S, &b);
    double v[CHECK_GAP_MAX];
    size_t n = 0;

    for (; b < end && n < CHECK_GAP_MAX; b++)
        if (!isnan(hist_at(d, b)->gap))
            v[n++] = hist_at(d, b)->gap;
    return n ? kn_median(v, n) : NAN;
}

/* --- per sample: hyperextension ----------------------------------------------- */

/* How far past straight counts as hyperextension for this wearer.  Some
 * knees habitually reach a few degrees past straight at the end of every
 * swing (lax ligaments, or a sleeve zeroed on a slightly bent standing
 * knee): "sudden" is beyond what this knee usually does, and never less
 * than the threshold.  Until the usual is known (three strides at this
 * cadence, or another cadence's), only a clear hyperextension — the
 * critical depth — counts. */
static double hyperextension_limit(const struct kn_detect *d)
{
    double limit = P(d, KN_PARAM_HYPEREXT_DEG);
    double usual = d->usual_any;
    double walking = d->walking ? P(d, KN_PARAM_HYPEREXT_WALKING_MARGIN_DEG) : 0.0;

    if (d->cur_band >= 0 && d->bands[d->cur_band].n_usual >= 3)
        usual = d->bands[d->cur_band].usual_min_med;
    if (isnan(usual))
        return P(d, KN_PARAM_HYPEREXT_CRITICAL_DEG) + walking;
    return limit + fmax(0.0, -usual) + walking;
}

static void check_hyperextension(struct kn_detect *d, const struct hsample *s, struct out *o)
{
    double limit = hyperextension_limit(d);
    struct gate *g = &d->gates[KN_ALERT_HYPEREXTENSION];
    bool cond;

    if (isnan(s->knee))
        return;
    /* the episode lasts until the knee is back within half the limit */
    cond = g->active ? s->knee < -0.5 * limit : s->knee < -limit;
    if (gate_update(g, s->t, cond, 0.2)) {
        double speed = recent_speed(d, s->t, -1);
        double depth = -s->knee;
        double gap;
        enum kn_severity sev;

        /* alert or not, the stance this lands into is not a usual one */
        d->last_hyper_t = s->t;
        if (speed < P(d, KN_PARAM_HYPEREXT_SPEED_DPS) ||
            !refractory_over(d, KN_ALERT_HYPEREXTENSION, s->t, KN_PARAM_HYPEREXT_REFRACTORY_S))
            return;     /* slow (a posture, not an injury mechanism) or a repeat */
        /* A gyro-integrated angle can run away in a twisting step: an
         * alert needs the independent opinion not to disagree by more
         * than it does in ordinary strides. */
        gap = recent_gap(d, s->t);
        if (!isnan(gap) && fabs(gap) > CHECK_GAP_DEG)
            return;
        d->stride_abnormal = true;
        sev = (depth >= P(d, KN_PARAM_HYPEREXT_CRITICAL_DEG) ||
               speed >= P(d, KN_PARAM_HYPEREXT_CRITICAL_SPEED_DPS))
                  ? KN_SEVERITY_CRITICAL : KN_SEVERITY_WARNING;
        raise_alert(d, o, KN_ALERT_HYPEREXTENSION, sev, s->t, depth, limit, KN_UNIT_DEG,
                    KN_MSG_HYPEREXTENSION, speed);
    }
}

/* --- per sample: giving way in stance ------------------------------------------ */

static struct band *current_band(struct kn_detect *d)
{
    return d->cur_band < 0 ? NULL : &d->bands[d->cur_band];
}

static void close_stance(struct kn_detect *d)
{
    struct band *bd = current_band(d);

    if (bd && d->stance_open && !d->stance_alerted && d->phi_max > d->phi_min) {
        kn_push_recent(bd->frontal_exc, &bd->n_frontal, RECENT, (d->phi_max - d->phi_min) * KN_DEG_PER_RAD);
        bd->frontal_base = kn_median(bd->frontal_exc, bd->n_frontal);
    }
    d->stance_open = false;
}

static void stance_step(struct kn_detect *d, const struct hsample *s, double dt, struct out *o)
{
    struct gate *g = &d->gates[KN_ALERT_INSTABILITY];
    struct band *bd = current_band(d);
    bool collapse = false, frontal = false;
    double excess = 0, exc_deg = 0;

    if (!d->stance_open || !bd)
        return;
    if (s->t - d->stance_ic > d->stance_len) {
        close_stance(d);
        gate_update(g, s->t, false, 0.3);
        return;
    }
    if (!isnan(s->frontal) && dt > 0 && dt < 0.25) {
        d->phi += s->frontal * dt;
        d->phi_min = fmin(d->phi_min, d->phi);
        d->phi_max = fmax(d->phi_max, d->phi);
    }
    if (!isnan(s->knee) && bd->n_stance_peaks >= 5) {
        excess = s->knee - bd->stance_peak_base;
        collapse = excess > P(d, KN_PARAM_COLLAPSE_DEG) &&
                   recent_speed(d, s->t, 1) >= P(d, KN_PARAM_COLLAPSE_SPEED_DPS);
    }
    if (!isnan(s->frontal) && bd->n_frontal >= 5) {
        exc_deg = (d->phi_max - d->phi_min) * KN_DEG_PER_RAD - bd->frontal_base;
        frontal = exc_deg > P(d, KN_PARAM_FRONTAL_DEG);
    }
    if (collapse || frontal)
        d->stride_unstable = true;
    if (gate_update(g, s->t, collapse || frontal, 0.3)) {
        d->stance_alerted = true;
        d->stride_abnormal = true;
        if (!refractory_over(d, KN_ALERT_INSTABILITY, s->t, KN_PARAM_INSTABILITY_REFRACTORY_S))
            return;
        if (collapse) {
            raise_alert(d, o, KN_ALERT_INSTABILITY,
                        excess >= 2 * P(d, KN_PARAM_COLLAPSE_DEG) ? KN_SEVERITY_CRITICAL : KN_SEVERITY_WARNING,
                        s->t, excess, P(d, KN_PARAM_COLLAPSE_DEG), KN_UNIT_DEG, KN_MSG_BUCKLING, NAN);
        } else {
            raise_alert(d, o, KN_ALERT_INSTABILITY,
                        exc_deg >= 2 * P(d, KN_PARAM_FRONTAL_DEG) ? KN_SEVERITY_CRITICAL : KN_SEVERITY_WARNING,
                        s->t, exc_deg, P(d, KN_PARAM_FRONTAL_DEG), KN_UNIT_DEG, KN_MSG_WOBBLE, NAN);
        }
    }
}

static void open_stance(struct kn_detect *d, double ic, double typical_contact)
{
    close_stance(d);
    d->stance_ic = ic;
    /* loading response to mid-stance: later, the knee flexes for push-off
     * (fast and deep in walking), which is not giving way */
    d->stance_len = LOADING_FRACTION * (isnan(typical_contact) ? DEFAULT_CONTACT_S : fmin(typical_contact, 0.9));
    d->stance_open = true;
    d->stance_alerted = false;
    d->phi = d->phi_min = d->phi_max = 0;
}

size_t kn_detect_sample(struct kn_detect *d, const struct kn_detect_sample *in, struct kn_alert *out)
{
    struct out o = { .a = out, .n = 0 };
    struct hsample *s = &d->hist[kn_ring_push(&d->ring)];
    double dt = isnan(d->prev_t) ? 0 : in->t - d->prev_t;

    *s = (struct hsample) { .t = in->t, .knee = in->knee_deg, .rate = in->rate_dps,
                            .frontal = in->frontal_rads, .gap = in->check_gap_deg };
    d->prev_t = in->t;

    d->typical_contact = in->typical_contact_s;
    check_hyperextension(d, s, &o);
    stance_step(d, s, dt, &o);
    return o.n;
}

size_t kn_detect_contact(struct kn_detect *d, double ic, double now, struct kn_alert *out)
{
    struct out o = { .a = out, .n = 0 };
    uint32_t back;

    d->stride_abnormal = false;
    d->stride_unstable = false;
    open_stance(d, ic, d->typical_contact);
    /* replay the samples since the contact, which arrived before the
     * contact was recognised */
    for (back = 0; back < d->ring.count && hist_at(d, back)->t >= ic; back++)
        ;
    while (back-- > 0) {
        const struct hsample *s = hist_at(d, back);
        double dt = back + 1 < d->ring.count ? s->t - hist_at(d, back + 1)->t : 0;

        stance_step(d, s, dt, &o);
    }
    return o.n;
}

/* --- per stride ----------------------------------------------------------------- */

static struct band *find_band(struct kn_detect *d, double cadence)
{
    double width = P(d, KN_PARAM_RANGE_LOSS_CADENCE_BAND_SPM);
    struct band *best = NULL;
    uint32_t oldest = 0;

    for (uint32_t b = 0; b < d->n_bands; b++) {
        struct band *bd = &d->bands[b];

        if (fabs(bd->cadence - cadence) <= width &&
            (!best || fabs(bd->cadence - cadence) < fabs(best->cadence - cadence)))
            best = bd;
    }
    if (best)
        return best;
    if (d->n_bands < MAX_BANDS) {
        best = &d->bands[d->n_bands++];
    } else {
        for (uint32_t b = 1; b < MAX_BANDS; b++)
            if (d->bands[b].last_used < d->bands[oldest].last_used)
                oldest = b;
        best = &d->bands[oldest];
    }
    memset(best, 0, sizeof(*best));
    best->cadence = cadence;
    return best;
}

/* Extension reference for locking: this band's baseline when it has one,
 * else the least demanding baseline (avoids calling a slower gait's
 * natural bend a lock). */
static double extension_reference(const struct kn_detect *d, const struct band *bd)
{
    double ref = NAN;

    if (bd && bd->ready)
        return bd->base_min_med;
    for (uint32_t b = 0; b < d->n_bands; b++)
        if (d->bands[b].ready && (isnan(ref) || d->bands[b].base_min_med > ref))
            ref = d->bands[b].base_min_med;
    return ref;
}

static void check_locking(struct kn_detect *d, const struct kn_stride *s, const struct band *bd,
                          double now, bool *ret_locked, struct out *o)
{
    double ref = extension_reference(d, bd);
    double deficit = s->min_flex_deg - ref;
    struct gate *g = &d->gates[KN_ALERT_LOCKING];
    bool locked = !isnan(deficit) && deficit >= P(d, KN_PARAM_LOCKING_DEG);

    *ret_locked = locked;
    if (locked) {
        d->locked_run++;
        d->unlocked_run = 0;
    } else {
        d->unlocked_run++;
        d->locked_run = 0;
    }
    /* the episode ends after two strides that straighten again */
    if (gate_update(g, now, locked ? d->locked_run >= P(d, KN_PARAM_LOCKING_STRIDES)
                                   : (g->active && d->unlocked_run < 2), 0) &&
        refractory_over(d, KN_ALERT_LOCKING, now, KN_PARAM_LOCKING_REFRACTORY_S)) {
        raise_alert(d, o, KN_ALERT_LOCKING, KN_SEVERITY_CRITICAL, now, deficit, P(d, KN_PARAM_LOCKING_DEG),
                    KN_UNIT_DEG, KN_MSG_LOCKING, d->locked_run);
    }
}

static void check_range(struct kn_detect *d, const struct kn_stride *s, struct band *bd,
                        double now, struct out *o)
{
    uint32_t window = (uint32_t) P(d, KN_PARAM_RANGE_LOSS_WINDOW_STRIDES);
    uint32_t nbase = (uint32_t) P(d, KN_PARAM_RANGE_LOSS_BASELINE_STRIDES);
    double max_flex = s->min_flex_deg + s->rom_deg;
    struct gate *g = &d->gates[KN_ALERT_RANGE_LOSS];
    double loss, loss_flex, loss_ext, limit = P(d, KN_PARAM_RANGE_LOSS_DEG);
    bool cond;

    if (!bd->ready) {
        bd->base_max[bd->n_base] = max_flex;
        bd->base_min[bd->n_base] = s->min_flex_deg;
        bd->cad_sum += s->cadence_spm;
        bd->n_base++;
        if (bd->n_base >= nbase) {
            bd->base_max_med = kn_median(bd->base_max, bd->n_base);
            bd->base_min_med = kn_median(bd->base_min, bd->n_base);
            bd->cadence = bd->cad_sum / bd->n_base;
            bd->ready = true;
        }
        return;
    }
    push_recent_k((double *const[]) { bd->win_max, bd->win_min },
                  (const double[]) { max_flex, s->min_flex_deg }, 2, &bd->n_win, window);
    if (bd->n_win < window)
        return;
    loss_flex = bd->base_max_med - kn_median(bd->win_max, bd->n_win);
    loss_ext = kn_median(bd->win_min, bd->n_win) - bd->base_min_med;
    loss = fmax(loss_flex, 0) + fmax(loss_ext, 0);
    cond = g->active ? loss >= 0.6 * limit : loss >= limit;
    if (gate_update(g, now, cond, 0) &&
        refractory_over(d, KN_ALERT_RANGE_LOSS, now, KN_PARAM_RANGE_LOSS_REFRACTORY_S)) {
        raise_alert(d, o, KN_ALERT_RANGE_LOSS,
                    loss >= P(d, KN_PARAM_RANGE_LOSS_CRITICAL_DEG) ? KN_SEVERITY_CRITICAL : KN_SEVERITY_WARNING,
                    now, loss, limit, KN_UNIT_DEG, KN_MSG_RANGE_LOSS, fmax(loss_flex, 0));
    }
}

static void check_advice(struct kn_detect *d, const struct kn_stride *s, double now, struct out *o)
{
    uint32_t window = (uint32_t) P(d, KN_PARAM_ADVICE_WINDOW_STRIDES);
    double cad, icflex, impact, thr;
    struct gate *g;

    if (s->activity != KN_ACTIVITY_RUNNING) {
        d->n_adv = 0;
        return;
    }
    push_recent_k((double *const[]) { d->adv_cad, d->adv_icflex, d->adv_impact },
                  (const double[]) { s->cadence_spm, s->ic_flex_deg, s->impact_g }, 3, &d->n_adv, window);
    if (d->n_adv < window)
        return;
    cad = kn_median(d->adv_cad, d->n_adv);
    icflex = kn_median(d->adv_icflex, d->n_adv);
    impact = kn_median(d->adv_impact, d->n_adv);

    thr = P(d, KN_PARAM_LOW_CADENCE_SPM);
    g = &d->gates[KN_ALERT_LOW_CADENCE];
    if (gate_update(g, now, g->active ? cad < thr + 2 : cad < thr, 0) &&
        refractory_over(d, KN_ALERT_LOW_CADENCE, now, KN_PARAM_ADVICE_REFRACTORY_S))
        raise_alert(d, o, KN_ALERT_LOW_CADENCE, KN_SEVERITY_INFO, now, cad, thr, KN_UNIT_SPM,
                    KN_MSG_LOW_CADENCE, ceil(cad * 1.075));

    thr = P(d, KN_PARAM_OVERSTRIDE_IC_FLEX_DEG);
    g = &d->gates[KN_ALERT_OVERSTRIDE];
    if (!isnan(icflex) &&
        gate_update(g, now, g->active ? icflex < thr + 1 : icflex < thr, 0) &&
        refractory_over(d, KN_ALERT_OVERSTRIDE, now, KN_PARAM_ADVICE_REFRACTORY_S))
        raise_alert(d, o, KN_ALERT_OVERSTRIDE, KN_SEVERITY_INFO, now, icflex, thr, KN_UNIT_DEG,
                    KN_MSG_OVERSTRIDE, NAN);

    thr = P(d, KN_PARAM_HIGH_IMPACT_G);
    g = &d->gates[KN_ALERT_HIGH_IMPACT];
    if (!isnan(impact) &&
        gate_update(g, now, g->active ? impact > thr - 0.5 : impact > thr, 0) &&
        refractory_over(d, KN_ALERT_HIGH_IMPACT, now, KN_PARAM_ADVICE_REFRACTORY_S))
        raise_alert(d, o, KN_ALERT_HIGH_IMPACT, KN_SEVERITY_INFO, now, impact, thr, KN_UNIT_G,
                    KN_MSG_HIGH_IMPACT, NAN);
}

size_t kn_detect_stride(struct kn_detect *d, const struct kn_stride *s, double now, struct kn_alert *out)
{
    struct out o = { .a = out, .n = 0 };
    bool stable, locked = false, hyper;
    struct band *bd;

    d->stride_counter++;
    d->since_start++;
    d->walking = s->activity == KN_ACTIVITY_WALKING;
    stable = !isnan(d->prev_stride_s) &&
             fabs(s->stride_s - d->prev_stride_s) <= STABLE_FRACTION * d->prev_stride_s;
    d->prev_stride_s = s->stride_s;

    check_advice(d, s, now, &o);

    bd = find_band(d, s->cadence_spm);
    bd->last_used = d->stride_counter;
    d->cur_band = (int) (bd - d->bands);

    /* Giving way is sudden and rare.  The same "collapse" stride after
     * stride is this wearer's way of running now (a hill, fatigue, a new
     * pace): relearn what is usual instead of alerting forever. */
    d->unstable_run = d->stride_unstable ? d->unstable_run + 1 : 0;
    if (d->unstable_run >= 3) {
        bd->n_stance_peaks = 0;
        bd->n_frontal = 0;
        d->unstable_run = 0;
    }

    if (isnan(s->rom_deg) || isnan(s->min_flex_deg))
        return o.n;
    if (!d->stride_abnormal)
        check_locking(d, s, bd, now, &locked, &o);
    /* the usual extension: every stride but a locked or buckling one (a
     * single hyperextension does not move a median) */
    if (!locked && !d->stride_unstable) {
        kn_push_recent(bd->usual_min, &bd->n_usual, RECENT, s->min_flex_deg);
        bd->usual_min_med = kn_median(bd->usual_min, bd->n_usual);
        if (bd->n_usual >= 3)
            d->usual_any = bd->usual_min_med;
    }
    if (d->stride_abnormal || locked)
        return o.n;
    /* a stride that landed hyperextended has a shallow stance: not this
     * knee's usual loading, unless it always lands that way.  (By time:
     * the contact that opens the stride is recognised after the landing.) */
    hyper = d->last_hyper_t >= s->start_s - 0.15 && d->last_hyper_t <= s->t_s;
    if (!isnan(s->stance_peak_flex_deg) && !(hyper && !(bd->usual_min_med < 0))) {
        kn_push_recent(bd->stance_peaks, &bd->n_stance_peaks, RECENT, s->stance_peak_flex_deg);
        bd->stance_peak_base = kn_median(bd->stance_peaks, bd->n_stance_peaks);
    }
    if (d->since_start > WARMUP_STRIDES && stable)
        check_range(d, s, bd, now, &o);
    return o.n;
}

double kn_detect_baseline_rom(const struct kn_detect *d)
{
    const struct band *bd;

    if (d->cur_band < 0)
        return NAN;
    bd = &d->bands[d->cur_band];
    return bd->ready ? bd->base_max_med - bd->base_min_med : NAN;
}
