/* SPDX-License-Identifier: GPL-2.0-or-later */
#define G_LOG_DOMAIN "kneed"

#include <errno.h>
#include <glib-unix.h>
#include <string.h>

#include "daemon/config.h"
#include "daemon/publisher.h"
#include "sleeve/button.h"
#include "sleeve/gpio.h"
#include "sleeve/haptic.h"
#include "sleeve/led.h"
#include "sleeve/sleeve-config.h"
#include "sleeve/sleeve.h"

#define CONSUMER "kneed"
#define RETRY_MAX_S 30
#define EDGE_BATCH 16
/* Kernel stamps further off than this from the time of the read are not
 * trusted (a kernel before 5.7 stamps with CLOCK_REALTIME). */
#define STAMP_AHEAD_US (50 * 1000)
#define STAMP_BEHIND_US (10 * G_USEC_PER_SEC)

typedef struct _Part Part;

struct _Part {
    KnSleeve *sleeve;
    KnSleevePart bit;
    const char *group;
    const KnSleeveLineSettings *settings;
    KnGpioLine *line;
    GSource *timer;               /* next output change, or the button's deadline */
    GSource *watch;               /* the button's edge fd */
    int level;                    /* last level written; -1 none yet */
    gboolean failed;
    guint retry_s;
    guint retry_id;
};

struct _KnSleeve {
    KnCore *core;
    KnSleeveSettings settings;
    guint publisher_id;
    Part button;
    Part haptic;
    Part led;
    struct kn_button btn;
    struct kn_haptic hap;
    struct kn_led ledst;
    guint pairing_window_s;
    double coaching_spm;
    KnSleeveConfirmFunc confirm_func;
    gpointer confirm_data;
    guint confirm_timeout_id;
};

static void part_fail(Part *p, int err);

/* ---- timers: one source per part, armed for an exact time ---- */

static gboolean ready_dispatch(GSource *source, GSourceFunc callback, gpointer data)
{
    g_source_set_ready_time(source, -1);
    return callback(data);
}

static GSourceFuncs ready_funcs = { .dispatch = ready_dispatch };

static GSource *timer_new(const char *name, int priority, GSourceFunc fn, gpointer data)
{
    GSource *src = g_source_new(&ready_funcs, sizeof(GSource));

    g_source_set_name(src, name);
    g_source_set_priority(src, priority);
    g_source_set_callback(src, fn, data, NULL);
    g_source_set_ready_time(src, -1);
    g_source_attach(src, g_main_context_get_thread_default());
    return src;
}

static void timer_arm(GSource *src, gint64 at_us)
{
    if (src)
        g_source_set_ready_time(src, at_us == G_MAXINT64 ? -1 : at_us);
}

static void source_clear(GSource **src)
{
    if (!*src)
        return;
    g_source_destroy(*src);
    g_clear_pointer(src, g_source_unref);
}

/* ---- outputs ---- */

static void write_level(Part *p, int level)
{
    int r;

    if (!p->line || level == p->level)
        return;
    r = kn_gpio_line_set(p->line, level);
    if (r < 0) {
        part_fail(p, -r);
        return;
    }
    p->level = level;
}

static void haptic_update(KnSleeve *s)
{
    gint64 next;
    int level;

    if (!s->haptic.line)
        return;
    level = kn_haptic_level(&s->hap, g_get_monotonic_time(), &next);
    write_level(&s->haptic, level);
    timer_arm(s->haptic.timer, next);
}

static void led_update(KnSleeve *s)
{
    gint64 next;
    int level;

    if (!s->led.line)
        return;
    kn_led_level(&s->ledst, g_get_monotonic_time(), &level, &next);
    write_level(&s->led, level);
    timer_arm(s->led.timer, next);
}

static gboolean haptic_tick(gpointer data)
{
    haptic_update(data);
    return G_SOURCE_CONTINUE;
}

static gboolean led_tick(gpointer data)
{
    led_update(data);
    return G_SOURCE_CONTINUE;
}

static void play(KnSleeve *s, const struct kn_pattern *pattern, int prio)
{
    if (!s->haptic.line)
        return;
    kn_haptic_play(&s->hap, pattern, prio, g_get_monotonic_time());
    haptic_update(s);
}

