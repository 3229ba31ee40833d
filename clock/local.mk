# kneed's one clock (clock/clock.h): monotonic time, main-loop timers and
# the wall-time mapping, with the test clock the unit tests move by hand.
# At the bottom of the tree, beside the analysis, so that the drivers, the
# core and the publishers all use it and none of them depends on another
# for the time.  LGPL like the drivers, which link it.
noinst_LIBRARIES += clock/libkneeclock.a
clock_libkneeclock_a_CFLAGS = $(AM_CFLAGS) $(GLIB_CFLAGS)
clock_libkneeclock_a_SOURCES = \
	clock/clock.h clock/clock-private.h clock/clock.c \
	clock/clock-test.h clock/clock-test.c
