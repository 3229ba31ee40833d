#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Plots converted thigh-shank-imu recordings with the reference mid-swing
peaks of reference_gait.py, for checking the count by eye
(docs/datasets.md).  Needs python3-matplotlib, which the test suite does
not: this is a tool, not a test.

Usage: plot_reference.py OUT_PREFIX RECORDING.csv...
writes OUT_PREFIX-1.png, -2.png, ... with 12 trials per page."""

import sys

import numpy as np

sys.path.insert(0, __file__.rsplit('/', 1)[0] if '/' in __file__ else '.')
import kneedtest_recording  # noqa: E402
import reference_gait  # noqa: E402


def main(argv):
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt

    prefix, files = argv[1], argv[2:]
    per_page = 12
    for page in range(0, len(files), per_page):
        chunk = files[page:page + per_page]
        fig, axes = plt.subplots(len(chunk), 1, figsize=(14, 2.0 * len(chunk)), squeeze=False)
        for ax, path in zip(axes[:, 0], chunk):
            rec = kneedtest_recording.read(path)
            ref = reference_gait.analyse(path)
            t = rec['t_s']
            ax.plot(t, np.degrees(rec['shank_gz']), lw=0.7, label='shank gz')
            ax.plot(t, np.degrees(rec['thigh_gz']), lw=0.7, label='thigh gz')
            for ts in ref['mid_swing_t_s']:
                ax.axvline(ts, color='r', lw=0.6)
            ax.set_ylabel('deg/s')
            ax.set_title('%s: %d swings, lag %.2f s, %s, %d disagreement(s)'
                         % (ref['file'], ref['swings'], ref['thigh_shank_lag_s'],
                            ref['alignment'], len(ref['disagreements'])), fontsize=8)
            ax.tick_params(labelsize=7)
        axes[0, 0].legend(fontsize=7, loc='upper right')
        fig.tight_layout()
        out = '%s-%d.png' % (prefix, page // per_page + 1)
        fig.savefig(out, dpi=70)
        plt.close(fig)
        print(out)
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv))
