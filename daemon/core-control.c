/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Control functions of the core that do not touch the frame path:
 * sessions, pain reports and marks, thresholds, clock, identify, coaching,
 * pairing, the sleeve's I/O state. */
#define G_LOG_DOMAIN "kneed"

#include <math.h>
#include <string.h>

#include "daemon/core-private.h"

#define MIN_WALL_CLOCK_US (G_GINT64_CONSTANT(1577836800) * G_USEC_PER_SEC)  /* 2020-01-01 */
#define MAX_WALL_CLOCK_US (G_GINT64_CONSTANT(4102444800) * G_USEC_PER_SEC)  /* 2100-01-01 */

gboolean kn_core_start_session(KnCore *c, guint64 *ret_id, GError **error)
{
    if (c->status.session_active) {
        g_set_error(error, KN_ERROR, KN_ERROR_SESSION_ACTIVE,
                    "session %" G_GUINT64_FORMAT " is already running", c->status.session_id);
        return FALSE;
    }
    kn_session_stats_init(&c->session);
    c->status.session_active = TRUE;
    c->status.session_id++;
    c->status.session_start_wall_us = kn_core_get_wall_clock(c);
    g_message("session %" G_GUINT64_FORMAT " started", c->status.session_id);
    if (ret_id)
        *ret_id = c->status.session_id;
    kn_core_mark_changed(c, KN_CHANGED_SESSION);
    return TRUE;
}

gboolean kn_core_stop_session(KnCore *c, struct kn_summary *ret, GError **error)
{
    if (!c->status.session_active) {
        g_set_error(error, KN_ERROR, KN_ERROR_NO_SESSION, "no session is running");
        return FALSE;
    }
    if (ret)
        kn_session_stats_summary(&c->session, ret);
    c->status.session_active = FALSE;
    g_message("session %" G_GUINT64_FORMAT " stopped", c->status.session_id);
    kn_core_mark_changed(c, KN_CHANGED_SESSION);
    return TRUE;
}

/* Validates, tells publishers, raises the red flag: the one path of a
 * direct report and of a scored mark. */
static gboolean record_pain(KnCore *c, guint score, KnPainLocation location, KnPainTiming timing,
                            const char *note, const KnPainMark *mark, guint64 *ret_alert_seq,
                            GError **error)
{
    KnPainReport report = { 0 };

    if (score > KN_PAIN_SCORE_MAX) {
        g_set_error(error, KN_ERROR, KN_ERROR_OUT_OF_RANGE,
                    "pain score %u outside 0..%d", score, KN_PAIN_SCORE_MAX);
        return FALSE;
    }
    if (!kn_pain_location_to_string(location) || !kn_pain_timing_to_string(timing)) {
        g_set_error(error, KN_ERROR, KN_ERROR_INVALID_ARGUMENT, "unknown pain location or timing");
        return FALSE;
    }
    if (!note)
        note = "";
    if (strlen(note) > KN_PAIN_NOTE_MAX || !g_utf8_validate(note, -1, NULL)) {
        g_set_error(error, KN_ERROR, KN_ERROR_INVALID_ARGUMENT,
                    "the note must be valid UTF-8 of at most %d bytes", KN_PAIN_NOTE_MAX);
        return FALSE;
    }
    report.score = score;
    report.location = location;
    report.timing = timing;
    report.note = note;
    if (mark) {
        report.wall_us = mark->wall_us;
        report.session_id = mark->session_id;
        report.mark_id = mark->id;
    } else {
        report.wall_us = kn_core_get_wall_clock(c);
        report.session_id = c->status.session_active ? c->status.session_id : 0;
    }
    g_info("pain %u/10 (%s, %s)%s", score, kn_pain_location_to_string(location),
           kn_pain_timing_to_string(timing), mark ? " scoring a mark" : "");
    kn_core_publishers_begin(c);
    for (guint i = 0; i < c->publishers->len; i++) {
        Publisher *p = kn_core_publisher_at(c, i);

        if (!p || !p->ops->pain)
            continue;
        p->ops->pain(p->data, &report);
    }
    kn_core_publishers_end(c);

    if (ret_alert_seq)
        *ret_alert_seq = 0;
    if (score > KN_PAIN_RED_FLAG_ABOVE) {
        KnAlertEvent ev = { 0 };

        ev.alert.kind = KN_ALERT_PAIN;
        ev.alert.severity = KN_SEVERITY_CRITICAL;
        ev.alert.t_s = kn_analysis_live(c->analysis)->t_s;
        ev.alert.value = score;
        ev.alert.threshold = KN_PAIN_RED_FLAG_ABOVE;
        ev.alert.unit = KN_UNIT_SCORE;
        ev.alert.message = KN_MSG_SEVERE_PAIN;
        ev.alert.arg = NAN;
        ev.pain = &report;
        kn_core_emit_alert(c, &ev);
        if (ret_alert_seq)
            *ret_alert_seq = ev.seq;
    }
    return TRUE;
}

