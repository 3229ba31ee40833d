/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * mocap-vicon, private: the marker trajectories of one Vicon export as
 * read by convert-mocap-input.c (export, labels, gaps, kept span) and used
 * by convert-mocap.c (geometry, IMU signals, output).
 */
#pragma once

#include <glib.h>
#include <json-glib/json-glib.h>
#include <math.h>

#include "client/convert.h"

#define MOCAP_MIN_SPAN_S 2.0
#define MOCAP_MAX_FRAMES (2u * 1000 * 1000)

/* The leg groups are in the order of kn_mocap_leg_roles(): right upper,
 * left upper, right lower, left lower. */
enum marker {
    MK_LASI, MK_RASI, MK_LPSI, MK_RPSI,
    MK_RKNE, MK_LKNE, MK_RANK, MK_LANK,
    MK_RTOE, MK_LTOE, MK_RHEE, MK_LHEE,
    MK_COUNT
};

struct trajectory {
    char name[8];                 /* the role */
    char label[8];                /* the label in the file (differs when relabelled) */
    int column;                   /* first of X, Y, Z; -1 when not in the file */
    GArray *xyz;                  /* double[3] per frame, NAN when missing */
    guint filled;                 /* frames filled by interpolation */
};

struct mocap {
    const struct kn_convert_opts *opts;
    char *name;                   /* input basename */
    char *subject;
    double rate_hz;
    guint64 first_frame;
    guint n;                      /* frames */
    struct trajectory mk[MK_COUNT];
    int kne, ank, hee, toe;       /* the leg's markers (enum marker) */
    GString *relabelled;          /* "RKNE<-LKNE ..." */
    int side_sign;                /* +1 right, -1 left */
    enum kn_side side;
    /* the kept span [s, e) and what was cut */
    guint s, e;
    GString *trimmed;             /* "a-b s (why); ..." */
    JsonBuilder *trimmed_json;
    guint one_psis;               /* frames whose sacrum is a single PSIS */
};

static inline double *xyz_at(const struct trajectory *t, guint i)
{
    return &g_array_index(t->xyz, double, 3 * i);
}

static inline gboolean present(const struct trajectory *t, guint i)
{
    return t->xyz && isfinite(xyz_at(t, i)[0]);
}

/* Reads the export: the header lines (rate, marker names, units) and every
 * frame of the markers of struct mocap, NAN where missing. */
gboolean kn_mocap_read(struct mocap *m, KnCsv *csv, GError **error);
/* Gives every marker the role its position says it has. */
gboolean kn_mocap_check_labels(struct mocap *m, GError **error);
/* Fills interior gaps up to max_gap_s with a cubic. */
void kn_mocap_fill_gaps(struct mocap *m);
/* Keeps the longest stretch in which the needed markers all exist and
 * describes what is cut; an error when it is shorter than MOCAP_MIN_SPAN_S. */
gboolean kn_mocap_choose_span(struct mocap *m, GError **error);
void kn_mocap_clear(struct mocap *m);
