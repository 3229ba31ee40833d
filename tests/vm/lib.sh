# SPDX-License-Identifier: GPL-2.0-or-later
# Sourced by the guest's scenario scripts (tests/vm/scenario-*.sh).
# Environment from tests/vm/guest.sh: KNEED_SRCDIR, KNEED_BUILDDIR,
# S_OUT (this scenario's log directory, in the guest's memory; guest.sh
# copies it to the host's tests/vm-out/NAME when the scenario ends), S_RUN
# (its scratch directory in the guest).

PY=/usr/bin/python3      # Debian's: it sees bleak, python3-dbus, python3-gi
VM=$KNEED_SRCDIR/tests/vm
KNEED=$KNEED_BUILDDIR/daemon/kneed

log() { echo "[$(cut -d' ' -f1 /proc/uptime)] $*"; }

# One verdict line per result; tests/vm/check-vm.sh turns them into TAP.
result() {      # result pass|fail|skip ID TEXT...
    verdict=$1 id=$2; shift 2
    echo "$verdict $id $*" >> "$S_OUT/results"
    log "RESULT $verdict $id $*"
}

uptime_cs() { tr -d . < /proc/uptime | cut -d' ' -f1; }

# wait_for SECONDS WHAT COMMAND...: polls COMMAND every 0.1 s until it
# succeeds, for SECONDS (times KNEED_TEST_SLOWDOWN) of the guest's clock.
wait_for() {
    t=$1 what=$2; shift 2
    end=$(( $(uptime_cs) + $(echo "$t ${KNEED_TEST_SLOWDOWN:-1}" | awk '{print int($1 * $2 * 100)}') ))
    until "$@" >/dev/null 2>&1; do
        if [ "$(uptime_cs)" -gt $end ]; then
            log "timed out after $t s waiting for $what"
            return 1
        fi
        sleep 0.1
    done
}

# name_owned NAME: NAME has an owner on the system bus.
name_owned() {
    dbus-send --system --print-reply=literal --dest=org.freedesktop.DBus /org/freedesktop/DBus \
        org.freedesktop.DBus.NameHasOwner "string:$1" 2>/dev/null | grep -q true
}

# ---- the system bus and Bluetooth ----

# Debian's bluez installs an activation file for org.bluez (Exec=/bin/false,
# for systemd): a call to org.bluez while bluetoothd is down makes the bus
# try to start it and answer "Launch helper exited with unknown return
# code 1".  Nothing may start bluetoothd behind a scenario's back, and a
# call to a bluetoothd that is gone must say so (ServiceUnknown): the
# activation file goes, from the guest's overlay only.
no_bluez_activation() {
    rm -f /usr/share/dbus-1/system-services/org.bluez.service
}

system_bus_start() {
    mkdir -p /run/dbus
    no_bluez_activation
    # kneed's bus policy, as the package installs it
    cp "$KNEED_SRCDIR/dbus/org.kneed.Kneed1.conf" /etc/dbus-1/system.d/
    dbus-daemon --system --fork --print-pid=3 3>"$S_RUN/dbus.pid"
    wait_for 5 "the system bus" test -S /run/dbus/system_bus_socket
}

system_bus_stop() {
    stop_pidfile "$S_RUN/dbus.pid"
    rm -f /run/dbus/system_bus_socket /run/dbus/pid
}

adapters_on_bus() {
    [ "$(dbus-send --system --print-reply=literal --dest=org.bluez /org/bluez \
        org.freedesktop.DBus.Introspectable.Introspect 2>/dev/null |
        grep -o '<node name="hci[01]"' | wc -l)" -ge 2 ]
}

# The emulated radio answers at once: the encryption of a bonded phone's
# link completes microseconds of guest time after the connection, where a
# radio needs several connection events (tens of ms), which the sleeve's
# bluetoothd beats in handling the new ATT connection.  When the two
# overlap, bluetoothd 5.66's device_attach_att() checks the link's security
# before and raises it after the encryption, gets EINVAL and drops the ATT
# connection (tests/vm/phone.py, ATTACH_RACE); in this kernel the link's
# end then oopses bluetoothd (docs/testing.md).  So bluetoothd and btvirt
# share CPU 0 and btvirt, the radio, yields to bluetoothd (nice 19): it
# cannot run beside bluetoothd's handling of a connection, nor take turns
# with it (on CPU 0 without nice the race was still met, once in 6
# reconnections).
BLUETOOTHD="taskset -c 0 /usr/libexec/bluetooth/bluetoothd -n -d"
BTVIRT="taskset -c 0 nice -n 19 btvirt -L -l2"

