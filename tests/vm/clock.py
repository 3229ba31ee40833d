#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
'''Scenario 7's client (tests/vm/scenario-clock.sh): steps the guest's
CLOCK_REALTIME under a running kneed and checks what docs/dbus-api.md
("Time") promises, through the D-Bus API on the system bus:

- at start kneed's wall clock is the system clock's (WallClockSource
  "system", WallClockOffset = CLOCK_REALTIME - CLOCK_MONOTONIC);
- a client's SetTime makes it the client's;
- a step of the system clock (clock_settime) is seen at once, without
  polling (its PropertiesChanged is waited for), and wins: the source is
  "system" again, the offset the stepped clock's, one log line says so;
- a pain mark made before keeps its time, the pairing window keeps its
  length (its end moves with the mapping, exactly), an alert raised after
  is stamped by the stepped clock;
- a step back is seen too.

    clock.py KNEED_LOG

The last line printed is the verdict's text.'''

import os
import re
import sys
import time

import gi
gi.require_version('Gio', '2.0')
from gi.repository import Gio, GLib  # noqa: E402

NAME, PATH, IFACE = 'org.kneed.Kneed1', '/org/kneed/Kneed1', 'org.kneed.Kneed1.Daemon'
SLOW = float(os.environ.get('KNEED_TEST_SLOWDOWN', '1'))
STEP_S = 3600
# CLOCK_REALTIME − CLOCK_MONOTONIC does not move unless the clock is
# stepped, but each read of it takes time: this side brackets it between
# two monotonic reads, and kneed's own reads (centred the same way) may be
# off by half of theirs.  Under the emulator a clock read takes 50-100 µs;
# the margin is twice that.
OFFSET_SLACK_US = 200

log_path = sys.argv[1]
bus = Gio.bus_get_sync(Gio.BusType.SYSTEM, None)
changes = []            # the a{sv} of each PropertiesChanged, in order
alerts = []             # (timestamp, kind)


def on_changed(conn, sender, path, iface, name, args):
    changes.append(args.unpack()[1])


def on_alert(conn, sender, path, iface, name, args):
    a = args.unpack()
    alerts.append((a[3], a[1]))


bus.signal_subscribe(NAME, 'org.freedesktop.DBus.Properties', 'PropertiesChanged', PATH, IFACE,
                     Gio.DBusSignalFlags.NONE, on_changed)
bus.signal_subscribe(NAME, IFACE, 'Alert', PATH, None, Gio.DBusSignalFlags.NONE, on_alert)


def call(method, args=None, reply=None):
    r = bus.call_sync(NAME, PATH, IFACE, method, args,
                      GLib.VariantType(reply) if reply else None, Gio.DBusCallFlags.NONE, 10000,
                      None)
    return r.unpack() if r is not None else None


def get(prop):
    return bus.call_sync(NAME, PATH, 'org.freedesktop.DBus.Properties', 'Get',
                         GLib.Variant('(ss)', (IFACE, prop)), GLib.VariantType('(v)'),
                         Gio.DBusCallFlags.NONE, 10000, None).unpack()[0]


def wait(pred, timeout, what):
    ctx = GLib.MainContext.default()
    end = time.monotonic() + timeout * SLOW
    while not pred():
        if time.monotonic() > end:
            fail('timed out after %.0f s waiting for %s' % (timeout * SLOW, what))
        ctx.iteration(True) if ctx.pending() else time.sleep(0.001)


def fail(msg):
    print('FAIL: ' + msg, flush=True)
    sys.exit(1)


def check(cond, msg):
    if not cond:
        fail(msg)


def system_offset():
    """CLOCK_REALTIME − CLOCK_MONOTONIC as (low, high) bounds."""
    m0 = GLib.get_monotonic_time()
    r = GLib.get_real_time()
    m1 = GLib.get_monotonic_time()
    return r - m1, r - m0


def is_system_offset(off):
    lo, hi = system_offset()
    return lo - OFFSET_SLACK_US <= off <= hi + OFFSET_SLACK_US


