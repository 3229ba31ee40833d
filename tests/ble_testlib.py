'''Shared fixture of the BLE integration tests: a private dbus-daemon used
as the system bus, tests/bluez_mock.py as bluetoothd, and the program under
test (tests/ble-harness, or kneed itself) on it.

Needs Debian's /usr/bin/python3 with python3-dbus, python3-gi and
python3-dbusmock 0.28.7; a test program reports itself skipped (1..0 #
SKIP, tests/taprunner.py) with the reason when they are missing.'''

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import unittest

import taprunner

main = taprunner.main


def skip(why):
    '''The whole program cannot run here (tests/taprunner.py).'''
    taprunner.skip_all(why)


try:
    import dbus
    import dbus.mainloop.glib
    from gi.repository import GLib
    import dbusmock
except ImportError as e:
    skip(f'needs python3-dbus, python3-gi and python3-dbusmock ({e}); run with /usr/bin/python3')

if dbusmock.__version__ != '0.28.7':
    skip(f'tests/bluez_mock.py is pinned to python3-dbusmock 0.28.7 (Debian 12), found {dbusmock.__version__}')
if not shutil.which('dbus-daemon'):
    skip('needs dbus-daemon')

SRCDIR = os.environ.get('KNEED_SRCDIR', os.path.join(os.path.dirname(__file__), '..'))
BUILDDIR = os.environ.get('KNEED_BUILDDIR', os.path.join(os.path.dirname(__file__), '..'))
TEMPLATE = os.path.join(SRCDIR, 'tests', 'bluez_mock.py')
HARNESS = os.path.join(BUILDDIR, 'tests', 'ble-harness')
sys.path.insert(0, os.path.join(SRCDIR, 'tests'))

import gatt_decode as gd  # noqa: E402

dbus.mainloop.glib.DBusGMainLoop(set_as_default=True)

MOCK_IFACE = 'org.bluez.Mock'
CHRC_IFACE = 'org.bluez.GattCharacteristic1'
PROPS_IFACE = 'org.freedesktop.DBus.Properties'
APP = '/org/kneed/ble'
CHR = {
    gd.LIVE: APP + '/knee/live',
    gd.ALERTS: APP + '/knee/alerts',
    gd.CONTROL: APP + '/knee/control',
    gd.PAIN: APP + '/knee/pain',
    gd.STATUS: APP + '/knee/status',
    gd.RSC_MEASUREMENT: APP + '/rsc/measurement',
    gd.RSC_FEATURE: APP + '/rsc/feature',
    gd.SENSOR_LOCATION: APP + '/rsc/location',
    gd.SC_CONTROL: APP + '/rsc/control',
    gd.BATTERY_LEVEL: APP + '/battery/level',
    gd.MANUFACTURER: APP + '/dis/manufacturer',
    gd.MODEL: APP + '/dis/model',
    gd.SERIAL: APP + '/dis/serial',
    gd.HARDWARE_REV: APP + '/dis/hardware',
    gd.FIRMWARE_REV: APP + '/dis/firmware',
    gd.SOFTWARE_REV: APP + '/dis/software',
}


def pump(seconds=0.0):
    '''Runs the GLib main context (signals to this process) for a while.'''
    ctx = GLib.MainContext.default()
    end = time.monotonic() + seconds
    while True:
        while ctx.pending():
            ctx.iteration(False)
        if time.monotonic() >= end:
            return
        time.sleep(0.005)


def wait_until(cond, timeout=5.0, what='condition'):
    end = time.monotonic() + timeout
    while True:
        pump()
        v = cond()
        if v:
            return v
        if time.monotonic() > end:
            raise AssertionError(f'timed out after {timeout} s waiting for {what}')
        time.sleep(0.01)


