/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * kneectl analyze FILE: runs the analysis over a recording and prints a
 * JSON object per stride and per alert as they happen, then a summary
 * (docs/analyze-output.md).  --human prints a table instead; --trace
 * writes the estimated knee angle of every frame.
 */
#define G_LOG_DOMAIN "kneectl"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "analysis/analysis.h"
#include "client/commands.h"
#include "client/params-cli.h"
#include "client/report.h"
#include "drivers/recording.h"

struct ctx {
    gboolean human;
    gboolean flush;
    GString *line;
};

static void emit(struct ctx *c)
{
    fwrite(c->line->str, 1, c->line->len, stdout);
    if (c->flush)
        fflush(stdout);
    g_string_truncate(c->line, 0);
}

static void on_stride(const struct kn_stride *s, void *user_data)
{
    struct ctx *c = user_data;

    if (c->human)
        kn_report_stride_human(c->line, s);
    else
        kn_report_stride_json(c->line, s);
    emit(c);
}

static void on_alert(const struct kn_alert *a, void *user_data)
{
    struct ctx *c = user_data;

    if (c->human)
        kn_report_alert_human(c->line, a);
    else
        kn_report_alert_json(c->line, a);
    emit(c);
}

int kn_cmd_analyze(int argc, char **argv)
{
    gboolean human = FALSE;
    g_autofree char *trace_path = NULL;
    g_autofree char *side = NULL;
    g_auto(GStrv) sets = NULL;
    GOptionEntry entries[] = {
        { "human", 0, 0, G_OPTION_ARG_NONE, &human, "print a readable table instead of JSON Lines", NULL },
        { "trace", 0, 0, G_OPTION_ARG_FILENAME, &trace_path, "also write t_s,knee_deg of every frame", "OUT.csv" },
        { "side", 0, 0, G_OPTION_ARG_STRING, &side, "override the recording's side", "left|right" },
        { "set", 0, 0, G_OPTION_ARG_STRING_ARRAY, &sets, "set a detector parameter (see kneectl thresholds)",
          "KEY=VALUE" },
        { NULL }
    };
    g_autoptr(GOptionContext) octx = g_option_context_new("FILE - analyse a sleeve recording");
    g_autoptr(GError) error = NULL;
    g_autoptr(KnRecordingReader) reader = NULL;
    g_autoptr(GString) line = g_string_new(NULL);
    struct kn_analysis *a;
    struct kn_params params;
    struct kn_summary sum;
    struct kn_frame f;
    struct ctx c;
    FILE *trace = NULL;
    int status = 0;

    g_option_context_add_main_entries(octx, entries, NULL);
    g_option_context_set_description(octx, "Output: docs/analyze-output.md.  Exit status 0, 1 on bad input, 2 on usage error.");
    if (!g_option_context_parse(octx, &argc, &argv, &error)) {
        fprintf(stderr, "kneectl analyze: %s\n", error->message);
        return 2;
    }
    if (argc != 2) {
        fprintf(stderr, "kneectl analyze: expected one recording file (or - for standard input)\n");
        return 2;
    }
    reader = kn_recording_reader_open(argv[1], &error);
    if (!reader) {
        fprintf(stderr, "kneectl analyze: %s\n", error->message);
        return 1;
    }

    kn_params_init(&params);
    params.side = kn_recording_reader_meta(reader)->side;
    if (side && kn_side_from_string(side, &params.side) < 0) {
        fprintf(stderr, "kneectl analyze: --side: expected 'left' or 'right', got '%s'\n", side);
        return 2;
    }
    if (!kn_params_cli_apply(&params, (const char *const *) sets, &error)) {
        fprintf(stderr, "kneectl analyze: %s\n", error->message);
        return 2;
    }
    if (trace_path) {
        trace = strcmp(trace_path, "-") == 0 ? stdout : fopen(trace_path, "we");
        if (!trace) {
            fprintf(stderr, "kneectl analyze: %s: cannot create: %s\n", trace_path, g_strerror(errno));
            return 1;
        }
        fputs("t_s,knee_deg\n", trace);
    }

    a = kn_analysis_new(&params);
    g_assert(a);
    c = (struct ctx) { .human = human, .flush = isatty(STDOUT_FILENO), .line = line };
    kn_analysis_set_callbacks(a, on_stride, on_alert, &c);
    if (human) {
        kn_report_header_human(line);
        emit(&c);
    }
    while (kn_recording_reader_next(reader, &f, &error)) {
        if (kn_analysis_push(a, &f) < 0) {
            fprintf(stderr, "kneectl analyze: %s:%" G_GUINT64_FORMAT ": frame rejected by the analysis\n",
                    argv[1], kn_recording_reader_line(reader));
            status = 1;
            break;
        }
        if (trace) {
            char t[G_ASCII_DTOSTR_BUF_SIZE], k[G_ASCII_DTOSTR_BUF_SIZE];
            double knee = kn_analysis_live(a)->knee_deg;

            fprintf(trace, "%s,%s\n", g_ascii_formatd(t, sizeof(t), "%.6f", f.t_s),
                    isnan(knee) ? "" : g_ascii_formatd(k, sizeof(k), "%.3f", knee));
        }
    }
    if (error) {
        /* whatever was analysed before the bad line was printed: say where
         * it stopped, and fail */
        fprintf(stderr, "kneectl analyze: %s\n", error->message);
        status = 1;
    }
    kn_analysis_summary(a, &sum);
    if (human)
        kn_report_summary_human(line, &sum);
    else
        kn_report_summary_json(line, &sum);
    emit(&c);
    kn_analysis_free(a);
    if (trace && trace != stdout && fclose(trace) != 0) {
        fprintf(stderr, "kneectl analyze: %s: write error: %s\n", trace_path, g_strerror(errno));
        status = 1;
    }
    if (fflush(stdout) != 0 || ferror(stdout)) {
        fprintf(stderr, "kneectl analyze: write error on standard output\n");
        status = 1;
    }
    return status;
}
