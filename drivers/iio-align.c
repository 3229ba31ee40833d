/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "drivers/iio-align.h"

/* A gap longer than this many sample periods is a dropout. */
#define MAX_GAP_PERIODS 2.5
/* The ring holds this much more than max_wait. */
#define RING_EXTRA_S 1.0

typedef struct {
    double t;
    double v[3];
} Sample;

typedef struct {
    int active;
    double rate_hz;
    double started;              /* now_s at start: "late" counts from here */
    Sample *ring;
    size_t cap, head, len;       /* oldest at head */
} Stream;

struct kn_iio_align {
    double max_wait;
    double last_t;
    Stream s[KN_IIO_STREAM_COUNT];
    struct kn_iio_align_stats stats;
};

uint32_t kn_iio_stream_bit(enum kn_iio_stream stream)
{
    switch (stream) {
    case KN_IIO_STREAM_THIGH_ACCEL:
        return KN_HAS_THIGH_ACCEL;
    case KN_IIO_STREAM_THIGH_GYRO:
        return KN_HAS_THIGH_GYRO;
    case KN_IIO_STREAM_SHANK_ACCEL:
        return KN_HAS_SHANK_ACCEL;
    case KN_IIO_STREAM_SHANK_GYRO:
        return KN_HAS_SHANK_GYRO;
    case KN_IIO_STREAM_FLEX:
        return KN_HAS_FLEX;
    case KN_IIO_STREAM_COUNT:
        break;
    }
    return 0;
}

const char *kn_iio_stream_name(enum kn_iio_stream stream)
{
    switch (stream) {
    case KN_IIO_STREAM_THIGH_ACCEL:
        return "thigh accel";
    case KN_IIO_STREAM_THIGH_GYRO:
        return "thigh gyro";
    case KN_IIO_STREAM_SHANK_ACCEL:
        return "shank accel";
    case KN_IIO_STREAM_SHANK_GYRO:
        return "shank gyro";
    case KN_IIO_STREAM_FLEX:
        return "flex";
    case KN_IIO_STREAM_COUNT:
        break;
    }
    return "?";
}

/* Time-base preference among equal rates: gyros first, they carry the
 * angle; then accelerometers; the flex sensor last. */
static const enum kn_iio_stream priority[KN_IIO_STREAM_COUNT] = {
    KN_IIO_STREAM_THIGH_GYRO, KN_IIO_STREAM_THIGH_ACCEL,
    KN_IIO_STREAM_SHANK_GYRO, KN_IIO_STREAM_SHANK_ACCEL,
    KN_IIO_STREAM_FLEX,
};

static Sample *at(const Stream *s, size_t i)
{
    return &s->ring[(s->head + i) % s->cap];
}

static double stream_last(const Stream *s)
{
    return s->len ? at(s, s->len - 1)->t : -INFINITY;
}

static int is_late(const struct kn_iio_align *a, const Stream *s, double now)
{
    double last = s->len ? stream_last(s) : s->started;

    return last < now - a->max_wait;
}

struct kn_iio_align *kn_iio_align_new(double max_wait_s)
{
    struct kn_iio_align *a;

    if (!(max_wait_s > 0))
        return NULL;
    a = calloc(1, sizeof(*a));
    if (!a)
        return NULL;
    a->max_wait = max_wait_s;
    a->last_t = -INFINITY;
    return a;
}

void kn_iio_align_free(struct kn_iio_align *a)
{
    if (!a)
        return;
    for (int i = 0; i < KN_IIO_STREAM_COUNT; i++)
        free(a->s[i].ring);
    free(a);
}

int kn_iio_align_start(struct kn_iio_align *a, enum kn_iio_stream stream, double rate_hz,
                       double now_s)
{
    Stream *s;
    size_t cap;

    if ((unsigned) stream >= KN_IIO_STREAM_COUNT || !(rate_hz >= 1 && rate_hz <= 10000))
        return -EINVAL;
    s = &a->s[stream];
    cap = (size_t) ceil(rate_hz * (a->max_wait + RING_EXTRA_S)) + 16;
    if (cap != s->cap) {
        Sample *ring = realloc(s->ring, cap * sizeof(*ring));

        if (!ring)
            return -ENOMEM;
        s->ring = ring;
        s->cap = cap;
    }
    s->active = 1;
    s->rate_hz = rate_hz;
    s->started = now_s;
    s->head = s->len = 0;
    return 0;
}

void kn_iio_align_stop(struct kn_iio_align *a, enum kn_iio_stream stream)
{
    if ((unsigned) stream >= KN_IIO_STREAM_COUNT)
        return;
    a->s[stream].active = 0;
    a->s[stream].head = a->s[stream].len = 0;
}

