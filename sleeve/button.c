/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <string.h>

#include "sleeve/button.h"

#define NEVER INT64_MAX

void kn_button_config_init(struct kn_button_config *cfg)
{
    cfg->debounce_ms = KN_BUTTON_DEBOUNCE_MS_DEFAULT;
    cfg->double_ms = KN_BUTTON_DOUBLE_MS_DEFAULT;
    cfg->long_ms = KN_BUTTON_LONG_MS_DEFAULT;
}

int kn_button_config_check(const struct kn_button_config *cfg, const char **ret_field)
{
    const char *bad = NULL;

    if (cfg->debounce_ms < 1 || cfg->debounce_ms > 100)
        bad = "debounce_ms";
    else if (cfg->double_ms < 100 || cfg->double_ms > 1000)
        bad = "double_ms";
    else if (cfg->long_ms < 500 || cfg->long_ms > 10000 || cfg->long_ms <= cfg->double_ms)
        bad = "long_ms";
    if (ret_field)
        *ret_field = bad;
    return bad ? -EINVAL : 0;
}

const char *kn_gesture_to_string(enum kn_gesture g)
{
    switch (g) {
    case KN_GESTURE_NONE:
        return "none";
    case KN_GESTURE_SHORT:
        return "short";
    case KN_GESTURE_DOUBLE:
        return "double";
    case KN_GESTURE_LONG:
        return "long";
    }
    return NULL;
}

void kn_button_init(struct kn_button *b, const struct kn_button_config *cfg, bool pressed)
{
    memset(b, 0, sizeof(*b));
    b->cfg = *cfg;
    b->raw = b->stable = pressed;
    b->last_edge_us = INT64_MIN;
    b->phase = pressed ? KN_BUTTON_HELD_AT_START : KN_BUTTON_IDLE;
}

void kn_button_reset(struct kn_button *b)
{
    b->n_out = 0;
    b->phase = b->stable ? KN_BUTTON_HELD_AT_START : KN_BUTTON_IDLE;
}

static void emit(struct kn_button *b, enum kn_gesture g, int64_t t_us)
{
    /* At most two gestures come out of one step and poll drains them;
     * the bound only guards against a caller that never polls. */
    if (b->n_out == KN_BUTTON_OUT_MAX)
        return;
    b->out[b->n_out].gesture = g;
    b->out[b->n_out].t_us = t_us;
    b->n_out++;
}

/* ---- the classifier, on debounced edges and its own deadlines ---- */

static int64_t class_deadline(const struct kn_button *b)
{
    switch (b->phase) {
    case KN_BUTTON_FIRST_DOWN:
        return b->down_us + (int64_t) b->cfg.long_ms * 1000;
    case KN_BUTTON_FIRST_UP:
        return b->up_us + (int64_t) b->cfg.double_ms * 1000;
    case KN_BUTTON_IDLE:
    case KN_BUTTON_HELD_AT_START:
    case KN_BUTTON_LONG_DONE:
    case KN_BUTTON_SECOND_DOWN:
        break;
    }
    return NEVER;
}

static void class_timeout(struct kn_button *b)
{
    switch (b->phase) {
    case KN_BUTTON_FIRST_DOWN:
        emit(b, KN_GESTURE_LONG, b->down_us);
        b->phase = KN_BUTTON_LONG_DONE;
        break;
    case KN_BUTTON_FIRST_UP:
        emit(b, KN_GESTURE_SHORT, b->down_us);
        b->phase = KN_BUTTON_IDLE;
        break;
    case KN_BUTTON_IDLE:
    case KN_BUTTON_HELD_AT_START:
    case KN_BUTTON_LONG_DONE:
    case KN_BUTTON_SECOND_DOWN:
        break;
    }
}

