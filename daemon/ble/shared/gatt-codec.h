/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Pack and unpack every GATT characteristic value kneed publishes or
 * accepts over Bluetooth LE.  docs/gatt.md is the byte-by-byte contract;
 * this is its only implementation in C.  Plain C11 with caller-provided
 * buffers: no GLib, no I/O, no allocation.
 *
 * Physical quantities travel in SI-ish units as doubles (NaN = not
 * available); the codec does the scaling, rounding, saturation and the
 * "not available" sentinels.  Every function returns the number of bytes
 * written / consumed, or a negative errno:
 *   -ENOBUFS          the output buffer is too small
 *   -EMSGSIZE         the input has a length the format never has
 *   -EPROTONOSUPPORT  unknown version
 *   -ERANGE           a field is out of its range
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "analysis/events.h"

#define KN_GATT_VERSION 1

/* ---- UUIDs (docs/gatt.md "UUIDs") ---- */
#define KN_GATT_UUID_KNEE_SERVICE  "d1770001-cb6f-4663-b08c-86a5014bbe97"
#define KN_GATT_UUID_LIVE          "d1770101-cb6f-4663-b08c-86a5014bbe97"
#define KN_GATT_UUID_ALERTS        "d1770102-cb6f-4663-b08c-86a5014bbe97"
#define KN_GATT_UUID_CONTROL       "d1770103-cb6f-4663-b08c-86a5014bbe97"
#define KN_GATT_UUID_PAIN          "d1770104-cb6f-4663-b08c-86a5014bbe97"
#define KN_GATT_UUID_STATUS        "d1770105-cb6f-4663-b08c-86a5014bbe97"
#define KN_GATT_UUID16(x)          "0000" x "-0000-1000-8000-00805f9b34fb"
#define KN_GATT_UUID_RSC_SERVICE   KN_GATT_UUID16("1814")
#define KN_GATT_UUID_RSC_MEASUREMENT KN_GATT_UUID16("2a53")
#define KN_GATT_UUID_RSC_FEATURE   KN_GATT_UUID16("2a54")
#define KN_GATT_UUID_SENSOR_LOCATION KN_GATT_UUID16("2a5d")
#define KN_GATT_UUID_SC_CONTROL    KN_GATT_UUID16("2a55")
#define KN_GATT_UUID_BATTERY_SERVICE KN_GATT_UUID16("180f")
#define KN_GATT_UUID_BATTERY_LEVEL KN_GATT_UUID16("2a19")
#define KN_GATT_UUID_DIS_SERVICE   KN_GATT_UUID16("180a")
#define KN_GATT_UUID_MANUFACTURER  KN_GATT_UUID16("2a29")
#define KN_GATT_UUID_MODEL         KN_GATT_UUID16("2a24")
#define KN_GATT_UUID_SERIAL        KN_GATT_UUID16("2a25")
#define KN_GATT_UUID_HARDWARE_REV  KN_GATT_UUID16("2a27")
#define KN_GATT_UUID_FIRMWARE_REV  KN_GATT_UUID16("2a26")
#define KN_GATT_UUID_SOFTWARE_REV  KN_GATT_UUID16("2a28")

/* Appearance: Running Walking Sensor category, generic. */
#define KN_GATT_APPEARANCE_RUNNING_WALKING_SENSOR 0x0440

/* Application ATT error codes (0x80-0x9f), sent as org.bluez.Error.Failed
 * with the code as the message. */
enum kn_gatt_att_app_error {
    KN_ATT_ERROR_PROCEDURE_IN_PROGRESS = 0x80,  /* RSCS */
    KN_ATT_ERROR_CCCD_IMPROPER = 0x81,          /* RSCS */
    KN_ATT_ERROR_VALUE_OUT_OF_RANGE = 0x82,
    KN_ATT_ERROR_UNSUPPORTED_VERSION = 0x83,
    KN_ATT_ERROR_OPERATION_FAILED = 0x84,
    KN_ATT_ERROR_UNKNOWN_PAIN_MARK = 0x85,      /* no such mark waiting for a score */
};

/* ---- helpers ---- */

/* The tail of a value read at `offset` (ATT Read Blob).  Returns the tail
 * length, or -EINVAL when offset > len (an offset equal to the length
 * gives an empty tail, as ATT requires). */
int kn_gatt_read_slice(size_t len, uint16_t offset, size_t *ret_start);

/* True when s[0..len) is valid UTF-8 (no overlong forms, surrogates or
 * code points above U+10FFFF) without NUL bytes. */
