# SPDX-License-Identifier: GPL-2.0-or-later
"""Helpers for kneed's integration tests: a private dbus-daemon, the real
kneed binary from $KNEED_BUILDDIR on it, recordings written on the fly, a
D-Bus client (Gio) that records signals with their arrival time.

Every test starts its own bus and daemon; nothing touches the machine's
buses.  Run by automake with KNEED_BUILDDIR/KNEED_SRCDIR set, or by hand
from the build directory."""

import math
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import unittest

import gi
import taprunner
gi.require_version('Gio', '2.0')
from gi.repository import Gio, GLib  # noqa: E402

BUILDDIR = os.environ.get('KNEED_BUILDDIR', os.getcwd())
SRCDIR = os.environ.get('KNEED_SRCDIR', os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
KNEED = os.path.join(BUILDDIR, 'daemon', 'kneed')
KNEECTL = os.path.join(BUILDDIR, 'client', 'kneectl')
NAME = 'org.kneed.Kneed1'
PATH = '/org/kneed/Kneed1'
IFACE = 'org.kneed.Kneed1.Daemon'
SENSOR_IFACE = 'org.kneed.Kneed1.Sensor'


def _package_version():
    # configure.ac's AC_INIT, through config.h: the one version every
    # test that checks one compares with (tests/test-version.py).
    try:
        with open(os.path.join(BUILDDIR, 'config.h')) as f:
            for line in f:
                if line.startswith('#define PACKAGE_VERSION '):
                    return line.split('"')[1]
    except OSError:
        pass
    return None


VERSION = _package_version()

# Under ASan/valgrind everything is slower: scale waits, never limits
# that the tests assert on.
SLOW = float(os.environ.get('KNEED_TEST_SLOWDOWN', '1'))


def skip_all(reason):
    """Skip the whole test program (automake's SKIP, tests/taprunner.py)."""
    taprunner.skip_all(reason)


class PrivateBus:
    """A dbus-daemon of our own: the standard session configuration, or a
    given configuration file (for policy tests)."""

    def __init__(self, config_file=None, preexec=None):
        args = ['dbus-daemon', '--nofork', '--nopidfile', '--print-address=1']
        args += ['--config-file=' + config_file] if config_file else ['--session']
        self.proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                     preexec_fn=preexec)
        self.address = self.proc.stdout.readline().decode().strip()
        if not self.address:
            err = self.proc.stderr.read().decode()
            self.proc.wait()
            raise RuntimeError('dbus-daemon did not start: ' + err)
        self.conns = []

    def connect(self):
        conn = Gio.DBusConnection.new_for_address_sync(
            self.address,
            Gio.DBusConnectionFlags.AUTHENTICATION_CLIENT |
            Gio.DBusConnectionFlags.MESSAGE_BUS_CONNECTION, None, None)
        self.conns.append(conn)
        return conn

    def env(self):
        env = dict(os.environ)
        env['DBUS_SESSION_BUS_ADDRESS'] = self.address
        env['DBUS_SYSTEM_BUS_ADDRESS'] = self.address
        return env

    def stop(self):
        for c in self.conns:
            if not c.is_closed():
                c.close_sync(None)
        self.proc.terminate()
        self.proc.wait()
        self.proc.stdout.close()
        self.proc.stderr.close()


def name_owned(conn, name=NAME):
    r = conn.call_sync('org.freedesktop.DBus', '/org/freedesktop/DBus', 'org.freedesktop.DBus',
                       'NameHasOwner', GLib.Variant('(s)', (name,)), GLib.VariantType('(b)'),
                       Gio.DBusCallFlags.NONE, 5000, None)
    return r.unpack()[0]


def _bus_call(conn, method, args, reply, iface='org.freedesktop.DBus'):
    return conn.call_sync('org.freedesktop.DBus', '/org/freedesktop/DBus', iface, method, args,
                          GLib.VariantType(reply), Gio.DBusCallFlags.NONE, 5000, None).unpack()


