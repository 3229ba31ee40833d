/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * GATT values against byte tables.  The examples of docs/gatt.md appear
 * here byte for byte, so the document and the code cannot drift apart.
 */
#include <errno.h>
#include <math.h>
#include <string.h>

#include <glib.h>

#include "daemon/ble/shared/gatt-codec.h"

#define HEX_MAX 80

/* "01 3d 71" -> bytes; returns the length. */
static size_t unhex(const char *hex, uint8_t *out)
{
    size_t n = 0;

    while (*hex) {
        if (*hex == ' ') {
            hex++;
            continue;
        }
        g_assert_true(g_ascii_isxdigit(hex[0]) && g_ascii_isxdigit(hex[1]));
        g_assert_cmpuint(n, <, HEX_MAX);
        out[n++] = (uint8_t) (g_ascii_xdigit_value(hex[0]) << 4 | g_ascii_xdigit_value(hex[1]));
        hex += 2;
    }
    return n;
}

static void assert_bytes(const uint8_t *got, int got_len, const char *want_hex)
{
    uint8_t want[HEX_MAX];
    size_t want_len = unhex(want_hex, want);

    g_assert_cmpint(got_len, >=, 0);
    g_assert_cmpmem(got, (size_t) got_len, want, want_len);
}

static void assert_close(double got, double want, double tol)
{
    if (isnan(want)) {
        g_assert_true(isnan(got));
        return;
    }
    g_assert_cmpfloat_with_epsilon(got, want, tol);
}

/* ---- Live Metrics ---- */

static void doc_live(struct kn_gatt_live *v)
{
    kn_gatt_live_clear(v);
    v->activity = KN_ACTIVITY_RUNNING;
    v->session_active = true;
    v->knee_deg = 62.5;
    v->cadence_spm = 172.4;
    v->strides = 1234;
    v->has_stride = true;
    v->ic_flex_deg = 18.3;
    v->stance_peak_flex_deg = 41.0;
    v->swing_peak_flex_deg = 95.2;
    v->rom_deg = 96.7;
    v->contact_s = 0.232;
    v->impact_g = 8.7;
}

static void test_live_compact_matches_doc_example(void)
{
    struct kn_gatt_live v;
    uint8_t buf[64];

    doc_live(&v);
    assert_bytes(buf, kn_gatt_live_pack(&v, KN_GATT_LIVE_COMPACT, buf, sizeof(buf)),
                 "01 3d 71 02 bc 06 d2 04 00 b7 00 9a 01 b8 03 c7 03 e8 00 57");
}

static void test_live_extended_appends_fields(void)
{
    struct kn_gatt_live v;
    uint8_t buf[64];

    doc_live(&v);
    v.in_stance = true;
    v.calibrating = true;
    v.min_flex_deg = -1.5;
    v.stride_s = 0.698;
    v.stride_cv_pct = 2.3;
    v.knee_speed_dps = -412.4;
    v.baseline_rom_deg = 100.0;
    v.zero_offset_deg = 1.2;
    v.t_s = 3600.001;
    assert_bytes(buf, kn_gatt_live_pack(&v, KN_GATT_LIVE_EXTENDED, buf, sizeof(buf)),
                 "01 7f 71 02 bc 06 d2 04 00 b7 00 9a 01 b8 03 c7 03 e8 00 57"
                 " f1 ff ba 02 17 00 64 fe e8 03 0c 00 81 ee 36 00");
}

static void test_live_unknown_values_use_sentinels(void)
{
    struct kn_gatt_live v;
    uint8_t buf[64];

    kn_gatt_live_clear(&v);
    /* Latest-stride fields are ignored without has_stride. */
    v.ic_flex_deg = 12;
    assert_bytes(buf, kn_gatt_live_pack(&v, KN_GATT_LIVE_EXTENDED, buf, sizeof(buf)),
                 "01 00 00 80 00 00 00 00 00 00 80 00 80 00 80 ff ff ff ff ff"
                 " 00 80 ff ff ff ff 00 80 ff ff 00 80 00 00 00 00");
}

static void test_live_saturates_without_hitting_sentinels(void)
{
    struct kn_gatt_live v;
    uint8_t buf[64];

    kn_gatt_live_clear(&v);
    v.knee_deg = -5000;
    v.cadence_spm = 1e9;
    v.strides = 0x1000000;
    v.has_stride = true;
    v.ic_flex_deg = 5000;
    v.stance_peak_flex_deg = -3276.75;
    v.swing_peak_flex_deg = 0.04;
    v.rom_deg = 1e6;
    v.contact_s = -1;
    v.impact_g = 99;
    assert_bytes(buf, kn_gatt_live_pack(&v, KN_GATT_LIVE_COMPACT, buf, sizeof(buf)),
                 "01 11 01 80 ff ff ff ff ff ff 7f 01 80 00 00 fe ff 00 00 fe");
}

