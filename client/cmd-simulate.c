/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * kneectl simulate: writes a simulated run (drivers/sim-model.h) as a
 * sleeve recording, and optionally its truth: JSON Lines with the
 * configuration, the detection window of every scripted event and every
 * ground contact (--truth), and a CSV of the true angles of every frame
 * (--truth-angles).  docs/simulator.md describes both.
 *
 * Exit status: 0 done, 1 a file could not be written, 2 bad usage.
 */
#define G_LOG_DOMAIN "kneectl"

#include <errno.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "analysis/events.h"
#include "client/commands.h"
#include "drivers/recording.h"
#include "drivers/sim-model.h"

#define PROGRAM "kneectl simulate"
#define STAND_AROUND_S 5.0

struct options {
    char *output;
    char *truth;
    char *truth_angles;
    double rate_hz;
    char *side;
    char *seed;
    double noise;
    double gyro_bias;
    double impact_g;
    double frontal_deg;
    double variability;
    char *sensors;
    char **blocks;
    char **events;
    double duration_s;
    double cadence_spm;
    double speed_mps;
};

static void options_clear(struct options *o)
{
    g_free(o->output);
    g_free(o->truth);
    g_free(o->truth_angles);
    g_free(o->side);
    g_free(o->seed);
    g_free(o->sensors);
    g_strfreev(o->blocks);
    g_strfreev(o->events);
}

static int usage_error(const char *fmt, ...) G_GNUC_PRINTF(1, 2);

static int usage_error(const char *fmt, ...)
{
    va_list ap;
    g_autofree char *msg = NULL;

    va_start(ap, fmt);
    msg = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    fprintf(stderr, PROGRAM ": %s\nTry 'kneectl simulate --help'.\n", msg);
    return 2;
}

/* Fills the config from the options; returns 0 or the exit status. */
static int build_config(const struct options *o, struct kn_sim_config *c)
{
    char err[256];
    bool shorthand = !isnan(o->duration_s) || !isnan(o->cadence_spm) || !isnan(o->speed_mps);

    kn_sim_config_init(c);
    if (!isnan(o->rate_hz))
        c->rate_hz = o->rate_hz;
    if (o->side && kn_side_from_string(o->side, &c->side) < 0)
        return usage_error("--side: '%s' is neither left nor right", o->side);
    if (o->seed) {
        g_autoptr(GError) error = NULL;
        guint64 seed;

        if (!g_ascii_string_to_unsigned(o->seed, 10, 0, G_MAXINT64, &seed, &error))
            return usage_error("--seed: %s", error->message);
        c->seed = seed;
    }
    if (!isnan(o->noise))
        c->noise = o->noise;
    if (!isnan(o->gyro_bias))
        c->gyro_bias_rads = o->gyro_bias;
    if (!isnan(o->impact_g))
        c->impact_g = o->impact_g;
    if (!isnan(o->frontal_deg))
        c->frontal_deg = o->frontal_deg;
    if (!isnan(o->variability))
        c->variability = o->variability;
    if (o->sensors && kn_sim_sensors_from_string(o->sensors, &c->sensors, err, sizeof(err)) < 0)
        return usage_error("%s", err);

    if (o->blocks && shorthand)
        return usage_error("--block cannot be combined with --duration, --cadence or --speed");
    if (o->blocks) {
        c->n_blocks = 0;
        for (char **b = o->blocks; *b; b++)
            if (kn_sim_config_add_block(c, *b, err, sizeof(err)) < 0)
                return usage_error("%s", err);
    } else if (shorthand) {
        /* stand / run / stand, like the default run. */
        struct kn_sim_block *run = &c->blocks[1];

        if (!isnan(o->duration_s))
            run->duration_s = o->duration_s;
        if (!isnan(o->cadence_spm))
            run->cadence_spm = o->cadence_spm;
        if (!isnan(o->speed_mps))
            run->speed_mps = o->speed_mps;
        c->blocks[0].duration_s = STAND_AROUND_S;
        c->blocks[2].duration_s = STAND_AROUND_S;
    }
    for (char **e = o->events; e && *e; e++)
        if (kn_sim_config_add_event(c, *e, err, sizeof(err)) < 0)
            return usage_error("%s", err);
    if (kn_sim_config_validate(c, err, sizeof(err)) < 0)
        return usage_error("%s", err);
    return 0;
}

