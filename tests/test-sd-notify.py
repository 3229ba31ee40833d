#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""kneed's side of systemd's notify protocol (Type=notify, WatchdogSec=),
with this test in systemd's place: a datagram socket in $NOTIFY_SOCKET
and $WATCHDOG_USEC set.  READY=1 comes only once the bus name is owned
(checked at READY=1, with kneed stopped) and the source started (its
STATUS= line comes first), STATUS= lines follow the state, WATCHDOG=1
keeps coming while frames flow and while the source is legitimately idle
(a replay that ended, a source that could not start), SIGHUP gives
RELOADING=1 then READY=1, SIGTERM gives STOPPING=1.

Every wait is for a notification, never a time: how often WATCHDOG=1
comes, and that it stops when a source stalls, is counted on a test clock
by tests/test-watchdog.c, which runs daemon/sd.c against the same
protocol."""

import os
import socket
import struct
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from kneedtest import *  # noqa: E402,F401,F403

REPLAY = '[daemon]\nsource = replay\n[replay]\nfile = run.csv\nloop = true\n'


class NotifyTest(TmpDirTestCase):
    def setUp(self):
        super().setUp()
        write_flex_recording(os.path.join(self.tmpdir, 'run.csv'), 5)
        self.path = os.path.join(self.tmpdir, 'notify')
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.sock.bind(self.path)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_PASSCRED, 1)
        self.messages = []      # (monotonic s, sender pid, {key: value})
        self.bus = PrivateBus()
        self.conn = self.bus.connect()

    def tearDown(self):
        self.sock.close()
        self.bus.stop()
        super().tearDown()

    def start(self, config, watchdog_usec=None):
        os.environ['NOTIFY_SOCKET'] = self.path
        if watchdog_usec:
            os.environ['WATCHDOG_USEC'] = str(watchdog_usec)
        try:
            return Daemon(self.bus, self.tmpdir, config)
        finally:
            del os.environ['NOTIFY_SOCKET']
            os.environ.pop('WATCHDOG_USEC', None)

    def next_message(self, timeout=10):
        """The next datagram, as systemd reads it: the fields and the
        sender's pid (SCM_CREDENTIALS)."""
        self.sock.settimeout(timeout * SLOW)
        try:
            data, anc, _, _ = self.sock.recvmsg(4096, socket.CMSG_SPACE(12))
        except socket.timeout:
            raise AssertionError('no notification within %.0f s; so far: %s'
                                 % (timeout * SLOW, [f for _, _, f in self.messages]))
        pid = 0
        for level, kind, payload in anc:
            if level == socket.SOL_SOCKET and kind == socket.SCM_CREDENTIALS:
                pid = struct.unpack('iII', payload[:12])[0]
        fields = dict(line.split('=', 1) for line in data.decode().splitlines() if '=' in line)
        self.messages.append((time.monotonic(), pid, fields))
        return fields

    def read_until(self, key, value, timeout=10):
        """Reads notifications until one says key=value; returns the ones
        read since the call (that one last)."""
        first = len(self.messages)
        while self.next_message(timeout).get(key) != value:
            pass
        return [f for _, _, f in self.messages[first:]]

    def keys(self, key):
        return [f[key] for _, _, f in self.messages if key in f]

    def pings_after(self, n, key, value):
        """Reads until key=value, then until n more WATCHDOG=1 have come
        (each within next_message's timeout: a missing ping fails)."""
        self.read_until(key, value)
        for _ in range(n):
            self.read_until('WATCHDOG', '1')

    def owner_pid(self):
        owner = self.conn.call_sync('org.freedesktop.DBus', '/org/freedesktop/DBus',
                                    'org.freedesktop.DBus', 'GetNameOwner',
                                    GLib.Variant('(s)', (NAME,)), GLib.VariantType('(s)'),
                                    Gio.DBusCallFlags.NONE, 5000, None).unpack()[0]
        return self.conn.call_sync('org.freedesktop.DBus', '/org/freedesktop/DBus',
                                   'org.freedesktop.DBus', 'GetConnectionUnixProcessID',
                                   GLib.Variant('(s)', (owner,)), GLib.VariantType('(u)'),
                                   Gio.DBusCallFlags.NONE, 5000, None).unpack()[0]

    def test_ready_after_the_name_and_the_source(self):
        d = self.start(REPLAY, watchdog_usec=400000)
        before = self.read_until('READY', '1')
        # At READY=1, as systemd sees it: kneed is stopped where it is
        # (SIGSTOP) before anything else is read or asked, and the bus
        # says the name already belongs to kneed's connection.  A READY=1
        # sent before the name was requested cannot pass: the stopped
        # kneed cannot request it any more.
        self.assertEqual(self.messages[-1][1], d.proc.pid, 'READY=1 from kneed itself')
        d.send(signal.SIGSTOP)
        try:
            self.assertTrue(name_owned(self.conn), 'READY=1 before the bus name was owned')
            self.assertEqual(self.owner_pid(), d.proc.pid)
        finally:
            d.send(signal.SIGCONT)
        # ... and after the source started (the status says so first, on
        # the same socket, so in the order kneed sent them).
        statuses = [f['STATUS'] for f in before if 'STATUS' in f]
        self.assertTrue(any(s.startswith('Streaming replay: 1 sensor groups at 200 Hz')
                            for s in statuses), statuses)
        c = Client(self.conn)
        wait_for(lambda: c.get('FramesAccepted') > 0, 5, 'frames after READY=1')
        c.close()

        # Watchdog: pings keep coming while the replay streams, from
        # kneed itself.
        while len(self.keys('WATCHDOG')) < 6:
            self.next_message()
        self.assertEqual({p for _, p, f in self.messages if 'WATCHDOG' in f}, {d.proc.pid})

        # SIGHUP: RELOADING=1, then READY=1 again.
        d.send(signal.SIGHUP)
        self.read_until('RELOADING', '1')
        self.read_until('READY', '1')

        d.send(signal.SIGTERM)
        self.read_until('STOPPING', '1')
        self.assertEqual(d.stop(), 0, d.output())

    def test_watchdog_while_idle(self):
        # A replay that reached its end is legitimately idle: pings go on
        # after the status says so.
        d = self.start(REPLAY.replace('loop = true', 'speed = 0'), watchdog_usec=400000)
        self.pings_after(5, 'STATUS', 'Idle: the source has stopped')
        self.assertNotIn('Stalled', ' '.join(self.keys('STATUS')))
        d.send(signal.SIGTERM)
        self.read_until('STOPPING', '1')
        self.assertEqual(d.stop(), 0, d.output())

    def test_watchdog_without_source(self):
        # A recording with no frame: the source cannot start, kneed stays
        # up to say why, and idle without a source it keeps feeding.
        with open(os.path.join(self.tmpdir, 'empty.csv'), 'w') as f:
            f.write('# kneed-recording v1\n# rate_hz=200\nt_s,knee_deg\n')
        d = self.start(REPLAY.replace('run.csv', 'empty.csv'), watchdog_usec=400000)
        self.read_until('READY', '1')
        self.pings_after(5, 'STATUS', 'Idle: no source')
        statuses = self.keys('STATUS')
        self.assertTrue(any(s.startswith('Idle: cannot start source replay') for s in statuses),
                        statuses)
        d.send(signal.SIGTERM)
        self.read_until('STOPPING', '1')
        self.assertEqual(d.stop(), 0, d.output())

    def test_source_failure_status(self):
        # A replay that ends: the status says so.
        d = self.start(REPLAY.replace('loop = true', 'speed = 0'))
        self.read_until('READY', '1')
        self.read_until('STATUS', 'Idle: the source has stopped')
        # Without WATCHDOG_USEC no ping at all, up to the end.
        d.send(signal.SIGTERM)
        self.read_until('STOPPING', '1')
        self.assertEqual(self.keys('WATCHDOG'), [])
        self.assertEqual(d.stop(), 0, d.output())


if __name__ == '__main__':
    main()