static void test_live_roundtrip_and_tolerant_unpack(void)
{
    struct kn_gatt_live v, back;
    uint8_t buf[64];
    int n;

    doc_live(&v);
    v.stride_s = 0.7;
    v.t_s = 12.345;
    n = kn_gatt_live_pack(&v, KN_GATT_LIVE_EXTENDED, buf, sizeof(buf));
    g_assert_cmpint(n, ==, KN_GATT_LIVE_EXTENDED_LEN);
    /* Trailing bytes of a future version are ignored. */
    buf[n] = 0xaa;
    g_assert_cmpint(kn_gatt_live_unpack(buf, n + 1, &back), ==, KN_GATT_LIVE_EXTENDED_LEN);
    g_assert_true(back.activity == KN_ACTIVITY_RUNNING);
    g_assert_true(back.session_active && back.has_stride && !back.in_stance);
    assert_close(back.knee_deg, 62.5, 1e-9);
    assert_close(back.cadence_spm, 172.4, 1e-9);
    g_assert_cmpuint(back.strides, ==, 1234);
    assert_close(back.contact_s, 0.232, 1e-9);
    assert_close(back.impact_g, 8.7, 1e-9);
    assert_close(back.stride_s, 0.7, 1e-9);
    assert_close(back.min_flex_deg, NAN, 0);
    assert_close(back.t_s, 12.345, 1e-9);

    /* Compact only: extended fields are unknown. */
    g_assert_cmpint(kn_gatt_live_unpack(buf, KN_GATT_LIVE_COMPACT_LEN, &back), ==,
                    KN_GATT_LIVE_COMPACT_LEN);
    assert_close(back.stride_s, NAN, 0);
    assert_close(back.rom_deg, 96.7, 1e-9);

    g_assert_cmpint(kn_gatt_live_unpack(buf, 19, &back), ==, -EMSGSIZE);
    g_assert_cmpint(kn_gatt_live_unpack(buf, 0, &back), ==, -EMSGSIZE);
    buf[0] = 2;
    g_assert_cmpint(kn_gatt_live_unpack(buf, n, &back), ==, -EPROTONOSUPPORT);
}

static void test_live_form_follows_mtu(void)
{
    uint8_t buf[64];
    struct kn_gatt_live v;

    g_assert_true(kn_gatt_live_form_for_mtu(23) == KN_GATT_LIVE_COMPACT);
    g_assert_true(kn_gatt_live_form_for_mtu(36) == KN_GATT_LIVE_COMPACT);
    g_assert_true(kn_gatt_live_form_for_mtu(37) == KN_GATT_LIVE_EXTENDED);
    g_assert_true(kn_gatt_live_form_for_mtu(517) == KN_GATT_LIVE_EXTENDED);
    g_assert_true(kn_gatt_live_form_for_mtu(0) == KN_GATT_LIVE_EXTENDED);
    kn_gatt_live_clear(&v);
    g_assert_cmpint(kn_gatt_live_pack(&v, KN_GATT_LIVE_EXTENDED, buf, 35), ==, -ENOBUFS);
    g_assert_cmpint(kn_gatt_live_pack(&v, KN_GATT_LIVE_COMPACT, buf, 19), ==, -ENOBUFS);
}

/* ---- Alerts ---- */

static void test_alert_matches_doc_example(void)
{
    struct kn_gatt_alert a = {
        .wall_clock = true,
        .seq = 7,
        .kind = KN_ALERT_HYPEREXTENSION,
        .severity = KN_SEVERITY_CRITICAL,
        .unit = KN_UNIT_DEG,
        .value = 12.4,
        .threshold = 10.0,
        .message = KN_MSG_HYPEREXTENSION,
        .arg = 410,
    };
    uint8_t buf[32];

    kn_gatt_split_time(1700000000.25, &a.time_s, &a.time_ms);
    assert_bytes(buf, kn_gatt_alert_pack(&a, buf, sizeof(buf)),
                 "01 01 07 00 00 02 01 00 f1 53 65 fa 00 7c 00 64 00 01 04 10");
}

/* The value fits the default ATT payload (MTU 23 - 3): no MTU exchange
 * needed for an indication. */
static void test_alert_fits_the_default_att_payload(void)
{
    g_assert_cmpint(KN_GATT_ALERT_LEN, <=, 23 - 3);
}

/* A value from before the message code was appended (17 bytes) still
 * decodes, with no message. */
