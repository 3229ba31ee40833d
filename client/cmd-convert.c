/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * kneectl convert FORMAT INPUT -o OUTPUT [--truth FILE] [OPTION...]
 * kneectl convert FORMAT --all DATADIR -o OUTDIR [OPTION...]
 * kneectl convert --list-formats
 *
 * Turns the public gait data sets (docs/datasets.md) into sleeve
 * recordings.  A partial output is removed when a conversion fails, so a
 * file that exists is a complete one.
 */
#define G_LOG_DOMAIN "kneectl"

#include <errno.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <stdio.h>
#include <string.h>

#include "client/commands.h"
#include "client/convert.h"

static const struct kn_convert_format *const formats[] = {
    &kn_format_thigh_shank,
    &kn_format_mocap,
    &kn_format_grf,
    &kn_format_ankle,
};

static const struct kn_convert_format *find_format(const char *name)
{
    for (size_t i = 0; i < G_N_ELEMENTS(formats); i++)
        if (strcmp(formats[i]->name, name) == 0)
            return formats[i];
    return NULL;
}

static void list_formats(FILE *out)
{
    for (size_t i = 0; i < G_N_ELEMENTS(formats); i++)
        fprintf(out, "%-16s %s\n%-16s   inputs: %s%s\n", formats[i]->name, formats[i]->summary, "",
                formats[i]->inputs, formats[i]->has_truth ? " (--truth available)" : "");
}

/* Runs one conversion; removes what it wrote when it fails. */
static gboolean convert_one(const struct kn_convert_format *fmt, const struct kn_convert_opts *opts,
                            GError **error)
{
    if (fmt->convert(opts, error))
        return TRUE;
    if (strcmp(opts->output, "-") != 0)
        g_unlink(opts->output);
    if (opts->truth && strcmp(opts->truth, "-") != 0)
        g_unlink(opts->truth);
    return FALSE;
}

static int convert_all(const struct kn_convert_format *fmt, const char *dir,
                       const struct kn_convert_opts *base)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(GPtrArray) inputs = fmt->list_inputs(dir, &error);
    guint failed = 0;
    gint64 start = g_get_monotonic_time();

    if (!inputs) {
        fprintf(stderr, "kneectl convert: %s\n", error->message);
        return 1;
    }
    if (inputs->len == 0) {
        fprintf(stderr, "kneectl convert: no %s input in %s (looked for %s)\n",
                fmt->name, dir, fmt->inputs);
        return 1;
    }
    if (g_mkdir_with_parents(base->output, 0755) < 0) {
        fprintf(stderr, "kneectl convert: %s: cannot create: %s\n", base->output, g_strerror(errno));
        return 1;
    }
    for (guint i = 0; i < inputs->len; i++) {
        struct kn_convert_opts opts = *base;
        const char *input = g_ptr_array_index(inputs, i);
        g_autofree char *stem = kn_convert_stem(input);
        g_autofree char *out_name = g_strconcat(stem, ".csv", NULL);
        g_autofree char *truth_name = g_strconcat(stem, ".truth.jsonl", NULL);
        g_autofree char *output = g_build_filename(base->output, out_name, NULL);
        g_autofree char *truth = g_build_filename(base->output, truth_name, NULL);
        g_autoptr(GError) err = NULL;

        opts.input = input;
        opts.output = output;
        opts.truth = fmt->has_truth ? truth : NULL;
        if (!convert_one(fmt, &opts, &err)) {
            fprintf(stderr, "kneectl convert: %s\n", err->message);
            failed++;
        }
    }
    fprintf(stderr, "kneectl convert: %s: %u of %u files converted into %s in %.2f s\n",
            fmt->name, inputs->len - failed, inputs->len, base->output,
            (g_get_monotonic_time() - start) / 1e6);
    return failed ? 1 : 0;
}

