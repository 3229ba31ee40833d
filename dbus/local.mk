# dbus
