# SPDX-License-Identifier: GPL-2.0-or-later
"""The sleeve's sensors faked for the real kneed: umockdev test beds with
the sysfs trees of tests/iio/ (two bmi160s, an ads1015, hrtimer triggers)
and a feeder thread that writes scans into their device nodes in real
time, laid out byte by byte as the kernel does (bmi160: gyro x y z, accel
x y z as LE s16, 4 pad bytes, LE s64 timestamp; ads1015: the 12-bit value
<<4 in a LE s16, 6 pad bytes, the timestamp), followers first and the
leader last, as the kernel's buffers hold them when the leader's
watermark is reached.

Importing this module runs the test again under umockdev's preload
library when it is not loaded (kneed, kneectl and the bus inherit it).
"""

import os
import sys


sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import taprunner  # noqa: E402


def _under_umockdev():
    preload = os.environ.get('LD_PRELOAD', '')
    if 'umockdev-preload' in preload:
        return
    if os.environ.get('KNEED_TEST_REEXEC'):
        taprunner.skip_all("umockdev's preload library did not load (install umockdev)")
    env = dict(os.environ)
    env['KNEED_TEST_REEXEC'] = '1'
    env['LD_PRELOAD'] = 'libumockdev-preload.so.0' + (':' + preload if preload else '')
    # An ASan kneed would insist on its runtime coming first.
    asan = env.get('ASAN_OPTIONS')
    env['ASAN_OPTIONS'] = (asan + ':' if asan else '') + 'verify_asan_link_order=0'
    os.execve(sys.executable, [sys.executable] + sys.argv, env)


_under_umockdev()

import math  # noqa: E402
import struct  # noqa: E402
import threading  # noqa: E402
import time  # noqa: E402

import gi  # noqa: E402

try:
    gi.require_version('UMockdev', '1.0')
    from gi.repository import UMockdev  # noqa: E402
except (ValueError, ImportError) as e:
    taprunner.skip_all('needs gir1.2-umockdev-1.0 (%s)' % e)