bool kn_gatt_utf8_valid(const uint8_t *s, size_t len);

/* Largest prefix of s[0..len) that is at most max bytes and ends on a
 * character boundary (s must be valid UTF-8). */
size_t kn_gatt_utf8_truncate(const uint8_t *s, size_t len, size_t max);

/* ---- Live Metrics ---- */

#define KN_GATT_LIVE_COMPACT_LEN 20
#define KN_GATT_LIVE_EXTENDED_LEN 36

enum kn_gatt_live_form {
    KN_GATT_LIVE_COMPACT,
    KN_GATT_LIVE_EXTENDED,
};

struct kn_gatt_live {
    bool in_stance;
    enum kn_activity activity;
    bool session_active;
    bool calibrating;
    double knee_deg;              /* NaN: no knee angle */
    double cadence_spm;
    uint32_t strides;             /* saturates at 2^24 - 1 on the wire */
    bool has_stride;              /* the latest-stride fields are valid */
    double ic_flex_deg;
    double stance_peak_flex_deg;
    double swing_peak_flex_deg;
    double rom_deg;
    double contact_s;
    double impact_g;
    /* extended form only */
    double min_flex_deg;
    double stride_s;
    double stride_cv_pct;
    double knee_speed_dps;
    double baseline_rom_deg;
    double zero_offset_deg;
    double t_s;
};

/* Fills *v with "nothing known": NaN everywhere, zero counters. */
void kn_gatt_live_clear(struct kn_gatt_live *v);
/* The form a read should use for an ATT MTU (0 = unknown). */
enum kn_gatt_live_form kn_gatt_live_form_for_mtu(uint16_t mtu);
int kn_gatt_live_pack(const struct kn_gatt_live *v, enum kn_gatt_live_form form,
                      uint8_t *buf, size_t size);
/* Accepts both forms and longer values (trailing bytes ignored); the
 * extended fields are NaN when only the compact form is present. */
int kn_gatt_live_unpack(const uint8_t *buf, size_t len, struct kn_gatt_live *ret);

/* ---- Alerts ---- */

/* Version 1 grew by appending (docs/gatt.md): a 17-byte value is one
 * from before the message code, and is still decoded. */
#define KN_GATT_ALERT_LEN 20
#define KN_GATT_ALERT_MIN_LEN 17
#define KN_GATT_ALERT_KIND_NONE 0xff

struct kn_gatt_alert {
    bool wall_clock;              /* time is Unix time, else sensor time */
    bool late;                    /* waited in the queue */
    uint16_t seq;
    uint8_t kind;                 /* enum kn_alert_kind, or KN_GATT_ALERT_KIND_NONE */
    uint8_t severity;             /* enum kn_severity */
    uint8_t unit;                 /* enum kn_unit: its values are the wire's */
    uint32_t time_s;
    uint16_t time_ms;
    double value;                 /* in `unit`; NaN n/a */
    double threshold;
    uint8_t message;              /* enum kn_alert_message: its values are the wire's */
    double arg;                   /* the message's other number (0.1 resolution); NaN n/a */
};

/* Splits a non-negative time in seconds into whole seconds and ms
 * (rounded to the nearest ms, carrying into the seconds). */
void kn_gatt_split_time(double t_s, uint32_t *ret_s, uint16_t *ret_ms);
int kn_gatt_alert_pack(const struct kn_gatt_alert *a, uint8_t *buf, size_t size);
/* Accepts KN_GATT_ALERT_MIN_LEN bytes (message KN_MSG_NONE, arg NaN) or
 * more; returns the bytes decoded. */
int kn_gatt_alert_unpack(const uint8_t *buf, size_t len, struct kn_gatt_alert *ret);

/* ---- Control Point ---- */

#define KN_CP_MAX_LEN 20
#define KN_CP_RESPONSE_CODE 0x80

enum kn_cp_opcode {
    KN_CP_START_SESSION = 0x01,
    KN_CP_STOP_SESSION = 0x02,
    KN_CP_CALIBRATE = 0x03,
    KN_CP_SET_THRESHOLD = 0x04,
    KN_CP_GET_THRESHOLD = 0x05,
    KN_CP_SET_TIME = 0x06,
    KN_CP_IDENTIFY = 0x07,
    KN_CP_START_COACHING = 0x08,
    KN_CP_STOP_COACHING = 0x09,
    KN_CP_GET_PAIN_MARK = 0x0a,
};