int kn_iio_align_is_active(const struct kn_iio_align *a, enum kn_iio_stream stream)
{
    return (unsigned) stream < KN_IIO_STREAM_COUNT && a->s[stream].active;
}

int kn_iio_align_push(struct kn_iio_align *a, enum kn_iio_stream stream, double t_s,
                      const double v[3])
{
    Stream *s;
    Sample *slot;
    int r = 0;

    if ((unsigned) stream >= KN_IIO_STREAM_COUNT || !a->s[stream].active)
        return -EINVAL;
    s = &a->s[stream];
    if (!isfinite(t_s) || !(t_s > stream_last(s))) {
        a->stats.dropped_order++;
        return -EINVAL;
    }
    if (s->len == s->cap) {
        s->head = (s->head + 1) % s->cap;
        s->len--;
        a->stats.dropped_overflow++;
        r = -ENOBUFS;
    }
    slot = at(s, s->len++);
    slot->t = t_s;
    memcpy(slot->v, v, sizeof(slot->v));
    return r;
}

/* The stream's value at time t into out: 1 when known, 0 when t falls in
 * a dropout or before its first sample, -1 when its samples do not reach
 * t yet.  *from is where to start looking (kept between calls: times only
 * increase). */
static int value_at(const Stream *s, double t, size_t *from, double out[3])
{
    double gap = MAX_GAP_PERIODS / s->rate_hz;
    size_t i = *from;
    const Sample *a, *b;
    double w;

    if (stream_last(s) < t)
        return -1;
    while (i < s->len && at(s, i)->t < t)
        i++;
    *from = i > 0 ? i - 1 : 0;
    b = at(s, i);
    if (b->t == t) {
        memcpy(out, b->v, sizeof(b->v));
        return 1;
    }
    if (i == 0)
        return 0;
    a = at(s, i - 1);
    if (b->t - a->t > gap)
        return 0;
    w = (t - a->t) / (b->t - a->t);
    for (int k = 0; k < 3; k++)
        out[k] = a->v[k] + w * (b->v[k] - a->v[k]);
    return 1;
}

static void put(struct kn_frame *f, enum kn_iio_stream stream, const double v[3])
{
    f->present |= kn_iio_stream_bit(stream);
    switch (stream) {
    case KN_IIO_STREAM_THIGH_ACCEL:
        memcpy(f->thigh_accel, v, sizeof(f->thigh_accel));
        break;
    case KN_IIO_STREAM_THIGH_GYRO:
        memcpy(f->thigh_gyro, v, sizeof(f->thigh_gyro));
        break;
    case KN_IIO_STREAM_SHANK_ACCEL:
        memcpy(f->shank_accel, v, sizeof(f->shank_accel));
        break;
    case KN_IIO_STREAM_SHANK_GYRO:
        memcpy(f->shank_gyro, v, sizeof(f->shank_gyro));
        break;
    case KN_IIO_STREAM_FLEX:
        f->knee_deg = v[0];
        break;
    case KN_IIO_STREAM_COUNT:
        break;
    }
}

static int pick_base(const struct kn_iio_align *a, double now)
{
    int best = -1;

    for (int i = 0; i < KN_IIO_STREAM_COUNT; i++) {
        const Stream *s = &a->s[priority[i]];

        if (!s->active || is_late(a, s, now))
            continue;
        if (best < 0 || s->rate_hz > a->s[best].rate_hz)
            best = (int) priority[i];
    }
    return best;
}

/* Forgets samples no future frame can use: all but the last one at or
 * before the last frame. */
static void trim(struct kn_iio_align *a)
{
    for (int i = 0; i < KN_IIO_STREAM_COUNT; i++) {
        Stream *s = &a->s[i];

        while (s->len >= 2 && at(s, 1)->t <= a->last_t) {
            s->head = (s->head + 1) % s->cap;
            s->len--;
        }
    }
}

