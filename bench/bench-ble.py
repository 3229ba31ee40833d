#!/usr/bin/python3
'''bench-ble: alert latency over Bluetooth LE, as far as D-Bus goes.

The real kneed streams the simulated sleeve (1 kHz, 50 ms batches) with a
scripted hyperextension every 2 s of sensor time, its BLE peripheral
registered with tests/bluez_mock.py as bluetoothd, on a private bus.  A
phone subscribes to the Alerts characteristic through the mock (kneed
answers bluetoothd alone and sends the values to it only); this program
watches the bus as a monitor (org.freedesktop.DBus.Monitoring, which the
private bus allows its own user) and measures

  batch arrival -> PropertiesChanged of the Alerts characteristic on the bus

where "batch arrival" is kneed's own stamp (CLOCK_MONOTONIC, the
batch_monotonic_us detail of its D-Bus Alert signal, matched by sequence
number) and the receipt is stamped in this process's signal callback on
the same clock (the monitor gets its copy when the bus routes the signal
to bluetoothd).  It also prints the same figure through the mock
bluetoothd's phone path (its dbus-python handler, which then "indicates"
to a subscribed device) and for kneed's own D-Bus Alert signal.  The radio
adds its connection interval on top (7.5-50 ms, negotiated by bluetoothd
and the phone): not measured here.

Environment: KNEED_BENCH_EVENTS (200), KNEED_BENCH_SPEED (4: the simulated
sleeve runs 4x real time, so 200 events take ~2 minutes; 1 = real time),
KNEED_BENCH_BATCH_MS (50), KNEED_BUILDDIR, KNEED_SRCDIR.
'''

import json
import os
import struct
import subprocess
import sys
import tempfile
import time

import gi
gi.require_version('Gio', '2.0')
from gi.repository import Gio, GLib  # noqa: E402

BUILDDIR = os.environ.get('KNEED_BUILDDIR', os.getcwd())
SRCDIR = os.environ.get('KNEED_SRCDIR', os.path.join(os.path.dirname(os.path.abspath(__file__)), '..'))
KNEED = os.path.join(BUILDDIR, 'daemon', 'kneed')
TEMPLATE = os.path.join(SRCDIR, 'tests', 'bluez_mock.py')
EVENTS = int(os.environ.get('KNEED_BENCH_EVENTS', '200'))
SPEED = float(os.environ.get('KNEED_BENCH_SPEED', '4'))
BATCH_MS = int(os.environ.get('KNEED_BENCH_BATCH_MS', '50'))
FIRST_S, SPACING_S = 12.0, 2.0
ALERTS_PATH = '/org/kneed/ble/knee/alerts'


def percentile(values, p):
    v = sorted(values)
    return v[min(len(v) - 1, max(0, int(round(p / 100.0 * len(v) + 0.5)) - 1))]


def call(conn, dest, path, iface, method, args=None, reply=None, timeout=10000):
    r = conn.call_sync(dest, path, iface, method, args, GLib.VariantType(reply) if reply else None,
                       Gio.DBusCallFlags.NONE, timeout, None)
    return r.unpack() if r is not None else None


def wait(pred, timeout, what):
    '''Blocks in the main context (no sleeping: a signal is stamped the
    moment it arrives), waking at least every 50 ms to check pred.'''
    ctx = GLib.MainContext.default()
    end = time.monotonic() + timeout
    tick = GLib.timeout_add(50, lambda: True)
    try:
        while not pred():
            if time.monotonic() > end:
                sys.exit(f'bench-ble: timed out waiting for {what}')
            ctx.iteration(True)
    finally:
        GLib.source_remove(tick)


