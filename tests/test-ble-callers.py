#!/usr/bin/python3
'''Who may call kneed's BlueZ objects: bluetoothd alone (the current owner
of org.bluez).  A second client on the bus calls every method of the
application, its services and characteristics, the advertisement and the
agent, with options a phone's link would carry (a bonded device), and is
refused with org.bluez.Error.NotPermitted, changing nothing; the mock
bluetoothd's calls still work; a new owner of org.bluez is followed.  kneed
itself: with its API on the session bus (sharing the system bus' daemon or
a bus of its own) and on the system bus.'''

import dbus

import taprunner

from ble_testlib import BleTestCase, KneedTestCase, CHR, APP, gd, wait_until

NOT_PERMITTED = 'org.bluez.Error.NotPermitted'
CHRC_IFACE = 'org.bluez.GattCharacteristic1'
PROPS_IFACE = 'org.freedesktop.DBus.Properties'
SERVICES = [APP + '/knee', APP + '/rsc', APP + '/battery', APP + '/dis']
ADV = '/org/kneed/advertisement0'
AGENT = '/org/kneed/agent'


class Stranger:
    '''A process on the bus that is not bluetoothd.'''

    def __init__(self, address, dut):
        self.bus = dbus.bus.BusConnection(address)
        self.dut = dut

    def close(self):
        self.bus.close()

    def call(self, path, iface, method, signature='', *args):
        '''The D-Bus error name of the reply, or "ok".'''
        try:
            self.bus.call_blocking(self.dut, path, iface, method, signature, args, timeout=10)
        except dbus.exceptions.DBusException as e:
            return e.get_dbus_name()
        return 'ok'

    def get_all(self, path, iface):
        return self.bus.call_blocking(self.dut, path, PROPS_IFACE, 'GetAll', 's', (iface,),
                                      timeout=10)

    def every_call(self, device):
        '''(what, reply) for every method kneed's BlueZ objects have.'''
        opts = dbus.Dictionary({'device': dbus.ObjectPath(device), 'link': 'LE',
                                'mtu': dbus.UInt16(185)}, signature='sv')
        out = []
        for uuid, path in CHR.items():
            value = gd.encode_cp('start_session') if uuid == gd.CONTROL else b'\x01\x05\x00\x01'
            out += [
                (f'ReadValue {path}', self.call(path, CHRC_IFACE, 'ReadValue', 'a{sv}', opts)),
                (f'WriteValue {path}', self.call(path, CHRC_IFACE, 'WriteValue', 'aya{sv}',
                                                 dbus.ByteArray(value), opts)),
                (f'StartNotify {path}', self.call(path, CHRC_IFACE, 'StartNotify')),
                (f'StopNotify {path}', self.call(path, CHRC_IFACE, 'StopNotify')),
                (f'Get Value {path}', self.call(path, PROPS_IFACE, 'Get', 'ss', CHRC_IFACE,
                                                'Value')),
                (f'Get UUID {path}', self.call(path, PROPS_IFACE, 'Get', 'ss', CHRC_IFACE, 'UUID')),
            ]
        for path in SERVICES:
            out.append((f'Get UUID {path}', self.call(path, PROPS_IFACE, 'Get', 'ss',
                                                      'org.bluez.GattService1', 'UUID')))
        out.append(('GetManagedObjects', self.call(APP, 'org.freedesktop.DBus.ObjectManager',
                                                   'GetManagedObjects')))
        out.append(('advertisement Release', self.call(ADV, 'org.bluez.LEAdvertisement1',
                                                       'Release')))
        out.append(('Get LocalName advertisement', self.call(ADV, PROPS_IFACE, 'Get', 'ss',
                                                   'org.bluez.LEAdvertisement1', 'LocalName')))
        dev = dbus.ObjectPath(device)
        for method, sig, args in (('RequestAuthorization', 'o', (dev,)),
                                  ('RequestConfirmation', 'ou', (dev, dbus.UInt32(123456))),
                                  ('AuthorizeService', 'os', (dev, gd.BATTERY_SERVICE)),
                                  ('RequestPasskey', 'o', (dev,)), ('Cancel', '', ()),
                                  ('Release', '', ())):
            out.append((f'agent {method}', self.call(AGENT, 'org.bluez.Agent1', method, sig,
                                                     *args)))
        return out