static void cue(KnSleeve *s, enum kn_haptic_cue which)
{
    struct kn_pattern p;

    if (kn_haptic_cue_pattern(which, &p) == 0)
        play(s, &p, KN_HAPTIC_PRIO_CUE);
}

/* ---- the button ---- */

static void confirm_done(KnSleeve *s, gboolean confirmed)
{
    KnSleeveConfirmFunc fn = s->confirm_func;
    gpointer data = s->confirm_data;

    s->confirm_func = NULL;
    s->confirm_data = NULL;
    g_clear_handle_id(&s->confirm_timeout_id, g_source_remove);
    cue(s, confirmed ? KN_HAPTIC_CUE_CONFIRMED : KN_HAPTIC_CUE_REFUSED);
    if (fn)
        fn(confirmed, data);
}

static void act(KnSleeve *s, const struct kn_gesture_event *ev)
{
    g_autoptr(GError) error = NULL;
    const KnCoreStatus *st = kn_core_get_status(s->core);
    enum kn_haptic_cue ok_cue = KN_HAPTIC_CUE_REFUSED;
    gboolean ok = FALSE;

    g_info("button: %s press", kn_gesture_to_string(ev->gesture));
    if (s->confirm_func) {
        confirm_done(s, ev->gesture == KN_GESTURE_SHORT);
        return;
    }
    switch (ev->gesture) {
    case KN_GESTURE_SHORT:
        /* Dated at the press, not at the end of the double-press wait. */
        ok = kn_core_mark_pain(s->core, ev->t_us, NULL, &error);
        ok_cue = KN_HAPTIC_CUE_PAIN_MARKED;
        break;
    case KN_GESTURE_DOUBLE:
        if (st->session_active) {
            ok = kn_core_stop_session(s->core, NULL, &error);
            ok_cue = KN_HAPTIC_CUE_SESSION_STOPPED;
        } else {
            ok = kn_core_start_session(s->core, NULL, &error);
            ok_cue = KN_HAPTIC_CUE_SESSION_STARTED;
        }
        break;
    case KN_GESTURE_LONG:
        if (!s->pairing_window_s) {
            g_set_error(&error, KN_ERROR, KN_ERROR_NOT_SUPPORTED, "Bluetooth is disabled");
            break;
        }
        ok = kn_core_open_pairing_window(s->core, s->pairing_window_s, &error);
        ok_cue = KN_HAPTIC_CUE_PAIRING_OPEN;
        break;
    case KN_GESTURE_NONE:
        return;
    }
    if (!ok)
        g_info("button: %s press refused: %s", kn_gesture_to_string(ev->gesture),
               error ? error->message : "?");
    cue(s, ok ? ok_cue : KN_HAPTIC_CUE_REFUSED);
}

static void button_poll(KnSleeve *s)
{
    gint64 next = G_MAXINT64;

    while (s->button.line) {
        struct kn_gesture_event ev = kn_button_poll(&s->btn, g_get_monotonic_time(), &next);

        if (ev.gesture == KN_GESTURE_NONE)
            break;
        act(s, &ev);
    }
    timer_arm(s->button.timer, next);
}

static gboolean button_tick(gpointer data)
{
    button_poll(data);
    return G_SOURCE_CONTINUE;
}

static gint64 trusted_stamp(gint64 stamp_us, gint64 now_us)
{
    if (stamp_us > now_us + STAMP_AHEAD_US || stamp_us < now_us - STAMP_BEHIND_US)
        return now_us;
    return stamp_us;
}

static gboolean on_button_fd(gint fd, GIOCondition cond, gpointer data)
{
    KnSleeve *s = data;
    KnGpioEdge edges[EDGE_BATCH];
    gint64 now = g_get_monotonic_time();
    int n;

    /* Drains what the kernel queued (16 at most), in batches. */
    do {
        n = kn_gpio_line_read_edges(s->button.line, edges, EDGE_BATCH);
        if (n < 0) {
            part_fail(&s->button, -n);
            return G_SOURCE_REMOVE;
        }
        for (int i = 0; i < n; i++) {
            g_debug("button: edge %s at %" G_GINT64_FORMAT, edges[i].rising ? "down" : "up",
                    edges[i].timestamp_us);
            kn_button_edge(&s->btn, edges[i].rising, trusted_stamp(edges[i].timestamp_us, now));
        }
    } while (n == EDGE_BATCH);
    if (n == 0 && (cond & (G_IO_ERR | G_IO_HUP | G_IO_NVAL))) {
        part_fail(&s->button, EIO);
        return G_SOURCE_REMOVE;
    }
    button_poll(s);
    return G_SOURCE_CONTINUE;
}

