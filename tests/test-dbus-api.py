#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""The D-Bus API of the real kneed on a private bus: properties, sensor
objects under the ObjectManager, throttled PropertiesChanged, and every
method with good and bad arguments (named errors, nothing changed)."""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from kneedtest import *  # noqa: E402,F401,F403


class DBusApiTest(TmpDirTestCase):
    def start(self, recording_knee=None, extra='', duration=20):
        rec = os.path.join(self.tmpdir, 'run.csv')
        write_flex_recording(rec, duration, 200, recording_knee)
        self.bus = PrivateBus()
        self.conn = self.bus.connect()
        self.daemon = Daemon(self.bus, self.tmpdir,
                             '[daemon]\nsource = replay\nside = left\nbatch_ms = 20\n'
                             'publish_hz = 4\n[replay]\nfile = run.csv\nloop = true\n' + extra)
        self.daemon.wait_ready(self.conn)
        self.client = Client(self.conn)

    def tearDown(self):
        if hasattr(self, 'daemon'):
            self.client.close()
            rc = self.daemon.stop()
            self.bus.stop()
            self.assertEqual(rc, 0, self.daemon.output())
        super().tearDown()

    def assertDBusError(self, name, fn, *args, **kwargs):
        with self.assertRaises(GLib.Error) as cm:
            fn(*args, **kwargs)
        self.assertEqual(dbus_error_name(cm.exception), name, cm.exception.message)
        return cm.exception.message

    def test_properties(self):
        self.start()
        wait_for(lambda: self.client.get('FramesAccepted') > 0, 5, 'frames')
        p = self.client.get_all()
        self.assertEqual(p['Version'], VERSION)
        self.assertEqual(p['State'], 'streaming')
        self.assertEqual(p['Source'], 'replay')
        self.assertEqual(p['Side'], 'left')
        self.assertEqual(p['BatchPeriod'], 20)
        self.assertEqual(p['PublishRate'], 4.0)
        self.assertEqual(p['SourceSpeed'], 1.0)
        self.assertEqual(p['BatteryLevel'], -1)
        self.assertFalse(p['SessionActive'])
        self.assertEqual(p['AlertCount'], 0)
        # The replay started a moment ago, and its sample times map onto
        # the monotonic clock through SourceTimeOrigin.
        now = GLib.get_monotonic_time()
        self.assertLess(abs(now - (p['SourceTimeOrigin'] + p['LiveTime'] * 1e6)), 1.5e6)
        self.assertAlmostEqual(p['KneeAngle'], 2.0, delta=1.0)
        for key in ('Cadence', 'StrideCount', 'Activity', 'ZeroOffset', 'BaselineRangeOfMotion',
                    'LastStride', 'FramesRejected', 'SessionId', 'SessionStart',
                    'CoachingTarget', 'PairingWindowOpen', 'PairingWindowEnd', 'WallClockSet',
                    'WallClockSource', 'WallClockOffset'):
            self.assertIn(key, p)

    def test_sensor_objects(self):
        self.start()
        objs = self.client.call('GetManagedObjects', None, '(a{oa{sa{sv}}})',
                                iface='org.freedesktop.DBus.ObjectManager')[0]
        # Other modules (BLE) export their objects here too.
        sensors = {o[SENSOR_IFACE]['Name']: o[SENSOR_IFACE] for o in objs.values()
                   if SENSOR_IFACE in o}
        self.assertEqual(sorted(sensors), ['flex', 'shank', 'thigh'])
        self.assertIn(PATH + '/sensors/flex', objs)
        self.assertTrue(sensors['flex']['Present'])
        self.assertEqual(sensors['flex']['Rate'], 200.0)
        self.assertEqual(sensors['flex']['LastError'], '')
        # A flex-only recording: the IMUs are absent.
        self.assertFalse(sensors['thigh']['Present'])
        self.assertEqual(sensors['thigh']['Rate'], 0.0)

    def test_properties_changed_throttled(self):
        self.start()
        # publish_hz = 4: nine LiveTime changes span at least 2 s of the
        # replay (real-time paced); unthrottled, one per 20 ms batch, they
        # would span 0.16 s.  Sample times, not arrival times: a busy
        # client receives late, never early.
        wait_for(lambda: len([1 for _, ch in self.client.changes if 'LiveTime' in ch]) >= 9, 10,
                 'nine live updates')
        times = [ch['LiveTime'] for t, ch in self.client.changes if 'LiveTime' in ch]
        self.assertGreaterEqual(times[8] - times[0], 8 / 4.0 * 0.9,
                                'live updates faster than publish_hz')
        # The live values move: the recording is being analysed.
        self.assertEqual(times, sorted(times))

    def test_thresholds(self):
        self.start()
        before = self.client.call('GetThresholds', None, '(a{sv})')[0]
        self.assertEqual(before['hyperextension.angle_deg'], 5.0)
        self.assertEqual(before['locking.strides'], 3)
        desc = self.client.call('DescribeThresholds', None, '(a(sssddds))')[0]
        self.assertEqual(sorted(d[0] for d in desc), sorted(before))
        kinds = {d[0]: d[2] for d in desc}
        self.assertEqual(kinds['locking.strides'], 'integer')
        self.assertEqual(kinds['hyperextension.angle_deg'], 'real')

        self.client.call('SetThresholds', GLib.Variant('(a{sv})', ({
            'hyperextension.angle_deg': GLib.Variant('d', 7.5),
            'locking.strides': GLib.Variant('u', 4),
            'advice.low_cadence_spm': GLib.Variant('i', 150)},)))
        after = self.client.call('GetThresholds', None, '(a{sv})')[0]
        self.assertEqual(after['hyperextension.angle_deg'], 7.5)
        self.assertEqual(after['locking.strides'], 4)
        self.assertEqual(after['advice.low_cadence_spm'], 150.0)

        bad = [
            ('org.kneed.Kneed1.Error.UnknownKey',
             {'hyperextension.angle_deg': GLib.Variant('d', 6), 'nope': GLib.Variant('d', 1)}),
            ('org.kneed.Kneed1.Error.OutOfRange',
             {'hyperextension.angle_deg': GLib.Variant('d', 6),
              'locking.strides': GLib.Variant('d', 1000)}),
            ('org.kneed.Kneed1.Error.OutOfRange', {'locking.strides': GLib.Variant('d', 3.5)}),
            ('org.kneed.Kneed1.Error.OutOfRange',
             {'hyperextension.critical_angle_deg': GLib.Variant('d', 6)}),
            ('org.kneed.Kneed1.Error.InvalidArgument',
             {'hyperextension.angle_deg': GLib.Variant('s', 'six')}),
        ]
        for name, values in bad:
            msg = self.assertDBusError(name, self.client.call, 'SetThresholds',
                                       GLib.Variant('(a{sv})', (values,)))
            self.assertTrue(any(k in msg for k in values), msg)
            self.assertEqual(self.client.call('GetThresholds', None, '(a{sv})')[0], after,
                             'a failed SetThresholds changed something')
        # Wrong signature: refused by GDBus before reaching kneed.
        self.assertDBusError('org.freedesktop.DBus.Error.InvalidArgs', self.client.call,
                             'SetThresholds', GLib.Variant('(s)', ('x',)))

    def test_pain(self):
        self.start()
        seq = self.client.call('ReportPain', GLib.Variant('(usss)', (3, 'front', 'during', '')),
                               '(t)')[0]
        self.assertEqual(seq, 0)
        seq = self.client.call('ReportPain',
                               GLib.Variant('(usss)', (9, 'inside', 'after', 'sharp, swollen')),
                               '(t)')[0]
        self.assertEqual(seq, 1)
        wait_for(lambda: self.client.alerts, 5, 'the pain alert')
        _, (s, kind, severity, ts, value, threshold, message, details) = self.client.alerts[0]
        self.assertEqual((s, kind, severity, value, threshold), (1, 'pain', 'critical', 9.0, 7.0))
        self.assertLess(abs(ts - GLib.get_real_time()), 5e6)
        self.assertEqual(details['location'], 'inside')
        self.assertEqual(details['timing'], 'after')
        self.assertEqual(details['note'], 'sharp, swollen')
        self.assertEqual(details['score'], 9)
        self.assertEqual(message, 'Severe pain (9/10) reported: stop and rest; if it persists, '
                                  'have the knee checked by a professional.')
        self.assertEqual(details['message_code'], 9)
        self.assertNotIn('message_arg', details)
        self.assertEqual(details['unit'], 'score')
        wait_for(lambda: self.client.get('AlertCount') == 1, 5, 'AlertCount')

        for name, args in [
                ('org.kneed.Kneed1.Error.OutOfRange', (11, 'front', 'during', '')),
                ('org.kneed.Kneed1.Error.InvalidArgument', (9, 'elbow', 'during', '')),
                ('org.kneed.Kneed1.Error.InvalidArgument', (9, 'front', 'tomorrow', '')),
                ('org.kneed.Kneed1.Error.InvalidArgument', (9, 'front', 'during', 'x' * 300))]:
            self.assertDBusError(name, self.client.call, 'ReportPain',
                                 GLib.Variant('(usss)', args), '(t)')
        # None of them raised an alert: the next good one is number 2,
        # and its signal follows any that they would have sent.
        self.assertEqual(self.client.call('ReportPain', GLib.Variant('(usss)', (8, 'back', 'after',
                                                                              '')), '(t)')[0], 2)
        wait_for(lambda: len(self.client.alerts) >= 2, 5, 'the second pain alert')
        self.assertEqual([a[0] for _, a in self.client.alerts], [1, 2])
        wait_for(lambda: self.client.get('AlertCount') == 2, 5, 'AlertCount')

    def test_pain_marks(self):
        self.start()
        marked = []
        sub = self.conn.signal_subscribe(NAME, IFACE, 'PainMarked', PATH, None,
                                         Gio.DBusSignalFlags.NONE,
                                         lambda *a: marked.append(a[5].unpack()))
        self.assertEqual(self.client.get('PainMarksUnscored'), 0)
        self.assertEqual(self.client.get('SleeveIo'), {})
        self.assertEqual(self.client.call('ListPainMarks', None, '(a(txtb))')[0], [])
        mark = self.client.call('MarkPain', None, '(t)')[0]
        self.assertEqual(mark, 1)
        wait_for(lambda: marked, 5, 'PainMarked')
        mid, ts, session = marked[0]
        self.assertEqual((mid, session), (1, 0))
        self.assertLess(abs(ts - GLib.get_real_time()), 5e6)
        wait_for(lambda: self.client.get('PainMarksUnscored') == 1, 5, 'PainMarksUnscored')
        self.assertEqual(self.client.call('ListPainMarks', None, '(a(txtb))')[0],
                         [(1, ts, 0, False)])
        # Scored: a red flag, its alert dated at the mark and naming it.
        seq = self.client.call('ScorePainMark',
                               GLib.Variant('(tusss)', (1, 8, 'back', 'during', 'on the hill')),
                               '(t)')[0]
        self.assertEqual(seq, 1)
        wait_for(lambda: self.client.alerts, 5, 'the pain alert')
        details = self.client.alerts[0][1][7]
        self.assertEqual((details['mark_id'], details['score'], details['location']), (1, 8, 'back'))
        wait_for(lambda: self.client.get('PainMarksUnscored') == 0, 5, 'PainMarksUnscored')
        self.assertEqual(self.client.call('ListPainMarks', None, '(a(txtb))')[0],
                         [(1, ts, 0, True)])
        for name, args in [
                ('org.kneed.Kneed1.Error.NotFound', (1, 3, 'front', 'during', '')),
                ('org.kneed.Kneed1.Error.NotFound', (42, 3, 'front', 'during', '')),
                ('org.kneed.Kneed1.Error.InvalidArgument', (1, 3, 'elbow', 'during', '')),
                ('org.kneed.Kneed1.Error.InvalidArgument', (1, 3, 'front', 'later', ''))]:
            self.assertDBusError(name, self.client.call, 'ScorePainMark',
                                 GLib.Variant('(tusss)', args), '(t)')
        self.assertEqual(len(self.client.alerts), 1)
        self.conn.signal_unsubscribe(sub)

    def test_session(self):
        self.start()
        self.assertDBusError('org.kneed.Kneed1.Error.NoSession', self.client.call, 'StopSession',
                             None, '(a{sv})')
        sid = self.client.call('StartSession', None, '(t)')[0]
        self.assertEqual(sid, 1)
        wait_for(lambda: self.client.get('SessionActive'), 5, 'SessionActive')
        self.assertEqual(self.client.get('SessionId'), 1)
        self.assertLess(abs(self.client.get('SessionStart') - GLib.get_real_time()), 5e6)
        self.assertDBusError('org.kneed.Kneed1.Error.SessionActive', self.client.call,
                             'StartSession', None, '(t)')
        # a second of recording into the session
        t0 = self.client.get('LiveTime')
        wait_for(lambda: self.client.get('LiveTime') >= t0 + 1.0, 5, 'a second of frames')
        summary = self.client.call('StopSession', None, '(a{sv})')[0]
        self.assertEqual(summary['session_id'], 1)
        self.assertGreater(summary['duration_s'], 0.5)
        self.assertGreater(summary['frames'], 100)
        self.assertIn('alerts', summary)
        self.assertFalse(self.client.get('SessionActive'))

    def test_time_identify_coaching_pairing(self):
        self.start()
        target = 1893456000 * 10**6      # 2030-01-01
        self.assertDBusError('org.kneed.Kneed1.Error.OutOfRange', self.client.call, 'SetTime',
                             GLib.Variant('(x)', (1000,)))
        self.assertFalse(self.client.get('WallClockSet'))
        self.assertEqual(self.client.get('WallClockSource'), 'system')
        # The system clock's mapping: CLOCK_REALTIME − CLOCK_MONOTONIC,
        # the same on both sides of the bus (read a moment apart).
        offset = self.client.get('WallClockOffset')
        self.assertLess(abs(offset - (GLib.get_real_time() - GLib.get_monotonic_time())), 1000)
        changes = len(self.client.changes)
        before = GLib.get_monotonic_time()
        self.client.call('SetTime', GLib.Variant('(x)', (target,)))
        self.client.call('ReportPain', GLib.Variant('(usss)', (8, 'back', 'during', '')), '(t)')
        after = GLib.get_monotonic_time()
        self.assertTrue(self.client.get('WallClockSet'))
        self.assertEqual(self.client.get('WallClockSource'), 'client')
        # wall = monotonic + offset, and at SetTime wall was the target.
        offset = self.client.get('WallClockOffset')
        self.assertGreaterEqual(offset, target - after)
        self.assertLessEqual(offset, target - before)
        # One PropertiesChanged says all of it.
        wait_for(lambda: any('WallClockSource' in c for _, c in self.client.changes[changes:]), 5,
                 'the clock properties to change')
        change = next(c for _, c in self.client.changes[changes:] if 'WallClockSource' in c)
        self.assertEqual((change['WallClockSet'], change['WallClockSource'],
                          change['WallClockOffset']), (True, 'client', offset))
        # Alerts are stamped with the new clock: no earlier than the target,
        # no later than the time that passed on this side.
        wait_for(lambda: self.client.alerts, 5, 'alert')
        stamp = self.client.alerts[0][1][3]
        self.assertGreaterEqual(stamp, target)
        self.assertLessEqual(stamp, target + (after - before))

        self.assertDBusError('org.kneed.Kneed1.Error.NotSupported', self.client.call, 'Identify',
                             GLib.Variant('(u)', (500,)))
        self.assertDBusError('org.kneed.Kneed1.Error.OutOfRange', self.client.call, 'Identify',
                             GLib.Variant('(u)', (0,)))

        self.assertDBusError('org.kneed.Kneed1.Error.OutOfRange', self.client.call,
                             'StartCoaching', GLib.Variant('(d)', (90.0,)))
        self.assertEqual(self.client.get('CoachingTarget'), 0.0)
        self.client.call('StartCoaching', GLib.Variant('(d)', (172.0,)))
        self.assertEqual(self.client.get('CoachingTarget'), 172.0)
        self.client.call('StopCoaching')
        self.assertEqual(self.client.get('CoachingTarget'), 0.0)

        self.assertDBusError('org.kneed.Kneed1.Error.OutOfRange', self.client.call,
                             'OpenPairingWindow', GLib.Variant('(u)', (0,)))
        self.assertDBusError('org.kneed.Kneed1.Error.OutOfRange', self.client.call,
                             'OpenPairingWindow', GLib.Variant('(u)', (3600,)))
        self.assertFalse(self.client.get('PairingWindowOpen'))
        self.client.call('OpenPairingWindow', GLib.Variant('(u)', (1,)))
        self.assertTrue(self.client.get('PairingWindowOpen'))
        end = self.client.get('PairingWindowEnd')
        self.assertLess(abs(end - (target + 1e6)), 10e6)
        wait_for(lambda: not self.client.get('PairingWindowOpen'), 3, 'the window to close')
        self.assertEqual(self.client.get('PairingWindowEnd'), 0)
        self.client.call('OpenPairingWindow', GLib.Variant('(u)', (60,)))
        self.client.call('ClosePairingWindow')
        self.assertFalse(self.client.get('PairingWindowOpen'))

    def test_calibrate_still(self):
        # Standing still 2.5 degrees off zero: calibration zeroes it.
        self.start(lambda t: 2.5)
        wait_for(lambda: math.isfinite(self.client.get('KneeAngle')), 5, 'a knee angle')
        offset, residual, stillness = self.client.call('Calibrate', None, '(ddd)')
        self.assertAlmostEqual(residual, 2.5, delta=0.2)
        wait_for(lambda: abs(self.client.get('KneeAngle')) < 0.3, 3, 'the knee to read 0')
        self.assertEqual(self.client.get('State'), 'streaming')

    def test_calibrate_moving(self):
        self.start(lambda t: 30 + 25 * math.sin(2 * math.pi * 1.4 * t))
        wait_for(lambda: math.isfinite(self.client.get('KneeAngle')), 5, 'a knee angle')
        self.assertDBusError('org.kneed.Kneed1.Error.NotStill', self.client.call, 'Calibrate',
                             None, '(ddd)')
        self.assertEqual(self.client.get('ZeroOffset'), 0.0)

    def test_unknown_method(self):
        self.start()
        self.assertDBusError('org.freedesktop.DBus.Error.UnknownMethod', self.client.call,
                             'SelfDestruct')


if __name__ == '__main__':
    main()
