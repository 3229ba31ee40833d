/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The pure IIO helpers against byte tables: scan types as the kernel
 * writes them (bmi160, lsm6dsx, mpu6050, ads1015/ads1115, repeat), the
 * kernel's scan layout, decoding of every byte order / sign / shift,
 * scale and offset; mount matrices; *_available lists; the flexion
 * sensor's calibration table.  Links only these modules. */
#include <errno.h>
#include <glib.h>
#include <math.h>
#include <string.h>

#include "drivers/flex-cal.h"
#include "drivers/iio-attr.h"
#include "drivers/iio-scan.h"

static void test_type_parse(void)
{
    static const struct {
        const char *text;
        int r;
        gboolean be, is_signed;
        unsigned bits, storage, shift, repeat;
    } cases[] = {
        { "le:s16/16>>0", 0, FALSE, TRUE, 16, 16, 0, 1 },      /* bmi160, lsm6dsx */
        { "be:s16/16>>0\n", 0, TRUE, TRUE, 16, 16, 0, 1 },     /* mpu6050 */
        { "le:s12/16>>4", 0, FALSE, TRUE, 12, 16, 4, 1 },      /* ads1015 */
        { "le:s64/64>>0", 0, FALSE, TRUE, 64, 64, 0, 1 },      /* timestamp */
        { "be:u12/16X2>>4", 0, TRUE, FALSE, 12, 16, 4, 2 },    /* repeat */
        { "le:S16/16>>0", 0, FALSE, TRUE, 16, 16, 0, 1 },      /* "fully defined" */
        { "le:U8/8>>0", 0, FALSE, FALSE, 8, 8, 0, 1 },
        { "me:s16/16>>0", -EINVAL },
        { "le:x16/16>>0", -EINVAL },
        { "le:s16/24>>0", -EINVAL },                            /* storage */
        { "le:s0/16>>0", -EINVAL },
        { "le:s16/16>>1", -EINVAL },                            /* bits + shift > storage */
        { "le:s16/16", -EINVAL },
        { "le:s16/16>>0 junk", -EINVAL },
        { "le:s16/16X0>>0", -EINVAL },
        { "", -EINVAL },
    };

    for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
        struct kn_iio_scan_type t;
        int r = kn_iio_scan_type_parse(cases[i].text, &t);

        g_test_message("%s", cases[i].text);
        g_assert_cmpint(r, ==, cases[i].r);
        if (r < 0)
            continue;
        g_assert_cmpint(t.be, ==, cases[i].be);
        g_assert_cmpint(t.is_signed, ==, cases[i].is_signed);
        g_assert_cmpuint(t.bits, ==, cases[i].bits);
        g_assert_cmpuint(t.storage, ==, cases[i].storage);
        g_assert_cmpuint(t.shift, ==, cases[i].shift);
        g_assert_cmpuint(t.repeat, ==, cases[i].repeat);
    }
    g_assert_cmpint(kn_iio_scan_type_parse(NULL, NULL), ==, -EINVAL);
}

static struct kn_iio_scan_elem elem(long index, const char *type)
{
    struct kn_iio_scan_elem e = { .index = index };

    g_assert_cmpint(kn_iio_scan_type_parse(type, &e.type), ==, 0);
    return e;
}

static void test_layout(void)
{
    /* bmi160 with accel + gyro + timestamp enabled: gyro (4..6) first,
     * accel (7..9), timestamp (10) aligned to 8: 12 bytes -> 16, +8. */
    struct kn_iio_scan_elem bmi[7] = {
        elem(7, "le:s16/16>>0"), elem(8, "le:s16/16>>0"), elem(9, "le:s16/16>>0"),
        elem(4, "le:s16/16>>0"), elem(5, "le:s16/16>>0"), elem(6, "le:s16/16>>0"),
        elem(10, "le:s64/64>>0"),
    };
    static const size_t bmi_offsets[7] = { 6, 8, 10, 0, 2, 4, 16 };
    /* ads1015, one channel + timestamp. */
    struct kn_iio_scan_elem ads[2] = { elem(4, "le:s12/16>>4"), elem(8, "le:s64/64>>0") };
    /* Padding at the end to the largest element: s32 then s16. */
    struct kn_iio_scan_elem pad[2] = { elem(0, "le:s32/32>>0"), elem(1, "le:s16/16>>0") };
    /* Small then big: s8 then s32 goes to offset 4. */
    struct kn_iio_scan_elem gap[2] = { elem(0, "le:u8/8>>0"), elem(3, "le:s32/32>>0") };
    struct kn_iio_scan_elem dup[2] = { elem(1, "le:s16/16>>0"), elem(1, "le:s16/16>>0") };
    size_t size;

    g_assert_cmpint(kn_iio_scan_layout(bmi, 7, &size), ==, 0);
    g_assert_cmpuint(size, ==, 24);
    for (int i = 0; i < 7; i++)
        g_assert_cmpuint(bmi[i].offset, ==, bmi_offsets[i]);
    g_assert_cmpint(kn_iio_scan_layout(ads, 2, &size), ==, 0);
    g_assert_cmpuint(size, ==, 16);
    g_assert_cmpuint(ads[0].offset, ==, 0);
    g_assert_cmpuint(ads[1].offset, ==, 8);
    g_assert_cmpint(kn_iio_scan_layout(pad, 2, &size), ==, 0);
    g_assert_cmpuint(size, ==, 8);
    g_assert_cmpuint(pad[1].offset, ==, 4);
    g_assert_cmpint(kn_iio_scan_layout(gap, 2, &size), ==, 0);
    g_assert_cmpuint(gap[1].offset, ==, 4);
    g_assert_cmpuint(size, ==, 8);
    g_assert_cmpint(kn_iio_scan_layout(dup, 2, &size), ==, -EINVAL);
    g_assert_cmpint(kn_iio_scan_layout(dup, 0, &size), ==, -EINVAL);
}

