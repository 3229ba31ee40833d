/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Text forms of the analysis' output: JSON Lines (docs/analyze-output.md)
 * and a human-readable table.  Each function appends to a GString.
 */
#pragma once

#include <glib.h>

#include "analysis/analysis.h"

void kn_report_stride_json(GString *out, const struct kn_stride *s);
void kn_report_alert_json(GString *out, const struct kn_alert *a);
void kn_report_summary_json(GString *out, const struct kn_summary *sum);

void kn_report_header_human(GString *out);
void kn_report_stride_human(GString *out, const struct kn_stride *s);
void kn_report_alert_human(GString *out, const struct kn_alert *a);
void kn_report_summary_human(GString *out, const struct kn_summary *sum);
