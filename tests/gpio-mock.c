/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <fcntl.h>
#include <linux/gpio.h>
#include <string.h>
#include <unistd.h>

#include "tests/gpio-mock.h"

typedef struct {
    char name[GPIO_MAX_NAME_SIZE];
    char consumer[GPIO_MAX_NAME_SIZE];
    gboolean foreign;
    gboolean requested;
    gboolean output;
    gboolean events;
    guint32 flags;
    UMockdevIoctlClient *holder;  /* the connection of the requested fd */
    int level;                    /* physical */
    int fail_next;
    guint sets;
    GArray *changes;              /* KnGpioMockChange */
    char *devnode;
} MockLine;

struct _KnGpioMock {
    UMockdevTestbed *testbed;
    UMockdevIoctlBase *handler;
    GMutex lock;
    GCond cond;
    char *chip_devnode;
    char chip_name[GPIO_MAX_NAME_SIZE];
    char label[GPIO_MAX_NAME_SIZE];
    guint n_lines;
    MockLine *lines;
};

static gboolean line_of(KnGpioMock *m, const char *devnode, guint *ret)
{
    for (guint i = 0; i < m->n_lines; i++) {
        if (g_strcmp0(devnode, m->lines[i].devnode) == 0) {
            *ret = i;
            return TRUE;
        }
    }
    return FALSE;
}

static void record_level(MockLine *l, int level)
{
    KnGpioMockChange c = { g_get_monotonic_time(), level };

    if (level == l->level)
        return;
    l->level = level;
    g_array_append_val(l->changes, c);
}

/* ---- the handler (umockdev's worker thread) ---- */

/* umockdev 0.17.16 never says that a client went away (client-vanished
 * is not emitted, nor is notify::connected): a line's holder is looked at
 * when it matters.  Called with the lock held. */
static gboolean line_free(MockLine *l)
{
    if (l->requested && l->holder && !umockdev_ioctl_client_get_connected(l->holder)) {
        l->requested = FALSE;
        l->output = l->events = FALSE;
        l->flags = 0;
        g_clear_object(&l->holder);
    }
    return !l->requested;
}

static void on_client_connected(UMockdevIoctlBase *handler, UMockdevIoctlClient *client,
                                gpointer data)
{
    KnGpioMock *m = data;
    guint offset;

    if (!line_of(m, umockdev_ioctl_client_get_devnode(client), &offset))
        return;
    g_mutex_lock(&m->lock);
    /* The connection of the fd that the last LINEHANDLE/LINEEVENT opened. */
    if (m->lines[offset].requested && !m->lines[offset].holder)
        m->lines[offset].holder = g_object_ref(client);
    g_cond_broadcast(&m->cond);
    g_mutex_unlock(&m->lock);
}

static void *arg_struct(UMockdevIoctlClient *client, gsize size)
{
    UMockdevIoctlData *arg = umockdev_ioctl_client_get_arg(client);
    g_autoptr(GError) error = NULL;
    UMockdevIoctlData *data = umockdev_ioctl_data_resolve(arg, 0, size, &error);

    g_assert_no_error(error);
    g_assert_nonnull(data);
    return data->data;
}

/* A new request: the fd the client gets is our line node, opened here. */
static int request_line(KnGpioMock *m, guint offset, guint32 flags, const char *consumer,
                        gboolean events, const guint8 *default_value, int *ret_fd)
{
    MockLine *l;
    int fd;

    if (offset >= m->n_lines)
        return EINVAL;
    l = &m->lines[offset];
    if (l->foreign || !line_free(l))
        return EBUSY;
    /* Blocking, as the kernel's event fd is: the code under test must
     * make it non-blocking itself. */
    fd = open(l->devnode, O_RDWR | O_CLOEXEC);
    if (fd < 0)
        return errno;
    l->requested = TRUE;
    l->flags = flags;
    l->events = events;
    l->output = !events && (flags & GPIOHANDLE_REQUEST_OUTPUT);
    g_strlcpy(l->consumer, consumer, sizeof(l->consumer));
    if (l->output)
        record_level(l, (default_value[0] ? 1 : 0) ^ !!(flags & GPIOHANDLE_REQUEST_ACTIVE_LOW));
    *ret_fd = fd;
    return 0;
}

