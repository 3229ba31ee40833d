#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""kneectl convert on the real data sets (docs/datasets.md).

Converts every file of the four data sets in $KNEED_DATA_DIR (skips, exit
77, when it is absent) and checks what the conversion promises: every
recording reads back with its metadata and the input's row count (minus
the trims it documents), gravity on +y while standing, the shank's
mid-swing rate positive in every walking trial, a plausible knee angle
truth from the markers, the force-plate contacts, and bad input rejected
with file:line:column.
"""

import glob
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import unittest

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import kneedtest_recording  # noqa: E402
import reference_gait  # noqa: E402
import taprunner  # noqa: E402

DATA = os.environ.get('KNEED_DATA_DIR', os.path.join(HERE, '..', '..', 'shared', 'data'))
BUILD = os.environ.get('KNEED_BUILDDIR', os.path.join(HERE, '..'))
KNEECTL = os.path.join(BUILD, 'client', 'kneectl')
G = 9.80665

SETS = {
    'thigh-shank-imu': 'walk-thigh-shank-imu',
    'mocap-vicon': 'walk-mocap-vicon',
    'shank-acc-grf': 'run-shank-acc-grf',
    'ankle-acc': 'run-ankle-acc-outdoor',
}


def data_lines(path, skip):
    """Non-blank lines after the first `skip` lines."""
    with open(path, encoding='utf-8-sig') as f:
        return sum(1 for i, line in enumerate(f) if i >= skip and line.strip())


def kneectl(*args):
    return subprocess.run([KNEECTL, 'convert'] + list(args), capture_output=True, text=True)


class ConvertDataSets(unittest.TestCase):
    out = None

    @classmethod
    def setUpClass(cls):
        cls.out = tempfile.mkdtemp(prefix='kneed-convert-')
        cls.seconds = {}
        for fmt, sub in SETS.items():
            start = time.monotonic()
            r = kneectl(fmt, '--all', os.path.join(DATA, sub), '-o', os.path.join(cls.out, fmt))
            cls.seconds[fmt] = time.monotonic() - start
            if r.returncode != 0:
                raise AssertionError('kneectl convert %s --all failed (%d):\n%s'
                                     % (fmt, r.returncode, r.stderr))
        sys.stderr.write('conversion time: %s\n'
                         % ', '.join('%s %.2f s' % kv for kv in cls.seconds.items()))
        # the offline reference reads both nodes of every trial, whatever
        # the converter judges of their clocks
        r = kneectl('thigh-shank-imu', '--keep-misaligned', '--all', os.path.join(DATA, SETS['thigh-shank-imu']),
                    '-o', os.path.join(cls.out, 'thigh-shank-imu-both'))
        if r.returncode != 0:
            raise AssertionError('kneectl convert --keep-misaligned failed (%d):\n%s' % (r.returncode, r.stderr))

    @classmethod
    def tearDownClass(cls):
        if cls.out:
            shutil.rmtree(cls.out, ignore_errors=True)

    def recordings(self, fmt):
        paths = sorted(p for p in glob.glob(os.path.join(self.out, fmt, '*.csv')))
        self.assertTrue(paths, fmt)
        return paths

    # ---- thigh-shank-imu ----

    def test_thigh_shank_read_back(self):
        inputs = sorted(glob.glob(os.path.join(DATA, SETS['thigh-shank-imu'], 'csv', 'NO*_IMU_*.csv')))
        self.assertEqual(len(inputs), 65)
        for src in inputs:
            stem = os.path.basename(src)[:-4]
            rec = kneedtest_recording.read(os.path.join(self.out, 'thigh-shank-imu', stem + '.csv'))
            with self.subTest(stem):
                self.assertEqual(rec.rows, data_lines(src, 1))
                self.assertEqual(rec.meta['side'], stem.split('_')[1])
                self.assertEqual(rec.meta['rate_hz'], '100')
                self.assertEqual(rec.meta['mount_shank'], 'x=+z y=+x z=+y')
                # the thigh node is left out only where its clock disagrees
                self.assertEqual(rec.has('thigh_gz'), 'alignment_note' not in rec.meta)
                for col in ('thigh_ax', 'thigh_gz', 'shank_ay', 'shank_gx'):
                    if col.startswith('shank') or rec.has('thigh_gz'):
                        self.assertTrue(np.all(np.isfinite(rec[col])), col)
                self.assertFalse(rec.has('knee_deg'))
                self.assertTrue(np.all(np.diff(rec['t_s']) > 0))

    def test_thigh_shank_gravity_while_standing(self):
        """Every trial starts standing: both segments read ~+1 g on y."""
        for path in self.recordings('thigh-shank-imu'):
            rec = kneedtest_recording.read(path)
            quiet = slice(0, 30)
            for seg in ('thigh', 'shank') if rec.has('thigh_gz') else ('shank',):
                with self.subTest(os.path.basename(path), seg=seg):
                    a = np.column_stack([rec['%s_a%s' % (seg, ax)][quiet] for ax in 'xyz'])
                    g = np.degrees(np.column_stack([rec['%s_g%s' % (seg, ax)][quiet] for ax in 'xyz']))
                    # at +-2000 dps the MPU9250's bias and noise reach ~15 deg/s
                    self.assertLess(np.abs(g).max(), 20, 'not standing still')
                    self.assertAlmostEqual(np.linalg.norm(a.mean(0)), G, delta=0.5)
                    self.assertGreater(a[:, 1].mean(), 0.9 * G)

    def test_thigh_shank_swing_sign(self):
        """The mapping's signs, in all 65 trials: the shank's largest rate is
        the positive mid-swing peak, the thigh swings forward (positive)
        before it, and the anterior accelerometer follows +g sin(angle)."""
        for path in self.recordings('thigh-shank-imu'):
            rec = kneedtest_recording.read(path)
            fs = rec.rate_hz
            shank = reference_gait.gaussian_lowpass(np.degrees(rec['shank_gz']), fs)
            with self.subTest(os.path.basename(path)):
                self.assertGreater(shank.max(), 1.2 * -shank.min())
                self.assertGreater(shank.max(), 100)
                if rec.has('thigh_gz'):
                    thigh = reference_gait.gaussian_lowpass(np.degrees(rec['thigh_gz']), fs)
                    self.assertGreater(thigh.max(), -thigh.min())
                peaks = reference_gait.swing_peaks(shank, fs, reference_gait.SHANK_FLOOR_DPS)
                self.assertGreaterEqual(len(peaks), 6)
                self.assertTrue(all(shank[i] > 60 for i in peaks))

    def test_thigh_shank_reference(self):
        """The offline reference counts walking strides and mostly agrees
        with its thigh cross-check."""
        results = [reference_gait.analyse(p) for p in self.recordings('thigh-shank-imu-both')]
        agree = sum(r['agree'] for r in results)
        sys.stderr.write('reference: %d of %d trials agree with the thigh cross-check; '
                         '%d swings, %d complete strides; alignment suspect: %s\n'
                         % (agree, len(results), sum(r['swings'] for r in results),
                            sum(r['complete_strides'] for r in results),
                            [r['file'] for r in results if r['alignment'] != 'ok']))
        self.assertGreaterEqual(agree, 0.9 * len(results))
        for r in results:
            with self.subTest(r['file']):
                self.assertTrue(6 <= r['swings'] <= 11, r['swings'])
                self.assertTrue(0.9 <= r['stride_s_median'] <= 1.7, r['stride_s_median'])
                self.assertLessEqual(r['stride_s_max'], 1.2 * 1.7)

    # ---- mocap-vicon ----

    def mocap_pairs(self):
        inputs = sorted(glob.glob(os.path.join(DATA, SETS['mocap-vicon'], 'data', '*', 'Gang', '*Gang*.csv')))
        self.assertEqual(len(inputs), 40)
        for src in inputs:
            stem = os.path.basename(src)[:-4]
            rec = kneedtest_recording.read(os.path.join(self.out, 'mocap-vicon', stem + '.csv'))
            with open(os.path.join(self.out, 'mocap-vicon', stem + '.truth.jsonl')) as f:
                truth = [json.loads(line) for line in f]
            yield src, stem, rec, truth

    def test_mocap_read_back(self):
        for src, stem, rec, truth in self.mocap_pairs():
            with self.subTest(stem):
                n_in = data_lines(src, 5)
                self.assertEqual(int(rec.meta['input_frames']), n_in)
                self.assertEqual(int(rec.meta['kept_frames']), rec.rows)
                self.assertEqual(int(rec.meta['kept_frames']) + int(rec.meta['trimmed_frames']), n_in)
                self.assertEqual(rec.meta['trimmed'] == 'none', rec.rows == n_in)
                self.assertEqual(rec.meta['rate_hz'], '200')
                self.assertFalse(rec.has('knee_deg'))
                meta = truth[0]
                self.assertEqual(meta['type'], 'meta')
                self.assertEqual(meta['frames'], rec.rows)
                angles = [x for x in truth if x['type'] == 'angle']
                self.assertEqual(len(angles), rec.rows)
                self.assertAlmostEqual(angles[0]['t_s'], rec['t_s'][0], places=5)
                self.assertEqual(sum(x['frames'] for x in meta['trimmed']), int(rec.meta['trimmed_frames']))

    def test_mocap_gravity_and_gyro(self):
        """Standing at the start: +1 g on y.  The gyro integrates back to
        the truth (its z is the derivative of the segment angles)."""
        for src, stem, rec, truth in self.mocap_pairs():
            ang = np.array([[x['knee_deg'], x['thigh_deg'], x['shank_deg']]
                            for x in truth if x['type'] == 'angle'])
            dt = np.diff(rec['t_s'])
            with self.subTest(stem):
                for seg in ('thigh', 'shank'):
                    a = np.column_stack([rec['%s_a%s' % (seg, ax)][20:220] for ax in 'xyz'])
                    self.assertAlmostEqual(np.linalg.norm(a.mean(0)), G, delta=0.3)
                    self.assertGreater(a[:, 1].mean(), 0.95 * G)
                for seg, col in (('thigh', 1), ('shank', 2)):
                    gz = np.degrees(rec['%s_gz' % seg])
                    integ = ang[0, col] + np.concatenate([[0], np.cumsum((gz[1:] + gz[:-1]) / 2 * dt)])
                    self.assertLess(np.abs(integ - ang[:, col]).max(), 1.5)
                    self.assertTrue(np.all(rec['%s_gy' % seg] == 0))

    def test_mocap_knee_truth(self):
        """Walking: peak swing flexion 50-75 deg (the last swing, the one that
        stops, is lower), about straight at heel strike."""
        swing_peaks, hs_knees = [], []
        for src, stem, rec, truth in self.mocap_pairs():
            t = np.array([x['t_s'] for x in truth if x['type'] == 'angle'])
            knee = np.array([x['knee_deg'] for x in truth if x['type'] == 'angle'])
            hs = [x['t_s'] for x in truth if x['type'] == 'heel_strike']
            contacts = [x for x in truth if x['type'] == 'contact']
            with self.subTest(stem):
                self.assertGreaterEqual(len(hs), 3)
                self.assertGreaterEqual(len(contacts), 2)
                strides = np.diff(hs)
                self.assertTrue(np.all((strides > 0.9) & (strides < 1.6)), strides)
                for c in contacts:
                    self.assertTrue(0.5 < c['contact_s'] < 0.95, c)
                at_hs = [knee[np.argmin(np.abs(t - h))] for h in hs]
                peaks = [knee[(t >= a) & (t < b)].max() for a, b in zip(hs, hs[1:])]
                self.assertTrue(50 <= np.median(peaks) <= 75, peaks)
                self.assertTrue(all(40 <= p <= 75 for p in peaks), peaks)
                self.assertTrue(-7 <= np.median(at_hs) <= 15, at_hs)
                self.assertGreater(knee.min(), -10)
                swing_peaks += peaks
                hs_knees += at_hs
        sys.stderr.write('mocap: peak swing flexion %.1f-%.1f deg (median %.1f) over %d strides; '
                         'knee at heel strike %.1f-%.1f deg (median %.1f)\n'
                         % (min(swing_peaks), max(swing_peaks), np.median(swing_peaks), len(swing_peaks),
                            min(hs_knees), max(hs_knees), np.median(hs_knees)))

    def test_mocap_left_leg_and_flex(self):
        src = sorted(glob.glob(os.path.join(DATA, SETS['mocap-vicon'], 'data', 'F2', 'Gang', '*.csv')))[1]
        out = os.path.join(self.out, 'left.csv')
        truth = os.path.join(self.out, 'left.jsonl')
        r = kneectl('mocap-vicon', src, '-o', out, '--side', 'left', '--with-flex',
                    '--flex-noise-deg', '1.5', '--seed', '7', '--truth', truth)
        self.assertEqual(r.returncode, 0, r.stderr)
        rec = kneedtest_recording.read(out)
        self.assertEqual(rec.meta['side'], 'left')
        with open(truth) as f:
            knee = np.array([json.loads(line)['knee_deg'] for line in f if '"angle"' in line])
        noise = rec['knee_deg'] - knee
        self.assertAlmostEqual(np.std(noise), 1.5, delta=0.15)
        self.assertLess(abs(np.mean(noise)), 0.2)
        # F2Gang4 loses LKNE for its first 566 frames: trimmed and said so.
        self.assertIn('LKNE missing', rec.meta['trimmed'])
        self.assertIn('LKNE missing', r.stderr)

    # ---- shank-acc-grf ----

    def test_grf(self):
        inputs = sorted(p for p in glob.glob(os.path.join(DATA, SETS['shank-acc-grf'], 'csv', 'trial*_*.csv'))
                        if not p.endswith('_events_from_vgrf.csv'))
        self.assertEqual(len(inputs), 18)
        for src in inputs:
            stem = os.path.basename(src)[:-4]
            rec = kneedtest_recording.read(os.path.join(self.out, 'shank-acc-grf', stem + '.csv'))
            with open(os.path.join(self.out, 'shank-acc-grf', stem + '.truth.jsonl')) as f:
                truth = [json.loads(line) for line in f]
            with self.subTest(stem):
                self.assertEqual(rec.rows, data_lines(src, 1))
                self.assertEqual(rec.meta['accel_range_g'], '8')
                self.assertEqual(sorted(c for c in rec.columns), ['shank_ax', 'shank_ay', 'shank_az', 't_s'])
                # Gravity along +y on average, whichever way the sensor was mounted.
                self.assertGreater(np.mean(rec['shank_ay']), 0.6 * G)
                self.assertEqual(truth[0]['type'], 'meta')
                self.assertEqual(truth[0]['condition'], stem.split('_')[1])
                self.assertIn(truth[0]['speed_kmh'], (4.5, 5.0, 8.0, 8.5))
                contacts = [x for x in truth if x['type'] == 'contact']
                self.assertEqual(len(contacts), data_lines(src[:-4] + '_events_from_vgrf.csv', 1))
                self.assertEqual(truth[0]['contacts'], len(contacts))
                self.assertTrue(all(0.15 < c['contact_s'] < 1.0 for c in contacts))

    # ---- ankle-acc ----

    def test_ankle(self):
        src = os.path.join(DATA, SETS['ankle-acc'], 'acc_running_left_ankle.csv')
        rec = kneedtest_recording.read(os.path.join(self.out, 'ankle-acc', 'acc_running_left_ankle.csv'))
        self.assertEqual(rec.rows, data_lines(src, 1))
        self.assertEqual(rec.meta['orientation'], 'unknown')
        self.assertEqual(rec.meta['side'], 'left')
        self.assertAlmostEqual(np.mean(rec['shank_ay'][:100]), G, delta=0.3)
        mag = np.sqrt(rec['shank_ax'] ** 2 + rec['shank_ay'] ** 2 + rec['shank_az'] ** 2)
        self.assertLess(mag.max(), 8 * G * np.sqrt(3) + 1)

    def test_thigh_shank_node_clocks(self):
        """A thigh node whose clock started 2 s late is found and left out
        (a knee angle from it would be meaningless), unless
        --keep-misaligned; the same trial as recorded keeps both."""
        src = os.path.join(DATA, SETS['thigh-shank-imu'], 'csv', 'NO1_left_IMU_10.csv')
        with open(src, encoding='utf-8') as f:
            header, *rows = [line.rstrip('\n').split(',') for line in f if line.strip()]
        thigh_cols = [i for i, name in enumerate(header) if name.startswith('thigh_')]
        late = 200      # 2 s at 100 Hz
        shifted = []
        for i, row in enumerate(rows):
            row = list(row)
            for c in thigh_cols:
                row[c] = rows[max(0, i - late)][c]
            shifted.append(row)
        bad = os.path.join(self.out, 'clocks', 'NO1_left_IMU_10.csv')
        os.makedirs(os.path.dirname(bad), exist_ok=True)
        with open(bad, 'w', encoding='utf-8') as f:
            f.writelines(','.join(r) + '\n' for r in [header] + shifted)

        def convert(path, *extra):
            out = os.path.join(self.out, 'clocks', 'out-%d.csv' % len(extra))
            r = kneectl('thigh-shank-imu', path, '-o', out, *extra)
            self.assertEqual(r.returncode, 0, r.stderr)
            return r.stderr, kneedtest_recording.read(out)

        err, rec = convert(src)
        self.assertTrue(rec.has('thigh_gz'))
        self.assertNotIn('alignment_note', rec.meta)
        lag = float(rec.meta['thigh_shank_lag_s'])
        self.assertGreaterEqual(lag, 0.0)
        self.assertLessEqual(lag, 0.45)

        err, rec = convert(bad)
        self.assertFalse(rec.has('thigh_gz'))
        self.assertTrue(rec.has('shank_gz'))
        self.assertEqual(rec.rows, len(rows))
        self.assertAlmostEqual(float(rec.meta['thigh_shank_lag_s']), lag - 2.0, delta=0.1)
        self.assertIn('clock disagrees', rec.meta['alignment_note'])
        self.assertIn('the node clocks disagree, the thigh is left out', err)

        err, rec = convert(bad, '--keep-misaligned')
        self.assertTrue(rec.has('thigh_gz'))
        self.assertNotIn('alignment_note', rec.meta)

    # ---- bad input ----

    def corrupt(self, src, line_no, column, text, name):
        """A copy of src with one cell of line line_no (1-based) replaced."""
        dst = os.path.join(self.out, 'bad', name)
        os.makedirs(os.path.dirname(dst), exist_ok=True)
        with open(src, encoding='utf-8') as f:
            lines = f.readlines()[:line_no + 50]
        cells = lines[line_no - 1].rstrip('\n').split(',')
        cells[column - 1] = text
        lines[line_no - 1] = ','.join(cells) + '\n'
        with open(dst, 'w', encoding='utf-8') as f:
            f.writelines(lines)
        return dst

    def assert_rejected(self, fmt, path, line_no, column, colname, extra=()):
        out = os.path.join(self.out, 'bad', 'out.csv')
        r = kneectl(fmt, path, '-o', out, *extra)
        self.assertEqual(r.returncode, 1, r.stderr)
        pattern = r'%s:%d: column %d \(%s\): not a number' % (re.escape(path), line_no, column,
                                                              re.escape(colname))
        self.assertRegex(r.stderr, pattern)
        self.assertFalse(os.path.exists(out), 'a failed conversion leaves no output')

    def test_bad_input(self):
        ts = os.path.join(DATA, SETS['thigh-shank-imu'], 'csv', 'NO1_left_IMU_10.csv')
        self.assert_rejected('thigh-shank-imu', self.corrupt(ts, 40, 6, 'abc', 'NO1_left_IMU_10.csv'),
                             40, 6, 'thigh_gyr_x_dps')
        vicon = sorted(glob.glob(os.path.join(DATA, SETS['mocap-vicon'], 'data', 'F5', 'Gang', '*.csv')))[0]
        self.assert_rejected('mocap-vicon', self.corrupt(vicon, 30, 37, '5.1.2', 'F5Gang1.csv'),
                             30, 37, 'RKNE.Y')
        # a frame number past 2^53 (no longer a whole number a double holds)
        bad = self.corrupt(vicon, 6, 1, '1e30', 'F5Gang1.csv')
        r = kneectl('mocap-vicon', bad, '-o', os.path.join(self.out, 'bad', 'out.csv'))
        self.assertEqual(r.returncode, 1, r.stderr)
        self.assertRegex(r.stderr, re.escape(bad) + r':6: column 1 \(Frame\): frame 1e\+30, sub-frame 0: '
                         'whole frames expected')
        grf = os.path.join(DATA, SETS['shank-acc-grf'], 'csv', 'trial03_walking.csv')
        self.assert_rejected('shank-acc-grf', self.corrupt(grf, 500, 3, '0x1.8p', 'trial03_walking.csv'),
                             500, 3, 'acc_y_g')
        ankle = os.path.join(DATA, SETS['ankle-acc'], 'acc_running_left_ankle.csv')
        self.assert_rejected('ankle-acc', self.corrupt(ankle, 1200, 4, 'nan', 'acc_running_left_ankle.csv'),
                             1200, 4, 'z_g')

    def test_bad_structure(self):
        ts = os.path.join(DATA, SETS['thigh-shank-imu'], 'csv', 'NO1_left_IMU_10.csv')
        bad = self.corrupt(ts, 20, 1, '0', 'NO2_right_IMU_3.csv')   # counter goes back
        r = kneectl('thigh-shank-imu', bad, '-o', os.path.join(self.out, 'bad', 'o.csv'))
        self.assertEqual(r.returncode, 1)
        self.assertRegex(r.stderr, r':20: column 1 \(counter\): counter 0 does not increase')
        with open(ts, 'rb') as f:
            header = f.readline()
        with open(os.path.join(self.out, 'bad', 'NO3_left_IMU_1.csv'), 'wb') as f:
            f.write(header + b'0,0.00,1\x00\n')
        r = kneectl('thigh-shank-imu', f.name, '-o', os.path.join(self.out, 'bad', 'o.csv'))
        self.assertEqual(r.returncode, 1)
        self.assertIn('NO3_left_IMU_1.csv:2: binary data (NUL byte)', r.stderr)
        with open(os.path.join(self.out, 'bad', 'NO3_left_IMU_2.csv'), 'w') as f:
            f.write('counter,t_s\n0,0\n')
        r = kneectl('thigh-shank-imu', f.name, '-o', os.path.join(self.out, 'bad', 'o.csv'))
        self.assertEqual(r.returncode, 1)
        self.assertIn('NO3_left_IMU_2.csv:1: header has no thigh_acc_x_g column', r.stderr)
        r = kneectl('mocap-vicon', ts, '-o', os.path.join(self.out, 'bad', 'o.csv'))
        self.assertEqual(r.returncode, 1)
        self.assertIn(":1: not a Vicon trajectories export", r.stderr)
        r = kneectl('no-such-format', ts, '-o', os.path.join(self.out, 'bad', 'o.csv'))
        self.assertEqual(r.returncode, 2)
        r = kneectl('--list-formats')
        self.assertEqual(r.returncode, 0)
        self.assertEqual(len(re.findall(r'^\S', r.stdout, re.M)), 4)


if __name__ == '__main__':
    if not os.path.isdir(DATA):
        taprunner.skip_all('the real data sets are not there (%s): set KNEED_DATA_DIR' % DATA)
    if not os.access(KNEECTL, os.X_OK):
        taprunner.bail_out('%s not built' % KNEECTL)
    taprunner.main()
