/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * GPIO lines, as the sleeve uses them: one output line (motor, LED) or one
 * input line with edge events (button).  The implementation,
 * sleeve/gpio-gpiod.c, is the only file of kneed that includes <gpiod.h>
 * (libgpiod 1.6, the v1 character-device ABI); a port to libgpiod 2.x
 * replaces that file alone.
 *
 * A line is named by its chip and either its name (the device tree's
 * gpio-line-names, "GPIO17" on a Raspberry Pi) or its offset on the chip.
 * The chip is a path (/dev/gpiochip0), a device name (gpiochip0), a
 * number (0) or a label (pinctrl-bcm2711, cp2112_gpio); without one, a
 * named line is looked for on every chip.  Nothing blocks: outputs are
 * set with one ioctl, the edge file descriptor is non-blocking and is
 * meant for the main loop.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define KN_GPIO_ERROR (kn_gpio_error_quark())
GQuark kn_gpio_error_quark(void);

typedef enum {
    KN_GPIO_ERROR_NO_CHIP,        /* no such chip, or none at all */
    KN_GPIO_ERROR_NO_LINE,        /* no line of that name or offset */
    KN_GPIO_ERROR_BUSY,           /* requested by another consumer (EBUSY) */
    KN_GPIO_ERROR_ACCESS,         /* permission denied on the chip */
    KN_GPIO_ERROR_FAILED,         /* anything else (an unsupported flag, I/O) */
} KnGpioError;

typedef enum {
    KN_GPIO_BIAS_AS_IS = 0,       /* leave the pull as the board set it */
    KN_GPIO_BIAS_DISABLE,
    KN_GPIO_BIAS_PULL_UP,
    KN_GPIO_BIAS_PULL_DOWN,
} KnGpioBias;

/* "as-is", "disable", "pull-up", "pull-down". */
const char *kn_gpio_bias_to_string(KnGpioBias bias);
gboolean kn_gpio_bias_from_string(const char *s, KnGpioBias *ret);

typedef struct {
    const char *chip;             /* NULL: search every chip for name */
    const char *name;             /* NULL: use offset */
    guint offset;
    gboolean active_low;          /* the line's active level is low */
    KnGpioBias bias;              /* inputs only */
} KnGpioLineSpec;

typedef struct _KnGpioLine KnGpioLine;

/* Requests an output, driven to the logical value initial at once.  The
 * error message names the chip and the line and says what is wrong (the
 * chips found, the line's range, the consumer holding it). */
KnGpioLine *kn_gpio_output_open(const KnGpioLineSpec *spec, const char *consumer,
                                gboolean initial, GError **error);
/* Requests an input with events on both edges. */
KnGpioLine *kn_gpio_edges_open(const KnGpioLineSpec *spec, const char *consumer,
                               GError **error);
/* Releases the line (an output keeps its last level, as the kernel
 * leaves it).  Accepts NULL. */
void kn_gpio_line_close(KnGpioLine *line);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(KnGpioLine, kn_gpio_line_close)

/* "gpiochip0 [pinctrl-bcm2711] line 17 (GPIO17)". */
const char *kn_gpio_line_describe(const KnGpioLine *line);

/* Sets an output's logical value.  0 or a negative errno. */
int kn_gpio_line_set(KnGpioLine *line, gboolean value);

typedef struct {
    gboolean rising;              /* logical level after the edge: TRUE = active */
    gint64 timestamp_us;          /* the kernel's CLOCK_MONOTONIC stamp */
} KnGpioEdge;

/* The non-blocking file descriptor that is readable when edges wait. */
int kn_gpio_line_edge_fd(const KnGpioLine *line);
/* Reads up to max waiting edges: their number, 0 when none, or a
 * negative errno. */
int kn_gpio_line_read_edges(KnGpioLine *line, KnGpioEdge *edges, guint max);

G_END_DECLS
