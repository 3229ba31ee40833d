#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""A failed IIO sensor in the BLE Status characteristic: kneed on the IIO
source (umockdev test beds, tests/iiotest.py) with the mock bluetoothd
(tests/ble_testlib.py) and the test as the phone.  The flexion ADC
vanishes: Status says degraded, flex failed (byte 4), the sensor error bit
(bytes 8-9); it comes back: present again.  docs/gatt.md."""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import iiotest  # noqa: E402  (first: re-runs us under umockdev)
from iiotest import Bed, Feeder, sleeve_devices, sleeve_config, knee_to_raw, ADS, BEDS  # noqa: E402
from ble_testlib import KneedTestCase, gd, wait_until, main  # noqa: E402


class Status(KneedTestCase):
    start_kneed_at_setup = False

    def setUp(self):
        self.bed = Bed()
        os.environ['UMOCKDEV_DIR'] = self.bed.tb.get_root_dir()
        self.feeder = None
        super().setUp()

    def tearDown(self):
        if self.feeder:
            self.feeder.stop()
        super().tearDown()
        del self.bed

    def status(self):
        return gd.decode_status(self.read(self.dev, gd.STATUS)[1])

    def test_failed_sensor_in_the_status_characteristic(self):
        config = sleeve_config(os.path.join(self.tmp, 'state')) + \
            '\n[bluetooth]\nname = Test Sleeve\n'
        self.start_kneed(config)
        self.wait_ready(5)
        self.dev = self.phone()
        thigh, shank, flex = sleeve_devices(self.bed)
        devices = [shank, flex, thigh]
        wait_until(lambda: all(d.ready() for d in devices), 10, 'buffers enabled')
        for d in devices:
            d.setup()

        def source(dev, t):
            if dev is flex:
                return knee_to_raw(15.0)
            return ([0.0, 9.8, 0.0], [0.0, 0.0, 0.1])

        self.feeder = Feeder(devices, source)
        self.feeder.start()
        st = wait_until(lambda: (lambda s: s['state'] == 'streaming' and s)(self.status()), 10,
                        'streaming')
        self.assertEqual((st['source'], st['sensors_present'], st['sensors_failed']),
                         ('sensors', 0x1f, 0))
        self.assertEqual(st['error_bits'] & 1, 0)

        self.feeder.paused.add(flex)
        self.bed.remove(ADS)
        st = wait_until(lambda: (lambda s: s['sensors_failed'] and s)(self.status()), 10,
                        'the flex sensor failed')
        self.assertEqual((st['state'], st['sensors_present'], st['sensors_failed']),
                         ('degraded', 0x1e, 0x01))
        self.assertEqual(st['error_bits'] & 1, 1, 'sensor error bit')

        with open(os.path.join(BEDS, 'ads1015-1-0048.umockdev')) as f:
            text = f.read().replace('iio:device2', 'iio:device9').replace('247:2', '247:9')
        self.bed.tb.add_from_string(text)
        flex.node = '/dev/iio:device9'
        flex.syspath = ADS.replace('iio:device2', 'iio:device9')
        wait_until(flex.ready, 40, 'the ADC reopened')
        flex.setup()
        self.feeder.paused.discard(flex)
        st = wait_until(lambda: (lambda s: s['sensors_present'] == 0x1f and s)(self.status()),
                        10, 'the flex sensor back')
        self.assertEqual((st['state'], st['sensors_failed'], st['error_bits'] & 1),
                         ('streaming', 0, 0))


if __name__ == '__main__':
    main()
