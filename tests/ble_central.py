#!/usr/bin/python3
"""A BLE central against kneed's peripheral through a *real* bluetoothd:
for the test bed (QEMU + btvirt: kneed on hci0, this script on hci1, one
bluetoothd serving both) or a real second controller.  Not part of
`make check` (this machine's kernel has no Bluetooth).

kneed must run on the system bus with [bluetooth] name = QEMU Sleeve,
serial = QEMU-1 and a simulated run with a scripted hyperextension (e.g.
blocks = stand:3;run:300, events = hyperextension@20); its D-Bus policy
must be installed (the script opens the pairing window with busctl as
root).  Usage: ble_central.py [hci1].  Prints RESULT lines and exits 0
when every check passed.

Run once on 2025-11-22 (Debian 12, bluetoothd 5.66, kernel 6.1 under
QEMU TCG, btvirt): 24 of 24 checks passed, including Just Works pairing
through kneed's agent, encrypt-notify/encrypt-indicate subscriptions,
notifications sent as unicast PropertiesChanged, the control point
indication, ATT application error 0x82 and the hyperextension alert."""
import os, subprocess, sys, time
import dbus, dbus.mainloop.glib
from gi.repository import GLib
sys.path.insert(0, os.path.join(os.environ.get('KNEED_SRCDIR', os.path.join(os.path.dirname(os.path.abspath(__file__)), '..')), 'tests'))
import gatt_decode as gd  # noqa: E402

ADAPTER = sys.argv[1] if len(sys.argv) > 1 else 'hci1'
PROPS = 'org.freedesktop.DBus.Properties'
CHRC = 'org.bluez.GattCharacteristic1'
dbus.mainloop.glib.DBusGMainLoop(set_as_default=True)
bus = dbus.SystemBus()
T0 = time.time()
results = []


def log(*a):
    print('CENTRAL[%.2fs]:' % (time.time() - T0), *a, flush=True)


def check(name, ok, detail=''):
    results.append((name, ok))
    log('RESULT', name, 'PASS' if ok else 'FAIL', detail)


def pump(sec):
    ctx = GLib.MainContext.default(); end = time.time() + sec
    while time.time() < end:
        ctx.iteration(False); time.sleep(0.01)


om = dbus.Interface(bus.get_object('org.bluez', '/'), 'org.freedesktop.DBus.ObjectManager')
apath = '/org/bluez/' + ADAPTER
ad = bus.get_object('org.bluez', apath)
ad.Set('org.bluez.Adapter1', 'Powered', dbus.Boolean(True), dbus_interface=PROPS)
adi = dbus.Interface(ad, 'org.bluez.Adapter1')
adi.SetDiscoveryFilter({'Transport': 'le'})
adi.StartDiscovery()
dev = None
for _ in range(200):
    for p, ifs in om.GetManagedObjects().items():
        d = ifs.get('org.bluez.Device1')
        if d and p.startswith(apath + '/') and gd.KNEE_SERVICE in [str(u) for u in d.get('UUIDs', [])]:
            dev = p; log('found', p, 'Name=%s UUIDs=%s' % (d.get('Name'), [str(u) for u in d.get('UUIDs', [])]))
    if dev:
        break
    time.sleep(0.2)
check('discovered by knee UUID', dev is not None)
if not dev:
    sys.exit(2)
pump(2)
props = om.GetManagedObjects()[dbus.ObjectPath(dev)]['org.bluez.Device1']
check('advertised name', str(props.get('Name')) == 'QEMU Sleeve', props.get('Name'))
check('appearance', int(props.get('Appearance', 0)) == 0x0440, props.get('Appearance'))
adi.StopDiscovery()
devo = bus.get_object('org.bluez', dev)
devi = dbus.Interface(devo, 'org.bluez.Device1')
devi.Connect(timeout=60)
log('connected')
for _ in range(300):
    if devo.Get('org.bluez.Device1', 'ServicesResolved', dbus_interface=PROPS):
        break
    time.sleep(0.2)
check('services resolved', bool(devo.Get('org.bluez.Device1', 'ServicesResolved', dbus_interface=PROPS)))
chars = {}
for p, ifs in om.GetManagedObjects().items():
    c = ifs.get(CHRC)
    if c and p.startswith(dev):
        chars[str(c['UUID'])] = p
