#!/usr/bin/python3
'''The agent, the pairing window and the bond's confirmation (docs/gatt.md
"Pairing window"): outside a window the adapter is not pairable and the
agent refuses; inside it one phone bonds with Just Works and the window
closes; that bond waits for the wearer's confirmation, refused health data
meanwhile and nothing notified to anyone, and is kept (Trusted) once
confirmed, removed (with its link) when refused or too late.  A second
bond in the window, a bond outside any window and a bond left unconfirmed
are removed.'''

import unittest

import taprunner

import dbus

from ble_testlib import BleTestCase, gd, wait_until, pump  # noqa: F401


class PairingWindow(BleTestCase):
    def setUp(self):
        super().setUp()
        self.wait_ready()

    def pairable(self):
        return bool(self.adapter_prop('Pairable'))

    def test_agent_is_registered_as_default_no_input_no_output(self):
        agents = [(str(s), str(p), str(c)) for s, p, c in self.mock.GetAgents()]
        self.assertEqual(agents, [(self.dut_name, '/org/kneed/agent', 'NoInputNoOutput')])
        self.assertEqual([e[2] for e in self.events('default-agent')], ['/org/kneed/agent'])

    def test_closed_window_refuses_new_bonds(self):
        # The mock adapter starts pairable (bluetoothd's default): kneed closes it.
        wait_until(lambda: not self.pairable(), what='Pairable = false')
        self.assertEqual(self.mock.PairJustWorks('hci0', 'AA:BB:CC:DD:EE:10'), 'not-pairable')
        # Someone else makes the adapter pairable: kneed closes it again, and
        # its agent refuses meanwhile.
        self.adapter().Set('org.bluez.Adapter1', 'Pairable', True,
                           dbus_interface='org.freedesktop.DBus.Properties')
        wait_until(lambda: not self.pairable(), what='Pairable back to false')

    def ask(self, method, *args):
        return str(self.mock.AskAgent(method, args, signature='sav'))

    def test_agent_answers_follow_the_window(self):
        dev = dbus.ObjectPath(self.phone('AA:BB:CC:DD:EE:11', bonded=False, security=1))
        bonded = dbus.ObjectPath(self.phone('AA:BB:CC:DD:EE:13', bonded=True))
        rejected = 'org.bluez.Error.Rejected'
        self.assertEqual(self.ask('RequestAuthorization', dev), rejected)
        self.assertEqual(self.ask('RequestConfirmation', dev, dbus.UInt32(123456)), rejected)
        self.assertEqual(self.ask('RequestPasskey', dev), rejected)
        self.assertEqual(self.ask('RequestPinCode', dev), rejected)
        self.assertEqual(self.ask('AuthorizeService', dev, '0000180f-0000-1000-8000-00805f9b34fb'),
                         rejected)
        self.assertEqual(self.ask('AuthorizeService', bonded, '0000180f-0000-1000-8000-00805f9b34fb'),
                         'ok')
        self.harness.SetStatus({'pairing_window_open': True, 'pairing_window_remaining_s': 60})
        wait_until(self.pairable, what='Pairable = true')
        self.assertEqual(self.ask('RequestAuthorization', dev), 'ok')
        self.assertEqual(self.ask('RequestConfirmation', dev, dbus.UInt32(123456)), 'ok')
        self.assertEqual(self.ask('RequestPasskey', dev), rejected, 'no keyboard on a sleeve')
        # Only bluetoothd may drive the agent (tests/test-ble-callers.py).
        agent = dbus.Interface(self.bus.get_object(self.dut_name, '/org/kneed/agent'),
                               'org.bluez.Agent1')
        with self.assertRaises(dbus.exceptions.DBusException) as cm:
            agent.RequestAuthorization(dev)
        self.assertEqual(cm.exception.get_dbus_name(), 'org.bluez.Error.NotPermitted')

    def open_window(self, seconds=90):
        self.harness.SetStatus({'pairing_window_open': True, 'pairing_window_remaining_s': seconds})
        wait_until(self.pairable, what='Pairable = true')

    def close_window(self):
        self.harness.SetStatus({'pairing_window_open': False})

    def bond(self, address):
        '''A phone bonds in the window: the path of its device, waiting.'''
        self.assertEqual(self.mock.PairJustWorks('hci0', address), 'bonded')
        device = '/org/bluez/hci0/dev_' + address.replace(':', '_')
        wait_until(lambda: f'bond_pending {device} {address}' in self.calls(),
                   what='the bond to wait for confirmation')
        return device

    def trusted(self, device):
        return bool(self.bus.get_object('org.bluez', device).Get(
            'org.bluez.Device1', 'Trusted', dbus_interface='org.freedesktop.DBus.Properties'))

    def removed(self, device):
        return any(d == device for _, _, d in self.events('device-removed'))

    def test_open_window_bonds_a_phone_that_waits_then_is_kept(self):
        self.open_window()
        self.assertEqual(int(self.adapter_prop('PairableTimeout')), 90,
                         'bluetoothd closes the window by itself if kneed dies')
        device = self.bond('AA:BB:CC:DD:EE:12')
        self.assertEqual(self.info()['pending_bond'], device)
        self.assertEqual(self.info()['pending_bond_address'], 'AA:BB:CC:DD:EE:12')
        # The window closed on its first bond, though the daemon's is open.
        wait_until(lambda: not self.pairable(), what='Pairable = false')
        self.assertEqual(self.mock.PairJustWorks('hci0', 'AA:BB:CC:DD:EE:14'), 'not-pairable')
        other = dbus.ObjectPath(self.phone('AA:BB:CC:DD:EE:15', bonded=False, security=1))
        self.assertEqual(self.ask('RequestAuthorization', other), 'org.bluez.Error.Rejected')
        # Until the wearer confirms: no health data for it...
        self.assertEqual(self.read(device, gd.LIVE)[0], 0x08)
        self.assertEqual(self.read(device, gd.STATUS)[0], 0x08)
        self.assertEqual(self.read(device, gd.SERIAL)[0], 0x08)
        self.assertEqual(self.write(device, gd.PAIN, gd.encode_pain(2, 'front', 'after')), 0x08)
        self.assertEqual(self.read(device, gd.BATTERY_LEVEL)[0], 0, 'not personal: readable')
        # ... nor for anyone through notifications, which reach every
        # subscribed device: a phone confirmed earlier hears nothing.
        phone = self.phone('AA:BB:CC:DD:EE:16')
        self.assertEqual(self.subscribe(phone, gd.LIVE, 1), 0)
        self.assertEqual(self.subscribe(phone, gd.CONTROL, 2), 0)
        self.harness.UpdateLive({'knee_deg': 44.4})
        self.assertEqual(self.read(phone, gd.LIVE)[0], 0, 'a confirmed phone still reads')
        self.assertEqual(self.write(phone, gd.CONTROL, gd.encode_cp('start_session')), 0xfe,
                         'its response would be indicated to the new bond too')
        self.assertEqual(self.values(gd.LIVE), [])
        self.assertFalse(self.trusted(device))
        # The wearer confirms (a short press; kneectl pair confirm).
        self.assertTrue(self.harness.ResolveBond(True))
        self.assertFalse(self.harness.ResolveBond(True), 'nothing waits any more')
        self.assertIn(f'bond_kept {device}', self.calls())
        wait_until(lambda: self.trusted(device), what='the bond marked Trusted')
        [value] = self.wait_values(gd.LIVE, 1, phone)
        self.assertAlmostEqual(gd.decode_live(value)['knee_deg'], 44.4, msg='held, then sent')
        self.assertEqual(self.read(device, gd.LIVE)[0], 0)
        self.assertEqual(self.write(device, gd.PAIN, gd.encode_pain(2, 'front', 'after')), 0)
        self.assertEqual(self.info()['pending_bond'], '')
        self.assertFalse(self.removed(device))

    def test_refused_bond_is_removed_with_its_link(self):
        self.open_window()
        phone = self.phone('AA:BB:CC:DD:EE:16')
        self.assertEqual(self.subscribe(phone, gd.ALERTS, 2), 0)
        device = self.bond('AA:BB:CC:DD:EE:17')
        self.assertEqual(self.subscribe(device, gd.ALERTS, 2), 0)
        self.harness.PushAlert({'seq': 5, 'kind': 0, 'severity': 2, 'value': 7.5,
                                'threshold': 5.0})
        self.assertTrue(self.harness.ResolveBond(False))
        wait_until(lambda: self.removed(device), what='RemoveDevice')
        self.assertIn(f'bond_removed {device}', self.calls())
        # The alert raised meanwhile reaches the confirmed phone, late, and
        # only once the refused one is gone.
        [alert] = [gd.decode_alert(v) for v in self.wait_values(gd.ALERTS, 1, phone)]
        self.assertEqual((alert['seq'], alert['late']), (5, True))
        self.assertEqual(self.values(gd.ALERTS, device), [])
        removed_at = [t for t, _, d in self.events('device-removed') if d == device][0]
        [sent_at] = [t for t, d, _, _ in self.notifications(phone, gd.ALERTS)]
        self.assertGreater(sent_at, removed_at)

    def test_second_bond_in_the_same_window_is_removed(self):
        self.open_window()
        first = self.bond('AA:BB:CC:DD:EE:18')
        # A second pairing that raced the first, or one made without kneed's
        # agent: bonded, never confirmed.
        second = str(self.mock.BondDirectly('hci0', 'AA:BB:CC:DD:EE:19'))
        wait_until(lambda: self.removed(second), what='the second bond removed')
        self.assertEqual(self.info()['pending_bond'], first, 'the first still waits')
        self.assertTrue(self.harness.ResolveBond(True))
        # A new window makes a new bond.
        self.close_window()
        wait_until(lambda: not self.pairable(), what='Pairable = false')
        self.open_window()
        third = self.bond('AA:BB:CC:DD:EE:1A')
        self.assertNotEqual(third, first)

    def test_a_bond_outside_any_window_is_removed(self):
        wait_until(lambda: not self.pairable(), what='Pairable = false')
        device = str(self.mock.BondDirectly('hci0', 'AA:BB:CC:DD:EE:1B'))
        wait_until(lambda: self.removed(device), what='the bond removed')
        self.assertNotIn('bond_pending', ' '.join(self.calls()))

    def test_a_waiting_bond_that_goes_is_resolved(self):
        self.open_window()
        device = self.bond('AA:BB:CC:DD:EE:1C')
        self.adapter().RemoveDevice(dbus.ObjectPath(device), dbus_interface='org.bluez.Adapter1')
        wait_until(lambda: f'bond_removed {device}' in self.calls(), what='the hook')
        self.assertEqual(self.info()['pending_bond'], '')

    def test_window_is_applied_to_an_adapter_that_comes_back(self):
        self.harness.SetStatus({'pairing_window_open': True, 'pairing_window_remaining_s': 60})
        wait_until(self.pairable, what='Pairable = true')
        self.mock.RemoveAdapter('hci0')
        wait_until(lambda: self.info()['state'] == 'no-adapter', what='no-adapter')
        self.mock.AddAdapter('hci0', 'back')
        self.wait_ready()
        self.adapter().Set('org.bluez.Adapter1', 'Pairable', False,
                           dbus_interface='org.freedesktop.DBus.Properties')
        wait_until(self.pairable, what='Pairable = true again: the window is still open')