gboolean kn_core_report_pain(KnCore *c, guint score, KnPainLocation location,
                             KnPainTiming timing, const char *note,
                             guint64 *ret_alert_seq, GError **error)
{
    return record_pain(c, score, location, timing, note, NULL, ret_alert_seq, error);
}

/* ---- pain marks ---- */

static guint count_unscored(KnCore *c)
{
    guint n = 0;

    for (guint i = 0; i < c->pain_marks->len; i++)
        if (!g_array_index(c->pain_marks, KnPainMark, i).scored)
            n++;
    return n;
}

static void marks_changed(KnCore *c)
{
    guint n = count_unscored(c);

    if (n == c->status.pain_marks_unscored)
        return;
    c->status.pain_marks_unscored = n;
    kn_core_mark_changed(c, KN_CHANGED_PAIN_MARKS);
}

gboolean kn_core_mark_pain(KnCore *c, gint64 monotonic_us, guint64 *ret_id, GError **error)
{
    gint64 now = kn_clock_now(c->clock);
    KnPainMark mark = { 0 };

    if (monotonic_us == 0)
        monotonic_us = now;
    if (monotonic_us > now || now - monotonic_us > (gint64) KN_PAIN_MARK_MAX_AGE_S * G_USEC_PER_SEC) {
        g_set_error(error, KN_ERROR, KN_ERROR_OUT_OF_RANGE,
                    "a pain mark must lie in the last %d s", KN_PAIN_MARK_MAX_AGE_S);
        return FALSE;
    }
    mark.id = ++c->last_mark_id;
    mark.monotonic_us = monotonic_us;
    mark.wall_us = kn_clock_to_wall(c->clock, monotonic_us);
    mark.session_id = c->status.session_active ? c->status.session_id : 0;
    if (c->pain_marks->len == KN_PAIN_MARKS_MAX) {
        const KnPainMark *old = &g_array_index(c->pain_marks, KnPainMark, 0);

        g_info("pain mark %" G_GUINT64_FORMAT " forgotten%s (only the latest %d are kept)",
               old->id, old->scored ? "" : " unscored", KN_PAIN_MARKS_MAX);
        g_array_remove_index(c->pain_marks, 0);
    }
    g_array_append_val(c->pain_marks, mark);
    g_message("pain mark %" G_GUINT64_FORMAT, mark.id);
    if (ret_id)
        *ret_id = mark.id;
    kn_core_publishers_begin(c);
    for (guint i = 0; i < c->publishers->len; i++) {
        Publisher *p = kn_core_publisher_at(c, i);

        if (!p || !p->ops->pain_mark)
            continue;
        p->ops->pain_mark(p->data, &mark);
    }
    kn_core_publishers_end(c);
    marks_changed(c);
    return TRUE;
}

gboolean kn_core_score_pain_mark(KnCore *c, guint64 mark_id, guint score,
                                 KnPainLocation location, KnPainTiming timing, const char *note,
                                 guint64 *ret_alert_seq, GError **error)
{
    KnPainMark mark;
    guint i;

    for (i = 0; i < c->pain_marks->len; i++)
        if (g_array_index(c->pain_marks, KnPainMark, i).id == mark_id)
            break;
    if (i == c->pain_marks->len || g_array_index(c->pain_marks, KnPainMark, i).scored) {
        g_set_error(error, KN_ERROR, KN_ERROR_NOT_FOUND,
                    "no pain mark %" G_GUINT64_FORMAT " waiting for a score", mark_id);
        return FALSE;
    }
    /* A copy: publishers may mark again from the callbacks. */
    mark = g_array_index(c->pain_marks, KnPainMark, i);
    if (!record_pain(c, score, location, timing, note, &mark, ret_alert_seq, error))
        return FALSE;
    for (i = 0; i < c->pain_marks->len; i++) {
        KnPainMark *m = &g_array_index(c->pain_marks, KnPainMark, i);

        if (m->id == mark_id)
            m->scored = TRUE;
    }
    marks_changed(c);
    return TRUE;
}

const KnPainMark *kn_core_get_pain_marks(KnCore *c, guint *ret_n)
{
    *ret_n = c->pain_marks->len;
    return (const KnPainMark *) (gpointer) c->pain_marks->data;
}

void kn_core_set_sleeve_io(KnCore *c, guint32 parts, guint32 failed)
{
    failed &= parts;
    if (parts == c->status.sleeve_parts && failed == c->status.sleeve_failed)
        return;
    c->status.sleeve_parts = parts;
    c->status.sleeve_failed = failed;
    kn_core_mark_changed(c, KN_CHANGED_SLEEVE);
}

