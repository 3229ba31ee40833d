# Frame sources.  The simulated sleeve (sim-*.c) is pure C11 + libm like
# the analysis; the rest use GLib.
noinst_LIBRARIES += drivers/libkneedrivers.a
drivers_libkneedrivers_a_CFLAGS = $(AM_CFLAGS) $(GLIB_CFLAGS)
drivers_libkneedrivers_a_SOURCES = \
	drivers/recording.h drivers/recording.c \
	drivers/sim-model.h drivers/sim-model.c \
	drivers/sim-internal.h \
	drivers/sim-config.c \
	drivers/sim-events.c \
	drivers/sim-gait.h drivers/sim-gait.c \
	drivers/sim-jet.h \
	drivers/sim-rng.h \
	drivers/driver.h drivers/driver.c \
	drivers/pacer.h drivers/pacer.c \
	drivers/drv-sim.c \
	drivers/drv-replay.c
