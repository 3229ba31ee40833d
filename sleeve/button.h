/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The sleeve's button: debounce and gesture classifier.  Pure C11: the
 * glue feeds it the line's edges with their kernel timestamps
 * (kn_button_edge) and calls kn_button_poll() when they arrive and at the
 * deadline it returns; nothing here reads a clock or sleeps.
 *
 * Debounce: a level counts once the line has not moved for debounce_ms;
 * the press or release is then dated at the first edge of the burst that
 * led to it, so bounces never lengthen or shorten a press.  A burst that
 * ends where it began (a spike shorter than debounce_ms) is no press.
 *
 * Gestures (times of the debounced edges; docs/sleeve.md):
 *   long    held for long_ms: recognised while still held, at long_ms,
 *           so the wearer feels the answer and lets go; the release is
 *           ignored
 *   double  released before long_ms, pressed again less than double_ms
 *           after that release: recognised at the second press
 *   short   released before long_ms and not pressed again within
 *           double_ms: recognised double_ms after the release
 * A gesture is dated at its first press.  A press already down when the
 * button is set up (or before a reset) makes no gesture: its release is
 * ignored.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#define KN_BUTTON_DEBOUNCE_MS_DEFAULT 20
#define KN_BUTTON_DOUBLE_MS_DEFAULT 400
#define KN_BUTTON_LONG_MS_DEFAULT 2000

struct kn_button_config {
    uint32_t debounce_ms;         /* 1..100 */
    uint32_t double_ms;           /* 100..1000 */
    uint32_t long_ms;             /* 500..10000, > double_ms */
};

void kn_button_config_init(struct kn_button_config *cfg);
/* 0, or -EINVAL naming the field in *ret_field ("debounce_ms", ...). */
int kn_button_config_check(const struct kn_button_config *cfg, const char **ret_field);

enum kn_gesture {
    KN_GESTURE_NONE = 0,
    KN_GESTURE_SHORT,
    KN_GESTURE_DOUBLE,
    KN_GESTURE_LONG,
};

const char *kn_gesture_to_string(enum kn_gesture g);   /* "short", "double", "long" */

struct kn_gesture_event {
    enum kn_gesture gesture;
    int64_t t_us;                 /* the first press of the gesture */
};

#define KN_BUTTON_OUT_MAX 4

enum kn_button_phase {
    KN_BUTTON_IDLE = 0,
    KN_BUTTON_HELD_AT_START,      /* down before we knew: wait for the release */
    KN_BUTTON_FIRST_DOWN,
    KN_BUTTON_FIRST_UP,           /* waiting for a second press */
    KN_BUTTON_LONG_DONE,          /* long recognised, waiting for the release */
    KN_BUTTON_SECOND_DOWN,        /* double recognised, waiting for the release */
};

struct kn_button {
    struct kn_button_config cfg;
    /* debounce */
    bool raw;                     /* last edge's level (true pressed) */
    bool stable;                  /* debounced level */
    bool burst;                   /* raw moved away from stable ... */
    int64_t burst_start_us;       /* ... at its first edge */
    int64_t last_edge_us;
    /* classifier */
    enum kn_button_phase phase;
    int64_t down_us;              /* first press of the gesture */
    int64_t up_us;                /* its release */
    struct kn_gesture_event out[KN_BUTTON_OUT_MAX];   /* recognised, not yet polled */
    unsigned n_out;
    unsigned burst_edges;
    uint64_t edges;               /* raw edges seen */
    uint64_t bounces;             /* raw edges that debounce ignored */
};

/* pressed: the level when the line was set up (true: already down). */
void kn_button_init(struct kn_button *b, const struct kn_button_config *cfg, bool pressed);
/* Forgets any gesture under way (for instance when a confirmation
 * request takes over the button); a press held now makes none. */
void kn_button_reset(struct kn_button *b);
/* One edge: the level after it.  Edges must come in time order; one that
 * repeats the level (a missed edge) only moves the debounce window. */
void kn_button_edge(struct kn_button *b, bool pressed, int64_t t_us);
/* Advances to now and returns the next gesture recognised, or one with
 * KN_GESTURE_NONE; call again until it returns NONE.  *ret_next_us is the
 * time to call again without a new edge (INT64_MAX: only on an edge). */
struct kn_gesture_event kn_button_poll(struct kn_button *b, int64_t now_us,
                                       int64_t *ret_next_us);
