'''bluetoothd stand-in for kneed's BLE tests (a python-dbusmock template).

python-dbusmock's stock bluez5 template has AgentManager1, Adapter1 and
Device1.  This template adds what a peripheral talks to, behaving as
bluetoothd 5.66 does (src/gatt-database.c, src/advertising.c,
src/shared/ad.c, src/agent.c):

- GattManager1.RegisterApplication is asynchronous: it calls
  GetManagedObjects back on the caller, validates services,
  characteristics, flags and UUIDs, and only then replies.
  AlreadyExists / DoesNotExist per (caller, path), as bluetoothd.
- LEAdvertisingManager1.RegisterAdvertisement reads the advertisement with
  GetAll, builds the advertising data and scan response byte by byte and
  refuses data that does not fit MaxAdvLen, as bluetoothd's legacy path.
- AgentManager1 keyed by caller; registrations of a caller that leaves the
  bus are dropped, as bluetoothd does.
- "Phone" helpers on org.bluez.Mock (Att*, PairJustWorks) go through the
  application exactly as bluetoothd would: permission checks from the
  flags, the options bluetoothd passes, D-Bus errors mapped to ATT error
  codes, CCC writes turned into StartNotify / StopNotify with bluetoothd's
  counting, notifications recorded per subscribed device and indications
  confirmed.

It relies on dbusmock internals (the methods table of DBusMockObject), so it
is pinned to the Debian 12 version.
'''

import re
import time

import dbus
import dbus.exceptions
from gi.repository import GLib

import dbusmock
from dbusmock import mockobject
from dbusmock.templates import bluez5

DBUSMOCK_VERSION = '0.28.7'
if dbusmock.__version__ != DBUSMOCK_VERSION:
    raise ImportError(f'bluez_mock.py needs python-dbusmock {DBUSMOCK_VERSION}, '
                      f'this is {dbusmock.__version__}')

BUS_NAME = 'org.bluez'
MAIN_OBJ = '/'
SYSTEM_BUS = True
IS_OBJECT_MANAGER = True

MOCK_IFACE = 'org.bluez.Mock'
OM_IFACE = 'org.freedesktop.DBus.ObjectManager'
PROPS_IFACE = 'org.freedesktop.DBus.Properties'
ADAPTER_IFACE = 'org.bluez.Adapter1'
DEVICE_IFACE = 'org.bluez.Device1'
GATT_MANAGER_IFACE = 'org.bluez.GattManager1'
ADV_MANAGER_IFACE = 'org.bluez.LEAdvertisingManager1'
AGENT_MANAGER_IFACE = 'org.bluez.AgentManager1'
SERVICE_IFACE = 'org.bluez.GattService1'
CHRC_IFACE = 'org.bluez.GattCharacteristic1'
DESC_IFACE = 'org.bluez.GattDescriptor1'
ADV_IFACE = 'org.bluez.LEAdvertisement1'
AGENT_IFACE = 'org.bluez.Agent1'

# parse_chrc_flags() / parse_desc_flags() of bluetoothd 5.66
CHRC_FLAGS = {
    'broadcast', 'read', 'write-without-response', 'write', 'notify', 'indicate',
    'authenticated-signed-writes', 'extended-properties', 'reliable-write',
    'writable-auxiliaries', 'encrypt-read', 'encrypt-write', 'encrypt-notify',
    'encrypt-indicate', 'encrypt-authenticated-read', 'encrypt-authenticated-write',
    'encrypt-authenticated-notify', 'encrypt-authenticated-indicate', 'secure-read',
    'secure-write', 'secure-notify', 'secure-indicate', 'authorize',
}
DESC_FLAGS = {
    'read', 'write', 'encrypt-read', 'encrypt-write', 'encrypt-authenticated-read',
    'encrypt-authenticated-write', 'secure-read', 'secure-write', 'authorize',
}
CAPABILITIES = {'DisplayOnly', 'DisplayYesNo', 'KeyboardOnly', 'NoInputNoOutput',
                'KeyboardDisplay', ''}

UUID128 = re.compile(r'^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$')
BASE_SUFFIX = '-0000-1000-8000-00805f9b34fb'

# ATT
ATT_READ_NOT_PERMITTED = 0x02
ATT_WRITE_NOT_PERMITTED = 0x03
ATT_AUTHENTICATION = 0x05
ATT_UNLIKELY = 0x0e
ATT_INSUFFICIENT_ENCRYPTION = 0x0f
CCC_IMPROPERLY_CONFIGURED = 0xfd

# state of the fake bluetoothd (module globals live in the mock process)
apps = {}          # (adapter, sender, path) -> App, or None while registering
advs = {}          # (adapter, sender, path) -> dict
agents = {}        # sender -> (path, capability)
default_agent = [None]
events = []        # (monotonic time, kind, detail)
watched = {}       # sender -> name watch
devices = {}       # device path -> {'security': 1..3}
notifications = []  # (monotonic time, device, characteristic path, value bytes)
received = []      # (monotonic time, sender, characteristic path, value bytes): every Value seen
ccc = {}           # (device, characteristic path) -> 0/1/2
ntfy_cnt = {}      # characteristic path -> bluetoothd's chrc->ntfy_cnt


def bluez_error(name, msg):
    return dbus.exceptions.DBusException(msg, name='org.bluez.Error.' + name)


def event(kind, detail=''):
    events.append((time.monotonic(), kind, str(detail)))


def uuid_kind(uuid):
    '''16, 32 or 128 as bt_string_to_uuid() would parse it; None if invalid.'''
    u = str(uuid)
    if re.fullmatch(r'[0-9a-fA-F]{4}', u) or re.fullmatch(r'0x[0-9a-fA-F]{4}', u):
        return 16
    if re.fullmatch(r'[0-9a-fA-F]{8}', u):
        return 32
    if UUID128.match(u):
        if u.lower().endswith(BASE_SUFFIX):
            return 16 if u.lower().startswith('0000') else 32
        return 128
    return None


