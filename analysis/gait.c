/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/filter.h"
#include "analysis/gait.h"
#include "analysis/ring.h"

/* History long enough for a slow walking stride plus detection delay at
 * the highest rate (1 kHz). */
#define HIST_CAP 4096u

/* A new stride needs a swing within this time, else the wearer stopped. */
#define STOP_MIN_S 2.5
#define MAX_STRIDE_S 2.5
#define MIN_STRIDE_S 0.4

/* gyro method */
#define SWING_MIN_RADS 1.0        /* slowest walking swing ~1.5-2 rad/s; standing sway << 1 */
#define SWING_FRACTION 0.4        /* of the recent mid-swing peaks */
#define IC_SEARCH_S 0.20          /* after the zero crossing */
#define TO_SEARCH_S 0.30          /* before the shank turns forward */
#define STOP_STEP_FRACTION 0.15   /* of the swing peak: the swing has ended */
#define STOP_STEP_HOLD_S 0.25     /* ... and the shank never turned back */
#define IMPACT_MIN_G 1.5
/* accel method */
#define STEP_MIN_G 1.3
#define STEP_HALF_WINDOW_S 0.12   /* a step impact is the largest |a| within ±this */
#define STEP_MIN_INTERVAL_S 0.25  /* 240 steps/min */
#define LABEL_HISTORY 8
/* the shank IMU's distance below the knee centre (analysis/angle.h) */
#define SHANK_LEVER_M 0.12
/* knee method */
#define KNEE_SWING_MIN_DEG 35.0
/* strides shorter than this are running (140 steps/min) */
#define RUN_MAX_STRIDE_S 0.857

struct sample {
    double t;
    double w;         /* shank sagittal rate, rad/s */
    double m;         /* |shank accel| in g, NaN without */
    double mi;        /* the same with the shank's rotation about the knee
                         removed (when there is a gyro): what the impact adds */
    double ax, ay, az;  /* shank accel, m/s^2 */
    double knee;      /* deg, NaN without */
    double knee_rate; /* deg/s, backward difference */
};

enum gyro_state {
    GY_WAIT_SWING = 0,
    GY_IN_SWING,
    GY_WAIT_ZC,
    GY_SEEK_IC,
};

enum knee_state {
    KN_WAIT_SWING = 0,
    KN_IN_SWING,
    KN_SEEK_IC,
};

struct kn_gait {
    struct sample hist[HIST_CAP];
    struct kn_ring ring;
    double last_t;
    uint32_t present;
    enum kn_gait_method method;

    double last_ic;           /* NaN when none (stopped) */
    double last_activity;     /* last swing seen */
    double periods[8];        /* recent stride periods */
    uint32_t n_periods;
    double period;            /* their median, NaN when none */

    /* gyro */
    enum gyro_state gy;
    double swing_thr;
    double swing_end_t;
    double prev_w, zc_up_t;
    double peaks[8];
    uint32_t n_peaks;
    double swing_start, swing_peak_t, swing_peak;
    double zc_t, min_w, min_t;

    /* accel: step candidates and labelling */
    double cand_t, cand_m;    /* pending local maximum, NaN when none */
    double prev_step_t;
    int prev_label;
    double label_m[2][LABEL_HISTORY];
    uint32_t label_n[2];
    int ipsi;                 /* -1 until decided */
    double held_t[8], held_m[8];
    int held_label[8];
    uint32_t n_held;

    /* knee */
    enum knee_state kn;
    double knee_thr;
    double kpeaks[8];
    uint32_t n_kpeaks;
    double kpeak, kpeak_t, kmin, kmin_t;
};

