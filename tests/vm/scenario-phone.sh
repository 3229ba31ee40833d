#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Scenario 1, "Phone meets sleeve" (docs/testing.md): the real bluetoothd
# on two linked virtual LE controllers, kneed on hci0 with the simulated
# sleeve, the bleak phone (tests/vm/phone.py) on hci1.
. "$KNEED_SRCDIR/tests/vm/lib.sh"
ID=phone-meets-sleeve

system_bus_start || { result fail $ID "no system bus"; exit 1; }
if ! bt_start; then
    result fail $ID "Bluetooth did not come up (btvirt.log, bluetoothd.log, dmesg.txt)"
    exit 1
fi
kneed_start "$VM/sleeve.conf" || { result fail $ID "kneed did not start (kneed.log)"; exit 1; }
log "kneed up; phone starts"
$PY "$VM/phone.py" meet --config "$VM/sleeve.conf" >"$S_OUT/phone.log" 2>&1
rc=$?
tail -n 1 "$S_OUT/phone.log"
if [ $rc -eq 0 ]; then
    result pass $ID "$(tail -n 1 "$S_OUT/phone.log")"
else
    grep 'CHECK FAIL' "$S_OUT/phone.log" | head -5
    result fail $ID "$(tail -n 1 "$S_OUT/phone.log"); see phone.log"
fi
kneed_stop
bt_stop
system_bus_stop
exit $rc
