#!/usr/bin/python3
'''The GATT application as a phone sees it through bluetoothd (the mock):
the registered tree, reads (MTU, offsets, security), notifications and
indications, the control point, the pain report and the RSC service.
The program under test is tests/ble-harness (KnBle fed by the test).'''

import math
import struct
import unittest

import dbus

import taprunner

from ble_testlib import BleTestCase, CHR, APP, gd, wait_until, pump  # noqa: F401

CP_CCCD_IMPROPER = 0x81


class Registration(BleTestCase):
    def test_registered_tree_has_every_service_characteristic_flag_and_uuid(self):
        self.wait_ready()
        apps = [(str(s), str(p)) for s, p in self.mock.GetApplications('hci0')]
        self.assertEqual(apps, [(self.dut_name, APP)])
        objects = self.mock.GetApplicationObjects('hci0', APP)

        services = {str(p): ifs['org.bluez.GattService1'] for p, ifs in objects.items()
                    if 'org.bluez.GattService1' in ifs}
        chrcs = {str(p): ifs['org.bluez.GattCharacteristic1'] for p, ifs in objects.items()
                 if 'org.bluez.GattCharacteristic1' in ifs}
        self.assertFalse([p for p, ifs in objects.items() if 'org.bluez.GattDescriptor1' in ifs],
                         'no descriptors: bluetoothd makes the CCCDs')
        by_uuid = {str(props['UUID']): path for path, props in services.items()}
        self.assertEqual(set(by_uuid), set(gd.EXPECTED_SERVICES))
        for props in services.values():
            self.assertTrue(props['Primary'])
        for svc_uuid, chr_uuids in gd.EXPECTED_SERVICES.items():
            found = {str(c['UUID']): c for c in chrcs.values()
                     if str(c['Service']) == by_uuid[svc_uuid]}
            self.assertEqual(set(found), chr_uuids, svc_uuid)
            for uuid, props in found.items():
                self.assertEqual([str(f) for f in props['Flags']], gd.EXPECTED_FLAGS[uuid], uuid)
                self.assertNotIn('NotifyAcquired', props)
                self.assertNotIn('WriteAcquired', props)
        # bluetoothd read every object kneed exports; no other process may
        # (tests/test-ble-callers.py): the tree carries the values.
        self.assertEqual(set(str(p) for p in objects),
                         {APP + '/' + s for s in ('knee', 'rsc', 'battery', 'dis')} |
                         set(CHR.values()))
        om = dbus.Interface(self.bus.get_object(self.dut_name, APP),
                            'org.freedesktop.DBus.ObjectManager')
        with self.assertRaises(dbus.exceptions.DBusException) as cm:
            om.GetManagedObjects()
        self.assertEqual(cm.exception.get_dbus_name(), 'org.bluez.Error.NotPermitted')


