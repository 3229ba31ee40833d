/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <string.h>

#include "sleeve/led.h"

static const struct {
    const char *name;
    uint8_t n;
    uint16_t steps[4];
} patterns[KN_LED_STATE_COUNT] = {
    [KN_LED_IDLE] = { "idle", 2, { 50, 4950 } },
    [KN_LED_ADVERTISING] = { "advertising", 2, { 100, 1900 } },
    [KN_LED_CONNECTED] = { "connected", 2, { 1000, 0 } },
    [KN_LED_PAIRING] = { "pairing", 2, { 100, 150 } },
    [KN_LED_FAULT] = { "fault", 4, { 100, 100, 100, 1700 } },
    [KN_LED_ALERT] = { "alert", 2, { 50, 50 } },
};

const char *kn_led_state_to_string(enum kn_led_state state)
{
    return (unsigned) state < KN_LED_STATE_COUNT ? patterns[state].name : NULL;
}

int kn_led_pattern(enum kn_led_state state, struct kn_pattern *ret)
{
    if ((unsigned) state >= KN_LED_STATE_COUNT)
        return -EINVAL;
    memset(ret, 0, sizeof(*ret));
    ret->name = patterns[state].name;
    ret->loop = true;
    return kn_pattern_append(ret, patterns[state].steps, patterns[state].n);
}

uint32_t kn_led_alert_hold_ms(enum kn_severity severity)
{
    switch (severity) {
    case KN_SEVERITY_INFO:
        return 2000;
    case KN_SEVERITY_WARNING:
        return 5000;
    case KN_SEVERITY_CRITICAL:
    case KN_SEVERITY_COUNT:
        break;
    }
    return 10000;
}

static enum kn_led_state pick(const struct kn_led *l, int64_t now_us)
{
    if (now_us < l->alert_until_us)
        return KN_LED_ALERT;
    if (l->fault)
        return KN_LED_FAULT;
    if (l->pairing)
        return KN_LED_PAIRING;
    switch (l->link) {
    case KN_LED_LINK_CONNECTED:
        return KN_LED_CONNECTED;
    case KN_LED_LINK_ADVERTISING:
        return KN_LED_ADVERTISING;
    case KN_LED_LINK_NONE:
        break;
    }
    return KN_LED_IDLE;
}

/* A new state begins now, or when the alert state ended if that is what
 * changed (its end is known exactly, not only when someone looks). */
static void update(struct kn_led *l, int64_t now_us)
{
    enum kn_led_state s = pick(l, now_us);

    if (s == l->shown)
        return;
    l->shown_since_us = l->shown == KN_LED_ALERT && l->alert_until_us <= now_us
                        ? l->alert_until_us : now_us;
    l->shown = s;
}

void kn_led_init(struct kn_led *l, int64_t now_us)
{
    memset(l, 0, sizeof(*l));
    l->alert_until_us = INT64_MIN;
    l->shown = KN_LED_IDLE;
    l->shown_since_us = now_us;
}

void kn_led_set_link(struct kn_led *l, enum kn_led_link link, int64_t now_us)
{
    l->link = link;
    update(l, now_us);
}

void kn_led_set_pairing(struct kn_led *l, bool open, int64_t now_us)
{
    l->pairing = open;
    update(l, now_us);
}

void kn_led_set_fault(struct kn_led *l, bool fault, int64_t now_us)
{
    l->fault = fault;
    update(l, now_us);
}

void kn_led_alert(struct kn_led *l, enum kn_severity severity, int64_t now_us)
{
    int64_t until = now_us + (int64_t) kn_led_alert_hold_ms(severity) * 1000;

    if (until > l->alert_until_us)
        l->alert_until_us = until;
    update(l, now_us);
}

enum kn_led_state kn_led_level(struct kn_led *l, int64_t now_us, int *ret_level,
                               int64_t *ret_next_us)
{
    struct kn_pattern p;
    int64_t next;
    int level;

    update(l, now_us);
    kn_led_pattern(l->shown, &p);
    level = kn_pattern_level_at(&p, now_us - l->shown_since_us, &next);
    next = next == INT64_MAX ? INT64_MAX : l->shown_since_us + next;
    if (l->shown == KN_LED_ALERT && l->alert_until_us < next)
        next = l->alert_until_us;
    *ret_level = level > 0;
    *ret_next_us = next;
    return l->shown;
}