def uuid16_value(uuid):
    u = str(uuid).lower()
    return int(u[4:8], 16) if UUID128.match(u) else int(u.replace('0x', ''), 16)


def uuid_le_bytes(uuid):
    '''The UUID as it goes over the air (little-endian).'''
    kind = uuid_kind(uuid)
    u = str(uuid).lower()
    if kind == 16:
        return uuid16_value(u).to_bytes(2, 'little')
    if kind == 32:
        return int(u[0:8] if UUID128.match(u) else u, 16).to_bytes(4, 'little')
    return bytes.fromhex(u.replace('-', ''))[::-1]


def adapter_of(path):
    m = re.match(r'^(/org/bluez/[^/]+)', str(path))
    return m.group(1) if m else None


def watch_sender(obj, sender):
    '''bluetoothd drops what a client registered when it leaves the bus.'''
    if sender in watched:
        return

    def owner_changed(new_owner):
        if new_owner:
            return
        event('client-left', sender)
        for key in [k for k in apps if k[1] == sender]:
            del apps[key]
            event('app-unregistered', key[2])
        for key in [k for k in advs if k[1] == sender]:
            del advs[key]
            update_instances(key[0])
            event('adv-unregistered', key[2])
        if sender in agents:
            del agents[sender]
            if default_agent[0] and default_agent[0][0] == sender:
                default_agent[0] = None
        w = watched.pop(sender, None)
        if w:
            w.cancel()

    watched[sender] = obj.connection.watch_name_owner(sender, owner_changed)


def add_method(obj, iface, name, fn):
    '''Install a dbus-python method (async callbacks, sender keyword) on a
    mock object: dbusmock dispatches through its methods table.'''
    obj.methods.setdefault(iface, {})[name] = (fn._dbus_in_signature, fn._dbus_out_signature, '', fn)


# ---- GATT ----

class App:
    def __init__(self, adapter, sender, path, objects):
        self.adapter = adapter
        self.sender = sender
        self.path = path
        self.objects = objects
        self.services = {}
        self.chrcs = {}
        self.descs = {}


def parse_app(adapter, sender, path, objects):
    '''client_ready_cb() of bluetoothd: returns an App or raises Failed.'''
    if not objects:
        raise bluez_error('Failed', 'No object received')
    app = App(adapter, sender, path, objects)
    for opath, ifaces in objects.items():
        if SERVICE_IFACE in ifaces:
            app.services[str(opath)] = ifaces[SERVICE_IFACE]
    for opath, ifaces in objects.items():
        if CHRC_IFACE in ifaces:
            app.chrcs[str(opath)] = ifaces[CHRC_IFACE]
        if DESC_IFACE in ifaces:
            app.descs[str(opath)] = ifaces[DESC_IFACE]
    if not app.services:
        raise bluez_error('Failed', 'No valid service object found')
    for spath, props in app.services.items():
        uuid = props.get('UUID')
        if uuid is None or uuid_kind(uuid) is None:
            raise bluez_error('Failed', f'Failed to read "UUID" property of service {spath}')
        if uuid_kind(uuid) == 16 and uuid16_value(uuid) in (0x1800, 0x1801):
            raise bluez_error('Failed', 'GAP and GATT services must be handled by BlueZ')
        if not isinstance(props.get('Primary'), dbus.Boolean):
            raise bluez_error('Failed', f'Failed to read "Primary" property of service {spath}')
    for cpath, props in app.chrcs.items():
        if str(props.get('Service', '')) not in app.services:
            raise bluez_error('Failed', f'Unable to find service for characteristic: {cpath}')
        if uuid_kind(props.get('UUID', '')) is None:
            raise bluez_error('Failed', f'Failed to read "UUID" property of characteristic {cpath}')
        flags = props.get('Flags')
        if flags is None or not flags or any(str(f) not in CHRC_FLAGS for f in flags):
            raise bluez_error('Failed', f'Failed to parse characteristic properties of {cpath}')
        if 'Handle' in props and not isinstance(props['Handle'], dbus.UInt16):
            raise bluez_error('Failed', 'Failed to read "Handle" property of characteristic')
    for dpath, props in app.descs.items():
        if str(props.get('Characteristic', '')) not in app.chrcs:
            raise bluez_error('Failed', f'Unable to find characteristic for descriptor: {dpath}')
        flags = props.get('Flags') or []
        if any(str(f) not in DESC_FLAGS for f in flags):
            raise bluez_error('Failed', f'Failed to parse descriptor properties of {dpath}')
    return app


@dbus.service.method(GATT_MANAGER_IFACE, in_signature='oa{sv}', out_signature='',
                     sender_keyword='sender', async_callbacks=('ok', 'err'))
def RegisterApplication(self, path, options, sender=None, ok=None, err=None):
    key = (self.path, str(sender), str(path))
    if key in apps:
        event('app-already-exists', path)
        err(bluez_error('AlreadyExists', 'Already Exists'))
        return
    apps[key] = None
    watch_sender(self, str(sender))
    event('app-register-call', path)

    def got_objects(objects):
        if key not in apps:     # the client left meanwhile
            return
        try:
            app = parse_app(self.path, str(sender), str(path), objects)
        except dbus.exceptions.DBusException as e:
            del apps[key]
            event('app-register-error', e.get_dbus_message())
            err(e)
            return
        apps[key] = app
        event('app-registered', path)
        watch_app(self, app)
        ok()

    def failed(e):
        apps.pop(key, None)
        event('app-register-error', e)
        err(bluez_error('Failed', 'No object received'))

    # GDBusClient: GetManagedObjects on the application path of the caller.
    self.connection.call_async(str(sender), str(path), OM_IFACE, 'GetManagedObjects', '', (),
                               got_objects, failed, timeout=10, byte_arrays=True)