static void test_decode(void)
{
    static const struct {
        const char *type;
        guint8 bytes[8];
        gint64 raw;
    } cases[] = {
        { "le:s16/16>>0", { 0x34, 0x12 }, 0x1234 },
        { "le:s16/16>>0", { 0x00, 0x80 }, -32768 },
        { "le:s16/16>>0", { 0xff, 0xff }, -1 },
        { "be:s16/16>>0", { 0x12, 0x34 }, 0x1234 },               /* mpu6050 */
        { "be:s16/16>>0", { 0xff, 0x00 }, -256 },
        { "le:u16/16>>0", { 0xff, 0xff }, 65535 },
        /* ads1015: 12 bits in the top of 16, little-endian on a LE CPU:
         * 0x1230 >> 4 = 0x123 = 291; 0xf070 >> 4 = 0xf07 -> -249. */
        { "le:s12/16>>4", { 0x30, 0x12 }, 291 },
        { "le:s12/16>>4", { 0x70, 0xf0 }, -249 },
        { "le:s12/16>>4", { 0x3f, 0x12 }, 291 },                  /* low bits ignored */
        { "be:u12/16>>4", { 0xff, 0xf0 }, 0xfff },
        { "le:s16/16>>0", { 0x00, 0x40 }, 16384 },                /* ads1115 */
        { "le:u8/8>>0", { 0xfe }, 254 },
        { "le:s8/8>>0", { 0xfe }, -2 },
        { "le:s24/32>>8", { 0x00, 0x56, 0x34, 0x92 }, (gint64) 0x923456 - 0x1000000 },
        { "le:s64/64>>0", { 0x00, 0x10, 0xa5, 0xd4, 0xe8, 0x00, 0x00, 0x00 },
          G_GINT64_CONSTANT(1000000000000) },
        { "be:s64/64>>0", { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xfe }, -2 },
    };

    for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
        struct kn_iio_scan_elem e = elem(0, cases[i].type);
        guint8 back[8] = { 0 };

        g_test_message("%s case %zu", cases[i].type, i);
        g_assert_cmpint(kn_iio_scan_decode(cases[i].bytes, &e, 0), ==, cases[i].raw);
        /* Encoding gives the same bytes, apart from bits below the shift. */
        kn_iio_scan_encode(back, &e, 0, cases[i].raw);
        g_assert_cmpint(kn_iio_scan_decode(back, &e, 0), ==, cases[i].raw);
    }
}

static void test_decode_scan(void)
{
    /* One bmi160 scan as the kernel pushes it: gyro x,y,z, accel x,y,z
     * (LE), 4 pad bytes, the timestamp. */
    static const guint8 scan[24] = {
        0x01, 0x00, 0xfe, 0xff, 0x00, 0x10,
        0x64, 0x00, 0x9c, 0xff, 0x00, 0x08,
        0, 0, 0, 0,
        0x00, 0xca, 0x9a, 0x3b, 0x00, 0x00, 0x00, 0x00,
    };
    struct kn_iio_scan_elem e[7] = {
        elem(4, "le:s16/16>>0"), elem(5, "le:s16/16>>0"), elem(6, "le:s16/16>>0"),
        elem(7, "le:s16/16>>0"), elem(8, "le:s16/16>>0"), elem(9, "le:s16/16>>0"),
        elem(10, "le:s64/64>>0"),
    };
    static const gint64 want[7] = { 1, -2, 4096, 100, -100, 2048, 1000000000 };
    struct kn_iio_scan_elem rep = elem(0, "be:s16/16X3>>0");
    static const guint8 rep_bytes[6] = { 0x00, 0x01, 0xff, 0xff, 0x7f, 0xff };
    size_t size;

    g_assert_cmpint(kn_iio_scan_layout(e, 7, &size), ==, 0);
    for (int i = 0; i < 7; i++)
        g_assert_cmpint(kn_iio_scan_decode(scan, &e[i], 0), ==, want[i]);
    /* accel x: (100 + 0) * 0.004788 m/s^2; an offset adds before scaling. */
    g_assert_cmpfloat_with_epsilon(kn_iio_scan_value(100, 0, 0.004788), 0.4788, 1e-12);
    g_assert_cmpfloat_with_epsilon(kn_iio_scan_value(100, -20, 0.5), 40.0, 1e-12);
    g_assert_cmpuint(kn_iio_scan_type_size(&rep.type), ==, 6);
    g_assert_cmpint(kn_iio_scan_decode(rep_bytes, &rep, 0), ==, 1);
    g_assert_cmpint(kn_iio_scan_decode(rep_bytes, &rep, 1), ==, -1);
    g_assert_cmpint(kn_iio_scan_decode(rep_bytes, &rep, 2), ==, 32767);
}

