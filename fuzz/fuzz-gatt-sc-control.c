/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The Running Speed and Cadence service's SC Control Point write
 * (docs/gatt.md): only Set Cumulative Value with its u32 is accepted.
 */
#include <errno.h>

#include "daemon/ble/shared/gatt-codec.h"
#include "fuzz/fuzz.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    uint8_t opcode = 0xaa, buf[3];
    uint32_t total = 0xdeadbeef;
    int r = kn_sc_request_parse(data, size, &opcode, &total);

    if (size == 0 || size > KN_SC_MAX_LEN) {
        FUZZ_CHECK(r == -EMSGSIZE);
        return 0;
    }
    FUZZ_CHECK(opcode == data[0]);
    FUZZ_CHECK(r == KN_CP_SUCCESS || r == KN_CP_OPCODE_NOT_SUPPORTED || r == KN_CP_INVALID_PARAMETER);
    if (r == KN_CP_SUCCESS) {
        FUZZ_CHECK(opcode == KN_SC_SET_CUMULATIVE && size == 5);
        FUZZ_CHECK(total == (data[1] | (uint32_t) data[2] << 8 | (uint32_t) data[3] << 16 |
                             (uint32_t) data[4] << 24));
    }
    FUZZ_CHECK(kn_sc_response_pack(opcode, (uint8_t) r, buf, sizeof(buf)) == 3);
    FUZZ_CHECK(buf[0] == KN_SC_RESPONSE_CODE && buf[1] == opcode && buf[2] == (uint8_t) r);
    return 0;
}
