/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The English sentence of each alert message code (analysis/events.h),
 * the one table the programs that face a person use: kneed for its D-Bus
 * Alert signal and its log, kneectl analyze for its report.  The analysis
 * itself never calls it: it hands out codes and numbers, so that a phone
 * app can say the same in the wearer's language (docs/gatt.md, Alerts).
 * Advice, never a diagnosis.  Pure C11, no allocation.
 */
#pragma once

#include <stddef.h>

#include "analysis/events.h"

/* Longest sentence, NUL included. */
#define KN_ALERT_TEXT_MAX 160

/* Writes a's sentence into buf (at most size bytes, NUL-terminated, cut
 * on a character boundary when too long) and returns buf; "" for
 * KN_MSG_NONE or an unknown code. */
const char *kn_alert_text(const struct kn_alert *a, char *buf, size_t size);

/* A stable name for a code, for logs and JSON: "hyperextension",
 * "buckling", ...; "none" for KN_MSG_NONE or an unknown code. */
const char *kn_alert_message_to_string(enum kn_alert_message message);
