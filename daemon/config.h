/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * kneed's configuration: /etc/kneed/kneed.conf (GKeyFile), documented in
 * kneed.conf(5).  Groups:
 *
 *   [daemon]      source, side, batch_ms, publish_hz, state_dir
 *   [simulated]   the simulated sleeve (rate, seed, noise, blocks, events...)
 *   [replay]      file, speed, loop
 *   [flex], [thigh], [shank]   the sensors of source = iio (daemon/iio-config.h)
 *   [thresholds]  any key of the thresholds table ("hyperextension.angle_deg")
 *   [hyperextension], [instability], [range_loss], [locking], [advice],
 *   [gait]        the same keys per detector, without the prefix ("angle_deg")
 *
 * Extension point: a module (BLE, haptics, ...) claims its own group by
 * passing a KnConfigGroup to kn_config_load(); its check function
 * validates the group at start-up and on every reload with the
 * daemon/keyfile.h helpers (so its errors name file and line too), and the
 * module reads its values from kn_config_get_file() afterwards.  A claimed
 * group with check NULL is accepted unchecked (reserved for a module not
 * built in yet).  Any other unknown group or key is an error.
 */
#pragma once

#include "daemon/core.h"
#include "daemon/keyfile.h"
#include "drivers/driver.h"

G_BEGIN_DECLS

#define KN_CONFIG_DEFAULT_PATH SYSCONFDIR "/kneed/kneed.conf"

typedef struct {
    const char *group;
    gboolean (*check)(const KnKeyFile *file, const char *group, gpointer user_data,
                      GError **error);
    gpointer user_data;
} KnConfigGroup;

typedef struct {
    KnKeyFile *file;
    const KnDriver *driver;          /* [daemon] source */
    KnDriverOptions driver_opts;
    KnCoreOptions core_opts;
    char *state_dir;                 /* [daemon] state_dir, NULL: the default
                                        (daemon/state-dir.h resolves it) */
} KnConfig;

/* path NULL: KN_CONFIG_DEFAULT_PATH if it exists, else built-in defaults.
 * A path given must exist.  Errors: KN_CONFIG_ERROR, "FILE:LINE: [group]
 * key: message". */
KnConfig *kn_config_load(const char *path, const KnConfigGroup *modules, gsize n_modules,
                         GError **error);
/* The same from len bytes of kneed.conf text named `name` (the fuzzer's
 * way in: fuzz/fuzz-config.c). */
KnConfig *kn_config_load_data(const char *name, const char *data, gsize len,
                              const KnConfigGroup *modules, gsize n_modules, GError **error);
void kn_config_free(KnConfig *config);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(KnConfig, kn_config_free)

const KnKeyFile *kn_config_get_file(const KnConfig *config);

/* The configuration as kneed.conf text, every key with its effective
 * value and a comment (kneed --print-config; the installed example). */
char *kn_config_to_string(const KnConfig *config);

/* TRUE when switching from a to b needs no restart of the source. */
gboolean kn_config_same_source(const KnConfig *a, const KnConfig *b);

G_END_DECLS
