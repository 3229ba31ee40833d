#!/usr/bin/python3
'''The advertisement as bluetoothd builds it: contents, the 31-byte legacy
budget, what is dropped when the controller allows less, the name in the
scan response.'''

import unittest

import taprunner

from ble_testlib import BleTestCase, gd, wait_until

INCLUDES = ['tx-power', 'appearance', 'local-name']


def structures(data):
    return {t: p for t, p in gd.decode_ad(data)}


class Default(BleTestCase):
    def test_contents_and_size(self):
        self.wait_ready()
        [(owner, path, props, data, scan)] = self.mock.GetAdvertisements('hci0')
        self.assertEqual(str(owner), self.dut_name)
        self.assertEqual(str(props['Type']), 'peripheral')
        self.assertEqual([str(u) for u in props['ServiceUUIDs']], [gd.KNEE_SERVICE, gd.RSC_SERVICE])
        self.assertEqual(int(props['Appearance']), 0x0440)
        self.assertTrue(props['Discoverable'])
        self.assertNotIn('Includes', props)
        data, scan = bytes(data), bytes(scan)
        self.assertEqual(len(data), 29)
        self.assertLessEqual(len(scan), 31)
        ad = structures(data)
        self.assertEqual(ad[0x01], bytes([0x06]))                        # flags
        self.assertEqual(gd.uuid128_from_le(ad[0x07]), gd.KNEE_SERVICE)   # 128-bit UUIDs
        self.assertEqual(ad[0x03], b'\x14\x18')                          # 0x1814
        self.assertEqual(ad[0x19], b'\x40\x04')                          # appearance
        # Name: "Knee Sleeve" + the adapter address's last two bytes.
        self.assertEqual(self.adapter_prop('Address'), '00:01:02:03:04:05')
        self.assertEqual(structures(scan)[0x09], b'Knee Sleeve 0405')
        self.assertEqual(self.info()['local_name'], 'Knee Sleeve 0405')

    def test_stays_registered_while_a_phone_is_connected(self):
        self.wait_ready()
        dev = self.phone()
        self.assertEqual(self.subscribe(dev, gd.LIVE, 1), 0)
        self.assertEqual(len(self.mock.GetAdvertisements('hci0')), 1)
        self.assertEqual(self.events('adv-unregistered'), [])


class SmallController(BleTestCase):
    '''A controller that allows less than 31 bytes: kneed drops what does
    not fit instead of having the registration refused.'''
    start_harness_at_setup = False

    def registered(self):
        self.start_harness()
        self.wait_ready()
        self.assertEqual(self.events('adv-register-error'), [])
        [(_, _, props, data, scan)] = self.mock.GetAdvertisements('hci0')
        return props, bytes(data), bytes(scan)

    def test_25_bytes_drops_the_appearance(self):
        self.mock.SetAdvCapabilities('hci0', 25, 31, 5, INCLUDES)
        props, data, _ = self.registered()
        self.assertNotIn('Appearance', props)
        self.assertEqual(len(data), 25)
        self.assertIn(0x03, structures(data))

    def test_21_bytes_keeps_only_the_knee_uuid(self):
        self.mock.SetAdvCapabilities('hci0', 21, 31, 5, INCLUDES)
        props, data, _ = self.registered()
        self.assertEqual([str(u) for u in props['ServiceUUIDs']], [gd.KNEE_SERVICE])
        self.assertEqual(len(data), 21)

    def test_short_scan_response_cuts_the_name(self):
        self.mock.SetAdvCapabilities('hci0', 31, 12, 5, INCLUDES)
        _, _, scan = self.registered()
        self.assertLessEqual(len(scan), 12)
        self.assertEqual(structures(scan)[0x09], b'Knee Sleev')


class ConfiguredName(BleTestCase):
    start_harness_at_setup = False

    def test_too_long_utf8_name_is_refused_at_start(self):
        import subprocess
        from ble_testlib import HARNESS
        # 33 bytes: refused with a message instead of being cut.
        run = subprocess.run([HARNESS, '--name', 'Genouill\u00e8re de Marie-Th\u00e9r\u00e8se'],
                             env=self.env, capture_output=True, timeout=10)
        self.assertNotEqual(run.returncode, 0)
        self.assertIn(b'[bluetooth] name: must be UTF-8 text of 1 to 29 bytes', run.stderr)


class ShortConfiguredName(BleTestCase):
    harness_args = ['--name', 'Genouill\u00e8re']

    def test_configured_name_is_advertised(self):
        self.wait_ready()
        [(_, _, props, _, scan)] = self.mock.GetAdvertisements('hci0')
        self.assertEqual(str(props['LocalName']), 'Genouill\u00e8re')
        self.assertEqual(structures(bytes(scan))[0x09], 'Genouill\u00e8re'.encode())


if __name__ == '__main__':
    taprunner.main()
