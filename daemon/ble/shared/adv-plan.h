/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * What goes into kneed's LE advertisement, computed with bluetoothd's own
 * byte count so that a registration is never refused for size
 * (docs/gatt.md "Advertisement").  Pure C.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define KN_ADV_LEGACY_MAX 31
#define KN_ADV_NAME_MAX 29

struct kn_adv_plan_input {
    const char *name;             /* UTF-8, may be NULL */
    bool want_rsc_uuid;
    bool want_appearance;
    int max_adv_len;              /* SupportedCapabilities MaxAdvLen; <= 0 unknown */
    int max_scan_rsp_len;         /* MaxScnRspLen; <= 0 unknown */
};

struct kn_adv_plan {
    bool discoverable;            /* Flags AD structure (3 bytes) */
    bool knee_uuid;
    bool rsc_uuid;
    bool appearance;
    char name[KN_ADV_NAME_MAX + 1];   /* "" when there is no room */
    size_t adv_len;
    size_t scan_rsp_len;
};

/* Length of advertising data made of these AD structures, as bluetoothd
 * counts it: 2 bytes of length and type per structure, UUIDs grouped by
 * size into one structure each. */
size_t kn_adv_data_len(bool flags, unsigned n_uuid16, unsigned n_uuid128, bool appearance,
                       size_t name_len);

void kn_adv_plan_make(const struct kn_adv_plan_input *in, struct kn_adv_plan *ret);
