#!/usr/bin/python3
'''The agent and the pairing window: outside it the adapter is not pairable
and the agent refuses; inside it a phone bonds with Just Works; the window
closes again.'''

import unittest

import taprunner

import dbus

from ble_testlib import BleTestCase, wait_until, pump


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

    def test_open_window_bonds_a_phone_then_closes(self):
        self.harness.SetStatus({'pairing_window_open': True, 'pairing_window_remaining_s': 90})
        wait_until(self.pairable, what='Pairable = true')
        self.assertEqual(int(self.adapter_prop('PairableTimeout')), 90,
                         'bluetoothd closes the window by itself if kneed dies')
        self.assertEqual(self.mock.PairJustWorks('hci0', 'AA:BB:CC:DD:EE:12'), 'bonded')
        device = '/org/bluez/hci0/dev_AA_BB_CC_DD_EE_12'
        wait_until(lambda: f'bonded {device}' in self.calls(), what='the bonded hook')
        self.harness.SetStatus({'pairing_window_open': False})
        wait_until(lambda: not self.pairable(), what='Pairable = false')
        # The new bond can write.
        from ble_testlib import gd
        self.assertEqual(self.write(device, gd.PAIN, gd.encode_pain(2, 'front', 'after')), 0)

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


if __name__ == '__main__':
    taprunner.main()
