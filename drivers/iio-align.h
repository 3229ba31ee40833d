/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Alignment of the sleeve's sample streams onto one frame stream.
 *
 * The thigh IMU, the shank IMU (each as one accel+gyro device or two
 * devices) and the flexion ADC run on their own oscillators at their own
 * rates (two IMUs at ~1 kHz, the ADC at 250 Hz, say), each timestamped on
 * CLOCK_MONOTONIC.  A frame needs every group at one instant.  Method
 * (docs/iio.md gives the error budget):
 *
 * - The frame times are the sample times of one stream, the *time base*:
 *   the active stream with the highest nominal rate (ties: thigh gyro,
 *   thigh accel, shank gyro, shank accel, flex), so the fastest sensor is
 *   never resampled.
 * - Every other stream is linearly interpolated at those times between its
 *   two bracketing samples; a gap longer than 2.5 of its sample periods is
 *   a dropout and leaves that group out of the frame (never extrapolated).
 * - A frame at time T is emitted once every other active stream has a
 *   sample at or after T.  A stream that has delivered nothing for
 *   max_wait is *late*: frames no longer wait for it, and it cannot be
 *   the time base (the next stream takes over, so a stalled IMU does not
 *   stop the flex sensor's analysis).
 *
 * Pure C11: no I/O, no clock reads (now is an input), no allocation after
 * kn_iio_align_start().  Unit-tested in tests/test-iio-align.c.
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "analysis/frame.h"

enum kn_iio_stream {
    KN_IIO_STREAM_THIGH_ACCEL = 0,
    KN_IIO_STREAM_THIGH_GYRO,
    KN_IIO_STREAM_SHANK_ACCEL,
    KN_IIO_STREAM_SHANK_GYRO,
    KN_IIO_STREAM_FLEX,
    KN_IIO_STREAM_COUNT
};

/* The frame's present bit of a stream (KN_HAS_THIGH_ACCEL, ...). */
uint32_t kn_iio_stream_bit(enum kn_iio_stream stream);
/* "thigh accel", ..., "flex". */
const char *kn_iio_stream_name(enum kn_iio_stream stream);

struct kn_iio_align_stats {
    uint64_t frames;             /* emitted */
    uint64_t partial_frames;     /* emitted without a late or gapped stream */
    uint64_t dropped_order;      /* samples not later than their stream's previous one */
    uint64_t dropped_overflow;   /* samples dropped because a stream's ring was full */
};

struct kn_iio_align;

/* max_wait_s > 0: how long frames wait for a stream that has stopped
 * delivering. */
struct kn_iio_align *kn_iio_align_new(double max_wait_s);
void kn_iio_align_free(struct kn_iio_align *a);

/* (Re)starts a stream at nominal rate_hz (1..10000) at time now_s; its
 * earlier samples are forgotten.  Its ring holds 1 s + max_wait of
 * samples.  -EINVAL on a bad rate, -ENOMEM. */
int kn_iio_align_start(struct kn_iio_align *a, enum kn_iio_stream stream, double rate_hz,
                       double now_s);
/* The stream failed or was closed: frames stop waiting for it. */
void kn_iio_align_stop(struct kn_iio_align *a, enum kn_iio_stream stream);
int kn_iio_align_is_active(const struct kn_iio_align *a, enum kn_iio_stream stream);

/* One sample in the segment frame and the frame's units (v[0] only for
 * flex, in degrees).  0; -EINVAL when the stream is not started or t_s is
 * not later than its previous sample (dropped); -ENOBUFS when the ring
 * was full (its oldest sample was dropped to make room). */
int kn_iio_align_push(struct kn_iio_align *a, enum kn_iio_stream stream, double t_s,
                      const double v[3]);

/* Frames that are complete at now_s, in time order, at most max; returns
 * how many.  Call until it returns fewer than max. */
size_t kn_iio_align_pull(struct kn_iio_align *a, double now_s, struct kn_frame *out,
                         size_t max);

/* Time of the last frame emitted (-inf before the first). */
double kn_iio_align_last_time(const struct kn_iio_align *a);
/* Time of the stream's latest sample (-inf when none). */
double kn_iio_align_stream_last(const struct kn_iio_align *a, enum kn_iio_stream stream);

void kn_iio_align_get_stats(const struct kn_iio_align *a, struct kn_iio_align_stats *ret);

/*
 * Sample times for a device without a timestamp channel, from the times
 * its batches were read.  Each batch's last sample was taken before the
 * read; the fit is the lower envelope of (sample count, read time):
 * period = least-squares slope over the last 64 reads (nominal until they
 * span 1 s, held within 5 % of nominal), offset = the smallest read delay
 * in that window.  The error is that smallest delay (the time from the
 * sample to its read on the least loaded wake-up, typically < 1 ms) plus
 * the rate error over the window.
 */
#define KN_IIO_CLOCK_WINDOW 64

struct kn_iio_clock {
    double nominal_period;
    double period;
    uint64_t count;              /* samples stamped so far */
    double last_t;               /* last time handed out */
    unsigned n, head;
    uint64_t k[KN_IIO_CLOCK_WINDOW];   /* index of a read's last sample */
    double t[KN_IIO_CLOCK_WINDOW];     /* its read time */
};

void kn_iio_clock_init(struct kn_iio_clock *c, double nominal_rate_hz);
/* n samples were read at t_read: writes their times to ts[0..n-1],
 * increasing and never after t_read. */
void kn_iio_clock_stamp(struct kn_iio_clock *c, size_t n, double t_read, double *ts);