enum kn_cp_result {
    KN_CP_SUCCESS = 0x01,
    KN_CP_OPCODE_NOT_SUPPORTED = 0x02,
    KN_CP_INVALID_PARAMETER = 0x03,
    KN_CP_FAILED = 0x04,
    KN_CP_NOT_AVAILABLE = 0x05,
    KN_CP_BUSY = 0x06,
    KN_CP_WRONG_STATE = 0x07,
};

#define KN_CP_TIME_MIN_UNIX 1577836800u   /* 2020-01-01: anything earlier is a phone without a clock */
#define KN_CP_IDENTIFY_DEFAULT_DS 10
#define KN_CP_COACHING_MIN_SPM 120.0
#define KN_CP_COACHING_MAX_SPM 220.0

struct kn_cp_request {
    uint8_t opcode;
    union {
        struct {
            uint8_t id;           /* enum kn_param_id */
            double value;         /* SET_THRESHOLD only */
        } threshold;
        struct {
            uint32_t unix_s;
            uint16_t ms;
        } time;
        struct {
            uint32_t duration_ms;
        } identify;
        struct {
            double target_spm;
        } coaching;
        struct {
            uint8_t index;        /* among the marks waiting for a score, oldest first */
        } pain_mark;
    } u;
};

struct kn_cp_response {
    uint8_t opcode;               /* of the request */
    uint8_t result;               /* enum kn_cp_result */
    union {
        struct {
            double offset_deg;
            double residual_deg;
        } calibrate;              /* CALIBRATE, SUCCESS */
        struct {
            uint8_t id;
            double value;
        } threshold;              /* GET_THRESHOLD, SUCCESS */
        struct {
            uint32_t id;
            uint32_t unix_s;
            uint16_t ms;
            uint32_t waiting;     /* marks waiting for a score; saturates at 255 */
        } pain_mark;              /* GET_PAIN_MARK, SUCCESS */
    } u;
};

/* Parses a control point write.  Returns -EMSGSIZE for a length the
 * characteristic never accepts (0 or > KN_CP_MAX_LEN: an ATT error);
 * otherwise a result code: KN_CP_SUCCESS for a well-formed request whose
 * parameters are in range (*ret filled), or the result to indicate
 * (opcode not supported, invalid parameter).  ret->opcode is always set
 * when len > 0. */
int kn_cp_request_parse(const uint8_t *buf, size_t len, struct kn_cp_request *ret);
int kn_cp_request_pack(const struct kn_cp_request *r, uint8_t *buf, size_t size);
int kn_cp_response_pack(const struct kn_cp_response *r, uint8_t *buf, size_t size);
int kn_cp_response_unpack(const uint8_t *buf, size_t len, struct kn_cp_response *ret);

/* ---- Pain Report ---- */

#define KN_GATT_PAIN_MIN_LEN 4
#define KN_GATT_PAIN_NOTE_MAX 64
#define KN_GATT_PAIN_MAX_LEN (KN_GATT_PAIN_MIN_LEN + KN_GATT_PAIN_NOTE_MAX)
/* Layout 2 scores a pain mark: a u32 mark id after the version byte. */
#define KN_GATT_PAIN_MARK_VERSION 2
#define KN_GATT_PAIN_MARK_MIN_LEN 8
#define KN_GATT_PAIN_MARK_NOTE_MAX (KN_GATT_PAIN_MAX_LEN - KN_GATT_PAIN_MARK_MIN_LEN)

enum kn_gatt_pain_location {
    KN_GATT_PAIN_FRONT = 0,
    KN_GATT_PAIN_OUTSIDE = 1,
    KN_GATT_PAIN_INSIDE = 2,
    KN_GATT_PAIN_BACK = 3,
};

enum kn_gatt_pain_timing {
    KN_GATT_PAIN_START = 0,
    KN_GATT_PAIN_DURING = 1,
    KN_GATT_PAIN_AFTER = 2,
};

struct kn_gatt_pain {
    uint32_t mark_id;             /* the pain mark scored (layout 2); 0: a new report (layout 1) */
    uint8_t score;                /* 0-10 */
    enum kn_gatt_pain_location location;
    enum kn_gatt_pain_timing timing;
    char note[KN_GATT_PAIN_NOTE_MAX + 1];   /* NUL-terminated */
};

/* -EMSGSIZE, -EPROTONOSUPPORT, -ERANGE (score, location, timing, note,
 * mark id 0).  Layout 2 when mark_id is set. */