static void class_edge(struct kn_button *b, bool pressed, int64_t t_us)
{
    switch (b->phase) {
    case KN_BUTTON_IDLE:
        if (pressed) {
            b->phase = KN_BUTTON_FIRST_DOWN;
            b->down_us = t_us;
        }
        break;
    case KN_BUTTON_FIRST_DOWN:
        if (pressed)
            break;
        /* Held exactly long_ms is long; the deadline may not have been
         * decided yet when a release burst began right at it. */
        if (t_us - b->down_us >= (int64_t) b->cfg.long_ms * 1000) {
            emit(b, KN_GESTURE_LONG, b->down_us);
            b->phase = KN_BUTTON_IDLE;
        } else {
            b->phase = KN_BUTTON_FIRST_UP;
            b->up_us = t_us;
        }
        break;
    case KN_BUTTON_FIRST_UP:
        if (!pressed)
            break;
        if (t_us - b->up_us < (int64_t) b->cfg.double_ms * 1000) {
            emit(b, KN_GESTURE_DOUBLE, b->down_us);
            b->phase = KN_BUTTON_SECOND_DOWN;
        } else {
            emit(b, KN_GESTURE_SHORT, b->down_us);
            b->phase = KN_BUTTON_FIRST_DOWN;
            b->down_us = t_us;
        }
        break;
    case KN_BUTTON_HELD_AT_START:
    case KN_BUTTON_LONG_DONE:
    case KN_BUTTON_SECOND_DOWN:
        if (!pressed)
            b->phase = KN_BUTTON_IDLE;
        break;
    }
}

/* ---- debounce, then the classifier, in the order things happened ---- */

static int64_t settle_time(const struct kn_button *b)
{
    return b->burst ? b->last_edge_us + (int64_t) b->cfg.debounce_ms * 1000 : NEVER;
}

/* A deadline of the classifier can only be decided once no burst that
 * began before it is still settling: that burst may be an edge dated
 * before the deadline (a release just before long_ms is a short press). */
static bool deadline_blocked(const struct kn_button *b, int64_t deadline)
{
    return b->burst && b->burst_start_us <= deadline;
}

static void settle(struct kn_button *b)
{
    b->burst = false;
    if (b->raw == b->stable) {
        b->bounces += b->burst_edges;
        return;
    }
    b->bounces += b->burst_edges - 1;
    b->stable = b->raw;
    class_edge(b, b->stable, b->burst_start_us);
}

static void advance(struct kn_button *b, int64_t now_us)
{
    for (;;) {
        int64_t settle_at = settle_time(b);
        int64_t deadline = class_deadline(b);

        if (deadline <= now_us && deadline < settle_at && !deadline_blocked(b, deadline)) {
            class_timeout(b);
            continue;
        }
        if (settle_at <= now_us) {
            /* A deadline dated before the burst began comes first. */
            if (deadline < b->burst_start_us) {
                class_timeout(b);
                continue;
            }
            settle(b);
            continue;
        }
        return;
    }
}

void kn_button_edge(struct kn_button *b, bool pressed, int64_t t_us)
{
    if (t_us < b->last_edge_us)
        t_us = b->last_edge_us;
    advance(b, t_us);
    b->edges++;
    if (!b->burst) {
        if (pressed == b->stable) {
            /* The opposite edge was missed: a spike we cannot date. */
            b->bounces++;
            b->last_edge_us = t_us;
            return;
        }
        b->burst = true;
        b->burst_start_us = t_us;
        b->burst_edges = 0;
    }
    b->burst_edges++;
    b->raw = pressed;
    b->last_edge_us = t_us;
}

struct kn_gesture_event kn_button_poll(struct kn_button *b, int64_t now_us, int64_t *ret_next_us)
{
    struct kn_gesture_event ev = { KN_GESTURE_NONE, 0 };
    int64_t settle_at, deadline;

    advance(b, now_us);
    if (b->n_out > 0) {
        ev = b->out[0];
        memmove(b->out, b->out + 1, (b->n_out - 1) * sizeof(b->out[0]));
        b->n_out--;
    }
    if (ret_next_us) {
        settle_at = settle_time(b);
        deadline = class_deadline(b);
        if (deadline_blocked(b, deadline))
            deadline = NEVER;
        *ret_next_us = b->n_out > 0 ? now_us : settle_at < deadline ? settle_at : deadline;
    }
    return ev;
}
