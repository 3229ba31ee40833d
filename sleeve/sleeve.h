/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The sleeve's own I/O as a publisher of the core (daemon/publisher.h):
 * the button's gestures become core calls (a short press marks pain, a
 * double press starts or stops a session, a long press opens the BLE
 * pairing window), alerts, Identify and cadence coaching drive the
 * vibration motor, and the LED shows the state.  docs/sleeve.md has every
 * gesture, pattern and timing.
 *
 * Everything runs on the main context of the thread that made it: edges are read
 * when the line's event fd is readable (never polled), outputs change on
 * main-loop timers armed for the exact time of the next step (never a
 * sleep, never a periodic tick), and the button's deadlines are timers
 * too.
 *
 * Errors: at start-up every problem with a configured line (no such
 * chip, no such line, EBUSY, permission denied) is a configuration error
 * naming file, line, section and key; kneed exits 78.  At runtime an I/O
 * error puts that part in a failed state: logged once, shown in the core
 * status (D-Bus SleeveIo, the BLE Status error bit for the motor, the
 * LED's fault pattern) and the line is opened again after 1, 2, 4 ... 30
 * s until it works.
 */
#pragma once

#include "daemon/core.h"
#include "daemon/keyfile.h"

G_BEGIN_DECLS

typedef struct _KnSleeve KnSleeve;

/* Reads [button], [haptic] and [led] (checked by kn_config_load already),
 * opens the lines and registers with the core.  NULL without error when
 * no line is configured; NULL with a KN_CONFIG_ERROR when a line cannot
 * be had. */
KnSleeve *kn_sleeve_new(KnCore *core, const KnKeyFile *config, GError **error);
/* Turns the motor and the LED off, releases the lines, unregisters.
 * Accepts NULL. */
void kn_sleeve_free(KnSleeve *sleeve);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(KnSleeve, kn_sleeve_free)

/* TRUE when config's sections differ from those sleeve runs with (a
 * reload must then replace it); sleeve may be NULL (none configured). */
gboolean kn_sleeve_config_changed(KnSleeve *sleeve, const KnKeyFile *config);

/* What the radio does, for the LED (from the BLE publisher). */
typedef enum {
    KN_SLEEVE_LINK_NONE = 0,      /* no Bluetooth */
    KN_SLEEVE_LINK_ADVERTISING,
    KN_SLEEVE_LINK_CONNECTED,
} KnSleeveLink;

void kn_sleeve_set_link(KnSleeve *sleeve, KnSleeveLink link);
/* How long a long press opens the pairing window; 0: no Bluetooth (a long
 * press is then refused with the "refused" cue). */
void kn_sleeve_set_pairing_window(KnSleeve *sleeve, guint seconds);

/* Hands the next gesture to func instead of its usual action: a short
 * press confirms (TRUE), a double or long press refuses, timeout_ms
 * without a gesture refuses; the motor plays "confirm-asked" at once.
 * For asking the wearer to approve something with the button (a new
 * Bluetooth bond).  FALSE when there is no working button or a request is
 * pending already. */
typedef void (*KnSleeveConfirmFunc)(gboolean confirmed, gpointer user_data);
gboolean kn_sleeve_request_confirmation(KnSleeve *sleeve, guint timeout_ms,
                                        KnSleeveConfirmFunc func, gpointer user_data);
/* Drops the pending request without calling it. */
void kn_sleeve_cancel_confirmation(KnSleeve *sleeve);

/* For logs and tests: the LED's state ("idle", "fault", ...) and the
 * motor's pattern playing (NULL when none). */
const char *kn_sleeve_led_state(KnSleeve *sleeve);
const char *kn_sleeve_haptic_playing(KnSleeve *sleeve);

G_END_DECLS
