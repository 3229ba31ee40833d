/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * kneectl record -o FILE: the live frame stream of kneed (D-Bus
 * OpenFrameStream: a socket of 128-byte records, docs/dbus-api.md) written
 * as a recording (docs/recording-format.md) that kneectl analyze and the
 * replay source read.  Stops at Ctrl-C, after --duration or --frames, or
 * when kneed closes the stream; the file is complete whichever way.
 */
#define G_LOG_DOMAIN "kneectl"

#include <errno.h>
#include <gio/gunixfdlist.h>
#include <glib-unix.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "client/commands.h"
#include "client/live.h"
#include "drivers/recording.h"

/* The stream's layout, as docs/dbus-api.md gives it. */
#define HEADER_SIZE 16
#define RECORD_SIZE 128
#define STREAM_VERSION 1

typedef struct {
    GMainLoop *loop;
    KnRecordingWriter *writer;
    int fd;
    guint8 buf[64 * RECORD_SIZE];
    gsize have;
    gboolean header_seen;
    guint64 frames, dropped, max_frames;
    double first_t, last_t;
    GError *error;
    gboolean eof;
    guint watch;
} Rec;

static guint32 get_u32(const guint8 *p)
{
    guint32 v;

    memcpy(&v, p, 4);
    return GUINT32_FROM_LE(v);
}

static guint16 get_u16(const guint8 *p)
{
    guint16 v;

    memcpy(&v, p, 2);
    return GUINT16_FROM_LE(v);
}

static double get_f64(const guint8 *p)
{
    guint64 v;
    double d;

    memcpy(&v, p, 8);
    v = GUINT64_FROM_LE(v);
    memcpy(&d, &v, 8);
    return d;
}

static void decode(const guint8 *p, struct kn_frame *f, guint32 *dropped)
{
    memset(f, 0, sizeof(*f));
    f->t_s = get_f64(p);
    f->present = get_u32(p + 8) & KN_HAS_ALL;
    *dropped = get_u32(p + 12);
    f->knee_deg = get_f64(p + 16);
    for (int k = 0; k < 3; k++) {
        f->thigh_accel[k] = get_f64(p + 24 + 8 * k);
        f->thigh_gyro[k] = get_f64(p + 48 + 8 * k);
        f->shank_accel[k] = get_f64(p + 72 + 8 * k);
        f->shank_gyro[k] = get_f64(p + 96 + 8 * k);
    }
}

static void stop(Rec *r, GError *error)
{
    if (error && !r->error)
        r->error = error;
    else if (error)
        g_error_free(error);
    g_main_loop_quit(r->loop);
}

/* Handles the whole records in the buffer; FALSE to stop. */
static gboolean consume(Rec *r)
{
    gsize off = 0;

    if (!r->header_seen) {
        if (r->have < HEADER_SIZE)
            return TRUE;
        if (memcmp(r->buf, "KNFS", 4) != 0 || get_u16(r->buf + 4) != STREAM_VERSION ||
            get_u16(r->buf + 6) != RECORD_SIZE) {
            stop(r, g_error_new(G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                                "not a kneed frame stream of version %d", STREAM_VERSION));
            return FALSE;
        }
        r->header_seen = TRUE;
        off = HEADER_SIZE;
    }
    for (; r->have - off >= RECORD_SIZE; off += RECORD_SIZE) {
        g_autoptr(GError) error = NULL;
        struct kn_frame f;
        guint32 dropped;

        decode(r->buf + off, &f, &dropped);
        if (dropped) {
            g_autofree char *note = g_strdup_printf("kneed dropped %u frames here: this "
                                                    "reader fell behind", dropped);

            r->dropped += dropped;
            kn_recording_writer_comment(r->writer, note, NULL);
        }
        if (!kn_recording_writer_write(r->writer, &f, &error)) {
            stop(r, g_steal_pointer(&error));
            return FALSE;
        }
        if (r->frames++ == 0)
            r->first_t = f.t_s;
        r->last_t = f.t_s;
        if (r->max_frames && r->frames >= r->max_frames) {
            stop(r, NULL);
            off += RECORD_SIZE;
            break;
        }
    }
    memmove(r->buf, r->buf + off, r->have - off);
    r->have -= off;
    return TRUE;
}

static gboolean on_readable(gint fd, GIOCondition cond, gpointer user_data)
{
    Rec *r = user_data;
    ssize_t n = read(fd, r->buf + r->have, sizeof(r->buf) - r->have);

    if (n < 0 && (errno == EINTR || errno == EAGAIN))
        return G_SOURCE_CONTINUE;
    if (n < 0) {
        int e = errno;

        stop(r, g_error_new(G_IO_ERROR, g_io_error_from_errno(e), "reading the stream: %s",
                            g_strerror(e)));
    } else if (n == 0) {
        r->eof = TRUE;
        stop(r, NULL);
    } else {
        r->have += (gsize) n;
        if (consume(r))
            return G_SOURCE_CONTINUE;
    }
    r->watch = 0;
    return G_SOURCE_REMOVE;
}

static gboolean on_stop(gpointer user_data)
{
    stop(user_data, NULL);
    return G_SOURCE_CONTINUE;
}

