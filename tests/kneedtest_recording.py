# SPDX-License-Identifier: GPL-2.0-or-later
"""Small, independent reader of recording format v1 (docs/recording-format.md)
for the Python tests and tools: numpy only, no kneed code."""

import numpy as np

MAGIC = '# kneed-recording v1'


class Recording:
    """meta: dict of the # key=value lines before the header.
    columns: dict name -> numpy array (NaN for empty cells).
    rows: number of data rows."""

    def __init__(self, meta, columns, rows):
        self.meta = meta
        self.columns = columns
        self.rows = rows

    def __getitem__(self, name):
        return self.columns[name]

    def has(self, name):
        return name in self.columns

    @property
    def rate_hz(self):
        return float(self.meta['rate_hz'])


def read(path):
    meta = {}
    header = None
    data = []
    with open(path, encoding='utf-8') as f:
        first = f.readline().rstrip('\n')
        if first != MAGIC:
            raise ValueError('%s:1: not a kneed recording: %r' % (path, first))
        for lineno, line in enumerate(f, start=2):
            line = line.rstrip('\n')
            if not line.strip():
                continue
            if line.startswith('#'):
                body = line[1:].strip()
                if header is None and '=' in body and ' ' not in body.split('=', 1)[0]:
                    key, value = body.split('=', 1)
                    meta[key] = value
                continue
            cells = line.split(',')
            if header is None:
                header = cells
                continue
            if len(cells) != len(header):
                raise ValueError('%s:%d: %d fields, header has %d'
                                 % (path, lineno, len(cells), len(header)))
            data.append([float(c) if c != '' else np.nan for c in cells])
    if header is None:
        raise ValueError('%s: no header line' % path)
    arr = np.array(data, dtype=float).reshape(-1, len(header))
    columns = {name: arr[:, i] for i, name in enumerate(header)}
    return Recording(meta, columns, arr.shape[0])
