/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <math.h>
#include <string.h>

#include "sleeve/haptic.h"

#define S KN_HAPTIC_SHORT_MS
#define L KN_HAPTIC_LONG_MS

/* The motif of each kind: its pulses.  Distinct rhythms, so that the kind
 * can be told without looking; hyperextension, the one that needs action
 * within the stride, is a single long pulse that starts at once. */
static const struct {
    uint8_t n;
    uint16_t pulse[3];
} motifs[KN_ALERT_KIND_COUNT] = {
    [KN_ALERT_HYPEREXTENSION] = { 1, { L } },
    [KN_ALERT_INSTABILITY] = { 2, { S, L } },
    [KN_ALERT_RANGE_LOSS] = { 2, { L, S } },
    [KN_ALERT_LOCKING] = { 2, { L, L } },
    [KN_ALERT_LOW_CADENCE] = { 2, { S, S } },
    [KN_ALERT_OVERSTRIDE] = { 1, { S } },
    [KN_ALERT_HIGH_IMPACT] = { 3, { S, S, S } },
    [KN_ALERT_PAIN] = { 3, { L, L, L } },
};

#define NAMES(kind) { kind "-info", kind "-warning", kind "-critical" }
static const char *const alert_names[KN_ALERT_KIND_COUNT][KN_SEVERITY_COUNT] = {
    [KN_ALERT_HYPEREXTENSION] = NAMES("hyperextension"),
    [KN_ALERT_INSTABILITY] = NAMES("instability"),
    [KN_ALERT_RANGE_LOSS] = NAMES("range_loss"),
    [KN_ALERT_LOCKING] = NAMES("locking"),
    [KN_ALERT_LOW_CADENCE] = NAMES("low_cadence"),
    [KN_ALERT_OVERSTRIDE] = NAMES("overstride"),
    [KN_ALERT_HIGH_IMPACT] = NAMES("high_impact"),
    [KN_ALERT_PAIN] = NAMES("pain"),
};

int kn_haptic_alert_pattern(enum kn_alert_kind kind, enum kn_severity severity,
                            struct kn_pattern *ret)
{
    unsigned repeats;

    if ((unsigned) kind >= KN_ALERT_KIND_COUNT || (unsigned) severity >= KN_SEVERITY_COUNT)
        return -EINVAL;
    memset(ret, 0, sizeof(*ret));
    ret->name = alert_names[kind][severity];
    repeats = (unsigned) severity + 1;
    for (unsigned r = 0; r < repeats; r++) {
        for (unsigned i = 0; i < motifs[kind].n; i++) {
            uint16_t gap = i + 1 < motifs[kind].n ? KN_HAPTIC_PULSE_GAP_MS
                           : r + 1 < repeats ? KN_HAPTIC_REPEAT_GAP_MS : 0;
            uint16_t steps[2] = { motifs[kind].pulse[i], gap };

            /* The table fits by construction (3 x (3 pulses + 3 gaps)). */
            kn_pattern_append(ret, steps, gap ? 2 : 1);
        }
    }
    return 0;
}

int kn_haptic_alert_priority(enum kn_severity severity)
{
    if ((unsigned) severity >= KN_SEVERITY_COUNT)
        return KN_HAPTIC_PRIO_INFO;
    return KN_HAPTIC_PRIO_INFO + (int) severity;
}

static const struct {
    const char *name;
    uint8_t n;
    uint16_t steps[7];
} cues[KN_HAPTIC_CUE_COUNT] = {
    [KN_HAPTIC_CUE_PAIN_MARKED] = { "pain-marked", 1, { 60 } },
    [KN_HAPTIC_CUE_SESSION_STARTED] = { "session-started", 3, { 60, 80, 60 } },
    [KN_HAPTIC_CUE_SESSION_STOPPED] = { "session-stopped", 5, { 60, 80, 60, 80, 60 } },
    [KN_HAPTIC_CUE_PAIRING_OPEN] = { "pairing-open", 1, { 500 } },
    [KN_HAPTIC_CUE_REFUSED] = { "refused", 7, { 40, 40, 40, 40, 40, 40, 40 } },
    [KN_HAPTIC_CUE_CONFIRMED] = { "confirmed", 3, { 60, 80, 250 } },
    [KN_HAPTIC_CUE_CONFIRM_ASKED] = { "confirm-asked", 3, { 200, 150, 200 } },
};

int kn_haptic_cue_pattern(enum kn_haptic_cue cue, struct kn_pattern *ret)
{
    if ((unsigned) cue >= KN_HAPTIC_CUE_COUNT)
        return -EINVAL;
    memset(ret, 0, sizeof(*ret));
    ret->name = cues[cue].name;
    return kn_pattern_append(ret, cues[cue].steps, cues[cue].n);
}

const char *kn_haptic_cue_to_string(enum kn_haptic_cue cue)
{
    return (unsigned) cue < KN_HAPTIC_CUE_COUNT ? cues[cue].name : NULL;
}

void kn_haptic_identify_pattern(uint32_t duration_ms, struct kn_pattern *ret)
{
    static const uint16_t steps[2] = { KN_HAPTIC_IDENTIFY_ON_MS, KN_HAPTIC_IDENTIFY_OFF_MS };

    memset(ret, 0, sizeof(*ret));
    ret->name = "identify";
    if (duration_ms == 0)
        return;
    kn_pattern_append(ret, steps, 2);
    ret->loop = true;
    ret->total_ms = duration_ms;
}

