/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* PLACEHOLDER: the runner model lands with issue 2. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "drivers/sim-model.h"

void kn_sim_config_init(struct kn_sim_config *c)
{
    memset(c, 0, sizeof(*c));
    c->rate_hz = 200;
}

int kn_sim_config_add_block(struct kn_sim_config *c, const char *spec, char *err, size_t err_len)
{
    return -ENOSYS;
}

int kn_sim_config_add_event(struct kn_sim_config *c, const char *spec, char *err, size_t err_len)
{
    return -ENOSYS;
}

int kn_sim_config_validate(const struct kn_sim_config *c, char *err, size_t err_len)
{
    return -ENOSYS;
}

struct kn_sim *kn_sim_new(const struct kn_sim_config *c)
{
    return NULL;
}

void kn_sim_free(struct kn_sim *s)
{
}

double kn_sim_duration(const struct kn_sim *s)
{
    return 0;
}

bool kn_sim_next(struct kn_sim *s, struct kn_frame *ret_frame, struct kn_sim_truth *ret_truth)
{
    return false;
}

size_t kn_sim_windows(const struct kn_sim *s, const struct kn_sim_window **ret_windows)
{
    return 0;
}

const char *kn_sim_event_kind_to_string(enum kn_sim_event_kind kind)
{
    return "unknown";
}

const char *kn_sim_activity_to_string(enum kn_sim_activity activity)
{
    return "unknown";
}
