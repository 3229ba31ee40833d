#!/usr/bin/python3
'''kneed itself (simulated sleeve, real time) as a BLE peripheral, with the
mock bluetoothd and the test as the phone: the registered application, reads
decoded with tests/gatt_decode.py, notifications during a run including the
alert for a scripted hyperextension, control point and pain writes acting on
the daemon, restarts of bluetoothd, the pairing window through the daemon's
D-Bus method, the [bluetooth] configuration.'''

import os
import signal
import subprocess
import time
import unittest

import taprunner

import dbus

from ble_testlib import (KneedTestCase, KNEED, BT_PATH, BT_IFACE, CHR, APP, gd, wait_until,
                         pump, PROPS_IFACE, BUILDDIR)

KNEECTL = os.path.join(BUILDDIR, 'client', 'kneectl')


IDENTIFY = 'not-available'


class Peripheral(KneedTestCase):
    sim_events = 'hyperextension@8'

    def setUp(self):
        super().setUp()
        self.wait_ready(5)
        self.dev = self.phone()

    def test_registered_tree_and_device_information(self):
        [(owner, path)] = self.mock.GetApplications('hci0')
        self.assertEqual(str(path), APP)
        objects = self.mock.GetApplicationObjects('hci0', APP)
        uuids = {str(ifs['org.bluez.GattCharacteristic1']['UUID']):
                 [str(f) for f in ifs['org.bluez.GattCharacteristic1']['Flags']]
                 for ifs in objects.values() if 'org.bluez.GattCharacteristic1' in ifs}
        self.assertEqual(uuids, gd.EXPECTED_FLAGS)
        self.assertEqual(self.read(self.dev, gd.MANUFACTURER), (0, b'Example Orthotics'))
        self.assertEqual(self.read(self.dev, gd.SERIAL), (0, b'SN-42'))
        self.assertEqual(self.read(self.dev, gd.HARDWARE_REV), (0, b'B2'))
        self.assertEqual(self.read(self.dev, gd.FIRMWARE_REV), (0, b'0.9'))
        self.assertEqual(self.read(self.dev, gd.SOFTWARE_REV)[1].decode(),
                         str(self.prop('Version')))
        self.assertEqual(self.info()['local_name'], 'Test Sleeve')
        [(_, _, _, _, scan)] = self.mock.GetAdvertisements('hci0')
        self.assertIn(b'Test Sleeve', bytes(scan))

    def test_run_notifications_and_the_hyperextension_alert(self):
        for uuid, v in ((gd.LIVE, 1), (gd.STATUS, 1), (gd.ALERTS, 2), (gd.RSC_MEASUREMENT, 1),
                        (gd.BATTERY_LEVEL, 1)):
            self.assertEqual(self.subscribe(self.dev, uuid, v), 0, uuid)
        alerts = wait_until(lambda: self.values(gd.ALERTS), 20, 'the hyperextension alert')
        a = gd.decode_alert(alerts[0])
        self.assertEqual(a['kind'], 'hyperextension')
        self.assertIn(a['severity'], ('warning', 'critical'))
        self.assertEqual(a['seq'], int(self.prop('AlertCount')) if a['seq'] == 1 else a['seq'])
        self.assertFalse(a['late'])
        self.assertGreater(a['value'], 5.0)
        # Live metrics while running: a knee angle, a running cadence.
        live = [gd.decode_live(v) for v in self.values(gd.LIVE)]
        self.assertTrue(all(len(v) == 20 for v in self.values(gd.LIVE)))
        running = [l for l in live if l['activity'] == 'running']
        self.assertTrue(running, live[-3:])
        self.assertTrue(all(l['knee_deg'] is not None for l in running))
        self.assertTrue(150 < running[-1]['cadence_spm'] < 200, running[-1])
        self.assertGreater(running[-1]['strides'], 3)
        # The RSC measurement of every stride.
        rsc = [gd.decode_rsc_measurement(v) for v in self.values(gd.RSC_MEASUREMENT)]
        self.assertGreater(len(rsc), 3)
        last = rsc[-1]
        self.assertTrue(last['running'])
        self.assertTrue(150 < last['cadence_spm'] < 200, last)
        self.assertTrue(2.0 < last['speed_mps'] < 6.0, last)
        self.assertGreater(last['total_m'], rsc[0]['total_m'])
        status = gd.decode_status(self.read(self.dev, gd.STATUS)[1])
        self.assertEqual((status['source'], status['state']), ('simulated', 'streaming'))
        self.assertEqual(status['sensors_present'], 0x1f)
        # Extended live form at a large MTU, decoded by the independent decoder.
        ext = gd.decode_live(self.read_long(self.dev, gd.LIVE, mtu=247))
        self.assertEqual(ext['form'], 'extended')
        self.assertGreater(ext['t_s'], 5)

    def test_control_point_acts_on_the_daemon_and_refusals_change_nothing(self):
        self.assertEqual(self.subscribe(self.dev, gd.CONTROL, 2), 0)

        def responses():
            return [gd.decode_cp_response(v) for v in self.values(gd.CONTROL)]

        self.write(self.dev, gd.CONTROL, gd.encode_cp('start_session'))
        wait_until(lambda: bool(self.prop('SessionActive')), what='SessionActive')
        self.write(self.dev, gd.CONTROL, gd.encode_cp('start_session'))
        self.write(self.dev, gd.CONTROL, gd.encode_cp('set_threshold', 20, 9.5))
        before = dict(self.kneed.GetThresholds())
        self.write(self.dev, gd.CONTROL, gd.encode_cp('set_threshold', 0, 100.0))   # out of range
        self.write(self.dev, gd.CONTROL, gd.encode_cp('set_threshold', 2, 2.0))     # below warning
        self.write(self.dev, gd.CONTROL, gd.encode_cp('get_threshold', 20))
        self.write(self.dev, gd.CONTROL, gd.encode_cp('set_time', 1700000000.5))
        self.write(self.dev, gd.CONTROL, gd.encode_cp('identify', 1.0))
        self.write(self.dev, gd.CONTROL, gd.encode_cp('start_coaching', 175.0))
        self.write(self.dev, gd.CONTROL, gd.encode_cp('stop_coaching'))
        self.write(self.dev, gd.CONTROL, gd.encode_cp('stop_coaching'))
        self.write(self.dev, gd.CONTROL, gd.encode_cp('stop_session'))
        r = wait_until(lambda: len(responses()) >= 11 and responses(), 10, '11 responses')
        self.assertEqual([(x['request'], x['result']) for x in r], [
            (1, 'success'), (1, 'wrong-state'), (4, 'success'), (4, 'invalid-parameter'),
            (4, 'invalid-parameter'), (5, 'success'), (6, 'success'), (7, IDENTIFY),
            (8, 'success'), (9, 'success'), (9, 'wrong-state'), (2, 'success')][:len(r)])
        # identify: no vibration motor in this build, so the daemon says not available
        self.assertAlmostEqual(r[5]['value'], 9.5)
        after = dict(self.kneed.GetThresholds())
        self.assertEqual(after, before, 'refused writes changed nothing')
        self.assertAlmostEqual(float(after['advice.high_impact_g']), 9.5)
        self.assertTrue(self.prop('WallClockSet'))
        wait_until(lambda: not self.prop('SessionActive'), what='the session to stop')
        self.assertEqual(float(self.prop('CoachingTarget')), 0.0)
        # ATT-level refusal: nothing reaches the daemon.  The start that
        # follows it succeeds, so the refused one started no session.
        self.assertEqual(self.write(self.dev, gd.CONTROL, gd.encode_cp('start_session'), offset=1),
                         0x07)
        self.write(self.dev, gd.CONTROL, gd.encode_cp('start_session'))
        r = wait_until(lambda: len(responses()) >= 13 and responses(), 10, '13 responses')
        self.assertEqual([(x['request'], x['result']) for x in r[12:]], [(1, 'success')])

    def test_calibration_while_running_is_refused_as_busy(self):
        self.assertEqual(self.subscribe(self.dev, gd.CONTROL, 2), 0)
        wait_until(lambda: str(self.prop('Activity')) == 'running', 15, 'running')
        self.write(self.dev, gd.CONTROL, gd.encode_cp('calibrate'))
        self.assertEqual(self.write(self.dev, gd.CONTROL, gd.encode_cp('identify')), 0xfe,
                         'one request at a time')
        r = wait_until(lambda: self.values(gd.CONTROL), 10, 'the calibration result')
        # The first indication is the calibration's (the identify was refused).
        self.assertEqual(gd.decode_cp_response(r[0]), {'request': 3, 'result': 'busy'})

    def test_pain_report_above_7_raises_the_red_flag_alert(self):
        self.assertEqual(self.subscribe(self.dev, gd.ALERTS, 2), 0)
        self.assertEqual(self.write(self.dev, gd.PAIN, gd.encode_pain(8, 'inside', 'during', 'sharp')), 0)
        self.assertEqual(self.write(self.dev, gd.PAIN, b'\x01\x0b\x00\x00'), 0x82)
        alerts = wait_until(lambda: [a for a in map(gd.decode_alert, self.values(gd.ALERTS))
                                     if a['kind'] == 'pain'], 5, 'the pain alert')
        self.assertEqual(alerts[0]['severity'], 'critical')
        self.assertAlmostEqual(alerts[0]['value'], 8)


