/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* libiio 0.24 behind drivers/iio-backend.h: the only user of <iio.h>. */
#define G_LOG_DOMAIN "kneed-drivers"

#include <errno.h>
#include <iio.h>
#include <string.h>

#include "drivers/driver.h"
#include "drivers/iio-backend.h"

#define SYSFS_IIO_DEVICES "/sys/bus/iio/devices"
#define ATTR_MAX 1024

struct _KnIioDev {
    struct iio_context *ctx;
    struct iio_device *dev;
    struct iio_buffer *buf;
    gsize buf_bytes;           /* what one refill asks for */
    KnIioDevInfo info;
};

static char *sysfs_path(const char *id)
{
    g_autofree char *link = g_build_filename(SYSFS_IIO_DEVICES, id, NULL);
    g_autofree char *target = g_file_read_link(link, NULL);

    if (!target)
        return g_strdup("");
    return g_canonicalize_filename(target, SYSFS_IIO_DEVICES);
}

/* bus as a run of whole components of path. */
static gboolean path_has(const char *path, const char *bus)
{
    g_autofree char *p = g_strconcat("/", path, "/", NULL);
    g_autofree char *b = NULL;

    while (*bus == '/')
        bus++;
    b = g_strconcat("/", bus, NULL);
    if (!g_str_has_suffix(b, "/")) {
        char *tmp = g_strconcat(b, "/", NULL);

        g_free(b);
        b = tmp;
    }
    return strstr(p, b) != NULL;
}

static void info_fill(KnIioDevInfo *info, const struct iio_device *dev)
{
    const char *name = iio_device_get_name(dev);
    const char *label = iio_device_get_label(dev);

    info->id = g_strdup(iio_device_get_id(dev));
    info->name = g_strdup(name ? name : "");
    info->label = g_strdup(label ? label : "");
    info->path = sysfs_path(info->id);
}

static void info_clear(KnIioDevInfo *info)
{
    g_clear_pointer(&info->id, g_free);
    g_clear_pointer(&info->name, g_free);
    g_clear_pointer(&info->label, g_free);
    g_clear_pointer(&info->path, g_free);
}

/* "bmi160 (label shank-imu) at 1-0069": the bus device the IIO device
 * hangs off, what bus = matches. */
static void describe(GString *s, const KnIioDevInfo *info)
{
    g_autofree char *parent = info->path[0] ? g_path_get_dirname(info->path) : NULL;
    g_autofree char *bus = parent ? g_path_get_basename(parent) : NULL;

    g_string_append_printf(s, "%s%s%s%s at %s", info->name, info->label[0] ? " (label " : "",
                           info->label, info->label[0] ? ")" : "", bus ? bus : info->id);
}

KnIioDev *kn_iio_dev_open(const char *device, const char *bus, GError **error)
{
    g_autoptr(GString) present = g_string_new(NULL);
    g_autoptr(GString) matches = g_string_new(NULL);
    struct iio_context *ctx;
    struct iio_device *found = NULL;
    KnIioDevInfo found_info = { 0 };
    unsigned n_found = 0, n_devices = 0;
    KnIioDev *d;

    g_return_val_if_fail(device != NULL, NULL);
    errno = 0;
    ctx = iio_create_local_context();
    if (!ctx) {
        int e = errno ? errno : EIO;

        g_set_error(error, KN_DRIVER_ERROR, e == ENOENT ? KN_DRIVER_ERROR_NOT_FOUND
                                                        : KN_DRIVER_ERROR_FAILED,
                    "no IIO devices (%s): is the kernel driver loaded?", g_strerror(e));
        return NULL;
    }
    for (unsigned i = 0; i < iio_context_get_devices_count(ctx); i++) {
        struct iio_device *dev = iio_context_get_device(ctx, i);
        KnIioDevInfo info = { 0 };
        gboolean named;

        if (iio_device_is_trigger(dev))
            continue;
        info_fill(&info, dev);
        g_string_append(present, n_devices++ ? "; " : "");
        describe(present, &info);
        named = (info.label[0] && strcmp(info.label, device) == 0) ||
                strcmp(info.name, device) == 0;
        if (named && (!bus || path_has(info.path, bus))) {
            g_string_append(matches, n_found ? "; " : "");
            describe(matches, &info);
            if (n_found++ == 0) {
                found = dev;
                found_info = info;
                continue;
            }
        }
        info_clear(&info);
    }
    if (n_found != 1) {
        if (n_found == 0)
            g_set_error(error, KN_DRIVER_ERROR, KN_DRIVER_ERROR_NOT_FOUND,
                        "no IIO device named or labelled '%s'%s%s (present: %s)", device,
                        bus ? " on bus " : "", bus ? bus : "",
                        n_devices ? present->str : "none");
        else
            g_set_error(error, KN_DRIVER_ERROR, KN_DRIVER_ERROR_INVALID,
                        "%u IIO devices match '%s' (%s): set bus to tell them apart",
                        n_found, device, matches->str);
        info_clear(&found_info);
        iio_context_destroy(ctx);
        return NULL;
    }
    d = g_new0(KnIioDev, 1);
    d->ctx = ctx;
    d->dev = found;
    d->info = found_info;
    return d;
}