static char *sensors_to_string(uint32_t sensors)
{
    static const struct {
        uint32_t bit;
        const char *name;
    } names[] = {
        { KN_HAS_FLEX, "flex" },
        { KN_HAS_THIGH_ACCEL, "thigh-accel" },
        { KN_HAS_THIGH_GYRO, "thigh-gyro" },
        { KN_HAS_SHANK_ACCEL, "shank-accel" },
        { KN_HAS_SHANK_GYRO, "shank-gyro" },
    };
    GString *s = g_string_new(NULL);

    for (size_t i = 0; i < G_N_ELEMENTS(names); i++)
        if (sensors & names[i].bit)
            g_string_append_printf(s, "%s%s", s->len ? "," : "", names[i].name);
    return g_string_free(s, FALSE);
}

static char *blocks_to_string(const struct kn_sim_config *c)
{
    GString *s = g_string_new(NULL);
    char buf[128];

    for (size_t i = 0; i < c->n_blocks; i++) {
        kn_sim_block_format(&c->blocks[i], buf, sizeof(buf));
        g_string_append_printf(s, "%s%s", i ? " " : "", buf);
    }
    return g_string_free(s, FALSE);
}

static char *events_to_string(const struct kn_sim_config *c)
{
    GString *s = g_string_new(NULL);
    char buf[160];

    for (size_t i = 0; i < c->n_events; i++) {
        kn_sim_event_format(&c->events[i], buf, sizeof(buf));
        g_string_append_printf(s, "%s%s", i ? " " : "", buf);
    }
    return g_string_free(s, FALSE);
}

static char *format_number(double v)
{
    char buf[G_ASCII_DTOSTR_BUF_SIZE];

    return g_strdup(g_ascii_formatd(buf, sizeof(buf), "%.10g", v));
}

/* ---- truth files ---- */

struct truth_out {
    char *path;
    FILE *fp;
    gboolean own;
};

static gboolean truth_open(struct truth_out *t, const char *path, GError **error)
{
    t->path = g_strdup(path);
    if (strcmp(path, "-") == 0) {
        t->fp = stdout;
        return TRUE;
    }
    t->fp = fopen(path, "we");
    if (!t->fp) {
        int err = errno;

        g_set_error(error, G_FILE_ERROR, g_file_error_from_errno(err), "%s: cannot create: %s",
                    path, g_strerror(err));
        return FALSE;
    }
    t->own = TRUE;
    return TRUE;
}

static gboolean truth_close(struct truth_out *t, GError **error)
{
    gboolean ok = TRUE;

    if (!t->fp)
        return TRUE;
    if (fflush(t->fp) != 0 || ferror(t->fp)) {
        g_set_error(error, G_FILE_ERROR, g_file_error_from_errno(errno), "%s: write error: %s",
                    t->path, g_strerror(errno));
        ok = FALSE;
    }
    if (t->own && fclose(t->fp) != 0 && ok) {
        g_set_error(error, G_FILE_ERROR, g_file_error_from_errno(errno), "%s: close error: %s",
                    t->path, g_strerror(errno));
        ok = FALSE;
    }
    t->fp = NULL;
    return ok;
}

static void truth_discard(struct truth_out *t)
{
    if (t->fp && t->own)
        fclose(t->fp);
    if (t->own)
        g_unlink(t->path);
    t->fp = NULL;
    g_clear_pointer(&t->path, g_free);
}

