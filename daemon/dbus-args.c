/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "daemon/dbus-args.h"

/* Any numeric D-Bus type; FALSE for the rest. */
static gboolean variant_to_double(GVariant *v, double *ret)
{
    switch (g_variant_classify(v)) {
    case G_VARIANT_CLASS_DOUBLE:
        *ret = g_variant_get_double(v);
        return TRUE;
    case G_VARIANT_CLASS_BYTE:
        *ret = g_variant_get_byte(v);
        return TRUE;
    case G_VARIANT_CLASS_INT16:
        *ret = g_variant_get_int16(v);
        return TRUE;
    case G_VARIANT_CLASS_UINT16:
        *ret = g_variant_get_uint16(v);
        return TRUE;
    case G_VARIANT_CLASS_INT32:
        *ret = g_variant_get_int32(v);
        return TRUE;
    case G_VARIANT_CLASS_UINT32:
        *ret = g_variant_get_uint32(v);
        return TRUE;
    case G_VARIANT_CLASS_INT64:
        *ret = (double) g_variant_get_int64(v);
        return TRUE;
    case G_VARIANT_CLASS_UINT64:
        *ret = (double) g_variant_get_uint64(v);
        return TRUE;
    case G_VARIANT_CLASS_BOOLEAN:
    case G_VARIANT_CLASS_STRING:
    case G_VARIANT_CLASS_OBJECT_PATH:
    case G_VARIANT_CLASS_SIGNATURE:
    case G_VARIANT_CLASS_HANDLE:
    case G_VARIANT_CLASS_VARIANT:
    case G_VARIANT_CLASS_MAYBE:
    case G_VARIANT_CLASS_ARRAY:
    case G_VARIANT_CLASS_TUPLE:
    case G_VARIANT_CLASS_DICT_ENTRY:
        break;
    }
    return FALSE;
}

gboolean kn_dbus_args_thresholds(GVariant *thresholds, GArray **ret_updates, GError **error)
{
    g_autoptr(GArray) updates = g_array_new(FALSE, FALSE, sizeof(KnThresholdUpdate));
    GVariantIter iter;
    const char *key;
    GVariant *value;

    g_return_val_if_fail(g_variant_is_of_type(thresholds, G_VARIANT_TYPE_VARDICT), FALSE);
    g_variant_iter_init(&iter, thresholds);
    while (g_variant_iter_loop(&iter, "{&sv}", &key, &value)) {
        KnThresholdUpdate u = { .key = key };

        if (!variant_to_double(value, &u.value)) {
            g_set_error(error, KN_ERROR, KN_ERROR_INVALID_ARGUMENT,
                        "'%s': not a number (D-Bus type %s)", key,
                        g_variant_get_type_string(value));
            g_variant_unref(value);
            return FALSE;
        }
        g_array_append_val(updates, u);
    }
    *ret_updates = g_steal_pointer(&updates);
    return TRUE;
}

gboolean kn_dbus_args_pain(const char *location, const char *timing, KnPainLocation *ret_location,
                           KnPainTiming *ret_timing, GError **error)
{
    KnPainLocation where;
    KnPainTiming when;

    if (!kn_pain_location_from_string(location, &where)) {
        g_set_error(error, KN_ERROR, KN_ERROR_INVALID_ARGUMENT,
                    "unknown location '%s' (front, outside, inside, back)", location);
        return FALSE;
    }
    if (!kn_pain_timing_from_string(timing, &when)) {
        g_set_error(error, KN_ERROR, KN_ERROR_INVALID_ARGUMENT,
                    "unknown timing '%s' (start, during, after)", timing);
        return FALSE;
    }
    *ret_location = where;
    *ret_timing = when;
    return TRUE;
}

gboolean kn_dbus_args_flex_points(GVariant *points, KnFlexCal *ret_cal, GError **error)
{
    KnFlexCal cal = { 0 };
    GVariantIter iter;
    double raw, deg;

    if (g_variant_n_children(points) > KN_FLEX_CAL_MAX_POINTS) {
        g_set_error(error, KN_ERROR, KN_ERROR_INVALID_ARGUMENT,
                    "points: at most %d (raw, degrees) pairs, not %zu", KN_FLEX_CAL_MAX_POINTS,
                    g_variant_n_children(points));
        return FALSE;
    }
    g_variant_iter_init(&iter, points);
    while (g_variant_iter_next(&iter, "(dd)", &raw, &deg)) {
        cal.p[cal.n].raw = raw;
        cal.p[cal.n].deg = deg;
        cal.n++;
    }
    *ret_cal = cal;
    return TRUE;
}