/* ---- lines: open, fail, retry ---- */

static guint32 failed_parts(KnSleeve *s)
{
    return (s->button.failed ? KN_SLEEVE_PART_BUTTON : 0) |
           (s->haptic.failed ? KN_SLEEVE_PART_HAPTIC : 0) |
           (s->led.failed ? KN_SLEEVE_PART_LED : 0);
}

static guint32 configured_parts(KnSleeve *s)
{
    return (s->settings.button.configured ? KN_SLEEVE_PART_BUTTON : 0) |
           (s->settings.haptic.configured ? KN_SLEEVE_PART_HAPTIC : 0) |
           (s->settings.led.configured ? KN_SLEEVE_PART_LED : 0);
}

static gboolean part_open(Part *p, GError **error)
{
    KnSleeve *s = p->sleeve;
    KnGpioLineSpec spec;

    kn_sleeve_line_spec(p->settings, &spec);
    if (p->bit == KN_SLEEVE_PART_BUTTON)
        p->line = kn_gpio_edges_open(&spec, CONSUMER, error);
    else
        p->line = kn_gpio_output_open(&spec, CONSUMER, FALSE, error);
    if (!p->line)
        return FALSE;
    p->level = p->bit == KN_SLEEVE_PART_BUTTON ? -1 : 0;
    if (p->bit == KN_SLEEVE_PART_BUTTON) {
        /* The level is not read: a press held now shows up as a release
         * without a press, which makes no gesture. */
        kn_button_init(&s->btn, &s->settings.gestures, FALSE);
        p->watch = g_unix_fd_source_new(kn_gpio_line_edge_fd(p->line),
                                        G_IO_IN | G_IO_ERR | G_IO_HUP);
        g_source_set_name(p->watch, "kneed button edges");
        g_source_set_priority(p->watch, G_PRIORITY_HIGH);
        g_source_set_callback(p->watch, G_SOURCE_FUNC(on_button_fd), s, NULL);
        g_source_attach(p->watch, g_main_context_get_thread_default());
        p->timer = timer_new("kneed button", G_PRIORITY_DEFAULT, button_tick, s);
    } else {
        p->timer = timer_new(p->bit == KN_SLEEVE_PART_HAPTIC ? "kneed haptic" : "kneed led",
                             G_PRIORITY_HIGH,
                             p->bit == KN_SLEEVE_PART_HAPTIC ? haptic_tick : led_tick, s);
    }
    g_info("%s on %s", p->group, kn_gpio_line_describe(p->line));
    return TRUE;
}

static void part_close(Part *p, gboolean turn_off)
{
    source_clear(&p->watch);
    source_clear(&p->timer);
    if (p->line && turn_off && p->level > 0)
        kn_gpio_line_set(p->line, FALSE);
    g_clear_pointer(&p->line, kn_gpio_line_close);
}

static gboolean part_retry(gpointer data)
{
    Part *p = data;
    KnSleeve *s = p->sleeve;
    g_autoptr(GError) error = NULL;

    p->retry_id = 0;
    if (!part_open(p, &error)) {
        g_debug("%s: still failing: %s", p->group, error->message);
        p->retry_s = MIN(p->retry_s * 2, RETRY_MAX_S);
        p->retry_id = g_timeout_add_seconds(p->retry_s, part_retry, p);
        return G_SOURCE_REMOVE;
    }
    g_message("%s: working again on %s", p->group, kn_gpio_line_describe(p->line));
    p->failed = FALSE;
    p->retry_s = 0;
    kn_core_set_sleeve_io(s->core, configured_parts(s), failed_parts(s));
    haptic_update(s);
    led_update(s);
    return G_SOURCE_REMOVE;
}

/* Logged once per failure, not per write; the line is released and asked
 * for again later (a chip that went away may come back). */
