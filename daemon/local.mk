# kneed, the daemon.  The core, the publishers and the configuration are a
# convenience library so that the unit tests link exactly what they test.
noinst_LIBRARIES += daemon/libkneedcore.a
daemon_libkneedcore_a_CPPFLAGS = $(AM_CPPFLAGS) -DSYSCONFDIR=\"$(sysconfdir)\"
daemon_libkneedcore_a_CFLAGS = $(AM_CFLAGS) $(GLIB_CFLAGS) $(SYSTEMD_CFLAGS)
daemon_libkneedcore_a_SOURCES = \
	daemon/error.h daemon/error.c \
	daemon/core.h daemon/publisher.h daemon/core-private.h \
	daemon/core.c daemon/core-control.c daemon/core-flex.c \
	daemon/session.h daemon/session.c \
	daemon/keyfile.h daemon/keyfile.c \
	daemon/config.h daemon/config.c \
	daemon/iio-config.h daemon/iio-config.c \
	daemon/state-dir.h daemon/state-dir.c \
	daemon/dbus-api.h daemon/dbus-api.c \
	daemon/dbus-args.h daemon/dbus-args.c \
	daemon/frame-stream.h daemon/frame-stream.c \
	daemon/log.h daemon/log.c \
	daemon/sd.h daemon/sd.c \
	daemon/battery.h daemon/battery.c

sbin_PROGRAMS += daemon/kneed
daemon_kneed_CPPFLAGS = $(daemon_libkneedcore_a_CPPFLAGS)
daemon_kneed_CFLAGS = $(AM_CFLAGS) $(GLIB_CFLAGS) $(SYSTEMD_CFLAGS)
daemon_kneed_SOURCES = daemon/main.c daemon/modules.h daemon/modules.c
daemon_kneed_LDADD = \
	sleeve/libkneesleeve.a \
	sleeve/libkneesleevecore.a \
	$(BLE_LIBS) \
	dbus/libkneedbusble.a \
	daemon/libkneedcore.a \
	dbus/libkneedbus.a \
	drivers/libkneedrivers.a \
	clock/libkneeclock.a \
	analysis/libkneeanalysis.a \
	$(GLIB_LIBS) $(SYSTEMD_LIBS) $(GPIOD_LIBS) $(IIO_LIBS) -lm

# The example configuration is kneed's own --print-config of the built-in
# defaults with every key commented out, so it never drifts from the code
# (nor from the thresholds table).  A cross build runs kneed through
# $(HOST_EXEC) (configure.ac).
kneedconfdir = $(sysconfdir)/kneed
kneedconf_DATA = daemon/kneed.conf.example
CLEANFILES += daemon/kneed.conf.example

daemon/kneed.conf.example: daemon/kneed$(EXEEXT)
	$(AM_V_GEN)$(HOST_EXEC) daemon/kneed$(EXEEXT) --print-config --config /dev/null | \
	$(SED) -e 's/^\([a-z_]* =\)/#\1/' > $@.tmp && mv $@.tmp $@
