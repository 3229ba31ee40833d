#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Scenario 7, "The clock steps" (docs/testing.md): kneed on the guest's
# system bus with the simulated sleeve, and the guest's real
# CLOCK_REALTIME stepped under it with clock_settime(2), which this
# machine's shared kernel must never see.  tests/vm/clock.py checks that
# kneed's timerfd (TFD_TIMER_CANCEL_ON_SET) sees each step at once, that
# its wall clock then follows the system clock instead of the time a
# client set, that times already given keep their value, and that the
# pairing window keeps its length.  The clock is stepped back at the end.
. "$KNEED_SRCDIR/tests/vm/lib.sh"
fail() { result fail clock-step "$*"; exit 1; }

system_bus_start || fail "no system bus"
printf '[daemon]\nsource = simulated\n[bluetooth]\nenable = false\n' >"$S_RUN/kneed.conf"
"$KNEED" --system --config "$S_RUN/kneed.conf" -v >"$S_OUT/kneed.log" 2>&1 &
echo $! >"$S_RUN/kneed.pid"
wait_for 30 "kneed's name" name_owned org.kneed.Kneed1 ||
    { stop_pidfile "$S_RUN/kneed.pid"; system_bus_stop; fail "kneed did not own its name (kneed.log)"; }

$PY "$VM/clock.py" "$S_OUT/kneed.log" >"$S_OUT/clock.log" 2>&1
rc=$?
if [ $rc -eq 0 ]; then
    result pass clock-step "$(tail -n 1 "$S_OUT/clock.log")"
else
    result fail clock-step "$(tail -n 1 "$S_OUT/clock.log"); see clock.log, kneed.log"
fi
stop_pidfile "$S_RUN/kneed.pid"
system_bus_stop
exit $rc