static void test_alert_without_message_code(void)
{
    struct kn_gatt_alert back;
    uint8_t old[17] = { 0x01, 0x01, 0x07, 0x00, 0x00, 0x02, 0x01, 0x00, 0xf1, 0x53, 0x65,
                        0xfa, 0x00, 0x7c, 0x00, 0x64, 0x00 };

    g_assert_cmpint(kn_gatt_alert_unpack(old, sizeof(old), &back), ==, KN_GATT_ALERT_MIN_LEN);
    g_assert_cmpuint(back.seq, ==, 7);
    assert_close(back.value, 12.4, 1e-9);
    g_assert_cmpuint(back.message, ==, KN_MSG_NONE);
    assert_close(back.arg, NAN, 0);
}

static void test_alert_flags_and_roundtrip(void)
{
    struct kn_gatt_alert a = {
        .wall_clock = true,
        .late = true,
        .seq = 65535,
        .kind = KN_ALERT_PAIN,
        .severity = KN_SEVERITY_CRITICAL,
        .unit = KN_UNIT_SCORE,
        .time_s = 1700000000,
        .time_ms = 999,
        .value = 8,
        .threshold = NAN,
        .message = KN_MSG_SEVERE_PAIN,
        .arg = NAN,
    }, back;
    uint8_t buf[32];
    int n;

    n = kn_gatt_alert_pack(&a, buf, sizeof(buf));
    assert_bytes(buf, n, "01 03 ff ff 07 02 05 00 f1 53 65 e7 03 50 00 00 80 09 00 80");
    g_assert_cmpint(kn_gatt_alert_unpack(buf, n, &back), ==, KN_GATT_ALERT_LEN);
    g_assert_true(back.wall_clock && back.late);
    g_assert_cmpuint(back.seq, ==, 65535);
    g_assert_cmpuint(back.time_s, ==, 1700000000);
    assert_close(back.value, 8, 1e-9);
    assert_close(back.threshold, NAN, 0);
    g_assert_cmpuint(back.message, ==, KN_MSG_SEVERE_PAIN);
    assert_close(back.arg, NAN, 0);
    g_assert_cmpint(kn_gatt_alert_unpack(buf, 16, &back), ==, -EMSGSIZE);
    g_assert_cmpint(kn_gatt_alert_unpack(buf, 19, &back), ==, KN_GATT_ALERT_MIN_LEN);
    buf[11] = 0xe8;   /* 1000 ms */
    g_assert_cmpint(kn_gatt_alert_unpack(buf, n, &back), ==, -ERANGE);
    g_assert_cmpint(kn_gatt_alert_pack(&a, buf, 19), ==, -ENOBUFS);
}

static void test_alert_time_split_rounds_and_carries(void)
{
    uint32_t s;
    uint16_t ms;

    kn_gatt_split_time(1.9996, &s, &ms);
    g_assert_cmpuint(s, ==, 2);
    g_assert_cmpuint(ms, ==, 0);
    kn_gatt_split_time(83.2504, &s, &ms);
    g_assert_cmpuint(s, ==, 83);
    g_assert_cmpuint(ms, ==, 250);
    kn_gatt_split_time(-3, &s, &ms);
    g_assert_cmpuint(s, ==, 0);
    g_assert_cmpuint(ms, ==, 0);
    kn_gatt_split_time(NAN, &s, &ms);
    g_assert_cmpuint(s, ==, 0);
    kn_gatt_split_time(1e12, &s, &ms);
    g_assert_cmpuint(s, ==, 4294967295u);
}

/* The unit byte is enum kn_unit; its names are the D-Bus API's. */
static void test_alert_units_are_the_analysis_units(void)
{
    static const char *const names[] = { "", "deg", "deg/s", "spm", "g", "score", "strides", "s" };

    for (unsigned u = 0; u < G_N_ELEMENTS(names); u++) {
        enum kn_unit back;

        g_assert_cmpstr(kn_unit_to_string((enum kn_unit) u), ==, names[u]);
        g_assert_cmpint(kn_unit_from_string(names[u], &back), ==, 0);
        g_assert_cmpuint(back, ==, u);
    }
    g_assert_cmpuint(G_N_ELEMENTS(names), ==, KN_UNIT_COUNT);
    g_assert_cmpstr(kn_unit_to_string(KN_UNIT_COUNT), ==, "");
}

/* ---- Control Point ---- */