def step(seconds):
    t = time.clock_gettime(time.CLOCK_REALTIME)
    time.clock_settime(time.CLOCK_REALTIME, t + seconds)
    return time.monotonic()


def seen_step(sign):
    """Waits for the PropertiesChanged that says the mapping is the system
    clock's again after a step; returns after how long, in ms."""
    n = len(changes)
    t = step(sign * STEP_S)
    wait(lambda: any(c.get('WallClockSource') == 'system' or 'WallClockOffset' in c
                     for c in changes[n:]), 5, 'kneed to see the step of %+d s' % (sign * STEP_S))
    return (time.monotonic() - t) * 1000


def stepped_lines():
    with open(log_path) as f:
        return re.findall(r'system clock stepped by ([-+][0-9.]+) s', f.read())


# ---- at start: the system clock's ----
check(get('WallClockSource') == 'system', 'WallClockSource %r at start' % get('WallClockSource'))
off = get('WallClockOffset')
check(is_system_offset(off),
      'WallClockOffset %d is not the system clock\'s %s' % (off, system_offset()))

# ---- a client sets the time, a day ahead ----
phone = GLib.get_real_time() + 86400 * 10**6
before = GLib.get_monotonic_time()
call('SetTime', GLib.Variant('(x)', (phone,)))
after = GLib.get_monotonic_time()
wait(lambda: any(c.get('WallClockSource') == 'client' for c in changes), 5, 'SetTime to be published')
client_off = get('WallClockOffset')
check(phone - after <= client_off <= phone - before, 'the client\'s offset %d' % client_off)
call('OpenPairingWindow', GLib.Variant('(u)', (600,)))
end_client = get('PairingWindowEnd')
mark_id = call('MarkPain', None, '(t)')[0]
marks = {m[0]: m[1] for m in call('ListPainMarks', None, '(a(txtb))')[0]}
mark_wall = marks[mark_id]
check(abs(mark_wall - (GLib.get_monotonic_time() + client_off)) < 10 * 10**6,
      'the mark is not dated by the client\'s time')

# ---- NTP steps the system clock an hour on ----
ms = seen_step(+1)
check(get('WallClockSource') == 'system', 'after the step the source is %r' % get('WallClockSource'))
check(get('WallClockSet'), 'WallClockSet went false')
off = get('WallClockOffset')
check(is_system_offset(off),
      'after the step WallClockOffset %d is not the stepped clock\'s %s' % (off, system_offset()))
lines = stepped_lines()
check(len(lines) == 1 and abs(float(lines[0]) - STEP_S) < 1,
      'kneed.log says of the step: %s' % lines)
marks = {m[0]: m[1] for m in call('ListPainMarks', None, '(a(txtb))')[0]}
check(marks[mark_id] == mark_wall, 'the mark moved from %d to %d' % (mark_wall, marks[mark_id]))
check(get('PairingWindowOpen'), 'the pairing window closed at the step')
end = get('PairingWindowEnd')
check(end - off == end_client - client_off,
      'the window\'s monotonic end moved: %d -> %d' % (end_client - client_off, end - off))
n = len(alerts)
t0 = GLib.get_real_time()
call('ReportPain', GLib.Variant('(usss)', (9, 'front', 'during', '')), '(t)')
t1 = GLib.get_real_time()
wait(lambda: len(alerts) > n, 5, 'the alert')
check(t0 <= alerts[n][0] <= t1, 'the alert after the step is stamped %d, not in [%d, %d]'
      % (alerts[n][0], t0, t1))

# ---- and back ----
ms_back = seen_step(-1)
off = get('WallClockOffset')
check(is_system_offset(off), 'after the step back the offset is %d, not %s' % (off, system_offset()))
lines = stepped_lines()
check(len(lines) == 2 and abs(float(lines[1]) + STEP_S) < 1, 'kneed.log says of the steps: %s' % lines)
call('ClosePairingWindow')
print('steps of +%d s and -%d s seen by kneed in %.1f and %.1f ms, each logged once; the '
      'client\'s time replaced, the mark\'s time kept, the pairing window\'s end moved with the '
      'mapping' % (STEP_S, STEP_S, ms, ms_back), flush=True)