class Reads(BleTestCase):
    def setUp(self):
        super().setUp()
        self.wait_ready()
        self.dev = self.phone()

    def test_static_values(self):
        self.assertEqual(self.read(self.dev, gd.RSC_FEATURE), (0, b'\x07\x00'))
        self.assertEqual(self.read(self.dev, gd.SENSOR_LOCATION), (0, b'\x00'))
        self.assertEqual(self.read(self.dev, gd.SERIAL), (0, b'TEST0001'))
        self.assertEqual(self.read(self.dev, gd.HARDWARE_REV), (0, b'proto-2'))
        self.assertEqual(self.read(self.dev, gd.FIRMWARE_REV), (0, b'1.2.3'))
        self.assertEqual(self.read(self.dev, gd.MANUFACTURER), (0, b'kneed'))
        self.assertEqual(self.read(self.dev, gd.MODEL), (0, b'Knee Sleeve'))
        ecode, sw = self.read(self.dev, gd.SOFTWARE_REV)
        self.assertEqual(ecode, 0)
        self.assertRegex(sw.decode(), r'^\d+\.\d+')

    def test_health_data_needs_an_encrypted_link(self):
        open_phone = self.phone('AA:BB:CC:DD:EE:02', bonded=False, security=1)
        for uuid in (gd.LIVE, gd.ALERTS, gd.STATUS, gd.SERIAL):
            self.assertEqual(self.read(open_phone, uuid)[0], 0x0f, uuid)   # Insufficient Encryption
        for uuid in (gd.LIVE, gd.STATUS, gd.ALERTS, gd.RSC_MEASUREMENT):
            self.assertEqual(self.subscribe(open_phone, uuid, 2 if uuid == gd.ALERTS else 1), 0x0f, uuid)
        self.assertEqual(self.read(open_phone, gd.BATTERY_LEVEL)[0], 0)
        self.assertEqual(self.read(open_phone, gd.RSC_FEATURE)[0], 0)
        # Write-only characteristics are not readable at all.
        self.assertEqual(self.read(self.dev, gd.CONTROL)[0], 0x02)
        self.assertEqual(self.read(self.dev, gd.PAIN)[0], 0x02)

    def test_status_and_alerts_before_any_data(self):
        status = gd.decode_status(self.read(self.dev, gd.STATUS)[1])
        self.assertEqual(status['state'], 'idle')
        self.assertIsNone(status['battery_pct'])
        self.assertEqual(status['alerts_queued'], 0)
        alert = gd.decode_alert(self.read(self.dev, gd.ALERTS)[1])
        self.assertIsNone(alert['kind'])
        self.assertEqual(alert['seq'], 0)

    def test_live_form_follows_mtu_and_offsets_are_honoured(self):
        self.harness.UpdateLive({'knee_deg': 62.5, 'cadence_spm': 172.4, 'strides': 1234,
                                 'activity': 3, 'has_last_stride': True, 'ic_flex_deg': 18.3,
                                 'stance_peak_flex_deg': 41.0, 'swing_peak_flex_deg': 95.2,
                                 'rom_deg': 96.7, 'contact_s': 0.232, 'impact_g': 8.7,
                                 'min_flex_deg': -1.5, 'stride_s': 0.698, 't_s': 12.5})
        ecode, compact = self.read(self.dev, gd.LIVE, mtu=23)
        self.assertEqual(ecode, 0)
        self.assertEqual(len(compact), 20)
        live = gd.decode_live(compact)
        self.assertEqual(live['form'], 'compact')
        self.assertEqual(live['activity'], 'running')
        self.assertAlmostEqual(live['knee_deg'], 62.5)
        self.assertAlmostEqual(live['cadence_spm'], 172.4)
        self.assertEqual(live['strides'], 1234)
        self.assertAlmostEqual(live['contact_s'], 0.232)
        self.assertAlmostEqual(live['impact_g'], 8.7)

        full = self.read_long(self.dev, gd.LIVE, mtu=185)
        self.assertEqual(len(full), 36)
        ext = gd.decode_live(full)
        self.assertEqual(ext['form'], 'extended')
        self.assertAlmostEqual(ext['min_flex_deg'], -1.5)
        self.assertAlmostEqual(ext['stride_s'], 0.698)
        self.assertAlmostEqual(ext['t_s'], 12.5)
        self.assertEqual(full[:20], compact)

        # Read Blob: the tail from the offset; at the end, empty; beyond, an error.
        self.assertEqual(self.read(self.dev, gd.LIVE, offset=20, mtu=185), (0, full[20:]))
        self.assertEqual(self.read(self.dev, gd.LIVE, offset=36, mtu=185), (0, b''))
        self.assertEqual(self.read(self.dev, gd.LIVE, offset=37, mtu=185)[0], 0x07)
        self.assertEqual(self.read(self.dev, gd.SERIAL, offset=9)[0], 0x07)
        self.assertEqual(self.read(self.dev, gd.SERIAL, offset=4), (0, b'0001'))