/* ---- the player ---- */

void kn_haptic_init(struct kn_haptic *h)
{
    memset(h, 0, sizeof(*h));
    h->idle_since_us = INT64_MIN;
}

void kn_haptic_clear(struct kn_haptic *h)
{
    uint64_t dropped = h->dropped;

    kn_haptic_init(h);
    h->dropped = dropped;
}

/* An endless loop is never a foreground pattern: it would hold the motor. */
static int64_t end_of(const struct kn_pattern *p, int64_t start_us)
{
    if (p->loop && p->total_ms)
        return start_us + (int64_t) p->total_ms * 1000;
    return start_us + (int64_t) kn_pattern_duration_ms(p) * 1000;
}

static void start(struct kn_haptic *h, const struct kn_haptic_slot *s, int64_t at_us)
{
    h->current = *s;
    if (h->current.pattern.loop && !h->current.pattern.total_ms)
        h->current.pattern.loop = false;
    h->start_us = at_us;
    h->playing = true;
}

/* Highest priority first, oldest first among equals. */
static void pop_next(struct kn_haptic *h, int64_t at_us)
{
    unsigned best = 0;

    for (unsigned i = 1; i < h->n_queued; i++)
        if (h->queue[i].prio > h->queue[best].prio)
            best = i;
    start(h, &h->queue[best], at_us);
    memmove(h->queue + best, h->queue + best + 1,
            (h->n_queued - best - 1) * sizeof(h->queue[0]));
    h->n_queued--;
}

static void advance(struct kn_haptic *h, int64_t now_us)
{
    while (h->playing) {
        int64_t end = end_of(&h->current.pattern, h->start_us);

        if (now_us < end)
            return;
        h->playing = false;
        h->idle_since_us = end;
        if (h->n_queued > 0)
            pop_next(h, end + KN_HAPTIC_GAP_MS * 1000);
    }
}

void kn_haptic_play(struct kn_haptic *h, const struct kn_pattern *p, int prio, int64_t now_us)
{
    struct kn_haptic_slot s = { .pattern = *p, .prio = prio };
    unsigned victim;

    advance(h, now_us);
    if (!h->playing) {
        start(h, &s, now_us);
        return;
    }
    if (prio > h->current.prio) {
        h->dropped++;
        start(h, &s, now_us);
        return;
    }
    if (h->n_queued < KN_HAPTIC_QUEUE_MAX) {
        h->queue[h->n_queued++] = s;
        return;
    }
    /* Full: the lowest priority goes, the oldest of those; the newcomer
     * goes itself if nothing queued is below it. */
    h->dropped++;
    victim = 0;
    for (unsigned i = 1; i < h->n_queued; i++)
        if (h->queue[i].prio < h->queue[victim].prio)
            victim = i;
    if (h->queue[victim].prio >= prio)
        return;
    memmove(h->queue + victim, h->queue + victim + 1,
            (h->n_queued - victim - 1) * sizeof(h->queue[0]));
    h->queue[h->n_queued - 1] = s;
}

void kn_haptic_set_metronome(struct kn_haptic *h, double spm, int64_t now_us)
{
    if (!(spm > 0) || !isfinite(spm)) {
        h->beat_period_us = 0;
        return;
    }
    h->beat_period_us = (int64_t) llround(60e6 / spm);
    h->beat_origin_us = now_us;
}

static int metronome_level(const struct kn_haptic *h, int64_t now_us, int64_t *ret_next_us)
{
    int64_t k, beat;

    if (!h->beat_period_us) {
        *ret_next_us = INT64_MAX;
        return 0;
    }
    if (now_us < h->beat_origin_us) {
        *ret_next_us = h->beat_origin_us;
        return 0;
    }
    k = (now_us - h->beat_origin_us) / h->beat_period_us;
    beat = h->beat_origin_us + k * h->beat_period_us;
    /* A beat that began under another pattern is skipped, not cut short. */
    if (beat < h->idle_since_us || now_us >= beat + KN_HAPTIC_BEAT_MS * 1000) {
        *ret_next_us = beat + h->beat_period_us;
        return 0;
    }
    *ret_next_us = beat + KN_HAPTIC_BEAT_MS * 1000;
    return 1;
}

int kn_haptic_level(struct kn_haptic *h, int64_t now_us, int64_t *ret_next_us)
{
    int64_t next;
    int level;

    advance(h, now_us);
    if (!h->playing)
        return metronome_level(h, now_us, ret_next_us);
    if (now_us < h->start_us) {
        *ret_next_us = h->start_us;
        return 0;
    }
    level = kn_pattern_level_at(&h->current.pattern, now_us - h->start_us, &next);
    if (level < 0) {
        /* Ends exactly now: advance() saw now < end, so not reached. */
        *ret_next_us = end_of(&h->current.pattern, h->start_us);
        return 0;
    }
    *ret_next_us = next == INT64_MAX ? end_of(&h->current.pattern, h->start_us)
                                     : h->start_us + next;
    return level;
}

const char *kn_haptic_playing(const struct kn_haptic *h)
{
    return h->playing ? h->current.pattern.name : NULL;
}
