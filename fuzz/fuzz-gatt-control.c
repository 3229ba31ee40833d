/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The knee service's Control Point write (docs/gatt.md "Control Point"):
 * every opcode's parameters, the set-time and threshold ones included.
 * A request the parser accepts is within its documented ranges and packs
 * back to a request that parses the same; each result code packs into a
 * response that unpacks the same.
 */
#include <errno.h>
#include <math.h>
#include <string.h>

#include "analysis/params.h"
#include "daemon/ble/shared/gatt-codec.h"
#include "fuzz/fuzz.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    return 0;
}

static void check_in_range(const struct kn_cp_request *r)
{
    switch ((enum kn_cp_opcode) r->opcode) {
    case KN_CP_START_SESSION:
    case KN_CP_STOP_SESSION:
    case KN_CP_CALIBRATE:
    case KN_CP_STOP_COACHING:
        break;
    case KN_CP_SET_THRESHOLD:
        FUZZ_CHECK(kn_params_info((enum kn_param_id) r->u.threshold.id) != NULL);
        FUZZ_CHECK(isfinite(r->u.threshold.value));
        FUZZ_CHECK(kn_params_check(kn_params_info((enum kn_param_id) r->u.threshold.id),
                                   r->u.threshold.value) == 0);
        break;
    case KN_CP_GET_THRESHOLD:
        FUZZ_CHECK(kn_params_info((enum kn_param_id) r->u.threshold.id) != NULL);
        break;
    case KN_CP_SET_TIME:
        FUZZ_CHECK(r->u.time.unix_s >= KN_CP_TIME_MIN_UNIX);
        FUZZ_CHECK(r->u.time.ms <= 999);
        break;
    case KN_CP_IDENTIFY:
        FUZZ_CHECK(r->u.identify.duration_ms >= 100 && r->u.identify.duration_ms <= 5000);
        break;
    case KN_CP_START_COACHING:
        FUZZ_CHECK(r->u.coaching.target_spm >= KN_CP_COACHING_MIN_SPM &&
                   r->u.coaching.target_spm <= KN_CP_COACHING_MAX_SPM);
        break;
    case KN_CP_GET_PAIN_MARK:
        break;                    /* any index: the daemon looks it up */
    default:
        FUZZ_CHECK(!"an unknown opcode was accepted");
    }
}

static void check_same(const struct kn_cp_request *a, const struct kn_cp_request *b)
{
    FUZZ_CHECK(a->opcode == b->opcode);
    switch ((enum kn_cp_opcode) a->opcode) {
    case KN_CP_SET_THRESHOLD:
        FUZZ_CHECK(a->u.threshold.value == b->u.threshold.value);
        /* fall through */
    case KN_CP_GET_THRESHOLD:
        FUZZ_CHECK(a->u.threshold.id == b->u.threshold.id);
        break;
    case KN_CP_SET_TIME:
        FUZZ_CHECK(a->u.time.unix_s == b->u.time.unix_s && a->u.time.ms == b->u.time.ms);
        break;
    case KN_CP_IDENTIFY:
        FUZZ_CHECK(a->u.identify.duration_ms == b->u.identify.duration_ms);
        break;
    case KN_CP_START_COACHING:
        FUZZ_CHECK(a->u.coaching.target_spm == b->u.coaching.target_spm);
        break;
    case KN_CP_GET_PAIN_MARK:
        FUZZ_CHECK(a->u.pain_mark.index == b->u.pain_mark.index);
        break;
    default:
        break;
    }
}

static void check_response(uint8_t opcode, uint8_t result, const struct kn_cp_request *req)
{
    struct kn_cp_response resp = { .opcode = opcode, .result = result }, back;
    uint8_t buf[KN_CP_MAX_LEN];
    int n;

    if (result == KN_CP_SUCCESS && opcode == KN_CP_GET_THRESHOLD) {
        resp.u.threshold.id = req->u.threshold.id;
        resp.u.threshold.value = kn_params_info((enum kn_param_id) req->u.threshold.id)->def;
    }
    n = kn_cp_response_pack(&resp, buf, sizeof(buf));
    FUZZ_CHECK(n >= 3);
    FUZZ_CHECK(kn_cp_response_unpack(buf, (size_t) n, &back) == n);
    FUZZ_CHECK(back.opcode == opcode && back.result == result);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct kn_cp_request req, again;
    uint8_t buf[KN_CP_MAX_LEN];
    int r, n;

    r = kn_cp_request_parse(data, size, &req);
    if (size == 0 || size > KN_CP_MAX_LEN) {
        FUZZ_CHECK(r == -EMSGSIZE);
        return 0;
    }
    FUZZ_CHECK(req.opcode == data[0]);
    FUZZ_CHECK(r == KN_CP_SUCCESS || r == KN_CP_OPCODE_NOT_SUPPORTED ||
               r == KN_CP_INVALID_PARAMETER);
    check_response(req.opcode, (uint8_t) r, &req);
    if (r != KN_CP_SUCCESS)
        return 0;
    check_in_range(&req);
    n = kn_cp_request_pack(&req, buf, sizeof(buf));
    FUZZ_CHECK(n > 0);
    FUZZ_CHECK(kn_cp_request_parse(buf, (size_t) n, &again) == KN_CP_SUCCESS);
    check_same(&req, &again);
    /* a request packs back to its own bytes (identify without a
     * duration packs its default, a pain mark without an index index 0) */
    if (!((req.opcode == KN_CP_IDENTIFY || req.opcode == KN_CP_GET_PAIN_MARK) && size == 1))
        FUZZ_CHECK((size_t) n == size && memcmp(buf, data, size) == 0);
    return 0;
}