@dbus.service.method(GATT_MANAGER_IFACE, in_signature='o', out_signature='',
                     sender_keyword='sender')
def UnregisterApplication(self, path, sender=None):
    key = (self.path, str(sender), str(path))
    if not apps.get(key):
        raise bluez_error('DoesNotExist', 'Does Not Exist')
    del apps[key]
    event('app-unregistered', path)


def app_for_chrc(chr_path):
    for app in apps.values():
        if app and chr_path in app.chrcs:
            return app
    return None


def watch_app(obj, app):
    bus = obj.connection

    def interfaces_removed(opath, ifaces, path=None):
        if str(opath).startswith(app.path) and apps.get((app.adapter, app.sender, app.path)) is app:
            # bluetoothd unregisters the service at once
            del apps[(app.adapter, app.sender, app.path)]
            event('app-unregistered-interfaces-removed', opath)

    def props_changed(iface, changed, invalidated, path=None):
        if iface != CHRC_IFACE or 'Value' not in changed or path not in app.chrcs:
            return
        if apps.get((app.adapter, app.sender, app.path)) is not app:
            return
        now = time.monotonic()
        value = bytes(changed['Value'])
        received.append((now, app.sender, path, value))
        flags = {str(f) for f in app.chrcs[path]['Flags']}
        indicate = bool(flags & {'indicate', 'encrypt-indicate', 'encrypt-authenticated-indicate',
                                 'secure-indicate'})
        delivered = False
        for (device, cpath), v in ccc.items():
            if cpath != path or not v:
                continue
            # send_notification_to_device(): indications need bit 1
            if indicate and not v & 2:
                continue
            notifications.append((now, device, path, value))
            delivered = True
        if indicate and delivered:
            # the phone confirmed: bluetoothd calls Confirm (no reply)
            bus.call_async(app.sender, path, CHRC_IFACE, 'Confirm', '', (),
                           None, None)

    bus.add_signal_receiver(interfaces_removed, 'InterfacesRemoved', OM_IFACE, app.sender,
                            app.path, path_keyword='path')
    bus.add_signal_receiver(props_changed, 'PropertiesChanged', PROPS_IFACE, app.sender,
                            None, path_keyword='path', byte_arrays=True)


def chrc_perms(props):
    flags = {str(f) for f in props['Flags']}
    return {
        'read': bool(flags & {'read', 'encrypt-read', 'encrypt-authenticated-read', 'secure-read'}),
        'write': bool(flags & {'write', 'write-without-response', 'encrypt-write',
                               'encrypt-authenticated-write', 'secure-write', 'reliable-write',
                               'authenticated-signed-writes'}),
        'read_sec': 3 if flags & {'encrypt-authenticated-read', 'secure-read'} else
                    2 if 'encrypt-read' in flags else 1,
        'write_sec': 3 if flags & {'encrypt-authenticated-write', 'secure-write'} else
                     2 if 'encrypt-write' in flags else 1,
        'ccc_sec': 3 if flags & {'encrypt-authenticated-notify', 'encrypt-authenticated-indicate',
                                 'secure-notify', 'secure-indicate'} else
                   2 if flags & {'encrypt-notify', 'encrypt-indicate'} else 1,
        'notify': bool(flags & {'notify', 'encrypt-notify', 'encrypt-authenticated-notify',
                                'secure-notify'}),
        'indicate': bool(flags & {'indicate', 'encrypt-indicate',
                                  'encrypt-authenticated-indicate', 'secure-indicate'}),
    }


def security_error(needed, device):
    '''check_permissions() of gatt-server.c.'''
    have = devices.get(str(device), {}).get('security', 1)
    if needed >= 3 and have < 3:
        return ATT_AUTHENTICATION
    if needed >= 2 and have < 2:
        return ATT_INSUFFICIENT_ENCRYPTION
    return 0


def att_ecode(name, message, perm_err):
    '''dbus_error_to_att_ecode() of bluetoothd 5.66.'''
    if name == 'org.bluez.Error.Failed':
        try:
            code = int(message, 0)
        except (TypeError, ValueError):
            return 0x80
        return code if 0x80 <= code <= 0x9f else ATT_UNLIKELY
    table = {
        'org.bluez.Error.NotSupported': 0x06,
        'org.bluez.Error.NotAuthorized': 0x08,
        'org.bluez.Error.InvalidValueLength': 0x0d,
        'org.bluez.Error.InvalidOffset': 0x07,
        'org.bluez.Error.InProgress': 0xfe,
        'org.bluez.Error.NotPermitted': perm_err,
    }
    return table.get(name, ATT_UNLIKELY)


def att_options(device, offset, mtu):
    '''append_options() of bluetoothd 5.66.'''
    opts = {'device': dbus.ObjectPath(device), 'link': dbus.String('LE'),
            'mtu': dbus.UInt16(mtu)}
    if offset:
        opts['offset'] = dbus.UInt16(offset)
    return dbus.Dictionary(opts, signature='sv')


@dbus.service.method(MOCK_IFACE, in_signature='ooqq', out_signature='yay',
                     async_callbacks=('ok', 'err'))
