/* SPDX-License-Identifier: GPL-2.0-or-later */
#define G_LOG_DOMAIN "kneed"

#include <errno.h>
#include <glib-unix.h>
#include <math.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "daemon/frame-stream.h"
#include "daemon/publisher.h"

/* Ask the kernel for a socket buffer of about a second at 1 kHz. */
#define SOCKET_BUFFER (128 * 1024)

typedef struct {
    KnFrameStreams *owner;
    int fd;
    char *client;                 /* unique bus name */
    guint name_watch;
    GSource *hup_watch;           /* always: the client closed its end */
    GSource *out_watch;           /* only while the queue waits */
    GByteArray *queue;
    guint32 dropped;              /* since the last record queued */
    guint64 dropped_total;
    guint64 sent;
} Stream;

struct _KnFrameStreams {
    KnCore *core;
    guint publisher_id;
    GPtrArray *streams;           /* Stream* */
};

/* ---- bytes ---- */

static void put_u16(guint8 *p, guint16 v)
{
    v = GUINT16_TO_LE(v);
    memcpy(p, &v, 2);
}

static void put_u32(guint8 *p, guint32 v)
{
    v = GUINT32_TO_LE(v);
    memcpy(p, &v, 4);
}

static void put_u64(guint8 *p, guint64 v)
{
    v = GUINT64_TO_LE(v);
    memcpy(p, &v, 8);
}

static void put_f64(guint8 *p, double d)
{
    guint64 v;

    memcpy(&v, &d, 8);
    put_u64(p, v);
}

static guint32 get_u32(const guint8 *p)
{
    guint32 v;

    memcpy(&v, p, 4);
    return GUINT32_FROM_LE(v);
}

static guint64 get_u64(const guint8 *p)
{
    guint64 v;

    memcpy(&v, p, 8);
    return GUINT64_FROM_LE(v);
}

static double get_f64(const guint8 *p)
{
    guint64 v = get_u64(p);
    double d;

    memcpy(&d, &v, 8);
    return d;
}

void kn_frame_stream_encode_header(guint8 *out, guint32 columns)
{
    memcpy(out, KN_FRAME_STREAM_MAGIC, 4);
    put_u16(out + 4, KN_FRAME_STREAM_VERSION);
    put_u16(out + 6, KN_FRAME_STREAM_RECORD_SIZE);
    put_u32(out + 8, columns);
    put_u32(out + 12, 0);
}

static void put_vec(guint8 *p, const double v[3], gboolean present)
{
    for (int k = 0; k < 3; k++)
        put_f64(p + 8 * k, present ? v[k] : NAN);
}

void kn_frame_stream_encode(guint8 *out, const struct kn_frame *f, guint32 dropped_before,
                            gint64 sample_monotonic_us)
{
    put_f64(out, f->t_s);
    put_u32(out + 8, f->present & KN_HAS_ALL);
    put_u32(out + 12, dropped_before);
    put_f64(out + 16, (f->present & KN_HAS_FLEX) ? f->knee_deg : NAN);
    put_vec(out + 24, f->thigh_accel, (f->present & KN_HAS_THIGH_ACCEL) != 0);
    put_vec(out + 48, f->thigh_gyro, (f->present & KN_HAS_THIGH_GYRO) != 0);
    put_vec(out + 72, f->shank_accel, (f->present & KN_HAS_SHANK_ACCEL) != 0);
    put_vec(out + 96, f->shank_gyro, (f->present & KN_HAS_SHANK_GYRO) != 0);
    put_u64(out + 120, (guint64) sample_monotonic_us);
}

gboolean kn_frame_stream_decode(const guint8 *in, struct kn_frame *f, guint32 *ret_dropped,
                                gint64 *ret_mono)
{
    memset(f, 0, sizeof(*f));
    f->t_s = get_f64(in);
    f->present = get_u32(in + 8);
    if (!isfinite(f->t_s) || (f->present & ~(guint32) KN_HAS_ALL))
        return FALSE;
    f->knee_deg = get_f64(in + 16);
    for (int k = 0; k < 3; k++) {
        f->thigh_accel[k] = get_f64(in + 24 + 8 * k);
        f->thigh_gyro[k] = get_f64(in + 48 + 8 * k);
        f->shank_accel[k] = get_f64(in + 72 + 8 * k);
        f->shank_gyro[k] = get_f64(in + 96 + 8 * k);
    }
    if (ret_dropped)
        *ret_dropped = get_u32(in + 12);
    if (ret_mono)
        *ret_mono = (gint64) get_u64(in + 120);
    return TRUE;
}

