#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Host set-up of the QEMU test bed (docs/testing.md): Debian's 6.1 kernel
# unpacked (never installed on the host), the modules Debian leaves
# disabled built out of tree, a busybox initramfs.  Everything lands in
# the cache directory (argument 1) and is reused on the next run; the
# only change to the host is the linux-headers package (apt), which the
# module build needs.
#
# Usage: setup.sh CACHE_DIR
# Prints KERNEL=<abi> on its last line.  Exit 0 ready, 77 when something
# it needs cannot be had here (the reason on stderr), 1 on a real failure.
set -eu

SRCDIR=$(cd "$(dirname "$0")" && pwd)
CACHE=$1
mkdir -p "$CACHE"
CACHE=$(cd "$CACHE" && pwd)

skip() { echo "setup.sh: SKIP: $*" >&2; exit 77; }
now() { date +%s.%N; }
step_t0=$(now)
step() {
    t=$(now)
    printf 'setup.sh: %-28s %5.1f s\n' "$1" "$(echo "$t $step_t0" | awk '{print $1 - $2}')" >&2
    step_t0=$t
}

for tool in apt-get apt-cache dpkg-deb depmod modprobe cpio gzip make; do
    command -v $tool >/dev/null 2>&1 || skip "$tool is not installed"
done
[ -x /bin/busybox ] && /bin/busybox --list 2>/dev/null | grep -qx switch_root ||
    skip "needs a static busybox (busybox-static) at /bin/busybox"
file -L /bin/busybox 2>/dev/null | grep -q 'statically linked' ||
    skip "/bin/busybox is not statically linked (install busybox-static)"

SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo -n"

# The kernel: the ABI linux-image-amd64 points at, unless given.
K=${KNEED_VM_KERNEL:-}
if [ -z "$K" ]; then
    K=$(apt-cache depends linux-image-amd64 2>/dev/null |
        awk '/Depends: linux-image-[0-9]/ {sub("linux-image-", "", $2); print $2; exit}')
fi
[ -n "$K" ] || skip "apt knows no linux-image-amd64 (run apt-get update)"
case $K in 6.1.*) ;; *) skip "kernel $K is not a 6.1 kernel (the modules are built from linux-source-6.1)";; esac
KV=$(apt-cache show "linux-image-$K" 2>/dev/null | awk '/^Version:/ {print $2; exit}')
[ -n "$KV" ] || skip "apt knows no linux-image-$K"
W=$CACHE/$K
mkdir -p "$W/debs"
echo "setup.sh: kernel $K ($KV), cache $W" >&2

# apt-get download into the cache; one apt-get update when the lists are
# older than the archive (a 404).
fetch() {
    pkg=$1
    ls "$W/debs/${pkg%%=*}"_*.deb >/dev/null 2>&1 && return 0
    (cd "$W/debs" && apt-get download -q "$pkg" >&2) && return 0
    [ -z "$SUDO" ] || [ "$(id -u)" -eq 0 ] || skip "cannot download $pkg"
    $SUDO apt-get update -q >&2 || skip "apt-get update failed: no package archive reachable"
    (cd "$W/debs" && apt-get download -q "$pkg" >&2) || skip "cannot download $pkg"
}

# ---- the kernel image, unpacked ----
if [ ! -f "$W/kroot.done" ]; then
    fetch "linux-image-$K=$KV"
    rm -rf "$W/kroot"
    dpkg-deb -x "$W/debs/linux-image-${K}_"*.deb "$W/kroot"
    touch "$W/kroot.done"
    step "kernel package"
fi
[ -f "$W/kroot/boot/vmlinuz-$K" ] || { echo "setup.sh: no vmlinuz-$K in the package" >&2; exit 1; }