class Notifications(BleTestCase):
    def setUp(self):
        super().setUp()
        self.wait_ready()
        self.dev = self.phone()

    def test_live_metrics_are_notified_in_compact_form_when_they_change(self):
        self.assertEqual(self.subscribe(self.dev, gd.LIVE, 1), 0)
        for i in range(3):
            self.harness.UpdateLive({'knee_deg': 10.0 + i, 'cadence_spm': 170.0, 'strides': i,
                                     'activity': 3})
        self.harness.UpdateLive({'knee_deg': 12.0, 'cadence_spm': 170.0, 'strides': 2,
                                 'activity': 3})   # unchanged: no notification
        # a change after it: its notification follows any the repeat caused
        self.harness.UpdateLive({'knee_deg': 13.0, 'cadence_spm': 170.0, 'strides': 3,
                                 'activity': 3})
        values = self.wait_values(gd.LIVE, 4)
        self.assertEqual([len(v) for v in values], [20, 20, 20, 20])
        self.assertEqual([gd.decode_live(v)['knee_deg'] for v in values], [10.0, 11.0, 12.0, 13.0])

    def test_status_and_battery_are_notified_on_change(self):
        self.assertEqual(self.subscribe(self.dev, gd.STATUS, 1), 0)
        self.assertEqual(self.subscribe(self.dev, gd.BATTERY_LEVEL, 1), 0)
        self.harness.SetStatus({'state': 1, 'source': 1, 'battery_pct': 57, 'sensors_present': 31,
                                'session_active': True})
        status = gd.decode_status(self.wait_values(gd.STATUS, 2)[-1])
        self.assertEqual(status['state'], 'streaming')
        self.assertEqual(status['source'], 'simulated')
        self.assertEqual(status['battery_pct'], 57)
        self.assertTrue(status['session_active'])
        battery = self.wait_values(gd.BATTERY_LEVEL, 2)
        self.assertEqual(battery[-1], bytes([57]))

    def test_several_phones_and_bluetoothd_subscription_counting(self):
        other = self.phone('AA:BB:CC:DD:EE:03')
        self.assertEqual(self.subscribe(self.dev, gd.LIVE, 1), 0)
        self.assertEqual(self.subscribe(other, gd.LIVE, 1), 0)
        wait_until(lambda: self.info()['subscriptions'] == 2, what='two StartNotify')
        self.harness.UpdateLive({'knee_deg': 5.0})
        self.wait_values(gd.LIVE, 1, self.dev)
        self.wait_values(gd.LIVE, 1, other)
        # The first phone leaves: bluetoothd does not call StopNotify yet.
        self.assertEqual(self.subscribe(self.dev, gd.LIVE, 0), 0)
        self.harness.UpdateLive({'knee_deg': 6.0})
        self.wait_values(gd.LIVE, 2, other)
        self.assertEqual(len(self.values(gd.LIVE, self.dev)), 1)
        # The last one leaves: StopNotify ends every subscription.
        self.assertEqual(self.subscribe(other, gd.LIVE, 0), 0)
        wait_until(lambda: self.info()['subscriptions'] == 0, what='StopNotify')
        # The status characteristic, subscribed, is the marker: its value
        # goes out after anything the live update sent.
        self.assertEqual(self.subscribe(other, gd.STATUS, 1), 0)
        self.wait_values(gd.STATUS, 1, other)
        self.mock.ClearNotifications()
        self.harness.UpdateLive({'knee_deg': 7.0})
        self.harness.SetStatus({'state': 1, 'source': 1, 'battery_pct': 42})
        self.wait_values(gd.STATUS, 1, other)
        self.assertEqual([str(p) for _, _, p, _ in self.mock.GetReceivedValues()], [CHR[gd.STATUS]],
                         'nothing is sent when nobody is subscribed')

    def test_values_go_only_to_subscribers_not_to_the_whole_bus(self):
        spy = dbus.bus.BusConnection(self.address)
        seen = []
        spy.add_signal_receiver(lambda iface, changed, inv: seen.append(bytes(changed.get('Value', b''))),
                                'PropertiesChanged', 'org.freedesktop.DBus.Properties', None,
                                CHR[gd.LIVE])
        self.assertEqual(self.subscribe(self.dev, gd.LIVE, 1), 0)
        self.harness.UpdateLive({'knee_deg': 33.3})
        [value] = self.wait_values(gd.LIVE, 1)
        self.assertAlmostEqual(gd.decode_live(value)['knee_deg'], 33.3)
        # A reply from the program under test to the spy comes after any
        # signal it sent before: once it is in, nothing is in flight.
        dbus.Interface(spy.get_object(self.dut_name, '/org/kneed/harness'),
                       'org.kneed.BleHarness1').GetInfo()
        pump()
        self.assertFalse([v for v in seen if v],
                         'a bus peer other than the subscriber (bluetoothd) sees no health data')
        # bluetoothd leaving the bus ends its subscriptions.
        self.stop_mock()
        wait_until(lambda: self.info()['subscriptions'] == 0, what='the subscriber to be dropped')
        spy.close()


