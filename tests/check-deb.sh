#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The Debian package, installed: `make check-deb`, or tests/check-deb.sh
# kneed_VERSION-N_ARCH.deb.  As root on a Debian machine without kneed.
#
# With a system bus of its own running (the installed /usr/share/dbus-1/
# system.conf, on a private socket: the machine's bus, if any, is never
# touched) it installs the package with apt, then checks
#  - the maintainer scripts: the user kneed from sysusers.d, /var/lib/kneed
#    from tmpfiles.d (its owner and mode), the unit enabled, the bus told
#    to read its policy again once the user exists (ReloadConfig, seen by
#    a monitor on the bus);
#  - kneed --version, kneectl --help, kneed --check-config on the shipped
#    /etc/kneed/kneed.conf, systemd-analyze verify and security (exposure
#    <= 1.0) of the installed unit;
#  - the installed kneed, run as the unit runs it (its User=, Group=,
#    SupplementaryGroups=, ExecStart=) on the simulated sleeve, owns
#    org.kneed.Kneed1 under the installed policy; kneectl status works for
#    root and for a member of the group kneed, and is denied to a user
#    outside it; kneed stops on SIGTERM with status 0;
#  - reinstall (the upgrade path) and remove keep /var/lib/kneed, purge
#    removes it (and the conffile).
# Then it leaves the machine as it found it: the package purged, the users
# and groups it made deleted.  Exit status: 0 passed, 1 failed, 77 skipped.
set -u

export LC_ALL=C.UTF-8 DEBIAN_FRONTEND=noninteractive
PATH=/usr/sbin:/usr/bin:/sbin:/bin
APT="apt-get -y -q -o DPkg::Lock::Timeout=600 --no-install-recommends"
NOBODY=65534
MAX_EXPOSURE=1.0
# Waits are for events; these are only how long to wait before giving up.
SLOW=${KNEED_TEST_SLOWDOWN:-1}
timeout_s() { awk -v t="$1" -v s="$SLOW" 'BEGIN { printf "%d", t * (s < 1 ? 1 : s) + 0.5 }'; }

T=""
passed=0
failed=0
skip() { echo "SKIP: $*"; exit 77; }
ok() { passed=$((passed + 1)); echo "PASS: $*"; }
fail() {
    failed=$((failed + 1))
    echo "FAIL: $*"
    [ -s "$T/kneed.log" ] && { echo "--- kneed's log"; cat "$T/kneed.log"; }
    [ -s "$T/bus.log" ] && { echo "--- dbus-daemon's log"; cat "$T/bus.log"; }
    exit 1
}
wait_until() {   # wait_until SECONDS COMMAND...: polls COMMAND until it succeeds
    local end=$((SECONDS + $1))
    shift
    until "$@"; do
        [ $SECONDS -lt $end ] || return 1
        sleep 0.1
    done
}
check() {   # check DESCRIPTION COMMAND...
    local what=$1
    shift
    if "$@" > "$T/out" 2>&1; then ok "$what"; else cat "$T/out"; fail "$what"; fi
}

deb=${1:-}
[ "$(id -u)" -eq 0 ] || skip "needs root: installs the package with apt"
command -v apt-get > /dev/null || skip "not a Debian system (no apt-get)"
[ -n "$deb" ] && [ -f "$deb" ] || { echo "check-deb: no package '$deb': make deb first" >&2; exit 1; }
deb=$(realpath "$deb")
for tool in dbus-daemon dbus-monitor gdbus setpriv systemd-analyze; do
    command -v $tool > /dev/null || skip "$tool is not installed (build-aux/deps.sh)"
done
[ -f /usr/share/dbus-1/system.conf ] || skip "no /usr/share/dbus-1/system.conf (package dbus)"
if dpkg-query -W -f='${db:Status-Abbrev}' kneed 2>/dev/null | grep -q '^.[^n]'; then
    skip "kneed is already installed here: this test does not touch an installation it did not make"
fi

T=$(mktemp -d /tmp/kneed-check-deb.XXXXXX)
chmod 755 "$T"
# What to delete at the end: the users and groups the package makes that
# were not here before.
new_users=""
new_groups=""
getent passwd kneed > /dev/null || new_users=kneed
for g in kneed bluetooth gpio iio; do getent group $g > /dev/null || new_groups="$new_groups $g"; done