static void clear_detection(struct kn_gait *g)
{
    g->last_ic = NAN;
    g->n_periods = 0;
    g->period = NAN;
    g->gy = GY_WAIT_SWING;
    g->n_peaks = 0;
    g->swing_thr = SWING_MIN_RADS;
    g->prev_w = 0;
    g->zc_up_t = NAN;
    g->cand_t = NAN;
    g->prev_step_t = NAN;
    g->prev_label = 0;
    g->label_n[0] = g->label_n[1] = 0;
    g->ipsi = -1;
    g->n_held = 0;
    g->kn = KN_WAIT_SWING;
    g->n_kpeaks = 0;
    g->knee_thr = KNEE_SWING_MIN_DEG;
}

struct kn_gait *kn_gait_new(void)
{
    struct kn_gait *g = calloc(1, sizeof(*g));

    if (g)
        kn_gait_reset(g);
    return g;
}

void kn_gait_free(struct kn_gait *g)
{
    free(g);
}

void kn_gait_reset(struct kn_gait *g)
{
    memset(g, 0, sizeof(*g));
    kn_ring_init(&g->ring, HIST_CAP);
    g->last_activity = -INFINITY;
    clear_detection(g);
}

enum kn_gait_method kn_gait_method(const struct kn_gait *g)
{
    return g->method;
}

double kn_gait_stride_period(const struct kn_gait *g)
{
    return g->period;
}

/* --- history ------------------------------------------------------------ */

static const struct sample *hist_at(const struct kn_gait *g, uint32_t back)
{
    return &g->hist[kn_ring_at(&g->ring, back)];
}

/* Index (samples back from the newest) of the first sample at or after t,
 * or UINT32_MAX when t is older than the history. */
static uint32_t hist_back_of(const struct kn_gait *g, double t)
{
    uint32_t back = 0;

    if (g->ring.count == 0 || hist_at(g, g->ring.count - 1)->t > t)
        return g->ring.count ? g->ring.count - 1 : UINT32_MAX;
    while (back + 1 < g->ring.count && hist_at(g, back + 1)->t >= t)
        back++;
    return back;
}

typedef double (*field_fn)(const struct sample *s);

static double f_w(const struct sample *s) { return s->w; }
static double f_m(const struct sample *s) { return s->m; }
static double f_ax(const struct sample *s) { return s->ax; }
static double f_knee(const struct sample *s) { return s->knee; }
static double f_knee_rate(const struct sample *s) { return s->knee_rate; }

/* Time of the minimum (or maximum when sign = -1) of a field, smoothed
 * over ±half_s, within [t0, t1]; NaN when the window is empty.  The
 * smoothing window slides with a running sum: at 1 kHz a centred mean
 * per sample cost more than the rest of the stride logic. */
static double hist_argext(const struct kn_gait *g, double t0, double t1, double half_s,
                          field_fn field, double sign, double *ret_value)
{
    double best = INFINITY, best_t = NAN, sum = 0;
    uint32_t lo = 0, hi = 0, n = 0;     /* the window: back indices [lo, hi) */
    uint32_t n_nan = 0;                 /* a NaN in the window makes its mean NaN */

    for (uint32_t b = 0; b < g->ring.count; b++) {
        const struct sample *s = hist_at(g, b);
        double v;

        if (s->t > t1)
            continue;
        if (s->t < t0)
            break;
        if (half_s > 0) {
            for (; hi < g->ring.count && hist_at(g, hi)->t >= s->t - half_s; hi++, n++) {
                double x = field(hist_at(g, hi));

                if (isnan(x))
                    n_nan++;
                else
                    sum += x;
            }
            for (; lo < hi && hist_at(g, lo)->t > s->t + half_s; lo++, n--) {
                double x = field(hist_at(g, lo));

                if (isnan(x))
                    n_nan--;
                else
                    sum -= x;
            }
            v = n_nan ? NAN : sign * sum / n;
        } else {
            v = sign * field(s);
        }
        if (v < best) {
            best = v;
            best_t = s->t;
        }
    }
    if (ret_value)
        *ret_value = sign * best;
    return best_t;
}

