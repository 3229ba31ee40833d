#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""The real kneed with [button], [haptic], [led]: a line it cannot have
stops it before it claims its bus name, exit 78, the message naming file,
line, section and key; --check-config finds the textual errors.  (The
lines themselves are exercised in-process by test-sleeve-gpio, where
umockdev emulates the chip.)"""

import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from kneedtest import *  # noqa: E402,F401,F403


class SleeveDaemonTest(TmpDirTestCase):
    def setUp(self):
        super().setUp()
        self.bus = PrivateBus()
        self.conn = self.bus.connect()

    def tearDown(self):
        self.bus.stop()
        super().tearDown()

    def kneed(self, text, *args):
        path = os.path.join(self.tmpdir, 'kneed.conf')
        with open(path, 'w') as f:
            f.write(text)
        r = subprocess.run([KNEED, '--session', '--config', path] + list(args),
                           env=self.bus.env(), capture_output=True, text=True, timeout=30 * SLOW)
        return r, path

    def test_lines_it_cannot_have(self):
        for text, message in [
                ('[daemon]\nside = left\n\n[button]\nchip = /dev/gpiochip-kneed-absent\nline = B\n',
                 ':5: [button] chip: /dev/gpiochip-kneed-absent: no such GPIO chip (chips: '),
                ('[haptic]\nline = KNEED_NO_SUCH_LINE\n',
                 ":2: [haptic] line: no line named 'KNEED_NO_SUCH_LINE' on any GPIO chip")]:
            r, path = self.kneed(text)
            self.assertEqual(r.returncode, 78, r.stderr)
            self.assertIn('kneed: ' + path + message, r.stderr)
            self.assertFalse(name_owned(self.conn))

    def test_check_config(self):
        for text, message in [
                ('[led]\nline = 5\n', ':2: [led] line: offset 5 needs chip ='),
                ('[button]\nline = B\nlong_ms = 100\n', ':3: [button] long_ms: 100 is outside '
                 '500..10000'),
                ('[haptic]\nline = M\n[led]\nline = M\n', ':4: [led] line: the same line as '
                 '[haptic] line')]:
            r, path = self.kneed(text, '--check-config')
            self.assertEqual(r.returncode, 78, r.stderr)
            self.assertIn(path + message, r.stderr)
        # Well-formed: --check-config does not open lines, so it passes
        # on a machine without them.
        r, path = self.kneed('[button]\nchip = gpiochip0\nline = GPIO17\nactive_low = true\n'
                             'bias = pull-up\n[haptic]\nchip = gpiochip0\nline = GPIO27\n'
                             'alerts = warning\n[led]\nchip = gpiochip0\nline = GPIO22\n',
                             '--check-config')
        self.assertEqual((r.returncode, r.stdout), (0, path + ': OK\n'), r.stderr)


if __name__ == '__main__':
    main()