int kn_cmd_record(int argc, char **argv)
{
    g_autofree char *output = NULL;
    double duration = 0;
    gint64 max_frames = 0;
    const GOptionEntry entries[] = {
        { "output", 'o', 0, G_OPTION_ARG_FILENAME, &output, "Recording to write (- for "
          "standard output)", "FILE" },
        { "duration", 0, 0, G_OPTION_ARG_DOUBLE, &duration, "Stop after this many seconds",
          "S" },
        { "frames", 0, 0, G_OPTION_ARG_INT64, &max_frames, "Stop after this many frames", "N" },
        { NULL }
    };
    g_autoptr(GOptionContext) ctx = g_option_context_new("-o FILE");
    g_autoptr(GError) error = NULL;
    g_autoptr(GDBusConnection) bus = NULL;
    g_autoptr(GVariant) reply = NULL;
    g_autoptr(GVariant) info = NULL;
    g_autoptr(GUnixFDList) fds = NULL;
    g_auto(KnRecordingMeta) meta = { 0 };
    g_autofree char *source = NULL;
    const char *side = "right", *src = "?";
    Rec r = { 0 };
    guint32 columns = KN_HAS_ALL;
    gint32 handle;
    int status = KN_EXIT_OK;
    guint sig_int, sig_term, timer = 0;

    g_option_context_set_summary(ctx, "Write kneed's live frames as a recording "
                                      "(docs/recording-format.md) until Ctrl-C.");
    g_option_context_add_main_entries(ctx, entries, NULL);
    if (!g_option_context_parse(ctx, &argc, &argv, &error)) {
        fprintf(stderr, "kneectl record: %s\n", error->message);
        return KN_EXIT_USAGE;
    }
    if (argc > 1 || !output) {
        fprintf(stderr, "kneectl record: give the file with -o FILE\n");
        return KN_EXIT_USAGE;
    }
    if (duration < 0 || !isfinite(duration) || max_frames < 0) {
        fprintf(stderr, "kneectl record: --duration and --frames must not be negative\n");
        return KN_EXIT_USAGE;
    }
    bus = kn_live_connect("record", &status);
    if (!bus)
        return status;
    reply = g_dbus_connection_call_with_unix_fd_list_sync(bus, KN_LIVE_NAME, KN_LIVE_PATH,
        KN_LIVE_IFACE, "OpenFrameStream", NULL, G_VARIANT_TYPE("(ha{sv})"),
        G_DBUS_CALL_FLAGS_NO_AUTO_START, 10000, NULL, &fds, NULL, &error);
    if (!reply)
        return kn_live_report_error("record", error);
    g_variant_get(reply, "(h@a{sv})", &handle, &info);
    r.fd = fds ? g_unix_fd_list_get(fds, handle, &error) : -1;
    if (r.fd < 0) {
        fprintf(stderr, "kneectl record: kneed sent no stream: %s\n",
                error ? error->message : "no file descriptor");
        return KN_EXIT_FAILED;
    }
    g_variant_lookup(info, "rate_hz", "d", &meta.rate_hz);
    g_variant_lookup(info, "side", "&s", &side);
    g_variant_lookup(info, "source", "&s", &src);
    g_variant_lookup(info, "columns", "u", &columns);
    if (kn_side_from_string(side, &meta.side) < 0)
        meta.side = KN_SIDE_RIGHT;
    source = g_strdup_printf("kneed %s (kneectl record)", src);
    meta.source = g_strdup(source);
    r.writer = kn_recording_writer_new(output, &meta, columns ? columns : KN_HAS_ALL, &error);
    if (!r.writer) {
        fprintf(stderr, "kneectl record: %s\n", error->message);
        close(r.fd);
        return KN_EXIT_FAILED;
    }
    r.max_frames = (guint64) max_frames;
    r.loop = g_main_loop_new(NULL, FALSE);
    r.watch = g_unix_fd_add(r.fd, G_IO_IN | G_IO_HUP | G_IO_ERR, on_readable, &r);
    sig_int = g_unix_signal_add(SIGINT, on_stop, &r);
    sig_term = g_unix_signal_add(SIGTERM, on_stop, &r);
    if (duration > 0)
        timer = g_timeout_add((guint) (duration * 1000), on_stop, &r);
    if (strcmp(output, "-") != 0)
        fprintf(stderr, "Recording to %s; Ctrl-C stops.\n", output);
    g_main_loop_run(r.loop);
    g_source_remove(sig_int);
    g_source_remove(sig_term);
    if (timer)
        g_source_remove(timer);
    if (r.watch)
        g_source_remove(r.watch);
    close(r.fd);
    g_main_loop_unref(r.loop);
    if (!kn_recording_writer_close(r.writer, r.error ? NULL : &r.error) || r.error) {
        fprintf(stderr, "kneectl record: %s\n", r.error ? r.error->message : "write error");
        g_clear_error(&r.error);
        return KN_EXIT_FAILED;
    }
    fprintf(stderr, "%s: %" G_GUINT64_FORMAT " frames, %.1f s%s", output, r.frames,
            r.frames > 1 ? r.last_t - r.first_t : 0.0, r.eof ? "; kneed ended the stream" : "");
    if (r.dropped)
        fprintf(stderr, "; %" G_GUINT64_FORMAT " frames dropped by kneed (too slow a reader)",
                r.dropped);
    fprintf(stderr, "\n");
    return KN_EXIT_OK;
}