/* Onset of the impact whose peak is at back index `pk`: the last sample
 * before the peak below a quarter of the rise from the pre-impact floor,
 * interpolated. */
static double impact_onset(const struct kn_gait *g, uint32_t pk)
{
    const struct sample *p = hist_at(g, pk);
    double floor = p->mi, level;
    uint32_t b;

    for (b = pk; b < g->ring.count && hist_at(g, b)->t >= p->t - 0.06; b++)
        floor = fmin(floor, hist_at(g, b)->mi);
    level = floor + 0.25 * (p->mi - floor);
    for (b = pk; b + 1 < g->ring.count && hist_at(g, b)->t >= p->t - 0.06; b++) {
        const struct sample *hi = hist_at(g, b), *lo = hist_at(g, b + 1);

        if (lo->mi <= level) {
            double f = (hi->mi - level) / fmax(hi->mi - lo->mi, 1e-9);

            return hi->t - f * (hi->t - lo->t);
        }
    }
    return p->t;
}

/* Largest |a| within [t0, t1]: its back index, or UINT32_MAX. */
static uint32_t hist_peak_m(const struct kn_gait *g, double t0, double t1)
{
    uint32_t best = UINT32_MAX;

    for (uint32_t b = 0; b < g->ring.count; b++) {
        const struct sample *s = hist_at(g, b);

        if (s->t > t1)
            continue;
        if (s->t < t0)
            break;
        if (best == UINT32_MAX || s->mi > hist_at(g, best)->mi)
            best = b;
    }
    return best;
}

/* The impact is the first large peak: the stance that follows rings with
 * later peaks that can be as large.  Returns the back index of the
 * earliest local maximum within 0.15 s before peak `pk`, and not before
 * not_before (the end of the swing: its own peaks are not impacts), that
 * reaches 70 % of it; or pk. */
static uint32_t first_large_peak(const struct kn_gait *g, uint32_t pk, double not_before)
{
    const struct sample *p = hist_at(g, pk);
    double from = fmax(p->t - 0.15, not_before);
    uint32_t best = pk;

    for (uint32_t b = pk + 1; b + 1 < g->ring.count && hist_at(g, b)->t >= from; b++) {
        const struct sample *s = hist_at(g, b);

        if (s->mi >= 0.7 * p->mi && s->mi >= hist_at(g, b - 1)->mi && s->mi > hist_at(g, b + 1)->mi)
            best = b;
    }
    return best;
}

/* --- events --------------------------------------------------------------- */

struct out_buf {
    struct kn_gait_event *ev;
    size_t n;
};

static void emit(struct out_buf *o, enum kn_gait_event_type type, enum kn_gait_method method,
                 double t, double peak)
{
    if (o->n >= KN_GAIT_MAX_EVENTS)
        return;
    o->ev[o->n++] = (struct kn_gait_event) { .type = type, .method = method, .t_s = t, .peak = peak };
}

static void emit_ic(struct kn_gait *g, struct out_buf *o, double t, double peak)
{
    if (!isnan(g->last_ic)) {
        double p = t - g->last_ic;

        if (p < MIN_STRIDE_S)
            return;     /* a double detection: keep the first */
        if (p <= MAX_STRIDE_S) {
            kn_push_recent(g->periods, &g->n_periods, 8, p);
            g->period = kn_median(g->periods, g->n_periods);
        }
    }
    g->last_ic = t;
    emit(o, KN_GAIT_IC, g->method, t, peak);
}

/* --- gyro method ------------------------------------------------------------ */

