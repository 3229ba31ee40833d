/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>

#include "daemon/error.h"

/* The one table from internal codes to D-Bus error names.  Keep in the
 * order of KnError; docs/dbus-api.md lists the same names. */
static const GDBusErrorEntry dbus_errors[] = {
    { KN_ERROR_FAILED, "org.kneed.Kneed1.Error.Failed" },
    { KN_ERROR_INVALID_ARGUMENT, "org.kneed.Kneed1.Error.InvalidArgument" },
    { KN_ERROR_UNKNOWN_KEY, "org.kneed.Kneed1.Error.UnknownKey" },
    { KN_ERROR_OUT_OF_RANGE, "org.kneed.Kneed1.Error.OutOfRange" },
    { KN_ERROR_NO_DATA, "org.kneed.Kneed1.Error.NoData" },
    { KN_ERROR_NOT_STILL, "org.kneed.Kneed1.Error.NotStill" },
    { KN_ERROR_IN_PROGRESS, "org.kneed.Kneed1.Error.InProgress" },
    { KN_ERROR_SESSION_ACTIVE, "org.kneed.Kneed1.Error.SessionActive" },
    { KN_ERROR_NO_SESSION, "org.kneed.Kneed1.Error.NoSession" },
    { KN_ERROR_NOT_SUPPORTED, "org.kneed.Kneed1.Error.NotSupported" },
    { KN_ERROR_TIMED_OUT, "org.kneed.Kneed1.Error.TimedOut" },
    { KN_ERROR_NOT_FOUND, "org.kneed.Kneed1.Error.NotFound" },
};

G_STATIC_ASSERT(G_N_ELEMENTS(dbus_errors) == KN_ERROR_CODE_COUNT);

GQuark kn_error_quark(void)
{
    static gsize quark;

    g_dbus_error_register_error_domain("kn-error-quark", &quark, dbus_errors,
                                       G_N_ELEMENTS(dbus_errors));
    return (GQuark) quark;
}

const char *kn_error_to_dbus_name(KnError code)
{
    if ((unsigned) code >= G_N_ELEMENTS(dbus_errors))
        return NULL;
    return dbus_errors[code].dbus_error_name;
}

KnError kn_error_from_errno(int negative_errno)
{
    switch (-negative_errno) {
    case ENOENT:
        return KN_ERROR_UNKNOWN_KEY;
    case ERANGE:
        return KN_ERROR_OUT_OF_RANGE;
    case EINVAL:
        return KN_ERROR_INVALID_ARGUMENT;
    case ENODATA:
        return KN_ERROR_NO_DATA;
    case EBUSY:
        return KN_ERROR_NOT_STILL;
    case EALREADY:
        return KN_ERROR_IN_PROGRESS;
    case ENOTSUP:
        return KN_ERROR_NOT_SUPPORTED;
    case ETIMEDOUT:
        return KN_ERROR_TIMED_OUT;
    default:
        return KN_ERROR_FAILED;
    }
}