void kn_iio_dev_free(KnIioDev *d)
{
    if (!d)
        return;
    kn_iio_dev_stop(d);
    iio_context_destroy(d->ctx);
    info_clear(&d->info);
    g_free(d);
}

const KnIioDevInfo *kn_iio_dev_get_info(const KnIioDev *d)
{
    return &d->info;
}

static struct iio_channel *channel(const KnIioDev *d, const char *id)
{
    return iio_device_find_channel(d->dev, id, false);
}

gboolean kn_iio_dev_has_channel(const KnIioDev *d, const char *id)
{
    return channel(d, id) != NULL;
}

int kn_iio_dev_scan_type(const KnIioDev *d, const char *id, struct kn_iio_scan_type *ret,
                         long *ret_index)
{
    struct iio_channel *ch = channel(d, id);
    const struct iio_data_format *f;

    if (!ch || !iio_channel_is_scan_element(ch))
        return -ENOENT;
    f = iio_channel_get_data_format(ch);
    ret->be = f->is_be;
    ret->is_signed = f->is_signed;
    ret->bits = f->bits;
    ret->storage = f->length;
    ret->shift = f->shift;
    ret->repeat = f->repeat ? f->repeat : 1;
    *ret_index = iio_channel_get_index(ch);
    return 0;
}

static char *strip_copy(const char *buf)
{
    return g_strstrip(g_strdup(buf));
}

char *kn_iio_dev_read_attr(const KnIioDev *d, const char *id, const char *attr)
{
    char buf[ATTR_MAX];
    ssize_t r;

    if (id) {
        struct iio_channel *ch = channel(d, id);

        if (!ch || !iio_channel_find_attr(ch, attr))
            return NULL;
        r = iio_channel_attr_read(ch, attr, buf, sizeof(buf));
    } else {
        if (!iio_device_find_attr(d->dev, attr))
            return NULL;
        r = iio_device_attr_read(d->dev, attr, buf, sizeof(buf));
    }
    return r > 0 ? strip_copy(buf) : NULL;
}

gboolean kn_iio_dev_has_attr(const KnIioDev *d, const char *id, const char *attr)
{
    if (id) {
        struct iio_channel *ch = channel(d, id);

        return ch && iio_channel_find_attr(ch, attr);
    }
    return iio_device_find_attr(d->dev, attr) != NULL;
}

int kn_iio_dev_write_attr(const KnIioDev *d, const char *id, const char *attr,
                          const char *value)
{
    ssize_t r;

    if (id) {
        struct iio_channel *ch = channel(d, id);

        if (!ch || !iio_channel_find_attr(ch, attr))
            return -ENOENT;
        r = iio_channel_attr_write(ch, attr, value);
    } else {
        if (!iio_device_find_attr(d->dev, attr))
            return -ENOENT;
        r = iio_device_attr_write(d->dev, attr, value);
    }
    return r < 0 ? (int) r : 0;
}

char *kn_iio_dev_read_mount_matrix(const KnIioDev *d, const char *id)
{
    char *m;

    /* in_accel_mount_matrix (shared by type, mpu6050) */
    if (id && (m = kn_iio_dev_read_attr(d, id, "mount_matrix")))
        return m;
    /* in_mount_matrix (shared by direction, bmi160): libiio 0.24 takes
     * it for channel "mount", attribute "matrix" */
    if ((m = kn_iio_dev_read_attr(d, "mount", "matrix")))
        return m;
    /* mount_matrix (shared by all, lsm6dsx) */
    if ((m = kn_iio_dev_read_attr(d, NULL, "mount_matrix")))
        return m;
    return kn_iio_dev_read_attr(d, NULL, "in_mount_matrix");
}

char *kn_iio_dev_get_trigger(const KnIioDev *d, gboolean *ret_supported)
{
    const struct iio_device *trig = NULL;
    int r = iio_device_get_trigger(d->dev, &trig);

    if (ret_supported)
        *ret_supported = r != -ENOENT;
    if (r < 0 || !trig)
        return NULL;
    return g_strdup(iio_device_get_name(trig) ? iio_device_get_name(trig) : iio_device_get_id(trig));
}

static const struct iio_device *find_trigger(const KnIioDev *d, const char *name)
{
    for (unsigned i = 0; i < iio_context_get_devices_count(d->ctx); i++) {
        const struct iio_device *dev = iio_context_get_device(d->ctx, i);
        const char *n = iio_device_get_name(dev);

        if (iio_device_is_trigger(dev) && n && strcmp(n, name) == 0)
            return dev;
    }
    return NULL;
}