class PairingWindow(KneedTestCase):
    def kneectl(self, *args):
        return subprocess.run([KNEECTL, '--session', 'pair', *args], env=self.env,
                              capture_output=True, text=True, timeout=20)

    def test_opened_by_the_daemon_method_closed_after_a_bond(self):
        self.wait_ready()
        dev = self.phone()
        # The phone's bond reaches kneed from bluetoothd, OpenPairingWindow
        # from this process, on different connections: a read through the
        # phone comes after the bond on bluetoothd's connection, so once it
        # is answered kneed knows the phone was bonded before the window
        # (else, on a loaded machine, it took that bond for the window's).
        self.assertEqual(self.read(dev, gd.STATUS)[0], 0)
        wait_until(lambda: not self.adapter_prop('Pairable'), what='Pairable = false')
        self.assertEqual(self.mock.PairJustWorks('hci0', 'AA:BB:CC:DD:EE:20'), 'not-pairable')
        self.kneed.OpenPairingWindow(dbus.UInt32(30))
        wait_until(lambda: bool(self.adapter_prop('Pairable')), what='Pairable = true')
        self.assertTrue(gd.decode_status(self.read(dev, gd.STATUS)[1])['pairing_window'])
        self.assertEqual(self.mock.PairJustWorks('hci0', 'AA:BB:CC:DD:EE:21'), 'bonded')
        # One bond per window: kneed closes it.
        wait_until(lambda: not self.prop('PairingWindowOpen'), what='the window to close')
        wait_until(lambda: not self.adapter_prop('Pairable'), what='Pairable = false')

    def test_a_new_bond_is_kept_or_removed_through_kneectl(self):
        '''No button configured: the confirmation comes from kneectl (the D-Bus
        API's policy admits root and the group kneed only).'''
        self.wait_ready()
        run = self.kneectl('open', '30')
        self.assertEqual(run.returncode, 0, run.stderr)
        wait_until(lambda: bool(self.adapter_prop('Pairable')), what='Pairable = true')
        self.assertEqual(self.mock.PairJustWorks('hci0', 'AA:BB:CC:DD:EE:22'), 'bonded')
        dev = '/org/bluez/hci0/dev_AA_BB_CC_DD_EE_22'
        wait_until(lambda: self.info()['pending_bond'] == dev, what='the bond to wait')
        self.assertEqual(self.info()['pending_bond_address'], 'AA:BB:CC:DD:EE:22')
        self.assertIn('no button to confirm the bond of AA:BB:CC:DD:EE:22', self.kneed_output())
        shown = self.kneectl()
        self.assertEqual(shown.returncode, 0, shown.stderr)
        self.assertIn('AA:BB:CC:DD:EE:22 waits for confirmation', shown.stdout)
        self.assertIn('Pairing window: closed', shown.stdout)
        self.assertEqual(self.read(dev, gd.LIVE)[0], 0x08, 'no health data before the yes')
        run = self.kneectl('confirm')
        self.assertEqual(run.returncode, 0, run.stderr)
        self.assertEqual(self.info()['pending_bond'], '')
        self.assertEqual(self.read(dev, gd.LIVE)[0], 0)
        device = self.bus.get_object('org.bluez', dev)
        wait_until(lambda: bool(device.Get('org.bluez.Device1', 'Trusted',
                                           dbus_interface=PROPS_IFACE)), what='Trusted')
        again = self.kneectl('confirm')
        self.assertEqual(again.returncode, 1)
        self.assertIn('No bond waits for confirmation (NotFound)', again.stderr)
        # The next window's bond, refused.
        self.assertEqual(self.kneectl('open').returncode, 0)
        wait_until(lambda: bool(self.adapter_prop('Pairable')), what='Pairable = true')
        self.assertEqual(self.mock.PairJustWorks('hci0', 'AA:BB:CC:DD:EE:23'), 'bonded')
        wait_until(lambda: self.info()['pending_bond'].endswith('EE_23'), what='the second bond')
        self.assertEqual(self.kneectl('deny').returncode, 0)
        wait_until(lambda: [d for _, _, d in self.events('device-removed')] ==
                   ['/org/bluez/hci0/dev_AA_BB_CC_DD_EE_23'], what='RemoveDevice')
        self.assertEqual(self.kneectl('sideways').returncode, 2)


