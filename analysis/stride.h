/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Per-stride metrics.  Keeps a short history of the knee angle and the
 * shank acceleration so that when a stride closes (at the next initial
 * contact, reported a little late by the gait stage) its phases can be
 * measured: stance from its opening contact to its toe-off, swing from
 * toe-off to the closing contact.
 */
#pragma once

#include <stdbool.h>

#include "analysis/events.h"

struct kn_strides;

struct kn_strides *kn_strides_new(void);
void kn_strides_free(struct kn_strides *s);
void kn_strides_reset(struct kn_strides *s);

/* Every frame: knee_deg may be NaN (no angle), accel_g NaN (no shank
 * accelerometer). */
void kn_strides_sample(struct kn_strides *s, double t, double knee_deg, double accel_g);

void kn_strides_toe_off(struct kn_strides *s, double t);
/* The wearer stopped: forget the open stride. */
void kn_strides_stop(struct kn_strides *s);

/* An initial contact at time t.  Returns true and fills *ret when it
 * closes a plausible stride (index and activity are left for the caller). */
bool kn_strides_contact(struct kn_strides *s, double t, struct kn_stride *ret);

/* Time of the last initial contact (NaN when stopped), and the typical
 * contact time of recent strides (NaN until known). */
double kn_strides_last_contact(const struct kn_strides *s);
double kn_strides_typical_contact(const struct kn_strides *s);