static void write_json_line(FILE *fp, JsonBuilder *b)
{
    g_autoptr(JsonNode) root = json_builder_get_root(b);
    g_autofree char *line = json_to_string(root, FALSE);

    fputs(line, fp);
    fputc('\n', fp);
}

static void add_double(JsonBuilder *b, const char *name, double v)
{
    json_builder_set_member_name(b, name);
    if (isfinite(v))
        json_builder_add_double_value(b, v);
    else
        json_builder_add_null_value(b);
}

static void add_string(JsonBuilder *b, const char *name, const char *v)
{
    json_builder_set_member_name(b, name);
    json_builder_add_string_value(b, v);
}

static void write_meta(FILE *fp, const struct kn_sim_config *c, struct kn_sim *sim,
                       const char *recording)
{
    g_autoptr(JsonBuilder) b = json_builder_new();
    g_autofree char *sensors = sensors_to_string(c->sensors);
    double start = 0;

    json_builder_begin_object(b);
    add_string(b, "type", "meta");
    add_string(b, "format", "kneed-sim-truth");
    json_builder_set_member_name(b, "version");
    json_builder_add_int_value(b, 1);
    add_string(b, "recording", recording);
    add_double(b, "rate_hz", c->rate_hz);
    add_string(b, "side", kn_side_to_string(c->side));
    json_builder_set_member_name(b, "seed");
    json_builder_add_int_value(b, (gint64) c->seed);
    add_double(b, "noise", c->noise);
    add_double(b, "gyro_bias_rads", c->gyro_bias_rads);
    add_double(b, "impact_g", c->impact_g);
    add_double(b, "frontal_deg", c->frontal_deg);
    add_double(b, "variability", c->variability);
    add_string(b, "sensors", sensors);
    add_double(b, "duration_s", kn_sim_duration(sim));
    json_builder_set_member_name(b, "blocks");
    json_builder_begin_array(b);
    for (size_t i = 0; i < c->n_blocks; i++) {
        const struct kn_sim_block *k = &c->blocks[i];
        char spec[128];

        kn_sim_block_format(k, spec, sizeof(spec));
        json_builder_begin_object(b);
        add_string(b, "activity", kn_sim_activity_to_string(k->activity));
        add_double(b, "start_s", start);
        add_double(b, "duration_s", k->duration_s);
        if (k->activity != KN_SIM_STAND) {
            add_double(b, "cadence_spm", k->cadence_spm);
            add_double(b, "speed_mps", k->speed_mps);
        }
        add_string(b, "spec", spec);
        json_builder_end_object(b);
        start += k->duration_s;
    }
    json_builder_end_array(b);
    json_builder_set_member_name(b, "events");
    json_builder_begin_array(b);
    for (size_t i = 0; i < c->n_events; i++) {
        const struct kn_sim_event *e = &c->events[i];
        char spec[160];

        kn_sim_event_format(e, spec, sizeof(spec));
        json_builder_begin_object(b);
        add_string(b, "kind", kn_sim_event_kind_to_string(e->kind));
        add_double(b, "t_s", e->t_s);
        add_double(b, "magnitude_deg", e->magnitude_deg);
        switch (e->kind) {
        case KN_SIM_EVENT_HYPEREXTENSION:
            add_double(b, "speed_dps", e->speed_dps);
            break;
        case KN_SIM_EVENT_GIVING_WAY:
            add_double(b, "valgus_deg", e->valgus_deg);
            break;
        case KN_SIM_EVENT_RANGE_LOSS:
        case KN_SIM_EVENT_LOCKING:
        case KN_SIM_EVENT_SLEEVE_SLIP:
            add_double(b, "duration_s", e->duration_s);
            break;
        case KN_SIM_EVENT_KIND_COUNT:
            break;
        }
        add_string(b, "spec", spec);
        json_builder_end_object(b);
    }
    json_builder_end_array(b);
    json_builder_end_object(b);
    write_json_line(fp, b);
}