def AttRead(self, device, chr_path, offset, mtu, ok=None, err=None):
    '''One ATT Read (offset 0) or Read Blob as a phone sends it: returns the
    ATT error (0 = success) and the bytes of the response (MTU - 1 at most).'''
    app = app_for_chrc(str(chr_path))
    if not app:
        err(dbus.exceptions.DBusException(f'no registered characteristic {chr_path}',
                                          name=MOCK_IFACE + '.NoSuchCharacteristic'))
        return
    perms = chrc_perms(app.chrcs[str(chr_path)])
    if not perms['read']:
        ok(ATT_READ_NOT_PERMITTED, b'')
        return
    sec = security_error(perms['read_sec'], device)
    if sec:
        ok(sec, b'')
        return

    def reply(value):
        ok(0, dbus.ByteArray(bytes(value)[:512][:mtu - 1]))

    def failed(e):
        ok(att_ecode(e.get_dbus_name(), e.get_dbus_message(), ATT_READ_NOT_PERMITTED), b'')

    self.connection.call_async(app.sender, str(chr_path), CHRC_IFACE, 'ReadValue', 'a{sv}',
                               (att_options(device, offset, mtu),), reply, failed,
                               byte_arrays=True)


@dbus.service.method(MOCK_IFACE, in_signature='ooayqq', out_signature='y',
                     async_callbacks=('ok', 'err'))
def AttWrite(self, device, chr_path, value, offset, mtu, ok=None, err=None):
    '''An ATT Write Request (or Prepare Write at offset) as a phone sends it:
    returns the ATT error, 0 = success.'''
    app = app_for_chrc(str(chr_path))
    if not app:
        err(dbus.exceptions.DBusException(f'no registered characteristic {chr_path}',
                                          name=MOCK_IFACE + '.NoSuchCharacteristic'))
        return
    perms = chrc_perms(app.chrcs[str(chr_path)])
    if not perms['write']:
        ok(ATT_WRITE_NOT_PERMITTED)
        return
    sec = security_error(perms['write_sec'], device)
    if sec:
        ok(sec)
        return
    if len(value) > mtu - 3 and not offset:
        ok(0x0d)   # a Write Request cannot carry more; phones use long writes
        return

    def failed(e):
        ok(att_ecode(e.get_dbus_name(), e.get_dbus_message(), ATT_WRITE_NOT_PERMITTED))

    self.connection.call_async(app.sender, str(chr_path), CHRC_IFACE, 'WriteValue', 'aya{sv}',
                               (dbus.ByteArray(bytes(value)), att_options(device, offset, mtu)),
                               lambda: ok(0), failed)


@dbus.service.method(MOCK_IFACE, in_signature='ooq', out_signature='y')
def AttSubscribe(self, device, chr_path, value):
    '''A write of the CCCD (0 off, 1 notifications, 2 indications), as
    gatt_ccc_write_cb() + ccc_write_cb() handle it: StartNotify for each
    enable, StopNotify when the last subscriber leaves.  Returns the ATT
    error.'''
    path = str(chr_path)
    app = app_for_chrc(path)
    if not app:
        raise dbus.exceptions.DBusException(f'no registered characteristic {path}',
                                            name=MOCK_IFACE + '.NoSuchCharacteristic')
    perms = chrc_perms(app.chrcs[path])
    if not perms['notify'] and not perms['indicate']:
        return 0x0a    # no CCCD: Attribute Not Found
    sec = security_error(perms['ccc_sec'], device)
    if sec:
        return sec
    key = (str(device), path)
    old = ccc.get(key, 0)
    if value == old:
        return 0
    if value == 0:
        ccc[key] = 0
        if ntfy_cnt.get(path):
            ntfy_cnt[path] -= 1
            if ntfy_cnt[path] == 0:
                self.connection.call_async(app.sender, path, CHRC_IFACE, 'StopNotify', '', (),
                                           None, None)
        return 0
    if value > 2 or (value == 1 and not perms['notify']) or (value == 2 and not perms['indicate']):
        return CCC_IMPROPERLY_CONFIGURED
    ntfy_cnt[path] = ntfy_cnt.get(path, 0) + 1
    self.connection.call_async(app.sender, path, CHRC_IFACE, 'StartNotify', '', (),
                               None, None)
    ccc[key] = value
    return 0


@dbus.service.method(MOCK_IFACE, in_signature='o', out_signature='')
def DisconnectPhone(self, device):
    '''att_disconnected(): an unbonded device loses its CCC states.'''
    dev = mockobject.objects.get(str(device))
    bonded = dev is not None and bool(dev.props[DEVICE_IFACE].get('Bonded', False))
    if bonded:
        return
    for (d, path), v in list(ccc.items()):
        if d == str(device) and v:
            self.AttSubscribe(device, path, 0)


@dbus.service.method(MOCK_IFACE, in_signature='', out_signature='a(dsoay)')
def GetNotifications(self):
    '''Values delivered to subscribed devices: (time, device, characteristic, value).'''
    return dbus.Array([(t, d, dbus.ObjectPath(p), dbus.ByteArray(v))
                       for t, d, p, v in notifications], signature='(dsoay)')


@dbus.service.method(MOCK_IFACE, in_signature='', out_signature='a(dsoay)')
def GetReceivedValues(self):
    '''Every Value change the applications sent: (time, sender, characteristic, value).'''
    return dbus.Array([(t, s, dbus.ObjectPath(p), dbus.ByteArray(v))
                       for t, s, p, v in received], signature='(dsoay)')


@dbus.service.method(MOCK_IFACE, in_signature='', out_signature='')
def ClearNotifications(self):
    del notifications[:]
    del received[:]


@dbus.service.method(MOCK_IFACE, in_signature='', out_signature='a(dss)')
def GetEvents(self):
    return dbus.Array(events, signature='(dss)')


@dbus.service.method(MOCK_IFACE, in_signature='s', out_signature='a(so)')
def GetApplications(self, adapter):
    return dbus.Array([(s, dbus.ObjectPath(p)) for (a, s, p), app in apps.items()
                       if a == '/org/bluez/' + adapter and app], signature='(so)')


