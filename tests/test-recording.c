/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Recording format v1: round trip, sensor subsets, and every kind of bad
 * input rejected with file, line and column. */
#include <glib.h>
#include <glib/gstdio.h>
#include <math.h>
#include <string.h>

#include "drivers/recording.h"

static char *write_tmp(const char *contents)
{
    g_autoptr(GError) error = NULL;
    char *path = NULL;
    int fd = g_file_open_tmp("kneed-rec-XXXXXX.csv", &path, &error);

    g_assert_no_error(error);
    close(fd);
    g_file_set_contents(path, contents, -1, &error);
    g_assert_no_error(error);
    return path;
}

static void test_round_trip(void)
{
    g_autoptr(GError) error = NULL;
    g_autofree char *path = NULL;
    KnRecordingMeta meta = { .rate_hz = 200, .side = KN_SIDE_LEFT, .source = (char *) "unit-test" };
    KnRecordingWriter *w;
    g_autoptr(KnRecordingReader) r = NULL;
    struct kn_frame f = { 0 }, g;
    int fd = g_file_open_tmp("kneed-rt-XXXXXX.csv", &path, &error);

    g_assert_no_error(error);
    close(fd);
    w = kn_recording_writer_new(path, &meta, KN_HAS_ALL, &error);
    g_assert_no_error(error);
    for (int i = 0; i < 100; i++) {
        f.t_s = i * 0.005;
        f.present = (i % 10 == 3) ? KN_HAS_THIGH_IMU | KN_HAS_SHANK_IMU : KN_HAS_ALL;
        f.knee_deg = 10.0 + i * 0.25;
        for (int k = 0; k < 3; k++) {
            f.thigh_accel[k] = 9.80665 * (k == 1) + 0.001 * i;
            f.thigh_gyro[k] = -0.01 * i * (k + 1);
            f.shank_accel[k] = -3.5 + k;
            f.shank_gyro[k] = 1e-4 * i;
        }
        g_assert_true(kn_recording_writer_write(w, &f, &error));
    }
    g_assert_true(kn_recording_writer_close(w, &error));
    g_assert_no_error(error);

    r = kn_recording_reader_open(path, &error);
    g_assert_no_error(error);
    g_assert_cmpfloat(kn_recording_reader_meta(r)->rate_hz, ==, 200);
    g_assert_cmpint(kn_recording_reader_meta(r)->side, ==, KN_SIDE_LEFT);
    g_assert_cmpstr(kn_recording_reader_meta(r)->source, ==, "unit-test");
    g_assert_cmpuint(kn_recording_reader_columns(r), ==, KN_HAS_ALL);
    for (int i = 0; i < 100; i++) {
        g_assert_true(kn_recording_reader_next(r, &g, &error));
        g_assert_no_error(error);
        g_assert_cmpfloat_with_epsilon(g.t_s, i * 0.005, 1e-9);
        g_assert_cmpuint(g.present, ==, (i % 10 == 3) ? KN_HAS_THIGH_IMU | KN_HAS_SHANK_IMU : KN_HAS_ALL);
        if (g.present & KN_HAS_FLEX)
            g_assert_cmpfloat_with_epsilon(g.knee_deg, 10.0 + i * 0.25, 1e-6);
        g_assert_cmpfloat_with_epsilon(g.thigh_gyro[2], -0.03 * i, 1e-6);
        g_assert_cmpfloat_with_epsilon(g.shank_accel[0], -3.5, 1e-6);
    }
    g_assert_false(kn_recording_reader_next(r, &g, &error));
    g_assert_no_error(error);
    g_unlink(path);
}