static void test_cp_request_table(void)
{
    static const struct {
        const char *hex;
        int result;
    } table[] = {
        { "", -EMSGSIZE },
        { "01 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00", -EMSGSIZE },
        { "01", KN_CP_SUCCESS },
        { "01 00", KN_CP_INVALID_PARAMETER },
        { "02", KN_CP_SUCCESS },
        { "03", KN_CP_SUCCESS },
        { "03 01", KN_CP_INVALID_PARAMETER },
        { "04 00 88 13 00 00", KN_CP_SUCCESS },
        { "04 00 a0 86 01 00", KN_CP_INVALID_PARAMETER },      /* 100° > 30° */
        { "04 00 88 13 00", KN_CP_INVALID_PARAMETER },         /* short */
        { "04 00 88 13 00 00 00", KN_CP_INVALID_PARAMETER },   /* long */
        { "04 18 88 13 00 00", KN_CP_SUCCESS },                /* id 24: 5.000° walking margin */
        { "04 19 88 13 00 00", KN_CP_INVALID_PARAMETER },      /* id 25 unknown */
        { "04 0b 14 50 00 00", KN_CP_INVALID_PARAMETER },      /* 20.500 strides */
        { "04 0b 20 4e 00 00", KN_CP_SUCCESS },                /* 20 strides */
        { "04 13 d8 dc ff ff", KN_CP_SUCCESS },                /* -9.000° IC flexion */
        { "04 00 00 00 00 80", KN_CP_INVALID_PARAMETER },      /* sentinel */
        { "05 00", KN_CP_SUCCESS },
        { "05", KN_CP_INVALID_PARAMETER },
        { "05 ff", KN_CP_INVALID_PARAMETER },
        { "06 00 f1 53 65 e7 03", KN_CP_SUCCESS },
        { "06 00 00 00 00 00 00", KN_CP_INVALID_PARAMETER },   /* 1970 */
        { "06 00 f1 53 65 e8 03", KN_CP_INVALID_PARAMETER },   /* 1000 ms */
        { "07", KN_CP_SUCCESS },
        { "07 05", KN_CP_SUCCESS },
        { "07 00", KN_CP_INVALID_PARAMETER },
        { "07 33", KN_CP_INVALID_PARAMETER },
        { "08 b8 06", KN_CP_SUCCESS },                         /* 172.0 spm */
        { "08 e8 03", KN_CP_INVALID_PARAMETER },               /* 100.0 spm */
        { "08 b8", KN_CP_INVALID_PARAMETER },
        { "09", KN_CP_SUCCESS },
        { "0a", KN_CP_SUCCESS },                               /* the oldest pain mark */
        { "0a 03", KN_CP_SUCCESS },
        { "0a 03 00", KN_CP_INVALID_PARAMETER },
        { "00", KN_CP_OPCODE_NOT_SUPPORTED },
        { "0b", KN_CP_OPCODE_NOT_SUPPORTED },
        { "80 01", KN_CP_OPCODE_NOT_SUPPORTED },
    };

    for (size_t i = 0; i < G_N_ELEMENTS(table); i++) {
        uint8_t buf[HEX_MAX];
        size_t len = unhex(table[i].hex, buf);
        struct kn_cp_request r;

        if (kn_cp_request_parse(buf, len, &r) != table[i].result)
            g_error("request '%s': got %d, want %d", table[i].hex,
                    kn_cp_request_parse(buf, len, &r), table[i].result);
        if (len > 0 && len <= KN_CP_MAX_LEN)
            g_assert_cmpuint(r.opcode, ==, buf[0]);
    }
}

static void test_cp_request_fields(void)
{
    struct kn_cp_request r;
    uint8_t buf[HEX_MAX];

    g_assert_cmpint(kn_cp_request_parse(buf, unhex("04 13 d8 dc ff ff", buf), &r), ==, KN_CP_SUCCESS);
    g_assert_cmpuint(r.u.threshold.id, ==, 19);
    assert_close(r.u.threshold.value, -9.0, 1e-12);
    g_assert_cmpint(kn_cp_request_parse(buf, unhex("06 00 f1 53 65 e7 03", buf), &r), ==, KN_CP_SUCCESS);
    g_assert_cmpuint(r.u.time.unix_s, ==, 1700000000);
    g_assert_cmpuint(r.u.time.ms, ==, 999);
    g_assert_cmpint(kn_cp_request_parse(buf, unhex("07", buf), &r), ==, KN_CP_SUCCESS);
    g_assert_cmpuint(r.u.identify.duration_ms, ==, 1000);
    g_assert_cmpint(kn_cp_request_parse(buf, unhex("07 05", buf), &r), ==, KN_CP_SUCCESS);
    g_assert_cmpuint(r.u.identify.duration_ms, ==, 500);
    g_assert_cmpint(kn_cp_request_parse(buf, unhex("08 b8 06", buf), &r), ==, KN_CP_SUCCESS);
    assert_close(r.u.coaching.target_spm, 172.0, 1e-12);
}

static void test_cp_request_pack_roundtrip(void)
{
    static const char *const requests[] = {
        "01", "02", "03", "04 00 88 13 00 00", "05 07", "06 00 f1 53 65 e7 03",
        "07 05", "08 b8 06", "09",
    };

    for (size_t i = 0; i < G_N_ELEMENTS(requests); i++) {
        uint8_t in[HEX_MAX], out[HEX_MAX];
        struct kn_cp_request r;
        size_t len = unhex(requests[i], in);

        g_assert_cmpint(kn_cp_request_parse(in, len, &r), ==, KN_CP_SUCCESS);
        assert_bytes(out, kn_cp_request_pack(&r, out, sizeof(out)), requests[i]);
    }
}