static void gyro_step(struct kn_gait *g, const struct sample *s, struct out_buf *o)
{
    double thr = g->swing_thr;

    switch (g->gy) {
    case GY_WAIT_SWING:
        if (s->w > 0 && g->prev_w <= 0)
            g->zc_up_t = s->t;
        if (s->w > thr) {
            g->gy = GY_IN_SWING;
            g->swing_start = s->t;
            g->swing_peak = s->w;
            g->swing_peak_t = s->t;
        }
        break;
    case GY_IN_SWING:
        if (s->w > g->swing_peak) {
            g->swing_peak = s->w;
            g->swing_peak_t = s->t;
        }
        if (s->w < 0.3 * g->swing_peak) {
            g->last_activity = s->t;
            kn_push_recent(g->peaks, &g->n_peaks, 8, g->swing_peak);
            if (g->n_peaks >= 3)
                g->swing_thr = fmax(SWING_MIN_RADS, SWING_FRACTION * kn_median(g->peaks, g->n_peaks));
            if (!isnan(g->last_ic) && g->swing_start - g->last_ic < MAX_STRIDE_S) {
                /* toe-off: the most negative rate (centred over ±15 ms)
                 * before the shank turns forward into the swing (its last
                 * upward zero crossing): the backward rotation peaks as
                 * the foot leaves the ground.  Not early in stance, where
                 * the landing can dip as deep. */
                double end = isnan(g->zc_up_t) || g->zc_up_t < g->last_ic ? g->swing_start : g->zc_up_t;
                double from = fmax(g->last_ic + 0.1, end - TO_SEARCH_S);
                double to = hist_argext(g, from, end, 0.015, f_w, 1, NULL);

                if (!isnan(to))
                    emit(o, KN_GAIT_TO, KN_GAIT_GYRO, to, NAN);
            }
            g->gy = GY_WAIT_ZC;
            g->swing_end_t = NAN;
        }
        break;
    case GY_WAIT_ZC:
        if (s->w <= 0) {
            g->gy = GY_SEEK_IC;
            g->zc_t = s->t;
            g->min_w = s->w;
            g->min_t = s->t;
            break;
        }
        /* The step that stops a walk lands without the shank turning
         * back: its swing just ends.  The contact is then where the
         * forward rotation died away. */
        if (isnan(g->swing_end_t) && s->w < STOP_STEP_FRACTION * g->swing_peak)
            g->swing_end_t = s->t;
        if (!isnan(g->swing_end_t) && s->t - g->swing_end_t > STOP_STEP_HOLD_S) {
            double ic = g->swing_end_t, peak = NAN;

            if (!isnan(s->m)) {
                uint32_t pk = hist_peak_m(g, g->swing_end_t - 0.05, g->swing_end_t + 0.12);

                if (pk != UINT32_MAX) {
                    pk = first_large_peak(g, pk, g->swing_end_t - 0.05);
                    peak = hist_at(g, pk)->mi;
                    if (peak >= IMPACT_MIN_G)
                        ic = impact_onset(g, pk);
                }
            }
            emit_ic(g, o, ic, peak);
            g->gy = GY_WAIT_SWING;
        } else if (s->t - g->swing_peak_t > 0.6) {
            g->gy = GY_WAIT_SWING;
        }
        break;
    case GY_SEEK_IC: {
        double hyst = fmax(0.4, 0.15 * g->swing_peak);
        bool with_accel = !isnan(s->m);

        if (s->w < g->min_w) {
            g->min_w = s->w;
            g->min_t = s->t;
        }
        /* Wait past the dip (or the search window) — and with an
         * accelerometer, long enough to see the whole impact. */
        if ((s->w > g->min_w + hyst || s->t - g->zc_t > IC_SEARCH_S) &&
            (!with_accel || s->t - g->zc_t >= 0.12)) {
            double ic = g->min_t, peak = NAN;

            if (with_accel) {
                uint32_t pk = hist_peak_m(g, g->zc_t - 0.05, g->zc_t + 0.12);

                if (pk != UINT32_MAX) {
                    pk = first_large_peak(g, pk, g->zc_t - 0.05);
                    peak = hist_at(g, pk)->mi;
                    if (peak >= IMPACT_MIN_G)
                        ic = impact_onset(g, pk);
                }
            }
            emit_ic(g, o, ic, peak);
            g->gy = GY_WAIT_SWING;
        }
        break;
    }
    }
}