class Callers(BleTestCase):
    def setUp(self):
        super().setUp()
        self.wait_ready()
        self.dev = self.phone()          # bonded, encrypted: what a forger would name
        self.stranger = Stranger(self.address, self.dut_name)
        self.addCleanup(self.stranger.close)

    def assert_all_refused(self, stranger):
        replies = stranger.every_call(self.dev)
        self.assertGreater(len(replies), 100)
        wrong = [(what, r) for what, r in replies if r != NOT_PERMITTED]
        self.assertEqual(wrong, [], 'every call from another process is refused')
        return replies

    def test_a_second_client_is_refused_everything_and_changes_nothing(self):
        self.harness.UpdateLive({'knee_deg': 21.5})
        refused_before = int(self.info()['refused_calls'])
        replies = self.assert_all_refused(self.stranger)
        # Confirm has no reply: it is counted with the rest.
        self.stranger.bus.call_async(self.dut_name, CHR[gd.ALERTS], CHRC_IFACE, 'Confirm', '', (),
                                     None, None)
        calls = len([r for r in replies if not r[0].startswith('Get ')]) + 1
        wait_until(lambda: int(self.info()['refused_calls']) == refused_before + calls,
                   what='every refusal counted')
        self.assertEqual(self.calls(), [], 'no hook ran')
        self.assertEqual(int(self.info()['subscriptions']), 0)
        self.assertTrue(self.info()['adv_registered'], 'the advertisement was not released')
        self.assertTrue(self.info()['agent_registered'], 'the agent was not released')
        # GetAll cannot be refused through GDBus's vtable: it carries nothing.
        self.assertEqual(dict(self.stranger.get_all(CHR[gd.LIVE], CHRC_IFACE)), {})
        self.assertEqual(dict(self.stranger.get_all(ADV, 'org.bluez.LEAdvertisement1')), {})

    def test_bluetoothd_still_reads_writes_and_subscribes(self):
        self.assert_all_refused(self.stranger)
        self.harness.UpdateLive({'knee_deg': 21.5})
        ecode, value = self.read(self.dev, gd.LIVE)
        self.assertEqual(ecode, 0)
        self.assertAlmostEqual(gd.decode_live(value)['knee_deg'], 21.5)
        self.assertEqual(self.subscribe(self.dev, gd.CONTROL, 2), 0)
        self.assertEqual(self.write(self.dev, gd.CONTROL, gd.encode_cp('start_session')), 0)
        wait_until(lambda: 'start_session' in self.calls(), what='the start_session hook')
        self.assertEqual(self.ask_agent('RequestAuthorization', dbus.ObjectPath(self.dev)),
                         'org.bluez.Error.Rejected', 'the agent answers bluetoothd (no window)')

    def ask_agent(self, method, *args):
        return str(self.mock.AskAgent(method, args, signature='sav'))

    def test_a_new_owner_of_org_bluez_is_followed(self):
        old_mock = self.bus.get_name_owner('org.bluez')
        self.stop_mock()
        wait_until(lambda: self.info()['state'] == 'no-bluetoothd', what='no-bluetoothd')
        # The stranger becomes org.bluez: it is bluetoothd now.
        self.assertEqual(self.stranger.bus.request_name('org.bluez'),
                         dbus.bus.REQUEST_NAME_REPLY_PRIMARY_OWNER)
        path = CHR[gd.BATTERY_LEVEL]
        wait_until(lambda: self.stranger.call(path, CHRC_IFACE, 'ReadValue', 'a{sv}',
                                              dbus.Dictionary({}, signature='sv')) == 'ok',
                   what='the new owner to be accepted')
        self.stranger.bus.release_name('org.bluez')
        # A new bluetoothd: the stranger is refused again, the mock served.
        self.start_mock()
        self.wait_ready()
        self.assertNotEqual(self.bus.get_name_owner('org.bluez'), old_mock)
        self.assert_all_refused(self.stranger)
        self.assertEqual(self.read(self.phone(), gd.BATTERY_LEVEL)[0], 0)


class KneedCallers(KneedTestCase):
    def test_a_forged_control_point_write_with_a_bonded_device_is_refused(self):
        self.wait_ready()
        dev = self.phone()
        # kneed talks to bluetoothd on a connection of its own
        [(ble_name, _)] = self.mock.GetApplications('hci0')
        stranger = Stranger(self.address, str(ble_name))
        self.addCleanup(stranger.close)
        opts = dbus.Dictionary({'device': dbus.ObjectPath(dev), 'link': 'LE',
                                'mtu': dbus.UInt16(185)}, signature='sv')
        self.assertEqual(stranger.call(CHR[gd.CONTROL], CHRC_IFACE, 'WriteValue', 'aya{sv}',
                                       dbus.ByteArray(gd.encode_cp('start_session')), opts),
                         NOT_PERMITTED)
        self.assertEqual(stranger.call(CHR[gd.PAIN], CHRC_IFACE, 'WriteValue', 'aya{sv}',
                                       dbus.ByteArray(gd.encode_pain(9, 'front', 'during')), opts),
                         NOT_PERMITTED)
        self.assertEqual(stranger.call(CHR[gd.LIVE], CHRC_IFACE, 'ReadValue', 'a{sv}', opts),
                         NOT_PERMITTED)
        # The same write through bluetoothd starts the session: the refusal
        # above was the caller's, not the request's.
        self.assertFalse(self.prop('SessionActive'))
        self.assertEqual(self.subscribe(dev, gd.CONTROL, 2), 0)
        self.assertEqual(self.write(dev, gd.CONTROL, gd.encode_cp('start_session')), 0)
        wait_until(lambda: bool(self.prop('SessionActive')), what='the session')
        self.assertEqual(int(self.prop('AlertCount')), 0, 'the forged pain report raised nothing')


class KneedOnTheSystemBusCallers(KneedCallers):
    '''kneed as its service runs it: its API and its peripheral on the
    system bus.'''
    kneed_bus = 'system'

    def test_a_forged_control_point_write_with_a_bonded_device_is_refused(self):
        super().test_a_forged_control_point_write_with_a_bonded_device_is_refused()
        self.assertIn('owning org.kneed.Kneed1 on the system bus', self.kneed_output())


class KneedTwoBusesCallers(KneedCallers):
    '''kneed --session with a session bus of its own: the peripheral stays
    on the system bus (bluetoothd's), where the check above holds; on the
    session bus kneed has no BlueZ objects for anyone to call.'''
    separate_session_bus = True

    def test_the_session_bus_has_no_bluez_objects(self):
        self.wait_ready()
        stranger = Stranger(self.session_address, self.dut_name)
        self.addCleanup(stranger.close)
        replies = stranger.every_call(self.phone())
        self.assertGreater(len(replies), 100)
        unknown = {'org.freedesktop.DBus.Error.UnknownMethod',
                   'org.freedesktop.DBus.Error.UnknownObject',
                   'org.freedesktop.DBus.Error.UnknownInterface'}
        self.assertEqual([(what, r) for what, r in replies if r not in unknown], [])
        self.assertFalse(self.prop('SessionActive'))


if __name__ == '__main__':
    taprunner.main()
