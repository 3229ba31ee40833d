#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""kneectl simulate: the recording, the truth files, and option errors."""

import csv
import io
import json
import locale
import os
import subprocess
import sys
import tempfile
import unittest

import taprunner

BUILDDIR = os.environ.get('KNEED_BUILDDIR', os.path.join(os.path.dirname(__file__), '..'))
KNEECTL = os.path.join(BUILDDIR, 'client', 'kneectl')

COLUMNS = ['t_s', 'knee_deg',
           'thigh_ax', 'thigh_ay', 'thigh_az', 'thigh_gx', 'thigh_gy', 'thigh_gz',
           'shank_ax', 'shank_ay', 'shank_az', 'shank_gx', 'shank_gy', 'shank_gz']


def simulate(*args, env=None):
    return subprocess.run([KNEECTL, 'simulate'] + list(args), capture_output=True, text=True,
                          env=env, timeout=120)


def read_recording(text):
    """Returns (metadata dict, header list, rows as lists of floats or None)."""
    lines = text.splitlines()
    assert lines[0] == '# kneed-recording v1', lines[0]
    meta = {}
    i = 1
    while lines[i].startswith('#'):
        key, _, value = lines[i][2:].partition('=')
        meta[key] = value
        i += 1
    header = lines[i].split(',')
    rows = [[float(c) if c else None for c in line.split(',')] for line in lines[i + 1:]]
    return meta, header, rows


