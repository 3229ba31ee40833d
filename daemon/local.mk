# kneed, the daemon.  The core, the publishers and the configuration are a
# convenience library so that the unit tests link exactly what they test.
noinst_LIBRARIES += daemon/libkneedcore.a
daemon_libkneedcore_a_CPPFLAGS = $(AM_CPPFLAGS) -DSYSCONFDIR=\"$(sysconfdir)\"
daemon_libkneedcore_a_CFLAGS = $(AM_CFLAGS) $(GLIB_CFLAGS) $(SYSTEMD_CFLAGS)
daemon_libkneedcore_a_SOURCES = \
	daemon/error.h daemon/error.c \
	daemon/core.h daemon/publisher.h daemon/core-private.h \
	daemon/core.c daemon/core-control.c \
	daemon/session.h daemon/session.c \
	daemon/keyfile.h daemon/keyfile.c \
	daemon/config.h daemon/config.c \
	daemon/dbus-api.h daemon/dbus-api.c \
	daemon/log.h daemon/log.c \
	daemon/sd.h daemon/sd.c

sbin_PROGRAMS += daemon/kneed
daemon_kneed_CPPFLAGS = $(daemon_libkneedcore_a_CPPFLAGS)
daemon_kneed_CFLAGS = $(AM_CFLAGS) $(GLIB_CFLAGS) $(SYSTEMD_CFLAGS)
daemon_kneed_SOURCES = daemon/main.c
daemon_kneed_LDADD = \
	daemon/libkneeble.a \
	dbus/libkneedbusble.a \
	daemon/libkneedcore.a \
	dbus/libkneedbus.a \
	drivers/libkneedrivers.a \
	analysis/libkneeanalysis.a \
	$(GLIB_LIBS) $(SYSTEMD_LIBS) -lm
