/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The sensors' sections of kneed.conf, kneed.conf(5):
 *
 *   [thigh], [shank]   device, bus, gyro_device, gyro_bus, rate_hz, trigger,
 *                      mount_matrix
 *   [flex]             device, bus, channel, rate_hz, trigger, calibration
 *
 * One validator for the three.  Everything that needs no hardware is
 * checked at every load (start-up: exit 78; SIGHUP: the running
 * configuration stays).  With source = iio, every configured device that
 * is present is also checked against its section (channels, scan
 * elements, trigger, mount matrix); a device that is absent is no error
 * here: the source reports it as a failed sensor, names the same file,
 * line and key, and waits for it.
 */
#pragma once

#include <glib.h>

#include "daemon/keyfile.h"
#include "drivers/iio-options.h"

#define KN_IIO_CONFIG_IS_GROUP(g) \
    (g_strcmp0((g), "flex") == 0 || g_strcmp0((g), "thigh") == 0 || g_strcmp0((g), "shank") == 0)

/* Fills opts from the file.  selected: source = iio (the hardware check
 * runs, and at least one sensor must be configured). */
gboolean kn_iio_config_load(const KnKeyFile *file, KnIioOptions *opts, gboolean selected,
                            GError **error);

/* The sections as kneed.conf text with comments (kneed --print-config):
 * unconfigured sections come as commented-out examples. */
void kn_iio_config_print(GString *s, const KnIioOptions *opts);
