#!/bin/sh
# Installs the Debian 12 packages that building kneed and running its whole
# test suite need, when they are missing (with sudo when not root).
set -eu

# --vm: also what the QEMU test bed needs (`make check-vm`, docs/testing.md).
VM_PACKAGES="
    qemu-system-x86 busybox-static bluez bluez-test-tools python3-bleak
    i2c-tools libiio-utils gpiod kmod cpio file gcc make
"
PACKAGES="
    build-essential autoconf automake autoconf-archive pkg-config xz-utils
    libglib2.0-dev libglib2.0-dev-bin libjson-glib-dev libsystemd-dev
    libiio-dev libgpiod-dev umockdev libumockdev-dev gir1.2-umockdev-1.0
    dbus systemd
    python3 python3-numpy python3-gi python3-dbus python3-dbusmock
"
# autoconf-archive: AX_CHECK_COMPILE_FLAG in configure.ac.
# python3-numpy: tests/test-convert.py, tests/reference_gait.py.
# dbus, python3-dbus, python3-gi, python3-dbusmock: the daemon and BLE tests.
# libiio-dev: the IIO sensors; libgpiod-dev: the sleeve's button, motor and LED.
# umockdev, libumockdev-dev: their tests (a fake sysfs, device nodes and the
# GPIO chip's character device); gir1.2-umockdev-1.0: the same from Python.
[ "${1:-}" = --vm ] && PACKAGES="$PACKAGES $VM_PACKAGES"
# (tests/vm/setup.sh installs linux-headers-<abi>-amd64 itself: the ABI is
# the one linux-image-amd64 points at on the day.)

missing=""
for p in $PACKAGES; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
        missing="$missing $p"
done
[ -z "$missing" ] && exit 0

SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO=sudo
export DEBIAN_FRONTEND=noninteractive
echo "build-aux/deps.sh: installing$missing"
$SUDO apt-get update -q
# shellcheck disable=SC2086
$SUDO apt-get install -y -q --no-install-recommends $missing