class ControlPoint(BleTestCase):
    def setUp(self):
        super().setUp()
        self.wait_ready()
        self.dev = self.phone()

    def responses(self):
        return [gd.decode_cp_response(v) for v in self.values(gd.CONTROL)]

    def test_refused_without_indications_and_for_unbonded_or_unencrypted_phones(self):
        req = gd.encode_cp('start_session')
        self.assertEqual(self.write(self.dev, gd.CONTROL, req), CP_CCCD_IMPROPER)
        self.assertEqual(self.subscribe(self.dev, gd.CONTROL, 1), 0xfd, 'indicate only')
        self.assertEqual(self.subscribe(self.dev, gd.CONTROL, 2), 0)
        unbonded = self.phone('AA:BB:CC:DD:EE:04', bonded=False, security=2)
        self.assertEqual(self.write(unbonded, gd.CONTROL, req), 0x08)
        cleartext = self.phone('AA:BB:CC:DD:EE:05', bonded=False, security=1)
        self.assertEqual(self.write(cleartext, gd.CONTROL, req), 0x0f)
        self.assertEqual(self.calls(), [], 'nothing happened')

    def test_requests_results_and_att_errors(self):
        self.assertEqual(self.subscribe(self.dev, gd.CONTROL, 2), 0)
        self.assertEqual(self.write(self.dev, gd.CONTROL, gd.encode_cp('set_threshold', 0, 5.0)), 0)
        self.assertEqual(self.write(self.dev, gd.CONTROL, gd.encode_cp('get_threshold', 0)), 0)
        self.assertEqual(self.write(self.dev, gd.CONTROL, gd.encode_cp('set_threshold', 0, 100.0)), 0)
        self.assertEqual(self.write(self.dev, gd.CONTROL, bytes([0x0b])), 0)
        self.assertEqual(self.write(self.dev, gd.CONTROL, gd.encode_cp('start_session') + b'\x00'), 0)
        self.assertEqual(self.write(self.dev, gd.CONTROL, gd.encode_cp('set_time', 1700000000.25)), 0)
        self.assertEqual(self.write(self.dev, gd.CONTROL, gd.encode_cp('identify', 0.5)), 0)
        self.assertEqual(self.write(self.dev, gd.CONTROL, gd.encode_cp('start_coaching', 172.0)), 0)
        self.assertEqual(self.write(self.dev, gd.CONTROL, gd.encode_cp('stop_coaching')), 0)
        responses = wait_until(lambda: len(self.responses()) == 9 and self.responses(),
                               what='9 responses')
        self.assertEqual([(r['request'], r['result']) for r in responses], [
            (0x04, 'success'), (0x05, 'success'), (0x04, 'invalid-parameter'),
            (0x0b, 'op-code-not-supported'), (0x01, 'invalid-parameter'), (0x06, 'success'),
            (0x07, 'success'), (0x08, 'success'), (0x09, 'success')])
        self.assertAlmostEqual(responses[1]['value'], 5.0)
        self.assertEqual(self.calls(), ['set_param 0 5.000', 'get_param 0',
                                        'set_time 1700000000250000', 'identify 500',
                                        'start_coaching 172.0', 'stop_coaching'])
        # ATT-level errors: nothing reaches the daemon and no indication.
        self.assertEqual(self.write(self.dev, gd.CONTROL, b''), 0x0d)
        self.assertEqual(self.write(self.dev, gd.CONTROL, bytes(21)), 0x0d)
        self.assertEqual(self.write(self.dev, gd.CONTROL, b'\x01', offset=1), 0x07)
        # one good request after them: its indication and call come after
        # any the refused writes made
        self.assertEqual(self.write(self.dev, gd.CONTROL, gd.encode_cp('stop_coaching')), 0)
        responses = wait_until(lambda: len(self.responses()) >= 10 and self.responses(),
                               what='the 10th response')
        self.assertEqual(len(responses), 10)
        self.assertEqual((responses[9]['request'], responses[9]['result']), (0x09, 'success'))
        self.assertEqual(self.calls()[6:], ['stop_coaching'])

    def test_daemon_refusals_come_back_as_result_codes(self):
        self.assertEqual(self.subscribe(self.dev, gd.CONTROL, 2), 0)
        self.harness.SetResult('start_session', 7)
        self.harness.SetResult('identify', 5)
        self.write(self.dev, gd.CONTROL, gd.encode_cp('start_session'))
        self.write(self.dev, gd.CONTROL, gd.encode_cp('identify'))
        responses = wait_until(lambda: len(self.responses()) == 2 and self.responses())
        self.assertEqual([r['result'] for r in responses], ['wrong-state', 'not-available'])

    def test_calibration_is_asynchronous_and_busy_meanwhile(self):
        self.assertEqual(self.subscribe(self.dev, gd.CONTROL, 2), 0)
        self.harness.SetResult('calibrate', -1)
        self.assertEqual(self.write(self.dev, gd.CONTROL, gd.encode_cp('calibrate')), 0)
        self.assertEqual(self.write(self.dev, gd.CONTROL, gd.encode_cp('start_session')), 0xfe)
        self.harness.CompleteCalibration(1, -2.5, 2.5)
        # the calibration's indication is the first and only one: the
        # refused write (an ATT error) indicated nothing before it
        responses = wait_until(lambda: self.responses())
        self.assertEqual(len(responses), 1, responses)
        r = responses[0]
        self.assertEqual((r['request'], r['result']), (0x03, 'success'))
        self.assertAlmostEqual(r['offset_deg'], -2.5)
        self.assertAlmostEqual(r['residual_deg'], 2.5)
        self.assertEqual(self.write(self.dev, gd.CONTROL, gd.encode_cp('start_session')), 0)
        self.assertEqual(self.calls(), ['calibrate', 'start_session'])

    def test_a_failed_calibration_has_no_parameters(self):
        self.assertEqual(self.subscribe(self.dev, gd.CONTROL, 2), 0)
        self.harness.SetResult('calibrate', 6)
        self.write(self.dev, gd.CONTROL, gd.encode_cp('calibrate'))
        values = wait_until(lambda: self.values(gd.CONTROL))
        self.assertEqual(values, [bytes([0x80, 0x03, 0x06])])