static int chip_ioctl(KnGpioMock *m, UMockdevIoctlClient *client, gulong request)
{
    switch (request) {
    case GPIO_GET_CHIPINFO_IOCTL: {
        struct gpiochip_info *info = arg_struct(client, sizeof(*info));

        memset(info, 0, sizeof(*info));
        g_strlcpy(info->name, m->chip_name, sizeof(info->name));
        g_strlcpy(info->label, m->label, sizeof(info->label));
        info->lines = m->n_lines;
        return 0;
    }
    case GPIO_GET_LINEINFO_IOCTL: {
        struct gpioline_info *info = arg_struct(client, sizeof(*info));
        guint offset = info->line_offset;
        MockLine *l;

        if (offset >= m->n_lines)
            return EINVAL;
        l = &m->lines[offset];
        memset(info, 0, sizeof(*info));
        info->line_offset = offset;
        g_strlcpy(info->name, l->name, sizeof(info->name));
        if (l->foreign || l->requested) {
            info->flags |= GPIOLINE_FLAG_KERNEL;
            g_strlcpy(info->consumer, l->consumer, sizeof(info->consumer));
        }
        if (l->output)
            info->flags |= GPIOLINE_FLAG_IS_OUT;
        if (l->flags & GPIOHANDLE_REQUEST_ACTIVE_LOW)
            info->flags |= GPIOLINE_FLAG_ACTIVE_LOW;
        if (l->flags & GPIOHANDLE_REQUEST_BIAS_PULL_UP)
            info->flags |= GPIOLINE_FLAG_BIAS_PULL_UP;
        if (l->flags & GPIOHANDLE_REQUEST_BIAS_PULL_DOWN)
            info->flags |= GPIOLINE_FLAG_BIAS_PULL_DOWN;
        if (l->flags & GPIOHANDLE_REQUEST_BIAS_DISABLE)
            info->flags |= GPIOLINE_FLAG_BIAS_DISABLE;
        return 0;
    }
    case GPIO_GET_LINEHANDLE_IOCTL: {
        struct gpiohandle_request *req = arg_struct(client, sizeof(*req));
        int fd = -1, err;

        /* kneed requests one line at a time. */
        if (req->lines != 1)
            return EINVAL;
        err = request_line(m, req->lineoffsets[0], req->flags, req->consumer_label, FALSE,
                           req->default_values, &fd);
        if (err)
            return err;
        req->fd = fd;
        return 0;
    }
    case GPIO_GET_LINEEVENT_IOCTL: {
        struct gpioevent_request *req = arg_struct(client, sizeof(*req));
        int fd = -1, err;

        if ((req->eventflags & GPIOEVENT_REQUEST_BOTH_EDGES) == 0)
            return EINVAL;
        err = request_line(m, req->lineoffset, req->handleflags, req->consumer_label, TRUE,
                           NULL, &fd);
        if (err)
            return err;
        req->fd = fd;
        return 0;
    }
    default:
        return ENOTTY;
    }
}

static int line_ioctl(KnGpioMock *m, guint offset, UMockdevIoctlClient *client, gulong request)
{
    MockLine *l = &m->lines[offset];
    int active_low = !!(l->flags & GPIOHANDLE_REQUEST_ACTIVE_LOW);

    if (l->fail_next) {
        int err = l->fail_next;

        l->fail_next = 0;
        return err;
    }
    switch (request) {
    case GPIOHANDLE_GET_LINE_VALUES_IOCTL: {
        struct gpiohandle_data *d = arg_struct(client, sizeof(*d));

        memset(d, 0, sizeof(*d));
        d->values[0] = (guint8) (l->level ^ active_low);
        return 0;
    }
    case GPIOHANDLE_SET_LINE_VALUES_IOCTL: {
        struct gpiohandle_data *d = arg_struct(client, sizeof(*d));

        if (!l->output)
            return EPERM;
        l->sets++;
        record_level(l, (d->values[0] ? 1 : 0) ^ active_low);
        return 0;
    }
    default:
        return ENOTTY;
    }
}