cleanup() {
    [ -n "${kneed_pid:-}" ] && kill "$kneed_pid" 2> /dev/null
    [ -n "${monitor_pid:-}" ] && kill "$monitor_pid" 2> /dev/null
    [ -n "${bus_pid:-}" ] && kill "$bus_pid" 2> /dev/null
    wait 2> /dev/null
    if dpkg-query -W -f='${db:Status-Abbrev}' kneed 2> /dev/null | grep -q '^.[^n]'; then
        DBUS_SYSTEM_BUS_ADDRESS=unix:path=/nonexistent $APT purge kneed > /dev/null 2>&1 ||
            echo "check-deb: could not purge kneed" >&2
    fi
    for u in $new_users; do userdel "$u" 2> /dev/null; done
    for g in $new_groups; do getent group "$g" > /dev/null && groupdel "$g" 2> /dev/null; done
    rm -rf "$T"
}
trap cleanup EXIT

version=$(dpkg-deb -f "$deb" Version)
upstream=${version%-*}
echo "check-deb: $(basename "$deb") (kneed $upstream)"

# --- a system bus of our own: the installed system configuration (so the
# machine's policy files and, once installed, ours) on a private socket,
# with no service activation (apt asks for logind; nothing starts here).
socket="$T/system_bus_socket"
cat > "$T/bus.conf" <<EOF
<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <include>/usr/share/dbus-1/system.conf</include>
  <servicehelper>/bin/false</servicehelper>
</busconfig>
EOF
dbus-daemon --config-file="$T/bus.conf" --nofork --nopidfile --nosyslog --address="unix:path=$socket" \
    --print-address=3 3> "$T/address" 2> "$T/bus.log" &
bus_pid=$!
bus_up() {
    [ -s "$T/address" ] && return 0
    kill -0 $bus_pid 2> /dev/null || fail "dbus-daemon --system did not start"
    return 1
}
wait_until "$(timeout_s 10)" bus_up || fail "dbus-daemon --system printed no address"
# Everyone may connect, as to /run/dbus/system_bus_socket; the policy decides.
chmod 777 "$socket"
export DBUS_SYSTEM_BUS_ADDRESS="unix:path=$socket"
ok "a private system bus with the installed system.conf"

# A monitor sees the maintainer scripts' ReloadConfig.
stdbuf -oL dbus-monitor --system \
    "type='method_call',interface='org.freedesktop.DBus',member='ReloadConfig'" \
    > "$T/monitor" 2>&1 &
monitor_pid=$!
# dbus-monitor prints NameLost once it has become a monitor.
wait_until "$(timeout_s 10)" grep -q 'member=NameLost' "$T/monitor" || fail "dbus-monitor did not start"
reloads() { grep -c 'member=ReloadConfig' "$T/monitor"; }

# --- install
if ! $APT install "$deb" > "$T/apt.log" 2>&1; then
    cat "$T/apt.log"
    fail "apt-get install $(basename "$deb")"
fi
ok "apt-get install $(basename "$deb")"
check "dpkg: kneed $version installed" \
    test "$(dpkg-query -W -f='${Version} ${db:Status-Abbrev}' kneed)" = "$version ii "

for f in /usr/sbin/kneed /usr/bin/kneectl /usr/lib/sysusers.d/kneed.conf \
         /usr/lib/tmpfiles.d/kneed.conf /usr/share/dbus-1/system.d/org.kneed.Kneed1.conf \
         /usr/share/dbus-1/interfaces/org.kneed.Kneed1.xml \
         /usr/share/dbus-1/interfaces/org.kneed.Kneed1.Bluetooth.xml \
         /usr/share/man/man8/kneed.8.gz /usr/share/man/man5/kneed.conf.5.gz \
         /usr/share/man/man1/kneectl.1.gz /usr/share/bash-completion/completions/kneectl \
         /etc/kneed/kneed.conf /usr/share/doc/kneed/copyright; do
    [ -f "$f" ] || fail "the package installs $f"