class SimulateTest(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory(prefix='kneed-sim-')
        self.dir = self.tmp.name

    def tearDown(self):
        self.tmp.cleanup()

    def path(self, name):
        return os.path.join(self.dir, name)

    def run_ok(self, *args, env=None):
        r = simulate(*args, env=env)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(r.stderr, '')
        return r

    def test_recording_and_truth(self):
        rec, truth, angles = self.path('run.csv'), self.path('truth.jsonl'), self.path('angles.csv')
        self.run_ok('-o', rec, '--truth', truth, '--truth-angles', angles, '--rate', '100',
                    '--seed', '7', '--duration', '20', '--event', 'hyperextension@10',
                    '--event', 'sleeve_slip@3:deg=5')

        with open(rec) as f:
            meta, header, rows = read_recording(f.read())
        self.assertEqual(meta['rate_hz'], '100')
        self.assertEqual(meta['side'], 'right')
        self.assertEqual(meta['source'], 'simulated')
        self.assertEqual(meta['seed'], '7')
        self.assertEqual(meta['blocks'], 'stand:5 run:20:170:3.3 stand:5')
        self.assertEqual(meta['events'],
                         'hyperextension@10:depth=12,speed=400 sleeve_slip@3:deg=5,duration=2')
        self.assertEqual(header, COLUMNS)
        self.assertEqual(len(rows), 30 * 100)
        for i, row in enumerate(rows):
            self.assertEqual(len(row), len(COLUMNS))
            self.assertAlmostEqual(row[0], i / 100, places=6)
            self.assertTrue(all(c is not None for c in row))
        # Standing still at the start: the accelerometers read about +1 g along y.
        self.assertAlmostEqual(rows[0][COLUMNS.index('shank_ay')], 9.81, delta=0.3)
        self.assertAlmostEqual(rows[0][COLUMNS.index('knee_deg')], 2, delta=2)

        with open(truth) as f:
            lines = [json.loads(line) for line in f]
        first = lines[0]
        self.assertEqual(first['type'], 'meta')
        self.assertEqual(first['format'], 'kneed-sim-truth')
        self.assertEqual(first['rate_hz'], 100)
        self.assertEqual(first['seed'], 7)
        self.assertEqual(first['duration_s'], 30)
        self.assertEqual([b['activity'] for b in first['blocks']], ['stand', 'run', 'stand'])
        self.assertEqual([e['kind'] for e in first['events']], ['hyperextension', 'sleeve_slip'])
        windows = [x for x in lines if x['type'] == 'window']
        contacts = [x for x in lines if x['type'] == 'contact']
        self.assertEqual(len(windows) + len(contacts) + 1, len(lines))
        self.assertEqual([w['kind'] for w in windows], ['sleeve_slip', 'hyperextension'])
        self.assertEqual(windows[0]['expect'], None)
        self.assertEqual(windows[0]['start_s'], 3)
        self.assertEqual(windows[0]['end_s'], 30)
        self.assertEqual(windows[1]['expect'], 'hyperextension')
        self.assertGreater(windows[1]['start_s'], 10)
        self.assertAlmostEqual(windows[1]['end_s'] - windows[1]['start_s'], 0.3)
        # 20 s at 170 steps/min: 170 * 20 / 120 = 28.3 strides of one leg.
        self.assertLessEqual(abs(len(contacts) - 170 * 20 / 120), 1)
        for a, b in zip(contacts, contacts[1:]):
            self.assertLess(a['ic_s'], a['to_s'])
            self.assertLess(a['to_s'], b['ic_s'])
            self.assertAlmostEqual(b['ic_s'] - a['ic_s'], 120 / 170, delta=0.05)
            self.assertAlmostEqual(a['to_s'] - a['ic_s'], 0.265, delta=0.03)
        self.assertGreaterEqual(contacts[0]['ic_s'], 5)
        self.assertLessEqual(contacts[-1]['to_s'], 25.8)

        with open(angles) as f:
            table = list(csv.DictReader(f))
        self.assertEqual(len(table), len(rows))
        self.assertEqual(list(table[0].keys()), ['t_s', 'knee_deg', 'thigh_deg', 'shank_deg',
                                                 'shank_frontal_deg', 'contact', 'gait_weight'])
        knee = [float(t['knee_deg']) for t in table]
        for t, row in zip(table, rows):
            self.assertAlmostEqual(float(t['t_s']), row[0], places=6)
            self.assertAlmostEqual(float(t['knee_deg']),
                                   float(t['thigh_deg']) - float(t['shank_deg']), delta=2e-4)
        # The hyperextension is in the true angle; the slip is not.
        self.assertLess(min(knee), -12)
        self.assertGreater(max(knee), 80)
        # The flex sensor carries the slip: 5 deg above the truth at the end.
        tail = [row[1] - k for row, k in zip(rows[-500:], knee[-500:])]
        self.assertAlmostEqual(sum(tail) / len(tail), 5, delta=0.1)

    def test_deterministic(self):
        a, b, c = self.path('a.csv'), self.path('b.csv'), self.path('c.csv')
        for out, seed in ((a, '3'), (b, '3'), (c, '4')):
            self.run_ok('-o', out, '--duration', '10', '--seed', seed)
        with open(a, 'rb') as fa, open(b, 'rb') as fb, open(c, 'rb') as fc:
            data_a, data_b, data_c = fa.read(), fb.read(), fc.read()
        self.assertEqual(data_a, data_b)
        self.assertNotEqual(data_a, data_c)

    def test_stdout_subset_left(self):
        r = self.run_ok('-o', '-', '--side', 'left', '--sensors', 'flex,shank',
                        '--block', 'stand:3', '--block', 'walk:10:100:1.1', '--rate', '250')
        meta, header, rows = read_recording(r.stdout)
        self.assertEqual(meta['side'], 'left')
        self.assertEqual(meta['rate_hz'], '250')
        self.assertEqual(meta['sensors'], 'flex,shank-accel,shank-gyro')
        self.assertEqual(header, ['t_s', 'knee_deg', 'shank_ax', 'shank_ay', 'shank_az',
                                  'shank_gx', 'shank_gy', 'shank_gz'])
        self.assertEqual(len(rows), 13 * 250)
        self.assertNotIn('events', meta)

    def test_truth_to_stdout(self):
        rec = self.path('r.csv')
        r = self.run_ok('-o', rec, '--truth', '-', '--duration', '5', '--noise', '0')
        lines = [json.loads(line) for line in r.stdout.splitlines()]
        self.assertEqual(lines[0]['type'], 'meta')
        self.assertEqual(lines[0]['noise'], 0)
        self.assertEqual(lines[0]['recording'], rec)
        self.assertTrue(all(x['type'] == 'contact' for x in lines[1:]))

    def decimal_comma_env(self):
        """An environment whose locale writes 3,5: an installed one, or one
        compiled with localedef (libc-bin) into the temporary directory."""
        for name in ('de_DE.UTF-8', 'de_DE.utf8', 'fr_FR.UTF-8'):
            try:
                locale.setlocale(locale.LC_NUMERIC, name)
                return dict(os.environ, LC_ALL=name)
            except locale.Error:
                continue
            finally:
                locale.setlocale(locale.LC_NUMERIC, 'C')
        locpath = self.path('locale')
        os.makedirs(locpath, exist_ok=True)
        try:
            subprocess.run(['localedef', '-i', 'de_DE', '-f', 'UTF-8',
                            os.path.join(locpath, 'de_DE.UTF-8')],
                           check=True, capture_output=True, timeout=60)
        except (OSError, subprocess.SubprocessError):
            return None
        return dict(os.environ, LOCPATH=locpath, LC_ALL='de_DE.UTF-8')

    def test_locale_independent(self):
        # A decimal comma in the user's locale changes nothing in specs or files.
        env = self.decimal_comma_env()
        if env is None:
            self.skipTest('no locale with a decimal comma available')
        check = subprocess.run(['printf', '%.1f', '3.5'], capture_output=True, text=True, env=env)
        self.assertEqual(check.stdout, '3,5', 'the test locale does not use a decimal comma')
        a, b = self.path('a.csv'), self.path('b.csv')
        args = ['--block', 'stand:2.5', '--block', 'run:10.5:172.5:3.45', '--event',
                'range_loss@5.5:deg=2.5,duration=1.5', '--truth-angles']
        self.run_ok('-o', a, *args, a + '.angles')
        self.run_ok('-o', b, *args, b + '.angles', env=env)
        for x, y in ((a, b), (a + '.angles', b + '.angles')):
            with open(x) as fx, open(y) as fy:
                self.assertEqual(fx.read(), fy.read())

    def test_bad_options(self):
        out = self.path('never.csv')
        cases = [
            ([], 'no output: give -o FILE'),
            (['-o', out, '--rate', '50'], 'rate 50 Hz is outside 100..1000 Hz'),
            (['-o', out, '--rate', 'fast'], '--rate'),
            (['-o', out, '--side', 'middle'], "--side: 'middle' is neither left nor right"),
            (['-o', out, '--seed', '-1'], '--seed'),
            (['-o', out, '--noise', '11'], 'noise 11 is outside 0..10'),
            (['-o', out, '--sensors', 'flex,knee'], "unknown sensor 'knee'"),
            (['-o', out, '--block', 'jog:10'], "block 'jog:10': unknown activity 'jog'"),
            (['-o', out, '--block', 'run:1'], 'block 1 (run): duration 1 s is outside'),
            (['-o', out, '--block', 'run:10', '--duration', '20'],
             '--block cannot be combined with --duration'),
            (['-o', out, '--cadence', '300'], 'cadence 300 steps/min is outside 140..220'),
            (['-o', out, '--event', 'wobble@20'], "unknown kind 'wobble'"),
            (['-o', out, '--event', 'locking@2'], 'time 2 s is not inside a walk or run block'),
            (['-o', out, '--event', 'locking@20:speed=3'], "unknown key 'speed' for locking"),
            (['-o', out, '--event', 'giving_way@20', '--event', 'hyperextension@21'],
             'less than 2 s from event 1'),
            (['-o', out, 'extra'], "unexpected argument 'extra'"),
            (['-o', '-', '--truth', '-'], "only one of -o, --truth and --truth-angles can be '-'"),
            (['-o', out, '--no-such-option'], 'Unknown option --no-such-option'),
        ]
        for args, message in cases:
            with self.subTest(args=args):
                r = simulate(*args)
                self.assertEqual(r.returncode, 2, r.stderr)
                self.assertIn(message, r.stderr)
                self.assertTrue(r.stderr.startswith('kneectl simulate: '), r.stderr)
                self.assertEqual(r.stdout, '')
                self.assertFalse(os.path.exists(out))

    def test_unwritable(self):
        r = simulate('-o', self.path('no/such/dir/run.csv'), '--duration', '5')
        self.assertEqual(r.returncode, 1)
        self.assertIn('cannot create', r.stderr)
        truth = self.path('missing/truth.jsonl')
        rec = self.path('r.csv')
        r = simulate('-o', rec, '--truth', truth, '--duration', '5')
        self.assertEqual(r.returncode, 1)
        self.assertIn(truth, r.stderr)
        # No half-written recording is left behind.
        self.assertFalse(os.path.exists(rec))

    def test_help(self):
        r = simulate('--help')
        self.assertEqual(r.returncode, 0)
        for option in ('--output', '--truth', '--truth-angles', '--rate', '--side', '--seed',
                       '--noise', '--gyro-bias', '--impact-g', '--sensors', '--block', '--event',
                       '--duration', '--cadence', '--speed'):
            self.assertIn(option, r.stdout)


if __name__ == '__main__':
    if not os.access(KNEECTL, os.X_OK):
        taprunner.bail_out('kneectl not built at %s' % KNEECTL)
    taprunner.main()