/* ---- streams ---- */

static void stream_free(Stream *s)
{
    if (s->name_watch)
        g_bus_unwatch_name(s->name_watch);
    if (s->hup_watch) {
        g_source_destroy(s->hup_watch);
        g_source_unref(s->hup_watch);
    }
    if (s->out_watch) {
        g_source_destroy(s->out_watch);
        g_source_unref(s->out_watch);
    }
    if (s->fd >= 0)
        close(s->fd);
    g_byte_array_unref(s->queue);
    g_free(s->client);
    g_free(s);
}

static void stream_close(Stream *s, const char *why)
{
    KnFrameStreams *fs = s->owner;

    g_info("frame stream of %s closed (%s): %" G_GUINT64_FORMAT " frames sent, %"
           G_GUINT64_FORMAT " dropped", s->client, why, s->sent, s->dropped_total);
    g_ptr_array_remove(fs->streams, s);
    /* No reader: the core need not copy frames for us. */
    if (fs->streams->len == 0 && fs->publisher_id) {
        kn_core_remove_publisher(fs->core, fs->publisher_id);
        fs->publisher_id = 0;
    }
}

static gboolean on_writable(gint fd, GIOCondition cond, gpointer user_data);

/* Writes what the socket takes; FALSE when the stream closed. */
static gboolean flush(Stream *s)
{
    while (s->queue->len > 0) {
        ssize_t n = send(s->fd, s->queue->data, s->queue->len, MSG_NOSIGNAL | MSG_DONTWAIT);

        if (n > 0) {
            g_byte_array_remove_range(s->queue, 0, (guint) n);
            continue;
        }
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            if (!s->out_watch) {
                s->out_watch = g_unix_fd_source_new(s->fd, G_IO_OUT);
                g_source_set_callback(s->out_watch, (GSourceFunc) (void (*)(void)) on_writable,
                                      s, NULL);
                g_source_set_static_name(s->out_watch, "kneed frame stream out");
                g_source_attach(s->out_watch, g_main_context_get_thread_default());
            }
            return TRUE;
        }
        stream_close(s, n < 0 ? g_strerror(errno) : "closed");
        return FALSE;
    }
    if (s->out_watch) {
        g_source_destroy(s->out_watch);
        g_clear_pointer(&s->out_watch, g_source_unref);
    }
    return TRUE;
}

static gboolean on_writable(gint fd, GIOCondition cond, gpointer user_data)
{
    Stream *s = user_data;

    /* flush() drops the watch itself once the queue is empty. */
    flush(s);
    return G_SOURCE_CONTINUE;
}

static gboolean on_hangup(gint fd, GIOCondition cond, gpointer user_data)
{
    Stream *s = user_data;

    g_clear_pointer(&s->hup_watch, g_source_unref);
    stream_close(s, "the client closed it");
    return G_SOURCE_REMOVE;
}

static void on_client_vanished(GDBusConnection *bus, const char *name, gpointer user_data)
{
    stream_close(user_data, "the client left the bus");
}

static gint64 sample_monotonic(const KnCoreStatus *st, double t_s)
{
    if (!st->time_origin_us || !(st->speed > 0))
        return 0;
    return st->time_origin_us + (gint64) llround(t_s * 1e6 / st->speed);
}

static void on_frames(gpointer data, const struct kn_frame *frames, gsize n)
{
    KnFrameStreams *fs = data;
    const KnCoreStatus *st = kn_core_get_status(fs->core);

    for (guint i = fs->streams->len; i-- > 0;) {
        Stream *s = g_ptr_array_index(fs->streams, i);

        for (gsize k = 0; k < n; k++) {
            guint8 rec[KN_FRAME_STREAM_RECORD_SIZE];

            if (s->queue->len + sizeof(rec) > KN_FRAME_STREAM_QUEUE) {
                if (s->dropped < G_MAXUINT32)
                    s->dropped++;
                s->dropped_total++;
                continue;
            }
            kn_frame_stream_encode(rec, &frames[k], s->dropped,
                                   sample_monotonic(st, frames[k].t_s));
            if (s->dropped)
                g_debug("frame stream of %s: %u frames dropped (slow reader)", s->client,
                        s->dropped);
            s->dropped = 0;
            g_byte_array_append(s->queue, rec, sizeof(rec));
            s->sent++;
        }
        flush(s);
    }
}

