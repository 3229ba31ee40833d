#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""The real kneed on the IIO source, through libiio's real local backend,
with sysfs and the device nodes faked by umockdev (tests/iiotest.py) and
a thread writing scans into them in real time:

- the Sensor objects, `kneectl sensors`, `kneectl record` (a recording
  that matches the input and that `kneectl analyze` reads), the frame
  stream's header, its limit and who may open it;
- a simulated gait recording streamed through the fake devices gives the
  same strides and alerts as `kneectl analyze` on that recording, within
  the ADC's quantisation (docs/iio.md);
- a device that vanishes: failed on D-Bus, logged once, the rest goes on,
  back when it returns;
- `kneectl calibrate flex`: stored, used, kept over a restart; refusals;
- configuration errors: exit 78 naming file, line and key, or a failed
  sensor at run time naming them.
"""

import json
import os
import select
import signal
import socket
import struct
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import iiotest  # noqa: E402  (first: re-runs us under umockdev)
from iiotest import (Bed, Feeder, sleeve_devices, sleeve_config, knee_to_raw, wait,  # noqa: E402
                     ADS)
from kneedtest import *  # noqa: E402,F401,F403

SENSOR_PATH = PATH + '/sensors/'


def thigh_at(t):
    return ([1.0 + 0.5 * math.sin(3 * t), 9.8, -0.4], [0.1, -0.2, 2.0 * math.sin(5 * t)])


def shank_at(t):
    return ([-1.0, 9.5, 0.3 + 0.2 * t], [0.3 * math.cos(4 * t), 0.05, -1.5])


def knee_at(t):
    return 20.0 + 10.0 * math.sin(2 * t)


class IioCase(TmpDirTestCase):
    def setUp(self):
        super().setUp()
        self.bed = Bed()
        os.environ['UMOCKDEV_DIR'] = self.bed.tb.get_root_dir()
        self.bus = PrivateBus()
        self.conn = self.bus.connect()
        self.feeder = None
        self.state_dir = os.path.join(self.tmpdir, 'state')

    def tearDown(self):
        if self.feeder:
            self.feeder.stop()
        super().tearDown()
        self.bus.stop()
        # The test bed's directory goes with its object.
        del self.bed

    def start(self, config, source=None, phases=None, absent=()):
        self.daemon = Daemon(self.bus, self.tmpdir, config)
        self.daemon.wait_ready(self.conn, 10)
        self.client = Client(self.conn)
        self.thigh, self.shank, self.flex = sleeve_devices(self.bed)
        if phases is not None:
            self.thigh.phase_s, self.shank.phase_s, self.flex.phase_s = phases
        devices = [d for d, name in ((self.shank, 'shank'), (self.flex, 'flex'),
                                     (self.thigh, 'thigh'))       # the leader last
                   if name not in absent]
        try:
            wait(lambda: all(d.ready() for d in devices), 10 * SLOW, 'buffers enabled')
        except AssertionError:
            print(self.daemon.output())
            raise
        for d in devices:
            d.setup()
        self.feeder = Feeder(devices, source or self.synthetic)
        self.feeder.start()

    def synthetic(self, dev, t):
        if dev is self.thigh:
            return thigh_at(t)
        if dev is self.shank:
            return shank_at(t)
        return knee_to_raw(knee_at(t))

    def sensor(self, name, prop):
        return self.client.call('Get', GLib.Variant('(ss)', (SENSOR_IFACE, prop)), '(v)',
                                iface='org.freedesktop.DBus.Properties',
                                path=SENSOR_PATH + name)[0]

    def wait_state(self, name, state, timeout=10):
        wait_for(lambda: self.sensor(name, 'State') == state, timeout,
                 '%s %s (%s)' % (name, state, self.sensor(name, 'LastError')))

    def kneectl(self, *args, timeout=30, **kw):
        return subprocess.run([KNEECTL, '--session'] + list(args), env=self.bus.env(),
                              capture_output=True, text=True, timeout=timeout * SLOW, **kw)

    def stream_knee(self):
        """The knee angle of a frame from the frame stream, a second on."""
        r, fds = self.conn.call_with_unix_fd_list_sync(NAME, PATH, IFACE, 'OpenFrameStream', None,
                                                       GLib.VariantType('(ha{sv})'),
                                                       Gio.DBusCallFlags.NONE, 5000, None, None)
        with socket.socket(fileno=fds.steal_fds()[r.unpack()[0]]) as s:
            s.settimeout(5 * SLOW)
            data = b''
            while len(data) < 16 + 128 * 1000:
                data += s.recv(65536)
        knee, = struct.unpack_from('<d', data, 16 + 128 * 999 + 16)
        return knee

    def input_offset(self):
        """Source time of the input's time 0."""
        origin = self.client.get('SourceTimeOrigin')
        return (self.feeder.t0_ns / 1000 - origin) / 1e6