static void part_fail(Part *p, int err)
{
    KnSleeve *s = p->sleeve;

    g_warning("%s: %s failed: %s; trying again in 1 s", p->group,
              p->line ? kn_gpio_line_describe(p->line) : "the line", g_strerror(err));
    part_close(p, FALSE);
    p->failed = TRUE;
    p->retry_s = 1;
    g_clear_handle_id(&p->retry_id, g_source_remove);
    p->retry_id = g_timeout_add_seconds(p->retry_s, part_retry, p);
    if (p->bit == KN_SLEEVE_PART_BUTTON && s->confirm_func)
        confirm_done(s, FALSE);
    kn_core_set_sleeve_io(s->core, configured_parts(s), failed_parts(s));
}

/* ---- publisher callbacks ---- */

static gboolean core_fault(const KnCoreStatus *st)
{
    if (st->state == KN_STATE_DEGRADED)
        return TRUE;
    for (int i = 0; i < KN_SENSOR_COUNT; i++)
        if (!st->sensors[i].present && st->sensors[i].last_error[0])
            return TRUE;
    /* The LED cannot show its own failure. */
    return (st->sleeve_failed & ~(guint32) KN_SLEEVE_PART_LED) != 0;
}

static void on_alert(gpointer data, const KnAlertEvent *ev)
{
    KnSleeve *s = data;
    struct kn_pattern p;

    if (s->settings.haptic_alerts_on && ev->alert.severity >= s->settings.haptic_min_severity &&
        kn_haptic_alert_pattern(ev->alert.kind, ev->alert.severity, &p) == 0)
        play(s, &p, kn_haptic_alert_priority(ev->alert.severity));
    kn_led_alert(&s->ledst, ev->alert.severity, g_get_monotonic_time());
    led_update(s);
}

static void on_status(gpointer data, KnChange changed, const KnCoreStatus *st)
{
    KnSleeve *s = data;
    gint64 now = g_get_monotonic_time();
    double spm = s->settings.metronome ? st->coaching_target_spm : 0;

    if ((changed & KN_CHANGED_COACHING) && spm != s->coaching_spm) {
        s->coaching_spm = spm;
        kn_haptic_set_metronome(&s->hap, spm, now);
        haptic_update(s);
    }
    kn_led_set_pairing(&s->ledst, st->pairing_window_open, now);
    kn_led_set_fault(&s->ledst, core_fault(st), now);
    led_update(s);
}

static void on_identify(gpointer data, guint duration_ms)
{
    KnSleeve *s = data;
    struct kn_pattern p;

    kn_haptic_identify_pattern(duration_ms, &p);
    play(s, &p, KN_HAPTIC_PRIO_IDENTIFY);
}

static const KnPublisherOps ops_with_motor = {
    .name = "sleeve",
    .alert = on_alert,
    .status = on_status,
    .identify = on_identify,
};

/* Without a motor the core answers Identify with NotSupported. */
static const KnPublisherOps ops_without_motor = {
    .name = "sleeve",
    .alert = on_alert,
    .status = on_status,
};

/* ---- life ---- */

static void part_init(KnSleeve *s, Part *p, KnSleevePart bit, const char *group,
                      const KnSleeveLineSettings *settings)
{
    p->sleeve = s;
    p->bit = bit;
    p->group = group;
    p->settings = settings;
    p->level = -1;
}

KnSleeve *kn_sleeve_new(KnCore *core, const KnKeyFile *config, GError **error)
{
    g_autoptr(KnSleeve) s = g_new0(KnSleeve, 1);
    Part *parts[3];

    s->core = core;
    s->pairing_window_s = 120;
    kn_sleeve_settings_init(&s->settings);
    part_init(s, &s->button, KN_SLEEVE_PART_BUTTON, KN_SLEEVE_GROUP_BUTTON, &s->settings.button);
    part_init(s, &s->haptic, KN_SLEEVE_PART_HAPTIC, KN_SLEEVE_GROUP_HAPTIC, &s->settings.haptic);
    part_init(s, &s->led, KN_SLEEVE_PART_LED, KN_SLEEVE_GROUP_LED, &s->settings.led);
    kn_haptic_init(&s->hap);
    kn_led_init(&s->ledst, g_get_monotonic_time());
    if (!kn_sleeve_settings_load(&s->settings, config, error))
        return NULL;
    if (!configured_parts(s))
        return NULL;
    parts[0] = &s->button;
    parts[1] = &s->haptic;
    parts[2] = &s->led;
    for (int i = 0; i < 3; i++) {
        g_autoptr(GError) local = NULL;

        if (!parts[i]->settings->configured || part_open(parts[i], &local))
            continue;
        /* Which key to fix: the chip when it is the chip that is missing. */
        kn_keyfile_set_error(config, error, parts[i]->group,
                             g_error_matches(local, KN_GPIO_ERROR, KN_GPIO_ERROR_NO_CHIP) ||
                             g_error_matches(local, KN_GPIO_ERROR, KN_GPIO_ERROR_ACCESS)
                             ? (parts[i]->settings->chip ? "chip" : "line") : "line",
                             "%s", local->message);
        return NULL;
    }
    s->publisher_id = kn_core_add_publisher(core, s->haptic.line ? &ops_with_motor
                                                                 : &ops_without_motor, s, NULL);
    kn_core_set_sleeve_io(core, configured_parts(s), 0);
    led_update(s);
    return g_steal_pointer(&s);
}