bluetoothd_start() {
    $BLUETOOTHD >>"$S_OUT/bluetoothd.log" 2>&1 &
    echo $! > "$S_RUN/bluetoothd.pid"
    wait_for 20 "bluetoothd's two adapters" adapters_on_bus
}

controllers_ready() {
    [ "$(btmgmt info 2>/dev/null | grep -c '^hci[01]:')" -ge 2 ]
}

# Both initialized, or one's HCI Reset failed since this start (the dmesg
# lines after the mark bt_start_once took: an earlier scenario's failure
# is not this one's).
controllers_settled() {
    controllers_ready ||
        dmesg | tail -n +$((DMESG_MARK + 1)) | grep -q 'Bluetooth: hci[01]: Opcode 0x0c03 failed'
}

# Two LE-only virtual controllers linked to each other, btmon capturing
# both, one bluetoothd serving both (hci0: the sleeve, hci1: the phone).
bt_start_once() {
    modprobe bluetooth && modprobe hci_vhci || return 1
    # btvirt's controllers open AF_ALG sockets (ecb(aes), cmac(aes)) as
    # they are made, after the first is registered: the first time in a
    # boot the kernel loads those modules then, from the 9p root under
    # emulation, while the first controller's HCI Reset waits (2 s; it
    # timed out in the first scenario of nearly every boot).
    modprobe -q -a algif_skcipher algif_hash ecb cmac
    # ... and btvirt's own pages come through 9p as it first runs them,
    # between the first controller's registration and its Reset: read
    # the programs into the page cache first.
    cat "$(command -v btvirt)" "$(command -v btmon)" "$(command -v btmgmt)" \
        /usr/libexec/bluetooth/bluetoothd >/dev/null
    DMESG_MARK=$(dmesg | wc -l)
    # [GATT] Channels = 1: one ATT bearer per link (docs/testing.md)
    mkdir -p /etc/bluetooth /var/lib/bluetooth
    cp "$VM/bluetooth-main.conf" /etc/bluetooth/main.conf
    $BTVIRT >>"$S_OUT/btvirt.log" 2>&1 &
    echo $! > "$S_RUN/btvirt.pid"
    wait_for 10 "the virtual controllers" test -e /sys/class/bluetooth/hci1 || return 1
    # Both initialized (on the management interface), or one failed.
    wait_for 15 "the controllers to initialize" controllers_settled
    controllers_ready || return 1
    btmon -w "$S_OUT/btmon.snoop" >/dev/null 2>&1 &
    echo $! > "$S_RUN/btmon.pid"
    bluetoothd_start
}

bt_start() {
    log "Bluetooth starts"
    if ! bt_start_once; then
        # Under emulation a virtual controller's first HCI Reset can time
        # out ("hci0: Opcode 0x0c03 failed: -110"): that controller never
        # comes up (its setup failed: the management interface never
        # lists it).  Start the controllers once more; a second failure
        # fails the scenario.
        log "a virtual controller did not come up: $(dmesg | grep 'Bluetooth: hci' | tail -n 3 | tr '\n' ' ')"
        log "starting the controllers once more"
        bt_stop
        mv "$S_OUT/btmon.snoop" "$S_OUT/btmon-failed-start.snoop" 2>/dev/null
        bt_start_once || return 1
    fi
    log "Bluetooth up"
}

# stop_pidfile FILE: ends the process FILE names, waits until it is gone.
stop_pidfile() {
    [ -f "$1" ] || return 0
    pid=$(cat "$1")
    rm -f "$1"
    kill "$pid" 2>/dev/null || return 0
    n=50
    while kill -0 "$pid" 2>/dev/null && [ $n -gt 0 ]; do sleep 0.1; n=$((n - 1)); done
    kill -9 "$pid" 2>/dev/null
    true
}

bt_stop() {
    for p in bluetoothd btmon btvirt; do stop_pidfile "$S_RUN/$p.pid"; done
    # the next scenario starts with no bonds and fresh controllers
    rm -rf /var/lib/bluetooth/*
    rmmod hci_vhci 2>/dev/null
    true
}

# ---- kneed ----

kneed_start() {     # kneed_start CONFIG [user]: as root, on the system bus
    "$KNEED" --system --config "$1" -v >>"$S_OUT/kneed.log" 2>&1 &
    echo $! > "$S_RUN/kneed.pid"
    wait_for 15 "kneed on the system bus" name_owned org.kneed.Kneed1
}

kneed_stop() {
    stop_pidfile "$S_RUN/kneed.pid"
}
