#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""What a release carries agrees with itself.

One version: configure.ac's AC_INIT (PACKAGE_VERSION in config.h) is what
`kneed --version` and `kneectl --version` print (the D-Bus Version
property and the BLE Software Revision are checked against it by
test-dbus-api.py and test-ble-kneed.py), and debian/changelog's upstream
version, the manual pages' footers and the top entry of NEWS must say the
same: bumping one without the others fails here (build-aux/set-version.sh
moves them together).  The release tarball has no debian/ (the package
is built from it and debian/, docs/packaging.md): there those checks skip.

debian/copyright names, for every file that carries an SPDX licence
header, that licence (the last Files: stanza that matches wins, as in
DEP-5): a new LGPL file under a GPL pattern fails here."""

import fnmatch
import glob
import os
import re
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from kneedtest import *  # noqa: E402,F401,F403

SPDX_TO_DEP5 = {'GPL-2.0-or-later': 'GPL-2+', 'LGPL-2.1-or-later': 'LGPL-2.1+'}
# Build and packaging output that may sit in an in-tree build.
SKIP_DIRS = {'.git', 'autom4te.cache', '.deps', '__pycache__'}
SKIP_PATHS = {'deb', 'debian/kneed', 'debian/kneed-dbgsym', 'debian/.debhelper', 'debian/tmp'}
SKIP_PREFIXES = ('_build', '_dist', 'kneed-')

def upstream_version(debian_version):
    v = debian_version.split(':', 1)[-1]
    return v.rsplit('-', 1)[0] if '-' in v else v


def parse_dep5(text):
    """[(patterns, licence)] in file order."""
    stanzas = []
    for para in re.split(r'\n\s*\n', text):
        fields, key = {}, None
        for line in para.splitlines():
            if line.startswith('#'):
                continue
            if line[:1] in (' ', '\t') and key:
                fields[key] += '\n' + line.strip()
            elif ':' in line:
                key, value = line.split(':', 1)
                fields[key] = value.strip()
        if 'Files' in fields:
            stanzas.append((fields['Files'].split(), fields['License'].split('\n')[0].strip()))
    return stanzas


def dep5_licence(stanzas, path):
    found = None
    for patterns, licence in stanzas:
        # DEP-5: '*' matches any characters, '/' included, as fnmatch's does.
        if any(fnmatch.fnmatchcase(path, p) for p in patterns):
            found = licence
    return found


def spdx_files(top):
    for root, dirs, files in os.walk(top):
        rel_root = os.path.relpath(root, top)
        dirs[:] = [d for d in dirs if d not in SKIP_DIRS and
                   os.path.normpath(os.path.join(rel_root, d)) not in SKIP_PATHS and
                   not (rel_root == '.' and (d.startswith(SKIP_PREFIXES) or
                                             (d.startswith('build') and d != 'build-aux')))]
        for name in files:
            path = os.path.join(root, name)
            if os.path.islink(path):
                continue
            try:
                with open(path, encoding='utf-8') as f:
                    head = f.read(1024)
            except (UnicodeDecodeError, OSError):
                continue
            m = re.search(r'SPDX-License-Identifier: ([A-Za-z0-9.+-]+)', head)
            if m:
                yield os.path.relpath(path, top), m.group(1)


class ReleaseTest(unittest.TestCase):
    def setUp(self):
        self.assertTrue(VERSION, 'no PACKAGE_VERSION in %s/config.h' % BUILDDIR)

    def test_programs_print_the_version(self):
        for prog, name in ((KNEED, 'kneed'), (KNEECTL, 'kneectl')):
            r = subprocess.run([prog, '--version'], capture_output=True, text=True, timeout=30)
            self.assertEqual(r.returncode, 0, r.stderr)
            self.assertEqual(r.stdout.strip(), '%s %s' % (name, VERSION))

    def need_debian(self):
        if not os.path.isdir(os.path.join(SRCDIR, 'debian')):
            self.skipTest('no debian/ here (a release tarball)')

    def test_debian_changelog(self):
        self.need_debian()
        with open(os.path.join(SRCDIR, 'debian', 'changelog')) as f:
            first = f.readline()
        m = re.match(r'^kneed \(([^)\s]+)\) ([a-z-]+); urgency=', first)
        self.assertIsNotNone(m, 'debian/changelog: first line is not a kneed entry: ' + first)
        self.assertEqual(upstream_version(m.group(1)), VERSION,
                         'debian/changelog names %s, configure.ac %s' % (m.group(1), VERSION))
        # lintian's unreleased-changes is an error: a built package names
        # a real distribution.
        self.assertNotEqual(m.group(2), 'UNRELEASED')

    def test_manual_pages(self):
        pages = sorted(glob.glob(os.path.join(SRCDIR, 'docs', '*.[1-8]')))
        self.assertGreaterEqual(len(pages), 3)
        for page in pages:
            with open(page) as f:
                th = [line for line in f if line.startswith('.TH ')]
            self.assertEqual(len(th), 1, page)
            self.assertIn('"kneed %s"' % VERSION, th[0], page)

    def test_news(self):
        with open(os.path.join(SRCDIR, 'NEWS')) as f:
            headings = re.findall(r'^kneed (\S+) \(([^)]*)\)\n=+$', f.read(), re.M)
        self.assertTrue(headings, 'NEWS has no "kneed VERSION (DATE)" heading')
        self.assertEqual(headings[0][0], VERSION, 'the top entry of NEWS is not ' + VERSION)
        self.assertRegex(headings[0][1], r'^(unreleased|\d{4}-\d\d-\d\d)$')

    def test_every_module_key_is_documented(self):
        """Each key kneed --print-config prints for a module's section is
        in kneed.conf(5), or for [bluetooth] in docs/gatt.md's table."""
        r = subprocess.run([KNEED, '--print-config', '--config', '/dev/null'],
                           capture_output=True, text=True, timeout=30)
        self.assertEqual(r.returncode, 0, r.stderr)
        with open(os.path.join(SRCDIR, 'docs', 'kneed.conf.5')) as f:
            man = f.read().replace('\\-', '-')
        with open(os.path.join(SRCDIR, 'docs', 'gatt.md')) as f:
            gatt = f.read()
        group, missing, seen = None, [], 0
        for line in r.stdout.splitlines():
            m = re.match(r'^\[(\w+)\]$', line)
            if m:
                group = m.group(1)
                continue
            m = re.match(r'^#?([a-z_]+) = ', line)
            if not m or group not in ('bluetooth', 'battery', 'button', 'haptic', 'led'):
                continue
            seen += 1
            key = m.group(1)
            if group == 'bluetooth':
                if '| `%s` |' % key not in gatt:
                    missing.append('[bluetooth] %s (docs/gatt.md)' % key)
            elif not re.search(r'^\.B[IR]? "?%s\b' % key, man, re.M):
                missing.append('[%s] %s (kneed.conf(5))' % (group, key))
        self.assertGreater(seen, 20, r.stdout)
        self.assertEqual(missing, [])

    def test_copyright_names_each_licence(self):
        self.need_debian()
        with open(os.path.join(SRCDIR, 'debian', 'copyright')) as f:
            stanzas = parse_dep5(f.read())
        seen = 0
        for path, spdx in spdx_files(SRCDIR):
            seen += 1
            self.assertIn(spdx, SPDX_TO_DEP5, '%s: licence %s unknown here' % (path, spdx))
            self.assertEqual(dep5_licence(stanzas, path), SPDX_TO_DEP5[spdx],
                             'debian/copyright: %s is %s' % (path, spdx))
        self.assertGreater(seen, 100)


if __name__ == '__main__':
    main()