static void test_mount_matrix(void)
{
    KnMountMatrix m;
    double v[3] = { 1, 2, 3 }, out[3];
    g_autofree char *text = NULL;

    /* The kernel's identity, as bmi160 prints it without a device tree. */
    g_assert_cmpint(kn_mount_matrix_parse("1, 0, 0; 0, 1, 0; 0, 0, 1\n", &m), ==, 0);
    g_assert_true(kn_mount_matrix_is_identity(&m));
    /* A chip turned 90 degrees about z: its y is the segment's x. */
    g_assert_cmpint(kn_mount_matrix_parse("0, 1, 0; -1, 0, 0; 0, 0, 1", &m), ==, 0);
    kn_mount_matrix_apply(&m, v, out);
    g_assert_cmpfloat(out[0], ==, 2);
    g_assert_cmpfloat(out[1], ==, -1);
    g_assert_cmpfloat(out[2], ==, 3);
    kn_mount_matrix_apply(&m, v, v);      /* in place */
    g_assert_cmpfloat(v[0], ==, 2);
    g_assert_cmpfloat(v[1], ==, -1);
    text = kn_mount_matrix_to_string(&m);
    g_assert_cmpstr(text, ==, "0, 1, 0; -1, 0, 0; 0, 0, 1");
    /* A small tilt, written with decimals. */
    g_assert_cmpint(kn_mount_matrix_parse("0.8660254, -0.5, 0; 0.5, 0.8660254, 0; 0, 0, 1", &m),
                    ==, 0);
    g_assert_cmpint(kn_mount_matrix_parse("1, 0, 0; 0, 1, 0; 0, 0, -1", &m), ==, -EDOM);
    g_assert_cmpint(kn_mount_matrix_parse("2, 0, 0; 0, 1, 0; 0, 0, 1", &m), ==, -EDOM);
    g_assert_cmpint(kn_mount_matrix_parse("1, 1, 0; 0, 1, 0; 0, 0, 1", &m), ==, -EDOM);
    g_assert_cmpint(kn_mount_matrix_parse("1, 0, 0; 0, 1, 0", &m), ==, -EINVAL);
    g_assert_cmpint(kn_mount_matrix_parse("1, 0; 0, 1, 0; 0, 0, 1", &m), ==, -EINVAL);
    g_assert_cmpint(kn_mount_matrix_parse("1, 0, x; 0, 1, 0; 0, 0, 1", &m), ==, -EINVAL);
    g_assert_cmpint(kn_mount_matrix_parse("1, 0, nan; 0, 1, 0; 0, 0, 1", &m), ==, -EINVAL);
    g_assert_cmpint(kn_mount_matrix_parse(NULL, &m), ==, -EINVAL);
}

static void test_pick_nearest(void)
{
    static const struct {
        const char *available;
        double wanted, got;
    } cases[] = {
        /* bmi160 accel: 1 kHz is nearer 800 than 1600. */
        { "0.78125 1.5625 3.125 6.25 12.5 25 50 100 200 400 800 1600", 1000, 800 },
        { "25 50 100 200 400 800 1600 3200\n", 1300, 1600 },
        /* lsm6dsx prints milli-Hz with three decimals. */
        { "12.500 26.000 52.000 104.000 208.000 416.000 833.000", 1000, 833 },
        /* mpu6050 */
        { "10 20 50 100 200 500", 1000, 500 },
        /* ads1015 and ads1115 data rates */
        { "128 250 490 920 1600 2400 3300", 250, 250 },
        { "8 16 32 64 128 250 475 860", 300, 250 },
        /* a tie goes up */
        { "100 200", 150, 200 },
        /* ranges */
        { "[1 1 100]", 42.4, 42 },
        { "[10 5 100]", 1000, 100 },
        { "[10 5 100]", 1, 10 },
        { "[0.5 0 2]", 1.25, 1.25 },
    };
    double v;

    for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
        g_assert_cmpint(kn_iio_pick_nearest(cases[i].available, cases[i].wanted, &v), ==, 0);
        g_assert_cmpfloat_with_epsilon(v, cases[i].got, 1e-9);
    }
    g_assert_cmpint(kn_iio_pick_nearest("", 100, &v), ==, -EINVAL);
    g_assert_cmpint(kn_iio_pick_nearest("fast slow", 100, &v), ==, -EINVAL);
    g_assert_cmpint(kn_iio_pick_nearest("[1 2]", 100, &v), ==, -EINVAL);
    g_assert_cmpint(kn_iio_pick_nearest(NULL, 100, &v), ==, -EINVAL);
}

