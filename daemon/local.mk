# kneed, the daemon.  The core, the publishers and the configuration are a
# convenience library so that the unit tests link exactly what they test.
noinst_LIBRARIES += daemon/libkneedcore.a
daemon_libkneedcore_a_CFLAGS = $(AM_CFLAGS) $(GLIB_CFLAGS)
daemon_libkneedcore_a_SOURCES = \
	daemon/error.h daemon/error.c \
	daemon/core.h daemon/publisher.h daemon/core-private.h \
	daemon/core.c daemon/core-control.c \
	daemon/session.h daemon/session.c
