/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <math.h>

#include "analysis/alert-text.h"
#include "client/jsonl.h"
#include "client/report.h"

void kn_report_stride_json(GString *out, const struct kn_stride *s)
{
    KnJsonLine j;

    kn_jsonl_begin(&j, out);
    kn_jsonl_str(&j, "type", "stride");
    kn_jsonl_num(&j, "t_s", s->t_s, 3);
    kn_jsonl_num(&j, "stride_s", s->stride_s, 3);
    kn_jsonl_num(&j, "cadence_spm", s->cadence_spm, 1);
    kn_jsonl_num(&j, "contact_s", s->contact_s, 3);
    kn_jsonl_num(&j, "ic_flex_deg", s->ic_flex_deg, 1);
    kn_jsonl_num(&j, "stance_peak_flex_deg", s->stance_peak_flex_deg, 1);
    kn_jsonl_num(&j, "swing_peak_flex_deg", s->swing_peak_flex_deg, 1);
    kn_jsonl_num(&j, "min_flex_deg", s->min_flex_deg, 1);
    kn_jsonl_num(&j, "rom_deg", s->rom_deg, 1);
    kn_jsonl_num(&j, "impact_g", s->impact_g, 2);
    kn_jsonl_int(&j, "index", s->index);
    kn_jsonl_num(&j, "start_s", s->start_s, 3);
    kn_jsonl_num(&j, "stride_cv_pct", s->stride_cv_pct, 2);
    kn_jsonl_str(&j, "activity", kn_activity_to_string(s->activity));
    kn_jsonl_end(&j);
}

void kn_report_alert_json(GString *out, const struct kn_alert *a)
{
    char text[KN_ALERT_TEXT_MAX];
    KnJsonLine j;

    kn_jsonl_begin(&j, out);
    kn_jsonl_str(&j, "type", "alert");
    kn_jsonl_str(&j, "kind", kn_alert_kind_to_string(a->kind));
    kn_jsonl_str(&j, "severity", kn_severity_to_string(a->severity));
    kn_jsonl_num(&j, "t_s", a->t_s, 3);
    kn_jsonl_num(&j, "value", a->value, 2);
    kn_jsonl_num(&j, "threshold", a->threshold, 2);
    kn_jsonl_str(&j, "unit", kn_unit_to_string(a->unit));
    kn_jsonl_str(&j, "message", kn_alert_text(a, text, sizeof(text)));
    kn_jsonl_int(&j, "message_code", a->message);
    if (isfinite(a->arg))
        kn_jsonl_num(&j, "message_arg", a->arg, 2);
    kn_jsonl_end(&j);
}

static void stat_json(KnJsonLine *j, const char *name, const struct kn_stat *st, int decimals)
{
    kn_jsonl_object_begin(j, name);
    kn_jsonl_int(j, "n", st->n);
    kn_jsonl_num(j, "mean", st->mean, decimals);
    kn_jsonl_num(j, "sd", st->sd, decimals);
    kn_jsonl_num(j, "min", st->min, decimals);
    kn_jsonl_num(j, "max", st->max, decimals);
    kn_jsonl_object_end(j);
}

void kn_report_summary_json(GString *out, const struct kn_summary *sum)
{
    KnJsonLine j;

    kn_jsonl_begin(&j, out);
    kn_jsonl_str(&j, "type", "summary");
    kn_jsonl_num(&j, "duration_s", sum->duration_s, 3);
    kn_jsonl_int(&j, "frames", sum->frames);
    kn_jsonl_int(&j, "strides", sum->strides);
    kn_jsonl_int(&j, "steps", sum->steps);
    kn_jsonl_num(&j, "cadence_spm_mean", sum->cadence_spm.mean, 1);
    kn_jsonl_num(&j, "stride_cv_pct", sum->stride_cv_pct, 2);
    kn_jsonl_object_begin(&j, "alerts");
    for (int k = 0; k < KN_ALERT_KIND_COUNT; k++)
        kn_jsonl_int(&j, kn_alert_kind_to_string(k), sum->alerts[k]);
    kn_jsonl_object_end(&j);
    stat_json(&j, "stride_s", &sum->stride_s, 3);
    stat_json(&j, "cadence_spm", &sum->cadence_spm, 1);
    stat_json(&j, "contact_s", &sum->contact_s, 3);
    stat_json(&j, "ic_flex_deg", &sum->ic_flex_deg, 1);
    stat_json(&j, "stance_peak_flex_deg", &sum->stance_peak_flex_deg, 1);
    stat_json(&j, "swing_peak_flex_deg", &sum->swing_peak_flex_deg, 1);
    stat_json(&j, "min_flex_deg", &sum->min_flex_deg, 1);
    stat_json(&j, "rom_deg", &sum->rom_deg, 1);
    stat_json(&j, "impact_g", &sum->impact_g, 2);
    kn_jsonl_end(&j);
}

