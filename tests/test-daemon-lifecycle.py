#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""kneed's life cycle on a private bus: SIGTERM/SIGINT stop it cleanly
(exit 0, name released), SIGHUP reloads the configuration (and keeps the
old one when the new one is bad), a bad configuration exits 78 with
"FILE:LINE: [section] key: message", a taken name exits 1, the end of a
replay leaves the daemon up and idle."""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from kneedtest import *  # noqa: E402,F401,F403

REPLAY = '[daemon]\nsource = replay\nbatch_ms = 20\n[replay]\nfile = run.csv\nloop = true\n'


class LifecycleTest(TmpDirTestCase):
    def setUp(self):
        super().setUp()
        write_flex_recording(os.path.join(self.tmpdir, 'run.csv'), 5)
        self.bus = PrivateBus()
        self.conn = self.bus.connect()

    def tearDown(self):
        self.bus.stop()
        super().tearDown()

    def kneed(self, *args, config=None):
        path = os.path.join(self.tmpdir, 'bad.conf')
        if config is not None:
            with open(path, 'w') as f:
                f.write(config)
            args = ('--config', path) + args
        r = subprocess.run([KNEED, '--session'] + list(args), env=self.bus.env(),
                           capture_output=True, text=True, timeout=30 * SLOW)
        return r, path

    def test_sigterm(self):
        d = Daemon(self.bus, self.tmpdir, REPLAY)
        d.wait_ready(self.conn)
        gone = []
        self.conn.signal_subscribe('org.freedesktop.DBus', 'org.freedesktop.DBus',
                                   'NameOwnerChanged', '/org/freedesktop/DBus', NAME,
                                   Gio.DBusSignalFlags.NONE,
                                   lambda *a: gone.append(a[5].unpack()[2] == ''))
        c = Client(self.conn)
        wait_for(lambda: c.get('FramesAccepted') > 0, 5, 'frames')
        c.close()
        self.assertEqual(d.stop(signal.SIGTERM), 0, d.output())
        wait_for(lambda: gone == [True], 5, 'the name to be released')
        self.assertFalse(name_owned(self.conn))
        self.assertIn('stopping', d.output())

    def test_sigint(self):
        d = Daemon(self.bus, self.tmpdir, REPLAY)
        d.wait_ready(self.conn)
        self.assertEqual(d.stop(signal.SIGINT), 0, d.output())

    def test_sighup_reload(self):
        d = Daemon(self.bus, self.tmpdir, REPLAY)
        d.wait_ready(self.conn)
        c = Client(self.conn)
        self.assertEqual(c.call('GetThresholds', None, '(a{sv})')[0]['hyperextension.angle_deg'],
                         5.0)
        # Every (re)start of the source logs this line once (kn_core_set_source).
        started = 'source replay started'
        self.assertEqual(d.output().count(started), 1, d.output())

        with open(d.config_path, 'w') as f:
            f.write(REPLAY + '[daemon]\npublish_hz = 5\n')
        d.send(signal.SIGHUP)
        wait_for(lambda: c.get('PublishRate') == 5.0, 5, 'the new publication rate')
        wait_for(lambda: d.output().count('configuration reloaded') == 1, 5, 'the reload')

        with open(d.config_path, 'w') as f:
            f.write(REPLAY + '[hyperextension]\nangle_deg = 8\n')
        d.send(signal.SIGHUP)
        wait_for(lambda: c.call('GetThresholds', None, '(a{sv})')[0]
                 ['hyperextension.angle_deg'] == 8.0, 5, 'the new threshold')
        wait_for(lambda: d.output().count('configuration reloaded') == 2, 5, 'the reload')
        # The same source options: the replay went on without a restart.
        self.assertEqual(d.output().count(started), 1, d.output())

        # The side is also a source option (a simulated or real sleeve
        # mirrors its axes with it): the source restarts.
        with open(d.config_path, 'w') as f:
            f.write(REPLAY + '[hyperextension]\nangle_deg = 8\n[daemon]\nside = left\n')
        d.send(signal.SIGHUP)
        wait_for(lambda: c.get('Side') == 'left', 5, 'the new side')
        wait_for(lambda: d.output().count('configuration reloaded') == 3, 5, 'the reload')
        self.assertEqual(d.output().count(started), 2, d.output())

        # A bad file: logged, the running configuration stays.
        with open(d.config_path, 'w') as f:
            f.write(REPLAY + '[hyperextension]\nangle_deg = 80\n')
        d.send(signal.SIGHUP)
        wait_for(lambda: 'reload failed' in d.output(), 5, 'the reload to fail')
        self.assertIn(d.config_path + ':8: [hyperextension] angle_deg: 80 is outside 1..30',
                      d.output())
        self.assertEqual(c.call('GetThresholds', None, '(a{sv})')[0]['hyperextension.angle_deg'],
                         8.0)
        self.assertIsNone(d.proc.poll())

        # A new source: restarted with the new batch period.
        with open(d.config_path, 'w') as f:
            f.write(REPLAY.replace('batch_ms = 20', 'batch_ms = 40'))
        d.send(signal.SIGHUP)
        wait_for(lambda: c.get('BatchPeriod') == 40, 5, 'the new batch period')
        self.assertEqual(c.get('State'), 'streaming')
        self.assertEqual(d.output().count(started), 3, d.output())
        c.close()
        self.assertEqual(d.stop(), 0, d.output())

    def test_bad_config(self):
        cases = [
            ('[daemon]\nsource = replay\nbtach_ms = 20\n', ':3: [daemon] btach_ms: unknown key'),
            ('[daemon]\n\nbatch_ms = 5000\n', ':3: [daemon] batch_ms: 5000 is outside 1..1000'),
            ('[thresholds]\nlocking.strides = many\n',
             ":2: [thresholds] locking.strides: not a number: 'many'"),
            ('[daemon]\nsource = replay\n[replay]\nfile = /nonexistent.csv\n',
             ':4: [replay] file: '),
            ('[kneee]\n', ':1: [kneee]: unknown section'),
            ('[daemon]\nnot a key value pair\n', ':2: '),
        ]
        for text, message in cases:
            r, path = self.kneed(config=text)
            self.assertEqual(r.returncode, 78, r.stderr)
            self.assertIn(path + message, r.stderr)
            self.assertFalse(name_owned(self.conn))

        r, _ = self.kneed('--config', os.path.join(self.tmpdir, 'missing.conf'))
        self.assertEqual(r.returncode, 78)
        self.assertIn('missing.conf', r.stderr)

        r, path = self.kneed('--check-config', config=REPLAY.replace('run.csv',
                                                                      self.tmpdir + '/run.csv'))
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn(path + ': OK', r.stdout)

    def test_command_line(self):
        r, _ = self.kneed('--version')
        self.assertEqual(r.returncode, 0)
        self.assertRegex(r.stdout, r'^kneed \d+\.\d+\.\d+')
        r, _ = self.kneed('--frobnicate')
        self.assertEqual(r.returncode, 64)
        r, _ = self.kneed('extra-argument')
        self.assertEqual(r.returncode, 64)

    def test_name_taken(self):
        d = Daemon(self.bus, self.tmpdir, REPLAY)
        d.wait_ready(self.conn)
        r, _ = self.kneed(config=REPLAY.replace('run.csv', self.tmpdir + '/run.csv'))
        self.assertEqual(r.returncode, 1)
        self.assertIn('cannot own org.kneed.Kneed1 on the session bus', r.stderr)
        self.assertEqual(d.stop(), 0, d.output())

    def test_replay_end(self):
        d = Daemon(self.bus, self.tmpdir, REPLAY.replace('loop = true', 'loop = false')
                   .replace('[replay]', '[replay]\nspeed = 0'))
        d.wait_ready(self.conn)
        c = Client(self.conn)
        wait_for(lambda: c.get('State') == 'idle', 10, 'the replay to end')
        self.assertEqual(c.get('FramesAccepted'), 1000)
        self.assertEqual(c.get('Source'), 'replay')
        # Still serving the API.
        self.assertEqual(c.call('StartSession', None, '(t)')[0], 1)
        self.assertDBusErrorCalibrate(c)
        c.close()
        self.assertEqual(d.stop(), 0, d.output())

    def assertDBusErrorCalibrate(self, c):
        with self.assertRaises(GLib.Error) as cm:
            c.call('Calibrate', None, '(ddd)')
        self.assertEqual(dbus_error_name(cm.exception), 'org.kneed.Kneed1.Error.NoData')


if __name__ == '__main__':
    main()