class PainMarks(BleTestCase):
    '''A mark made with the sleeve's button, found and scored by a phone.'''

    def setUp(self):
        super().setUp()
        self.wait_ready()
        self.dev = self.phone()

    def responses(self):
        return [gd.decode_cp_response(v) for v in self.values(gd.CONTROL)]

    def test_get_and_score(self):
        self.assertEqual(self.subscribe(self.dev, gd.CONTROL, 2), 0)
        self.assertEqual(self.write(self.dev, gd.CONTROL, gd.encode_cp('get_pain_mark')), 0)
        self.assertEqual(self.write(self.dev, gd.CONTROL, gd.encode_cp('get_pain_mark', 1)), 0)
        self.harness.SetResult('get_pain_mark', 5)
        self.assertEqual(self.write(self.dev, gd.CONTROL, gd.encode_cp('get_pain_mark', 2)), 0)
        self.assertEqual(self.write(self.dev, gd.CONTROL, bytes([0x0a, 0, 0])), 0)
        responses = wait_until(lambda: len(self.responses()) == 4 and self.responses(),
                               what='4 responses')
        self.assertEqual([(r['request'], r['result']) for r in responses],
                         [(0x0a, 'success'), (0x0a, 'success'), (0x0a, 'not-available'),
                          (0x0a, 'invalid-parameter')])
        self.assertEqual((responses[0]['mark_id'], responses[0]['waiting']), (3, 2))
        self.assertAlmostEqual(responses[0]['time_s'], 1700000000.25)
        self.assertEqual(responses[1]['mark_id'], 4)
        # Layout 2 of the Pain Report scores it.
        self.assertEqual(self.write(self.dev, gd.PAIN,
                                    gd.encode_pain(5, 'front', 'during', 'hill', mark=3)), 0)
        self.assertEqual(self.write(self.dev, gd.PAIN, gd.encode_pain(5, 'front', 'during', mark=0)),
                         0x82)
        self.harness.SetResult('report_pain', -2)    # -ENOENT: no such mark waiting
        self.assertEqual(self.write(self.dev, gd.PAIN, gd.encode_pain(5, 'front', 'during', mark=9)),
                         0x85)
        self.assertEqual(self.calls(), ['get_pain_mark 0', 'get_pain_mark 1', 'get_pain_mark 2',
                                        'report_pain mark 3 5 front during hill'])