int kn_iio_dev_set_trigger(const KnIioDev *d, const char *name)
{
    const struct iio_device *trig = NULL;
    gboolean supported;
    g_autofree char *current = kn_iio_dev_get_trigger(d, &supported);

    if (!supported)
        return name ? -ENOTSUP : 0;
    if (name && !(trig = find_trigger(d, name)))
        return -ENOENT;
    if (g_strcmp0(current, name) == 0)
        return 0;
    return iio_device_set_trigger(d->dev, trig);
}

char **kn_iio_dev_list_triggers(const KnIioDev *d)
{
    GPtrArray *names = g_ptr_array_new();

    for (unsigned i = 0; i < iio_context_get_devices_count(d->ctx); i++) {
        const struct iio_device *dev = iio_context_get_device(d->ctx, i);

        if (iio_device_is_trigger(dev) && iio_device_get_name(dev))
            g_ptr_array_add(names, g_strdup(iio_device_get_name(dev)));
    }
    g_ptr_array_add(names, NULL);
    return (char **) g_ptr_array_free(names, FALSE);
}

char *kn_iio_trigger_read_attr(const KnIioDev *d, const char *trigger, const char *attr)
{
    const struct iio_device *t = find_trigger(d, trigger);
    char buf[ATTR_MAX];

    if (!t || !iio_device_find_attr(t, attr) ||
        iio_device_attr_read(t, attr, buf, sizeof(buf)) <= 0)
        return NULL;
    return strip_copy(buf);
}

int kn_iio_trigger_write_attr(const KnIioDev *d, const char *trigger, const char *attr,
                              const char *value)
{
    const struct iio_device *t = find_trigger(d, trigger);
    ssize_t r;

    if (!t || !iio_device_find_attr(t, attr))
        return -ENOENT;
    r = iio_device_attr_write(t, attr, value);
    return r < 0 ? (int) r : 0;
}

void kn_iio_dev_quiesce(const KnIioDev *d)
{
    /* libiio keeps buffer/enable to itself: write sysfs directly. */
    g_autofree char *path = g_build_filename(SYSFS_IIO_DEVICES, d->info.id, "buffer", "enable",
                                             NULL);
    g_autofree char *now = NULL;

    if (d->buf || !g_file_get_contents(path, &now, NULL, NULL) || now[0] != '1')
        return;
    g_file_set_contents(path, "0\n", -1, NULL);
}

int kn_iio_dev_start(KnIioDev *d, const char *const *channels, gsize samples_count)
{
    int r;

    kn_iio_dev_stop(d);
    for (unsigned i = 0; i < iio_device_get_channels_count(d->dev); i++) {
        struct iio_channel *ch = iio_device_get_channel(d->dev, i);

        if (iio_channel_is_scan_element(ch) && !iio_channel_is_output(ch))
            iio_channel_disable(ch);
    }
    for (size_t i = 0; channels[i]; i++) {
        struct iio_channel *ch = channel(d, channels[i]);

        if (!ch || !iio_channel_is_scan_element(ch))
            return -ENOENT;
        iio_channel_enable(ch);
    }
    errno = 0;
    d->buf = iio_device_create_buffer(d->dev, samples_count, false);
    if (!d->buf)
        return errno ? -errno : -EIO;
    r = iio_buffer_set_blocking_mode(d->buf, false);
    if (r < 0) {
        kn_iio_dev_stop(d);
        return r;
    }
    /* libiio refills samples_count of its sample size. */
    d->buf_bytes = samples_count * (gsize) MAX(iio_buffer_step(d->buf), 1);
    return 0;
}

int kn_iio_dev_get_fd(const KnIioDev *d)
{
    int fd;

    if (!d->buf)
        return -1;
    fd = iio_buffer_get_poll_fd(d->buf);
    return fd < 0 ? -1 : fd;
}

gssize kn_iio_dev_read(KnIioDev *d, const guint8 **ret_data, gboolean *ret_more)
{
    ssize_t r;

    *ret_more = FALSE;
    if (!d->buf)
        return -EBADF;
    r = iio_buffer_refill(d->buf);
    if (r == -EAGAIN || r == 0)
        return 0;
    if (r < 0)
        return r;
    *ret_data = iio_buffer_start(d->buf);
    /* A refill asks for the whole buffer: less means the kernel had no more. */
    *ret_more = (gsize) r >= d->buf_bytes;
    return (gssize) ((const guint8 *) iio_buffer_end(d->buf) - *ret_data);
}

void kn_iio_dev_stop(KnIioDev *d)
{
    if (!d->buf)
        return;
    iio_buffer_destroy(d->buf);
    d->buf = NULL;
}
