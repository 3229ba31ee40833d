/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The one door to libiio.  drivers/iio-backend.c is the only file that
 * includes <iio.h> (libiio 0.24, Debian 12); a port to libiio 1.x, whose
 * buffer and attribute API differ, rewrites that file and nothing else.
 *
 * A KnIioDev is one IIO device found by label or name (and part of its
 * sysfs path), with a libiio context of its own so that a device that
 * vanished and came back is simply opened again.  Errors are negative
 * errno values or GErrors in KN_DRIVER_ERROR; nothing here logs.
 */
#pragma once

#include <glib.h>

#include "drivers/iio-scan.h"

typedef struct {
    char *id;                  /* "iio:device0" */
    char *name;                /* "bmi160" */
    char *label;               /* "" when the device has none */
    char *path;                /* its sysfs directory, "/sys/devices/.../1-0069/iio:device0" */
} KnIioDevInfo;

typedef struct _KnIioDev KnIioDev;

/* Finds the device whose label, else name, is device and, when bus is
 * not NULL, whose sysfs path has bus as a run of whole components
 * ("1-0069", "i2c-1/1-0069").  KN_DRIVER_ERROR_NOT_FOUND names what is
 * there; KN_DRIVER_ERROR_INVALID when two devices match (set bus). */
KnIioDev *kn_iio_dev_open(const char *device, const char *bus, GError **error);
void kn_iio_dev_free(KnIioDev *d);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(KnIioDev, kn_iio_dev_free)

const KnIioDevInfo *kn_iio_dev_get_info(const KnIioDev *d);

/* Input channels by libiio id: "accel_x", "anglvel_z", "voltage0",
 * "voltage0-voltage1", "timestamp". */
gboolean kn_iio_dev_has_channel(const KnIioDev *d, const char *channel);
/* Scan type and index of a buffer-capable channel; -ENOENT when it is
 * not a scan element. */
int kn_iio_dev_scan_type(const KnIioDev *d, const char *channel, struct kn_iio_scan_type *ret_type,
                         long *ret_index);

/* Attribute of a channel (channel NULL: of the device), stripped; NULL
 * when absent or unreadable.  g_free. */
char *kn_iio_dev_read_attr(const KnIioDev *d, const char *channel, const char *attr);
gboolean kn_iio_dev_has_attr(const KnIioDev *d, const char *channel, const char *attr);
/* 0 or -errno (-ENOENT: no such attribute). */
int kn_iio_dev_write_attr(const KnIioDev *d, const char *channel, const char *attr,
                          const char *value);

/* The kernel's mount matrix for a channel, whichever way the driver
 * shares it (in_<type>_mount_matrix, in_mount_matrix, mount_matrix);
 * NULL when the device has none. */
char *kn_iio_dev_read_mount_matrix(const KnIioDev *d, const char *channel);

/* Triggers.  The current one's name (NULL for none; *ret_supported FALSE
 * when the device takes no trigger at all). */
char *kn_iio_dev_get_trigger(const KnIioDev *d, gboolean *ret_supported);
/* name NULL detaches.  -ENOENT: no trigger by that name; -ENOTSUP: the
 * device takes none; else -errno of the kernel (EINVAL: refused). */
int kn_iio_dev_set_trigger(const KnIioDev *d, const char *name);
/* Every trigger's name, NULL-terminated; g_strfreev. */
char **kn_iio_dev_list_triggers(const KnIioDev *d);
char *kn_iio_trigger_read_attr(const KnIioDev *d, const char *trigger, const char *attr);
int kn_iio_trigger_write_attr(const KnIioDev *d, const char *trigger, const char *attr,
                              const char *value);

/* Disables the device's buffer if something left it enabled (a kneed
 * that crashed): the kernel refuses a new trigger, timestamp clock or
 * sampling frequency meanwhile.  Errors are ignored. */
void kn_iio_dev_quiesce(const KnIioDev *d);

/* Enables exactly these channels, opens a non-blocking buffer of
 * samples_count scans (the kernel wakes the poll fd at that watermark)
 * and enables it.  0 or -errno. */
int kn_iio_dev_start(KnIioDev *d, const char *const *channels, gsize samples_count);
/* The buffer's fd for the main loop (iio_buffer_get_poll_fd), -1 when
 * not started. */
int kn_iio_dev_get_fd(const KnIioDev *d);
/* What the kernel has, without blocking: > 0 bytes at *ret_data (valid
 * until the next call), 0 when nothing is ready, -errno on failure
 * (-ENODEV: the device is gone).  *ret_more is TRUE when the read filled
 * the buffer, so that more may be waiting. */
gssize kn_iio_dev_read(KnIioDev *d, const guint8 **ret_data, gboolean *ret_more);
/* Disables and frees the buffer; the device stays open. */
void kn_iio_dev_stop(KnIioDev *d);