class Link(BleTestCase):
    '''Connected devices, counted for the sleeve's LED (KnBleInfo.connected).'''

    def test_connected_devices_are_counted(self):
        self.wait_ready()
        dev = self.phone()
        self.assertEqual(self.info()['connected'], 0)
        device = dbus.Interface(self.bus.get_object('org.bluez', dev), 'org.bluez.Device1')
        device.Connect()
        wait_until(lambda: self.info()['connected'] == 1, 5, 'the phone counted')
        self.mock.AddAdapter('hci1', 'second')
        other = self.phone('AA:BB:CC:DD:EE:07', adapter='hci1')
        dbus.Interface(self.bus.get_object('org.bluez', other), 'org.bluez.Device1').Connect()
        device.Disconnect()
        # A device on another adapter is not ours to count.
        wait_until(lambda: self.info()['connected'] == 0, 5, 'the phone gone')


class PainReport(BleTestCase):
    def setUp(self):
        super().setUp()
        self.wait_ready()
        self.dev = self.phone()

    def test_good_and_bad_reports(self):
        self.assertEqual(self.write(self.dev, gd.PAIN, gd.encode_pain(8, 'inside', 'during', 'stairs')), 0)
        self.assertEqual(self.write(self.dev, gd.PAIN, gd.encode_pain(0, 'front', 'after')), 0)
        self.assertEqual(self.write(self.dev, gd.PAIN, b'\x01\x08\x02'), 0x0d)
        self.assertEqual(self.write(self.dev, gd.PAIN, gd.encode_pain(3, 'back', 'start', 'x' * 65)), 0x0d)
        self.assertEqual(self.write(self.dev, gd.PAIN, b'\x03\x08\x02\x01'), 0x83)
        self.assertEqual(self.write(self.dev, gd.PAIN, b'\x02\x08\x02\x01'), 0x0d)
        self.assertEqual(self.write(self.dev, gd.PAIN, b'\x01\x0b\x02\x01'), 0x82)
        self.assertEqual(self.write(self.dev, gd.PAIN, b'\x01\x08\x04\x01'), 0x82)
        self.assertEqual(self.write(self.dev, gd.PAIN, b'\x01\x08\x02\x01\xff'), 0x82)
        self.assertEqual(self.write(self.dev, gd.PAIN, gd.encode_pain(8, 'inside', 'during'), offset=2), 0x07)
        unbonded = self.phone('AA:BB:CC:DD:EE:06', bonded=False, security=2)
        self.assertEqual(self.write(unbonded, gd.PAIN, gd.encode_pain(9, 'inside', 'during')), 0x08)
        self.harness.SetResult('report_pain', -34)    # -ERANGE from the daemon
        self.assertEqual(self.write(self.dev, gd.PAIN, gd.encode_pain(9, 'inside', 'during')), 0x82)
        self.harness.SetResult('report_pain', -5)
        self.assertEqual(self.write(self.dev, gd.PAIN, gd.encode_pain(9, 'inside', 'during')), 0x84)
        self.assertEqual(self.calls(), ['report_pain 8 inside during stairs',
                                        'report_pain 0 front after '])


