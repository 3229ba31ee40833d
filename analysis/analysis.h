/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The analysis pipeline: frames in; knee angle, gait events, per-stride
 * metrics and alerts out.  Pure computation: no I/O, no logging, no main
 * loop, no clock — time is the frames' t_s.  Not thread-safe; one
 * instance per sleeve.
 *
 *     frames -> angle (flex / IMU / fused, zero-drift tracking)
 *            -> gait events (initial contact, toe-off) -> stride metrics
 *            -> detectors -> callbacks
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "analysis/events.h"
#include "analysis/frame.h"
#include "analysis/params.h"

struct kn_analysis;

typedef void (*kn_stride_fn)(const struct kn_stride *stride, void *user_data);
typedef void (*kn_alert_fn)(const struct kn_alert *alert, void *user_data);

/* Live state, updated on every frame. */
struct kn_live {
    double t_s;                   /* last frame */
    uint32_t sensors;             /* enum kn_sensor_bits seen in the last second */
    double knee_deg;              /* NaN without flex sensor and IMUs */
    double knee_speed_dps;        /* d(knee)/dt, positive when flexing */
    double cadence_spm;           /* 0 when still */
    uint32_t strides;
    enum kn_activity activity;
    bool in_stance;
    double zero_offset_deg;       /* current sleeve zero correction */
    double baseline_rom_deg;      /* NaN until a baseline exists */
    bool has_last_stride;
    struct kn_stride last_stride;
};

struct kn_stat {
    uint32_t n;
    double mean;
    double sd;
    double min;
    double max;
};

struct kn_summary {
    double duration_s;
    uint32_t frames;
    uint32_t strides;
    uint32_t steps;
    struct kn_stat stride_s;
    struct kn_stat cadence_spm;
    struct kn_stat contact_s;
    struct kn_stat ic_flex_deg;
    struct kn_stat stance_peak_flex_deg;
    struct kn_stat swing_peak_flex_deg;
    struct kn_stat min_flex_deg;
    struct kn_stat rom_deg;
    struct kn_stat impact_g;
    double stride_cv_pct;         /* over the whole session */
    uint32_t alerts[KN_ALERT_KIND_COUNT];
};

struct kn_calibration {
    double offset_deg;            /* new zero correction applied */
    double residual_deg;          /* knee angle before correction */
    double stillness_dps;         /* rms angular speed over the window */
    double window_s;
};

/* NULL params means defaults.  Returns NULL only on allocation failure or
 * invalid params (kn_params_validate). */
struct kn_analysis *kn_analysis_new(const struct kn_params *params);
void kn_analysis_free(struct kn_analysis *a);

/* Forgets everything but the params and callbacks. */
void kn_analysis_reset(struct kn_analysis *a);

void kn_analysis_set_callbacks(struct kn_analysis *a,
                               kn_stride_fn on_stride,
                               kn_alert_fn on_alert,
                               void *user_data);

/* Feeds one frame.  Callbacks run from inside this call.
 * Returns 0, or -EINVAL when the frame fails kn_frame_check() or its time
 * does not increase; the frame is then ignored and the state unchanged. */
int kn_analysis_push(struct kn_analysis *a, const struct kn_frame *frame);

/* Validates and applies new params from the next frame on.  Returns 0 or
 * -EINVAL (nothing changed). */
int kn_analysis_set_params(struct kn_analysis *a, const struct kn_params *params);
const struct kn_params *kn_analysis_get_params(const struct kn_analysis *a);

const struct kn_live *kn_analysis_live(const struct kn_analysis *a);

/* Zero the extension: the wearer stands straight and still.  Uses the
 * last second of frames.  Returns 0 and fills *ret; -ENODATA when there is
 * no knee angle or less than a second of frames; -EBUSY when the leg was
 * not still over that second.  Nothing changes on error. */
int kn_analysis_calibrate(struct kn_analysis *a, struct kn_calibration *ret);

void kn_analysis_summary(const struct kn_analysis *a, struct kn_summary *ret);
