/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * What the vibration motor plays, and when.  Pure C11 (times are inputs,
 * microseconds on the main loop's monotonic clock): the glue
 * (sleeve/sleeve.c) asks kn_haptic_level() for the level now and for the
 * time of the next change, sets the line and arms a timer for that time.
 *
 * Patterns (docs/sleeve.md has the table with every timing):
 * - an alert: a motif per kind (short 120 ms and long 350 ms pulses,
 *   100 ms apart), played once for advice (info), twice for a warning and
 *   three times for a critical alert, 400 ms between repetitions.  The
 *   first pulse starts the moment the alert is played;
 * - cues that acknowledge a button gesture (pain marked, session started
 *   or stopped, pairing window open, refused, confirmed);
 * - Identify: 250 ms on, 250 ms off for the duration asked;
 * - the cadence metronome: a 40 ms beat per step at the target cadence,
 *   in the background: it pauses while anything else plays and resumes
 *   on its own grid.
 *
 * One pattern plays at a time.  A pattern of higher priority interrupts
 * the one playing (which is dropped); others wait in a queue of
 * KN_HAPTIC_QUEUE_MAX, highest priority first, each starting
 * KN_HAPTIC_GAP_MS after the previous one ended so that two are felt as
 * two.  A full queue drops its lowest-priority, oldest entry.
 */
#pragma once

#include "analysis/events.h"
#include "sleeve/pattern.h"

#define KN_HAPTIC_QUEUE_MAX 4
#define KN_HAPTIC_GAP_MS 300
#define KN_HAPTIC_SHORT_MS 120
#define KN_HAPTIC_LONG_MS 350
#define KN_HAPTIC_PULSE_GAP_MS 100
#define KN_HAPTIC_REPEAT_GAP_MS 400
#define KN_HAPTIC_BEAT_MS 40
#define KN_HAPTIC_IDENTIFY_ON_MS 250
#define KN_HAPTIC_IDENTIFY_OFF_MS 250

enum kn_haptic_priority {
    KN_HAPTIC_PRIO_IDENTIFY = 1,
    KN_HAPTIC_PRIO_CUE,
    KN_HAPTIC_PRIO_INFO,          /* = KN_HAPTIC_PRIO_INFO + severity */
    KN_HAPTIC_PRIO_WARNING,
    KN_HAPTIC_PRIO_CRITICAL,
};

enum kn_haptic_cue {
    KN_HAPTIC_CUE_PAIN_MARKED = 0,    /* short press: one tick */
    KN_HAPTIC_CUE_SESSION_STARTED,    /* double press: two ticks */
    KN_HAPTIC_CUE_SESSION_STOPPED,    /* double press: three ticks */
    KN_HAPTIC_CUE_PAIRING_OPEN,       /* long press: one 500 ms buzz */
    KN_HAPTIC_CUE_REFUSED,            /* the gesture's action failed: four quick ticks */
    KN_HAPTIC_CUE_CONFIRMED,          /* a confirmation was given: tick, long */
    KN_HAPTIC_CUE_CONFIRM_ASKED,      /* a confirmation is awaited: two 200 ms buzzes */
    KN_HAPTIC_CUE_COUNT
};

/* The pattern of an alert.  -EINVAL for a kind or severity out of range. */
int kn_haptic_alert_pattern(enum kn_alert_kind kind, enum kn_severity severity,
                            struct kn_pattern *ret);
int kn_haptic_alert_priority(enum kn_severity severity);
/* -EINVAL for an unknown cue. */
int kn_haptic_cue_pattern(enum kn_haptic_cue cue, struct kn_pattern *ret);
const char *kn_haptic_cue_to_string(enum kn_haptic_cue cue);
/* duration_ms 0 gives the empty pattern. */
void kn_haptic_identify_pattern(uint32_t duration_ms, struct kn_pattern *ret);

struct kn_haptic_slot {
    struct kn_pattern pattern;
    int prio;
};

struct kn_haptic {
    bool playing;
    struct kn_haptic_slot current;
    int64_t start_us;             /* of current; may lie ahead (the gap before it) */
    struct kn_haptic_slot queue[KN_HAPTIC_QUEUE_MAX];   /* in arrival order */
    unsigned n_queued;
    int64_t idle_since_us;        /* end of the last pattern played */
    int64_t beat_period_us;       /* 0: metronome off */
    int64_t beat_origin_us;
    uint64_t dropped;             /* patterns dropped (preempted or queue full) */
};

void kn_haptic_init(struct kn_haptic *h);
/* Plays p (copied) now, or queues it behind the pattern playing. */
void kn_haptic_play(struct kn_haptic *h, const struct kn_pattern *p, int prio, int64_t now_us);
/* Metronome at spm steps/min from now (first beat at now); spm <= 0 stops it. */
void kn_haptic_set_metronome(struct kn_haptic *h, double spm, int64_t now_us);
/* Drops everything (the metronome too). */
void kn_haptic_clear(struct kn_haptic *h);
/* Advances to now: the level (0 or 1) and the time of the next change
 * (INT64_MAX: none).  now_us must not go backwards. */
int kn_haptic_level(struct kn_haptic *h, int64_t now_us, int64_t *ret_next_us);
/* Name of the pattern playing or waiting for its start, NULL when none
 * (the metronome is not a pattern). */
const char *kn_haptic_playing(const struct kn_haptic *h);
