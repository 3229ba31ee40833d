/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The frame stream's bytes (docs/dbus-api.md, OpenFrameStream) against
 * tables written from the documentation.  The stream itself, end to end,
 * is tested with the real kneed in tests/test-iio-daemon.py. */
#include <glib.h>
#include <math.h>
#include <string.h>

#include "daemon/frame-stream.h"

static void test_header(void)
{
    static const guint8 want[16] = {
        'K', 'N', 'F', 'S', 0x01, 0x00, 0x80, 0x00, 0x1f, 0x00, 0x00, 0x00, 0, 0, 0, 0,
    };
    guint8 h[16];

    kn_frame_stream_encode_header(h, KN_HAS_ALL);
    g_assert_cmpmem(h, sizeof(h), want, sizeof(want));
}

static void test_record(void)
{
    /* t = 1.5 (0x3FF8000000000000), flex + thigh accel present, 3
     * dropped before, knee 12.25 (0x4028800000000000), thigh accel
     * (1, -2, 9.5), sample at 123456789 us; the rest NaN. */
    struct kn_frame f = {
        .t_s = 1.5, .present = KN_HAS_FLEX | KN_HAS_THIGH_ACCEL, .knee_deg = 12.25,
        .thigh_accel = { 1, -2, 9.5 }, .thigh_gyro = { 7, 7, 7 },
    };
    static const guint8 head[24] = {
        0, 0, 0, 0, 0, 0, 0xf8, 0x3f,            /* t_s */
        0x03, 0, 0, 0,                           /* present */
        0x03, 0, 0, 0,                           /* dropped before */
        0, 0, 0, 0, 0, 0x80, 0x28, 0x40,         /* knee */
    };
    static const guint8 accel[24] = {
        0, 0, 0, 0, 0, 0, 0xf0, 0x3f,            /* 1 */
        0, 0, 0, 0, 0, 0, 0x00, 0xc0,            /* -2 */
        0, 0, 0, 0, 0, 0, 0x23, 0x40,            /* 9.5 */
    };
    static const guint8 mono[8] = { 0x15, 0xcd, 0x5b, 0x07, 0, 0, 0, 0 };
    guint8 rec[KN_FRAME_STREAM_RECORD_SIZE];
    struct kn_frame back;
    guint32 dropped;
    gint64 us;

    kn_frame_stream_encode(rec, &f, 3, 123456789);
    g_assert_cmpmem(rec, 24, head, sizeof(head));
    g_assert_cmpmem(rec + 24, 24, accel, sizeof(accel));
    g_assert_cmpmem(rec + 120, 8, mono, sizeof(mono));
    /* Absent groups are NaN, whatever the frame held. */
    for (int off = 48; off < 120; off += 8) {
        double d;

        memcpy(&d, rec + off, 8);
        g_assert_true(isnan(d));
    }
    g_assert_true(kn_frame_stream_decode(rec, &back, &dropped, &us));
    g_assert_cmpfloat(back.t_s, ==, 1.5);
    g_assert_cmphex(back.present, ==, f.present);
    g_assert_cmpfloat(back.knee_deg, ==, 12.25);
    g_assert_cmpfloat(back.thigh_accel[2], ==, 9.5);
    g_assert_cmpuint(dropped, ==, 3);
    g_assert_cmpint(us, ==, 123456789);
    /* Not a record: bad present bits, a time that is not a number. */
    rec[8] = 0x20;
    g_assert_false(kn_frame_stream_decode(rec, &back, NULL, NULL));
    kn_frame_stream_encode(rec, &f, 0, 0);
    memset(rec, 0xff, 8);
    g_assert_false(kn_frame_stream_decode(rec, &back, NULL, NULL));
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/frame-stream/header", test_header);
    g_test_add_func("/frame-stream/record", test_record);
    return g_test_run();
}
