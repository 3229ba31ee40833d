#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Offline stride reference for converted thigh-shank-imu recordings.

An independent count to score kneed's online gait detection against
(docs/datasets.md justifies it).  Deliberately unlike a causal detector:
it sees the whole trial at once.

1. Low-pass the sagittal angular rates (gz) of the shank and the thigh
   with a zero-phase Gaussian kernel (sigma 25 ms, -3 dB near 5 Hz);
   the signal is mirrored at both ends.
2. Mid-swing = a peak of the shank rate that is the highest within
   +-0.4 s, above 60 deg/s and above 35 % of the trial's 99th
   percentile, with a prominence of at least 60 deg/s (the drop to the
   lowest point before a higher peak, or +-1.2 s, on each side).
3. Cross-check: every shank mid-swing should have a thigh swing peak
   (same rules, 30 deg/s for height and prominence) from 0.6 s before to 0.15 s after it,
   and every thigh swing peak a shank mid-swing.  Unmatched peaks are
   reported as disagreements.
4. The thigh/shank time alignment: the lag that best lines up the two
   activity envelopes (|gyro| smoothed over 0.5 s).

Usage: reference_gait.py RECORDING.csv... prints one JSON object per file
(JSON Lines); --summary adds a final {"type":"summary"} line.
"""

import json
import sys

import numpy as np

sys.path.insert(0, __file__.rsplit('/', 1)[0] if '/' in __file__ else '.')
import kneedtest_recording  # noqa: E402

SIGMA_S = 0.025
WINDOW_S = 0.4
SHANK_FLOOR_DPS = 60.0         # height and prominence
THIGH_FLOOR_DPS = 30.0
REL_HEIGHT = 0.35
MATCH_BEFORE_S = 0.6
MATCH_AFTER_S = 0.15
# Shank activity lags thigh activity by 0.06-0.30 s in the 64 trials
# whose nodes agree; a lag outside this band means misaligned clocks.
ALIGN_OK_S = (-0.05, 0.45)


def gaussian_lowpass(x, fs, sigma_s=SIGMA_S):
    half = int(np.ceil(4 * sigma_s * fs))
    k = np.exp(-0.5 * (np.arange(-half, half + 1) / (sigma_s * fs)) ** 2)
    k /= k.sum()
    pad = min(half, len(x) - 1)
    xp = np.concatenate([x[pad:0:-1], x, x[-2:-pad - 2:-1]]) if pad > 0 else x
    y = np.convolve(xp, k, mode='same')
    return y[pad:pad + len(x)]


def prominence(x, i, lo, hi):
    """Height of x[i] above the higher of the two lowest points reached
    on each side before a higher sample (or the window [lo, hi))."""
    left = x[i]
    j = i - 1
    while j >= lo and x[j] <= x[i]:
        left = min(left, x[j])
        j -= 1
    right = x[i]
    j = i + 1
    while j < hi and x[j] <= x[i]:
        right = min(right, x[j])
        j += 1
    return x[i] - max(left, right)


def swing_peaks(x, fs, floor):
    n = len(x)
    w = int(round(WINDOW_S * fs))
    thresh = max(floor, REL_HEIGHT * np.percentile(x, 99))
    out = []
    for i in range(1, n - 1):
        if not (x[i] > thresh and x[i] > x[i - 1] and x[i] >= x[i + 1]):
            continue
        lo, hi = max(0, i - w), min(n, i + w + 1)
        seg = x[lo:hi]
        if x[i] < seg.max() or (np.argmax(seg) + lo) != i:
            continue
        if prominence(x, i, max(0, i - 3 * w), min(n, i + 3 * w + 1)) < floor:
            continue
        out.append(i)
    return out


def alignment_lag(thigh, shank, fs):
    """Lag (s) of the shank's activity envelope behind the thigh's."""
    k = int(round(0.5 * fs))
    box = np.ones(k) / k
    te = np.convolve(np.abs(thigh), box, mode='same')
    se = np.convolve(np.abs(shank), box, mode='same')
    te -= te.mean()
    se -= se.mean()
    best, best_lag = -np.inf, 0
    max_lag = int(4 * fs)
    for lag in range(-max_lag, max_lag + 1):
        if lag >= 0:
            a, b = te[:len(te) - lag], se[lag:]
        else:
            a, b = te[-lag:], se[:len(se) + lag]
        c = np.dot(a, b) / len(a)
        if c > best:
            best, best_lag = c, lag
    return best_lag / fs


def analyse(path):
    rec = kneedtest_recording.read(path)
    t = rec['t_s']
    fs = 1.0 / np.median(np.diff(t))
    shank = gaussian_lowpass(np.degrees(rec['shank_gz']), fs)
    thigh = gaussian_lowpass(np.degrees(rec['thigh_gz']), fs)
    sp = swing_peaks(shank, fs, SHANK_FLOOR_DPS)
    tp = swing_peaks(thigh, fs, THIGH_FLOOR_DPS)

    disagreements = []
    used = set()
    for i in sp:
        match = [j for j in tp if -MATCH_BEFORE_S <= t[j] - t[i] <= MATCH_AFTER_S and j not in used]
        if match:
            used.add(match[0])
        else:
            disagreements.append({'shank_mid_swing_without_thigh_peak_t_s': round(float(t[i]), 3)})
    for j in tp:
        if j not in used:
            disagreements.append({'thigh_peak_without_shank_mid_swing_t_s': round(float(t[j]), 3)})

    mid = [round(float(t[i]), 3) for i in sp]
    strides = np.diff(mid) if len(mid) > 1 else np.array([])
    lag = alignment_lag(np.degrees(rec['thigh_gz']), np.degrees(rec['shank_gz']), fs)
    return {
        'type': 'reference',
        'file': path.rsplit('/', 1)[-1],
        'method': 'offline: zero-phase Gaussian low-pass, shank gz mid-swing peaks, thigh cross-check',
        'swings': len(sp),
        'mid_swing_t_s': mid,
        'complete_strides': max(0, len(sp) - 1),
        'first_complete_stride_s': mid[0:2] if len(mid) > 1 else None,
        'last_complete_stride_s': mid[-2:] if len(mid) > 1 else None,
        'stride_s_median': round(float(np.median(strides)), 3) if len(strides) else None,
        'stride_s_min': round(float(strides.min()), 3) if len(strides) else None,
        'stride_s_max': round(float(strides.max()), 3) if len(strides) else None,
        'shank_peak_dps_median': round(float(np.median(shank[sp])), 1) if sp else None,
        'thigh_swing_peaks': len(tp),
        'agree': not disagreements,
        'disagreements': disagreements,
        'thigh_shank_lag_s': round(lag, 3),
        'alignment': 'ok' if ALIGN_OK_S[0] <= lag <= ALIGN_OK_S[1] else 'suspect',
    }


def main(argv):
    summary = '--summary' in argv
    files = [a for a in argv[1:] if a != '--summary']
    if not files:
        sys.stderr.write(__doc__)
        return 2
    results = []
    for path in files:
        r = analyse(path)
        results.append(r)
        print(json.dumps(r))
    if summary:
        print(json.dumps({
            'type': 'summary',
            'files': len(results),
            'agree': sum(r['agree'] for r in results),
            'swings': sum(r['swings'] for r in results),
            'complete_strides': sum(r['complete_strides'] for r in results),
            'alignment_suspect': [r['file'] for r in results if r['alignment'] != 'ok'],
        }))
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv))
