# Issue 4: the Bluetooth LE peripheral (GATT application, advertisement,
# agent) through bluetoothd's D-Bus API.  A library so that kneed, the
# tests and the benchmark link the same code.

# Interface descriptions of the BlueZ interfaces kneed implements, as
# GDBusInterfaceInfo structures for g_dbus_connection_register_object()
# (no skeleton classes: see daemon/ble/gatt.c).
BLUEZ_IFACE_XML = \
	dbus/org.bluez.GattService1.xml \
	dbus/org.bluez.GattCharacteristic1.xml \
	dbus/org.bluez.LEAdvertisement1.xml \
	dbus/org.bluez.Agent1.xml \
	dbus/org.freedesktop.DBus.ObjectManager.xml
BLUEZ_IFACE_CODEGEN = $(GDBUS_CODEGEN) --c-namespace KnBluez --interface-prefix org.bluez.

dbus/bluez-iface.h: $(BLUEZ_IFACE_XML)
	$(AM_V_GEN)$(MKDIR_P) dbus && \
	$(BLUEZ_IFACE_CODEGEN) --pragma-once --interface-info-header --output $@ \
		$(addprefix $(srcdir)/,$(BLUEZ_IFACE_XML))
dbus/bluez-iface.c: $(BLUEZ_IFACE_XML) dbus/bluez-iface.h
	$(AM_V_GEN)$(MKDIR_P) dbus && \
	$(BLUEZ_IFACE_CODEGEN) --interface-info-body --output $@ \
		$(addprefix $(srcdir)/,$(BLUEZ_IFACE_XML))

BUILT_SOURCES += dbus/bluez-iface.h dbus/bluez-iface.c
CLEANFILES += dbus/bluez-iface.h dbus/bluez-iface.c
EXTRA_DIST += $(BLUEZ_IFACE_XML)

# The pure pieces (like BlueZ's src/shared): the GATT value codec, the RSC
# speed estimate and the advertising plan.  C11 and libc (libm) only, no
# GLib and no main loop: compiled without GLib's include path, so a GLib
# header there does not build.  Linked by the BLE glue below, the unit
# tests and the GATT fuzzers.
noinst_LIBRARIES += daemon/ble/shared/libkneebleshared.a
daemon_ble_shared_libkneebleshared_a_CFLAGS = $(AM_CFLAGS)
daemon_ble_shared_libkneebleshared_a_SOURCES = \
	daemon/ble/shared/gatt-codec.h daemon/ble/shared/gatt-codec.c \
	daemon/ble/shared/rsc-estimate.h daemon/ble/shared/rsc-estimate.c \
	daemon/ble/shared/adv-plan.h daemon/ble/shared/adv-plan.c

# The glue: KnBle on bluetoothd's D-Bus API (GLib, GDBus) and its
# publisher in kneed's core.
noinst_LIBRARIES += daemon/ble/libkneeble.a
daemon_ble_libkneeble_a_CFLAGS = $(AM_CFLAGS) $(GLIB_CFLAGS)
daemon_ble_libkneeble_a_SOURCES = \
	daemon/ble/ble.h daemon/ble/private.h daemon/ble/ble.c daemon/ble/bluez.c \
	daemon/ble/gatt.c daemon/ble/adv.c daemon/ble/agent.c daemon/ble/bond.c \
	daemon/ble/config.h daemon/ble/config.c \
	daemon/ble/publisher.h daemon/ble/publisher.c
nodist_daemon_ble_libkneeble_a_SOURCES = dbus/bluez-iface.h dbus/bluez-iface.c dbus/kneed-ble-dbus.h
# What links libkneeble.a links these after it.
BLE_LIBS = daemon/ble/libkneeble.a daemon/ble/shared/libkneebleshared.a

EXTRA_DIST += docs/gatt.md

# kneed's own D-Bus interface for the state of the peripheral.
ble_dbus_generated = dbus/kneed-ble-dbus.c dbus/kneed-ble-dbus.h
dbus/kneed-ble-dbus.h: dbus/kneed-ble-dbus.c
dbus/kneed-ble-dbus.c: $(srcdir)/dbus/org.kneed.Kneed1.Bluetooth.xml
	$(AM_V_GEN)$(MKDIR_P) dbus && \
	$(GDBUS_CODEGEN) --interface-prefix org.kneed.Kneed1. --c-namespace KnDBus \
		--c-generate-autocleanup=all --pragma-once \
		--generate-c-code dbus/kneed-ble-dbus $(srcdir)/dbus/org.kneed.Kneed1.Bluetooth.xml
BUILT_SOURCES += $(ble_dbus_generated)
CLEANFILES += $(ble_dbus_generated)
dist_dbus_interfaces_DATA += dbus/org.kneed.Kneed1.Bluetooth.xml

noinst_LIBRARIES += dbus/libkneedbusble.a
nodist_dbus_libkneedbusble_a_SOURCES = $(ble_dbus_generated)
dbus_libkneedbusble_a_CFLAGS = $(GLIB_CFLAGS) -Wno-unused-parameter

# `make bench`: alert latency over the BLE peripheral (needs kneed).
bench_scripts += bench/bench-ble.py
bench_script_deps = daemon/kneed
EXTRA_DIST += bench/bench-ble.py
