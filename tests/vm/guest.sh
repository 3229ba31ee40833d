#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
#
# PID 1 of the test bed's guest (after tests/vm/init.sh): runs the
# scenarios that /kneed-out/config.sh names, one after the other, each
# under a time limit, each with its own log directory /kneed-out/NAME
# (the host's tests/vm-out/NAME), then powers the guest off.
#
# A scenario writes its logs into the guest's memory (S_OUT, on /run) and
# they are copied to the share when it ends, even by its time limit: a
# daemon logging to the share pays a virtio-9p round trip per line (0.36 ms
# against 0.08 ms on tmpfs, measured in the guest), and bluetoothd -d
# writes thousands of lines while the scenarios time it.
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
export LANG=C.UTF-8 HOME=/root
OUT=/kneed-out
up() { cut -d' ' -f1 /proc/uptime; }

mount -t tmpfs -o mode=0755 tmpfs /run
mount -t tmpfs -o mode=1777 tmpfs /tmp
mkdir -p /dev/pts /dev/shm
mount -t devpts devpts /dev/pts
mount -t tmpfs tmpfs /dev/shm
ln -sf /proc/self/fd /dev/fd
modprobe configfs && mount -t configfs none /sys/kernel/config
hostname kneed-testbed
# The host's machine-id is in the shared root; a guest has its own.
echo 0123456789abcdef0123456789abcdef > /etc/machine-id

. $OUT/config.sh
export KNEED_SRCDIR KNEED_BUILDDIR KNEED_TEST_SLOWDOWN
echo "guest: up at $(up) s, kernel $(uname -r), scenarios: $SCENARIOS" | tee $OUT/guest.log

for s in $SCENARIOS; do
    export S_RUN=/run/kneed-vm/$s
    export S_OUT=$S_RUN/out
    mkdir -p "$S_OUT" "$OUT/$s"
    t0=$(up)
    echo "guest: scenario $s starts at $t0 s" | tee -a $OUT/guest.log
    timeout -k 5 "${SCENARIO_TIMEOUT:-300}" sh "$KNEED_SRCDIR/tests/vm/scenario-$s.sh" \
        >"$S_OUT/scenario.log" 2>&1
    rc=$?
    t1=$(up)
    dmesg > "$S_OUT/dmesg.txt"
    cp -a "$S_OUT/." "$OUT/$s/"
    echo "$rc $(echo "$t1 $t0" | awk '{printf "%.1f", $1 - $2}')" > "$OUT/$s/exit"
    echo "guest: scenario $s exit $rc after $(cut -d' ' -f2 "$OUT/$s/exit") s" | tee -a $OUT/guest.log
done
echo "guest: done at $(up) s" | tee -a $OUT/guest.log
sync
echo o > /proc/sysrq-trigger
busybox poweroff -f