class Sensors(IioCase):
    def test_sensors_record_and_analyze(self):
        self.start(sleeve_config(self.state_dir))
        for name in ('thigh', 'shank', 'flex'):
            self.wait_state(name, 'streaming')
        self.assertEqual(self.client.get('Source'), 'iio')
        wait_for(lambda: self.client.get('State') == 'streaming', 5, 'streaming')
        self.assertEqual(self.sensor('thigh', 'Device'), 'bmi160 iio:device0 1-0068, trigger hrt0')
        self.assertEqual(self.sensor('shank', 'Device'), 'bmi160 iio:device1 1-0069, trigger hrt0')
        self.assertEqual(self.sensor('flex', 'Device'),
                         'ads1015 iio:device2 1-0048 voltage0, trigger hrt1')
        self.assertEqual((self.sensor('thigh', 'Rate'), self.sensor('thigh', 'RequestedRate')),
                         (1000.0, 1000.0))
        self.assertEqual(self.sensor('flex', 'Rate'), 250.0)
        self.assertTrue(self.sensor('flex', 'Present'))

        out = self.kneectl('sensors')
        self.assertEqual(out.returncode, 0, out.stderr)
        for line in ('Source: iio', 'thigh: streaming',
                     '  device:      bmi160 iio:device0 1-0068, trigger hrt0',
                     '  rate:        1000 Hz', 'flex: streaming', '  rate:        250 Hz',
                     '  calibration: 100:0, 1900:180 (raw:deg, from kneed.conf)'):
            self.assertIn(line, out.stdout.splitlines(), out.stdout)

        # kneectl record: the live frames as a recording.
        path = os.path.join(self.tmpdir, 'rec.csv')
        rec = self.kneectl('record', '-o', path, '--duration', '2')
        self.assertEqual(rec.returncode, 0, rec.stderr)
        with open(path) as f:
            lines = f.read().splitlines()
        self.assertEqual(lines[0], '# kneed-recording v1')
        self.assertIn('# side=right', lines)
        self.assertIn('# source=kneed iio (kneectl record)', lines)
        header = [l for l in lines if l.startswith('t_s')][0].split(',')
        self.assertEqual(len(header), 14)
        data = [l.split(',') for l in lines if l and l[0].isdigit()]
        # 2 s at 1 kHz (the thigh's samples are the frames' times).
        self.assertTrue(1800 <= len(data) <= 2100, len(data))
        # A frame misses a group only when a device was late by the stall
        # time (docs/iio.md): on a loaded machine, now and then.
        rows = [[float(x) for x in r] for r in data if '' not in r]
        self.assertGreater(len(rows), 0.98 * len(data), '%d partial frames' % (len(data) - len(rows)))
        off = self.input_offset()
        worst_knee = 0
        for r in rows[10:]:
            t = r[0] - off
            a, g = thigh_at(t)
            self.assertAlmostEqual(r[header.index('thigh_ax')], a[0], delta=0.0025)
            self.assertAlmostEqual(r[header.index('thigh_gz')], g[2], delta=0.0006)
            a, g = shank_at(t)
            # Interpolated between samples 1 ms apart: the curvature adds
            # (1 ms)^2/8 * 0.2*16 rad/s^3, far below the quantisation.
            self.assertAlmostEqual(r[header.index('shank_az')], a[2], delta=0.0025)
            self.assertAlmostEqual(r[header.index('shank_gx')], g[0], delta=0.0006)
            worst_knee = max(worst_knee, abs(r[header.index('knee_deg')] - knee_at(t)))
        # Half an ADC count (0.05 deg) plus the chord of a 20 deg/s^2 curve
        # over 4 ms.
        self.assertLess(worst_knee, 0.06)
        an = subprocess.run([KNEECTL, 'analyze', path], capture_output=True, text=True)
        self.assertEqual(an.returncode, 0, an.stderr)
        summary = json.loads(an.stdout.splitlines()[-1])
        self.assertEqual(summary['type'], 'summary')
        self.assertGreater(summary['frames'], 1800)

    def test_frame_stream_bytes_limit_and_end(self):
        self.start(sleeve_config(self.state_dir))
        self.wait_state('thigh', 'streaming')
        streams = []
        for i in range(4):
            r, fds = self.conn.call_with_unix_fd_list_sync(
                NAME, PATH, IFACE, 'OpenFrameStream', None, GLib.VariantType('(ha{sv})'),
                Gio.DBusCallFlags.NONE, 5000, None, None)
            handle, info = r.unpack()
            streams.append(socket.socket(fileno=fds.steal_fds()[handle]))
        self.assertEqual((info['version'], info['record_size'], info['columns']), (1, 128, 0x1f))
        self.assertEqual(info['source'], 'iio')
        self.assertEqual(info['rate_hz'], 1000.0)
        with self.assertRaises(GLib.Error) as e:
            self.conn.call_with_unix_fd_list_sync(NAME, PATH, IFACE, 'OpenFrameStream', None,
                                                  GLib.VariantType('(ha{sv})'),
                                                  Gio.DBusCallFlags.NONE, 5000, None, None)
        self.assertEqual(dbus_error_name(e.exception), 'org.freedesktop.DBus.Error.LimitsExceeded')
        # Byte by byte, docs/dbus-api.md.
        self.addCleanup(lambda: [st.close() for st in streams])
        s = streams[0]
        s.settimeout(5 * SLOW)
        data = b''
        while len(data) < 16 + 128 * 300:
            data += s.recv(65536)
        magic, version, size, columns, reserved = struct.unpack_from('<4sHHII', data)
        self.assertEqual((magic, version, size, columns, reserved), (b'KNFS', 1, 128, 0x1f, 0))
        prev = None
        # After the first 100 ms every device has delivered (a frame misses
        # a group only when a device is late by the stall time).
        full = 0
        for k in range(100, 300):
            rec = data[16 + 128 * k:16 + 128 * (k + 1)]
            t, present, dropped, knee = struct.unpack_from('<dIId', rec)
            vec = struct.unpack_from('<12d', rec, 24)
            mono, = struct.unpack_from('<q', rec, 120)
            self.assertEqual(present & 0x06, 0x06, 'the time base, the thigh, is in every frame')
            self.assertEqual(dropped, 0)
            if prev is not None:
                self.assertAlmostEqual(t - prev, 0.001, delta=1e-6)
            prev = t
            self.assertAlmostEqual(mono, self.client.get('SourceTimeOrigin') + t * 1e6, delta=1)
            if present != 0x1f:
                self.assertTrue(math.isnan(knee) or present & 1)
                continue
            full += 1
            ti = t - self.input_offset()
            self.assertAlmostEqual(vec[0], thigh_at(ti)[0][0], delta=0.0025)
            self.assertAlmostEqual(knee, knee_at(ti), delta=0.06)
        self.assertGreater(full, 190)
        # A closed stream frees its place.
        streams.pop().close()
        wait_for(lambda: 'frame stream of' in self.daemon.output(), 5, 'the stream closed')
        r, fds = self.conn.call_with_unix_fd_list_sync(NAME, PATH, IFACE, 'OpenFrameStream', None,
                                                       GLib.VariantType('(ha{sv})'),
                                                       Gio.DBusCallFlags.NONE, 5000, None, None)
        streams.append(socket.socket(fileno=fds.steal_fds()[r.unpack()[0]]))

    def test_frame_stream_refused_to_other_users(self):
        if os.getuid() != 0:
            self.skipTest('running a client as another user needs root')
        cfg = os.path.join(self.tmpdir, 'bus.conf')
        sock = os.path.join(self.tmpdir, 'bus.sock')
        with open(cfg, 'w') as f:
            f.write('''<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig><type>session</type><auth>EXTERNAL</auth><listen>unix:path=%s</listen>
<policy context="default"><allow user="*"/><allow own="*"/><allow send_destination="*"/>
<allow receive_sender="*"/></policy></busconfig>
''' % sock)
        os.chmod(self.tmpdir, 0o755)
        self.bus.stop()
        self.bus = PrivateBus(config_file=cfg)
        self.conn = self.bus.connect()
        self.start(sleeve_config(self.state_dir))
        probe = ('import sys\nfrom gi.repository import Gio, GLib\n'
                 'c = Gio.DBusConnection.new_for_address_sync(sys.argv[1], '
                 'Gio.DBusConnectionFlags.AUTHENTICATION_CLIENT | '
                 'Gio.DBusConnectionFlags.MESSAGE_BUS_CONNECTION, None, None)\n'
                 'try:\n    c.call_with_unix_fd_list_sync("%s", "%s", "%s", "OpenFrameStream", '
                 'None, None, 0, 5000, None, None)\n    print("OK")\n'
                 'except GLib.Error as e:\n    print(Gio.DBusError.get_remote_error(e))\n'
                 % (NAME, PATH, IFACE))
        out = subprocess.run(['/usr/bin/python3', '-c', probe, self.bus.address],
                             capture_output=True, text=True, timeout=20,
                             preexec_fn=lambda: (os.setgid(65534), os.setuid(65534)))
        self.assertEqual(out.stdout.strip(), 'org.freedesktop.DBus.Error.AccessDenied', out.stderr)
        self.assertIn('frame stream refused to', self.daemon.output())