done
unit=$(dpkg -L kneed | grep -E '/systemd/system/kneed\.service$')
[ -f "$unit" ] || fail "the package installs kneed.service"
ok "the package installs the daemon, kneectl, $unit, sysusers.d, tmpfiles.d, the bus policy," \
    "the interfaces, man pages, completion, /etc/kneed/kneed.conf"
check "/etc/kneed/kneed.conf is a conffile" \
    grep -q '/etc/kneed/kneed.conf' /var/lib/dpkg/info/kneed.conffiles

check "the user kneed exists, home /var/lib/kneed" \
    test "$(getent passwd kneed | cut -d: -f6)" = /var/lib/kneed
check "the groups of the unit exist" getent group kneed bluetooth gpio iio
check "/var/lib/kneed: kneed:kneed 0700 (tmpfiles.d)" \
    test "$(stat -c '%U:%G %a' /var/lib/kneed)" = "kneed:kneed 700"
check "the unit is enabled (deb-systemd-helper)" \
    test -L /etc/systemd/system/multi-user.target.wants/kneed.service
wait_until "$(timeout_s 10)" grep -q 'member=ReloadConfig' "$T/monitor" ||
    fail "postinst did not ask the bus to reload its configuration"
ok "postinst reloads the bus configuration (ReloadConfig)"

# --- the installed programs and unit
check "kneed --version says $upstream" test "$(/usr/sbin/kneed --version)" = "kneed $upstream"
check "kneectl --help" sh -c '/usr/bin/kneectl --help | grep -q status'
check "kneed --check-config: the shipped /etc/kneed/kneed.conf" \
    sh -c '/usr/sbin/kneed --check-config | grep -qx "/etc/kneed/kneed.conf: OK"'
man_opt=--man=no
command -v man > /dev/null && man_opt=--man=yes
check "systemd-analyze verify $man_opt $unit" sh -c \
    "systemd-analyze verify $man_opt '$unit' 2>&1 | tee /dev/stderr | (! grep -q .)"
systemd-analyze security --offline=yes --no-pager "$unit" > "$T/security" 2>&1
exposure=$(sed -n 's/.*Overall exposure level for kneed.service: \([0-9.]*\).*/\1/p' "$T/security")
[ -n "$exposure" ] || { cat "$T/security"; fail "systemd-analyze security printed no exposure"; }
awk -v e="$exposure" -v m="$MAX_EXPOSURE" 'BEGIN { exit !(e <= m) }' ||
    fail "systemd-analyze security: exposure $exposure > $MAX_EXPOSURE"
ok "systemd-analyze security: exposure $exposure (<= $MAX_EXPOSURE)"

# --- kneed as the unit runs it
unit_key() { sed -n "s/^$1=//p" "$unit" | tail -1; }
user=$(unit_key User)
group=$(unit_key Group)
exec_start=$(unit_key ExecStart)
supp=""
for g in $(unit_key SupplementaryGroups); do supp="$supp,$(getent group "$g" | cut -d: -f3)"; done
supp="$(getent group "$group" | cut -d: -f3)$supp"
[ "$user" = kneed ] && [ -n "$exec_start" ] || fail "unit: User=$user ExecStart=$exec_start"
(umask 0077 && cd / && exec env -i PATH=/usr/sbin:/usr/bin \
    DBUS_SYSTEM_BUS_ADDRESS="$DBUS_SYSTEM_BUS_ADDRESS" STATE_DIRECTORY=/var/lib/kneed setpriv --reuid="$user" --regid="$group" --groups="$supp" \
    --inh-caps=-all --no-new-privs $exec_start) > "$T/kneed.log" 2>&1 &
kneed_pid=$!
if ! gdbus wait --system --timeout "$(timeout_s 30)" org.kneed.Kneed1 > "$T/out" 2>&1; then
    cat "$T/out"
    fail "kneed (as $user, $exec_start) owns org.kneed.Kneed1"
fi
owner_uid=$(gdbus call --system --dest org.freedesktop.DBus --object-path /org/freedesktop/DBus \
    --method org.freedesktop.DBus.GetConnectionUnixUser org.kneed.Kneed1 |
    sed -n 's/^(uint32 \([0-9]*\),)$/\1/p')
