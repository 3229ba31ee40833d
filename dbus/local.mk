# The D-Bus API: introspection XML (installed for clients and bindings),
# the code gdbus-codegen makes from it, and the system bus policy.
dbus_interfacesdir = $(datadir)/dbus-1/interfaces
dist_dbus_interfaces_DATA = dbus/org.kneed.Kneed1.xml

dbuspolicy_DATA = dbus/org.kneed.Kneed1.conf
EXTRA_DIST += $(dbuspolicy_DATA)

dbus_generated = dbus/kneed-dbus-generated.c dbus/kneed-dbus-generated.h

dbus/kneed-dbus-generated.h: dbus/kneed-dbus-generated.c
dbus/kneed-dbus-generated.c: $(srcdir)/dbus/org.kneed.Kneed1.xml
	$(AM_V_GEN)$(MKDIR_P) dbus && \
	$(GDBUS_CODEGEN) --interface-prefix org.kneed.Kneed1. --c-namespace KnDBus \
		--c-generate-object-manager --c-generate-autocleanup=all --pragma-once \
		--generate-c-code dbus/kneed-dbus-generated $(srcdir)/dbus/org.kneed.Kneed1.xml

BUILT_SOURCES += $(dbus_generated)
CLEANFILES += $(dbus_generated)

# Generated code: built without the project's extra warnings, which it was
# not written for.
noinst_LIBRARIES += dbus/libkneedbus.a
nodist_dbus_libkneedbus_a_SOURCES = $(dbus_generated)
dbus_libkneedbus_a_CFLAGS = $(GLIB_CFLAGS) -Wno-unused-parameter
