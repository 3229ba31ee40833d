/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The live frame stream (D-Bus OpenFrameStream, kneectl record): every
 * frame the analysis accepts, written as fixed 128-byte little-endian
 * records into a Unix socket whose other end the client got, the way
 * BlueZ's AcquireNotify hands out a socket.  docs/dbus-api.md gives the
 * bytes.
 *
 * Bounded and non-blocking: kneed never waits for a reader.  What the
 * socket cannot take waits in a queue of at most KN_FRAME_STREAM_QUEUE
 * bytes; beyond it frames are dropped, and the next record says how many.
 * A stream ends when the client closes its end or leaves the bus.
 */
#pragma once

#include <gio/gio.h>

#include "daemon/core.h"

#define KN_FRAME_STREAM_MAGIC "KNFS"
#define KN_FRAME_STREAM_VERSION 1
#define KN_FRAME_STREAM_HEADER_SIZE 16
#define KN_FRAME_STREAM_RECORD_SIZE 128
/* Open streams at once, over all clients. */
#define KN_FRAME_STREAM_MAX 4
/* Bytes queued beyond the socket's buffer: ~2 s at 1 kHz. */
#define KN_FRAME_STREAM_QUEUE (256 * 1024)

typedef struct _KnFrameStreams KnFrameStreams;

KnFrameStreams *kn_frame_streams_new(KnCore *core);
/* Closes every stream.  Accepts NULL. */
void kn_frame_streams_free(KnFrameStreams *fs);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(KnFrameStreams, kn_frame_streams_free)

/* A new stream for the bus client owner (a unique name: the stream ends
 * when it leaves the bus).  Returns the client's end of the socket (the
 * caller passes it on and closes it), -1 with G_DBUS_ERROR_LIMITS_EXCEEDED
 * when KN_FRAME_STREAM_MAX are open or G_IO_ERROR on a system failure. */
int kn_frame_streams_open(KnFrameStreams *fs, GDBusConnection *bus, const char *owner,
                          GError **error);

guint kn_frame_streams_count(const KnFrameStreams *fs);

/* The stream's header (16 bytes) for the given columns and one record
 * for a frame (128 bytes), as documented; pure, for tests and clients.
 * sample_monotonic_us 0 when unknown. */
void kn_frame_stream_encode_header(guint8 *out, guint32 columns);
void kn_frame_stream_encode(guint8 *out, const struct kn_frame *frame, guint32 dropped_before,
                            gint64 sample_monotonic_us);
/* FALSE when the bytes are not a record of this version (NaN fields are
 * left absent). */
gboolean kn_frame_stream_decode(const guint8 *in, struct kn_frame *ret_frame,
                                guint32 *ret_dropped_before, gint64 *ret_sample_monotonic_us);
