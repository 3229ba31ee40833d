/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The D-Bus developer API publisher (dbus/org.kneed.Kneed1.xml,
 * docs/dbus-api.md): exports /org/kneed/Kneed1 (org.kneed.Kneed1.Daemon
 * plus an ObjectManager with one org.kneed.Kneed1.Sensor per sensor
 * group) on a connection, mirrors the core into properties and signals,
 * and turns method calls into core control calls.  It does not own the
 * bus name: main.c requests it once the objects are exported.
 */
#pragma once

#include <gio/gio.h>

#include "daemon/core.h"

G_BEGIN_DECLS

#define KN_DBUS_NAME "org.kneed.Kneed1"
#define KN_DBUS_PATH "/org/kneed/Kneed1"

typedef struct _KnDBusApi KnDBusApi;

KnDBusApi *kn_dbus_api_new(KnCore *core, GDBusConnection *connection, GError **error);
/* Unexports everything and unregisters from the core.  Accepts NULL. */
void kn_dbus_api_free(KnDBusApi *api);
/* The ObjectManager of /org/kneed/Kneed1, for other publishers' objects
 * (the BLE state at /org/kneed/Kneed1/bluetooth). */
GDBusObjectManagerServer *kn_dbus_api_get_object_manager(KnDBusApi *api);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(KnDBusApi, kn_dbus_api_free)

/* The a{sv} forms shared with kneectl's documentation (NaN metrics are
 * left out). */
GVariant *kn_dbus_stride_to_variant(const struct kn_stride *stride);
GVariant *kn_dbus_summary_to_variant(guint64 session_id, const struct kn_summary *summary);

G_END_DECLS
