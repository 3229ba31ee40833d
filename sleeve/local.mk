# Issue 9: the sleeve's own I/O (button, haptic motor, LED) through
# libgpiod.  The pattern engine and the button classifier are pure C11
# (no GLib, no clock, no I/O) so that they are unit-tested with
# constructed timestamps; sleeve/gpio-gpiod.c is the only file that
# includes <gpiod.h> (a port to libgpiod 2.x touches it alone).
noinst_LIBRARIES += sleeve/libkneesleevecore.a
sleeve_libkneesleevecore_a_SOURCES = \
	sleeve/pattern.h sleeve/pattern.c \
	sleeve/haptic.h sleeve/haptic.c \
	sleeve/led.h sleeve/led.c \
	sleeve/button.h sleeve/button.c

# The glue: configuration, the libgpiod wrapper, the publisher.
noinst_LIBRARIES += sleeve/libkneesleeve.a
sleeve_libkneesleeve_a_CFLAGS = $(AM_CFLAGS) $(GLIB_CFLAGS) $(GPIOD_CFLAGS)
sleeve_libkneesleeve_a_SOURCES = \
	sleeve/gpio.h sleeve/gpio-gpiod.c \
	sleeve/sleeve-config.h sleeve/sleeve-config.c \
	sleeve/sleeve.h sleeve/sleeve.c

EXTRA_DIST += docs/sleeve.md
