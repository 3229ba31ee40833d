#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Scenario 6, "Started like the installed service" (docs/testing.md): the
# tree installed (make install DESTDIR=, by tests/vm/check-vm.tap) into the
# guest's overlay; the kneed user made by systemd-sysusers from the
# installed sysusers.d file; the installed bus policy on the guest's system
# bus; kneed started by tests/vm/service.py as the installed unit says
# (User=, Group=, SupplementaryGroups=, Type=notify with $NOTIFY_SOCKET and
# $WATCHDOG_USEC) -- by hand, not by systemd as PID 1.  The phone of
# scenario 1 must still pass, and a process outside the policy's group
# must be denied the developer API.
. "$KNEED_SRCDIR/tests/vm/lib.sh"
D=/kneed-out/destdir
fail() { result fail service-phone "$*"; result fail service-policy "$*"; exit 1; }

[ -d $D ] || fail "no staged install in $D (tests/vm/check-vm.tap makes it)"
# /lib is a symlink on a merged-/usr system: keep it one
tar -C $D -cf - . | tar -C / -xf - --keep-directory-symlink || fail "copying the staged install failed"
UNIT=$(find $D -name kneed.service -path '*systemd/system*' | sed "s|^$D||")
SYSUSERS=$(find $D -path '*sysusers.d/kneed.conf' | sed "s|^$D||")
POLICY=$(find $D -name org.kneed.Kneed1.conf -path '*dbus-1/system.d*' | sed "s|^$D||")
EXAMPLE=$(find $D -name kneed.conf.example | sed "s|^$D||")
log "installed: unit $UNIT, sysusers $SYSUSERS, policy $POLICY, config dir ${EXAMPLE%/*}"
[ -n "$UNIT" ] && [ -n "$SYSUSERS" ] && [ -n "$POLICY" ] && [ -n "$EXAMPLE" ] ||
    fail "the staged install lacks the unit, sysusers.d file, bus policy or kneed.conf.example"

systemd-sysusers "$SYSUSERS" || fail "systemd-sysusers $SYSUSERS failed"
log "kneed user: $(getent passwd kneed); groups: $(getent group kneed bluetooth gpio iio | tr '\n' ' ')"
# Debian's system bus reads /usr/share/dbus-1/system.d and /etc/dbus-1/system.d:
# a policy installed under another prefix (/usr/local by default) is not
# read; the administrator links it in (docs/testing.md).
case $POLICY in
    /usr/share/dbus-1/system.d/*|/etc/dbus-1/system.d/*) ;;
    *) log "the bus does not read $POLICY: linked into /etc/dbus-1/system.d"
       ln -sf "$POLICY" /etc/dbus-1/system.d/org.kneed.Kneed1.conf ;;
esac
mkdir -p /run/dbus
no_bluez_activation
dbus-daemon --system --fork --print-pid=3 3>"$S_RUN/dbus.pid"
wait_for 5 "the system bus" test -S /run/dbus/system_bus_socket || fail "no system bus"
bt_start || fail "Bluetooth did not come up (bluetoothd.log, dmesg.txt)"
cp "$VM/sleeve.conf" "${EXAMPLE%/*}/kneed.conf"

$PY "$VM/service.py" "$UNIT" "$S_OUT/notify.log" "$S_OUT/kneed.log" &
echo $! > "$S_RUN/service.pid"
wait_for 30 "READY=1" test -f "$S_OUT/notify.log.ready" ||
    { cat "$S_OUT/notify.log"; fail "no READY=1 from kneed (notify.log, kneed.log)"; }
log "READY=1 after $(cat "$S_OUT/notify.log.ready") s"
owner=$(dbus-send --system --print-reply=literal --dest=org.freedesktop.DBus /org/freedesktop/DBus \
    org.freedesktop.DBus.GetConnectionUnixUser string:org.kneed.Kneed1 | awk '{print $2}')
[ "$owner" = "$(id -u kneed)" ] || fail "org.kneed.Kneed1 is owned by uid $owner, not kneed"

$PY "$VM/phone.py" meet --config "$VM/sleeve.conf" >"$S_OUT/phone.log" 2>&1
rc=$?
if [ $rc -eq 0 ]; then
    result pass service-phone "kneed as user kneed (uid $owner), READY=1 after $(cat "$S_OUT/notify.log.ready") s; $(tail -n 1 "$S_OUT/phone.log")"
else
    result fail service-phone "$(tail -n 1 "$S_OUT/phone.log"); see phone.log"
fi

# The policy: root and the group kneed may call kneed, nobody else.
call() {    # call USER: GetThresholds as USER; prints the D-Bus error or "ok"
    setpriv --reuid="$1" --regid="$(id -g "$1")" --init-groups \
        dbus-send --system --print-reply --dest=org.kneed.Kneed1 /org/kneed/Kneed1 \
        org.kneed.Kneed1.Daemon.GetThresholds >"$S_RUN/call.out" 2>&1 &&
        echo ok || sed -n 's/^Error \([^:]*\).*/\1/p' "$S_RUN/call.out"
}
id kneed-member >/dev/null 2>&1 || useradd -M -N -g nogroup -G kneed kneed-member
outsider=$(call nobody)
member=$(call kneed-member)
propget=$(setpriv --reuid=nobody --regid=nogroup --init-groups dbus-send --system --print-reply \
    --dest=org.kneed.Kneed1 /org/kneed/Kneed1 org.freedesktop.DBus.Properties.Get \
    string:org.kneed.Kneed1.Daemon string:KneeAngle 2>&1 | sed -n 's/^Error \([^:]*\).*/\1/p')
log "GetThresholds: nobody -> $outsider, a member of kneed -> $member; KneeAngle read by nobody -> $propget"
if [ "$outsider" = org.freedesktop.DBus.Error.AccessDenied ] && [ "$member" = ok ] &&
    [ "$propget" = org.freedesktop.DBus.Error.AccessDenied ]; then
    result pass service-policy "nobody: AccessDenied (call and property), a member of group kneed: allowed"
else
    result fail service-policy "nobody: $outsider / $propget, a member of kneed: $member"
    rc=1
fi
stop_pidfile "$S_RUN/service.pid"
grep -q 'stopped: kneed exit 0' "$S_OUT/notify.log" || log "kneed did not stop cleanly: $(tail -n 1 "$S_OUT/notify.log")"
bt_stop
system_bus_stop
exit $rc
