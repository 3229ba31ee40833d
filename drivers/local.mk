# Frame sources.  The simulated sleeve (sim-*.c), iio-scan.c and
# iio-align.c are pure C11 + libm like the analysis; the rest use GLib.
# iio-backend.c is the only file that includes <iio.h>.
noinst_LIBRARIES += drivers/libkneedrivers.a
drivers_libkneedrivers_a_CFLAGS = $(AM_CFLAGS) $(GLIB_CFLAGS) $(IIO_CFLAGS)
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
	drivers/drv-replay.c \
	drivers/iio-backend.h drivers/iio-backend.c \
	drivers/iio-scan.h drivers/iio-scan.c \
	drivers/iio-attr.h drivers/iio-attr.c \
	drivers/iio-align.h drivers/iio-align.c \
	drivers/iio-options.h drivers/iio-options.c \
	drivers/flex-cal.h drivers/flex-cal.c \
	drivers/iio-internal.h drivers/iio-device.c \
	drivers/drv-iio.c
