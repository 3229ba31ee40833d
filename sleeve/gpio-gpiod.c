/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * sleeve/gpio.h on libgpiod 1.6 (the v1 API).  The only file of kneed that
 * includes <gpiod.h>.
 *
 * Chips are listed by reading /dev ourselves rather than with
 * gpiod_chip_iter_new(): libgpiod's iterator gives up on every chip when
 * one cannot be opened (one chip root-only makes the others unreachable),
 * while here such a chip is only skipped and named in the error.
 */
#define G_LOG_DOMAIN "kneed"

#include <errno.h>
#include <fcntl.h>
#include <gpiod.h>
#include <string.h>

#include "sleeve/gpio.h"

#ifndef ENOTSUPP
#define ENOTSUPP 524              /* the kernel's "operation not supported" */
#endif

G_DEFINE_QUARK(kn-gpio-error-quark, kn_gpio_error)

struct _KnGpioLine {
    struct gpiod_chip *chip;
    struct gpiod_line *line;
    int edge_fd;                  /* -1 for an output */
    char *describe;
};

const char *kn_gpio_bias_to_string(KnGpioBias bias)
{
    switch (bias) {
    case KN_GPIO_BIAS_AS_IS:
        return "as-is";
    case KN_GPIO_BIAS_DISABLE:
        return "disable";
    case KN_GPIO_BIAS_PULL_UP:
        return "pull-up";
    case KN_GPIO_BIAS_PULL_DOWN:
        return "pull-down";
    }
    return NULL;
}

gboolean kn_gpio_bias_from_string(const char *s, KnGpioBias *ret)
{
    for (KnGpioBias b = KN_GPIO_BIAS_AS_IS; b <= KN_GPIO_BIAS_PULL_DOWN; b++) {
        if (g_strcmp0(s, kn_gpio_bias_to_string(b)) == 0) {
            *ret = b;
            return TRUE;
        }
    }
    return FALSE;
}

/* ---- chips ---- */

static gint compare_names(gconstpointer a, gconstpointer b)
{
    return strcmp(*(char *const *) a, *(char *const *) b);
}

/* The gpiochip* entries of /dev, sorted. */
static GPtrArray *chip_names(void)
{
    GPtrArray *names = g_ptr_array_new_with_free_func(g_free);
    g_autoptr(GDir) dir = g_dir_open("/dev", 0, NULL);
    const char *name;

    while (dir && (name = g_dir_read_name(dir)))
        if (g_str_has_prefix(name, "gpiochip"))
            g_ptr_array_add(names, g_strdup(name));
    g_ptr_array_sort(names, compare_names);
    return names;
}

static GError *chip_error(const char *what, int err)
{
    switch (err) {
    case EACCES:
    case EPERM:
        return g_error_new(KN_GPIO_ERROR, KN_GPIO_ERROR_ACCESS,
                           "%s: permission denied (kneed's user needs the gpio group)", what);
    case ENOENT:
        return g_error_new(KN_GPIO_ERROR, KN_GPIO_ERROR_NO_CHIP, "%s: no such GPIO chip", what);
    case ENOTTY:
    case ENODEV:
        return g_error_new(KN_GPIO_ERROR, KN_GPIO_ERROR_NO_CHIP, "%s is not a GPIO chip", what);
    default:
        return g_error_new(KN_GPIO_ERROR, KN_GPIO_ERROR_FAILED, "%s: %s", what, g_strerror(err));
    }
}

static struct gpiod_chip *open_path(const char *path, GError **error)
{
    struct gpiod_chip *chip = gpiod_chip_open(path);

    if (!chip)
        g_propagate_error(error, chip_error(path, errno));
    return chip;
}

/* "gpiochip0 [pinctrl-bcm2711] (58 lines), gpiochip1 [...] ..." or "none". */
static char *chips_found(void)
{
    g_autoptr(GPtrArray) names = chip_names();
    GString *s = g_string_new(NULL);

    for (guint i = 0; i < names->len; i++) {
        g_autofree char *path = g_strconcat("/dev/", (char *) names->pdata[i], NULL);
        struct gpiod_chip *chip = gpiod_chip_open(path);

        if (s->len)
            g_string_append(s, ", ");
        if (!chip) {
            g_string_append_printf(s, "%s (%s)", (char *) names->pdata[i], g_strerror(errno));
            continue;
        }
        g_string_append_printf(s, "%s [%s] (%u lines)", gpiod_chip_name(chip),
                               gpiod_chip_label(chip), gpiod_chip_num_lines(chip));
        gpiod_chip_close(chip);
    }
    if (!s->len)
        g_string_append(s, "none");
    return g_string_free(s, FALSE);
}

static gboolean all_digits(const char *s)
{
    if (!*s)
        return FALSE;
    for (; *s; s++)
        if (!g_ascii_isdigit(*s))
            return FALSE;
    return TRUE;
}

static struct gpiod_chip *open_by_label(const char *label, GError **error)
{
    g_autoptr(GPtrArray) names = chip_names();