int kn_gatt_pain_parse(const uint8_t *buf, size_t len, struct kn_gatt_pain *ret);
int kn_gatt_pain_pack(const struct kn_gatt_pain *p, uint8_t *buf, size_t size);
const char *kn_gatt_pain_location_to_string(enum kn_gatt_pain_location l);
const char *kn_gatt_pain_timing_to_string(enum kn_gatt_pain_timing t);

/* ---- Status ---- */

#define KN_GATT_STATUS_LEN 15
#define KN_GATT_STATUS_LEN_V1_0 14  /* before the pain marks byte */

enum kn_gatt_state {
    KN_GATT_STATE_IDLE = 0,
    KN_GATT_STATE_STREAMING = 1,
    KN_GATT_STATE_DEGRADED = 2,
    KN_GATT_STATE_CALIBRATING = 3,
};

enum kn_gatt_source {
    KN_GATT_SOURCE_NONE = 0,
    KN_GATT_SOURCE_SIMULATED = 1,
    KN_GATT_SOURCE_REPLAY = 2,
    KN_GATT_SOURCE_SENSORS = 3,
};

enum kn_gatt_status_error {
    KN_GATT_ERR_SENSOR = 1u << 0,
    KN_GATT_ERR_STORAGE = 1u << 1,
    KN_GATT_ERR_CONFIG = 1u << 2,
    KN_GATT_ERR_BATTERY = 1u << 3,
    KN_GATT_ERR_HAPTICS = 1u << 4,
};

struct kn_gatt_status {
    uint8_t state;                /* enum kn_gatt_state */
    uint8_t source;               /* enum kn_gatt_source */
    uint8_t sensors_present;      /* enum kn_sensor_bits */
    uint8_t sensors_failed;
    int battery_pct;              /* -1 unknown */
    bool session_active;
    bool coaching;
    bool clock_set;
    bool pairing_window;
    bool charging;
    bool storage_present;
    int storage_pct;              /* -1 unknown */
    uint16_t error_bits;          /* enum kn_gatt_status_error */
    uint32_t alerts_dropped;      /* saturates at 65535 on the wire */
    uint32_t alerts_queued;       /* saturates at 255 */
    uint8_t side;                 /* enum kn_side */
    uint32_t pain_marks;          /* waiting for a score; saturates at 255 */
};

int kn_gatt_status_pack(const struct kn_gatt_status *s, uint8_t *buf, size_t size);
int kn_gatt_status_unpack(const uint8_t *buf, size_t len, struct kn_gatt_status *ret);

/* ---- Running Speed and Cadence ---- */

#define KN_RSC_MEASUREMENT_MAX_LEN 10
#define KN_RSC_FLAG_STRIDE 0x01
#define KN_RSC_FLAG_DISTANCE 0x02
#define KN_RSC_FLAG_RUNNING 0x04
#define KN_RSC_FEATURE_STRIDE 0x0001
#define KN_RSC_FEATURE_DISTANCE 0x0002
#define KN_RSC_FEATURE_WALK_RUN 0x0004
#define KN_RSC_FEATURES (KN_RSC_FEATURE_STRIDE | KN_RSC_FEATURE_DISTANCE | KN_RSC_FEATURE_WALK_RUN)
#define KN_SENSOR_LOCATION_OTHER 0
#define KN_SC_RESPONSE_CODE 0x10
#define KN_SC_SET_CUMULATIVE 0x01
#define KN_SC_MAX_LEN 20

struct kn_rsc_measurement {
    bool running;
    double speed_mps;
    double cadence_spm;
    double stride_m;              /* NaN: field absent */
    double total_m;               /* NaN: field absent */
};

int kn_rsc_measurement_pack(const struct kn_rsc_measurement *m, uint8_t *buf, size_t size);
int kn_rsc_measurement_unpack(const uint8_t *buf, size_t len, struct kn_rsc_measurement *ret);
int kn_rsc_feature_pack(uint16_t features, uint8_t *buf, size_t size);

/* SC Control Point request: -EMSGSIZE (0 or > KN_SC_MAX_LEN bytes), else a
 * result code (enum kn_cp_result values 1-4 are the SIG's).  On success
 * *ret_total_dm is the new cumulative value. */
int kn_sc_request_parse(const uint8_t *buf, size_t len, uint8_t *ret_opcode,
                        uint32_t *ret_total_dm);
int kn_sc_response_pack(uint8_t opcode, uint8_t result, uint8_t *buf, size_t size);

/* ---- Battery ---- */

/* Clamps to 0-100; unknown (< 0) reads as 0. */
int kn_battery_level_pack(int percent, uint8_t *buf, size_t size);