static void write_windows(FILE *fp, struct kn_sim *sim)
{
    const struct kn_sim_window *w;
    size_t n = kn_sim_windows(sim, &w);

    for (size_t i = 0; i < n; i++) {
        g_autoptr(JsonBuilder) b = json_builder_new();

        json_builder_begin_object(b);
        add_string(b, "type", "window");
        add_string(b, "kind", kn_sim_event_kind_to_string(w[i].kind));
        json_builder_set_member_name(b, "expect");
        if (w[i].expect_alert >= 0)
            json_builder_add_string_value(b, kn_alert_kind_to_string(w[i].expect_alert));
        else
            json_builder_add_null_value(b);
        add_double(b, "start_s", w[i].start_s);
        add_double(b, "end_s", w[i].end_s);
        json_builder_end_object(b);
        write_json_line(fp, b);
    }
}

static void write_contact(FILE *fp, double ic_s, double to_s)
{
    g_autoptr(JsonBuilder) b = json_builder_new();

    json_builder_begin_object(b);
    add_string(b, "type", "contact");
    add_double(b, "ic_s", ic_s);
    add_double(b, "to_s", to_s);
    json_builder_end_object(b);
    write_json_line(fp, b);
}

static void write_angles(FILE *fp, const struct kn_sim_truth *t)
{
    char a[G_ASCII_DTOSTR_BUF_SIZE], b[G_ASCII_DTOSTR_BUF_SIZE], c[G_ASCII_DTOSTR_BUF_SIZE];
    char d[G_ASCII_DTOSTR_BUF_SIZE], e[G_ASCII_DTOSTR_BUF_SIZE], f[G_ASCII_DTOSTR_BUF_SIZE];

    fprintf(fp, "%s,%s,%s,%s,%s,%d,%s\n",
            g_ascii_formatd(a, sizeof(a), "%.6f", t->t_s),
            g_ascii_formatd(b, sizeof(b), "%.4f", t->knee_deg),
            g_ascii_formatd(c, sizeof(c), "%.4f", t->thigh_deg),
            g_ascii_formatd(d, sizeof(d), "%.4f", t->shank_deg),
            g_ascii_formatd(e, sizeof(e), "%.4f", t->shank_frontal_deg),
            t->contact ? 1 : 0,
            g_ascii_formatd(f, sizeof(f), "%.3f", t->gait_weight));
}

/* ---- the command ---- */