class Alerts(BleTestCase):
    harness_args = ['--alert-queue', '4']

    def setUp(self):
        super().setUp()
        self.wait_ready()
        self.dev = self.phone()

    def push(self, seq, value=12.4):
        self.harness.PushAlert({'seq': dbus_u64(seq), 'kind': dbus_u32(0), 'severity': dbus_u32(2),
                                'value': value, 'threshold': 10.0, 'unit': 'deg',
                                'message': dbus_u32(1), 'arg': 410.0,
                                'wall_us': dbus_i64(1700000000_000000 + seq * 1000),
                                'clock_set': True})

    def test_indicated_at_once_while_subscribed(self):
        self.assertEqual(self.subscribe(self.dev, gd.ALERTS, 2), 0)
        self.push(1)
        v = self.wait_values(gd.ALERTS, 1)[0]
        self.assertEqual(len(v), 20, 'the default ATT payload')
        a = gd.decode_alert(v)
        self.assertEqual((a['seq'], a['kind'], a['severity'], a['unit'], a['message']),
                         (1, 'hyperextension', 'critical', 'deg', 'hyperextension'))
        self.assertAlmostEqual(a['arg'], 410.0)
        self.assertAlmostEqual(a['value'], 12.4)
        self.assertAlmostEqual(a['threshold'], 10.0)
        self.assertTrue(a['wall_clock'])
        self.assertFalse(a['late'])
        self.assertAlmostEqual(a['time_s'], 1700000000.001, places=3)
        self.assertEqual(gd.decode_alert(self.read(self.dev, gd.ALERTS)[1])['seq'], 1)

    def test_queued_while_unsubscribed_then_delivered_in_order_with_overflow_counted(self):
        for seq in range(1, 7):
            self.push(seq, value=seq)
        status = gd.decode_status(self.read(self.dev, gd.STATUS)[1])
        self.assertEqual((status['alerts_queued'], status['alerts_dropped']), (4, 2))
        info = self.info()
        self.assertEqual((info['alerts_queued'], info['alerts_dropped']), (4, 2))
        # A read gives the latest alert raised even before delivery.
        self.assertEqual(gd.decode_alert(self.read(self.dev, gd.ALERTS)[1])['seq'], 6)
        self.assertEqual(self.subscribe(self.dev, gd.ALERTS, 2), 0)
        alerts = [gd.decode_alert(v) for v in self.wait_values(gd.ALERTS, 4)]
        self.assertEqual([a['seq'] for a in alerts], [3, 4, 5, 6], 'oldest dropped, order kept')
        self.assertTrue(all(a['late'] for a in alerts))
        status = gd.decode_status(self.read(self.dev, gd.STATUS)[1])
        self.assertEqual((status['alerts_queued'], status['alerts_dropped']), (0, 2))
        self.push(7)
        self.assertFalse(gd.decode_alert(self.wait_values(gd.ALERTS, 5)[-1])['late'])