@dbus.service.method(MOCK_IFACE, in_signature='so', out_signature='a{oa{sa{sv}}}')
def GetApplicationObjects(self, adapter, path):
    '''What bluetoothd read with GetManagedObjects at registration.'''
    for (a, _s, p), app in apps.items():
        if a == '/org/bluez/' + adapter and p == str(path) and app:
            return app.objects
    raise bluez_error('DoesNotExist', 'Does Not Exist')


# ---- advertising ----

def update_instances(adapter):
    obj = mockobject.objects.get(adapter)
    if not obj or ADV_MANAGER_IFACE not in obj.props:
        return
    active = len([k for k in advs if k[0] == adapter])
    total = int(obj.max_instances)
    obj.props[ADV_MANAGER_IFACE]['ActiveInstances'] = dbus.Byte(active)
    obj.props[ADV_MANAGER_IFACE]['SupportedInstances'] = dbus.Byte(total - active)
    obj.EmitSignal(PROPS_IFACE, 'PropertiesChanged', 'sa{sv}as', [
        ADV_MANAGER_IFACE,
        {'ActiveInstances': dbus.Byte(active, variant_level=1),
         'SupportedInstances': dbus.Byte(total - active, variant_level=1)},
        []])


def ad_structure(ad_type, payload):
    return bytes([len(payload) + 1, ad_type]) + payload


def build_advertisement(adapter_obj, props):
    '''parse_advertisement() + refresh_legacy_adv() of bluetoothd 5.66:
    returns (advertising data, scan response) or raises Failed.'''
    fail = bluez_error('Failed', 'Failed to parse advertisement.')
    caps = adapter_obj.props[ADV_MANAGER_IFACE]['SupportedCapabilities']
    max_adv = int(caps.get('MaxAdvLen', 31))
    max_scan = int(caps.get('MaxScnRspLen', 31))
    supported = [str(s) for s in adapter_obj.props[ADV_MANAGER_IFACE]['SupportedIncludes']]
    adapter_props = adapter_obj.props[ADAPTER_IFACE]

    adv_type = str(props.get('Type', 'broadcast'))
    if adv_type not in ('broadcast', 'peripheral'):
        raise fail
    includes = set()
    for inc in props.get('Includes', []):
        if str(inc) in supported:       # unsupported includes are skipped
            includes.add(str(inc))
    if 'LocalName' in props and 'local-name' in includes:
        raise fail                      # "Local name already included"
    if 'Appearance' in props and 'appearance' in includes:
        raise fail                      # "Appearance already included"
    flags = None
    if 'Discoverable' in props:
        if not isinstance(props['Discoverable'], dbus.Boolean):
            raise fail
        if props['Discoverable']:
            flags = 0x02
        elif adv_type != 'broadcast':
            flags = 0x00
        if flags is not None:
            if adv_type == 'broadcast' and flags & 0x03:
                raise fail              # "Broadcast cannot set flags"
            # BR/EDR Not Supported: LE-only, or the adapter is not discoverable
            if not adapter_props.get('Discoverable', False):
                flags |= 0x04

    data = b''
    if flags is not None:
        data += ad_structure(0x01, bytes([flags]))
    uuids = [str(u) for u in props.get('ServiceUUIDs', [])]
    for u in uuids:
        if uuid_kind(u) is None:
            raise fail
    for kind, ad_type in ((16, 0x03), (32, 0x05), (128, 0x07)):
        group = b''.join(uuid_le_bytes(u) for u in uuids if uuid_kind(u) == kind)
        if group:
            data += ad_structure(ad_type, group)
    for u in props.get('SolicitUUIDs', []):
        data += ad_structure({16: 0x14, 32: 0x1f, 128: 0x15}[uuid_kind(u)], uuid_le_bytes(u))
    for company, mdata in props.get('ManufacturerData', {}).items():
        data += ad_structure(0xff, int(company).to_bytes(2, 'little') + bytes(mdata))
    for u, sdata in props.get('ServiceData', {}).items():
        data += ad_structure({16: 0x16, 32: 0x20, 128: 0x21}[uuid_kind(u)],
                             uuid_le_bytes(u) + bytes(sdata))
    for ad_type, adata in props.get('Data', {}).items():
        data += ad_structure(int(ad_type), bytes(adata))
    if 'Appearance' in props:
        data += ad_structure(0x19, int(props['Appearance']).to_bytes(2, 'little'))

    # calc_max_adv_len(): room the kernel takes for what it adds itself
    room = max_adv
    if 'tx-power' in includes:
        room -= 3
    discov_by_kernel = (adv_type == 'peripheral' and adapter_props.get('Discoverable', False)
                        and flags is None)
    if discov_by_kernel:
        room -= 3
    if 'appearance' in includes:
        room -= 4
    if len(data) > room or len(data) > 31:
        raise fail                      # "Advertising data too long"

    scan = b''
    name = None
    if 'LocalName' in props and str(props['LocalName']):
        name = str(props['LocalName']).encode()
    elif 'local-name' in includes:
        name = str(adapter_props.get('Alias', '')).encode()
    if name:
        if len(name) > max_scan - 2:
            scan += ad_structure(0x08, name[:max_scan - 2])      # shortened
        else:
            scan += ad_structure(0x09, name)                     # complete
    return data, scan


@dbus.service.method(ADV_MANAGER_IFACE, in_signature='oa{sv}', out_signature='',
                     sender_keyword='sender', async_callbacks=('ok', 'err'))