def match_rules_of(conn, pid):
    """How many match rules the bus holds for the connection(s) of process
    pid (dbus-daemon's Debug.Stats): a client's signal subscriptions are
    in place once they are there."""
    rules = 0
    for name in _bus_call(conn, 'ListNames', None, '(as)')[0]:
        if not name.startswith(':'):
            continue
        try:
            if _bus_call(conn, 'GetConnectionUnixProcessID', GLib.Variant('(s)', (name,)),
                         '(u)')[0] != pid:
                continue
            stats = _bus_call(conn, 'GetConnectionStats', GLib.Variant('(s)', (name,)),
                              '(a{sv})', iface='org.freedesktop.DBus.Debug.Stats')[0]
        except GLib.Error:
            continue        # gone meanwhile
        rules += stats.get('MatchRules', 0)
    return rules


def wait_subscribed(conn, proc, rules, timeout=10, what='the client'):
    """Waits until process proc (a Popen) has at least `rules` match rules
    on the bus: signals emitted from then on reach it."""
    wait_for(lambda: proc.poll() is not None or match_rules_of(conn, proc.pid) >= rules, timeout,
             '%s to subscribe' % what)
    if proc.poll() is not None:
        raise AssertionError('%s exited with %d before subscribing' % (what, proc.returncode))


def iterate(seconds):
    """Runs the default main context for a while (signals arrive)."""
    ctx = GLib.MainContext.default()
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        ctx.iteration(False)
        time.sleep(0.002)


def wait_for(predicate, timeout, what):
    ctx = GLib.MainContext.default()
    end = time.monotonic() + timeout * SLOW
    while time.monotonic() < end:
        if predicate():
            return
        while ctx.pending():
            ctx.iteration(False)
        time.sleep(0.005)
    if not predicate():
        raise AssertionError('timed out after %.1f s waiting for %s' % (timeout * SLOW, what))


_running = []


class Daemon:
    """The real kneed on a private bus, with a configuration text.  One a
    test leaves running is killed by TmpDirTestCase.tearDown."""

    def __init__(self, bus, tmpdir, config, args=(), name='kneed.conf', preexec=None,
                 bus_flag='--session'):
        self.bus = bus
        self.config_path = os.path.join(tmpdir, name)
        with open(self.config_path, 'w') as f:
            f.write(config)
        self.log_path = os.path.join(tmpdir, name + '.log')
        self.log = open(self.log_path, 'w')
        env = bus.env()
        env.setdefault('G_DEBUG', 'fatal-criticals')
        self.proc = subprocess.Popen([KNEED, bus_flag, '--config', self.config_path, '-v'] +
                                     list(args), env=env, stdout=self.log,
                                     stderr=subprocess.STDOUT, preexec_fn=preexec)
        _running.append(self)

    def kill(self):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        if not self.log.closed:
            self.log.close()

    def wait_ready(self, conn, timeout=10):
        wait_for(lambda: self.proc.poll() is not None or name_owned(conn), timeout,
                 'kneed to own its name')
        if self.proc.poll() is not None:
            raise AssertionError('kneed exited with %d:\n%s' % (self.proc.returncode, self.output()))

    def output(self):
        if not self.log.closed:
            self.log.flush()
        with open(self.log_path) as f:
            return f.read()

    def send(self, sig):
        self.proc.send_signal(sig)

    def stop(self, sig=signal.SIGTERM, timeout=10):
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
        try:
            rc = self.proc.wait(timeout * SLOW)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            raise AssertionError('kneed did not stop within %.0f s' % (timeout * SLOW))
        self.log.close()
        return rc