class BluetoothdRestarts(KneedTestCase):
    def test_restart_adapter_loss_and_state_in_the_daemon_status(self):
        self.wait_ready()
        for _ in range(2):
            self.stop_mock()
            wait_until(lambda: self.info()['state'] == 'no-bluetoothd', what='no-bluetoothd')
            started = time.monotonic()
            self.start_mock()
            self.wait_ready(3)
            took = self.events('app-registered')[0][0] - started
            print(f'kneed registered again {1000 * took:.0f} ms after bluetoothd came back')
            self.assertLess(took, 2.0)
            self.assertEqual(self.events('app-already-exists'), [])
        self.mock.RemoveAdapter('hci0')
        wait_until(lambda: self.info()['state'] == 'no-adapter', what='no-adapter')
        self.mock.AddAdapter('hci0', 'back')
        self.wait_ready(3)
        self.assertEqual(int(self.info()['registrations']), 4)
        self.assertIsNone(self.dut.poll())


class NoBluetoothd(KneedTestCase):
    start_mock_at_setup = False

    def test_kneed_runs_says_so_and_registers_later(self):
        wait_until(lambda: self.info()['state'] == 'no-bluetoothd', what='no-bluetoothd')
        # The daemon is otherwise fine.
        wait_until(lambda: str(self.prop('State')) == 'streaming', 10, 'streaming')
        self.start_mock()
        self.wait_ready(3)


