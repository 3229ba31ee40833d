# SPDX-License-Identifier: GPL-2.0-or-later
# Sourced by the guest's scenario scripts (tests/vm/scenario-*.sh).
# Environment from tests/vm/guest.sh: KNEED_SRCDIR, KNEED_BUILDDIR,
# S_OUT (this scenario's writable log directory on the host), S_RUN (its
# scratch directory in the guest).

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

system_bus_start() {
    mkdir -p /run/dbus
    # kneed's bus policy, as the package installs it
    cp "$KNEED_SRCDIR/dbus/org.kneed.Kneed1.conf" /etc/dbus-1/system.d/
    dbus-daemon --system --fork --print-pid=3 3>"$S_RUN/dbus.pid"
    wait_for 5 "the system bus" test -S /run/dbus/system_bus_socket
}

system_bus_stop() {
    [ -f "$S_RUN/dbus.pid" ] && kill "$(cat "$S_RUN/dbus.pid")" 2>/dev/null
    rm -f "$S_RUN/dbus.pid" /run/dbus/system_bus_socket /run/dbus/pid
}

adapters_on_bus() {
    [ "$(dbus-send --system --print-reply=literal --dest=org.bluez /org/bluez \
        org.freedesktop.DBus.Introspectable.Introspect 2>/dev/null |
        grep -o '<node name="hci[01]"' | wc -l)" -ge 2 ]
}

bluetoothd_start() {
    /usr/libexec/bluetooth/bluetoothd -n -d >>"$S_OUT/bluetoothd.log" 2>&1 &
    echo $! > "$S_RUN/bluetoothd.pid"
    wait_for 10 "bluetoothd's two adapters" adapters_on_bus
}

# Two LE-only virtual controllers linked to each other, btmon capturing
# both, one bluetoothd serving both (hci0: the sleeve, hci1: the phone).
bt_start() {
    log "Bluetooth starts"
    modprobe bluetooth && modprobe hci_vhci || return 1
    # [GATT] Channels = 1: one ATT bearer per link (docs/testing.md)
    mkdir -p /etc/bluetooth /var/lib/bluetooth
    cp "$VM/bluetooth-main.conf" /etc/bluetooth/main.conf
    btvirt -L -l2 >"$S_OUT/btvirt.log" 2>&1 &
    echo $! > "$S_RUN/btvirt.pid"
    wait_for 10 "the virtual controllers" test -e /sys/class/bluetooth/hci1 || return 1
    btmon -w "$S_OUT/btmon.snoop" >/dev/null 2>&1 &
    echo $! > "$S_RUN/btmon.pid"
    bluetoothd_start || return 1
    log "Bluetooth up"
}

bt_stop() {
    for p in bluetoothd btmon btvirt; do
        [ -f "$S_RUN/$p.pid" ] && kill "$(cat "$S_RUN/$p.pid")" 2>/dev/null
        rm -f "$S_RUN/$p.pid"
    done
    # the next scenario starts with no bonds and fresh controllers
    sleep 0.5
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
    [ -f "$S_RUN/kneed.pid" ] || return 0
    pid=$(cat "$S_RUN/kneed.pid")
    kill "$pid" 2>/dev/null
    n=100
    while kill -0 "$pid" 2>/dev/null && [ $n -gt 0 ]; do sleep 0.1; n=$((n - 1)); done
    kill -9 "$pid" 2>/dev/null
    rm -f "$S_RUN/kneed.pid"
}
