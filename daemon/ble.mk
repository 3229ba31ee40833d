# Issue 4: the Bluetooth LE peripheral (GATT application, advertisement,
# agent) through bluetoothd's D-Bus API.  A library so that kneed, the
# tests and the benchmark link the same code.
noinst_LIBRARIES += daemon/libkneeble.a
daemon_libkneeble_a_CFLAGS = $(AM_CFLAGS) $(GLIB_CFLAGS)
daemon_libkneeble_a_SOURCES = \
	daemon/gatt-codec.h daemon/gatt-codec.c \
	daemon/rsc-estimate.h daemon/rsc-estimate.c \
	daemon/ble-adv-plan.h daemon/ble-adv-plan.c

EXTRA_DIST += docs/gatt.md
