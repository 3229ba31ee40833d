#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""kneed's side of systemd's notify protocol (Type=notify, WatchdogSec=),
with this test in systemd's place: a datagram socket in $NOTIFY_SOCKET
and $WATCHDOG_USEC set.  READY=1 comes only once the bus name is owned
and the source started, STATUS= lines follow the state, WATCHDOG=1
arrives from the main loop at half the interval, SIGHUP gives
RELOADING=1 then READY=1, SIGTERM gives STOPPING=1."""

import os
import socket
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
        self.sock.settimeout(0.05)
        self.messages = []      # (monotonic s, {key: value})
        self.bus = PrivateBus()
        self.conn = self.bus.connect()

    def tearDown(self):
        self.sock.close()
        self.bus.stop()
        super().tearDown()

    def drain(self, seconds):
        end = time.monotonic() + seconds * SLOW
        while time.monotonic() < end:
            try:
                data = self.sock.recv(4096).decode()
            except socket.timeout:
                continue
            fields = dict(line.split('=', 1) for line in data.splitlines() if '=' in line)
            self.messages.append((time.monotonic(), fields))

    def keys(self, key):
        return [f[key] for _, f in self.messages if key in f]

    def test_protocol(self):
        os.environ['NOTIFY_SOCKET'] = self.path
        os.environ['WATCHDOG_USEC'] = '400000'
        try:
            d = Daemon(self.bus, self.tmpdir, REPLAY)
        finally:
            del os.environ['NOTIFY_SOCKET']
            del os.environ['WATCHDOG_USEC']
        d.wait_ready(self.conn)
        self.drain(1.5)
        self.assertIn('1', self.keys('READY'))
        # By READY=1 the name is owned and frames flow.
        c = Client(self.conn)
        self.assertTrue(name_owned(self.conn))
        self.assertGreater(c.get('FramesAccepted'), 0)
        statuses = self.keys('STATUS')
        self.assertTrue(any(s.startswith('Streaming replay: 1 sensor groups at 200 Hz')
                            for s in statuses), statuses)
        # Watchdog: every 200 ms, from the start.
        pings = [t for t, f in self.messages if f.get('WATCHDOG') == '1']
        self.assertGreaterEqual(len(pings), 5)
        gaps = [b - a for a, b in zip(pings, pings[1:])]
        self.assertLess(max(gaps), 0.4 * SLOW)

        n = len(self.messages)
        d.send(signal.SIGHUP)
        self.drain(0.5)
        after = [f for _, f in self.messages[n:]]
        reloading = next(i for i, f in enumerate(after) if f.get('RELOADING') == '1')
        self.assertTrue(any(f.get('READY') == '1' for f in after[reloading:]))

        c.close()
        n = len(self.messages)
        d.send(signal.SIGTERM)
        self.drain(0.5)
        self.assertTrue(any(f.get('STOPPING') == '1' for _, f in self.messages[n:]))
        self.assertEqual(d.stop(), 0, d.output())

    def test_source_failure_status(self):
        # A replay that ends: the status says so.
        os.environ['NOTIFY_SOCKET'] = self.path
        try:
            d = Daemon(self.bus, self.tmpdir, REPLAY.replace('loop = true', 'speed = 0'))
        finally:
            del os.environ['NOTIFY_SOCKET']
        d.wait_ready(self.conn)
        self.drain(1.0)
        self.assertIn('Idle: the source has stopped', self.keys('STATUS'))
        self.assertEqual(self.keys('WATCHDOG'), [])
        self.assertEqual(d.stop(), 0, d.output())


if __name__ == '__main__':
    main()