def RegisterAdvertisement(self, path, options, sender=None, ok=None, err=None):
    key = (self.path, str(sender), str(path))
    if key in advs:
        event('adv-already-exists', path)
        err(bluez_error('AlreadyExists', 'Already Exists'))
        return
    if len([k for k in advs if k[0] == self.path]) >= int(self.max_instances):
        err(bluez_error('NotPermitted', 'Maximum advertisements reached'))
        return
    advs[key] = None
    watch_sender(self, str(sender))

    def got_props(props):
        if key not in advs:
            return
        try:
            data, scan = build_advertisement(self, props)
        except dbus.exceptions.DBusException as e:
            del advs[key]
            event('adv-register-error', e.get_dbus_message())
            err(e)
            return
        advs[key] = {'props': props, 'data': data, 'scan': scan}
        update_instances(self.path)
        event('adv-registered', path)
        ok()

    def failed(e):
        advs.pop(key, None)
        event('adv-register-error', e)
        err(bluez_error('Failed', 'Failed to register advertisement'))

    self.connection.call_async(str(sender), str(path), PROPS_IFACE, 'GetAll', 's', (ADV_IFACE,),
                               got_props, failed, timeout=10, byte_arrays=True)


@dbus.service.method(ADV_MANAGER_IFACE, in_signature='o', out_signature='',
                     sender_keyword='sender')
def UnregisterAdvertisement(self, path, sender=None):
    key = (self.path, str(sender), str(path))
    if not advs.get(key):
        raise bluez_error('DoesNotExist', 'Does Not Exist')
    del advs[key]
    update_instances(self.path)
    event('adv-unregistered', path)


@dbus.service.method(MOCK_IFACE, in_signature='s', out_signature='a(soa{sv}ayay)')
def GetAdvertisements(self, adapter):
    '''(owner, path, properties read, advertising data, scan response).'''
    return dbus.Array([(s, dbus.ObjectPath(p), dbus.Dictionary(a['props'], signature='sv'),
                        dbus.ByteArray(a['data']), dbus.ByteArray(a['scan']))
                       for (ad, s, p), a in advs.items() if ad == '/org/bluez/' + adapter and a],
                      signature='(soa{sv}ayay)')


@dbus.service.method(MOCK_IFACE, in_signature='syyyas', out_signature='')
def SetAdvCapabilities(self, adapter, max_adv_len, max_scan_rsp_len, instances, includes):
    obj = mockobject.objects['/org/bluez/' + adapter]
    obj.max_instances = int(instances)
    caps = dbus.Dictionary({'MaxAdvLen': dbus.Byte(max_adv_len),
                            'MaxScnRspLen': dbus.Byte(max_scan_rsp_len)}, signature='sv')
    obj.props[ADV_MANAGER_IFACE]['SupportedCapabilities'] = caps
    obj.props[ADV_MANAGER_IFACE]['SupportedIncludes'] = dbus.Array(includes, signature='s')
    obj.EmitSignal(PROPS_IFACE, 'PropertiesChanged', 'sa{sv}as', [
        ADV_MANAGER_IFACE,
        {'SupportedCapabilities': dbus.Dictionary(caps, signature='sv', variant_level=1),
         'SupportedIncludes': dbus.Array(includes, signature='s', variant_level=1)},
        []])
    update_instances(obj.path)


# ---- agents ----

@dbus.service.method(AGENT_MANAGER_IFACE, in_signature='os', out_signature='',
                     sender_keyword='sender')
def RegisterAgent(self, path, capability, sender=None):
    if str(sender) in agents:
        event('agent-already-exists', path)
        raise bluez_error('AlreadyExists', 'Already Exists')
    if str(capability) not in CAPABILITIES:
        raise bluez_error('InvalidArguments', 'Invalid arguments in method call')
    agents[str(sender)] = (str(path), str(capability) or 'KeyboardDisplay')
    watch_sender(self, str(sender))
    event('agent-registered', f'{path} {capability}')


@dbus.service.method(AGENT_MANAGER_IFACE, in_signature='o', out_signature='',
                     sender_keyword='sender')
def UnregisterAgent(self, path, sender=None):
    if agents.get(str(sender), (None,))[0] != str(path):
        raise bluez_error('DoesNotExist', 'Does Not Exist')
    del agents[str(sender)]
    if default_agent[0] == (str(sender), str(path)):
        default_agent[0] = None
    event('agent-unregistered', path)


@dbus.service.method(AGENT_MANAGER_IFACE, in_signature='o', out_signature='',
                     sender_keyword='sender')
def RequestDefaultAgent(self, path, sender=None):
    if agents.get(str(sender), (None,))[0] != str(path):
        raise bluez_error('DoesNotExist', 'Does Not Exist')
    default_agent[0] = (str(sender), str(path))
    event('default-agent', path)


@dbus.service.method(MOCK_IFACE, in_signature='', out_signature='a(sos)')
def GetAgents(self):
    return dbus.Array([(s, dbus.ObjectPath(p), c) for s, (p, c) in agents.items()],
                      signature='(sos)')


@dbus.service.method(MOCK_IFACE, in_signature='ss', out_signature='s',
                     async_callbacks=('ok', 'err'))
def PairJustWorks(self, adapter, address, ok=None, err=None):
    '''A phone pairs (Just Works, with bonding).  bluetoothd refuses when the
    adapter is not pairable (the kernel is not bondable); otherwise it asks
    the default agent with RequestAuthorization.  Returns "bonded",
    "not-pairable" or "rejected: <error>".'''
    adapter_obj = mockobject.objects['/org/bluez/' + adapter]
    dev_path = ensure_device(self, adapter, address)
    if not adapter_obj.props[ADAPTER_IFACE].get('Pairable', False):
        event('pairing-refused-not-pairable', dev_path)
        ok('not-pairable')
        return
    if not default_agent[0]:
        ok('rejected: no agent')
        return
    sender, agent_path = default_agent[0]

    def accepted():
        set_bonded(dev_path, True)
        event('bonded', dev_path)
        ok('bonded')

    def rejected(e):
        event('pairing-rejected', f'{dev_path} {e.get_dbus_name()}')
        ok('rejected: ' + e.get_dbus_name())

    self.connection.call_async(sender, agent_path, AGENT_IFACE, 'RequestAuthorization', 'o',
                               (dbus.ObjectPath(dev_path),), accepted, rejected)