void kn_sleeve_free(KnSleeve *s)
{
    if (!s)
        return;
    if (s->publisher_id) {
        kn_core_remove_publisher(s->core, s->publisher_id);
        kn_core_set_sleeve_io(s->core, 0, 0);
    }
    g_clear_handle_id(&s->confirm_timeout_id, g_source_remove);
    g_clear_handle_id(&s->button.retry_id, g_source_remove);
    g_clear_handle_id(&s->haptic.retry_id, g_source_remove);
    g_clear_handle_id(&s->led.retry_id, g_source_remove);
    part_close(&s->button, TRUE);
    part_close(&s->haptic, TRUE);
    part_close(&s->led, TRUE);
    kn_sleeve_settings_clear(&s->settings);
    g_free(s);
}

gboolean kn_sleeve_config_changed(KnSleeve *s, const KnKeyFile *config)
{
    KnSleeveSettings n;
    gboolean changed;

    kn_sleeve_settings_init(&n);
    if (!kn_sleeve_settings_load(&n, config, NULL)) {
        kn_sleeve_settings_clear(&n);
        return FALSE;
    }
    if (s) {
        changed = !kn_sleeve_settings_equal(&n, &s->settings);
    } else {
        changed = n.button.configured || n.haptic.configured || n.led.configured;
    }
    kn_sleeve_settings_clear(&n);
    return changed;
}

void kn_sleeve_set_link(KnSleeve *s, KnSleeveLink link)
{
    enum kn_led_link l = KN_LED_LINK_NONE;

    if (!s)
        return;
    switch (link) {
    case KN_SLEEVE_LINK_NONE:
        break;
    case KN_SLEEVE_LINK_ADVERTISING:
        l = KN_LED_LINK_ADVERTISING;
        break;
    case KN_SLEEVE_LINK_CONNECTED:
        l = KN_LED_LINK_CONNECTED;
        break;
    }
    kn_led_set_link(&s->ledst, l, g_get_monotonic_time());
    led_update(s);
}

void kn_sleeve_set_pairing_window(KnSleeve *s, guint seconds)
{
    if (s)
        s->pairing_window_s = seconds;
}

static gboolean confirm_timeout(gpointer data)
{
    KnSleeve *s = data;

    s->confirm_timeout_id = 0;
    confirm_done(s, FALSE);
    return G_SOURCE_REMOVE;
}

gboolean kn_sleeve_request_confirmation(KnSleeve *s, guint timeout_ms, KnSleeveConfirmFunc func,
                                        gpointer user_data)
{
    if (!s || !s->button.line || s->confirm_func || !func)
        return FALSE;
    /* A gesture under way belongs to the request from now on. */
    kn_button_reset(&s->btn);
    s->confirm_func = func;
    s->confirm_data = user_data;
    s->confirm_timeout_id = g_timeout_add(timeout_ms, confirm_timeout, s);
    /* The wearer feels that an answer is awaited. */
    cue(s, KN_HAPTIC_CUE_CONFIRM_ASKED);
    button_poll(s);
    return TRUE;
}

void kn_sleeve_cancel_confirmation(KnSleeve *s)
{
    if (!s)
        return;
    s->confirm_func = NULL;
    s->confirm_data = NULL;
    g_clear_handle_id(&s->confirm_timeout_id, g_source_remove);
}

const char *kn_sleeve_led_state(KnSleeve *s)
{
    return kn_led_state_to_string(s->ledst.shown);
}

const char *kn_sleeve_haptic_playing(KnSleeve *s)
{
    return kn_haptic_playing(&s->hap);
}