static gboolean on_ioctl(UMockdevIoctlBase *handler, UMockdevIoctlClient *client, gpointer data)
{
    KnGpioMock *m = data;
    const char *devnode = umockdev_ioctl_client_get_devnode(client);
    gulong request = umockdev_ioctl_client_get_request(client);
    guint offset;
    int err;

    g_mutex_lock(&m->lock);
    if (g_strcmp0(devnode, m->chip_devnode) == 0)
        err = chip_ioctl(m, client, request);
    else if (line_of(m, devnode, &offset))
        err = line_ioctl(m, offset, client, request);
    else
        err = ENOTTY;
    g_cond_broadcast(&m->cond);
    g_mutex_unlock(&m->lock);
    umockdev_ioctl_client_complete(client, err ? -1 : 0, err);
    return TRUE;
}

/* ---- the test's side ---- */

KnGpioMock *kn_gpio_mock_new(UMockdevTestbed *tb, guint chip_number, const char *label,
                             guint n_lines, const char *const *names)
{
    KnGpioMock *m = g_new0(KnGpioMock, 1);
    g_autoptr(GError) error = NULL;
    g_autofree char *chip = g_strdup_printf(
        "P: /devices/platform/gpio-mockup.%u/gpiochip%u\n"
        "N: gpiochip%u\n"
        "E: SUBSYSTEM=gpio\n"
        "E: DEVNAME=/dev/gpiochip%u\n"
        "A: dev=254:%u\\n\n", chip_number, chip_number, chip_number, chip_number, chip_number);

    m->testbed = g_object_ref(tb);
    g_mutex_init(&m->lock);
    g_cond_init(&m->cond);
    g_snprintf(m->chip_name, sizeof(m->chip_name), "gpiochip%u", chip_number);
    g_strlcpy(m->label, label, sizeof(m->label));
    m->chip_devnode = g_strdup_printf("/dev/gpiochip%u", chip_number);
    m->n_lines = n_lines;
    m->lines = g_new0(MockLine, n_lines);
    g_assert_true(umockdev_testbed_add_from_string(tb, chip, &error));
    g_assert_no_error(error);

    m->handler = umockdev_ioctl_base_new();
    g_signal_connect(m->handler, "handle-ioctl", G_CALLBACK(on_ioctl), m);
    g_signal_connect(m->handler, "client-connected", G_CALLBACK(on_client_connected), m);
    g_assert_true(umockdev_testbed_attach_ioctl(tb, m->chip_devnode, m->handler, &error));
    g_assert_no_error(error);

    for (guint i = 0; i < n_lines; i++) {
        MockLine *l = &m->lines[i];
        g_autofree char *node = g_strdup_printf(
            "P: /devices/virtual/kneedtest/gpiomock%u-line%u\n"
            "N: gpiomock%u-line%u\n"
            "E: SUBSYSTEM=kneedtest\n", chip_number, i, chip_number, i);

        if (names && names[i])
            g_strlcpy(l->name, names[i], sizeof(l->name));
        l->changes = g_array_new(FALSE, FALSE, sizeof(KnGpioMockChange));
        l->devnode = g_strdup_printf("/dev/gpiomock%u-line%u", chip_number, i);
        g_assert_true(umockdev_testbed_add_from_string(tb, node, &error));
        g_assert_no_error(error);
        g_assert_true(umockdev_testbed_attach_ioctl(tb, l->devnode, m->handler, &error));
        g_assert_no_error(error);
    }
    return m;
}

void kn_gpio_mock_free(KnGpioMock *m)
{
    if (!m)
        return;
    umockdev_testbed_detach_ioctl(m->testbed, m->chip_devnode, NULL);
    for (guint i = 0; i < m->n_lines; i++) {
        umockdev_testbed_detach_ioctl(m->testbed, m->lines[i].devnode, NULL);
        g_clear_object(&m->lines[i].holder);
        g_array_unref(m->lines[i].changes);
        g_free(m->lines[i].devnode);
    }
    g_object_unref(m->handler);
    g_object_unref(m->testbed);
    g_free(m->lines);
    g_free(m->chip_devnode);
    g_mutex_clear(&m->lock);
    g_cond_clear(&m->cond);
    g_free(m);
}