static void test_cp_response_table(void)
{
    struct kn_cp_response r = { .opcode = KN_CP_SET_THRESHOLD, .result = KN_CP_SUCCESS }, back;
    uint8_t buf[16];

    assert_bytes(buf, kn_cp_response_pack(&r, buf, sizeof(buf)), "80 04 01");
    r = (struct kn_cp_response) { .opcode = 0x0b, .result = KN_CP_OPCODE_NOT_SUPPORTED };
    assert_bytes(buf, kn_cp_response_pack(&r, buf, sizeof(buf)), "80 0b 02");
    /* docs/gatt.md's example: mark 3, 1700000000.250, two waiting. */
    r = (struct kn_cp_response) { .opcode = KN_CP_GET_PAIN_MARK, .result = KN_CP_SUCCESS,
                                  .u.pain_mark = { 3, 1700000000u, 250, 2 } };
    assert_bytes(buf, kn_cp_response_pack(&r, buf, sizeof(buf)),
                 "80 0a 01 03 00 00 00 00 f1 53 65 fa 00 02");
    g_assert_cmpint(kn_cp_response_unpack(buf, 14, &back), ==, 14);
    g_assert_cmpuint(back.u.pain_mark.id, ==, 3);
    g_assert_cmpuint(back.u.pain_mark.unix_s, ==, 1700000000u);
    g_assert_cmpuint(back.u.pain_mark.ms, ==, 250);
    g_assert_cmpuint(back.u.pain_mark.waiting, ==, 2);
    g_assert_cmpint(kn_cp_response_unpack(buf, 13, &back), ==, -EMSGSIZE);
    r = (struct kn_cp_response) { .opcode = KN_CP_GET_PAIN_MARK, .result = KN_CP_NOT_AVAILABLE };
    assert_bytes(buf, kn_cp_response_pack(&r, buf, sizeof(buf)), "80 0a 05");
    r = (struct kn_cp_response) { .opcode = KN_CP_CALIBRATE, .result = KN_CP_SUCCESS,
                                  .u.calibrate = { -2.5, 2.5 } };
    assert_bytes(buf, kn_cp_response_pack(&r, buf, sizeof(buf)), "80 03 01 e7 ff 19 00");
    g_assert_cmpint(kn_cp_response_unpack(buf, 7, &back), ==, 7);
    assert_close(back.u.calibrate.offset_deg, -2.5, 1e-12);
    /* A failed calibration has no parameters. */
    r.result = KN_CP_BUSY;
    assert_bytes(buf, kn_cp_response_pack(&r, buf, sizeof(buf)), "80 03 06");
    r = (struct kn_cp_response) { .opcode = KN_CP_GET_THRESHOLD, .result = KN_CP_SUCCESS,
                                  .u.threshold = { 20, 12.0 } };
    assert_bytes(buf, kn_cp_response_pack(&r, buf, sizeof(buf)), "80 05 01 14 e0 2e 00 00");
    g_assert_cmpint(kn_cp_response_unpack(buf, 8, &back), ==, 8);
    g_assert_cmpuint(back.u.threshold.id, ==, 20);
    assert_close(back.u.threshold.value, 12.0, 1e-12);
    g_assert_cmpint(kn_cp_response_pack(&r, buf, 7), ==, -ENOBUFS);
    g_assert_cmpint(kn_cp_response_unpack(buf, 2, &back), ==, -EMSGSIZE);
}

/* ---- Pain Report ---- */

static void test_pain_doc_example(void)
{
    struct kn_gatt_pain p;
    uint8_t buf[HEX_MAX], out[HEX_MAX];
    size_t len = unhex("01 08 02 01 73 74 61 69 72 73", buf);

    g_assert_cmpint(kn_gatt_pain_parse(buf, len, &p), ==, (int) len);
    g_assert_cmpuint(p.score, ==, 8);
    g_assert_cmpint(p.location, ==, KN_GATT_PAIN_INSIDE);
    g_assert_cmpint(p.timing, ==, KN_GATT_PAIN_DURING);
    g_assert_cmpstr(p.note, ==, "stairs");
    assert_bytes(out, kn_gatt_pain_pack(&p, out, sizeof(out)), "01 08 02 01 73 74 61 69 72 73");
    g_assert_cmpstr(kn_gatt_pain_location_to_string(p.location), ==, "inside");
    g_assert_cmpstr(kn_gatt_pain_timing_to_string(p.timing), ==, "during");
}