void kn_core_set_battery(KnCore *c, int percent, gboolean charging, gboolean failed)
{
    int pct = percent < 0 ? -1 : MIN(percent, 100);

    c->battery_external = TRUE;
    if (pct == c->status.battery_pct && !charging == !c->status.battery_charging &&
        !failed == !c->status.battery_failed)
        return;
    c->status.battery_pct = pct;
    c->status.battery_charging = charging;
    c->status.battery_failed = failed;
    kn_core_mark_changed(c, KN_CHANGED_BATTERY);
}

void kn_core_unset_battery(KnCore *c)
{
    const KnDeviceStatus *ds = c->device ? kn_device_get_status(c->device) : NULL;

    if (!c->battery_external)
        return;
    c->battery_external = FALSE;
    c->status.battery_pct = ds ? ds->battery_pct : -1;
    c->status.battery_charging = FALSE;
    c->status.battery_failed = FALSE;
    kn_core_mark_changed(c, KN_CHANGED_BATTERY);
}

gboolean kn_core_set_params(KnCore *c, const struct kn_params *params, GError **error)
{
    const struct kn_params *old = kn_analysis_get_params(c->analysis);
    const char *key = NULL;

    if (kn_params_validate(params, &key) < 0) {
        g_set_error(error, KN_ERROR, KN_ERROR_OUT_OF_RANGE,
                    "'%s' is out of range or inconsistent with the other thresholds", key);
        return FALSE;
    }
    if (memcmp(old, params, sizeof(*params)) == 0)
        return TRUE;
    if (kn_analysis_set_params(c->analysis, params) < 0) {
        g_set_error(error, KN_ERROR, KN_ERROR_FAILED, "the analysis refused the thresholds");
        return FALSE;
    }
    c->opts.params = *params;
    c->status.side = params->side;
    kn_core_mark_changed(c, KN_CHANGED_PARAMS);
    return TRUE;
}

gboolean kn_core_set_thresholds(KnCore *c, const KnThresholdUpdate *updates, gsize n,
                                GError **error)
{
    struct kn_params p = *kn_analysis_get_params(c->analysis);
    const char *key = NULL;

    for (gsize i = 0; i < n; i++) {
        const struct kn_param_info *info = kn_params_lookup(updates[i].key);

        if (!info) {
            g_set_error(error, KN_ERROR, KN_ERROR_UNKNOWN_KEY,
                        "unknown threshold '%s'", updates[i].key ? updates[i].key : "");
            return FALSE;
        }
        if (kn_params_check(info, updates[i].value) < 0) {
            g_set_error(error, KN_ERROR, KN_ERROR_OUT_OF_RANGE,
                        "'%s' = %g is outside %g..%g %s%s", info->key, updates[i].value,
                        info->min, info->max, info->unit,
                        info->kind == KN_PARAM_INTEGER ? " (a whole number)" : "");
            return FALSE;
        }
        p.v[info->id] = updates[i].value;
    }
    if (kn_params_validate(&p, &key) < 0) {
        g_set_error(error, KN_ERROR, KN_ERROR_OUT_OF_RANGE,
                    "'%s' would be inconsistent with the other thresholds "
                    "(a critical level below its warning level)", key);
        return FALSE;
    }
    return kn_core_set_params(c, &p, error);
}

gboolean kn_core_set_param(KnCore *c, enum kn_param_id id, double value, GError **error)
{
    const struct kn_param_info *info = kn_params_info(id);
    KnThresholdUpdate u;

    if (!info) {
        g_set_error(error, KN_ERROR, KN_ERROR_UNKNOWN_KEY, "unknown threshold id %d", (int) id);
        return FALSE;
    }
    u.key = info->key;
    u.value = value;
    return kn_core_set_thresholds(c, &u, 1, error);
}

gboolean kn_core_set_wall_clock(KnCore *c, gint64 unix_us, GError **error)
{
    if (unix_us < MIN_WALL_CLOCK_US || unix_us >= MAX_WALL_CLOCK_US) {
        g_set_error(error, KN_ERROR, KN_ERROR_OUT_OF_RANGE,
                    "time %" G_GINT64_FORMAT " us is not between 2020 and 2100", unix_us);
        return FALSE;
    }
    /* kn_core_on_clock_changed() does the rest. */
    kn_clock_set_wall(c->clock, unix_us);
    return TRUE;
}

/* The one log line of a change of the mapping. */
static void log_clock_change(const KnClockChange *ch)
{
    double moved = (ch->new_offset_us - ch->old_offset_us) / 1e6;

    switch (ch->reason) {
    case KN_CLOCK_SET:
        g_message("wall clock set by a client: %+.3f s", moved);
        break;
    case KN_CLOCK_STEPPED:
        if (ch->old_source == KN_WALL_CLIENT)
            g_message("system clock stepped by %+.3f s: the wall clock follows it again "
                      "instead of the time a client set (%+.3f s)", ch->system_us / 1e6, moved);
        else
            g_message("system clock stepped by %+.3f s: the wall clock follows it",
                      ch->system_us / 1e6);
        break;
    case KN_CLOCK_RESUMED:
        g_message("resumed after %.3f s asleep: the wall clock moves on by as much",
                  ch->system_us / 1e6);
        break;
    }
}

