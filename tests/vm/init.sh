#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
#
# /init of the test bed's initramfs (busybox).  Mounts the host's root,
# shared read-only over virtio-9p (tag "root"), under a tmpfs overlay, so
# that every program built on the host runs unchanged in the guest and
# nothing the guest writes reaches the host; mounts the writable share
# (tag "out") on /kneed-out; puts the unpacked Debian kernel's modules on
# /lib/modules; then hands over to the guest program.
#
# Kernel command line: kneed.kroot=DIR (the unpacked linux-image package
# on the host), kneed.run=PROGRAM (started as PID 1 in the new root:
# tests/vm/guest.sh, or /lib/systemd/systemd).
export PATH=/bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs dev /dev
fail() { echo "kneed-testbed init: $*"; echo o > /proc/sysrq-trigger; poweroff -f; }
for m in $(cat /mods/order); do insmod /mods/$m || echo "insmod $m failed"; done
KROOT= RUN=
for x in $(cat /proc/cmdline); do
    case $x in
        kneed.kroot=*) KROOT=${x#kneed.kroot=} ;;
        kneed.run=*) RUN=${x#kneed.run=} ;;
    esac
done
mount -t 9p -o ro,trans=virtio,version=9p2000.L,msize=512000,cache=loose root /lower ||
    fail "9p root mount failed"
mount -t tmpfs -o size=1536m,mode=0755 rw /rw
mkdir -p /rw/upper /rw/work
mount -t overlay -o lowerdir=/lower,upperdir=/rw/upper,workdir=/rw/work overlay /newroot ||
    fail "overlay mount failed"
mkdir -p /newroot/kneed-out
mount -t 9p -o trans=virtio,version=9p2000.L,msize=512000 out /newroot/kneed-out ||
    fail "9p out mount failed"
KV=$(cat /proc/sys/kernel/osrelease)
mkdir -p /newroot/lib/modules/$KV
mount --bind /newroot$KROOT/lib/modules/$KV /newroot/lib/modules/$KV || fail "no modules at $KROOT"
mount --move /dev /newroot/dev
mount --move /proc /newroot/proc
mount --move /sys /newroot/sys
echo "kneed-testbed init: switching root to $RUN (uptime $(cut -d' ' -f1 /newroot/proc/uptime) s)"
case $RUN in
    *.sh) exec switch_root /newroot /bin/sh "$RUN" ;;
    *) exec switch_root /newroot "$RUN" ;;
esac