static void test_pain_scores_a_mark(void)
{
    struct kn_gatt_pain p;
    uint8_t buf[KN_GATT_PAIN_MAX_LEN + 2], out[KN_GATT_PAIN_MAX_LEN];
    size_t len = unhex("02 03 00 00 00 05 00 01 68 69 6c 6c", buf);

    g_assert_cmpint(kn_gatt_pain_parse(buf, len, &p), ==, (int) len);
    g_assert_cmpuint(p.mark_id, ==, 3);
    g_assert_cmpuint(p.score, ==, 5);
    g_assert_cmpint(p.location, ==, KN_GATT_PAIN_FRONT);
    g_assert_cmpint(p.timing, ==, KN_GATT_PAIN_DURING);
    g_assert_cmpstr(p.note, ==, "hill");
    assert_bytes(out, kn_gatt_pain_pack(&p, out, sizeof(out)),
                 "02 03 00 00 00 05 00 01 68 69 6c 6c");
    /* The note is 60 bytes at most there, so that the value stays 68. */
    unhex("02 03 00 00 00 05 00 01", buf);
    memset(buf + 8, 'a', KN_GATT_PAIN_MARK_NOTE_MAX + 1);
    g_assert_cmpint(kn_gatt_pain_parse(buf, KN_GATT_PAIN_MAX_LEN, &p), ==, KN_GATT_PAIN_MAX_LEN);
    g_assert_cmpuint(strlen(p.note), ==, KN_GATT_PAIN_MARK_NOTE_MAX);
    g_assert_cmpint(kn_gatt_pain_parse(buf, KN_GATT_PAIN_MAX_LEN + 1, &p), ==, -EMSGSIZE);
}

static void test_pain_rejects_bad_values(void)
{
    static const struct {
        const char *hex;
        int result;
    } table[] = {
        { "01 08 02", -EMSGSIZE },
        { "01 00 00 00", 4 },
        { "01 0a 03 02", 4 },
        { "03 08 02 01", -EPROTONOSUPPORT },
        { "02 08 02 01", -EMSGSIZE },           /* layout 2 is 8 bytes at least */
        { "02 03 00 00 00 08 02 01", 8 },       /* scores mark 3 */
        { "02 00 00 00 00 08 02 01", -ERANGE }, /* mark 0 */
        { "02 03 00 00 00 0b 02 01", -ERANGE },
        { "02 03 00 00 00 08 02 01 ff", -ERANGE },
        { "01 0b 02 01", -ERANGE },
        { "01 08 04 01", -ERANGE },
        { "01 08 02 03", -ERANGE },
        { "01 08 02 01 ff", -ERANGE },          /* not UTF-8 */
        { "01 08 02 01 c0 80", -ERANGE },       /* overlong NUL */
        { "01 08 02 01 ed a0 80", -ERANGE },    /* surrogate */
        { "01 08 02 01 61 00", -ERANGE },       /* NUL */
        { "01 08 02 01 c3 a9", 6 },             /* é */
        { "01 08 02 01 f0 9f 8f 83", 8 },       /* 🏃 */
        { "01 08 02 01 f0 9f 8f", -ERANGE },    /* cut */
    };
    uint8_t buf[KN_GATT_PAIN_MAX_LEN + 2];
    struct kn_gatt_pain p;

    for (size_t i = 0; i < G_N_ELEMENTS(table); i++) {
        size_t len = unhex(table[i].hex, buf);

        if (kn_gatt_pain_parse(buf, len, &p) != table[i].result)
            g_error("pain '%s': got %d, want %d", table[i].hex,
                    kn_gatt_pain_parse(buf, len, &p), table[i].result);
    }
    unhex("01 03 00 00", buf);
    memset(buf + 4, 'a', KN_GATT_PAIN_NOTE_MAX + 1);
    g_assert_cmpint(kn_gatt_pain_parse(buf, KN_GATT_PAIN_MAX_LEN, &p), ==, KN_GATT_PAIN_MAX_LEN);
    g_assert_cmpuint(strlen(p.note), ==, KN_GATT_PAIN_NOTE_MAX);
    g_assert_cmpint(kn_gatt_pain_parse(buf, KN_GATT_PAIN_MAX_LEN + 1, &p), ==, -EMSGSIZE);
}

/* ---- Status ---- */

