/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Sleeve recording format v1 (docs/recording-format.md): read and write.
 *
 *   # kneed-recording v1
 *   # rate_hz=200
 *   # side=right
 *   # source=simulated
 *   t_s,knee_deg,thigh_ax,thigh_ay,thigh_az,thigh_gx,...,shank_gz
 *   0.000000,12.3,...
 *
 * Reading streams line by line (a 25-minute 1 kHz file is never held in
 * memory).  Every error names the file, the line and, for a cell, the
 * column: "run.csv:1042: column 5 (thigh_ay): not a number: 'abc'".
 */
#pragma once

#include <glib.h>
#include <stdio.h>

#include "analysis/frame.h"
#include "analysis/params.h"

#define KN_RECORDING_MAGIC "# kneed-recording v1"
/* Longest line a reader accepts, in bytes (its terminator left out). */
#define KN_RECORDING_LINE_MAX 65536

#define KN_RECORDING_ERROR (kn_recording_error_quark())
GQuark kn_recording_error_quark(void);

typedef enum {
    KN_RECORDING_ERROR_IO,
    KN_RECORDING_ERROR_FORMAT,     /* magic line, header, metadata */
    KN_RECORDING_ERROR_VALUE,      /* a cell: not a number, out of range */
    KN_RECORDING_ERROR_TIME,       /* t_s missing, not increasing */
} KnRecordingError;

typedef struct {
    double rate_hz;                /* 0 when unknown */
    enum kn_side side;
    char *source;                  /* free text, NULL when unknown */
    GHashTable *extra;             /* other key=value metadata, char* -> char* */
} KnRecordingMeta;

typedef struct _KnRecordingReader KnRecordingReader;

/* path "-" reads standard input. */
KnRecordingReader *kn_recording_reader_open(const char *path, GError **error);
/* Reads fp (not closed by the reader), naming it `name` in messages. */
KnRecordingReader *kn_recording_reader_new_for_stream(FILE *fp, const char *name, GError **error);
void kn_recording_reader_free(KnRecordingReader *r);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(KnRecordingReader, kn_recording_reader_free)

const KnRecordingMeta *kn_recording_reader_meta(const KnRecordingReader *r);
/* The sensor groups that have columns in the header (enum kn_sensor_bits);
 * a frame's own present bits may be fewer (empty cells). */
guint32 kn_recording_reader_columns(const KnRecordingReader *r);
/* Line number of the last row returned. */
guint64 kn_recording_reader_line(const KnRecordingReader *r);

/* Reads the next row.  Returns TRUE with *ret_frame filled; FALSE with
 * *error unset at the end of the file; FALSE with *error set on bad
 * input (the reader must not be used further). */
gboolean kn_recording_reader_next(KnRecordingReader *r, struct kn_frame *ret_frame,
                                  GError **error);

typedef struct _KnRecordingWriter KnRecordingWriter;

/* columns: the sensor groups to write (enum kn_sensor_bits).  path "-"
 * writes standard output. */
KnRecordingWriter *kn_recording_writer_new(const char *path, const KnRecordingMeta *meta,
                                           guint32 columns, GError **error);
/* Absent groups in the frame are written as empty cells. */
gboolean kn_recording_writer_write(KnRecordingWriter *w, const struct kn_frame *frame,
                                   GError **error);
/* A comment line "# text" (a note in the stream: a gap, a restart). */
gboolean kn_recording_writer_comment(KnRecordingWriter *w, const char *text, GError **error);
/* Flushes and closes; frees w whatever the result. */
gboolean kn_recording_writer_close(KnRecordingWriter *w, GError **error);
void kn_recording_writer_free(KnRecordingWriter *w);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(KnRecordingWriter, kn_recording_writer_free)

void kn_recording_meta_clear(KnRecordingMeta *meta);
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(KnRecordingMeta, kn_recording_meta_clear)