static void test_subset_and_unknown_columns(void)
{
    g_autoptr(GError) error = NULL;
    g_autofree char *path = write_tmp(
        "# kneed-recording v1\n"
        "# rate_hz=100\n"
        "# a free comment, with = inside it\n"
        "# source=test\n"
        "# subject=S1\n"
        "t_s,battery,shank_ax,shank_ay,shank_az\n"
        "0.00,99,0.1,9.8,0.2\n"
        "# a comment among the rows\n"
        "0.01,98,,,\n"
        "\n"
        "0.02,97,0.3,9.7,-0.1\r\n");
    g_autoptr(KnRecordingReader) r = kn_recording_reader_open(path, &error);
    struct kn_frame f;

    g_assert_no_error(error);
    g_assert_cmpuint(kn_recording_reader_columns(r), ==, KN_HAS_SHANK_ACCEL);
    g_assert_cmpstr(g_hash_table_lookup(kn_recording_reader_meta(r)->extra, "subject"), ==, "S1");
    g_assert_true(kn_recording_reader_next(r, &f, &error));
    g_assert_cmpuint(f.present, ==, KN_HAS_SHANK_ACCEL);
    g_assert_cmpfloat(f.shank_accel[1], ==, 9.8);
    g_assert_true(kn_recording_reader_next(r, &f, &error));
    g_assert_cmpuint(f.present, ==, 0);
    g_assert_true(kn_recording_reader_next(r, &f, &error));
    g_assert_cmpfloat(f.shank_accel[2], ==, -0.1);
    g_assert_cmpuint(kn_recording_reader_line(r), ==, 11);
    g_assert_false(kn_recording_reader_next(r, &f, &error));
    g_assert_no_error(error);
    g_unlink(path);
}

struct bad_case {
    const char *name;
    const char *text;
    gboolean fails_on_open;
    const char *expect;   /* substring of the message after "FILE:" */
};

static const struct bad_case bad_cases[] = {
    { "no-magic", "t_s,knee_deg\n0,1\n", TRUE, ":1: not a kneed recording" },
    { "empty", "", TRUE, ":1: not a kneed recording" },
    { "no-header", "# kneed-recording v1\n# rate_hz=100\n", TRUE, "no header line" },
    { "no-t_s", "# kneed-recording v1\nknee_deg,thigh_ax\n1,2\n", TRUE, ":2: header has no t_s column" },
    { "dup-column", "# kneed-recording v1\nt_s,knee_deg,knee_deg\n", TRUE, ":2: column 3 (knee_deg): named twice" },
    { "partial-group", "# kneed-recording v1\nt_s,thigh_ax,thigh_ay\n", TRUE, "no thigh_az column" },
    { "bad-rate", "# kneed-recording v1\n# rate_hz=fast\nt_s\n", TRUE, ":2: metadata rate_hz" },
    { "bad-side", "# kneed-recording v1\n# side=middle\nt_s\n", TRUE, ":2: metadata side" },
    { "not-a-number", "# kneed-recording v1\nt_s,knee_deg\n0,1\n0.01,abc\n", FALSE,
      ":4: column 2 (knee_deg): not a number: 'abc'" },
    { "trailing-junk", "# kneed-recording v1\nt_s,knee_deg\n0,1.5x\n", FALSE,
      ":3: column 2 (knee_deg): not a number: '1.5x'" },
    { "nan", "# kneed-recording v1\nt_s,knee_deg\n0,nan\n", FALSE, ":3: column 2 (knee_deg): not a number" },
    { "empty-time", "# kneed-recording v1\nt_s,knee_deg\n,1\n", FALSE, ":3: column 1 (t_s): empty time" },
    { "backwards", "# kneed-recording v1\nt_s,knee_deg\n0.02,1\n0.01,1\n", FALSE,
      ":4: column 1 (t_s): time 0.010000 does not increase" },
    { "repeated-time", "# kneed-recording v1\nt_s,knee_deg\n0.02,1\n0.02,1\n", FALSE,
      ":4: column 1 (t_s): time 0.020000 does not increase" },
    { "absurd-knee", "# kneed-recording v1\nt_s,knee_deg\n0,720\n", FALSE,
      ":3: column 2 (knee_deg): 720 is outside" },
    { "absurd-accel", "# kneed-recording v1\nt_s,shank_ax,shank_ay,shank_az\n0,1,1e6,1\n", FALSE,
      ":3: column 3 (shank_ay): 1e6 is outside" },
    { "absurd-gyro", "# kneed-recording v1\nt_s,thigh_gx,thigh_gy,thigh_gz\n0,0,0,-300\n", FALSE,
      ":3: column 4 (thigh_gz): -300 is outside" },
    { "too-many-fields", "# kneed-recording v1\nt_s,knee_deg\n0,1,2\n", FALSE, ":3: more fields than the 2 columns" },
    { "too-few-fields", "# kneed-recording v1\nt_s,knee_deg,thigh_ax,thigh_ay,thigh_az\n0,1\n", FALSE,
      ":3: 2 fields, the header has 5" },
    { "half-empty-group", "# kneed-recording v1\nt_s,thigh_ax,thigh_ay,thigh_az\n0,1,,3\n", FALSE,
      ":3: a sensor group is partly empty" },
    { "nul-byte", "# kneed-recording v1\nt_s\n0\n\0001\n", FALSE, "binary data" },
};