static void test_status_pack_table(void)
{
    struct kn_gatt_status s = {
        .state = KN_GATT_STATE_DEGRADED,
        .source = KN_GATT_SOURCE_SENSORS,
        .sensors_present = 0x1f,
        .sensors_failed = 0x10,
        .battery_pct = 57,
        .session_active = true,
        .pairing_window = true,
        .storage_present = true,
        .storage_pct = -1,
        .error_bits = KN_GATT_ERR_SENSOR | KN_GATT_ERR_HAPTICS,
        .alerts_dropped = 70000,
        .alerts_queued = 3,
        .side = 1,
        .pain_marks = 2,
    }, back;
    uint8_t buf[32];
    int n;

    n = kn_gatt_status_pack(&s, buf, sizeof(buf));
    assert_bytes(buf, n, "01 02 03 1f 10 39 29 ff 11 00 ff ff 03 01 02");
    g_assert_cmpint(kn_gatt_status_unpack(buf, n, &back), ==, KN_GATT_STATUS_LEN);
    g_assert_cmpint(back.battery_pct, ==, 57);
    g_assert_cmpint(back.storage_pct, ==, -1);
    g_assert_true(back.session_active && back.pairing_window && back.storage_present);
    g_assert_false(back.coaching || back.clock_set || back.charging);
    g_assert_cmpuint(back.alerts_dropped, ==, 65535);
    g_assert_cmpuint(back.pain_marks, ==, 2);
    s.battery_pct = -1;
    s.storage_pct = 250;
    s.alerts_queued = 1000;
    s.pain_marks = 300;
    assert_bytes(buf, kn_gatt_status_pack(&s, buf, sizeof(buf)),
                 "01 02 03 1f 10 ff 29 64 11 00 ff ff ff 01 ff");
    /* A 14-byte value (before the pain marks byte) still reads. */
    g_assert_cmpint(kn_gatt_status_unpack(buf, 14, &back), ==, 14);
    g_assert_cmpuint(back.pain_marks, ==, 0);
    g_assert_cmpint(kn_gatt_status_unpack(buf, 13, &back), ==, -EMSGSIZE);
}

/* ---- RSC ---- */

static void test_rsc_measurement_doc_example(void)
{
    struct kn_rsc_measurement m = { true, 3.5, 172, 2.44, 1234.5 }, back;
    uint8_t buf[16];
    int n;

    n = kn_rsc_measurement_pack(&m, buf, sizeof(buf));
    assert_bytes(buf, n, "07 80 03 ac f4 00 39 30 00 00");
    g_assert_cmpint(kn_rsc_measurement_unpack(buf, n, &back), ==, 10);
    g_assert_true(back.running);
    assert_close(back.speed_mps, 3.5, 1e-12);
    assert_close(back.stride_m, 2.44, 1e-12);
    assert_close(back.total_m, 1234.5, 1e-9);
    g_assert_cmpint(kn_rsc_measurement_unpack(buf, 9, &back), ==, -EMSGSIZE);
}

static void test_rsc_measurement_optional_fields(void)
{
    struct kn_rsc_measurement m = { false, 0, 0, NAN, NAN }, back;
    uint8_t buf[16];

    assert_bytes(buf, kn_rsc_measurement_pack(&m, buf, sizeof(buf)), "00 00 00 00");
    m = (struct kn_rsc_measurement) { false, 1.3, 112.6, NAN, 52.04 };
    assert_bytes(buf, kn_rsc_measurement_pack(&m, buf, sizeof(buf)), "02 4d 01 71 08 02 00 00");
    g_assert_cmpint(kn_rsc_measurement_unpack(buf, 8, &back), ==, 8);
    g_assert_true(isnan(back.stride_m));
    assert_close(back.total_m, 52.0, 1e-9);
    /* Saturation: 300 m/s, 400 spm, 700 m stride. */
    m = (struct kn_rsc_measurement) { true, 300, 400, 700, NAN };
    assert_bytes(buf, kn_rsc_measurement_pack(&m, buf, sizeof(buf)), "05 ff ff ff ff ff");
    g_assert_cmpint(kn_rsc_measurement_pack(&m, buf, 5), ==, -ENOBUFS);
}

static void test_rsc_feature_and_sc_control_point(void)
{
    uint8_t buf[HEX_MAX];
    uint8_t op = 0;
    uint32_t total = 0;

    assert_bytes(buf, kn_rsc_feature_pack(KN_RSC_FEATURES, buf, sizeof(buf)), "07 00");
    g_assert_cmpint(kn_sc_request_parse(buf, unhex("01 39 30 00 00", buf), &op, &total), ==,
                    KN_CP_SUCCESS);
    g_assert_cmpuint(op, ==, 1);
    g_assert_cmpuint(total, ==, 12345);
    g_assert_cmpint(kn_sc_request_parse(buf, unhex("01 39", buf), &op, &total), ==,
                    KN_CP_INVALID_PARAMETER);
    g_assert_cmpint(kn_sc_request_parse(buf, unhex("02", buf), &op, &total), ==,
                    KN_CP_OPCODE_NOT_SUPPORTED);
    g_assert_cmpuint(op, ==, 2);
    g_assert_cmpint(kn_sc_request_parse(buf, 0, &op, &total), ==, -EMSGSIZE);
    assert_bytes(buf, kn_sc_response_pack(1, KN_CP_SUCCESS, buf, sizeof(buf)), "10 01 01");
}