def main():
    for need, what in ((KNEED, 'kneed'), (TEMPLATE, 'tests/bluez_mock.py')):
        if not os.path.exists(need):
            sys.exit(f'bench-ble: {what} not found at {need}')
    try:
        import dbusmock  # noqa: F401
    except ImportError:
        print('bench-ble: SKIP: needs python3-dbusmock')
        return
    tmp = tempfile.mkdtemp(prefix='kneed-bench-ble-')
    duration = FIRST_S + SPACING_S * EVENTS + 10
    with open(os.path.join(tmp, 'kneed.conf'), 'w') as f:
        f.write(f'[daemon]\nsource = simulated\nbatch_ms = {BATCH_MS}\n'
                f'[simulated]\nrate_hz = 1000\nspeed = {SPEED:g}\n'
                f'blocks = stand:5; run:{duration:.0f}:170:3.3\nevents = ' +
                '; '.join(f'hyperextension@{FIRST_S + SPACING_S * i:.1f}:depth=10,speed=400'
                          for i in range(EVENTS)) +
                '\n[bluetooth]\nname = Bench Sleeve\n')
    bus = subprocess.Popen(['dbus-daemon', '--session', '--nofork', '--nopidfile',
                            '--print-address=1'], stdout=subprocess.PIPE,
                           stderr=subprocess.DEVNULL)
    address = bus.stdout.readline().decode().strip()
    env = dict(os.environ, DBUS_SYSTEM_BUS_ADDRESS=address, DBUS_SESSION_BUS_ADDRESS=address)
    procs = []
    try:
        mock = subprocess.Popen([sys.executable, '-m', 'dbusmock', '--system', '--template',
                                 TEMPLATE, '-p', json.dumps({'adapters': ['hci0']})],
                                env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        procs.append(mock)
        conn = Gio.DBusConnection.new_for_address_sync(
            address, Gio.DBusConnectionFlags.AUTHENTICATION_CLIENT |
            Gio.DBusConnectionFlags.MESSAGE_BUS_CONNECTION, None, None)

        def has(name):
            return call(conn, 'org.freedesktop.DBus', '/org/freedesktop/DBus',
                        'org.freedesktop.DBus', 'NameHasOwner', GLib.Variant('(s)', (name,)),
                        '(b)')[0]

        wait(lambda: has('org.bluez'), 10, 'the mock bluetoothd')
        log = open(os.path.join(tmp, 'kneed.log'), 'w')
        kneed = subprocess.Popen([KNEED, '--session', '--config', os.path.join(tmp, 'kneed.conf')],
                                 env=env, stdout=log, stderr=subprocess.STDOUT)
        procs.append(kneed)
        wait(lambda: has('org.kneed.Kneed1'), 10, 'kneed')

        def bt_state():
            return call(conn, 'org.kneed.Kneed1', '/org/kneed/Kneed1/bluetooth',
                        'org.freedesktop.DBus.Properties', 'Get',
                        GLib.Variant('(ss)', ('org.kneed.Kneed1.Bluetooth', 'State')), '(v)')[0]

        wait(lambda: bt_state() == 'ready', 10, 'the BLE peripheral')
        apps = call(conn, 'org.bluez', '/', 'org.bluez.Mock', 'GetApplications',
                    GLib.Variant('(s)', ('hci0',)), '(a(so))')[0]
        ble_name = apps[0][0]

        batch_us, dbus_arrival, ble_arrival = {}, {}, {}

        def on_alert(c, sender, path, iface, name, args):
            now = GLib.get_monotonic_time()
            seq, kind = args[0], args[1]
            if kind == 'hyperextension' and 'batch_monotonic_us' in args[7]:
                batch_us[seq & 0xffff] = args[7]['batch_monotonic_us']
                dbus_arrival[seq & 0xffff] = now

        def on_value(c, message, incoming):
            # GDBus's worker thread, as the message is read off the socket.
            now = GLib.get_monotonic_time()
            if incoming and message.get_path() == ALERTS_PATH and message.get_body() is not None:
                value = message.get_body().unpack()[1].get('Value')
                if value and len(value) >= 5 and value[4] == 0:
                    ble_arrival[struct.unpack_from('<H', bytes(value), 2)[0]] = now
            return message

        conn.signal_subscribe('org.kneed.Kneed1', 'org.kneed.Kneed1.Daemon', 'Alert',
                              '/org/kneed/Kneed1', None, Gio.DBusSignalFlags.NONE, on_alert)
        monitor = Gio.DBusConnection.new_for_address_sync(
            address, Gio.DBusConnectionFlags.AUTHENTICATION_CLIENT |
            Gio.DBusConnectionFlags.MESSAGE_BUS_CONNECTION, None, None)
        monitor.add_filter(on_value)
        rule = (f"type='signal',sender='{ble_name}',path='{ALERTS_PATH}',"
                "interface='org.freedesktop.DBus.Properties',member='PropertiesChanged'")
        call(monitor, 'org.freedesktop.DBus', '/org/freedesktop/DBus',
             'org.freedesktop.DBus.Monitoring', 'BecomeMonitor',
             GLib.Variant('(asu)', ([rule], 0)))
        # A phone subscribes through the mock bluetoothd.
        phone = call(conn, 'org.bluez', '/', 'org.bluez.Mock', 'AddPhone',
                     GLib.Variant('(ssbq)', ('hci0', 'AA:BB:CC:DD:EE:99', True, 2)), '(o)')[0]
        call(conn, 'org.bluez', '/', 'org.bluez.Mock', 'AttSubscribe',
             GLib.Variant('(ooq)', (phone, ALERTS_PATH, 2)), '(y)')

        print(f'kneed streaming the simulated sleeve at 1 kHz, {BATCH_MS} ms batches, '
              f'{SPEED:g}x real time; {EVENTS} scripted hyperextensions, 2 s apart')
        wait(lambda: len([s for s in batch_us if s in ble_arrival]) >= EVENTS,
             (FIRST_S + SPACING_S * EVENTS) / SPEED + 60, f'{EVENTS} alerts')
        GLib.MainContext.default().iteration(False)
        notes = call(conn, 'org.bluez', '/', 'org.bluez.Mock', 'GetNotifications', None,
                     '(a(dsoay))')[0]
        mock_arrival = {}
        for t, dev, path, value in notes:
            if path == ALERTS_PATH and len(value) >= 5 and value[4] == 0:
                mock_arrival[struct.unpack_from('<H', bytes(value), 2)[0]] = int(t * 1e6)

        def report(label, arrival):
            lat = [(arrival[s] - batch_us[s]) / 1000.0 for s in batch_us if s in arrival]
            if not lat:
                print(f'{label}: no data')
                return
            print(f'{label}: n={len(lat)} p50={percentile(lat, 50):.2f} ms '
                  f'p99={percentile(lat, 99):.2f} ms max={max(lat):.2f} ms')
            return percentile(lat, 99)

        p99 = report('batch -> Alerts PropertiesChanged on the bus (a monitor, Gio)',
                     ble_arrival)
        report('batch -> Alerts value delivered by the mock bluetoothd (dbus-python)',
               mock_arrival)
        report('batch -> kneed D-Bus Alert signal (for comparison)', dbus_arrival)
        print(f'target p99 <= 10 ms: {"met" if p99 is not None and p99 <= 10 else "NOT met"}')
    finally:
        for p in reversed(procs):
            p.terminate()
            p.wait()
        bus.terminate()
        bus.wait()
        bus.stdout.close()


if __name__ == '__main__':
    main()
