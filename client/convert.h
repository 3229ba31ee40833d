/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * `kneectl convert`: public gait data sets to sleeve recordings
 * (docs/recording-format.md, docs/datasets.md).  One file per input
 * format (convert-*.c) behind one table of formats; convert-csv.c holds
 * the shared CSV reader and the helpers every format uses.
 *
 * Every error from the input names the file, the line and, for a cell,
 * the column: "NO1_left_IMU_10.csv:17: column 6 (thigh_gyr_x_dps): not a
 * number: 'abc'".
 */
#pragma once

#include <glib.h>
#include <json-glib/json-glib.h>
#include <stdio.h>

#include "analysis/frame.h"
#include "analysis/params.h"
#include "drivers/recording.h"

#define KN_CONVERT_ERROR (kn_convert_error_quark())
GQuark kn_convert_error_quark(void);

typedef enum {
    KN_CONVERT_ERROR_IO,
    KN_CONVERT_ERROR_FORMAT,    /* structure: header, magic line, field count */
    KN_CONVERT_ERROR_VALUE,     /* a cell: not a number, out of range */
    KN_CONVERT_ERROR_DATA,      /* the data as a whole: too short, no usable span */
    KN_CONVERT_ERROR_USAGE,     /* an option that does not fit this input */
} KnConvertError;

enum kn_mount_choice {
    KN_MOUNT_AUTO = 0,
    KN_MOUNT_NORMAL,
    KN_MOUNT_INVERTED,
};

/* Options of one conversion (cmd-convert.c fills them from the command
 * line; a format reads only those that concern it). */
struct kn_convert_opts {
    const char *input;
    const char *output;           /* "-" for standard output */
    const char *truth;            /* NULL: no truth file */
    gboolean side_given;
    enum kn_side side;
    /* thigh-shank-imu */
    double gyro_gain;             /* multiplies the source's gyro scale */
    gboolean keep_misaligned;     /* keep the thigh node when its clock disagrees */
    /* mocap-vicon */
    double lowpass_hz;            /* 0: the format's default */
    double sensor_offset_m;       /* distance of the virtual IMUs from the knee */
    double knee_shift_mm;         /* medial shift of the knee/ankle markers */
    double max_gap_s;             /* longest gap filled by interpolation */
    gboolean with_flex;
    double flex_noise_deg;
    guint32 seed;
    /* shank-acc-grf */
    enum kn_mount_choice mount;
};

struct kn_convert_format {
    const char *name;
    const char *summary;
    const char *inputs;           /* what --all looks for, for --list-formats */
    gboolean has_truth;
    gboolean (*convert)(const struct kn_convert_opts *opts, GError **error);
    /* The inputs of the format in a data set directory, sorted (char *). */
    GPtrArray *(*list_inputs)(const char *dir, GError **error);
};

extern const struct kn_convert_format kn_format_thigh_shank;
extern const struct kn_convert_format kn_format_mocap;
extern const struct kn_convert_format kn_format_grf;
extern const struct kn_convert_format kn_format_ankle;

/* ---- convert-csv.c: a streaming CSV reader ---- */

typedef struct _KnCsv KnCsv;

/* path "-" reads standard input. */
KnCsv *kn_csv_open(const char *path, GError **error);
void kn_csv_free(KnCsv *csv);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(KnCsv, kn_csv_free)

/* Reads the next non-blank line and splits it at commas (no quoting:
 * none of the inputs quote).  Returns 1 with a row, 0 at the end of the
 * file, -1 with *error set (I/O error, NUL byte, overlong line). */
int kn_csv_next(KnCsv *csv, GError **error);
guint kn_csv_n_fields(const KnCsv *csv);
/* "" for a field beyond the end of the row. */
const char *kn_csv_field(const KnCsv *csv, guint i);
guint64 kn_csv_line(const KnCsv *csv);
/* The file name used in messages. */
const char *kn_csv_name(const KnCsv *csv);

/* Takes the current row as the header: its cells name the columns in
 * messages ("column 6 (thigh_gyr_x_dps)"). */