SRCDIR = os.environ.get('KNEED_SRCDIR',
                        os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BEDS = os.path.join(SRCDIR, 'tests', 'iio')

BMI0 = '/sys/devices/platform/soc/fe804000.i2c/i2c-1/1-0068/iio:device0'
BMI1 = '/sys/devices/platform/soc/fe804000.i2c/i2c-1/1-0069/iio:device1'
ADS = '/sys/devices/platform/soc/fe804000.i2c/i2c-1/1-0048/iio:device2'

# The sleeve of the daemon tests: both IMUs on hrt0 at 1 kHz, the flex
# sensor on hrt1 at 250 Hz; 0.1 degree per ADC count.
FLEX_CAL = ((100, 0.0), (1900, 180.0))

SLEEVE_CONFIG = '''[daemon]
source = iio
batch_ms = 50
publish_hz = 4
state_dir = {state_dir}

[thigh]
device = bmi160
bus = 1-0068
trigger = hrt0
rate_hz = 1000

[shank]
device = shank-imu
trigger = hrt0
rate_hz = 1000

[flex]
device = ads1015
channel = voltage0
trigger = hrt1
rate_hz = 250
{flex_extra}
'''


def sleeve_config(state_dir, calibrated=True, extra=''):
    flex = 'calibration = %g:%g, %g:%g\n' % (FLEX_CAL[0] + FLEX_CAL[1]) if calibrated else ''
    return SLEEVE_CONFIG.format(state_dir=state_dir, flex_extra=flex) + extra


def knee_to_raw(deg):
    (r0, d0), (r1, d1) = FLEX_CAL
    return int(round(r0 + (deg - d0) * (r1 - r0) / (d1 - d0)))


class Bed:
    """A umockdev test bed with the sleeve's devices."""

    def __init__(self, files=('hrtimer', 'bmi160-1-0068', 'bmi160-1-0069', 'ads1015-1-0048')):
        self.tb = UMockdev.Testbed.new()
        for f in files:
            self.add(f)

    def add(self, name):
        ok = self.tb.add_from_file(os.path.join(BEDS, name + '.umockdev'))
        assert ok, name

    def remove(self, syspath):
        self.tb.remove_device(syspath)

    def env(self, base):
        env = dict(base)
        env['UMOCKDEV_DIR'] = self.tb.get_root_dir()
        return env

    def attr(self, syspath, name):
        try:
            with open(self.tb.get_root_dir() + syspath + '/' + name) as f:
                # libiio writes the string's NUL too.
                return f.read().strip('\0 \n')
        except OSError:
            return None

    def fd(self, node):
        return self.tb.get_dev_fd(node)

    def mount_matrix(self, syspath):
        rows = self.attr(syspath, 'in_mount_matrix').split(';')
        return [[float(x) for x in r.split(',')] for r in rows]


def chip_of(m, seg):
    """What a chip mounted with rotation m reads for a segment vector: m^T seg."""
    return [m[0][j] * seg[0] + m[1][j] * seg[1] + m[2][j] * seg[2] for j in range(3)]


def s16(v):
    return max(-32768, min(32767, int(round(v))))


class Device:
    """One fake device node and how the kernel lays out its scans."""

    def __init__(self, bed, syspath, node, kind, rate_hz, phase_s=0.0):
        self.bed, self.syspath, self.node, self.kind = bed, syspath, node, kind
        self.rate_hz, self.phase_s = rate_hz, phase_s
        self.k = 0                          # next sample index
        self.fd = None

    def ready(self):
        return self.bed.attr(self.syspath, 'buffer/enable') == '1'

    def setup(self):
        """After kneed configured it: the scales and matrix it chose."""
        self.fd = self.bed.fd(self.node)
        if self.kind == 'bmi160':
            self.accel_scale = float(self.bed.attr(self.syspath, 'in_accel_scale'))
            self.gyro_scale = float(self.bed.attr(self.syspath, 'in_anglvel_scale'))
            self.m = self.bed.mount_matrix(self.syspath)
            for ch in ('accel_x', 'accel_y', 'accel_z', 'anglvel_x', 'anglvel_y', 'anglvel_z',
                       'timestamp'):
                assert self.bed.attr(self.syspath, 'scan_elements/in_%s_en' % ch) == '1', ch
        else:
            assert self.bed.attr(self.syspath, 'scan_elements/in_voltage0_en') == '1'
            assert self.bed.attr(self.syspath, 'scan_elements/in_timestamp_en') == '1'

    def scan(self, sample, ts_ns):
        if self.kind == 'bmi160':
            accel, gyro = sample
            a = chip_of(self.m, accel)
            g = chip_of(self.m, gyro)
            return struct.pack('<3h3h4xq', *(s16(x / self.gyro_scale) for x in g),
                               *(s16(x / self.accel_scale) for x in a), ts_ns)
        raw = max(-2048, min(2047, sample))
        return struct.pack('<h6xq', raw * 16, ts_ns)


class Feeder(threading.Thread):
    """Writes what each device sampled up to now, every 20 ms, in real
    time.  source(device, t) gives a device's sample at input time t (s
    since the feed began), or None at the end of the input."""

    def __init__(self, devices, source, period_s=0.02):
        super().__init__(daemon=True)
        self.devices = devices          # followers first, the leader last
        self.source = source
        self.period = period_s
        self.stop_event = threading.Event()
        self.t0_ns = None
        self.done = threading.Event()
        self.paused = set()             # devices to write nothing to (gone)
        self.written = 0

    def run(self):
        self.t0_ns = time.monotonic_ns()
        ended = False
        while not self.stop_event.is_set() and not ended:
            now = time.monotonic_ns()
            for d in self.devices:
                chunk = bytearray()
                while True:
                    ts = self.t0_ns + int(round((d.phase_s + d.k / d.rate_hz) * 1e9))
                    if ts > now:
                        break
                    sample = self.source(d, (ts - self.t0_ns) / 1e9)
                    if sample is None:
                        ended = True
                        break
                    d.k += 1
                    if d not in self.paused:
                        chunk += d.scan(sample, ts)
                if chunk:
                    os.write(d.fd, bytes(chunk))
                    self.written += len(chunk)
            self.stop_event.wait(self.period)
        self.done.set()

    def stop(self):
        self.stop_event.set()
        self.join(5)


def sleeve_devices(bed):
    """thigh (bmi160 1-0068, the leader), shank (bmi160 1-0069), flex."""
    thigh = Device(bed, BMI0, '/dev/iio:device0', 'bmi160', 1000)
    shank = Device(bed, BMI1, '/dev/iio:device1', 'bmi160', 1000, phase_s=0.0003)
    flex = Device(bed, ADS, '/dev/iio:device2', 'ads1015', 250, phase_s=0.0005)
    return thigh, shank, flex


def wait(cond, timeout, what):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        v = cond()
        if v:
            return v
        time.sleep(0.02)
    raise AssertionError('timed out after %.0f s waiting for %s' % (timeout, what))


__all__ = ['Bed', 'Device', 'Feeder', 'sleeve_devices', 'sleeve_config', 'knee_to_raw',
           'FLEX_CAL', 'BMI0', 'BMI1', 'ADS', 'SRCDIR', 'wait', 'math']