@dbus.service.method(MOCK_IFACE, in_signature='sav', out_signature='s',
                     async_callbacks=('ok', 'err'))
def AskAgent(self, method, args, ok=None, err=None):
    '''Calls a method of the default agent as bluetoothd does; returns "ok"
    or the D-Bus error name.'''
    if not default_agent[0]:
        ok('no agent')
        return
    sender, agent_path = default_agent[0]
    signatures = {'RequestAuthorization': 'o', 'RequestConfirmation': 'ou',
                  'RequestPasskey': 'o', 'RequestPinCode': 'o', 'DisplayPasskey': 'ouq',
                  'AuthorizeService': 'os', 'Cancel': '', 'Release': ''}
    self.connection.call_async(sender, agent_path, AGENT_IFACE, str(method),
                               signatures[str(method)], tuple(args),
                               lambda *_: ok('ok'), lambda e: ok(e.get_dbus_name()))


def ensure_device(root, adapter, address):
    path = f'/org/bluez/{adapter}/dev_' + address.replace(':', '_').upper()
    if path not in mockobject.objects:
        bluez5.AddDevice(root, adapter, address, 'Phone ' + address[-5:])
        dev = mockobject.objects[path]
        dev.AddProperty(DEVICE_IFACE, 'Bonded', dbus.Boolean(False, variant_level=1))
    devices.setdefault(path, {'security': 1})
    return path


def set_bonded(path, bonded):
    dev = mockobject.objects[path]
    dev.UpdateProperties(DEVICE_IFACE, {'Paired': dbus.Boolean(bonded),
                                        'Bonded': dbus.Boolean(bonded)})
    devices.setdefault(path, {})['security'] = 2 if bonded else 1


@dbus.service.method(MOCK_IFACE, in_signature='ssbq', out_signature='o')
def AddPhone(self, adapter, address, bonded, security):
    '''A connected phone: bonded or not, with its link security level
    (1 open, 2 encrypted, 3 encrypted with MITM protection).  A bonded
    phone is one the wearer confirmed earlier: Trusted, as kneed marks it
    (set before the bond appears, as bluetoothd loads both together).'''
    path = ensure_device(self, adapter, address)
    if bonded:
        mockobject.objects[path].UpdateProperties(DEVICE_IFACE, {'Trusted': dbus.Boolean(True)})
        set_bonded(path, True)
    devices[path]['security'] = int(security)
    return path


@dbus.service.method(MOCK_IFACE, in_signature='ss', out_signature='o')
def BondDirectly(self, adapter, address):
    '''A bond made without kneed's agent being asked (a second pairing
    that raced the first, or another agent's): Paired and Bonded, not
    Trusted.'''
    path = ensure_device(self, adapter, address)
    set_bonded(path, True)
    event('bonded', path)
    return path


@dbus.service.method(ADAPTER_IFACE, in_signature='o', out_signature='')
def AdapterRemoveDevice(self, path):
    '''Adapter1.RemoveDevice: the bond and the device go, with its link
    and the CCC states of its link (btd_adapter_remove_device()).'''
    path = str(path)
    if path not in mockobject.objects or not path.startswith(self.path + '/'):
        raise bluez_error('DoesNotExist', 'Does Not Exist')
    for (d, cpath), v in list(ccc.items()):
        if d == path and v:
            AttSubscribe(self, d, cpath, 0)
    devices.pop(path, None)
    bluez5.RemoveDevice(self, path)
    event('device-removed', path)


# ---- adapters ----

refused_sets = {}   # (adapter path, property) -> number of Set calls still to refuse
held_sets = {}      # (adapter path, property) -> number of Set calls whose change is to be held
pending_sets = {}   # (adapter path, property) -> completes the held change and replies


def set_detail(path, prop, value, sender):
    if isinstance(value, dbus.Boolean):
        value = 'true' if value else 'false'
    return f'{path} {prop} {value} {sender}'


@dbus.service.method(PROPS_IFACE, in_signature='ssv', out_signature='', sender_keyword='sender',
                     async_callbacks=('ok', 'err'))
def AdapterSet(self, interface_name, property_name, value, sender=None, ok=None, err=None):
    '''Properties.Set of an adapter, as bluetoothd 5.66's property_set_mode():
    a setting is changed through the kernel and answered when the kernel
    has done it; a Set of the same setting meanwhile is answered Busy.
    bluetoothd answers Busy too while it changes a setting itself (seen
    while powering up: RefuseSet).  HoldSet keeps a change pending until
    ReleaseSet.  Every call is an event set-call "path property value
    sender".'''
    key = (self.path, str(property_name))
    detail = set_detail(self.path, property_name, value, sender)
    event('set-call', detail)
    if key in pending_sets:
        event('set-busy', detail)
        err(bluez_error('Busy', ''))
        return
    if refused_sets.get(key):
        refused_sets[key] -= 1
        event('set-refused', f'{self.path} {property_name}')
        err(bluez_error('Busy', ''))
        return

    def complete():
        try:
            mockobject.DBusMockObject.Set(self, interface_name, property_name, value)
        except dbus.exceptions.DBusException as e:
            err(e)
            return
        ok()

    if held_sets.get(key):
        held_sets[key] -= 1
        pending_sets[key] = complete
        event('set-held', detail)
        return
    complete()


