/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <string.h>

#include "daemon/ble/shared/adv-plan.h"
#include "daemon/ble/shared/gatt-codec.h"

size_t kn_adv_data_len(bool flags, unsigned n_uuid16, unsigned n_uuid128, bool appearance,
                       size_t name_len)
{
    size_t len = 0;

    if (flags)
        len += 3;
    if (n_uuid16)
        len += 2 + 2 * n_uuid16;
    if (n_uuid128)
        len += 2 + 16 * n_uuid128;
    if (appearance)
        len += 4;
    if (name_len)
        len += 2 + name_len;
    return len;
}

static size_t budget(int advertised)
{
    /* Never more than legacy: an extended advertisement is invisible to
     * phones that only scan legacy PDUs. */
    if (advertised <= 0 || advertised > KN_ADV_LEGACY_MAX)
        return KN_ADV_LEGACY_MAX;
    return (size_t) advertised;
}

static size_t plan_adv_len(const struct kn_adv_plan *p)
{
    return kn_adv_data_len(p->discoverable, p->rsc_uuid ? 1 : 0, p->knee_uuid ? 1 : 0,
                           p->appearance, 0);
}

void kn_adv_plan_make(const struct kn_adv_plan_input *in, struct kn_adv_plan *ret)
{
    size_t adv_max = budget(in->max_adv_len);
    size_t rsp_max = budget(in->max_scan_rsp_len);
    size_t name_len = 0;

    memset(ret, 0, sizeof(*ret));
    ret->discoverable = true;
    ret->knee_uuid = true;
    ret->rsc_uuid = in->want_rsc_uuid;
    ret->appearance = in->want_appearance;

    /* Least useful first: a phone finds the sleeve by the knee UUID. */
    if (plan_adv_len(ret) > adv_max)
        ret->appearance = false;
    if (plan_adv_len(ret) > adv_max)
        ret->rsc_uuid = false;
    if (plan_adv_len(ret) > adv_max)
        ret->knee_uuid = false;
    if (plan_adv_len(ret) > adv_max)
        ret->discoverable = false;
    ret->adv_len = plan_adv_len(ret);

    if (in->name && in->name[0] && rsp_max > 2 &&
        kn_gatt_utf8_valid((const uint8_t *) in->name, strlen(in->name))) {
        size_t max = rsp_max - 2 < KN_ADV_NAME_MAX ? rsp_max - 2 : KN_ADV_NAME_MAX;

        name_len = kn_gatt_utf8_truncate((const uint8_t *) in->name, strlen(in->name), max);
        memcpy(ret->name, in->name, name_len);
        ret->name[name_len] = '\0';
    }
    ret->scan_rsp_len = kn_adv_data_len(false, 0, 0, false, name_len);
}