static void test_bad_input(gconstpointer data)
{
    const struct bad_case *bc = data;
    g_autoptr(GError) error = NULL;
    g_autofree char *path = NULL;
    g_autoptr(KnRecordingReader) r = NULL;
    struct kn_frame f;
    gsize len = strlen(bc->text);
    int fd;

    /* the NUL case needs an explicit length */
    if (g_str_equal(bc->name, "nul-byte"))
        len = sizeof("# kneed-recording v1\nt_s\n0\n\0001\n") - 1;
    fd = g_file_open_tmp("kneed-bad-XXXXXX.csv", &path, &error);
    g_assert_no_error(error);
    close(fd);
    g_file_set_contents(path, bc->text, (gssize) len, &error);
    g_assert_no_error(error);

    r = kn_recording_reader_open(path, &error);
    if (bc->fails_on_open) {
        g_assert_null(r);
    } else {
        g_assert_no_error(error);
        g_assert_nonnull(r);
        while (kn_recording_reader_next(r, &f, &error))
            ;
    }
    g_assert_nonnull(error);
    g_test_message("%s", error->message);
    g_assert_true(g_str_has_prefix(error->message, path));
    if (!strstr(error->message, bc->expect))
        g_error("message '%s' lacks '%s'", error->message, bc->expect);
    g_unlink(path);
}

/* A line with no end (a file without newlines, /dev/zero) stops at the
 * bound instead of growing the buffer with the file. */
static void test_line_too_long(void)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(GString) text = g_string_new("# kneed-recording v1\nt_s,knee_deg\n0,1\n");
    g_autoptr(KnRecordingReader) r = NULL;
    struct kn_frame f;
    FILE *fp;

    g_string_append(text, "0.01,");
    while (text->len < 3 * KN_RECORDING_LINE_MAX)
        g_string_append_c(text, '1');
    fp = fmemopen(text->str, text->len, "r");
    r = kn_recording_reader_new_for_stream(fp, "long.csv", &error);
    g_assert_no_error(error);
    g_assert_true(kn_recording_reader_next(r, &f, &error));
    g_assert_false(kn_recording_reader_next(r, &f, &error));
    g_assert_error(error, KN_RECORDING_ERROR, KN_RECORDING_ERROR_FORMAT);
    g_assert_cmpstr(error->message, ==, "long.csv:4: line longer than 65536 bytes");
    g_clear_pointer(&r, kn_recording_reader_free);
    fclose(fp);

    /* exactly at the bound is still a line */
    g_string_assign(text, "# kneed-recording v1\n");
    g_string_append(text, "t_s");
    while (text->len < strlen("# kneed-recording v1\n") + KN_RECORDING_LINE_MAX)
        g_string_append_c(text, ' ');
    g_string_append(text, "\n0\n");
    fp = fmemopen(text->str, text->len, "r");
    g_clear_error(&error);
    r = kn_recording_reader_new_for_stream(fp, "edge.csv", &error);
    g_assert_no_error(error);
    g_assert_true(kn_recording_reader_next(r, &f, &error));
    g_clear_pointer(&r, kn_recording_reader_free);
    fclose(fp);
}

static void test_missing_file(void)
{
    g_autoptr(GError) error = NULL;
    KnRecordingReader *r = kn_recording_reader_open("/nonexistent/run.csv", &error);

    g_assert_null(r);
    g_assert_error(error, G_FILE_ERROR, G_FILE_ERROR_NOENT);
    g_assert_nonnull(strstr(error->message, "/nonexistent/run.csv"));
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/recording/round-trip", test_round_trip);
    g_test_add_func("/recording/subset-and-unknown-columns", test_subset_and_unknown_columns);
    g_test_add_func("/recording/missing-file", test_missing_file);
    g_test_add_func("/recording/line-too-long", test_line_too_long);
    for (size_t i = 0; i < G_N_ELEMENTS(bad_cases); i++) {
        g_autofree char *name = g_strdup_printf("/recording/bad/%s", bad_cases[i].name);

        g_test_add_data_func(name, &bad_cases[i], test_bad_input);
    }
    return g_test_run();
}