def dbus_u64(v):
    import dbus
    return dbus.UInt64(v)


def dbus_u32(v):
    import dbus
    return dbus.UInt32(v)


def dbus_i64(v):
    import dbus
    return dbus.Int64(v)


class RunningSpeedAndCadence(BleTestCase):
    def setUp(self):
        super().setUp()
        self.wait_ready()
        self.dev = self.phone()

    def test_measurement_per_stride_then_zero_when_stopping(self):
        self.assertEqual(self.subscribe(self.dev, gd.RSC_MEASUREMENT, 1), 0)
        self.harness.PushStride({'activity': dbus_u32(3), 'cadence_spm': 171.4, 'stride_s': 0.7,
                                 'contact_s': 0.25})
        self.harness.PushStride({'activity': dbus_u32(2), 'cadence_spm': 110.0, 'stride_s': 1.09,
                                 'contact_s': 0.65})
        self.harness.UpdateLive({'cadence_spm': 0.0, 'activity': dbus_u32(1)})
        m = [gd.decode_rsc_measurement(v) for v in self.wait_values(gd.RSC_MEASUREMENT, 3)]
        # height 1.75 m: leg 0.9275 m / 0.25 s contact = 3.71 m/s
        self.assertTrue(m[0]['running'])
        self.assertAlmostEqual(m[0]['speed_mps'], 3.71, delta=1 / 256)
        self.assertEqual(m[0]['cadence_spm'], 171)
        self.assertAlmostEqual(m[0]['stride_m'], 3.71 * 0.7, delta=0.01)
        self.assertFalse(m[1]['running'])
        self.assertAlmostEqual(m[1]['stride_m'], 2 * 0.415 * 1.75, delta=0.01)
        self.assertAlmostEqual(m[1]['total_m'], 3.71 * 0.7 + 2 * 0.415 * 1.75, delta=0.2)
        self.assertEqual((m[2]['speed_mps'], m[2]['cadence_spm'], m[2]['stride_m']), (0, 0, None))

    def test_sc_control_point_sets_the_total_distance(self):
        self.assertEqual(self.subscribe(self.dev, gd.RSC_MEASUREMENT, 1), 0)
        self.assertEqual(self.write(self.dev, gd.SC_CONTROL, struct.pack('<BI', 1, 12345)),
                         CP_CCCD_IMPROPER)
        self.assertEqual(self.subscribe(self.dev, gd.SC_CONTROL, 2), 0)
        self.assertEqual(self.write(self.dev, gd.SC_CONTROL, struct.pack('<BI', 1, 12345)), 0)
        self.assertEqual(self.write(self.dev, gd.SC_CONTROL, b'\x02'), 0)
        self.assertEqual(self.write(self.dev, gd.SC_CONTROL, b'\x01\x39'), 0)
        responses = [gd.decode_sc_response(v) for v in self.wait_values(gd.SC_CONTROL, 3)]
        self.assertEqual([(r['request'], r['result']) for r in responses],
                         [(1, 'success'), (2, 'op-code-not-supported'), (1, 'invalid-parameter')])
        self.harness.PushStride({'activity': dbus_u32(2), 'cadence_spm': 110.0, 'stride_s': 1.09})
        m = gd.decode_rsc_measurement(self.wait_values(gd.RSC_MEASUREMENT, 1)[-1])
        self.assertAlmostEqual(m['total_m'], 1234.5 + 2 * 0.415 * 1.75, delta=0.1)
        self.assertTrue(math.isfinite(m['speed_mps']))


if __name__ == '__main__':
    taprunner.main()
