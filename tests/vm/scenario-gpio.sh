#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Scenario 5, "Real GPIO" (docs/testing.md), the kernel side: a gpio-sim
# chip (built out of tree by tests/vm/setup.sh) with the sleeve's named
# lines; button presses made with the line's simulated pull must reach
# userspace as clean edges with the right timing, and what userspace drives
# on the haptic and LED lines must read back from the chip.
. "$KNEED_SRCDIR/tests/vm/lib.sh"
ID=gpio-kernel
fail() { result fail $ID "$*"; result skip gpio-kneed "the kernel side failed"; exit 1; }
checks=0
ok() { checks=$((checks + 1)); log "CHECK PASS $*"; }
bad() { log "CHECK FAIL $*"; fail "$*"; }

modprobe gpio-sim || fail "no gpio-sim (out-of-tree module)"
G=/sys/kernel/config/gpio-sim/kneed
mkdir $G $G/bank0 || fail "gpio-sim configfs not there"
echo 8 > $G/bank0/num_lines
echo kneed-sleeve > $G/bank0/label
n=0
for name in button haptic led; do
    mkdir $G/bank0/line$n && echo $name > $G/bank0/line$n/name
    n=$((n + 1))
done
echo 1 > $G/live || fail "the gpio-sim device did not go live"
CHIP=$(cat $G/bank0/chip_name)
SIM=/sys/devices/platform/$(cat $G/dev_name)/$CHIP
log "chip $CHIP at $SIM"
gpiodetect | tee "$S_RUN/detect"
grep -q "^$CHIP \[kneed-sleeve\] (8 lines)" "$S_RUN/detect" && ok "gpiodetect: $CHIP kneed-sleeve, 8 lines" ||
    bad "gpiodetect does not show $CHIP [kneed-sleeve] (8 lines)"
gpioinfo "$CHIP" | tee "$S_RUN/info"
for l in 0:button 1:haptic 2:led; do
    grep -qE "line +${l%%:*}: +\"${l#*:}\"" "$S_RUN/info" && ok "line ${l%%:*} named ${l#*:}" ||
        bad "line ${l%%:*} is not named ${l#*:}"
done
[ "$(gpiofind button)" = "$CHIP 0" ] && ok "gpiofind button" || bad "gpiofind button: $(gpiofind button)"

# The button: an active-low input with a pull-up in the sleeve; here the
# simulated pull is the finger.
echo pull-up > $SIM/sim_gpio0/pull
gpiomon --num-events=4 --format='%e %s %n' "$CHIP" 0 > "$S_RUN/edges" 2>"$S_RUN/gpiomon.err" &
MON=$!
wait_for 5 "gpiomon to request the line" sh -c "gpioinfo $CHIP | grep -q 'line *0:.*\"gpiomon\"'" ||
    bad "gpiomon did not request the button line"
# Each pull change is bracketed by CLOCK_MONOTONIC readings (the clock of
# the v1 uAPI's event timestamps): every edge must carry a time inside
# its bracket, in order.
$PY - "$SIM/sim_gpio0/pull" > "$S_RUN/writes" <<'PRESS'
import sys, time
def pull(v):
    t0 = time.monotonic()
    with open(sys.argv[1], 'w') as f:
        f.write(v)
    print(f'{t0:.6f} {time.monotonic():.6f} {v}', flush=True)
for hold in (1.5, 0.2):            # a long press, then a short one
    pull('pull-down'); time.sleep(hold); pull('pull-up'); time.sleep(0.3)
PRESS
wait_for 5 "4 edges" sh -c "[ \$(wc -l < $S_RUN/edges) -ge 4 ]" || bad "edges: $(cat "$S_RUN/edges" | tr '\n' ' ')"
kill $MON 2>/dev/null
cat "$S_RUN/writes" "$S_RUN/edges"
# falling (press), rising (release), falling, rising; each inside the
# bracket of its write (5 ms of slack for the clock readings' rounding)
verdict=$(paste -d' ' "$S_RUN/writes" "$S_RUN/edges" | awk '
    { t = $5 + $6 / 1e9; want = ($3 == "pull-down") ? 0 : 1
      if ($4 != want || t < $1 - 0.005 || t > $2 + 0.005) bad = bad " edge" NR
      if (NR % 2 == 1) down = t; else len = len sprintf("%.3f ", t - down) }
    END { print (bad ? "BAD" bad : "OK") " " len }')
log "edges: $verdict"
case $verdict in
    OK*) durations=${verdict#OK }
         ok "4 clean edges in order, each inside its write's time bracket; press lengths $durations s" ;;
    *) bad "edges do not match the writes: $verdict" ;;
esac

# Outputs: what userspace drives reads back from the chip.
for line in 1 2; do
    for v in 1 0 1; do
        gpioset --mode=signal "$CHIP" $line=$v &
        SET=$!
        wait_for 5 "line $line = $v" sh -c "[ \$(cat $SIM/sim_gpio$line/value) = $v ]" ||
            { kill $SET; bad "line $line driven to $v reads $(cat $SIM/sim_gpio$line/value)"; }
        kill $SET; wait $SET 2>/dev/null
    done
    ok "line $line driven 1 0 1 reads back from the chip"
done
result pass $ID "gpio-sim $CHIP: named lines, button edges and press lengths ($durations s), haptic and LED read back: $checks checks"

# kneed's part: its sleeve I/O (issue 9, in main since the merge of
# branch gpio) on these lines: a long press opens the pairing window, a
# short one marks pain, an alert drives the haptic line with its
# documented pattern (docs/sleeve.md; read back from $SIM/sim_gpio1/value),
# the LED follows the state.  Not written yet: a SKIP that says so, and
# which says something else if kneed stops accepting GPIO sections.
printf '[button]\nline = button\n[haptic]\nline = haptic\n[led]\nline = led\n' > "$S_RUN/probe.conf"
if "$KNEED" --check-config --config "$S_RUN/probe.conf" >/dev/null 2>&1; then
    result skip gpio-kneed "kneed drives GPIO lines ([button]/[haptic]/[led], issue 9), but this part of scenario 5 is not written yet: button gestures, haptic pattern and LED on the chip not checked"
else
    result skip gpio-kneed "kneed has no GPIO sleeve I/O ([button] sections rejected by kneed --check-config): button, haptic pattern and LED not checked"
fi
echo 0 > $G/live
exit 0