class AlertQueue(KneedTestCase):
    sim_events = 'hyperextension@5;hyperextension@7'
    bluetooth = 'alert_queue = 1'

    def test_alerts_wait_for_a_subscriber_and_overflow_is_counted(self):
        self.wait_ready()
        dev = self.phone()
        # the BLE publisher queues an alert in the dispatch that counts it
        wait_until(lambda: int(self.prop('AlertCount')) >= 2, 20, 'two alerts')
        status = gd.decode_status(self.read(dev, gd.STATUS)[1])
        raised = int(self.prop('AlertCount'))
        self.assertEqual(status['alerts_queued'], 1)
        self.assertEqual(status['alerts_dropped'], raised - 1)
        self.assertEqual(self.subscribe(dev, gd.ALERTS, 2), 0)
        [a] = [gd.decode_alert(v) for v in self.wait_values(gd.ALERTS, 1)]
        self.assertEqual(a['seq'], raised, 'the newest kept; the gap shows the loss')
        self.assertTrue(a['late'])


class Battery(KneedTestCase):
    '''The board's battery ([battery], daemon/battery.c) read once, by the
    core: D-Bus and BLE show the same level, also as it changes.'''

    def setUp(self):
        self.supply = None
        super().setUp()

    def config_text(self):
        self.supply = os.path.join(self.tmp, 'BAT0')
        os.makedirs(self.supply, exist_ok=True)
        self.set_capacity('64\n', 'Discharging\n')
        # poll_s = 1: the test waits for the reading, at most a second off
        self.extra_config = f'[battery]\nsupply = {self.supply}\npoll_s = 1\n'
        return super().config_text()

    def set_capacity(self, capacity, status=None):
        # Written next to it and renamed: the daemon never reads half a file.
        for name, text in (('capacity', capacity), ('status', status)):
            if text is None:
                continue
            tmp = os.path.join(self.supply, name + '.tmp')
            with open(tmp, 'w') as f:
                f.write(text)
            os.rename(tmp, os.path.join(self.supply, name))

    def levels(self, dev):
        status = gd.decode_status(self.read(dev, gd.STATUS)[1])
        return (int(self.prop('BatteryLevel')), self.read(dev, gd.BATTERY_LEVEL)[1][0],
                status['battery_pct'])

    def test_dbus_and_ble_show_the_one_level_as_it_changes(self):
        self.wait_ready()
        dev = self.phone()
        # The board's level, not the simulated sleeve's (which starts full).
        wait_until(lambda: int(self.prop('BatteryLevel')) == 64, 5, 'the first reading')
        self.assertEqual(self.levels(dev), (64, 64, 64))
        self.assertEqual(self.subscribe(dev, gd.BATTERY_LEVEL, 1), 0)
        self.set_capacity('37\n', 'Charging\n')
        wait_until(lambda: int(self.prop('BatteryLevel')) == 37, 5, 'the new level on D-Bus')
        # One value in the core: once D-Bus has it, BLE has it too.
        self.assertEqual(self.levels(dev), (37, 37, 37))
        status = gd.decode_status(self.read(dev, gd.STATUS)[1])
        self.assertTrue(status['charging'])
        self.assertEqual(self.wait_values(gd.BATTERY_LEVEL, 2)[-1], bytes([37]))
        # Unreadable: unknown everywhere, the Status error bit says why.
        os.unlink(os.path.join(self.supply, 'capacity'))
        wait_until(lambda: int(self.prop('BatteryLevel')) == -1, 5, 'the level to be unknown')
        status = gd.decode_status(self.read(dev, gd.STATUS)[1])
        self.assertIsNone(status['battery_pct'])
        self.assertTrue(status['error_bits'] & 0x08, 'bit 3: battery read error')
        self.assertIn('cannot read the level from', self.kneed_output())


