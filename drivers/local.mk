# Frame sources.  sim-model.c is pure C like the analysis; the rest use GLib.
noinst_LIBRARIES += drivers/libkneedrivers.a
drivers_libkneedrivers_a_CFLAGS = $(AM_CFLAGS) $(GLIB_CFLAGS)
drivers_libkneedrivers_a_SOURCES = \
	drivers/recording.h drivers/recording.c \
	drivers/sim-model.h drivers/sim-model.c \
	drivers/driver.h drivers/driver.c \
	drivers/pacer.h drivers/pacer.c \
	drivers/drv-sim.c \
	drivers/drv-replay.c
