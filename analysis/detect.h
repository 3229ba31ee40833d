/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The detectors.  Two kinds of input:
 *
 * - every sample (kn_detect_sample): sudden hyperextension and giving way
 *   must fire on the sample where they happen, not at the end of a stride;
 * - every stride (kn_detect_stride): range-of-motion loss against the
 *   session baseline at a similar cadence, locking, and the running
 *   advice (low cadence, overstriding, high impact).
 *
 * Each alert kind is one episode at a time: it fires when its condition
 * starts, not again until the condition has cleared and the kind's
 * refractory time has passed.  Thresholds: analysis/params.h, reasons in
 * docs/detectors.md.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "analysis/events.h"
#include "analysis/params.h"

#define KN_DETECT_MAX_ALERTS 8

struct kn_detect_sample {
    double t;
    double knee_deg;          /* NaN when no angle */
    double rate_dps;          /* flexion speed, NaN when no angle */
    double check_gap_deg;     /* an independent opinion's disagreement with knee_deg
                                 (angle.h), NaN when none */
    double frontal_rads;      /* shank frontal-plane rate (gyro x), NaN without */
    double last_ic;           /* the stance that is under way began here, NaN when stopped */
    double typical_contact_s; /* NaN until known */
};

struct kn_detect;

struct kn_detect *kn_detect_new(const struct kn_params *p);
void kn_detect_free(struct kn_detect *d);
void kn_detect_reset(struct kn_detect *d);
void kn_detect_set_params(struct kn_detect *d, const struct kn_params *p);

/* Returns the number of alerts written to out (<= KN_DETECT_MAX_ALERTS). */
size_t kn_detect_sample(struct kn_detect *d, const struct kn_detect_sample *s, struct kn_alert *out);

/* A new initial contact was found at ic (in the recent past): the stance
 * checks look back over what happened since. */
size_t kn_detect_contact(struct kn_detect *d, double ic, double now, struct kn_alert *out);

/* A completed stride, processed at time now. */
size_t kn_detect_stride(struct kn_detect *d, const struct kn_stride *s, double now, struct kn_alert *out);

/* The wearer stopped. */
void kn_detect_stop(struct kn_detect *d);

/* Baseline range of motion at the latest stride's cadence; NaN when none. */
double kn_detect_baseline_rom(const struct kn_detect *d);