void kn_csv_take_header(KnCsv *csv);
/* Reads the next line and takes it as the header; an empty file is an
 * error naming it. */
gboolean kn_csv_read_header(KnCsv *csv, GError **error);
/* Names the columns explicitly (a NULL-terminated vector, taken over):
 * for inputs whose header spans several lines. */
void kn_csv_set_header(KnCsv *csv, char **names);
/* Index of the named header column, or -1. */
int kn_csv_column(const KnCsv *csv, const char *name);
/* Like kn_csv_column but sets an error naming the file when absent. */
gboolean kn_csv_require_column(KnCsv *csv, const char *name, guint *ret_index, GError **error);

/* Checks that the row has as many fields as the header. */
gboolean kn_csv_check_width(KnCsv *csv, GError **error);

/* Parses field i as a finite number.  An empty cell is an error, or NAN
 * when allow_empty. */
gboolean kn_csv_double(KnCsv *csv, guint i, gboolean allow_empty, double *ret, GError **error);

/* Sets *error to "FILE:LINE: column N (name): MESSAGE" (column < 0: no
 * column part). */
void kn_csv_error(KnCsv *csv, GError **error, KnConvertError code, int column,
                  const char *fmt, ...) G_GNUC_PRINTF(5, 6);

/* ---- convert-csv.c: shared helpers ---- */

/* Input files of `dir` (not recursive) whose names match the glob
 * pattern and do not match `exclude` (may be NULL), sorted. */
GPtrArray *kn_convert_list_dir(const char *dir, const char *pattern, const char *exclude,
                               GError **error);

/* Writes a frame after checking it against the plausibility limits of
 * analysis/frame.h: a value beyond them is reported against the input
 * position `where` rather than written. */
gboolean kn_convert_write_frame(KnRecordingWriter *w, const struct kn_frame *frame,
                                const char *where, GError **error);

/* A metadata table for KnRecordingMeta.extra; values are copied. */
GHashTable *kn_convert_meta_new(void);
void kn_convert_meta_set(GHashTable *extra, const char *key, const char *fmt, ...) G_GNUC_PRINTF(3, 4);

/* Truth files: JSON Lines, one object a line. */
typedef struct _KnTruth KnTruth;
KnTruth *kn_truth_open(const char *path, GError **error);
/* Writes the node (an object) as one line. */
void kn_truth_write(KnTruth *t, JsonNode *node);
/* The same for a builder that holds one finished object. */
void kn_truth_write_builder(KnTruth *t, JsonBuilder *b);
/* A {"type":"angle",...} line: written directly, it is one per frame. */
void kn_truth_write_angle(KnTruth *t, double t_s, double knee_deg, double thigh_deg,
                          double shank_deg);
/* {"type":TYPE,"KEY":NUMBER,...}: key/value (const char *, double) pairs
 * ending with NULL; numbers with up to 10 significant digits. */
void kn_truth_write_numbers(KnTruth *t, const char *type, ...) G_GNUC_NULL_TERMINATED;
gboolean kn_truth_close(KnTruth *t, GError **error);
void kn_truth_free(KnTruth *t);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(KnTruth, kn_truth_free)

/* How a sensor sits on the segment: project axis i (x anterior, y
 * superior, z to the body's right) = sign[i] * sensor axis src[i]. */
struct kn_mount {
    int src[3];
    double sign[3];
};

/* The proper rotation that puts the sensor axis `axis` (0-2), read with
 * `sign` (+1/-1), on project +y: a cyclic permutation of the axes, with
 * the two other axes negated when sign is -1. */
void kn_mount_for_gravity(int axis, int sign, struct kn_mount *ret);
/* out[i] = scale * sign[i] * in[src[i]] */
void kn_mount_apply(const struct kn_mount *m, const double in[3], double scale, double out[3]);
/* "x=+z y=-x z=-y" (project axis = sensor axis); g_free() it. */
char *kn_mount_describe(const struct kn_mount *m);

/* Basename without the extension, e.g. "NO1_left_IMU_10". */
char *kn_convert_stem(const char *path);
