#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""The system bus policy dbus/org.kneed.Kneed1.conf, enforced by a real
dbus-daemon started with a system-bus-like configuration (Debian's
default system policy) that includes it: the file parses; root owns the
name and calls kneed; a user outside the "kneed" group is denied calls,
property reads and kneed's signals, and cannot own the name; a member
of the group is let in.

Running as another user needs root (setpriv); those parts are skipped
otherwise.  This machine has no "kneed" group, so the group test uses a
copy of the file with the group renamed to one that exists."""

import grp
import os
import shutil
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from kneedtest import *  # noqa: E402,F401,F403

POLICY = os.path.join(SRCDIR, 'dbus', 'org.kneed.Kneed1.conf')
NOBODY = 65534

BUS_CONFIG = '''<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>system</type>
  <auth>EXTERNAL</auth>
  <listen>unix:path=%(socket)s</listen>
  <policy context="default">
    <allow user="*"/>
    <deny own="*"/>
    <deny send_type="method_call"/>
    <allow send_type="signal"/>
    <allow send_requested_reply="true" send_type="method_return"/>
    <allow send_requested_reply="true" send_type="error"/>
    <allow receive_type="method_call"/>
    <allow receive_type="method_return"/>
    <allow receive_type="error"/>
    <allow receive_type="signal"/>
    <allow send_destination="org.freedesktop.DBus" send_interface="org.freedesktop.DBus"/>
    <allow send_destination="org.freedesktop.DBus"
           send_interface="org.freedesktop.DBus.Introspectable"/>
    <allow send_destination="org.freedesktop.DBus"
           send_interface="org.freedesktop.DBus.Properties"/>
  </policy>
  <include>%(policy)s</include>
</busconfig>
'''

# A client run as another user: prints the D-Bus error name of GetAll (or
# OK), then counts kneed's Alert signals until the test's marker signal
# arrives, and prints how many came.  The marker comes from the test's own
# connection after the test itself received the alert: the bus had routed
# the alert (to the probe, or not) before it routes the marker, and it
# delivers to the probe in that order.
PROBE = r'''
import sys, time
from gi.repository import Gio, GLib
conn = Gio.DBusConnection.new_for_address_sync(sys.argv[1],
    Gio.DBusConnectionFlags.AUTHENTICATION_CLIENT | Gio.DBusConnectionFlags.MESSAGE_BUS_CONNECTION,
    None, None)
got = []
marker = []
conn.signal_subscribe(None, 'org.kneed.Kneed1.Daemon', 'Alert', None, None,
                      Gio.DBusSignalFlags.NONE, lambda *a: got.append(1))
conn.signal_subscribe(None, 'org.kneed.Test', 'Marker', None, None,
                      Gio.DBusSignalFlags.NONE, lambda *a: marker.append(1))
try:
    conn.call_sync('org.kneed.Kneed1', '/org/kneed/Kneed1', 'org.freedesktop.DBus.Properties',
                   'GetAll', GLib.Variant('(s)', ('org.kneed.Kneed1.Daemon',)), None,
                   Gio.DBusCallFlags.NONE, 5000, None)
    print('OK', flush=True)
except GLib.Error as e:
    print(Gio.DBusError.get_remote_error(e), flush=True)
# a round trip to the bus: the match rules above are in place
conn.call_sync('org.freedesktop.DBus', '/org/freedesktop/DBus', 'org.freedesktop.DBus',
               'GetId', None, None, Gio.DBusCallFlags.NONE, 5000, None)
print('READY', flush=True)
ctx = GLib.MainContext.default()
end = time.monotonic() + float(sys.argv[2])
while not marker and time.monotonic() < end:
    ctx.iteration(False)
    time.sleep(0.01)
print('SIGNALS %d%s' % (len(got), '' if marker else ' (no marker)'), flush=True)
'''


def as_user(uid, gid, groups=()):
    args = ['setpriv', '--reuid=%d' % uid, '--regid=%d' % gid]
    args += ['--groups=' + ','.join(str(g) for g in groups)] if groups else ['--clear-groups']
    return args


class PolicyTest(TmpDirTestCase):
    def setUp(self):
        super().setUp()
        os.chmod(self.tmpdir, 0o755)
        write_flex_recording(os.path.join(self.tmpdir, 'run.csv'), 10)

    def start_bus(self, policy=POLICY):
        socket = os.path.join(self.tmpdir, 'system_bus_socket')
        conf = os.path.join(self.tmpdir, 'system.conf')
        with open(conf, 'w') as f:
            f.write(BUS_CONFIG % {'socket': socket, 'policy': policy})
        bus = PrivateBus(conf)
        if os.path.exists(socket):
            os.chmod(socket, 0o777)
        self.addCleanup(bus.stop)
        return bus

    def start_kneed(self, bus, preexec=None):
        d = Daemon(bus, self.tmpdir,
                   '[daemon]\nsource = replay\n[replay]\nfile = run.csv\nloop = true\n',
                   bus_flag='--system', preexec=preexec)
        os.chmod(d.config_path, 0o644)
        return d

    def test_parses(self):
        # dbus-daemon refuses to start on a configuration it cannot parse:
        # an unknown element or attribute in our file would stop it here.
        bus = self.start_bus()
        conn = bus.connect()
        self.assertFalse(name_owned(conn))
        with open(POLICY) as f:
            text = f.read()
        self.assertIn('<policy group="kneed">', text)
        self.assertIn('<deny receive_sender="org.kneed.Kneed1"/>', text)

    def need_root(self):
        if os.geteuid() != 0 or not shutil.which('setpriv'):
            self.skipTest('needs root and setpriv to run clients as other users')

    def marker(self, conn):
        conn.emit_signal(None, '/org/kneed/Test', 'org.kneed.Test', 'Marker', None)
        conn.flush_sync(None)

    def probe(self, bus, cred, seconds):
        return subprocess.Popen(cred + ['/usr/bin/python3', '-c', PROBE, bus.address, str(seconds)],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)

    def test_root_and_others(self):
        self.need_root()
        bus = self.start_bus()
        conn = bus.connect()
        d = self.start_kneed(bus)
        d.wait_ready(conn)
        root = Client(conn)
        self.assertEqual(root.get('Source'), 'replay')

        other = self.probe(bus, as_user(NOBODY, NOBODY), 30 * SLOW)
        self.assertEqual(other.stdout.readline().strip(), 'org.freedesktop.DBus.Error.AccessDenied')
        self.assertEqual(other.stdout.readline().strip(), 'READY')
        # An alert while the other user listens: root gets it, they do not.
        root.call('ReportPain', GLib.Variant('(usss)', (9, 'front', 'during', '')), '(t)')
        wait_for(lambda: root.alerts, 5, 'root to receive the alert')
        self.marker(conn)
        out, err = other.communicate(timeout=60 * SLOW)
        self.assertEqual(out.strip(), 'SIGNALS 0', err)

        # kneectl says why.
        r = subprocess.run(as_user(NOBODY, NOBODY) + [KNEECTL, 'status'], env=bus.env(),
                           capture_output=True, text=True, timeout=30)
        self.assertEqual(r.returncode, 4, r.stderr)
        self.assertIn('permission denied by the D-Bus policy', r.stderr)
        root.close()
        self.assertEqual(d.stop(), 0, d.output())

    def test_other_user_cannot_own(self):
        self.need_root()
        bus = self.start_bus()
        conn = bus.connect()
        d = self.start_kneed(bus, preexec=lambda: (os.setgroups([]), os.setgid(NOBODY),
                                                   os.setuid(NOBODY)))
        rc = d.proc.wait(timeout=30 * SLOW)
        self.assertEqual(rc, 1, d.output())
        self.assertIn('cannot own org.kneed.Kneed1 on the system bus', d.output())
        self.assertFalse(name_owned(conn))
        d.log.close()

    def test_group_member(self):
        self.need_root()
        try:
            group = grp.getgrgid(100)
        except KeyError:
            self.skipTest('no group 100 to stand in for "kneed"')
        policy = os.path.join(self.tmpdir, 'policy.conf')
        with open(POLICY) as f:
            text = f.read().replace('group="kneed"', 'group="%s"' % group.gr_name)
        with open(policy, 'w') as f:
            f.write(text)
        bus = self.start_bus(policy)
        conn = bus.connect()
        d = self.start_kneed(bus)
        d.wait_ready(conn)
        root = Client(conn)
        member = self.probe(bus, as_user(NOBODY, NOBODY, [group.gr_gid]), 30 * SLOW)
        self.assertEqual(member.stdout.readline().strip(), 'OK')
        self.assertEqual(member.stdout.readline().strip(), 'READY')
        root.call('ReportPain', GLib.Variant('(usss)', (9, 'front', 'during', '')), '(t)')
        wait_for(lambda: root.alerts, 5, 'root to receive the alert')
        self.marker(conn)
        out, err = member.communicate(timeout=60 * SLOW)
        self.assertEqual(out.strip(), 'SIGNALS 1', err)
        r = subprocess.run(as_user(NOBODY, NOBODY, [group.gr_gid]) + [KNEECTL, 'status'],
                           env=bus.env(), capture_output=True, text=True, timeout=30)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn('State:', r.stdout)
        root.close()
        self.assertEqual(d.stop(), 0, d.output())


if __name__ == '__main__':
    main()