/* --- accelerometer method ------------------------------------------------ */

static void accel_commit_ic(struct kn_gait *g, struct out_buf *o, double t_pk, double m_pk)
{
    uint32_t back = hist_back_of(g, t_pk);
    double ic = t_pk;

    if (back != UINT32_MAX) {
        back = first_large_peak(g, back, -INFINITY);
        ic = impact_onset(g, back);
    }

    /* toe-off of the stride that this contact closes: the shank's maximal
     * forward lean late in stance, the minimum of the anterior
     * acceleration smoothed over ±30 ms */
    if (!isnan(g->last_ic) && ic - g->last_ic <= MAX_STRIDE_S) {
        double stride = ic - g->last_ic;
        double to = hist_argext(g, g->last_ic + 0.12, g->last_ic + 0.75 * stride, 0.030, f_ax, 1, NULL);

        if (!isnan(to))
            emit(o, KN_GAIT_TO, KN_GAIT_ACCEL, to, NAN);
    }
    emit_ic(g, o, ic, m_pk);
    g->last_activity = t_pk;
}

static void accel_step_found(struct kn_gait *g, struct out_buf *o, double t, double m)
{
    int label = 0;

    if (!isnan(g->prev_step_t)) {
        double dt = t - g->prev_step_t;
        double step = kn_gait_stride_period(g) / 2;
        int n = 1;

        if (dt > MAX_STRIDE_S) {
            /* a pause: start labelling afresh but keep the decision */
            label = g->prev_label;
        } else {
            if (!isnan(step) && step > 0)
                n = (int) lround(dt / step);
            if (n < 1)
                n = 1;
            label = (n % 2) ? !g->prev_label : g->prev_label;
        }
    }
    g->prev_step_t = t;
    g->prev_label = label;
    kn_push_recent(g->label_m[label], &g->label_n[label], LABEL_HISTORY, m);

    if (g->label_n[0] >= 2 && g->label_n[1] >= 2) {
        double m0 = kn_median(g->label_m[0], g->label_n[0]);
        double m1 = kn_median(g->label_m[1], g->label_n[1]);
        int want = m1 > m0 ? 1 : 0;

        /* decide once, then switch only on a clear difference */
        if (g->ipsi < 0 || (want != g->ipsi && fmax(m0, m1) > 1.15 * fmin(m0, m1)))
            g->ipsi = want;
    } else if (g->label_n[0] + g->label_n[1] == 1 || g->label_n[!label] == 0) {
        /* too early to tell which foot: hold the steps */
    }

    if (g->ipsi < 0) {
        if (g->n_held < 8) {
            g->held_t[g->n_held] = t;
            g->held_m[g->n_held] = m;
            g->held_label[g->n_held] = label;
            g->n_held++;
        }
        return;
    }
    /* the first decision: contacts held so far that belong to this leg */
    for (uint32_t i = 0; i < g->n_held; i++)
        if (g->held_label[i] == g->ipsi)
            accel_commit_ic(g, o, g->held_t[i], g->held_m[i]);
    g->n_held = 0;
    if (label == g->ipsi)
        accel_commit_ic(g, o, t, m);
}

static void accel_step(struct kn_gait *g, const struct sample *s, struct out_buf *o)
{
    double thr = STEP_MIN_G;

    /* a new local maximum above the floor replaces a smaller pending one
     * close by */
    if (s->m >= thr && (isnan(g->cand_t) || s->m > g->cand_m)) {
        g->cand_t = s->t;
        g->cand_m = s->m;
    }
    if (isnan(g->cand_t) || s->t - g->cand_t < STEP_HALF_WINDOW_S)
        return;
    /* the candidate has been the largest for a half window after it;
     * check the half window before it too (from the history) */
    {
        uint32_t pk = hist_peak_m(g, g->cand_t - STEP_HALF_WINDOW_S, g->cand_t + STEP_HALF_WINDOW_S);
        double t = g->cand_t, m = g->cand_m;

        g->cand_t = NAN;
        if (pk != UINT32_MAX && hist_at(g, pk)->t != t)
            return;
        if (!isnan(g->prev_step_t) && t - g->prev_step_t < STEP_MIN_INTERVAL_S)
            return;
        accel_step_found(g, o, t, m);
    }
}