int kn_cmd_convert(int argc, char **argv)
{
    g_autoptr(GOptionContext) ctx = NULL;
    g_autoptr(GError) error = NULL;
    g_autofree char *output = NULL, *truth = NULL, *side = NULL, *all = NULL, *mount = NULL;
    gboolean list = FALSE, with_flex = FALSE, keep_misaligned = FALSE;
    double lowpass_hz = 0, sensor_offset_m = 0.12, knee_shift_mm = 0, max_gap_s = 0.1;
    double flex_noise_deg = 0, gyro_gain = 2.0;
    int seed = 1;
    struct kn_convert_opts opts = { 0 };
    const struct kn_convert_format *fmt;
    GOptionEntry entries[] = {
        { "output", 'o', 0, G_OPTION_ARG_FILENAME, &output, "Recording to write (- for standard output); with --all, a directory", "FILE" },
        { "truth", 0, 0, G_OPTION_ARG_FILENAME, &truth, "Also write the ground truth as JSON Lines (mocap-vicon, shank-acc-grf)", "FILE" },
        { "side", 0, 0, G_OPTION_ARG_STRING, &side, "Leg: left or right (default: from the file name, or right)", "SIDE" },
        { "all", 0, 0, G_OPTION_ARG_FILENAME, &all, "Convert every input of the format found in DIR into the -o directory", "DIR" },
        { "list-formats", 0, 0, G_OPTION_ARG_NONE, &list, "List the input formats", NULL },
        { "gyro-gain", 0, 0, G_OPTION_ARG_DOUBLE, &gyro_gain, "thigh-shank-imu: gyro scale as a multiple of the source reader's 1000/32768 dps (default 2: +-2000 dps, docs/datasets.md)", "G" },
        { "keep-misaligned", 0, 0, G_OPTION_ARG_NONE, &keep_misaligned, "thigh-shank-imu: keep the thigh node even when its clock disagrees with the shank's", NULL },
        { "lowpass-hz", 0, 0, G_OPTION_ARG_DOUBLE, &lowpass_hz, "mocap-vicon: marker low-pass cut-off (default 8)", "HZ" },
        { "sensor-offset-m", 0, 0, G_OPTION_ARG_DOUBLE, &sensor_offset_m, "mocap-vicon: distance of the virtual IMUs from the knee (default 0.12)", "M" },
        { "knee-shift-mm", 0, 0, G_OPTION_ARG_DOUBLE, &knee_shift_mm, "mocap-vicon: shift the knee and ankle markers medially (default 0)", "MM" },
        { "max-gap-s", 0, 0, G_OPTION_ARG_DOUBLE, &max_gap_s, "mocap-vicon: longest marker gap filled by interpolation (default 0.1)", "S" },
        { "with-flex", 0, 0, G_OPTION_ARG_NONE, &with_flex, "mocap-vicon: also write knee_deg (the marker knee angle) as a flex sensor", NULL },
        { "flex-noise-deg", 0, 0, G_OPTION_ARG_DOUBLE, &flex_noise_deg, "mocap-vicon: Gaussian noise added to knee_deg (default 0)", "DEG" },
        { "seed", 0, 0, G_OPTION_ARG_INT, &seed, "mocap-vicon: seed of that noise (default 1)", "N" },
        { "mount", 0, 0, G_OPTION_ARG_STRING, &mount, "shank-acc-grf: sensor mounting: auto, normal or inverted (default auto)", "M" },
        { NULL }
    };

    ctx = g_option_context_new("FORMAT INPUT -o OUTPUT  |  FORMAT --all DATADIR -o OUTDIR");
    g_option_context_set_summary(ctx, "Turn a public gait data set into sleeve recordings "
                                      "(docs/datasets.md). Formats: see --list-formats.");
    g_option_context_add_main_entries(ctx, entries, NULL);
    if (!g_option_context_parse(ctx, &argc, &argv, &error)) {
        fprintf(stderr, "kneectl convert: %s\n", error->message);
        return 2;
    }
    if (list) {
        list_formats(stdout);
        return 0;
    }
    if (argc < 2) {
        fprintf(stderr, "kneectl convert: no FORMAT given; formats:\n");
        list_formats(stderr);
        return 2;
    }
    fmt = find_format(argv[1]);
    if (!fmt) {
        fprintf(stderr, "kneectl convert: unknown format '%s'; formats:\n", argv[1]);
        list_formats(stderr);
        return 2;
    }
    if (!output) {
        fprintf(stderr, "kneectl convert: -o OUTPUT is required\n");
        return 2;
    }
    if (side) {
        if (kn_side_from_string(side, &opts.side) < 0) {
            fprintf(stderr, "kneectl convert: --side must be left or right, not '%s'\n", side);
            return 2;
        }
        opts.side_given = TRUE;
    }
    if (mount) {
        if (strcmp(mount, "auto") == 0) {
            opts.mount = KN_MOUNT_AUTO;
        } else if (strcmp(mount, "normal") == 0) {
            opts.mount = KN_MOUNT_NORMAL;
        } else if (strcmp(mount, "inverted") == 0) {
            opts.mount = KN_MOUNT_INVERTED;
        } else {
            fprintf(stderr, "kneectl convert: --mount must be auto, normal or inverted, not '%s'\n", mount);
            return 2;
        }
    }
    if (lowpass_hz < 0 || !(sensor_offset_m >= 0 && sensor_offset_m <= 0.4) ||
        !(knee_shift_mm >= 0 && knee_shift_mm <= 100) || !(max_gap_s >= 0 && max_gap_s <= 1.0) ||
        !(flex_noise_deg >= 0 && flex_noise_deg <= 30) || seed < 0 ||
        !(gyro_gain >= 0.25 && gyro_gain <= 4)) {
        fprintf(stderr, "kneectl convert: an option is out of range (--lowpass-hz > 0, "
                        "--sensor-offset-m 0-0.4, --knee-shift-mm 0-100, --max-gap-s 0-1, "
                        "--flex-noise-deg 0-30, --seed >= 0, --gyro-gain 0.25-4)\n");
        return 2;
    }
    opts.output = output;
    opts.truth = truth;
    opts.gyro_gain = gyro_gain;
    opts.keep_misaligned = keep_misaligned;
    opts.lowpass_hz = lowpass_hz;
    opts.sensor_offset_m = sensor_offset_m;
    opts.knee_shift_mm = knee_shift_mm;
    opts.max_gap_s = max_gap_s;
    opts.with_flex = with_flex;
    opts.flex_noise_deg = flex_noise_deg;
    opts.seed = (guint32) seed;

    if (all) {
        if (argc != 2 || truth) {
            fprintf(stderr, "kneectl convert: --all takes no INPUT and no --truth "
                            "(truth files are written beside the recordings)\n");
            return 2;
        }
        return convert_all(fmt, all, &opts);
    }
    if (argc != 3) {
        fprintf(stderr, "kneectl convert: expected FORMAT INPUT -o OUTPUT\n");
        return 2;
    }
    if (truth && !fmt->has_truth) {
        fprintf(stderr, "kneectl convert: %s has no ground truth to write\n", fmt->name);
        return 2;
    }
    opts.input = argv[2];
    if (!convert_one(fmt, &opts, &error)) {
        fprintf(stderr, "kneectl convert: %s\n", error->message);
        return 1;
    }
    return 0;
}
