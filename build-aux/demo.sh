#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
#
# The main job, for a newcomer: kneed on the simulated sleeve (a runner
# with a scripted hyperextension at 12 s and a range-loss episode from
# 18 s), on a private D-Bus session bus, watched live with
# `kneectl monitor`; then a session summary and a clean stop.
#
#   build-aux/demo.sh [SECONDS]        (default 32: both alerts arrive)
#
# Uses the binaries of the build tree (KNEED_BUILDDIR, default: the tree
# this script is in).  Touches nothing outside a temporary directory.
# The offline version of the same story: kneectl simulate + kneectl
# analyze --human (docs/simulator.md).
set -eu

seconds=${1:-32}
top=$(cd "$(dirname "$0")/.." && pwd)
builddir=${KNEED_BUILDDIR:-$top}
kneed="$builddir/daemon/kneed"
kneectl="$builddir/client/kneectl"

for f in "$kneed" "$kneectl"; do
    if [ ! -x "$f" ]; then
        echo "demo: $f is not built: run ./autogen.sh && ./configure && make first" >&2
        exit 1
    fi
done
if ! command -v dbus-daemon >/dev/null; then
    echo "demo: dbus-daemon is missing: run build-aux/deps.sh" >&2
    exit 1
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/kneed-demo.XXXXXX")
bus_pid=""
kneed_pid=""
cleanup() {
    [ -n "$kneed_pid" ] && kill "$kneed_pid" 2>/dev/null || true
    [ -n "$bus_pid" ] && kill "$bus_pid" 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# A demo-sized baseline (10 strides, a 6-stride window) so the range loss
# shows within seconds; kneed's defaults compare 20 strides with 30.
cat > "$work/kneed.conf" <<CONF
[daemon]
source = simulated
batch_ms = 50
publish_hz = 4

[simulated]
rate_hz = 1000
blocks = stand:3; run:600:170:3.3; stand:5
events = hyperextension@12:depth=15,speed=400; range_loss@18:deg=25,duration=8

[range_loss]
baseline_strides = 10
window_strides = 6
CONF

echo "== a private D-Bus session bus"
dbus-daemon --session --nofork --nopidfile --print-address=1 > "$work/address" &
bus_pid=$!
i=0
while [ ! -s "$work/address" ] && [ $i -lt 100 ]; do sleep 0.05; i=$((i + 1)); done
DBUS_SESSION_BUS_ADDRESS=$(head -n 1 "$work/address")
export DBUS_SESSION_BUS_ADDRESS

echo "== kneed --session on the simulated sleeve"
"$kneed" --session --config "$work/kneed.conf" > "$work/kneed.log" 2>&1 &
kneed_pid=$!
i=0
until "$kneectl" --session status > /dev/null 2>&1; do
    if ! kill -0 "$kneed_pid" 2>/dev/null || [ $i -ge 100 ]; then
        echo "demo: kneed did not start:" >&2
        cat "$work/kneed.log" >&2
        exit 1
    fi
    sleep 0.1
    i=$((i + 1))
done

"$kneectl" --session status
echo
"$kneectl" --session session start
echo
echo "== kneectl monitor for $seconds s: a hyperextension at 12 s, range loss from 18 s"
"$kneectl" --session monitor --duration "$seconds"
echo
"$kneectl" --session session stop
echo
echo "== stopping kneed (SIGTERM)"
kill -TERM "$kneed_pid"
status=0
wait "$kneed_pid" || status=$?
kneed_pid=""
echo "kneed exited with status $status"
exit "$status"
