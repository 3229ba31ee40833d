#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""systemd/kneed.service and systemd/kneed.sysusers, checked by systemd's
own tools: `systemd-analyze verify` is clean (with ExecStart pointing at
the kneed just built), `systemd-analyze security --offline=yes` gives the
exposure stated in the unit's comment (and it stays low),
`systemd-sysusers --root` creates the kneed user and every group the unit
names in SupplementaryGroups=, and systemd/kneed.tmpfiles makes the state
directory the unit's StateDirectory= names, with its owner and mode."""

import os
import re
import shutil
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from kneedtest import *  # noqa: E402,F401,F403

UNIT_IN = os.path.join(SRCDIR, 'systemd', 'kneed.service.in')
SYSUSERS = os.path.join(SRCDIR, 'systemd', 'kneed.sysusers')
TMPFILES = os.path.join(SRCDIR, 'systemd', 'kneed.tmpfiles')
MAX_EXPOSURE = 1.0


class SystemdTest(TmpDirTestCase):
    def unit(self):
        with open(UNIT_IN) as f:
            text = f.read()
        path = os.path.join(self.tmpdir, 'kneed.service')
        with open(path, 'w') as f:
            f.write(text.replace('@sbindir@', os.path.join(BUILDDIR, 'daemon')))
        return path, text

    def need(self, tool):
        if not shutil.which(tool):
            self.skipTest(tool + ' is not installed')

    def test_verify(self):
        self.need('systemd-analyze')
        path, _ = self.unit()
        r = subprocess.run(['systemd-analyze', 'verify', '--man=no', path], capture_output=True,
                           text=True, timeout=60)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(r.stderr.strip(), '')

    def test_security(self):
        self.need('systemd-analyze')
        path, text = self.unit()
        r = subprocess.run(['systemd-analyze', 'security', '--offline=yes', '--no-pager', path],
                           capture_output=True, text=True, timeout=60)
        m = re.search(r'Overall exposure level for kneed.service: (\d+\.\d)', r.stdout)
        self.assertIsNotNone(m, r.stdout + r.stderr)
        exposure = float(m.group(1))
        print('exposure %.1f' % exposure)
        self.assertLessEqual(exposure, MAX_EXPOSURE)
        stated = re.search(r'overall exposure level (\d+\.\d)', text)
        self.assertIsNotNone(stated, 'the unit must state its exposure in a comment')
        self.assertEqual(float(stated.group(1)), exposure,
                         'the exposure stated in kneed.service.in is out of date')

    def test_sysusers(self):
        self.need('systemd-sysusers')
        root = os.path.join(self.tmpdir, 'root')
        os.makedirs(os.path.join(root, 'etc'))
        r = subprocess.run(['systemd-sysusers', '--root=' + root, SYSUSERS], capture_output=True,
                           text=True, timeout=60)
        self.assertEqual(r.returncode, 0, r.stderr)
        with open(os.path.join(root, 'etc', 'passwd')) as f:
            users = {line.split(':')[0]: line.split(':') for line in f}
        with open(os.path.join(root, 'etc', 'group')) as f:
            groups = {line.split(':')[0] for line in f}
        self.assertIn('kneed', users)
        self.assertEqual(users['kneed'][5], '/var/lib/kneed')
        _, text = self.unit()
        wanted = re.search(r'^SupplementaryGroups=(.*)$', text, re.M).group(1).split()
        self.assertEqual(re.search(r'^User=(.*)$', text, re.M).group(1), 'kneed')
        for g in wanted + ['kneed']:
            self.assertIn(g, groups)

    def test_tmpfiles(self):
        self.need('systemd-sysusers')
        self.need('systemd-tmpfiles')
        root = os.path.join(self.tmpdir, 'root')
        os.makedirs(os.path.join(root, 'etc'))
        for cmd in (['systemd-sysusers', '--root=' + root, SYSUSERS],
                    ['systemd-tmpfiles', '--create', '--root=' + root, TMPFILES]):
            r = subprocess.run(cmd, capture_output=True, text=True, timeout=60)
            self.assertEqual(r.returncode, 0, r.stderr)
        _, text = self.unit()

        def unit(key):
            return re.search(r'^%s=(.*)$' % key, text, re.M).group(1)

        state = os.path.join(root, 'var', 'lib', unit('StateDirectory'))
        st = os.stat(state)
        self.assertEqual('%o' % (st.st_mode & 0o7777), unit('StateDirectoryMode').lstrip('0'))
        with open(os.path.join(root, 'etc', 'passwd')) as f:
            users = {line.split(':')[0]: line.split(':') for line in f}
        self.assertEqual(st.st_uid, int(users[unit('User')][2]))
        self.assertEqual(users[unit('User')][5], '/var/lib/' + unit('StateDirectory'))


if __name__ == '__main__':
    main()
