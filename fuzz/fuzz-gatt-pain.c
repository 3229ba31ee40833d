/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The Pain Report write (docs/gatt.md "Pain Report"), both layouts (1: a
 * new report, 2: the score of a pain mark): what the parser accepts is in
 * range, its note is valid UTF-8 of exactly the bytes sent, and it packs
 * back to the same bytes.
 */
#include <errno.h>
#include <string.h>

#include "daemon/ble/shared/gatt-codec.h"
#include "fuzz/fuzz.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct kn_gatt_pain p;
    uint8_t buf[KN_GATT_PAIN_MAX_LEN];
    size_t note_len, header;
    int r, n;

    r = kn_gatt_pain_parse(data, size, &p);
    if (r < 0) {
        FUZZ_CHECK(r == -EMSGSIZE || r == -EPROTONOSUPPORT || r == -ERANGE);
        FUZZ_CHECK(r != -EMSGSIZE || size < KN_GATT_PAIN_MIN_LEN || size > KN_GATT_PAIN_MAX_LEN ||
                   (data[0] == KN_GATT_PAIN_MARK_VERSION && size < KN_GATT_PAIN_MARK_MIN_LEN));
        FUZZ_CHECK(p.mark_id == 0);
        return 0;
    }
    FUZZ_CHECK((size_t) r == size);
    /* layout 1 reports, layout 2 scores a mark (never mark 0) */
    FUZZ_CHECK(data[0] == (p.mark_id ? KN_GATT_PAIN_MARK_VERSION : KN_GATT_VERSION));
    header = p.mark_id ? KN_GATT_PAIN_MARK_MIN_LEN : KN_GATT_PAIN_MIN_LEN;
    FUZZ_CHECK(p.score <= 10);
    FUZZ_CHECK(p.location <= KN_GATT_PAIN_BACK && p.timing <= KN_GATT_PAIN_AFTER);
    FUZZ_CHECK(strcmp(kn_gatt_pain_location_to_string(p.location), "unknown") != 0);
    FUZZ_CHECK(strcmp(kn_gatt_pain_timing_to_string(p.timing), "unknown") != 0);
    note_len = strlen(p.note);
    FUZZ_CHECK(note_len == size - header);
    FUZZ_CHECK(kn_gatt_utf8_valid((const uint8_t *) p.note, note_len));
    /* any cut made on a character boundary is valid too */
    for (size_t max = 0; max <= note_len; max += 7)
        FUZZ_CHECK(kn_gatt_utf8_valid((const uint8_t *) p.note,
                                      kn_gatt_utf8_truncate((const uint8_t *) p.note, note_len, max)));
    n = kn_gatt_pain_pack(&p, buf, sizeof(buf));
    FUZZ_CHECK((size_t) n == size && memcmp(buf, data, size) == 0);
    return 0;
}