/* A number in a fixed-width column, or a dash. */
static void col(GString *out, double v, int width, int decimals)
{
    if (isfinite(v))
        g_string_append_printf(out, " %*.*f", width, decimals, v);
    else
        g_string_append_printf(out, " %*s", width, "-");
}

void kn_report_header_human(GString *out)
{
    g_string_append(out, "      time stride   cad.  contact  flex@IC  stance  swing    min    ROM  impact  activity\n"
                         "         s      s    spm        s      deg     deg    deg    deg    deg       g\n");
}

void kn_report_stride_human(GString *out, const struct kn_stride *s)
{
    col(out, s->t_s, 10, 2);
    col(out, s->stride_s, 6, 3);
    col(out, s->cadence_spm, 6, 1);
    col(out, s->contact_s, 8, 3);
    col(out, s->ic_flex_deg, 8, 1);
    col(out, s->stance_peak_flex_deg, 7, 1);
    col(out, s->swing_peak_flex_deg, 6, 1);
    col(out, s->min_flex_deg, 6, 1);
    col(out, s->rom_deg, 6, 1);
    col(out, s->impact_g, 7, 1);
    g_string_append_printf(out, "  %s\n", kn_activity_to_string(s->activity));
}

void kn_report_alert_human(GString *out, const struct kn_alert *a)
{
    char text[KN_ALERT_TEXT_MAX];

    g_string_append_printf(out, "%10.2f  !! %s %s: %s\n", a->t_s, kn_severity_to_string(a->severity),
                           kn_alert_kind_to_string(a->kind), kn_alert_text(a, text, sizeof(text)));
}

static void stat_human(GString *out, const char *name, const struct kn_stat *st, const char *unit, int decimals)
{
    if (st->n == 0) {
        g_string_append_printf(out, "  %-22s -\n", name);
        return;
    }
    g_string_append_printf(out, "  %-22s %.*f ± %.*f %s (%.*f .. %.*f)\n", name, decimals, st->mean,
                           decimals, st->sd, unit, decimals, st->min, decimals, st->max);
}

void kn_report_summary_human(GString *out, const struct kn_summary *sum)
{
    gboolean any = FALSE;

    g_string_append_printf(out, "\nSummary: %.1f s, %u strides (%u steps), cadence %.1f steps/min, "
                                "stride-time variability %.1f %%\n",
                           sum->duration_s, sum->strides, sum->steps, sum->cadence_spm.mean, sum->stride_cv_pct);
    stat_human(out, "stride time", &sum->stride_s, "s", 3);
    stat_human(out, "contact time", &sum->contact_s, "s", 3);
    stat_human(out, "flexion at contact", &sum->ic_flex_deg, "deg", 1);
    stat_human(out, "peak stance flexion", &sum->stance_peak_flex_deg, "deg", 1);
    stat_human(out, "peak swing flexion", &sum->swing_peak_flex_deg, "deg", 1);
    stat_human(out, "minimum flexion", &sum->min_flex_deg, "deg", 1);
    stat_human(out, "range of motion", &sum->rom_deg, "deg", 1);
    stat_human(out, "impact", &sum->impact_g, "g", 2);
    g_string_append(out, "  alerts:");
    for (int k = 0; k < KN_ALERT_KIND_COUNT; k++) {
        if (!sum->alerts[k])
            continue;
        g_string_append_printf(out, " %s %u", kn_alert_kind_to_string(k), sum->alerts[k]);
        any = TRUE;
    }
    g_string_append(out, any ? "\n" : " none\n");
}