void kn_gpio_mock_set_foreign(KnGpioMock *m, guint offset, const char *consumer)
{
    g_mutex_lock(&m->lock);
    m->lines[offset].foreign = consumer != NULL;
    g_strlcpy(m->lines[offset].consumer, consumer ? consumer : "", GPIO_MAX_NAME_SIZE);
    g_mutex_unlock(&m->lock);
}

gboolean kn_gpio_mock_requested(KnGpioMock *m, guint offset)
{
    gboolean r;

    g_mutex_lock(&m->lock);
    r = !line_free(&m->lines[offset]);
    g_mutex_unlock(&m->lock);
    return r;
}

gboolean kn_gpio_mock_wait_released(KnGpioMock *m, guint offset, guint timeout_ms)
{
    gint64 end = g_get_monotonic_time() + (gint64) timeout_ms * 1000;
    gboolean released;

    /* Nothing signals the close (see line_free): look again every
     * millisecond until the worker has read it. */
    g_mutex_lock(&m->lock);
    while (!line_free(&m->lines[offset]) && g_get_monotonic_time() < end)
        g_cond_wait_until(&m->cond, &m->lock, MIN(end, g_get_monotonic_time() + 1000));
    released = line_free(&m->lines[offset]);
    g_mutex_unlock(&m->lock);
    return released;
}

guint32 kn_gpio_mock_flags(KnGpioMock *m, guint offset)
{
    guint32 f;

    g_mutex_lock(&m->lock);
    f = m->lines[offset].requested ? m->lines[offset].flags : 0;
    g_mutex_unlock(&m->lock);
    return f;
}

int kn_gpio_mock_level(KnGpioMock *m, guint offset)
{
    int level;

    g_mutex_lock(&m->lock);
    level = m->lines[offset].level;
    g_mutex_unlock(&m->lock);
    return level;
}

GArray *kn_gpio_mock_changes(KnGpioMock *m, guint offset)
{
    GArray *copy;

    g_mutex_lock(&m->lock);
    copy = g_array_copy(m->lines[offset].changes);
    g_mutex_unlock(&m->lock);
    return copy;
}

void kn_gpio_mock_clear_changes(KnGpioMock *m, guint offset)
{
    g_mutex_lock(&m->lock);
    g_array_set_size(m->lines[offset].changes, 0);
    m->lines[offset].sets = 0;
    g_mutex_unlock(&m->lock);
}

guint kn_gpio_mock_sets(KnGpioMock *m, guint offset)
{
    guint n;

    g_mutex_lock(&m->lock);
    n = m->lines[offset].sets;
    g_mutex_unlock(&m->lock);
    return n;
}

void kn_gpio_mock_drive(KnGpioMock *m, guint offset, int level, gint64 t_us)
{
    MockLine *l = &m->lines[offset];
    struct gpioevent_data ev;
    gboolean queue;
    int fd;

    g_mutex_lock(&m->lock);
    queue = l->requested && l->events && level != l->level;
    l->level = level;
    memset(&ev, 0, sizeof(ev));
    ev.timestamp = (guint64) t_us * 1000;
    ev.id = (level ^ !!(l->flags & GPIOHANDLE_REQUEST_ACTIVE_LOW)) ? GPIOEVENT_EVENT_RISING_EDGE
                                                                   : GPIOEVENT_EVENT_FALLING_EDGE;
    g_mutex_unlock(&m->lock);
    if (!queue)
        return;
    fd = umockdev_testbed_get_dev_fd(m->testbed, l->devnode);
    g_assert_cmpint(fd, >=, 0);
    g_assert_cmpint(write(fd, &ev, sizeof(ev)), ==, sizeof(ev));
}

void kn_gpio_mock_fail_next(KnGpioMock *m, guint offset, int err)
{
    g_mutex_lock(&m->lock);
    m->lines[offset].fail_next = err;
    g_mutex_unlock(&m->lock);
}