/* ---- helpers ---- */

static void test_read_slice_honours_offset(void)
{
    size_t start = 99;

    g_assert_cmpint(kn_gatt_read_slice(20, 0, &start), ==, 20);
    g_assert_cmpuint(start, ==, 0);
    g_assert_cmpint(kn_gatt_read_slice(20, 18, &start), ==, 2);
    g_assert_cmpuint(start, ==, 18);
    g_assert_cmpint(kn_gatt_read_slice(20, 20, &start), ==, 0);
    g_assert_cmpint(kn_gatt_read_slice(20, 21, &start), ==, -EINVAL);
}

static void test_utf8_truncate_on_character_boundary(void)
{
    const uint8_t *s = (const uint8_t *) "Knee Sleeve \xc3\xa9t\xc3\xa9";

    g_assert_cmpuint(kn_gatt_utf8_truncate(s, 17, 13), ==, 12);
    g_assert_cmpuint(kn_gatt_utf8_truncate(s, 17, 14), ==, 14);
    g_assert_cmpuint(kn_gatt_utf8_truncate(s, 17, 40), ==, 17);
    g_assert_true(kn_gatt_utf8_valid(s, 17));
    g_assert_false(kn_gatt_utf8_valid(s, 13));
}

static void test_battery_level_clamps(void)
{
    uint8_t buf[2];

    assert_bytes(buf, kn_battery_level_pack(57, buf, sizeof(buf)), "39");
    assert_bytes(buf, kn_battery_level_pack(-1, buf, sizeof(buf)), "00");
    assert_bytes(buf, kn_battery_level_pack(140, buf, sizeof(buf)), "64");
    g_assert_cmpint(kn_battery_level_pack(1, buf, 0), ==, -ENOBUFS);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/gatt-codec/live/compact-matches-doc-example", test_live_compact_matches_doc_example);
    g_test_add_func("/gatt-codec/live/extended-appends-fields", test_live_extended_appends_fields);
    g_test_add_func("/gatt-codec/live/unknown-values-use-sentinels", test_live_unknown_values_use_sentinels);
    g_test_add_func("/gatt-codec/live/saturates-without-hitting-sentinels",
                    test_live_saturates_without_hitting_sentinels);
    g_test_add_func("/gatt-codec/live/roundtrip-and-tolerant-unpack", test_live_roundtrip_and_tolerant_unpack);
    g_test_add_func("/gatt-codec/live/form-follows-mtu", test_live_form_follows_mtu);
    g_test_add_func("/gatt-codec/alert/matches-doc-example", test_alert_matches_doc_example);
    g_test_add_func("/gatt-codec/alert/flags-and-roundtrip", test_alert_flags_and_roundtrip);
    g_test_add_func("/gatt-codec/alert/time-split-rounds-and-carries", test_alert_time_split_rounds_and_carries);
    g_test_add_func("/gatt-codec/alert/units-are-the-analysis-units", test_alert_units_are_the_analysis_units);
    g_test_add_func("/gatt-codec/alert/fits-the-default-att-payload", test_alert_fits_the_default_att_payload);
    g_test_add_func("/gatt-codec/alert/without-message-code", test_alert_without_message_code);
    g_test_add_func("/gatt-codec/control-point/request-table", test_cp_request_table);
    g_test_add_func("/gatt-codec/control-point/request-fields", test_cp_request_fields);
    g_test_add_func("/gatt-codec/control-point/request-pack-roundtrip", test_cp_request_pack_roundtrip);
    g_test_add_func("/gatt-codec/control-point/response-table", test_cp_response_table);
    g_test_add_func("/gatt-codec/pain/doc-example", test_pain_doc_example);
    g_test_add_func("/gatt-codec/pain/rejects-bad-values", test_pain_rejects_bad_values);
    g_test_add_func("/gatt-codec/pain/scores-a-mark", test_pain_scores_a_mark);
    g_test_add_func("/gatt-codec/status/pack-table", test_status_pack_table);
    g_test_add_func("/gatt-codec/rsc/measurement-doc-example", test_rsc_measurement_doc_example);
    g_test_add_func("/gatt-codec/rsc/measurement-optional-fields", test_rsc_measurement_optional_fields);
    g_test_add_func("/gatt-codec/rsc/feature-and-sc-control-point", test_rsc_feature_and_sc_control_point);
    g_test_add_func("/gatt-codec/read-slice-honours-offset", test_read_slice_honours_offset);
    g_test_add_func("/gatt-codec/utf8-truncate-on-character-boundary", test_utf8_truncate_on_character_boundary);
    g_test_add_func("/gatt-codec/battery-level-clamps", test_battery_level_clamps);
    return g_test_run();
}