log('characteristics', sorted(chars))
check('all characteristics present', set(gd.EXPECTED_FLAGS) <= set(chars), set(gd.EXPECTED_FLAGS) - set(chars))


def ch(uuid):
    return dbus.Interface(bus.get_object('org.bluez', chars[uuid]), CHRC)


def read(uuid):
    return bytes(ch(uuid).ReadValue({}, byte_arrays=True))


check('battery level readable without pairing', len(read(gd.BATTERY_LEVEL)) == 1)
check('RSC feature', read(gd.RSC_FEATURE) == b'\x07\x00')
try:
    read(gd.LIVE)
    check('live refused before pairing (pairing window closed)', False, 'read worked')
except dbus.exceptions.DBusException as e:
    check('live refused before pairing (pairing window closed)', True, e.get_dbus_name())

subprocess.run(['busctl', '--system', 'call', 'org.kneed.Kneed1', '/org/kneed/Kneed1',
                'org.kneed.Kneed1.Daemon', 'OpenPairingWindow', 'u', '60'], check=True)
pump(1)
try:
    devi.Pair(timeout=60)
    check('paired in the window', True)
except dbus.exceptions.DBusException as e:
    check('paired in the window', False, e)
pump(2)
live = gd.decode_live(read(gd.LIVE))
check('live readable once paired', live['knee_deg'] is not None, live)
serial = read(gd.SERIAL)
check('serial', serial == b'QEMU-1', serial)

values = {}


def on_changed(iface, changed, inv, path=None):
    if 'Value' in changed:
        values.setdefault(str(path), []).append(bytes(changed['Value']))


bus.add_signal_receiver(on_changed, 'PropertiesChanged', PROPS, 'org.bluez', None,
                        path_keyword='path', byte_arrays=True)
for u in (gd.LIVE, gd.ALERTS, gd.CONTROL, gd.RSC_MEASUREMENT, gd.STATUS):
    try:
        ch(u).StartNotify()
        check('subscribe ' + u, True)
    except dbus.exceptions.DBusException as e:
        check('subscribe ' + u, False, e)
pump(4)
check('live notifications', len(values.get(chars[gd.LIVE], [])) > 2, len(values.get(chars[gd.LIVE], [])))
check('rsc notifications', len(values.get(chars[gd.RSC_MEASUREMENT], [])) > 1,
      [gd.decode_rsc_measurement(v) for v in values.get(chars[gd.RSC_MEASUREMENT], [])[-1:]])
try:
    ch(gd.CONTROL).WriteValue(dbus.ByteArray(gd.encode_cp('set_threshold', 20, 9.5)), {})
    check('control point write (bonded)', True)
except dbus.exceptions.DBusException as e:
    check('control point write (bonded)', False, e)
pump(2)
resp = [gd.decode_cp_response(v) for v in values.get(chars[gd.CONTROL], [])]
check('control point indication', resp[:1] == [{'request': 4, 'result': 'success'}], resp)
try:
    ch(gd.CONTROL).WriteValue(dbus.ByteArray(b''), {})
    check('empty control point write refused', False)
except dbus.exceptions.DBusException as e:
    check('empty control point write refused', True, e.get_dbus_name() + ' ' + e.get_dbus_message())
try:
    ch(gd.PAIN).WriteValue(dbus.ByteArray(b'\x01\x0b\x00\x00'), {})
    check('pain out of range refused', False)
except dbus.exceptions.DBusException as e:
    check('pain out of range refused', True, e.get_dbus_name() + ' ' + e.get_dbus_message())
try:
    ch(gd.PAIN).WriteValue(dbus.ByteArray(gd.encode_pain(3, 'front', 'during')), {})
    check('pain report', True)
except dbus.exceptions.DBusException as e:
    check('pain report', False, e)
for _ in range(60):
    if values.get(chars[gd.ALERTS]):
        break
    pump(1)
alerts = [gd.decode_alert(v) for v in values.get(chars[gd.ALERTS], [])]
check('hyperextension alert indicated', any(a['kind'] == 'hyperextension' for a in alerts), alerts)
devi.Disconnect()
log('SUMMARY', sum(ok for _, ok in results), 'of', len(results), 'passed')
sys.exit(0 if all(ok for _, ok in results) else 1)