static int run(const struct options *o, const struct kn_sim_config *c)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(KnRecordingWriter) writer = NULL;
    KnRecordingMeta meta = { 0 };
    struct truth_out truth = { 0 }, angles = { 0 };
    struct kn_sim *sim;
    struct kn_frame frame;
    struct kn_sim_truth t;
    double open_ic = NAN;
    gboolean ok = TRUE;

    sim = kn_sim_new(c);
    if (!sim) {
        fprintf(stderr, PROGRAM ": out of memory\n");
        return 1;
    }

    meta.rate_hz = c->rate_hz;
    meta.side = c->side;
    meta.source = (char *) "simulated";
    meta.extra = g_hash_table_new_full(g_str_hash, g_str_equal, NULL, g_free);
    g_hash_table_insert(meta.extra, (char *) "seed",
                        g_strdup_printf("%" G_GUINT64_FORMAT, (guint64) c->seed));
    g_hash_table_insert(meta.extra, (char *) "noise", format_number(c->noise));
    g_hash_table_insert(meta.extra, (char *) "gyro_bias_rads", format_number(c->gyro_bias_rads));
    g_hash_table_insert(meta.extra, (char *) "impact_g", format_number(c->impact_g));
    g_hash_table_insert(meta.extra, (char *) "frontal_deg", format_number(c->frontal_deg));
    g_hash_table_insert(meta.extra, (char *) "variability", format_number(c->variability));
    g_hash_table_insert(meta.extra, (char *) "sensors", sensors_to_string(c->sensors));
    g_hash_table_insert(meta.extra, (char *) "blocks", blocks_to_string(c));
    if (c->n_events > 0)
        g_hash_table_insert(meta.extra, (char *) "events", events_to_string(c));
    g_hash_table_insert(meta.extra, (char *) "generator", g_strdup("kneectl simulate " PACKAGE_VERSION));

    writer = kn_recording_writer_new(o->output, &meta, c->sensors, &error);
    g_hash_table_unref(meta.extra);
    if (!writer)
        goto fail;
    if (o->truth) {
        if (!truth_open(&truth, o->truth, &error))
            goto fail;
        write_meta(truth.fp, c, sim, strcmp(o->output, "-") == 0 ? "<stdout>" : o->output);
        write_windows(truth.fp, sim);
    }
    if (o->truth_angles) {
        if (!truth_open(&angles, o->truth_angles, &error))
            goto fail;
        fputs("t_s,knee_deg,thigh_deg,shank_deg,shank_frontal_deg,contact,gait_weight\n", angles.fp);
    }

    while (kn_sim_next(sim, &frame, &t)) {
        if (!kn_recording_writer_write(writer, &frame, &error))
            goto fail;
        if (truth.fp) {
            if (t.initial_contact) {
                open_ic = t.event_t_s;
            } else if (t.toe_off && !isnan(open_ic)) {
                write_contact(truth.fp, open_ic, t.event_t_s);
                open_ic = NAN;
            }
        }
        if (angles.fp)
            write_angles(angles.fp, &t);
    }
    /* A run that ends in stance: the contact has no toe-off. */
    if (truth.fp && !isnan(open_ic))
        write_contact(truth.fp, open_ic, NAN);

    ok = kn_recording_writer_close(g_steal_pointer(&writer), &error);
    if (ok)
        ok = truth_close(&truth, &error);
    if (ok)
        ok = truth_close(&angles, &error);
    if (!ok)
        goto fail;
    kn_sim_free(sim);
    g_free(truth.path);
    g_free(angles.path);
    return 0;

fail:
    fprintf(stderr, PROGRAM ": %s\n", error ? error->message : "failed");
    /* No half-written recording left behind to be mistaken for a run. */
    g_clear_pointer(&writer, kn_recording_writer_free);
    if (strcmp(o->output, "-") != 0)
        g_unlink(o->output);
    truth_discard(&truth);
    truth_discard(&angles);
    kn_sim_free(sim);
    return 1;
}