class Client:
    """A Gio client of kneed that records signals with their arrival time
    (CLOCK_MONOTONIC, the clock kneed stamps samples with)."""

    def __init__(self, conn):
        self.conn = conn
        self.alerts = []        # (arrival_monotonic_us, args tuple)
        self.strides = []
        self.changes = []       # (arrival_monotonic_us, {prop: value})
        self.subs = [
            conn.signal_subscribe(NAME, IFACE, 'Alert', PATH, None, Gio.DBusSignalFlags.NONE,
                                  self._on_alert),
            conn.signal_subscribe(NAME, IFACE, 'Stride', PATH, None, Gio.DBusSignalFlags.NONE,
                                  self._on_stride),
            conn.signal_subscribe(NAME, 'org.freedesktop.DBus.Properties', 'PropertiesChanged',
                                  PATH, IFACE, Gio.DBusSignalFlags.NONE, self._on_changed),
        ]

    def _on_alert(self, conn, sender, path, iface, name, args):
        self.alerts.append((GLib.get_monotonic_time(), args.unpack()))

    def _on_stride(self, conn, sender, path, iface, name, args):
        self.strides.append((GLib.get_monotonic_time(), args.unpack()[0]))

    def _on_changed(self, conn, sender, path, iface, name, args):
        self.changes.append((GLib.get_monotonic_time(), args.unpack()[1]))

    def call(self, method, params=None, reply=None, iface=IFACE, path=PATH, timeout=10000):
        r = self.conn.call_sync(NAME, path, iface, method, params,
                                GLib.VariantType(reply) if reply else None,
                                Gio.DBusCallFlags.NO_AUTO_START, timeout, None)
        return r.unpack() if r is not None else None

    def get(self, prop):
        return self.call('Get', GLib.Variant('(ss)', (IFACE, prop)), '(v)',
                         iface='org.freedesktop.DBus.Properties')[0]

    def get_all(self):
        return self.call('GetAll', GLib.Variant('(s)', (IFACE,)), '(a{sv})',
                         iface='org.freedesktop.DBus.Properties')[0]

    def close(self):
        for s in self.subs:
            self.conn.signal_unsubscribe(s)


def dbus_error_name(e):
    return Gio.DBusError.get_remote_error(e)


# ---- recordings ----

HEADER = ('t_s,knee_deg,thigh_ax,thigh_ay,thigh_az,thigh_gx,thigh_gy,thigh_gz,'
          'shank_ax,shank_ay,shank_az,shank_gx,shank_gy,shank_gz\n')


def write_flex_recording(path, duration_s, rate_hz=200, knee=None):
    """A flex-sensor-only recording; knee(t) gives the angle (default:
    still at 2 degrees)."""
    knee = knee or (lambda t: 2.0)
    n = int(round(duration_s * rate_hz))
    with open(path, 'w') as f:
        f.write('# kneed-recording v1\n# rate_hz=%g\n# side=right\n# source=test\n'
                't_s,knee_deg\n' % rate_hz)
        for i in range(n):
            t = i / rate_hz
            f.write('%.6f,%.4f\n' % (t, knee(t)))


def hyperextension_knee(events, depth=15.0, speed=400.0, hold=0.3, base=2.0):
    """A knee at `base` degrees (standing, inside the ±3° the analysis
    leaves alone) that snaps `depth` past straight at `speed`
    deg/s at each time in `events`, holds, then returns.  The alert should
    come on the sample where it passes minus the alert's threshold (5
    degrees by default; the analysis may use its critical depth, 10, until
    it knows the wearer's gait)."""
    ramp = (base + depth) / speed

    def knee(t):
        for e in events:
            if e <= t < e + ramp:
                return base - speed * (t - e)
            if e + ramp <= t < e + ramp + hold:
                return -depth
        return base
    return knee


def threshold_crossing(event_t, threshold=5.0, speed=400.0, base=2.0):
    """Time at which the knee of hyperextension_knee passes -threshold."""
    return event_t + (base + threshold) / speed


class TmpDirTestCase(unittest.TestCase):
    def setUp(self):
        self.tmpdir = tempfile.mkdtemp(prefix='kneed-test-')

    def tearDown(self):
        while _running:
            _running.pop().kill()
        shutil.rmtree(self.tmpdir, ignore_errors=True)


def main():
    """Runs the calling script's tests (tests/taprunner.py).  A kneed that
    is not built is an error (make check builds it), not a skip."""
    if not os.access(KNEED, os.X_OK):
        taprunner.bail_out('kneed is not built at %s (run from the build directory or set '
                           'KNEED_BUILDDIR)' % KNEED)
    if not shutil.which('dbus-daemon'):
        skip_all('dbus-daemon is not installed (Debian package dbus)')
    taprunner.main()


__all__ = ['Client', 'Daemon', 'PrivateBus', 'TmpDirTestCase', 'GLib', 'Gio', 'KNEED',
           'KNEECTL', 'NAME', 'PATH', 'IFACE', 'SENSOR_IFACE', 'SLOW', 'BUILDDIR', 'SRCDIR',
           'VERSION', 'dbus_error_name', 'hyperextension_knee', 'iterate', 'main', 'math',
           'name_owned', 'signal', 'skip_all', 'threshold_crossing', 'wait_for', 'wait_subscribed',
           'write_flex_recording', 'time', 'os', 'subprocess']