class BleTestCase(unittest.TestCase):
    '''One private bus per test; the mock and the program under test are
    started by the test (setUp starts both by default).'''

    start_mock_at_setup = True
    start_harness_at_setup = True
    harness_args = []
    mock_adapters = ['hci0']

    def setUp(self):
        # Cleanups run even when setUp fails half-way (tearDown does not).
        self.dut = None
        self.mock_proc = None
        self.bus_proc = None
        self.addCleanup(self.cleanup)
        self.tmp = tempfile.mkdtemp(prefix='kneed-ble-')
        self.bus_proc = subprocess.Popen(
            ['dbus-daemon', '--session', '--nofork', '--nopidfile', '--print-address=1'],
            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        self.address = self.bus_proc.stdout.readline().decode().strip()
        self.env = dict(os.environ, DBUS_SYSTEM_BUS_ADDRESS=self.address,
                        DBUS_SESSION_BUS_ADDRESS=self.address)
        os.environ['DBUS_SYSTEM_BUS_ADDRESS'] = self.address
        self.bus = dbus.bus.BusConnection(self.address)
        self.mock_generation = 0
        if self.start_mock_at_setup:
            self.start_mock()
        if self.start_harness_at_setup:
            self.start_harness(*self.harness_args)

    def tearDown(self):
        if self.dut:
            self.stop_dut()

    def cleanup(self):
        result = getattr(getattr(self, '_outcome', None), 'result', None)
        failed = result is not None and any(
            test is self for test, _ in result.errors + result.failures)
        if self.dut and self.dut.poll() is None:
            self.dut.kill()
            self.dut.wait()
        if self.mock_proc:
            self.mock_proc.terminate()
            self.mock_proc.wait()
        if hasattr(self, 'bus'):
            self.bus.close()
        if self.bus_proc:
            self.bus_proc.terminate()
            self.bus_proc.wait()
            self.bus_proc.stdout.close()
        if failed:
            for name in sorted(os.listdir(self.tmp)):
                if not os.path.isfile(os.path.join(self.tmp, name)):
                    continue
                with open(os.path.join(self.tmp, name), errors='replace') as f:
                    print(f'---- {name} (last 60 lines)')
                    print(''.join(f.readlines()[-60:]))
        shutil.rmtree(self.tmp, ignore_errors=True)

    # ---- bluetoothd stand-in ----

    def start_mock(self, adapters=None, hold_sets=()):
        '''hold_sets: (adapter, property) pairs whose first Set stays
        pending until ReleaseSet (tests/bluez_mock.py AdapterSet).'''
        self.mock_generation += 1
        log = open(os.path.join(self.tmp, f'mock-{self.mock_generation}.log'), 'w')
        params = {'adapters': self.mock_adapters if adapters is None else adapters,
                  'hold_sets': [list(h) for h in hold_sets]}
        self.mock_proc = subprocess.Popen(
            [sys.executable, '-m', 'dbusmock', '--system', '--template', TEMPLATE,
             '-p', json.dumps(params)],
            stdout=log, stderr=subprocess.STDOUT, env=self.env)
        log.close()
        wait_until(lambda: self.bus.name_has_owner('org.bluez'), 10, 'the mock bluetoothd')
        self.mock = dbus.Interface(self.bus.get_object('org.bluez', '/'), MOCK_IFACE)
        wait_until(lambda: self._mock_ready(params['adapters']), 10, 'the mock adapters')
        return self.mock_proc

    def _mock_ready(self, adapters):
        om = dbus.Interface(self.bus.get_object('org.bluez', '/'),
                            'org.freedesktop.DBus.ObjectManager')
        objs = om.GetManagedObjects()
        return all(dbus.ObjectPath('/org/bluez/' + a) in objs for a in adapters)

    def stop_mock(self):
        self.mock_proc.terminate()
        self.mock_proc.wait()
        self.mock_proc = None
        wait_until(lambda: not self.bus.name_has_owner('org.bluez'), 5, 'org.bluez to go')

    def adapter(self, name='hci0'):
        return self.bus.get_object('org.bluez', '/org/bluez/' + name)

    def adapter_prop(self, prop, name='hci0', iface='org.bluez.Adapter1'):
        return self.adapter(name).Get(iface, prop, dbus_interface=PROPS_IFACE)

    def events(self, kind=None):
        return [(float(t), str(k), str(d)) for t, k, d in self.mock.GetEvents()
                if kind is None or str(k) == kind]

    # ---- the program under test ----

    def start_harness(self, *args):
        log = open(os.path.join(self.tmp, 'harness.log'), 'w')
        env = dict(self.env, G_MESSAGES_DEBUG='all', G_DEBUG='fatal-criticals')
        self.dut = subprocess.Popen([HARNESS, *args], stdout=log, stderr=subprocess.STDOUT,
                                    env=env)
        log.close()
        wait_until(lambda: self.bus.name_has_owner('org.kneed.BleHarness'), 10, 'ble-harness')
        self.harness = dbus.Interface(self.bus.get_object('org.kneed.BleHarness',
                                                          '/org/kneed/harness'),
                                      'org.kneed.BleHarness1')
        self.dut_name = self.bus.get_name_owner('org.kneed.BleHarness')

    def stop_dut(self):
        self.dut.terminate()
        rc = self.dut.wait(10)
        self.dut = None
        self.assertEqual(rc, 0, 'the program under test did not exit cleanly')

    def info(self):
        return {str(k): v for k, v in self.harness.GetInfo().items()}

    def wait_ready(self, timeout=5):
        return wait_until(lambda: self.info()['state'] == 'ready', timeout, 'BLE ready')

    def calls(self):
        return [str(c) for c in self.harness.GetCalls()]

    def barrier(self, adapter='hci0'):
        '''Waits for what the program under test does about every signal the
        mock sent so far, with no fixed wait: the mock asks it for a value
        (ReadValue), and it answers after it has handled the signals that
        came before the call, on the same connection in the same order,
        and after the calls it made to the mock then, which the mock has
        handled before it handles the answer.'''
        device = self.phone('AA:BB:CC:DD:EE:FE', bonded=False, security=1, adapter=adapter)
        self.assertEqual(self.read(device, gd.BATTERY_LEVEL)[0], 0)

    # ---- the phone, through the mock ----

    def phone(self, address='AA:BB:CC:DD:EE:01', bonded=True, security=2, adapter='hci0'):
        return str(self.mock.AddPhone(adapter, address, bonded, dbus.UInt16(security)))

    def read(self, device, uuid, offset=0, mtu=23):
        ecode, value = self.mock.AttRead(device, CHR[uuid], dbus.UInt16(offset), dbus.UInt16(mtu),
                                         byte_arrays=True)
        return int(ecode), bytes(value)

    def read_long(self, device, uuid, mtu=23):
        '''Read then Read Blob until a short response, as a phone does.'''
        out = b''
        while True:
            ecode, part = self.read(device, uuid, len(out), mtu)
            if ecode:
                raise AssertionError(f'read of {uuid} at {len(out)}: ATT error 0x{ecode:02x}')
            out += part
            if len(part) < mtu - 1:
                return out

    def write(self, device, uuid, value, offset=0, mtu=185):
        return int(self.mock.AttWrite(device, CHR[uuid], dbus.ByteArray(bytes(value)),
                                      dbus.UInt16(offset), dbus.UInt16(mtu)))

    def subscribe(self, device, uuid, value):
        return int(self.mock.AttSubscribe(device, CHR[uuid], dbus.UInt16(value)))

    def notifications(self, device=None, uuid=None):
        return [(float(t), str(d), str(p), bytes(v))
                for t, d, p, v in self.mock.GetNotifications(byte_arrays=True)
                if (device is None or str(d) == device) and (uuid is None or str(p) == CHR[uuid])]

    def values(self, uuid, device=None):
        return [v for _, _, _, v in self.notifications(device, uuid)]

    def wait_values(self, uuid, n, device=None, timeout=5):
        return wait_until(lambda: len(self.values(uuid, device)) >= n and self.values(uuid, device),
                          timeout, f'{n} values of {uuid}')


KNEED = os.path.join(BUILDDIR, 'daemon', 'kneed')
KNEED_NAME = 'org.kneed.Kneed1'
KNEED_PATH = '/org/kneed/Kneed1'
KNEED_IFACE = 'org.kneed.Kneed1.Daemon'
BT_PATH = '/org/kneed/Kneed1/bluetooth'
BT_IFACE = 'org.kneed.Kneed1.Bluetooth'
INFO_KEYS = {
    'State': 'state', 'Adapter': 'adapter', 'Address': 'address', 'LocalName': 'local_name',
    'ApplicationRegistered': 'app_registered', 'AdvertisementRegistered': 'adv_registered',
    'AgentRegistered': 'agent_registered', 'Pairable': 'pairable',
    'Subscriptions': 'subscriptions', 'AlertsQueued': 'alerts_queued',
    'AlertsDropped': 'alerts_dropped', 'Registrations': 'registrations',
    'LastError': 'last_error', 'RegistrationAttempts': 'registration_attempts',
    'RefusedCalls': 'refused_calls', 'PendingBond': 'pending_bond',
    'PendingBondAddress': 'pending_bond_address',
}

RUN_CONFIG = '''[daemon]
source = simulated
batch_ms = 50
publish_hz = 4
[simulated]
seed = 7
blocks = stand:3;run:120
{events}
[bluetooth]
name = Test Sleeve
serial = SN-42
manufacturer = Example Orthotics
hardware_revision = B2
firmware_revision = 0.9
{bluetooth}
'''


class KneedTestCase(BleTestCase):
    '''The real kneed (simulated sleeve, real time) with the mock bluetoothd.'''

    start_harness_at_setup = False
    start_kneed_at_setup = True
    sim_events = ''
    bluetooth = ''
    extra_config = ''
    # kneed's own API on the session bus (--session) or the system bus;
    # its BLE peripheral is on the system bus (bluetoothd's) either way.
    kneed_bus = 'session'
    # A session bus of its own instead of the system bus' daemon.
    separate_session_bus = False

    def setUp(self):
        # make check builds kneed: its absence is a broken build, not a skip
        self.assertTrue(os.access(KNEED, os.X_OK), f'{KNEED} is not built')
        super().setUp()
        self.api_bus = self.bus
        if self.separate_session_bus:
            proc = subprocess.Popen(['dbus-daemon', '--session', '--nofork', '--nopidfile',
                                     '--print-address=1'],
                                    stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
            self.session_address = proc.stdout.readline().decode().strip()

            def stop_session_bus():
                proc.terminate()
                proc.wait()
                proc.stdout.close()
            self.addCleanup(stop_session_bus)
            self.env['DBUS_SESSION_BUS_ADDRESS'] = self.session_address
            session = dbus.bus.BusConnection(self.session_address)
            self.addCleanup(session.close)
            if self.kneed_bus == 'session':
                self.api_bus = session
        if self.start_kneed_at_setup:
            self.start_kneed()

    def config_text(self):
        return RUN_CONFIG.format(events=f'events = {self.sim_events}' if self.sim_events else '',
                                 bluetooth=self.bluetooth) + self.extra_config

    def start_kneed(self, config=None, wait=True):
        path = os.path.join(self.tmp, 'kneed.conf')
        with open(path, 'w') as f:
            f.write(config if config is not None else self.config_text())
        self.kneed_log = os.path.join(self.tmp, 'kneed.log')
        log = open(self.kneed_log, 'a')
        env = dict(self.env, G_DEBUG='fatal-criticals')
        bus_args = ['--session'] if self.kneed_bus == 'session' else []
        self.dut = subprocess.Popen([KNEED, *bus_args, '--config', path, '-v'], env=env,
                                    stdout=log, stderr=subprocess.STDOUT)
        log.close()
        if wait:
            wait_until(lambda: self.dut.poll() is not None or
                       self.api_bus.name_has_owner(KNEED_NAME), 10, 'kneed')
            self.assertIsNone(self.dut.poll(), 'kneed exited:\n' + self.kneed_output())
            self.dut_name = self.api_bus.get_name_owner(KNEED_NAME)
            self.kneed = dbus.Interface(self.api_bus.get_object(KNEED_NAME, KNEED_PATH),
                                        KNEED_IFACE)
        return self.dut

    def kneed_output(self):
        with open(self.kneed_log, errors='replace') as f:
            return f.read()

    def prop(self, name, iface=KNEED_IFACE, path=KNEED_PATH):
        return self.api_bus.get_object(KNEED_NAME, path).Get(iface, name,
                                                             dbus_interface=PROPS_IFACE)

    def info(self):
        '''The Bluetooth state kneed publishes; {} while it is not exported
        (during a restart of the peripheral).'''
        try:
            props = self.api_bus.get_object(KNEED_NAME, BT_PATH).GetAll(BT_IFACE,
                                                                   dbus_interface=PROPS_IFACE)
        except dbus.exceptions.DBusException:
            return {'state': None}
        return {INFO_KEYS[str(k)]: v for k, v in props.items()}
