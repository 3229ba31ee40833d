/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The simulated sleeve's configuration: defaults, the block and event
 * spec strings, and validation with messages that name the offending
 * block or event.
 */
#include <errno.h>
#include <locale.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/events.h"
#include "drivers/sim-model.h"

#define RUN_CADENCE_DEFAULT 170.0
#define RUN_SPEED_DEFAULT 3.3
#define WALK_CADENCE_DEFAULT 110.0
#define WALK_SPEED_DEFAULT 1.3

struct event_defaults {
    const char *name;
    double magnitude_deg;
    double duration_s;
    double speed_dps;
    double valgus_deg;
    const char *keys;          /* valid keys, for messages */
    double mag_min, mag_max;
    double dur_min, dur_max;
};

static const struct event_defaults event_info[KN_SIM_EVENT_KIND_COUNT] = {
    [KN_SIM_EVENT_HYPEREXTENSION] = { "hyperextension", 12, 0, 400, 0, "depth, speed",
                                      5, 40, 0, 0 },
    [KN_SIM_EVENT_GIVING_WAY] = { "giving_way", 30, 0, 0, 10, "depth, valgus",
                                  5, 60, 0, 0 },
    [KN_SIM_EVENT_RANGE_LOSS] = { "range_loss", 25, 180, 0, 0, "deg, duration",
                                  2, 50, 0, 3600 },
    [KN_SIM_EVENT_LOCKING] = { "locking", 25, 15, 0, 0, "deg, duration",
                               5, 60, 1, 600 },
    [KN_SIM_EVENT_SLEEVE_SLIP] = { "sleeve_slip", 8, 2, 0, 0, "deg, duration",
                                   -30, 30, 0, 600 },
};

/* Hyperextension and giving way happen at one stride: keep them apart so
 * that two never land on the same stride. */
#define INSTANT_EVENT_GAP_S 2.0

