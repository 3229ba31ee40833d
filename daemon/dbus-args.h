/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The arguments of kneed's D-Bus methods that need more than GDBus's
 * type check, decoded without a bus or a core: pure functions, so that
 * the D-Bus fuzzer (fuzz/fuzz-dbus.c) and the unit tests reach them
 * directly.  The values are then validated by the core's control
 * functions (daemon/core.h), as every publisher's are.  Errors are
 * KN_ERROR_INVALID_ARGUMENT, their messages name the argument.
 */
#pragma once

#include <glib.h>

#include "daemon/core.h"

G_BEGIN_DECLS

/* SetThresholds' a{sv}: every value a D-Bus number (any integer type,
 * double); any other type is refused.  *ret_updates (KnThresholdUpdate)
 * points into `thresholds`, which must outlive it. */
gboolean kn_dbus_args_thresholds(GVariant *thresholds, GArray **ret_updates, GError **error);

/* ReportPain's location and timing names. */
gboolean kn_dbus_args_pain(const char *location, const char *timing, KnPainLocation *ret_location,
                           KnPainTiming *ret_timing, GError **error);

/* SetFlexCalibration's a(dd): at most KN_FLEX_CAL_MAX_POINTS (raw,
 * degrees) pairs into *ret_cal, in the order given (the driver sorts and
 * validates). */
gboolean kn_dbus_args_flex_points(GVariant *points, KnFlexCal *ret_cal, GError **error);

G_END_DECLS
