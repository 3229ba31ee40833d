/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * systemd integration (libsystemd's sd_notify): READY=1 once the bus name
 * is owned and the source started, STATUS= lines that follow the core's
 * state, RELOADING=1/STOPPING=1, and WATCHDOG=1 from the main loop at half
 * the WatchdogSec interval (on the core's clock) while the data path is
 * alive: frames arriving, or the source legitimately idle
 * (kn_core_get_liveness, kneed(8)).  A stalled source gets one warning and
 * a "Stalled:" STATUS= line, and no more pings.  All no-ops when not run
 * by systemd.
 */
#pragma once

#include "daemon/core.h"

typedef struct _KnSystemd KnSystemd;

KnSystemd *kn_systemd_new(KnCore *core);
void kn_systemd_free(KnSystemd *sd);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(KnSystemd, kn_systemd_free)

void kn_systemd_ready(KnSystemd *sd);
void kn_systemd_reloading(KnSystemd *sd);
void kn_systemd_stopping(KnSystemd *sd);
/* A free-form STATUS= line (an error the state does not show). */
void kn_systemd_status(KnSystemd *sd, const char *format, ...) G_GNUC_PRINTF(2, 3);