static const KnPublisherOps ops = {
    .name = "frame-stream",
    .frames = on_frames,
};

KnFrameStreams *kn_frame_streams_new(KnCore *core)
{
    KnFrameStreams *fs = g_new0(KnFrameStreams, 1);

    fs->core = core;
    fs->streams = g_ptr_array_new_with_free_func((GDestroyNotify) stream_free);
    return fs;
}

void kn_frame_streams_free(KnFrameStreams *fs)
{
    if (!fs)
        return;
    if (fs->publisher_id)
        kn_core_remove_publisher(fs->core, fs->publisher_id);
    g_ptr_array_unref(fs->streams);
    g_free(fs);
}

guint kn_frame_streams_count(const KnFrameStreams *fs)
{
    return fs->streams->len;
}

static guint32 columns_of(const KnCoreStatus *st)
{
    static const guint32 bits[KN_SENSOR_COUNT] = {
        [KN_SENSOR_FLEX] = KN_HAS_FLEX,
        [KN_SENSOR_THIGH] = KN_HAS_THIGH_IMU,
        [KN_SENSOR_SHANK] = KN_HAS_SHANK_IMU,
    };
    guint32 c = 0;

    for (int i = 0; i < KN_SENSOR_COUNT; i++)
        if (st->sensors[i].state != KN_SENSOR_STATE_ABSENT)
            c |= bits[i];
    return c;
}

int kn_frame_streams_open(KnFrameStreams *fs, GDBusConnection *bus, const char *owner,
                          GError **error)
{
    int sv[2], size = SOCKET_BUFFER;
    guint8 header[KN_FRAME_STREAM_HEADER_SIZE];
    Stream *s;

    if (fs->streams->len >= KN_FRAME_STREAM_MAX) {
        g_set_error(error, G_DBUS_ERROR, G_DBUS_ERROR_LIMITS_EXCEEDED,
                    "%d frame streams are open already", KN_FRAME_STREAM_MAX);
        return -1;
    }
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, sv) < 0) {
        int e = errno;

        g_set_error(error, G_IO_ERROR, g_io_error_from_errno(e), "socketpair: %s", g_strerror(e));
        return -1;
    }
    /* The client only reads: what it writes is refused. */
    shutdown(sv[0], SHUT_RD);
    shutdown(sv[1], SHUT_WR);
    setsockopt(sv[0], SOL_SOCKET, SO_SNDBUF, &size, sizeof(size));
    s = g_new0(Stream, 1);
    s->owner = fs;
    s->fd = sv[0];
    s->client = g_strdup(owner);
    s->queue = g_byte_array_new();
    kn_frame_stream_encode_header(header, columns_of(kn_core_get_status(fs->core)));
    g_byte_array_append(s->queue, header, sizeof(header));
    s->hup_watch = g_unix_fd_source_new(s->fd, G_IO_HUP | G_IO_ERR);
    g_source_set_callback(s->hup_watch, (GSourceFunc) (void (*)(void)) on_hangup, s, NULL);
    g_source_set_static_name(s->hup_watch, "kneed frame stream hup");
    g_source_attach(s->hup_watch, g_main_context_get_thread_default());
    g_ptr_array_add(fs->streams, s);
    if (bus && owner)
        s->name_watch = g_bus_watch_name_on_connection(bus, owner, G_BUS_NAME_WATCHER_FLAGS_NONE,
                                                       NULL, on_client_vanished, s, NULL);
    if (!fs->publisher_id)
        fs->publisher_id = kn_core_add_publisher(fs->core, &ops, fs, NULL);
    flush(s);
    g_info("frame stream opened for %s", owner ? owner : "?");
    return sv[1];
}
