/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>

#include "client/params-cli.h"

gboolean kn_params_cli_apply(struct kn_params *p, const char *const *sets, GError **error)
{
    const char *bad = NULL;

    for (const char *const *s = sets; s && *s; s++) {
        const char *eq = strchr(*s, '=');
        g_autofree char *key = NULL;
        const struct kn_param_info *info;
        char *end = NULL;
        double v;

        if (!eq) {
            g_set_error(error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                        "'%s': expected KEY=VALUE", *s);
            return FALSE;
        }
        key = g_strndup(*s, (gsize) (eq - *s));
        info = kn_params_lookup(key);
        if (!info) {
            g_set_error(error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                        "'%s': unknown parameter (see kneectl thresholds)", key);
            return FALSE;
        }
        v = g_ascii_strtod(eq + 1, &end);
        if (!eq[1] || *end) {
            g_set_error(error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                        "%s: '%s' is not a number", key, eq + 1);
            return FALSE;
        }
        if (kn_params_check(info, v) < 0) {
            g_set_error(error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                        "%s: %s is out of range [%g, %g]%s", key, eq + 1, info->min, info->max,
                        info->kind == KN_PARAM_INTEGER ? " (an integer)" : "");
            return FALSE;
        }
        p->v[info->id] = v;
    }
    if (kn_params_validate(p, &bad) < 0) {
        g_set_error(error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                    "%s: inconsistent with the other thresholds (a critical level below its warning level?)",
                    bad);
        return FALSE;
    }
    return TRUE;
}