# ---- modules Debian's config leaves out, from linux-source ----
# CONFIG_IIO_SW_TRIGGER, CONFIG_IIO_CONFIGFS, CONFIG_IIO_HRTIMER_TRIGGER,
# CONFIG_IIO_SYSFS_TRIGGER (buffered IIO capture on a software trigger)
# and CONFIG_GPIO_SIM (with CONFIG_IRQ_SIM linked into the same module).
MODS="industrialio-sw-trigger industrialio-configfs iio-trig-hrtimer iio-trig-sysfs gpio-sim"
EXT=$W/kroot/lib/modules/$K/updates/kneed-testbed
stamp=$(cat "$SRCDIR/extmod.Kbuild" "$0" | cksum | cut -d' ' -f1)
if [ "$(cat "$W/extmod.done" 2>/dev/null)" != "$stamp" ]; then
    KDIR=/usr/src/linux-headers-$K
    if [ ! -f "$KDIR/Makefile" ]; then
        $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -q \
            -o DPkg::Lock::Timeout=600 --no-install-recommends "linux-headers-$K" >&2 ||
            skip "cannot install linux-headers-$K (needed to build the test modules)"
        step "linux-headers"
    fi
    command -v gcc >/dev/null || skip "no gcc for the module build"
    fetch "linux-source-6.1=$KV"
    B=$W/extmod
    rm -rf "$B"; mkdir -p "$B/src"
    # Only the seven files needed, streamed out of the 140 MB tarball.
    dpkg-deb --fsys-tarfile "$W/debs/linux-source-6.1_"*.deb |
        tar -xO ./usr/src/linux-source-6.1.tar.xz |
        tar -xJ -C "$B/src" --strip-components=1 \
            linux-source-6.1/drivers/iio/industrialio-sw-trigger.c \
            linux-source-6.1/drivers/iio/industrialio-configfs.c \
            linux-source-6.1/drivers/iio/trigger/iio-trig-hrtimer.c \
            linux-source-6.1/drivers/iio/trigger/iio-trig-sysfs.c \
            linux-source-6.1/drivers/gpio/gpio-sim.c \
            linux-source-6.1/drivers/gpio/gpiolib.h \
            linux-source-6.1/kernel/irq/irq_sim.c
    step "linux-source (7 files)"
    cp "$B/src/drivers/iio/industrialio-sw-trigger.c" "$B/src/drivers/iio/industrialio-configfs.c" \
        "$B/src/drivers/iio/trigger/iio-trig-hrtimer.c" "$B/src/drivers/iio/trigger/iio-trig-sysfs.c" \
        "$B/src/drivers/gpio/gpiolib.h" "$B/src/kernel/irq/irq_sim.c" "$B/"
    cp "$B/src/drivers/gpio/gpio-sim.c" "$B/gpio-sim-main.c"
    # irq_to_desc() is not exported to modules; for irq_sim's
    # handle_simple_irq(irq_to_desc(n)), generic_handle_irq(n) is the same.
    sed -i 's/handle_simple_irq(irq_to_desc(irqnum));/generic_handle_irq(irqnum);/' "$B/irq_sim.c"
    grep -q 'generic_handle_irq(irqnum);' "$B/irq_sim.c" ||
        { echo "setup.sh: irq_sim.c changed; update the irq_to_desc work-around" >&2; exit 1; }
    cp "$SRCDIR/extmod.Kbuild" "$B/Kbuild"
    make -s -C "$KDIR" M="$B" -j"$(nproc)" modules >"$B/build.log" 2>&1 ||
        { cat "$B/build.log" >&2; echo "setup.sh: module build failed" >&2; exit 1; }
    rm -rf "$EXT"; mkdir -p "$EXT"
    for m in $MODS; do cp "$B/$m.ko" "$EXT/"; done
    depmod -b "$W/kroot" "$K"
    echo "$stamp" > "$W/extmod.done"
    rm -f "$W/initramfs.done"
    step "module build + depmod"
fi

# ---- the initramfs: busybox, the modules for virtio/9p/overlay ----
stamp=$(cat "$SRCDIR/init.sh" "$0" | cksum | cut -d' ' -f1)
if [ "$(cat "$W/initramfs.done" 2>/dev/null)" != "$stamp" ]; then
    R=$W/initramfs
    rm -rf "$R"; mkdir -p "$R/bin" "$R/mods" "$R/proc" "$R/sys" "$R/dev" "$R/newroot" \
        "$R/lower" "$R/rw"
    cp /bin/busybox "$R/bin/busybox"
    for a in sh mount umount insmod switch_root mkdir cat echo ln poweroff sync; do
        ln -s busybox "$R/bin/$a"
    done
    for m in virtio_pci 9pnet_virtio 9p overlay; do
        modprobe -d "$W/kroot" -S "$K" --show-depends $m | awk '$1 == "insmod" {print $2}'
    done | awk '!seen[$0]++' > "$R/mods.list"
    : > "$R/mods/order"
    while read -r f; do
        cp "$f" "$R/mods/"; basename "$f" >> "$R/mods/order"
    done < "$R/mods.list"
    rm "$R/mods.list"
    cp "$SRCDIR/init.sh" "$R/init"; chmod +x "$R/init"
    (cd "$R" && find . | cpio -o -H newc 2>/dev/null | gzip -1) > "$W/initramfs.cpio.gz"
    echo "$stamp" > "$W/initramfs.done"
    step "initramfs"
fi
echo "KERNEL=$K"
