/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A GPIO chip for the tests: the kernel boundary of libgpiod 1.6 (its
 * character device and the v1 ioctls) emulated with umockdev, so that the
 * real libgpiod and kneed's real code run on top (../shared/mocking.md).
 *
 * The chip is /dev/gpiochipN with its sysfs device; each line has one more
 * emulated node, /dev/gpiomockN-lineK, that the ioctl handler opens to
 * answer LINEHANDLE and LINEEVENT (those ioctls return a new fd, which
 * only works in-process: the code under test runs in the test program).
 * The line node is a pseudo-terminal: injected edges are written into it
 * as struct gpioevent_data, and its fd polls readable like the kernel's.
 * Output changes are recorded with the CLOCK_MONOTONIC time at which
 * the SET_LINE_VALUES ioctl reached the handler.
 *
 * Levels here are physical (the pin); active-low is applied as the
 * kernel does.  Thread-safe: the handler runs on umockdev's worker.
 */
#pragma once

#include <glib.h>
#include <umockdev.h>

G_BEGIN_DECLS

typedef struct _KnGpioMock KnGpioMock;

typedef struct {
    gint64 t_us;                  /* CLOCK_MONOTONIC when the ioctl was handled */
    int level;                    /* physical */
} KnGpioMockChange;

/* names[i] may be NULL (an unnamed line); names may be NULL. */
KnGpioMock *kn_gpio_mock_new(UMockdevTestbed *testbed, guint chip_number, const char *label,
                             guint n_lines, const char *const *names);
void kn_gpio_mock_free(KnGpioMock *mock);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(KnGpioMock, kn_gpio_mock_free)

/* The line is held by another process (consumer shown in LINEINFO). */
void kn_gpio_mock_set_foreign(KnGpioMock *mock, guint offset, const char *consumer);
gboolean kn_gpio_mock_requested(KnGpioMock *mock, guint offset);
/* Waits (up to timeout_ms) until our own request of the line is gone:
 * the handler sees a close only once umockdev's worker reads it. */
gboolean kn_gpio_mock_wait_released(KnGpioMock *mock, guint offset, guint timeout_ms);
/* GPIOHANDLE_REQUEST_* flags of the current request, 0 when none. */
guint32 kn_gpio_mock_flags(KnGpioMock *mock, guint offset);
/* Physical level of the pin. */
int kn_gpio_mock_level(KnGpioMock *mock, guint offset);
/* The output's changes so far (a copy), and forgetting them. */
GArray *kn_gpio_mock_changes(KnGpioMock *mock, guint offset);
void kn_gpio_mock_clear_changes(KnGpioMock *mock, guint offset);
guint kn_gpio_mock_sets(KnGpioMock *mock, guint offset);   /* SET ioctls, changes or not */
/* Drives an input pin to a physical level at time t_us (CLOCK_MONOTONIC);
 * with an edge request on it, the kernel-style event (rising or falling
 * in logical terms, stamped t_us) is queued on its fd. */
void kn_gpio_mock_drive(KnGpioMock *mock, guint offset, int level, gint64 t_us);
/* The next ioctl on the line's handle fails with err (EIO: a chip that
 * went away). */
void kn_gpio_mock_fail_next(KnGpioMock *mock, guint offset, int err);

G_END_DECLS
