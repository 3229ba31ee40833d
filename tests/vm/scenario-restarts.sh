#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Scenario 2, "bluetoothd restarts" (docs/testing.md): the set-up of
# scenario 1; the phone bonds, then bluetoothd is killed (SIGKILL) and
# started again 3 times: kneed must be registered again within 2 s each
# time (from hci0 back on the bus, powered, to bluetoothd's replies to
# RegisterApplication and RegisterAdvertisement, timed by dbus-monitor:
# dbus-monitor.log), and the phone reconnect with its bond and be notified
# again.
. "$KNEED_SRCDIR/tests/vm/lib.sh"
ID=bluetoothd-restarts

# Not covered yet: "the phone gets the alerts raised while it was away
# through history sync, none lost, none twice" needs the session store's
# history sync (issue 11).  When it lands, phone.py restarts checks it and
# this becomes a pass/fail result.
result skip $ID-history-sync "alerts raised while the phone was away, through history sync: needs the session store (issue 11), not checked"

system_bus_start || { result fail $ID "no system bus"; exit 1; }
bt_start || { result fail $ID "Bluetooth did not come up (bluetoothd.log, dmesg.txt)"; exit 1; }
kneed_start "$VM/sleeve.conf" || { result fail $ID "kneed did not start (kneed.log)"; exit 1; }
$PY "$VM/phone.py" restarts --config "$VM/sleeve.conf" \
    --bluetoothd-pidfile "$S_RUN/bluetoothd.pid" --log "$S_OUT/bluetoothd.log" \
    --bus-log "$S_OUT/dbus-monitor.log" >"$S_OUT/phone.log" 2>&1
rc=$?
if [ $rc -eq 0 ]; then
    result pass $ID "$(grep 'registered again within' "$S_OUT/phone.log" |
        sed 's/.*again within 2 s \([0-9]*\) ms.*/\1/' | tr '\n' ' ' | sed 's/ $//;s/ / ms, /g') ms; $(grep "attach race" "$S_OUT/phone.log" | tail -n 1 | sed 's/^PHONE\[[ 0-9.]*\] //'); $(tail -n 1 "$S_OUT/phone.log")"
else
    grep 'CHECK FAIL' "$S_OUT/phone.log" | head -5
    result fail $ID "$(tail -n 1 "$S_OUT/phone.log"); see phone.log"
fi
kneed_stop
bt_stop
system_bus_stop
exit $rc
