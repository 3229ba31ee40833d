/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Calibration of the flexion sensor: ADC raw value -> knee angle.
 *
 * A table of (raw, degrees) points, written "RAW:DEG, RAW:DEG, ..." in
 * kneed.conf ([flex] calibration) and in the state directory (kneectl
 * calibrate flex).  Two points are the usual case (the leg straight, then
 * a second known pose); more points follow a bend sensor's curve.  The
 * angle is the piecewise-linear interpolation of the table, extended past
 * its ends along the first and the last segment.  RAW is the number the
 * kernel shows as in_voltageN_raw (scan type applied, before scale).
 *
 * Pure: no I/O.  Unit-tested in tests/test-iio-scan.c.
 */
#pragma once

#include <glib.h>

#define KN_FLEX_CAL_MAX_POINTS 16
/* Two poses closer than this cannot calibrate a knee. */
#define KN_FLEX_CAL_MIN_SPAN_DEG 20.0
/* A sensor that moved less than this between the poses is not wired to
 * that channel (or not bending). */
#define KN_FLEX_CAL_MIN_SPAN_RAW 8.0

typedef struct {
    double raw;
    double deg;
} KnFlexPoint;

typedef struct {
    guint n;                                   /* 0: not calibrated */
    KnFlexPoint p[KN_FLEX_CAL_MAX_POINTS];     /* sorted by raw */
} KnFlexCal;

/* Parses and validates "RAW:DEG, RAW:DEG[, ...]".  Returns 0, or -EINVAL
 * with a message for a person in msg (e.g. "the angle must change
 * monotonically with the raw value: 1200:90 after 1100:0 and before
 * 1300:10"). */
int kn_flex_cal_parse(const char *text, KnFlexCal *ret, char *msg, size_t msg_len);

/* Sorts the points and checks them: 2..16 points, raw values distinct and
 * finite, angles within the plausible knee range (-60..200 deg), strictly
 * monotonic in raw, spanning at least KN_FLEX_CAL_MIN_SPAN_DEG and
 * KN_FLEX_CAL_MIN_SPAN_RAW.  0 or -EINVAL with msg. */
int kn_flex_cal_validate(KnFlexCal *cal, char *msg, size_t msg_len);

/* Degrees for a raw value; NaN when the table is empty. */
double kn_flex_cal_apply(const KnFlexCal *cal, double raw);

/* "RAW:DEG, RAW:DEG" with the shortest exact numbers; g_free. */
char *kn_flex_cal_to_string(const KnFlexCal *cal);

gboolean kn_flex_cal_equal(const KnFlexCal *a, const KnFlexCal *b);