/* --- knee-angle method ----------------------------------------------------- */

static void knee_step(struct kn_gait *g, const struct sample *s, struct out_buf *o)
{
    double thr = g->knee_thr;

    if (isnan(s->knee))
        return;

    switch (g->kn) {
    case KN_WAIT_SWING:
        if (s->knee > thr) {
            g->kn = KN_IN_SWING;
            g->kpeak = s->knee;
            g->kpeak_t = s->t;
        }
        break;
    case KN_IN_SWING:
        if (s->knee > g->kpeak) {
            g->kpeak = s->knee;
            g->kpeak_t = s->t;
        }
        if (s->knee < g->kpeak - 0.5 * (g->kpeak - 0)) {
            kn_push_recent(g->kpeaks, &g->n_kpeaks, 8, g->kpeak);
            if (g->n_kpeaks >= 3)
                g->knee_thr = fmax(KNEE_SWING_MIN_DEG, 0.6 * kn_median(g->kpeaks, g->n_kpeaks));
            g->last_activity = s->t;
            if (!isnan(g->last_ic) && g->kpeak_t - g->last_ic < MAX_STRIDE_S) {
                /* Toe-off.  Running: the knee extends through push-off
                 * and flexes once the foot is off, so it is the least
                 * flexion between the stance peak and the swing rise.
                 * Walking: the knee already flexes in double support
                 * and toe-off comes at its fastest flexion, ~60 % of the
                 * cycle (Perry 2010). */
                double stride = g->kpeak_t - g->last_ic;
                double period = kn_gait_stride_period(g);
                double to;

                if (!isnan(period) && period >= RUN_MAX_STRIDE_S) {
                    double from = hist_argext(g, g->last_ic + 0.08, g->kpeak_t, 0.01, f_knee, 1, NULL);

                    to = isnan(from) ? NAN : hist_argext(g, from, g->kpeak_t, 0.01, f_knee_rate, -1, NULL);
                } else {
                    to = hist_argext(g, g->last_ic + 0.08, g->kpeak_t, 0.01, f_knee, 1, NULL);
                }
                (void) stride;

                if (!isnan(to))
                    emit(o, KN_GAIT_TO, KN_GAIT_KNEE, to, NAN);
            }
            g->kn = KN_SEEK_IC;
            g->kmin = s->knee;
            g->kmin_t = s->t;
        }
        break;
    case KN_SEEK_IC:
        if (s->knee < g->kmin) {
            g->kmin = s->knee;
            g->kmin_t = s->t;
        }
        /* the terminal-swing extension ends as loading flexes the knee */
        if (s->knee > g->kmin + 4.0 || s->t - g->kmin_t > 0.3) {
            /* The knee is straightest a little before the foot lands:
             * at ~93 % of the cycle running, ~97 % walking (Novacheck
             * 1998; Perry 2010) */
            double period = kn_gait_stride_period(g);
            double lead = isnan(period) ? 0 : (period < RUN_MAX_STRIDE_S ? 0.07 : 0.03) * period;

            emit_ic(g, o, g->kmin_t + lead, NAN);
            g->kn = KN_WAIT_SWING;
        }
        break;
    }
}

/* The swing's own rotation about the knee accelerates the shank sensor
 * (centripetal omega^2*r, tangential alpha*r) — at a sprint as much as
 * the landing does, just before it.  Remove it from the previous sample,
 * whose angular acceleration is now a central difference. */