static void test_flex_cal(void)
{
    static const struct {
        const char *text;
        const char *error;          /* substring of the message, NULL: valid */
    } cases[] = {
        { "1200:0, 2400:90", NULL },
        { "2400:90, 1200:0", NULL },                 /* any order */
        { "2400:0, 1200:90", NULL },                 /* raw falling with flexion */
        { "100:-5, 900:0, 1500:45, 2000:120", NULL },
        { "1200:0", "at least two points" },
        { "", "at least two points" },
        { "1200:0, 1200:90", "given twice" },
        { "1200:0, 1205:90", "changed by only 5" },
        { "1200:0, 2400:10", "span only 10" },
        { "1200:0, 2400:0", "monotonic" },
        { "100:0, 900:50, 1500:40, 2000:120", "monotonic" },
        { "1200:0, 2400:300", "not a knee angle" },
        { "1200:0; 2400:90", "not RAW:DEG" },
        { "1200=0, 2400=90", "not RAW:DEG" },
        { "abc:0, 2400:90", "not RAW:DEG" },
        { "1:0,2:10,3:20,4:30,5:40,6:50,7:60,8:70,9:80,10:90,11:100,12:110,13:120,14:130,"
          "15:140,16:150,17:160", "at most 16" },
    };
    KnFlexCal cal;
    char msg[256];
    g_autofree char *text = NULL;

    for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
        int r = kn_flex_cal_parse(cases[i].text, &cal, msg, sizeof(msg));

        g_test_message("'%s' -> %d %s", cases[i].text, r, r < 0 ? msg : "");
        if (!cases[i].error) {
            g_assert_cmpint(r, ==, 0);
            continue;
        }
        g_assert_cmpint(r, ==, -EINVAL);
        g_assert_nonnull(strstr(msg, cases[i].error));
    }
    g_assert_cmpint(kn_flex_cal_parse("2400:90, 1200:0", &cal, msg, sizeof(msg)), ==, 0);
    g_assert_cmpfloat_with_epsilon(kn_flex_cal_apply(&cal, 1200), 0, 1e-12);
    g_assert_cmpfloat_with_epsilon(kn_flex_cal_apply(&cal, 1800), 45, 1e-12);
    g_assert_cmpfloat_with_epsilon(kn_flex_cal_apply(&cal, 1100), -7.5, 1e-12);   /* extended */
    g_assert_cmpfloat_with_epsilon(kn_flex_cal_apply(&cal, 2600), 105, 1e-12);
    text = kn_flex_cal_to_string(&cal);
    g_assert_cmpstr(text, ==, "1200:0, 2400:90");
    g_assert_cmpint(kn_flex_cal_parse("100:-5, 900:0, 1500:45, 2000:120", &cal, msg, sizeof(msg)),
                    ==, 0);
    g_assert_cmpfloat_with_epsilon(kn_flex_cal_apply(&cal, 500), -2.5, 1e-12);
    g_assert_cmpfloat_with_epsilon(kn_flex_cal_apply(&cal, 1200), 22.5, 1e-12);
    g_assert_cmpfloat_with_epsilon(kn_flex_cal_apply(&cal, 1750), 82.5, 1e-12);
    g_assert_cmpfloat_with_epsilon(kn_flex_cal_apply(&cal, 2100), 135, 1e-12);
    g_assert_cmpfloat_with_epsilon(kn_flex_cal_apply(&cal, 0), -5.625, 1e-12);
    memset(&cal, 0, sizeof(cal));
    g_assert_true(isnan(kn_flex_cal_apply(&cal, 1000)));
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/iio/scan/type", test_type_parse);
    g_test_add_func("/iio/scan/layout", test_layout);
    g_test_add_func("/iio/scan/decode", test_decode);
    g_test_add_func("/iio/scan/decode-scan", test_decode_scan);
    g_test_add_func("/iio/attr/mount-matrix", test_mount_matrix);
    g_test_add_func("/iio/attr/pick-nearest", test_pick_nearest);
    g_test_add_func("/iio/flex-cal", test_flex_cal);
    return g_test_run();
}