size_t kn_iio_align_pull(struct kn_iio_align *a, double now_s, struct kn_frame *out, size_t max)
{
    size_t from[KN_IIO_STREAM_COUNT] = { 0 };
    int late[KN_IIO_STREAM_COUNT];
    int base = pick_base(a, now_s);
    size_t n = 0, i = 0;
    const Stream *b;

    if (base < 0 || max == 0)
        return 0;
    for (int k = 0; k < KN_IIO_STREAM_COUNT; k++)
        late[k] = a->s[k].active && is_late(a, &a->s[k], now_s);
    b = &a->s[base];
    while (i < b->len && at(b, i)->t <= a->last_t)
        i++;
    for (; i < b->len && n < max; i++) {
        const Sample *ref = at(b, i);
        struct kn_frame f = { .t_s = ref->t };
        int partial = 0, wait = 0;

        put(&f, (enum kn_iio_stream) base, ref->v);
        for (int k = 0; k < KN_IIO_STREAM_COUNT && !wait; k++) {
            double v[3];
            int r;

            if (k == base || !a->s[k].active)
                continue;
            r = value_at(&a->s[k], ref->t, &from[k], v);
            if (r > 0)
                put(&f, (enum kn_iio_stream) k, v);
            else if (r == 0 || late[k])
                partial = 1;
            else
                wait = 1;
        }
        if (wait)
            break;
        out[n++] = f;
        a->last_t = f.t_s;
        a->stats.frames++;
        if (partial)
            a->stats.partial_frames++;
    }
    trim(a);
    return n;
}

double kn_iio_align_last_time(const struct kn_iio_align *a)
{
    return a->last_t;
}

double kn_iio_align_stream_last(const struct kn_iio_align *a, enum kn_iio_stream stream)
{
    if ((unsigned) stream >= KN_IIO_STREAM_COUNT)
        return -INFINITY;
    return stream_last(&a->s[stream]);
}

void kn_iio_align_get_stats(const struct kn_iio_align *a, struct kn_iio_align_stats *ret)
{
    *ret = a->stats;
}

/* ---- read-time clock ---- */

#define CLOCK_MIN_SPAN_S 1.0
#define CLOCK_MAX_RATE_ERROR 0.05

void kn_iio_clock_init(struct kn_iio_clock *c, double nominal_rate_hz)
{
    memset(c, 0, sizeof(*c));
    c->nominal_period = 1.0 / nominal_rate_hz;
    c->period = c->nominal_period;
    c->last_t = -INFINITY;
}

static void fit_period(struct kn_iio_clock *c)
{
    double mk = 0, mt = 0, skk = 0, skt = 0, slope;
    unsigned oldest = (c->head + KN_IIO_CLOCK_WINDOW - c->n) % KN_IIO_CLOCK_WINDOW;
    unsigned newest = (c->head + KN_IIO_CLOCK_WINDOW - 1) % KN_IIO_CLOCK_WINDOW;

    if (c->n < 3 || c->t[newest] - c->t[oldest] < CLOCK_MIN_SPAN_S)
        return;
    for (unsigned j = 0; j < c->n; j++) {
        unsigned i = (oldest + j) % KN_IIO_CLOCK_WINDOW;

        mk += (double) (c->k[i] - c->k[oldest]);
        mt += c->t[i] - c->t[oldest];
    }
    mk /= c->n;
    mt /= c->n;
    for (unsigned j = 0; j < c->n; j++) {
        unsigned i = (oldest + j) % KN_IIO_CLOCK_WINDOW;
        double dk = (double) (c->k[i] - c->k[oldest]) - mk;
        double dt = c->t[i] - c->t[oldest] - mt;

        skk += dk * dk;
        skt += dk * dt;
    }
    if (skk <= 0)
        return;
    slope = skt / skk;
    if (slope < c->nominal_period * (1 - CLOCK_MAX_RATE_ERROR))
        slope = c->nominal_period * (1 - CLOCK_MAX_RATE_ERROR);
    if (slope > c->nominal_period * (1 + CLOCK_MAX_RATE_ERROR))
        slope = c->nominal_period * (1 + CLOCK_MAX_RATE_ERROR);
    c->period = slope;
}

void kn_iio_clock_stamp(struct kn_iio_clock *c, size_t n, double t_read, double *ts)
{
    double offset = INFINITY;

    if (n == 0)
        return;
    c->k[c->head] = c->count + n - 1;
    c->t[c->head] = t_read;
    c->head = (c->head + 1) % KN_IIO_CLOCK_WINDOW;
    if (c->n < KN_IIO_CLOCK_WINDOW)
        c->n++;
    fit_period(c);
    /* Lower envelope: no sample was taken after the read that got it. */
    for (unsigned j = 0; j < c->n; j++) {
        unsigned i = (c->head + KN_IIO_CLOCK_WINDOW - 1 - j) % KN_IIO_CLOCK_WINDOW;
        double o = c->t[i] - c->period * (double) c->k[i];

        if (o < offset)
            offset = o;
    }
    for (size_t j = 0; j < n; j++) {
        double t = offset + c->period * (double) (c->count + j);

        /* A new, smaller delay moved the envelope down: never go back. */
        if (!(t > c->last_t))
            t = c->last_t + c->period * 0.5;
        ts[j] = t;
        c->last_t = t;
    }
    c->count += n;
}