class Expiry(BleTestCase):
    harness_args = ['--bond-confirm-s', '1']

    def test_unconfirmed_bond_is_removed_when_its_time_is_up(self):
        self.wait_ready()
        self.harness.SetStatus({'pairing_window_open': True, 'pairing_window_remaining_s': 60})
        wait_until(lambda: bool(self.adapter_prop('Pairable')), what='Pairable = true')
        self.assertEqual(self.mock.PairJustWorks('hci0', 'AA:BB:CC:DD:EE:1D'), 'bonded')
        device = '/org/bluez/hci0/dev_AA_BB_CC_DD_EE_1D'
        wait_until(lambda: f'bond_removed {device}' in self.calls(), 5, 'the bond to expire')
        wait_until(lambda: self.events('device-removed'), what='RemoveDevice')
        [(bonded_at, _, _)] = [e for e in self.events('bonded') if e[2] == device]
        [(removed_at, _, _)] = self.events('device-removed')
        print(f'removed {removed_at - bonded_at:.3f} s after the bond (bond_confirm_s = 1)')
        self.assertGreaterEqual(removed_at - bonded_at, 1.0, 'not before its time')
        self.assertFalse(self.harness.ResolveBond(True), 'too late')


class Sweep(BleTestCase):
    '''Bonds the wearer never confirmed (kneed restarted while one waited)
    are removed when kneed finds them; confirmed ones are kept.'''
    start_harness_at_setup = False

    def test_unconfirmed_bonds_are_removed_at_start(self):
        kept = self.phone('AA:BB:CC:DD:EE:1E')            # Trusted
        left = str(self.mock.BondDirectly('hci0', 'AA:BB:CC:DD:EE:1F'))
        self.start_harness()
        self.wait_ready()
        wait_until(lambda: [d for _, _, d in self.events('device-removed')] == [left],
                   what='the unconfirmed bond removed')
        self.assertEqual(self.read(kept, gd.LIVE)[0], 0)


if __name__ == '__main__':
    taprunner.main()