def run_json(cmd):
    out = subprocess.run(cmd, capture_output=True, text=True, check=True)
    return [json.loads(l) for l in out.stdout.splitlines()]


class GaitRecording(IioCase):
    """A simulated run streamed through the fake devices, against
    `kneectl analyze` of the same recording."""

    def test_same_strides_and_alerts_as_analyze(self):
        run = os.path.join(self.tmpdir, 'run.csv')
        subprocess.run([KNEECTL, 'simulate', '--rate', '1000', '--seed', '5', '--block', 'stand:4',
                        '--block', 'run:22', '--block', 'stand:2',
                        '--event', 'hyperextension@14:depth=15,speed=400',
                        '--event', 'hyperextension@20:depth=15,speed=400', '-o', run],
                       check=True, capture_output=True)
        reference = run_json([KNEECTL, 'analyze', run])
        ref_strides = [r for r in reference if r['type'] == 'stride']
        ref_alerts = [r for r in reference if r['type'] == 'alert']
        self.assertGreater(len(ref_strides), 20)
        self.assertEqual(sorted(a['kind'] for a in ref_alerts if a['kind'] == 'hyperextension'),
                         ['hyperextension'] * 2)
        frames = []
        with open(run) as f:
            header = None
            for line in f:
                if line.startswith('#'):
                    continue
                if header is None:
                    header = line.strip().split(',')
                    continue
                frames.append([float(x) for x in line.split(',')])
        col = {name: i for i, name in enumerate(header)}

        def source(dev, t):
            k = int(round(t * 1000))
            if k >= len(frames):
                return None
            f = frames[k]
            if dev is self.flex:
                return knee_to_raw(f[col['knee_deg']])
            seg = 'thigh' if dev is self.thigh else 'shank'
            return ([f[col[seg + '_a' + x]] for x in 'xyz'], [f[col[seg + '_g' + x]] for x in 'xyz'])

        # Both IMUs on one trigger sample together; the ADC on every 4th.
        self.start(sleeve_config(self.state_dir), source, phases=(0.0, 0.0, 0.0))
        # What the devices make of the recording, written as a recording:
        # the IMUs quantised to their scales, the knee sampled at 250 Hz,
        # quantised to ADC counts and interpolated back at the frames'
        # times, as the alignment does.
        seen = os.path.join(self.tmpdir, 'seen.csv')
        q_accel, q_gyro = self.thigh.accel_scale, self.thigh.gyro_scale
        with open(seen, 'w') as f:
            f.write('# kneed-recording v1\n# rate_hz=1000\n' + ','.join(header) + '\n')
            adc = [(knee_to_raw(fr[col['knee_deg']]) - 100) / 10.0 for fr in frames[::4]]
            for k, fr in enumerate(frames):
                row = list(fr)
                if k // 4 + 1 >= len(adc):
                    break
                a, b = adc[k // 4], adc[k // 4 + 1]
                row[col['knee_deg']] = a + (b - a) * (k % 4) / 4
                for name in header:
                    if name[-2] == 'a' and name[-1] in 'xyz':
                        row[col[name]] = round(fr[col[name]] / q_accel) * q_accel
                    elif name[-2] == 'g' and name[-1] in 'xyz':
                        row[col[name]] = round(fr[col[name]] / q_gyro) * q_gyro
                f.write(','.join('%.9g' % v for v in row) + '\n')
        expected = run_json([KNEECTL, 'analyze', seen])
        exp_strides = [r for r in expected if r['type'] == 'stride']
        exp_alerts = [r for r in expected if r['type'] == 'alert']
        self.feeder.done.wait(60 * SLOW)
        self.assertTrue(self.feeder.done.is_set())
        n = len(frames)
        wait_for(lambda: self.client.get('FramesAccepted') >= n - 100, 10, 'every frame analysed')
        iterate(1.0)
        off = self.input_offset()
        strides = [s for _, s in self.client.strides]
        alerts = sorted((a for _, a in self.client.alerts), key=lambda a: a[7]['t_s'])

        def compare(ref_strides, ref_alerts):
            self.assertEqual(len(strides), len(ref_strides))
            self.assertEqual([a[1] for a in alerts], [a['kind'] for a in
                                                      sorted(ref_alerts, key=lambda r: r['t_s'])])
            worst_t = max(abs(s['t_s'] - off - r['t_s']) for s, r in zip(strides, ref_strides))
            worst_rom = max(abs(s['rom_deg'] - r['rom_deg']) for s, r in zip(strides, ref_strides))
            worst_alert = max(abs(a[7]['t_s'] - off - r['t_s']) for a, r in
                              zip(alerts, sorted(ref_alerts, key=lambda r: r['t_s'])))
            return worst_t, worst_rom, worst_alert

        # Against the recording as the devices saw it: the same numbers
        # but for kneectl analyze's rounding of its JSON (0.1 deg, 1 ms).
        t, rom, al = compare(exp_strides, exp_alerts)
        print('%d strides, %d alerts: against what the devices saw: t within %.2f ms, ROM '
              'within %.3f deg, alerts within %.2f ms' % (len(strides), len(alerts), t * 1e3, rom,
                                                          al * 1e3))
        self.assertLessEqual(t, 0.0006)
        self.assertLessEqual(rom, 0.06)
        self.assertLessEqual(al, 0.0006)
        # Against the recording itself: the ADC's 250 Hz and 0.1 deg steps
        # soften the knee's extremes (docs/iio.md).
        t, rom, al = compare(ref_strides, ref_alerts)
        print('against the recording: t within %.2f ms, ROM within %.3f deg, alerts within '
              '%.2f ms' % (t * 1e3, rom, al * 1e3))
        self.assertLess(t, 0.0025)
        self.assertLess(rom, 2.0)
        self.assertLess(al, 0.0025)


class Faults(IioCase):
    def test_device_vanishes_and_returns(self):
        self.start(sleeve_config(self.state_dir))
        self.wait_state('flex', 'streaming')
        wait_for(lambda: self.client.get('State') == 'streaming', 5, 'streaming')
        self.feeder.paused.add(self.flex)
        self.bed.remove(ADS)
        self.wait_state('flex', 'failed')
        wait_for(lambda: self.client.get('State') == 'degraded', 5, 'degraded')
        self.assertFalse(self.sensor('flex', 'Present'))
        err = self.sensor('flex', 'LastError')
        self.assertIn('ads1015', err)
        # The rest goes on.
        n = self.client.get('FramesAccepted')
        wait_for(lambda: self.client.get('FramesAccepted') > n + 1000, 5, 'frames without flex')
        # Back-off: a few tries while it is gone, each logged once at most.
        iterate(3.0)
        log = self.daemon.output()
        self.assertLessEqual(log.count('sensor flex failed'), 2, log)
        # It comes back, with a new device number.
        with open(os.path.join(iiotest.BEDS, 'ads1015-1-0048.umockdev')) as f:
            text = f.read().replace('iio:device2', 'iio:device8').replace('247:2', '247:8')
        self.bed.tb.add_from_string(text)
        self.flex.node = '/dev/iio:device8'
        self.flex.syspath = ADS.replace('iio:device2', 'iio:device8')
        wait(lambda: self.flex.ready(), 40 * SLOW, 'the ADC reopened')
        self.flex.setup()
        self.feeder.paused.discard(self.flex)
        self.wait_state('flex', 'streaming', 10)
        wait_for(lambda: self.client.get('State') == 'streaming', 5, 'streaming again')
        self.assertEqual(self.sensor('flex', 'Device'),
                         'ads1015 iio:device8 1-0048 voltage0, trigger hrt1')
        self.assertIn('sensor flex: ads1015 iio:device8', self.daemon.output())

    def test_config_errors_name_file_line_key(self):
        conf = os.path.join(self.tmpdir, 'bad.conf')
        for extra, where in (
                ('[flex]\ndevice = ads1015\nchannel = voltage9\n', r'bad\.conf:5: \[flex\] channel: '
                 r"ads1015 has no channel 'voltage9'"),
                ('[flex]\ndevice = ads1015\ncalibration = 100:0, 2000:0\n',
                 r'bad\.conf:5: \[flex\] calibration: the angle must change monotonically'),
                ('[thigh]\ndevice = bmi160\nbus = 1-0068\nmount_matrix = 1, 0, 0\n',
                 r'bad\.conf:6: \[thigh\] mount_matrix: .* is not nine numbers')):
            with open(conf, 'w') as f:
                f.write('[daemon]\nsource = iio\n' + extra)
            r = subprocess.run([KNEED, '--check-config', '--config', conf], capture_output=True,
                               text=True, env=self.bus.env())
            self.assertEqual(r.returncode, 78, r.stderr)
            self.assertRegex(r.stderr, where)
        # A device that is not there: kneed runs, the sensor has failed,
        # naming the line, and the rest streams.
        self.start(sleeve_config(self.state_dir).replace('device = shank-imu', 'device = shin-imu'),
                   absent=('shank',))
        self.wait_state('shank', 'failed')
        self.assertRegex(self.sensor('shank', 'LastError'),
                         r"kneed\.conf:14: \[shank\] device: no IIO device named or labelled "
                         r"'shin-imu' \(present: bmi160 at 1-0068; bmi160 \(label shank-imu\) at "
                         r"1-0069; ads1015 at 1-0048\)")
        self.wait_state('thigh', 'streaming')
        self.wait_state('flex', 'streaming')


class FlexCalibration(IioCase):
    raw = 1200

    def source(self, dev, t):
        if dev is self.flex:
            return self.raw + (int(round(t * 250)) % 2) * (100 if self.shaky else 0)
        return self.synthetic(dev, t)

    def calibrate(self):
        """kneectl calibrate flex, answering its prompts.  Its output is
        read with select(): a blocking read inside umockdev's preload
        stalls the feeder thread."""
        p = subprocess.Popen([KNEECTL, '--session', 'calibrate', 'flex'], env=self.bus.env(),
                             stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE)
        out = b''

        def until(text):
            nonlocal out
            end = time.monotonic() + 20 * SLOW
            while text.encode() not in out:
                self.assertLess(time.monotonic(), end, 'kneectl said: ' + out.decode())
                self.assertIsNone(p.poll(), 'kneectl ended: ' + out.decode())
                r, _, _ = select.select([p.stdout], [], [], 0.05)
                if r:
                    out += os.read(p.stdout.fileno(), 4096)

        until('1. Stand with the leg fully straight')
        p.stdin.write(b'\n')
        p.stdin.flush()
        until('raw 1200.0')
        until('2. Bend the knee to 90')
        self.raw = 1800
        time.sleep(0.3)
        p.stdin.write(b'\n')
        p.stdin.flush()
        rest, err = p.communicate(timeout=20 * SLOW)
        self.assertEqual(p.returncode, 0, err.decode())
        return (out + rest).decode()

    def test_two_poses_stored_and_used(self):
        self.shaky = False
        self.start(sleeve_config(self.state_dir, calibrated=False), self.source)
        self.wait_state('flex', 'uncalibrated')
        self.assertIn('kneectl calibrate flex', self.sensor('flex', 'LastError'))
        wait_for(lambda: self.client.get('State') == 'degraded', 5, 'degraded')
        self.assertTrue(math.isnan(self.client.get('KneeAngle')))
        out = self.calibrate()
        self.assertIn('raw 1800.0', out)
        self.assertIn('Calibrated: raw 1200.0 reads 0°, raw 1800.0 reads 90°', out)
        points, origin = self.client.call('GetFlexCalibration', None, '(a(dd)s)')
        self.assertEqual((points, origin), ([(1200.0, 0.0), (1800.0, 90.0)], 'stored'))
        self.wait_state('flex', 'streaming')
        # The frames carry the calibrated angle (the analysis may move its
        # zero on quiet standing, so not KneeAngle).
        self.assertAlmostEqual(self.stream_knee(), 90.0, delta=0.05)
        with open(os.path.join(self.state_dir, 'flex-calibration.conf')) as f:
            stored = f.read()
        self.assertIn('device=ads1015', stored)
        self.assertIn('calibration=1200:0, 1800:90', stored)
        # Kept over a restart, and it wins over kneed.conf's.
        self.daemon.stop()
        self.feeder.stop()
        self.start(sleeve_config(self.state_dir, calibrated=True), self.source)
        self.wait_state('flex', 'streaming')
        self.assertEqual(self.client.call('GetFlexCalibration', None, '(a(dd)s)'),
                         ([(1200.0, 0.0), (1800.0, 90.0)], 'stored'))
        out = self.kneectl('sensors')
        self.assertIn('  calibration: 1200:0, 1800:90 (raw:deg, from kneectl calibrate flex)',
                      out.stdout.splitlines())

    def test_refusals(self):
        self.shaky = True
        self.start(sleeve_config(self.state_dir), self.source)
        self.wait_state('flex', 'streaming')
        with self.assertRaises(GLib.Error) as e:
            self.client.call('MeasureFlex', None, '(ddu)')
        self.assertEqual(dbus_error_name(e.exception), 'org.kneed.Kneed1.Error.NotStill')
        for points, why in (([(1200.0, 0.0)], 'at least two points'),
                            ([(1200.0, 0.0), (1201.0, 90.0)], 'changed by only 1'),
                            ([(1200.0, 0.0), (2400.0, 250.0)], 'not a knee angle')):
            with self.assertRaises(GLib.Error) as e:
                self.client.call('SetFlexCalibration', GLib.Variant('(a(dd))', (points,)))
            self.assertEqual(dbus_error_name(e.exception),
                             'org.kneed.Kneed1.Error.InvalidArgument')
            self.assertIn(why, e.exception.message)
        self.assertFalse(os.path.exists(os.path.join(self.state_dir, 'flex-calibration.conf')))
        self.assertEqual(self.client.call('GetFlexCalibration', None, '(a(dd)s)')[1], 'config')


class NoFlexSensor(TmpDirTestCase):
    def test_other_sources_refuse_flex_calibration(self):
        bus = PrivateBus()
        conn = bus.connect()
        try:
            d = Daemon(bus, self.tmpdir, '[daemon]\nsource = simulated\n')
            d.wait_ready(conn)
            client = Client(conn)
            with self.assertRaises(GLib.Error) as e:
                client.call('MeasureFlex', None, '(ddu)')
            self.assertEqual(dbus_error_name(e.exception), 'org.kneed.Kneed1.Error.NotSupported')
            r = subprocess.run([KNEECTL, '--session', 'calibrate', 'flex', '--yes'],
                               env=bus.env(), capture_output=True, text=True, timeout=20)
            self.assertEqual(r.returncode, 1)
            self.assertIn('no flexion sensor on an ADC', r.stderr)
        finally:
            bus.stop()


if __name__ == '__main__':
    signal.signal(signal.SIGPIPE, signal.SIG_DFL)
    main()