class Configuration(KneedTestCase):
    start_kneed_at_setup = False

    def run_kneed(self, bluetooth):
        path = os.path.join(self.tmp, 'bad.conf')
        with open(path, 'w') as f:
            f.write('[daemon]\nsource = simulated\n\n[bluetooth]\n' + bluetooth + '\n')
        return subprocess.run([KNEED, '--session', '--config', path, '--check-config'],
                              env=self.env, capture_output=True, text=True, timeout=20)

    def test_bad_keys_and_values_exit_78_naming_file_line_key(self):
        for text, key in (('colour = blue', 'colour'), ('height_cm = 20', 'height_cm'),
                          ('name = ' + 'x' * 30, 'name'), ('adapter = hci0/../x', 'adapter'),
                          ('alert_queue = 0', 'alert_queue'), ('enable = perhaps', 'enable'),
                          ('bond_confirm_s = 0', 'bond_confirm_s'),
                          ('battery_supply = BAT0', 'battery_supply')):
            run = self.run_kneed(text)
            self.assertEqual(run.returncode, 78, text)
            self.assertRegex(run.stderr, r'bad\.conf:5: \[bluetooth\] ' + key, text)
        self.assertEqual(self.run_kneed('height_cm = 182\nname = Ma genouillère').returncode, 0)

    def test_disabled(self):
        self.start_kneed('[daemon]\nsource = simulated\n[bluetooth]\nenable = false\n')
        # By the time kneed owns its name the peripheral would have been
        # created (main.c) and its object exported: there is none, so no
        # registration can follow.
        wait_until(lambda: str(self.prop('State')) == 'streaming', 10, 'streaming')
        self.assertEqual(self.info(), {'state': None}, 'no Bluetooth object')
        self.assertEqual(list(self.mock.GetApplications('hci0')), [])
        self.assertIn('BLE: disabled in the configuration', self.kneed_output())

    def test_reload_with_a_new_name_registers_again_without_duplicates(self):
        self.start_kneed()
        self.wait_ready()
        with open(os.path.join(self.tmp, 'kneed.conf')) as f:
            text = f.read().replace('name = Test Sleeve', 'name = Renamed')
        with open(os.path.join(self.tmp, 'kneed.conf'), 'w') as f:
            f.write(text)
        self.dut.send_signal(signal.SIGHUP)
        wait_until(lambda: self.info().get('local_name') == 'Renamed' and
                   self.info()['state'] == 'ready', 5, 'the renamed peripheral')
        [(_, _, props, _, _)] = self.mock.GetAdvertisements('hci0')
        self.assertEqual(str(props['LocalName']), 'Renamed')
        self.assertEqual(len(self.mock.GetApplications('hci0')), 1)
        self.assertEqual(self.events('app-already-exists') + self.events('adv-already-exists'), [])


if __name__ == '__main__':
    taprunner.main()
