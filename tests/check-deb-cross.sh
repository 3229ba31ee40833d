#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# The cross-built package's programs against this machine's, under
# qemu-user: `make check-deb-arm64`, or
#   tests/check-deb-cross.sh kneed_V_arm64.deb kneed_V_amd64.deb
# Nothing is installed: both packages are unpacked in a temporary
# directory.  Checks that the foreign kneed and kneectl run (--version),
# print the same built-in configuration, and that a simulated run (with
# scripted events) and its analysis come out byte for byte as on this
# machine: the simulator, the analysis and their text output are the same
# function of their input on both architectures (same glibc libm, no FMA
# contraction under -std=c11).  Exit status 0 passed, 1 failed, 77
# skipped (no qemu-user for that architecture).
set -u

foreign=${1:-}
native=${2:-}
[ -f "$foreign" ] && [ -f "$native" ] || { echo "usage: $0 FOREIGN.deb NATIVE.deb" >&2; exit 64; }
arch=$(dpkg-deb -f "$foreign" Architecture)
case "$arch" in
arm64) cpu=aarch64 ;;
armhf | armel) cpu=arm ;;
*) cpu=$arch ;;
esac
qemu=$(command -v "qemu-$cpu-static" || command -v "qemu-$cpu") ||
    { echo "SKIP: no qemu-$cpu-static to run $arch programs (package qemu-user-static)"; exit 77; }

passed=0
fail() { echo "FAIL: $*"; echo "$passed passed, 1 failed"; exit 1; }
ok() { passed=$((passed + 1)); echo "PASS: $*"; }

T=$(mktemp -d "${TMPDIR:-/tmp}/kneed-cross.XXXXXX")
trap 'rm -rf "$T"' EXIT
dpkg-deb -x "$foreign" "$T/foreign"
dpkg-deb -x "$native" "$T/native"
F="$qemu $T/foreign/usr"
N="$T/native/usr"
version=$(dpkg-deb -f "$foreign" Version)
version=${version%-*}

[ "$($F/sbin/kneed --version)" = "kneed $version" ] || fail "$arch kneed --version"
[ "$($F/bin/kneectl --version)" = "kneectl $version" ] || fail "$arch kneectl --version"
ok "$arch kneed and kneectl $version run under $(basename "$qemu")"

$F/sbin/kneed --print-config --config /dev/null > "$T/config.foreign" || fail "$arch kneed --print-config"
$N/sbin/kneed --print-config --config /dev/null > "$T/config.native" || fail "kneed --print-config"
cmp "$T/config.foreign" "$T/config.native" || fail "$arch kneed prints another built-in configuration"
ok "$arch kneed prints the same built-in configuration"

sim="simulate --duration 90 --cadence 165 --event hyperextension@30 --event giving_way@50 --seed 7"
(cd "$T" && $F/bin/kneectl $sim -o run-foreign.csv --truth truth-foreign.jsonl) ||
    fail "$arch kneectl simulate"
(cd "$T" && $N/bin/kneectl $sim -o run-native.csv --truth truth-native.jsonl) || fail "kneectl simulate"
cmp "$T/run-foreign.csv" "$T/run-native.csv" || fail "$arch kneectl simulate writes another recording"
# The truth names its recording: the rest must match.
sed 's/run-foreign.csv/run.csv/' "$T/truth-foreign.jsonl" > "$T/truth.foreign"
sed 's/run-native.csv/run.csv/' "$T/truth-native.jsonl" > "$T/truth.native"
cmp "$T/truth.foreign" "$T/truth.native" || fail "$arch kneectl simulate writes another truth"
ok "$arch kneectl simulate: the same recording ($(wc -l < "$T/run-native.csv") rows) and truth"

$F/bin/kneectl analyze "$T/run-native.csv" > "$T/analysis.foreign" || fail "$arch kneectl analyze"
$N/bin/kneectl analyze "$T/run-native.csv" > "$T/analysis.native" || fail "kneectl analyze"
cmp "$T/analysis.foreign" "$T/analysis.native" || fail "$arch kneectl analyze gives another analysis"
strides=$(grep -c '"type":"stride"' "$T/analysis.native")
alerts=$(grep -c '"type":"alert"' "$T/analysis.native")
[ "$strides" -gt 100 ] && [ "$alerts" -ge 2 ] || fail "the simulated run gave $strides strides, $alerts alerts"
ok "$arch kneectl analyze: the same $strides strides and $alerts alerts, byte for byte"

echo "$passed passed, 0 failed"