    for (guint i = 0; i < names->len; i++) {
        g_autofree char *path = g_strconcat("/dev/", (char *) names->pdata[i], NULL);
        struct gpiod_chip *chip = gpiod_chip_open(path);

        if (chip && strcmp(gpiod_chip_label(chip), label) == 0)
            return chip;
        if (chip)
            gpiod_chip_close(chip);
    }
    {
        g_autofree char *found = chips_found();

        g_set_error(error, KN_GPIO_ERROR, KN_GPIO_ERROR_NO_CHIP,
                    "no GPIO chip '%s' (chips: %s)", label, found);
    }
    return NULL;
}

static struct gpiod_chip *open_chip(const char *chip, GError **error)
{
    g_autofree char *path = NULL;
    g_autoptr(GError) local = NULL;
    struct gpiod_chip *c;

    if (chip[0] == '/')
        path = g_strdup(chip);
    else if (all_digits(chip))
        path = g_strconcat("/dev/gpiochip", chip, NULL);
    else if (g_str_has_prefix(chip, "gpiochip"))
        path = g_strconcat("/dev/", chip, NULL);
    else
        return open_by_label(chip, error);
    c = open_path(path, &local);
    if (!c && g_error_matches(local, KN_GPIO_ERROR, KN_GPIO_ERROR_NO_CHIP)) {
        g_autofree char *found = chips_found();

        g_set_error(error, KN_GPIO_ERROR, KN_GPIO_ERROR_NO_CHIP, "%s (chips: %s)",
                    local->message, found);
        return NULL;
    }
    if (!c)
        g_propagate_error(error, g_steal_pointer(&local));
    return c;
}

/* ---- lines ---- */

static struct gpiod_line *find_on_chip(struct gpiod_chip *chip, const KnGpioLineSpec *spec,
                                       GError **error)
{
    struct gpiod_line *line;

    if (spec->name) {
        line = gpiod_chip_find_line(chip, spec->name);
        if (!line)
            g_set_error(error, KN_GPIO_ERROR, KN_GPIO_ERROR_NO_LINE,
                        "no line named '%s' on %s [%s]", spec->name, gpiod_chip_name(chip),
                        gpiod_chip_label(chip));
        return line;
    }
    if (spec->offset >= gpiod_chip_num_lines(chip)) {
        g_set_error(error, KN_GPIO_ERROR, KN_GPIO_ERROR_NO_LINE,
                    "no line %u on %s [%s]: it has lines 0..%u", spec->offset,
                    gpiod_chip_name(chip), gpiod_chip_label(chip),
                    gpiod_chip_num_lines(chip) - 1);
        return NULL;
    }
    line = gpiod_chip_get_line(chip, spec->offset);
    if (!line)
        g_set_error(error, KN_GPIO_ERROR, KN_GPIO_ERROR_FAILED, "line %u of %s: %s",
                    spec->offset, gpiod_chip_name(chip), g_strerror(errno));
    return line;
}

/* Opens the chip and finds the line; every chip when none is named. */
static gboolean locate(KnGpioLine *l, const KnGpioLineSpec *spec, GError **error)
{
    g_autoptr(GPtrArray) names = NULL;

    if (spec->chip) {
        l->chip = open_chip(spec->chip, error);
        if (!l->chip)
            return FALSE;
        l->line = find_on_chip(l->chip, spec, error);
        return l->line != NULL;
    }
    if (!spec->name) {
        g_set_error(error, KN_GPIO_ERROR, KN_GPIO_ERROR_NO_CHIP,
                    "a line given by offset needs its chip");
        return FALSE;
    }
    names = chip_names();
    for (guint i = 0; i < names->len; i++) {
        g_autofree char *path = g_strconcat("/dev/", (char *) names->pdata[i], NULL);

        l->chip = gpiod_chip_open(path);
        if (!l->chip)
            continue;
        l->line = gpiod_chip_find_line(l->chip, spec->name);
        if (l->line)
            return TRUE;
        g_clear_pointer(&l->chip, gpiod_chip_close);
    }
    {
        g_autofree char *found = chips_found();

        g_set_error(error, KN_GPIO_ERROR, names->len ? KN_GPIO_ERROR_NO_LINE : KN_GPIO_ERROR_NO_CHIP,
                    "no line named '%s' on any GPIO chip (chips: %s)", spec->name, found);
    }
    return FALSE;
}

static int request_flags(const KnGpioLineSpec *spec, gboolean input)
{
    int flags = spec->active_low ? GPIOD_LINE_REQUEST_FLAG_ACTIVE_LOW : 0;

    if (!input)
        return flags;
    switch (spec->bias) {
    case KN_GPIO_BIAS_AS_IS:
        break;
    case KN_GPIO_BIAS_DISABLE:
        flags |= GPIOD_LINE_REQUEST_FLAG_BIAS_DISABLE;
        break;
    case KN_GPIO_BIAS_PULL_UP:
        flags |= GPIOD_LINE_REQUEST_FLAG_BIAS_PULL_UP;
        break;
    case KN_GPIO_BIAS_PULL_DOWN:
        flags |= GPIOD_LINE_REQUEST_FLAG_BIAS_PULL_DOWN;
        break;
    }
    return flags;
}