@dbus.service.method(MOCK_IFACE, in_signature='ssu', out_signature='')
def RefuseSet(self, adapter, prop, times):
    refused_sets[('/org/bluez/' + adapter, str(prop))] = int(times)


@dbus.service.method(MOCK_IFACE, in_signature='ssu', out_signature='')
def HoldSet(self, adapter, prop, times):
    held_sets[('/org/bluez/' + adapter, str(prop))] = int(times)


@dbus.service.method(MOCK_IFACE, in_signature='ss', out_signature='')
def ReleaseSet(self, adapter, prop):
    '''The kernel has made the held change: the adapter takes the value
    (PropertiesChanged), then the Set is answered.'''
    complete = pending_sets.pop(('/org/bluez/' + adapter, str(prop)), None)
    if complete is None:
        raise bluez_error('DoesNotExist', f'no {prop} change pending on {adapter}')
    event('set-released', f'/org/bluez/{adapter} {prop}')
    complete()


@dbus.service.method(bluez5.BLUEZ_MOCK_IFACE, in_signature='ss', out_signature='s')
def AddAdapter(self, device_name, system_name):
    '''The stock adapter plus what bluetoothd registers on it afterwards:
    GattManager1, then LEAdvertisingManager1 (once it has read the
    controller's advertising features).'''
    path = bluez5.AddAdapter(self, device_name, system_name)
    adapter = mockobject.objects[path]
    adapter.max_instances = 5
    add_method(adapter, PROPS_IFACE, 'Set', AdapterSet)
    add_method(adapter, ADAPTER_IFACE, 'RemoveDevice', AdapterRemoveDevice)
    adapter.props[GATT_MANAGER_IFACE] = {}
    add_method(adapter, GATT_MANAGER_IFACE, 'RegisterApplication', RegisterApplication)
    add_method(adapter, GATT_MANAGER_IFACE, 'UnregisterApplication', UnregisterApplication)
    adapter.props[ADV_MANAGER_IFACE] = {
        'ActiveInstances': dbus.Byte(0),
        'SupportedInstances': dbus.Byte(5),
        'SupportedIncludes': dbus.Array(['tx-power', 'appearance', 'local-name'], signature='s'),
        'SupportedFeatures': dbus.Array([], signature='s'),
        'SupportedCapabilities': dbus.Dictionary({'MaxAdvLen': dbus.Byte(31),
                                                  'MaxScnRspLen': dbus.Byte(31)},
                                                 signature='sv'),
    }
    add_method(adapter, ADV_MANAGER_IFACE, 'RegisterAdvertisement', RegisterAdvertisement)
    add_method(adapter, ADV_MANAGER_IFACE, 'UnregisterAdvertisement', UnregisterAdvertisement)
    self.EmitSignal(OM_IFACE, 'InterfacesAdded', 'oa{sa{sv}}', [
        dbus.ObjectPath(path), {GATT_MANAGER_IFACE: {}}])
    self.EmitSignal(OM_IFACE, 'InterfacesAdded', 'oa{sa{sv}}', [
        dbus.ObjectPath(path), {ADV_MANAGER_IFACE: adapter.props[ADV_MANAGER_IFACE]}])
    event('adapter-added', path)
    return path


@dbus.service.method(bluez5.BLUEZ_MOCK_IFACE, in_signature='s', out_signature='')
def RemoveAdapter(self, device_name):
    '''The adapter goes with everything registered on it; InterfacesRemoved
    lists all its interfaces, as bluetoothd's ObjectManager does.'''
    path = '/org/bluez/' + device_name
    adapter = mockobject.objects[path]
    ifaces = list(adapter.props.keys())
    for key in [k for k in apps if k[0] == path]:
        del apps[key]
    for key in [k for k in advs if k[0] == path]:
        del advs[key]
    for key in [k for k in pending_sets if k[0] == path]:
        del pending_sets[key]
    for dev in [p for p in mockobject.objects if p.startswith(path + '/')]:
        mockobject.objects[dev].remove_from_connection()
        del mockobject.objects[dev]
        devices.pop(dev, None)
        self.EmitSignal(OM_IFACE, 'InterfacesRemoved', 'oas', [dbus.ObjectPath(dev), [DEVICE_IFACE]])
    self.RemoveObject(path)
    self.EmitSignal(OM_IFACE, 'InterfacesRemoved', 'oas', [dbus.ObjectPath(path), ifaces])
    event('adapter-removed', path)


def load(mock, parameters):
    bluez5.load(mock, parameters)
    manager = mockobject.objects['/org/bluez']
    add_method(manager, AGENT_MANAGER_IFACE, 'RegisterAgent', RegisterAgent)
    add_method(manager, AGENT_MANAGER_IFACE, 'UnregisterAgent', UnregisterAgent)
    add_method(manager, AGENT_MANAGER_IFACE, 'RequestDefaultAgent', RequestDefaultAgent)
    manager.props.setdefault(AGENT_MANAGER_IFACE, {})
    # Held from the start: a client that acts on the adapter at once
    # would be faster than a HoldSet call.
    for adapter, prop in (parameters or {}).get('hold_sets', []):
        held_sets[('/org/bluez/' + str(adapter), str(prop))] = 1

    # dbusmock registers the root object once load() has returned, and the
    # stock AddAdapter needs it.
    def add_adapters():
        mockobject.objects.setdefault('/', mock)
        for name in (parameters or {}).get('adapters', []):
            AddAdapter(mock, str(name), 'kneed test host')
        event('ready')
        return False

    GLib.idle_add(add_adapters)