/* The mapping changed: what was stamped keeps its time, what lies ahead
 * (the pairing window's end) follows the new mapping. */
void kn_core_on_clock_changed(KnClock *clock, const KnClockChange *ch, gpointer user_data)
{
    KnCore *c = user_data;
    KnChange changed = KN_CHANGED_CLOCK;

    log_clock_change(ch);
    c->status.wall_offset_us = ch->new_offset_us;
    c->status.wall_clock_source = ch->source;
    if (ch->reason != KN_CLOCK_RESUMED)
        c->status.wall_clock_set = TRUE;
    if (c->status.pairing_window_open) {
        c->status.pairing_window_end_wall_us = kn_clock_to_wall(clock, c->pairing_deadline_us);
        changed |= KN_CHANGED_PAIRING;
    }
    kn_core_publishers_begin(c);
    for (guint i = 0; i < c->publishers->len; i++) {
        Publisher *p = kn_core_publisher_at(c, i);

        if (!p || !p->ops->clock)
            continue;
        p->ops->clock(p->data, ch);
    }
    kn_core_publishers_end(c);
    kn_core_mark_changed(c, changed);
}

gboolean kn_core_identify(KnCore *c, guint duration_ms, GError **error)
{
    gboolean acted = FALSE;

    if (duration_ms < 1 || duration_ms > 10000) {
        g_set_error(error, KN_ERROR, KN_ERROR_OUT_OF_RANGE,
                    "identify duration %u ms outside 1..10000", duration_ms);
        return FALSE;
    }
    kn_core_publishers_begin(c);
    for (guint i = 0; i < c->publishers->len; i++) {
        Publisher *p = kn_core_publisher_at(c, i);

        if (!p || !p->ops->identify)
            continue;
        p->ops->identify(p->data, duration_ms);
        acted = TRUE;
    }
    kn_core_publishers_end(c);
    if (!acted) {
        g_set_error(error, KN_ERROR, KN_ERROR_NOT_SUPPORTED,
                    "this sleeve has no vibration motor to identify itself with");
        return FALSE;
    }
    return TRUE;
}

gboolean kn_core_start_coaching(KnCore *c, double target_spm, GError **error)
{
    if (!(target_spm >= 120 && target_spm <= 220)) {
        g_set_error(error, KN_ERROR, KN_ERROR_OUT_OF_RANGE,
                    "coaching target %g steps/min outside 120..220", target_spm);
        return FALSE;
    }
    if (c->status.coaching_target_spm == target_spm)
        return TRUE;
    c->status.coaching_target_spm = target_spm;
    g_info("cadence coaching towards %.0f steps/min", target_spm);
    kn_core_mark_changed(c, KN_CHANGED_COACHING);
    return TRUE;
}

void kn_core_stop_coaching(KnCore *c)
{
    if (c->status.coaching_target_spm == 0)
        return;
    c->status.coaching_target_spm = 0;
    kn_core_mark_changed(c, KN_CHANGED_COACHING);
}

void kn_core_pairing_timeout(KnTimer *timer, gpointer user_data)
{
    kn_core_close_pairing_window(user_data);
}

gboolean kn_core_open_pairing_window(KnCore *c, guint seconds, GError **error)
{
    if (seconds < 1 || seconds > 600) {
        g_set_error(error, KN_ERROR, KN_ERROR_OUT_OF_RANGE,
                    "pairing window of %u s outside 1..600", seconds);
        return FALSE;
    }
    /* On the monotonic clock: a clock step does not shorten the window. */
    c->pairing_deadline_us = kn_clock_now(c->clock) + (gint64) seconds * G_USEC_PER_SEC;
    kn_timer_start_at(c->pairing_timer, c->pairing_deadline_us);
    c->status.pairing_window_open = TRUE;
    c->status.pairing_window_end_wall_us = kn_clock_to_wall(c->clock, c->pairing_deadline_us);
    g_message("pairing window open for %u s", seconds);
    kn_core_mark_changed(c, KN_CHANGED_PAIRING);
    return TRUE;
}

void kn_core_close_pairing_window(KnCore *c)
{
    kn_timer_stop(c->pairing_timer);
    if (!c->status.pairing_window_open)
        return;
    c->status.pairing_window_open = FALSE;
    c->status.pairing_window_end_wall_us = 0;
    g_message("pairing window closed");
    kn_core_mark_changed(c, KN_CHANGED_PAIRING);
}
