/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Publishers: everything that takes the core's output somewhere — the
 * D-Bus API (daemon/dbus-api.c), the BLE GATT application, haptics, the
 * session store.  A publisher registers a table of callbacks with
 * kn_core_add_publisher() and calls the control functions of core.h.
 *
 * Rules for callbacks:
 * - Any member may be NULL.
 * - They run on the core's thread from the main loop, in the same dispatch
 *   as the event: never block, never run a nested main loop.  Queue what
 *   cannot be done at once (a BLE indication waiting for its confirmation).
 * - Pointers passed in are valid only during the call: copy what you keep.
 * - A callback may call any core function, including
 *   kn_core_remove_publisher() on itself; a publisher removed during a
 *   dispatch gets no further callback.
 *
 * Order within one batch of frames: stride and alert callbacks as the
 * analysis raises them (sample order), then frames, then status if
 * something changed, then live if the publication period has elapsed.
 */
#pragma once

#include "daemon/core.h"

G_BEGIN_DECLS

typedef struct {
    const char *name;            /* for log messages: "dbus", "ble", ... */

    /* Live metrics, at most publish_hz times a second (default 2 Hz) while
     * frames flow; not called when nothing changed. */
    void (*live)(gpointer data, const struct kn_live *live);

    /* Each stride, at the initial contact that closes it. */
    void (*stride)(gpointer data, const struct kn_stride *stride);

    /* Each alert, the moment it is raised: analysis alerts and the pain
     * red flag (kind KN_ALERT_PAIN). */
    void (*alert)(gpointer data, const KnAlertEvent *event);

    /* Something in kn_core_get_status() or the parameters changed;
     * changed is a mask of KnChange.  Also called once from
     * kn_core_add_publisher() with KN_CHANGED_ALL so a new publisher
     * starts from the current state. */
    void (*status)(gpointer data, KnChange changed, const KnCoreStatus *status);

    /* Every pain report, red flag or not (the alert callback also sees
     * the red flag). */
    void (*pain)(gpointer data, const KnPainReport *report);

    /* kn_core_identify(): buzz for duration_ms if you can. */
    void (*identify)(gpointer data, guint duration_ms);

    /* A moment of pain marked without a score (kn_core_mark_pain).  Its
     * score comes later through the pain callback, with mark_id set. */
    void (*pain_mark)(gpointer data, const KnPainMark *mark);

    /* The wall clock's mapping changed (a client set the time, the system
     * clock stepped, the board resumed): from change->monotonic_us on,
     * wall = CLOCK_MONOTONIC + change->new_offset_us.  Times stamped before
     * keep their value.  Then the status callback hears KN_CHANGED_CLOCK. */
    void (*clock)(gpointer data, const KnClockChange *change);

    /* Every batch of frames the analysis accepted, as it took them (a
     * value out of range already left out), after the batch's strides
     * and alerts.  For the frame stream (kneectl record); costs nothing
     * while no publisher sets it. */
    void (*frames)(gpointer data, const struct kn_frame *frames, gsize n_frames);
} KnPublisherOps;

/* ops must outlive the registration (a static const table).  destroy (may
 * be NULL) runs on data at removal or in kn_core_free().  Returns an id > 0. */
guint kn_core_add_publisher(KnCore *core, const KnPublisherOps *ops, gpointer data,
                            GDestroyNotify destroy);
void kn_core_remove_publisher(KnCore *core, guint id);

G_END_DECLS
