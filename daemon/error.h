/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The daemon's one error domain.  Every control function of the core
 * (daemon/core.h) fails with one of these codes; each publisher maps them
 * to its own protocol in one place: daemon/error.c maps them to the named
 * D-Bus errors org.kneed.Kneed1.Error.* (registered with GDBus, so
 * g_dbus_method_invocation_return_gerror() sends the right name), the BLE
 * publisher to its control-point result codes / ATT errors.
 *
 * Codes are part of the published API (D-Bus names, BLE result codes):
 * never renumber, only append.
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define KN_ERROR (kn_error_quark())
GQuark kn_error_quark(void);

typedef enum {
    KN_ERROR_FAILED = 0,          /* Failed: anything not below */
    KN_ERROR_INVALID_ARGUMENT,    /* InvalidArgument: malformed (wrong type, unknown name) */
    KN_ERROR_UNKNOWN_KEY,         /* UnknownKey: no threshold by that name */
    KN_ERROR_OUT_OF_RANGE,        /* OutOfRange: well-formed but outside the allowed range */
    KN_ERROR_NO_DATA,             /* NoData: no frames / no knee angle to work from */
    KN_ERROR_NOT_STILL,           /* NotStill: calibration needs the leg straight and still */
    KN_ERROR_IN_PROGRESS,         /* InProgress: the same operation is already running */
    KN_ERROR_SESSION_ACTIVE,      /* SessionActive: StartSession while a session runs */
    KN_ERROR_NO_SESSION,          /* NoSession: StopSession without a session */
    KN_ERROR_NOT_SUPPORTED,       /* NotSupported: this sleeve / build cannot do it */
    KN_ERROR_TIMED_OUT,           /* TimedOut: the source stopped delivering meanwhile */
    KN_ERROR_NOT_FOUND,           /* NotFound: no such object (a pain mark to score) */
    KN_ERROR_CODE_COUNT
} KnError;

/* "org.kneed.Kneed1.Error.Failed", ...; NULL for an invalid code.  The
 * mapping is registered with GDBus on the first use of KN_ERROR. */
const char *kn_error_to_dbus_name(KnError code);

/* Maps a negative errno from the pure code (analysis, params) to a code:
 * -ENOENT -> UNKNOWN_KEY, -ERANGE -> OUT_OF_RANGE, -EINVAL ->
 * INVALID_ARGUMENT, -ENODATA -> NO_DATA, -EBUSY -> NOT_STILL,
 * -EALREADY -> IN_PROGRESS, -ENOTSUP -> NOT_SUPPORTED, -ETIMEDOUT ->
 * TIMED_OUT, anything else -> FAILED. */
KnError kn_error_from_errno(int negative_errno);

G_END_DECLS
