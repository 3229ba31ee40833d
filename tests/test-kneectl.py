#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""kneectl against the real kneed on a private bus (status, thresholds,
pain, session, calibrate, monitor, alerts), and its messages when kneed
is not running, is on the other bus, or there is no bus at all."""

import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from kneedtest import *  # noqa: E402,F401,F403


def kneectl(env, *args, timeout=30):
    return subprocess.run([KNEECTL] + list(args), env=env, capture_output=True, text=True,
                          timeout=timeout * SLOW)


class KneectlTest(TmpDirTestCase):
    def setUp(self):
        super().setUp()
        write_flex_recording(os.path.join(self.tmpdir, 'run.csv'), 10, 200,
                             hyperextension_knee([4.0]))
        self.bus = PrivateBus()
        self.conn = self.bus.connect()
        self.env = self.bus.env()
        self.env.pop('DBUS_SYSTEM_BUS_ADDRESS')

    def tearDown(self):
        self.bus.stop()
        super().tearDown()

    def start(self, extra='', recording='run.csv'):
        d = Daemon(self.bus, self.tmpdir, '[daemon]\nsource = replay\nbatch_ms = 20\n'
                   '[replay]\nfile = %s\nloop = true\n' % recording + extra)
        d.wait_ready(self.conn)
        return d

    def test_no_daemon(self):
        r = kneectl(self.env, '--session', 'status')
        self.assertEqual(r.returncode, 3)
        self.assertIn("kneed is not running on the session bus (start one with 'kneed --session')",
                      r.stderr)
        self.assertEqual(r.stdout, '')
        # kneed on the session bus, kneectl asking the system bus (here: a
        # second private bus standing in for it).
        d = self.start()
        other = PrivateBus()
        try:
            env = dict(self.env, DBUS_SYSTEM_BUS_ADDRESS=other.address)
            r = kneectl(env, 'status')
            self.assertEqual(r.returncode, 3)
            self.assertIn('kneed is not running on the system bus, but it is on the session '
                          "bus: run 'kneectl --session status'", r.stderr)
        finally:
            other.stop()
        self.assertEqual(d.stop(), 0)

    def test_no_bus(self):
        env = dict(self.env)
        env.pop('DBUS_SESSION_BUS_ADDRESS')
        env['DBUS_SYSTEM_BUS_ADDRESS'] = 'unix:path=' + os.path.join(self.tmpdir, 'none')
        env['XDG_RUNTIME_DIR'] = self.tmpdir
        r = kneectl(env, 'calibrate')
        self.assertEqual(r.returncode, 3)
        self.assertIn('kneectl calibrate: cannot connect to the system bus', r.stderr)

    def test_usage(self):
        r = kneectl(self.env, 'frobnicate')
        self.assertEqual(r.returncode, 2)
        self.assertIn("unknown command 'frobnicate'", r.stderr)
        for args in (['pain', '11', '--where', 'front'], ['pain', '5'], ['pain', 'scores'],
                     ['pain', '5', '--where', 'front', '--mark', '-3'],
                     ['pain', '5', '--where', 'elbow'], ['session', 'pause'],
                     ['thresholds', 'locking.strides'], ['thresholds', 'locking.strides=lots'],
                     # a duration that no timer holds is refused, not converted
                     ['monitor', '--duration', 'inf'], ['monitor', '--duration', 'nan'],
                     ['alerts', '--duration', '1e7'], ['alerts', '--duration', '-1']):
            r = kneectl(self.env, '--session', *args)
            self.assertEqual(r.returncode, 2, (args, r.stderr))
            self.assertTrue(r.stderr.startswith('kneectl %s: ' % args[0]), r.stderr)

    def test_commands(self):
        # standing still at 2 degrees throughout: calibrate must succeed
        write_flex_recording(os.path.join(self.tmpdir, 'still.csv'), 10, 200)
        d = self.start(recording='still.csv')
        c = Client(self.conn)
        # status shows the flex sensor's rate once the core has measured it
        wait_for(lambda: c.call('Get', GLib.Variant('(ss)', (SENSOR_IFACE, 'Rate')), '(v)',
                                iface='org.freedesktop.DBus.Properties',
                                path=PATH + '/sensors/flex')[0] == 200.0, 5, 'the flex rate')
        r = kneectl(self.env, '--session', 'status')
        self.assertEqual(r.returncode, 0, r.stderr)
        for text in ('kneed %s on the session bus' % VERSION, 'State:         streaming',
                     'Source:        replay', 'flex   streaming       200 Hz',
                     'thigh  absent', 'Session:       none',
                     "Clock:         the board's clock (not set since kneed started)"):
            self.assertIn(text, r.stdout)
        c.call('SetTime', GLib.Variant('(x)', (1893456000 * 10**6,)))
        r = kneectl(self.env, '--session', 'status')
        self.assertIn("Clock:         a client's time\n", r.stdout)

        r = kneectl(self.env, '--session', 'thresholds')
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertRegex(r.stdout, r'hyperextension\.angle_deg\s+5 deg\s+\(1\.\.30, default 5\)')
        r = kneectl(self.env, '--session', 'thresholds', 'hyperextension.angle_deg=6.5',
                    'locking.strides=4')
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertRegex(r.stdout, r'hyperextension\.angle_deg\s+6\.5 deg\s+\*')
        self.assertEqual(len(r.stdout.splitlines()), 2)
        r = kneectl(self.env, '--session', 'thresholds', 'hyperextension.angle_deg=60')
        self.assertEqual(r.returncode, 1)
        self.assertIn("kneectl thresholds: 'hyperextension.angle_deg' = 60 is outside 1..30 deg "
                      '(OutOfRange)', r.stderr)
        r = kneectl(self.env, '--session', 'thresholds', 'nope=1')
        self.assertEqual(r.returncode, 1)
        self.assertIn('(UnknownKey)', r.stderr)
        self.assertEqual(c.call('GetThresholds', None, '(a{sv})')[0]['hyperextension.angle_deg'],
                         6.5)

        r = kneectl(self.env, '--session', 'session', 'start')
        self.assertEqual((r.returncode, r.stdout), (0, 'Session 1 started\n'), r.stderr)
        r = kneectl(self.env, '--session', 'session', 'start')
        self.assertEqual(r.returncode, 1)
        self.assertIn('(SessionActive)', r.stderr)

        r = kneectl(self.env, '--session', 'pain', '4', '--where', 'outside', '--when', 'after')
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(r.stdout, 'Pain 4/10 (outside, after) recorded\n')
        r = kneectl(self.env, '--session', 'pain', '9', '--where', 'front', '--note', 'sharp')
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn('Red flag: alert #', r.stdout)

        # Pain marks (a short press of the sleeve's button makes them).
        r = kneectl(self.env, '--session', 'pain', 'marks')
        self.assertEqual((r.returncode, r.stdout), (0, 'No pain marks\n'), r.stderr)
        r = kneectl(self.env, '--session', 'pain', 'mark')
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertTrue(r.stdout.startswith('Pain mark 1 made'), r.stdout)
        r = kneectl(self.env, '--session', 'pain', 'marks')
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertRegex(r.stdout, r'^     1  \d\d:\d\d:\d\d  session 1  waiting for a score\n$')
        r = kneectl(self.env, '--session', 'pain', '5', '--where', 'inside', '--mark', '1')
        self.assertEqual((r.returncode, r.stdout), (0, 'Pain mark 1 scored 5/10 (inside, during)\n'),
                         r.stderr)
        r = kneectl(self.env, '--session', 'pain', '5', '--where', 'inside', '--mark', '1')
        self.assertEqual(r.returncode, 1)
        self.assertIn('no pain mark 1 waiting for a score (NotFound)', r.stderr)
        r = kneectl(self.env, '--session', 'pain', 'marks')
        self.assertIn('session 1  scored', r.stdout)

        r = kneectl(self.env, '--session', 'session', 'stop')
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertRegex(r.stdout, r'^Session 1: \d+ s, \d+ strides')
        self.assertIn('pain 1', r.stdout)

        r = kneectl(self.env, '--session', 'calibrate')
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn('Stand straight and still', r.stdout)
        wait_for(lambda: abs(c.get('KneeAngle')) < 0.3, 5, 'the knee to read 0 after calibrating')
        c.close()
        self.assertEqual(d.stop(), 0)

    def test_monitor_and_alerts(self):
        d = self.start('[daemon]\npublish_hz = 5\n')
        alerts = subprocess.Popen([KNEECTL, '--session', 'alerts', '--json', '--count', '2'],
                                  env=self.env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                  text=True)
        monitor = subprocess.Popen([KNEECTL, '--session', 'monitor', '--duration', '6'],
                                   env=self.env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                   text=True)
        # alerts: Alert and NameOwnerChanged; monitor: those, PropertiesChanged, Stride
        wait_subscribed(self.conn, alerts, 2, what='kneectl alerts')
        wait_subscribed(self.conn, monitor, 4, what='kneectl monitor')
        c = Client(self.conn)
        c.call('ReportPain', GLib.Variant('(usss)', (8, 'back', 'during', '')), '(t)')
        out, err = alerts.communicate(timeout=30 * SLOW)
        self.assertEqual(alerts.returncode, 0, err)
        lines = [json.loads(line) for line in out.splitlines()]
        self.assertEqual(len(lines), 2)
        kinds = sorted(a['kind'] for a in lines)
        # The recording's hyperextension at t = 4 s, and the pain report.
        self.assertEqual(kinds, ['hyperextension', 'pain'])
        pain = next(a for a in lines if a['kind'] == 'pain')
        self.assertEqual((pain['severity'], pain['value'], pain['threshold']), ('critical', 8.0, 7.0))
        self.assertEqual(pain['details']['location'], 'back')

        out, err = monitor.communicate(timeout=30 * SLOW)
        self.assertEqual(monitor.returncode, 0, err)
        metrics = [line for line in out.splitlines() if line.startswith('metrics ')]
        # Plain lines (stdout is a pipe), about publish_hz a second.
        self.assertGreaterEqual(len(metrics), 15)
        self.assertLessEqual(len(metrics), 40)
        self.assertRegex(metrics[-1], r'^metrics t=\d+\.\d\d state=streaming knee_deg=-?\d+\.\d ')
        self.assertTrue(any('alert #' in line and ' pain: ' in line for line in out.splitlines()))
        c.close()

        # kneed going away ends monitor with a message.
        monitor = subprocess.Popen([KNEECTL, '--session', 'monitor'], env=self.env,
                                   stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        wait_subscribed(self.conn, monitor, 4, what='kneectl monitor')
        self.assertEqual(d.stop(), 0)
        out, err = monitor.communicate(timeout=30 * SLOW)
        self.assertEqual(monitor.returncode, 3)
        self.assertIn('kneectl monitor: kneed stopped', err)


if __name__ == '__main__':
    main()