static int fail(char *err, size_t err_len, int code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static int fail(char *err, size_t err_len, int code, const char *fmt, ...)
{
    va_list ap;

    if (err && err_len > 0) {
        va_start(ap, fmt);
        vsnprintf(err, err_len, fmt, ap);
        va_end(ap);
    }
    return code;
}

/* strtod in the C locale whatever the program's LC_NUMERIC: specs and
 * recordings always use '.' as the decimal point. */
static int parse_double(const char *s, size_t len, double *ret)
{
    char buf[64];
    char *end;
    double v;
    locale_t c_locale, old;

    if (len == 0 || len >= sizeof(buf))
        return -EINVAL;
    memcpy(buf, s, len);
    buf[len] = '\0';
    c_locale = newlocale(LC_NUMERIC_MASK, "C", (locale_t) 0);
    if (c_locale == (locale_t) 0)
        return -ENOMEM;
    old = uselocale(c_locale);
    errno = 0;
    v = strtod(buf, &end);
    uselocale(old);
    freelocale(c_locale);
    if (end == buf || *end != '\0' || errno == ERANGE || !isfinite(v))
        return -EINVAL;
    *ret = v;
    return 0;
}

/* The shortest "%g" that reads back to the same double, in the C locale. */
static void format_double(char *buf, size_t len, double v)
{
    locale_t c_locale = newlocale(LC_NUMERIC_MASK, "C", (locale_t) 0);
    locale_t old = c_locale != (locale_t) 0 ? uselocale(c_locale) : (locale_t) 0;

    for (int prec = 6; prec <= 17; prec++) {
        snprintf(buf, len, "%.*g", prec, v);
        if (strtod(buf, NULL) == v)
            break;
    }
    if (c_locale != (locale_t) 0) {
        uselocale(old);
        freelocale(c_locale);
    }
}

void kn_sim_config_init(struct kn_sim_config *c)
{
    memset(c, 0, sizeof(*c));
    c->rate_hz = 200;
    c->side = KN_SIDE_RIGHT;
    c->seed = 1;
    c->sensors = KN_HAS_ALL;
    c->noise = 1;
    c->gyro_bias_rads = 0.02;
    c->impact_g = 8;
    c->frontal_deg = 2;
    c->variability = 1;
    c->repeat = false;
    c->n_blocks = 3;
    c->blocks[0] = (struct kn_sim_block) { KN_SIM_STAND, 5, 0, 0 };
    c->blocks[1] = (struct kn_sim_block) { KN_SIM_RUN, 300, RUN_CADENCE_DEFAULT, RUN_SPEED_DEFAULT };
    c->blocks[2] = (struct kn_sim_block) { KN_SIM_STAND, 5, 0, 0 };
    c->n_events = 0;
}

const char *kn_sim_activity_to_string(enum kn_sim_activity activity)
{
    switch (activity) {
    case KN_SIM_STAND:
        return "stand";
    case KN_SIM_WALK:
        return "walk";
    case KN_SIM_RUN:
        return "run";
    }
    return "unknown";
}

const char *kn_sim_event_kind_to_string(enum kn_sim_event_kind kind)
{
    if ((unsigned) kind < KN_SIM_EVENT_KIND_COUNT)
        return event_info[kind].name;
    return "unknown";
}

/* Splits s at the first sep: *ret_len is the length of the head, the
 * return value points past the separator (or NULL when there is none). */
static const char *split(const char *s, char sep, size_t *ret_len)
{
    const char *p = strchr(s, sep);

    *ret_len = p ? (size_t) (p - s) : strlen(s);
    return p ? p + 1 : NULL;
}

int kn_sim_config_add_block(struct kn_sim_config *c, const char *spec, char *err, size_t err_len)
{
    struct kn_sim_block b = { 0 };
    const char *field = spec, *next;
    size_t len;
    double v[3] = { NAN, NAN, NAN };
    int n = 0;

    if (c->n_blocks >= KN_SIM_MAX_BLOCKS)
        return fail(err, err_len, -E2BIG, "block '%s': too many blocks (at most %d)",
                    spec, KN_SIM_MAX_BLOCKS);
    next = split(field, ':', &len);
    if (len == 4 && strncmp(field, "walk", 4) == 0) {
        b.activity = KN_SIM_WALK;
        b.cadence_spm = WALK_CADENCE_DEFAULT;
        b.speed_mps = WALK_SPEED_DEFAULT;
    } else if (len == 3 && strncmp(field, "run", 3) == 0) {
        b.activity = KN_SIM_RUN;
        b.cadence_spm = RUN_CADENCE_DEFAULT;
        b.speed_mps = RUN_SPEED_DEFAULT;
    } else if (len == 5 && strncmp(field, "stand", 5) == 0) {
        b.activity = KN_SIM_STAND;
    } else {
        return fail(err, err_len, -EINVAL,
                    "block '%s': unknown activity '%.*s' (expected stand, walk or run)",
                    spec, (int) len, field);
    }
    while (next) {
        static const char *const names[] = { "duration", "cadence", "speed" };

        field = next;
        next = split(field, ':', &len);
        if (n >= 3 || (b.activity == KN_SIM_STAND && n >= 1))
            return fail(err, err_len, -EINVAL, "block '%s': too many fields (expected %s)", spec,
                        b.activity == KN_SIM_STAND ? "stand:DURATION"
                                                   : "ACTIVITY:DURATION[:CADENCE[:SPEED]]");
        if (len == 0 && n > 0) {        /* empty: keep the default */
            n++;
            continue;
        }
        if (parse_double(field, len, &v[n]) < 0)
            return fail(err, err_len, -EINVAL, "block '%s': %s is not a number: '%.*s'",
                        spec, names[n], (int) len, field);
        n++;
    }
    if (n == 0 || isnan(v[0]))
        return fail(err, err_len, -EINVAL, "block '%s': no duration (expected %s:DURATION...)",
                    spec, kn_sim_activity_to_string(b.activity));
    b.duration_s = v[0];
    if (!isnan(v[1]))
        b.cadence_spm = v[1];
    if (!isnan(v[2]))
        b.speed_mps = v[2];
    c->blocks[c->n_blocks++] = b;
    return 0;
}

static int parse_event_kind(const char *s, size_t len, enum kn_sim_event_kind *ret)
{
    for (int k = 0; k < KN_SIM_EVENT_KIND_COUNT; k++)
        if (strlen(event_info[k].name) == len && strncmp(s, event_info[k].name, len) == 0) {
            *ret = (enum kn_sim_event_kind) k;
            return 0;
        }
    return -EINVAL;
}

int kn_sim_config_add_event(struct kn_sim_config *c, const char *spec, char *err, size_t err_len)
{
    struct kn_sim_event e = { 0 };
    const struct event_defaults *d;
    const char *rest, *keys, *field;
    size_t len;

    if (c->n_events >= KN_SIM_MAX_EVENTS)
        return fail(err, err_len, -E2BIG, "event '%s': too many events (at most %d)",
                    spec, KN_SIM_MAX_EVENTS);
    rest = split(spec, '@', &len);
    if (parse_event_kind(spec, len, &e.kind) < 0)
        return fail(err, err_len, -EINVAL,
                    "event '%s': unknown kind '%.*s' (expected hyperextension, giving_way, "
                    "range_loss, locking or sleeve_slip)", spec, (int) len, spec);
    if (!rest)
        return fail(err, err_len, -EINVAL, "event '%s': no time (expected KIND@SECONDS[:key=value,...])",
                    spec);
    d = &event_info[e.kind];
    e.magnitude_deg = d->magnitude_deg;
    e.duration_s = d->duration_s;
    e.speed_dps = d->speed_dps;
    e.valgus_deg = d->valgus_deg;

    keys = split(rest, ':', &len);
    if (parse_double(rest, len, &e.t_s) < 0)
        return fail(err, err_len, -EINVAL, "event '%s': time is not a number: '%.*s'",
                    spec, (int) len, rest);
    for (field = keys; field;) {
        const char *value, *next = split(field, ',', &len);
        size_t key_len, value_len;
        double *slot = NULL;

        value = memchr(field, '=', len);
        if (!value)
            return fail(err, err_len, -EINVAL, "event '%s': '%.*s' is not key=value",
                        spec, (int) len, field);
        key_len = (size_t) (value - field);
        value++;
        value_len = len - key_len - 1;
#define KEY_IS(k) (key_len == strlen(k) && strncmp(field, k, key_len) == 0)
        if (KEY_IS("depth") || KEY_IS("deg"))
            slot = &e.magnitude_deg;
        else if (KEY_IS("speed") && e.kind == KN_SIM_EVENT_HYPEREXTENSION)
            slot = &e.speed_dps;
        else if (KEY_IS("valgus") && e.kind == KN_SIM_EVENT_GIVING_WAY)
            slot = &e.valgus_deg;
        else if (KEY_IS("duration") && (e.kind == KN_SIM_EVENT_RANGE_LOSS ||
                                        e.kind == KN_SIM_EVENT_LOCKING ||
                                        e.kind == KN_SIM_EVENT_SLEEVE_SLIP))
            slot = &e.duration_s;
#undef KEY_IS
        if (!slot)
            return fail(err, err_len, -EINVAL, "event '%s': unknown key '%.*s' for %s (valid: %s)",
                        spec, (int) key_len, field, d->name, d->keys);
        if (parse_double(value, value_len, slot) < 0)
            return fail(err, err_len, -EINVAL, "event '%s': %.*s is not a number: '%.*s'",
                        spec, (int) key_len, field, (int) value_len, value);
        field = next;
    }
    c->events[c->n_events++] = e;
    return 0;
}

int kn_sim_block_format(const struct kn_sim_block *b, char *buf, size_t len)
{
    char d[32], cad[32], sp[32];

    format_double(d, sizeof(d), b->duration_s);
    if (b->activity == KN_SIM_STAND)
        return snprintf(buf, len, "stand:%s", d);
    format_double(cad, sizeof(cad), b->cadence_spm);
    format_double(sp, sizeof(sp), b->speed_mps);
    return snprintf(buf, len, "%s:%s:%s:%s", kn_sim_activity_to_string(b->activity), d, cad, sp);
}

int kn_sim_event_format(const struct kn_sim_event *e, char *buf, size_t len)
{
    char t[32], m[32], x[32];

    format_double(t, sizeof(t), e->t_s);
    format_double(m, sizeof(m), e->magnitude_deg);
    switch (e->kind) {
    case KN_SIM_EVENT_HYPEREXTENSION:
        format_double(x, sizeof(x), e->speed_dps);
        return snprintf(buf, len, "hyperextension@%s:depth=%s,speed=%s", t, m, x);
    case KN_SIM_EVENT_GIVING_WAY:
        format_double(x, sizeof(x), e->valgus_deg);
        return snprintf(buf, len, "giving_way@%s:depth=%s,valgus=%s", t, m, x);
    case KN_SIM_EVENT_RANGE_LOSS:
    case KN_SIM_EVENT_LOCKING:
    case KN_SIM_EVENT_SLEEVE_SLIP:
        format_double(x, sizeof(x), e->duration_s);
        return snprintf(buf, len, "%s@%s:deg=%s,duration=%s", kn_sim_event_kind_to_string(e->kind),
                        t, m, x);
    case KN_SIM_EVENT_KIND_COUNT:
        break;
    }
    return snprintf(buf, len, "unknown");
}

int kn_sim_sensors_from_string(const char *list, uint32_t *ret_sensors, char *err, size_t err_len)
{
    static const struct {
        const char *name;
        uint32_t bits;
    } names[] = {
        { "flex", KN_HAS_FLEX },
        { "thigh", KN_HAS_THIGH_IMU },
        { "shank", KN_HAS_SHANK_IMU },
        { "thigh-accel", KN_HAS_THIGH_ACCEL },
        { "thigh-gyro", KN_HAS_THIGH_GYRO },
        { "shank-accel", KN_HAS_SHANK_ACCEL },
        { "shank-gyro", KN_HAS_SHANK_GYRO },
        { "all", KN_HAS_ALL },
    };
    uint32_t bits = 0;
    const char *field = list, *next;
    size_t len;

    do {
        bool found = false;

        next = split(field, ',', &len);
        for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
            if (strlen(names[i].name) == len && strncmp(field, names[i].name, len) == 0) {
                bits |= names[i].bits;
                found = true;
            }
        if (!found)
            return fail(err, err_len, -EINVAL,
                        "sensors '%s': unknown sensor '%.*s' (expected flex, thigh, shank, "
                        "thigh-accel, thigh-gyro, shank-accel, shank-gyro or all)",
                        list, (int) len, field);
        field = next;
    } while (field);
    *ret_sensors = bits;
    return 0;
}

static bool in_range(double v, double lo, double hi)
{
    return isfinite(v) && v >= lo && v <= hi;
}

static bool moving(const struct kn_sim_block *b)
{
    return b->activity == KN_SIM_WALK || b->activity == KN_SIM_RUN;
}

/* The end of the walking/running stretch that contains time t (consecutive
 * moving blocks form one stretch), or a negative value when t is not in a
 * walk or run block. */
static double moving_stretch_end(const struct kn_sim_config *c, double t)
{
    double start = 0;

    for (size_t i = 0; i < c->n_blocks; i++) {
        double end = start + c->blocks[i].duration_s;

        if (t >= start && t < end) {
            if (!moving(&c->blocks[i]))
                return -1;
            for (size_t j = i + 1; j < c->n_blocks && moving(&c->blocks[j]); j++)
                end += c->blocks[j].duration_s;
            return end;
        }
        start = end;
    }
    return -1;
}

static int validate_block(const struct kn_sim_block *b, size_t i, char *err, size_t err_len)
{
    const char *name = kn_sim_activity_to_string(b->activity);

    if (!in_range(b->duration_s, KN_SIM_MIN_BLOCK_S, 7 * 86400.0))
        return fail(err, err_len, -EINVAL, "block %zu (%s): duration %g s is outside %g..%g s",
                    i + 1, name, b->duration_s, KN_SIM_MIN_BLOCK_S, 7 * 86400.0);
    switch (b->activity) {
    case KN_SIM_STAND:
        return 0;
    case KN_SIM_WALK:
        if (!in_range(b->cadence_spm, 70, 140))
            return fail(err, err_len, -EINVAL,
                        "block %zu (walk): cadence %g steps/min is outside 70..140", i + 1,
                        b->cadence_spm);
        if (!in_range(b->speed_mps, 0.4, 2.5))
            return fail(err, err_len, -EINVAL, "block %zu (walk): speed %g m/s is outside 0.4..2.5",
                        i + 1, b->speed_mps);
        return 0;
    case KN_SIM_RUN:
        if (!in_range(b->cadence_spm, 140, 220))
            return fail(err, err_len, -EINVAL,
                        "block %zu (run): cadence %g steps/min is outside 140..220", i + 1,
                        b->cadence_spm);
        if (!in_range(b->speed_mps, 1.8, 8))
            return fail(err, err_len, -EINVAL, "block %zu (run): speed %g m/s is outside 1.8..8",
                        i + 1, b->speed_mps);
        return 0;
    }
    return fail(err, err_len, -EINVAL, "block %zu: unknown activity %d", i + 1, (int) b->activity);
}

static int validate_event(const struct kn_sim_config *c, size_t i, double total_s,
                          char *err, size_t err_len)
{
    const struct kn_sim_event *e = &c->events[i];
    const struct event_defaults *d;
    char spec[160];
    double stretch_end;

    if ((unsigned) e->kind >= KN_SIM_EVENT_KIND_COUNT)
        return fail(err, err_len, -EINVAL, "event %zu: unknown kind %d", i + 1, (int) e->kind);
    d = &event_info[e->kind];
    kn_sim_event_format(e, spec, sizeof(spec));
    if (!in_range(e->t_s, 0, total_s) || e->t_s >= total_s)
        return fail(err, err_len, -EINVAL, "event %zu (%s): time %g s is outside the run (0..%g s)",
                    i + 1, spec, e->t_s, total_s);
    if (!in_range(e->magnitude_deg, d->mag_min, d->mag_max) ||
        (e->kind == KN_SIM_EVENT_SLEEVE_SLIP && e->magnitude_deg == 0))
        return fail(err, err_len, -EINVAL, "event %zu (%s): %s=%g is outside %g..%g deg%s",
                    i + 1, spec, e->kind == KN_SIM_EVENT_HYPEREXTENSION ||
                    e->kind == KN_SIM_EVENT_GIVING_WAY ? "depth" : "deg",
                    e->magnitude_deg, d->mag_min, d->mag_max,
                    e->kind == KN_SIM_EVENT_SLEEVE_SLIP ? " (and not 0)" : "");
    if (d->dur_max > 0 && !in_range(e->duration_s, d->dur_min, d->dur_max))
        return fail(err, err_len, -EINVAL, "event %zu (%s): duration=%g is outside %g..%g s",
                    i + 1, spec, e->duration_s, d->dur_min, d->dur_max);
    if (e->kind == KN_SIM_EVENT_HYPEREXTENSION && !in_range(e->speed_dps, 300, 2000))
        return fail(err, err_len, -EINVAL, "event %zu (%s): speed=%g is outside 300..2000 deg/s",
                    i + 1, spec, e->speed_dps);
    if (e->kind == KN_SIM_EVENT_GIVING_WAY && !in_range(e->valgus_deg, 0, 25))
        return fail(err, err_len, -EINVAL, "event %zu (%s): valgus=%g is outside 0..25 deg",
                    i + 1, spec, e->valgus_deg);

    /* A slipping sleeve is not a knee event: it may happen standing. */
    if (e->kind == KN_SIM_EVENT_SLEEVE_SLIP)
        return 0;
    stretch_end = moving_stretch_end(c, e->t_s);
    if (stretch_end < 0)
        return fail(err, err_len, -EINVAL,
                    "event %zu (%s): time %g s is not inside a walk or run block",
                    i + 1, spec, e->t_s);
    if ((e->kind == KN_SIM_EVENT_HYPEREXTENSION || e->kind == KN_SIM_EVENT_GIVING_WAY) &&
        e->t_s > stretch_end - INSTANT_EVENT_GAP_S)
        return fail(err, err_len, -EINVAL,
                    "event %zu (%s): time %g s is less than %g s before the walking/running ends "
                    "at %g s (the event needs a full stride)",
                    i + 1, spec, e->t_s, INSTANT_EVENT_GAP_S, stretch_end);
    if (e->kind == KN_SIM_EVENT_HYPEREXTENSION || e->kind == KN_SIM_EVENT_GIVING_WAY)
        for (size_t j = 0; j < i; j++) {
            const struct kn_sim_event *o = &c->events[j];

            if ((o->kind == KN_SIM_EVENT_HYPEREXTENSION || o->kind == KN_SIM_EVENT_GIVING_WAY) &&
                fabs(o->t_s - e->t_s) < INSTANT_EVENT_GAP_S)
                return fail(err, err_len, -EINVAL,
                            "event %zu (%s): less than %g s from event %zu at %g s "
                            "(two would land on the same stride)",
                            i + 1, spec, INSTANT_EVENT_GAP_S, j + 1, o->t_s);
        }
    return 0;
}

int kn_sim_config_validate(const struct kn_sim_config *c, char *err, size_t err_len)
{
    double total = 0;
    int r;

    if (!in_range(c->rate_hz, KN_SIM_MIN_RATE_HZ, KN_SIM_MAX_RATE_HZ))
        return fail(err, err_len, -EINVAL, "rate %g Hz is outside %g..%g Hz", c->rate_hz,
                    KN_SIM_MIN_RATE_HZ, KN_SIM_MAX_RATE_HZ);
    if (c->side != KN_SIDE_RIGHT && c->side != KN_SIDE_LEFT)
        return fail(err, err_len, -EINVAL, "side %d is neither left nor right", (int) c->side);
    if (c->sensors == 0 || (c->sensors & ~(uint32_t) KN_HAS_ALL))
        return fail(err, err_len, -EINVAL, "sensors 0x%x: no sensor, or an unknown one",
                    (unsigned) c->sensors);
    if (!in_range(c->noise, 0, 10))
        return fail(err, err_len, -EINVAL, "noise %g is outside 0..10", c->noise);
    if (!in_range(c->gyro_bias_rads, 0, 0.5))
        return fail(err, err_len, -EINVAL, "gyro bias %g rad/s is outside 0..0.5", c->gyro_bias_rads);
    if (!in_range(c->impact_g, 0, 30))
        return fail(err, err_len, -EINVAL, "impact %g g is outside 0..30", c->impact_g);
    if (!in_range(c->frontal_deg, 0, 10))
        return fail(err, err_len, -EINVAL, "frontal motion %g deg is outside 0..10", c->frontal_deg);
    if (!in_range(c->variability, 0, 3))
        return fail(err, err_len, -EINVAL, "variability %g is outside 0..3", c->variability);
    if (c->n_blocks == 0)
        return fail(err, err_len, -EINVAL, "no activity block");
    if (c->n_blocks > KN_SIM_MAX_BLOCKS)
        return fail(err, err_len, -EINVAL, "%zu blocks: at most %d", c->n_blocks, KN_SIM_MAX_BLOCKS);
    if (c->n_events > KN_SIM_MAX_EVENTS)
        return fail(err, err_len, -EINVAL, "%zu events: at most %d", c->n_events, KN_SIM_MAX_EVENTS);
    for (size_t i = 0; i < c->n_blocks; i++) {
        r = validate_block(&c->blocks[i], i, err, err_len);
        if (r < 0)
            return r;
        total += c->blocks[i].duration_s;
    }
    if (total > 7 * 86400.0)
        return fail(err, err_len, -EINVAL, "the blocks last %g s: at most a week", total);
    for (size_t i = 0; i < c->n_events; i++) {
        r = validate_event(c, i, total, err, err_len);
        if (r < 0)
            return r;
    }
    return 0;
}

int kn_sim_event_expected_alert(enum kn_sim_event_kind kind)
{
    switch (kind) {
    case KN_SIM_EVENT_HYPEREXTENSION:
        return KN_ALERT_HYPEREXTENSION;
    case KN_SIM_EVENT_GIVING_WAY:
        return KN_ALERT_INSTABILITY;
    case KN_SIM_EVENT_RANGE_LOSS:
        return KN_ALERT_RANGE_LOSS;
    case KN_SIM_EVENT_LOCKING:
        return KN_ALERT_LOCKING;
    case KN_SIM_EVENT_SLEEVE_SLIP:
    case KN_SIM_EVENT_KIND_COUNT:
        break;
    }
    return -1;
}
