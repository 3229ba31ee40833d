/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * What the LED shows.  Pure C11, times are inputs (microseconds on the
 * main loop's monotonic clock), like haptic.h.  The LED shows one state
 * at a time, the first that holds of:
 *
 *   alert        an alert was raised recently (2 s after advice, 5 s after
 *                a warning, 10 s after a critical alert): 50 ms on, 50 off
 *   fault        a sensor or the sleeve's own I/O failed: two 100 ms
 *                blinks every 2 s
 *   pairing      the BLE pairing window is open: 100 ms on, 150 off
 *   connected    a phone is connected: on
 *   advertising  Bluetooth is ready and waiting for a phone: 100 ms on
 *                every 2 s
 *   idle         none of the above (no Bluetooth): 50 ms on every 5 s
 *
 * A pattern starts from its beginning whenever the state changes.
 */
#pragma once

#include "analysis/events.h"
#include "sleeve/pattern.h"

enum kn_led_state {
    KN_LED_IDLE = 0,
    KN_LED_ADVERTISING,
    KN_LED_CONNECTED,
    KN_LED_PAIRING,
    KN_LED_FAULT,
    KN_LED_ALERT,
    KN_LED_STATE_COUNT
};

/* What the radio is doing, as the BLE publisher tells it. */
enum kn_led_link {
    KN_LED_LINK_NONE = 0,         /* no Bluetooth (disabled, no adapter, not registered) */
    KN_LED_LINK_ADVERTISING,
    KN_LED_LINK_CONNECTED,
};

const char *kn_led_state_to_string(enum kn_led_state state);   /* "idle", ... */
/* The looping pattern of a state; -EINVAL when out of range. */
int kn_led_pattern(enum kn_led_state state, struct kn_pattern *ret);
/* How long the alert state lasts after an alert of this severity, ms. */
uint32_t kn_led_alert_hold_ms(enum kn_severity severity);

struct kn_led {
    enum kn_led_link link;
    bool pairing;
    bool fault;
    int64_t alert_until_us;       /* INT64_MIN: none */
    enum kn_led_state shown;
    int64_t shown_since_us;
};

void kn_led_init(struct kn_led *l, int64_t now_us);
void kn_led_set_link(struct kn_led *l, enum kn_led_link link, int64_t now_us);
void kn_led_set_pairing(struct kn_led *l, bool open, int64_t now_us);
void kn_led_set_fault(struct kn_led *l, bool fault, int64_t now_us);
/* A later alert extends the state, never shortens it. */
void kn_led_alert(struct kn_led *l, enum kn_severity severity, int64_t now_us);
/* Advances to now: the state shown, its level (0 or 1) and the time of
 * the next change (a step of the pattern or the end of the alert state). */
enum kn_led_state kn_led_level(struct kn_led *l, int64_t now_us, int *ret_level,
                               int64_t *ret_next_us);