static void remove_rotation(struct kn_gait *g)
{
    const struct sample *next = hist_at(g, 0), *prev = hist_at(g, 2);
    struct sample *c = (struct sample *) hist_at(g, 1);
    double alpha = (next->w - prev->w) / (next->t - prev->t);
    double x = c->ax - alpha * SHANK_LEVER_M;
    double y = c->ay - c->w * c->w * SHANK_LEVER_M;

    c->mi = sqrt(x * x + y * y + c->az * c->az) / KN_STANDARD_GRAVITY;
}

/* --- dispatch --------------------------------------------------------------- */

static enum kn_gait_method choose(uint32_t present, double knee)
{
    if (present & KN_HAS_SHANK_GYRO)
        return KN_GAIT_GYRO;
    if (present & KN_HAS_SHANK_ACCEL)
        return KN_GAIT_ACCEL;
    if (!isnan(knee))
        return KN_GAIT_KNEE;
    return KN_GAIT_NONE;
}

size_t kn_gait_push(struct kn_gait *g, const struct kn_frame *f, double knee_deg,
                    struct kn_gait_event *out)
{
    struct out_buf o = { .ev = out, .n = 0 };
    enum kn_gait_method method = choose(f->present, knee_deg);
    const struct sample *prev;
    struct sample *s;

    if (method != g->method || (g->ring.count && f->t_s - g->last_t > 1.0)) {
        /* a sensor came or went, or a gap: start over */
        if (!isnan(g->last_ic))
            emit(&o, KN_GAIT_STOP, g->method, g->last_t, NAN);
        clear_detection(g);
        g->method = method;
        kn_ring_clear(&g->ring);
    }
    g->last_t = f->t_s;

    prev = g->ring.count ? hist_at(g, 0) : NULL;
    s = &g->hist[kn_ring_push(&g->ring)];
    s->t = f->t_s;
    s->w = (f->present & KN_HAS_SHANK_GYRO) ? f->shank_gyro[2] : 0;
    s->m = (f->present & KN_HAS_SHANK_ACCEL)
               ? sqrt(f->shank_accel[0] * f->shank_accel[0] + f->shank_accel[1] * f->shank_accel[1] +
                      f->shank_accel[2] * f->shank_accel[2]) / KN_STANDARD_GRAVITY
               : NAN;
    s->mi = s->m;
    s->ax = (f->present & KN_HAS_SHANK_ACCEL) ? f->shank_accel[0] : 0;
    s->ay = (f->present & KN_HAS_SHANK_ACCEL) ? f->shank_accel[1] : 0;
    s->az = (f->present & KN_HAS_SHANK_ACCEL) ? f->shank_accel[2] : 0;
    s->knee = knee_deg;
    s->knee_rate = prev ? (knee_deg - prev->knee) / (f->t_s - prev->t) : 0;
    if ((f->present & (KN_HAS_SHANK_ACCEL | KN_HAS_SHANK_GYRO)) == (KN_HAS_SHANK_ACCEL | KN_HAS_SHANK_GYRO) &&
        g->ring.count >= 3)
        remove_rotation(g);

    switch (g->method) {
    case KN_GAIT_GYRO:
        gyro_step(g, s, &o);
        g->prev_w = s->w;
        break;
    case KN_GAIT_ACCEL:
        accel_step(g, s, &o);
        break;
    case KN_GAIT_KNEE:
        knee_step(g, s, &o);
        break;
    case KN_GAIT_NONE:
        break;
    }

    /* stopped: no swing for a while */
    if (!isnan(g->last_ic)) {
        double period = kn_gait_stride_period(g);
        double limit = fmax(STOP_MIN_S, isnan(period) ? 0 : 2.2 * period);

        if (f->t_s - fmax(g->last_ic, g->last_activity) > limit) {
            emit(&o, KN_GAIT_STOP, g->method, f->t_s, NAN);
            clear_detection(g);
        }
    }
    (void) f_m;
    return o.n;
}