[ "$owner_uid" = "$(id -u kneed)" ] || fail "org.kneed.Kneed1 is owned by uid $owner_uid, not kneed"
ok "kneed, run as the unit runs it (User=$user, groups $supp), owns org.kneed.Kneed1"

kneectl_as() {   # kneectl_as SETPRIV-ARGS... -- KNEECTL-ARGS...
    local args=()
    while [ "$1" != -- ]; do args+=("$1"); shift; done
    shift
    env -i PATH=/usr/bin DBUS_SYSTEM_BUS_ADDRESS="$DBUS_SYSTEM_BUS_ADDRESS" \
        setpriv "${args[@]}" /usr/bin/kneectl "$@"
}
kneectl status > "$T/out" 2>&1 || { cat "$T/out"; fail "kneectl status as root"; }
grep -q "kneed $upstream on the system bus" "$T/out" ||
    { cat "$T/out"; fail "kneectl status as root: version"; }
ok "kneectl status as root"
kneed_gid=$(getent group kneed | cut -d: -f3)
if ! kneectl_as --reuid=$NOBODY --regid=$NOBODY --groups="$kneed_gid" -- status > "$T/out" 2>&1 ||
   ! grep -q '^State:' "$T/out"; then
    cat "$T/out"
    fail "kneectl status from a member of the group kneed"
fi
ok "kneectl status from a member of the group kneed"
kneectl_as --reuid=$NOBODY --regid=$NOBODY --clear-groups -- status > "$T/out" 2>&1
rc=$?
if [ $rc -ne 4 ] || ! grep -q 'permission denied by the D-Bus policy' "$T/out"; then
    cat "$T/out"
    fail "kneectl status from a user outside the group kneed is denied (status $rc)"
fi
ok "kneectl status from a user outside the group kneed is denied"
kill -TERM $kneed_pid
wait $kneed_pid
rc=$?
kneed_pid=""
[ $rc -eq 0 ] || fail "kneed exits 0 on SIGTERM (it exited $rc)"
ok "kneed stops on SIGTERM, status 0"

# --- upgrade, remove, purge: the state directory
setpriv --reuid=kneed --regid=kneed --clear-groups sh -c 'echo session > /var/lib/kneed/marker' ||
    fail "kneed can write its state directory"
if ! $APT install --reinstall "$deb" > "$T/apt.log" 2>&1; then
    cat "$T/apt.log"
    fail "apt-get install --reinstall"
fi
check "reinstall (the upgrade path) keeps /var/lib/kneed" test -f /var/lib/kneed/marker
before=$(reloads)
if ! $APT remove kneed > "$T/apt.log" 2>&1; then
    cat "$T/apt.log"
    fail "apt-get remove kneed"
fi
check "remove: the programs are gone" test ! -e /usr/sbin/kneed -a ! -e /usr/bin/kneectl
check "remove: dpkg keeps the configuration (rc)" \
    test "$(dpkg-query -W -f='${db:Status-Abbrev}' kneed)" = "rc "
check "remove keeps /var/lib/kneed and /etc/kneed/kneed.conf" \
    test -f /var/lib/kneed/marker -a -f /etc/kneed/kneed.conf
more_reloads() { [ "$(reloads)" -gt "$before" ]; }
wait_until "$(timeout_s 10)" more_reloads || fail "postrm remove reloads the bus configuration"
ok "postrm remove reloads the bus configuration"
if ! $APT purge kneed > "$T/apt.log" 2>&1; then
    cat "$T/apt.log"
    fail "apt-get purge kneed"
fi
check "purge removes /var/lib/kneed and /etc/kneed" test ! -e /var/lib/kneed -a ! -e /etc/kneed
check "purge: dpkg forgets kneed" \
    sh -c "! dpkg-query -W -f='\${db:Status-Abbrev}' kneed 2>/dev/null | grep -q '^.[^n]'"
check "purge: the unit's enablement is gone" \
    test ! -e /etc/systemd/system/multi-user.target.wants/kneed.service
check "purge keeps the user kneed (Debian's rule for system users)" getent passwd kneed

echo "$passed passed, $failed failed"