int kn_cmd_simulate(int argc, char **argv)
{
    struct options o = {
        .rate_hz = NAN, .noise = NAN, .gyro_bias = NAN, .impact_g = NAN,
        .frontal_deg = NAN, .variability = NAN,
        .duration_s = NAN, .cadence_spm = NAN, .speed_mps = NAN,
    };
    const GOptionEntry entries[] = {
        { "output", 'o', 0, G_OPTION_ARG_FILENAME, &o.output,
          "Write the recording to FILE ('-': standard output)", "FILE" },
        { "truth", 0, 0, G_OPTION_ARG_FILENAME, &o.truth,
          "Write the truth (configuration, event windows, contacts) as JSON Lines to FILE", "FILE" },
        { "truth-angles", 0, 0, G_OPTION_ARG_FILENAME, &o.truth_angles,
          "Write the true angles of every frame as CSV to FILE", "FILE" },
        { "rate", 0, 0, G_OPTION_ARG_DOUBLE, &o.rate_hz, "Sample rate, 100-1000 Hz (200)", "HZ" },
        { "side", 0, 0, G_OPTION_ARG_STRING, &o.side, "Leg wearing the sleeve (right)", "left|right" },
        { "seed", 0, 0, G_OPTION_ARG_STRING, &o.seed, "Seed of the noise and gait variability (1)", "N" },
        { "noise", 0, 0, G_OPTION_ARG_DOUBLE, &o.noise,
          "Scale of sensor noise and gyro bias, 0 = ideal sensors (1)", "X" },
        { "gyro-bias", 0, 0, G_OPTION_ARG_DOUBLE, &o.gyro_bias,
          "Largest gyroscope bias per axis (0.02)", "RAD_S" },
        { "impact-g", 0, 0, G_OPTION_ARG_DOUBLE, &o.impact_g,
          "Impact transient at the shank at running foot strike (8)", "G" },
        { "frontal-deg", 0, 0, G_OPTION_ARG_DOUBLE, &o.frontal_deg,
          "Normal varus/valgus motion in stance (2)", "DEG" },
        { "variability", 0, 0, G_OPTION_ARG_DOUBLE, &o.variability,
          "Scale of stride-to-stride variability, 0 = identical strides (1)", "X" },
        { "sensors", 0, 0, G_OPTION_ARG_STRING, &o.sensors,
          "Sensors to write: flex,thigh,shank,thigh-accel,thigh-gyro,shank-accel,shank-gyro,all (all)",
          "LIST" },
        { "block", 0, 0, G_OPTION_ARG_STRING_ARRAY, &o.blocks,
          "Add an activity block: stand:S, walk:S[:SPM[:MPS]], run:S[:SPM[:MPS]] (repeatable)", "SPEC" },
        { "event", 0, 0, G_OPTION_ARG_STRING_ARRAY, &o.events,
          "Add a scripted event: KIND@SECONDS[:key=value,...] (repeatable)", "SPEC" },
        { "duration", 0, 0, G_OPTION_ARG_DOUBLE, &o.duration_s,
          "Shorthand: stand 5 s, run S seconds, stand 5 s (300)", "S" },
        { "cadence", 0, 0, G_OPTION_ARG_DOUBLE, &o.cadence_spm, "Shorthand: running cadence (170)", "SPM" },
        { "speed", 0, 0, G_OPTION_ARG_DOUBLE, &o.speed_mps, "Shorthand: running speed (3.3)", "MPS" },
        { NULL },
    };
    g_autoptr(GOptionContext) ctx = g_option_context_new("-o FILE");
    g_autoptr(GError) error = NULL;
    struct kn_sim_config *config;
    int r;

    g_set_prgname("kneectl simulate");
    g_option_context_set_summary(ctx, "Write a simulated run of the knee sleeve as a recording.");
    g_option_context_set_description(ctx,
        "Events: hyperextension@T[:depth=12,speed=400], giving_way@T[:depth=30,valgus=10],\n"
        "range_loss@T[:deg=25,duration=180], locking@T[:deg=25,duration=15],\n"
        "sleeve_slip@T[:deg=8,duration=2].  See docs/simulator.md.\n");
    g_option_context_add_main_entries(ctx, entries, NULL);
    if (!g_option_context_parse(ctx, &argc, &argv, &error)) {
        r = usage_error("%s", error->message);
        options_clear(&o);
        return r;
    }
    if (argc > 1) {
        r = usage_error("unexpected argument '%s'", argv[1]);
        options_clear(&o);
        return r;
    }
    if (!o.output) {
        r = usage_error("no output: give -o FILE ('-' for standard output)");
        options_clear(&o);
        return r;
    }
    if ((o.truth && strcmp(o.truth, "-") == 0 && strcmp(o.output, "-") == 0) ||
        (o.truth_angles && strcmp(o.truth_angles, "-") == 0 &&
         (strcmp(o.output, "-") == 0 || (o.truth && strcmp(o.truth, "-") == 0)))) {
        r = usage_error("only one of -o, --truth and --truth-angles can be '-'");
        options_clear(&o);
        return r;
    }

    /* The config holds up to 1024 events: keep it off the stack. */
    config = g_new(struct kn_sim_config, 1);
    r = build_config(&o, config);
    if (r == 0)
        r = run(&o, config);
    g_free(config);
    options_clear(&o);
    return r;
}