static void describe(KnGpioLine *l)
{
    const char *name = gpiod_line_name(l->line);

    l->describe = g_strdup_printf("%s [%s] line %u%s%s%s", gpiod_chip_name(l->chip),
                                  gpiod_chip_label(l->chip), gpiod_line_offset(l->line),
                                  name ? " (" : "", name ? name : "", name ? ")" : "");
}

static KnGpioLine *open_line(const KnGpioLineSpec *spec, const char *consumer, gboolean input,
                             gboolean initial, GError **error)
{
    g_autoptr(KnGpioLine) l = g_new0(KnGpioLine, 1);
    struct gpiod_line_request_config cfg = {
        .consumer = consumer,
        .request_type = input ? GPIOD_LINE_REQUEST_EVENT_BOTH_EDGES
                              : GPIOD_LINE_REQUEST_DIRECTION_OUTPUT,
        .flags = request_flags(spec, input),
    };
    int err, flags;

    l->edge_fd = -1;
    if (!locate(l, spec, error))
        return NULL;
    describe(l);
    if (gpiod_line_request(l->line, &cfg, initial ? 1 : 0) < 0) {
        err = errno;
        if (err == EBUSY) {
            const char *holder;

            gpiod_line_update(l->line);
            holder = gpiod_line_consumer(l->line);
            g_set_error(error, KN_GPIO_ERROR, KN_GPIO_ERROR_BUSY,
                        "%s is in use by %s%s%s", l->describe, holder ? "'" : "",
                        holder ? holder : "another consumer", holder ? "'" : "");
        } else if ((err == EINVAL || err == EOPNOTSUPP || err == ENOTSUPP) && spec->bias) {
            g_set_error(error, KN_GPIO_ERROR, KN_GPIO_ERROR_FAILED,
                        "%s refused the request with bias %s (not supported by the chip?)",
                        l->describe, kn_gpio_bias_to_string(spec->bias));
        } else {
            g_set_error(error, KN_GPIO_ERROR, err == EACCES || err == EPERM
                        ? KN_GPIO_ERROR_ACCESS : KN_GPIO_ERROR_FAILED,
                        "%s: %s", l->describe, g_strerror(err == ENOTSUPP ? EOPNOTSUPP : err));
        }
        return NULL;
    }
    if (!input)
        return g_steal_pointer(&l);
    l->edge_fd = gpiod_line_event_get_fd(l->line);
    flags = l->edge_fd >= 0 ? fcntl(l->edge_fd, F_GETFL) : -1;
    if (flags < 0 || fcntl(l->edge_fd, F_SETFL, flags | O_NONBLOCK) < 0) {
        g_set_error(error, KN_GPIO_ERROR, KN_GPIO_ERROR_FAILED, "%s: event descriptor: %s",
                    l->describe, g_strerror(errno));
        return NULL;
    }
    return g_steal_pointer(&l);
}

KnGpioLine *kn_gpio_output_open(const KnGpioLineSpec *spec, const char *consumer,
                                gboolean initial, GError **error)
{
    return open_line(spec, consumer, FALSE, initial, error);
}

KnGpioLine *kn_gpio_edges_open(const KnGpioLineSpec *spec, const char *consumer,
                               GError **error)
{
    return open_line(spec, consumer, TRUE, FALSE, error);
}

void kn_gpio_line_close(KnGpioLine *l)
{
    if (!l)
        return;
    /* Closing the chip releases its requested lines. */
    if (l->chip)
        gpiod_chip_close(l->chip);
    g_free(l->describe);
    g_free(l);
}

const char *kn_gpio_line_describe(const KnGpioLine *l)
{
    return l->describe;
}

int kn_gpio_line_set(KnGpioLine *l, gboolean value)
{
    return gpiod_line_set_value(l->line, value ? 1 : 0) < 0 ? -errno : 0;
}

int kn_gpio_line_edge_fd(const KnGpioLine *l)
{
    return l->edge_fd;
}

int kn_gpio_line_read_edges(KnGpioLine *l, KnGpioEdge *edges, guint max)
{
    struct gpiod_line_event ev[16];
    int n;

    if (l->edge_fd < 0)
        return -EBADF;
    n = gpiod_line_event_read_fd_multiple(l->edge_fd, ev, MIN(max, G_N_ELEMENTS(ev)));
    if (n < 0)
        return errno == EAGAIN ? 0 : -errno;
    for (int i = 0; i < n; i++) {
        edges[i].rising = ev[i].event_type == GPIOD_LINE_EVENT_RISING_EDGE;
        edges[i].timestamp_us = (gint64) ev[i].ts.tv_sec * G_USEC_PER_SEC + ev[i].ts.tv_nsec / 1000;
    }
    return n;
}
