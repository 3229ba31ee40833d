#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Makes a test bed's btmon capture readable by btmon 5.66.

    tests/vm/snoop-clean.py tests/vm-out/NAME/btmon.snoop clean.snoop
    btmon -r clean.snoop -t | less

btmon 5.66 (Debian 12) dies with SIGSEGV in `btmon -r` on the captures of
the test bed, in its decoding of some ATT requests (Read By Type for
characteristic declarations, on the link between the two virtual
controllers), and prints nothing of what follows.  This copies the capture
without the records btmon crashes on -- found by bisection, each btmon run
over a prefix of the file -- and names each dropped record (its index,
btsnoop opcode and controller index) on stderr.  The capture itself is
fine: btmon writes it as it sees it.  Exit status 0, 1 on a file that is not
a btsnoop capture."""

import struct
import subprocess
import sys


def records(data):
    off, out = 16, []
    while off + 24 <= len(data):
        _orig, incl, _flags, _drops, _ts = struct.unpack('>IIIIq', data[off:off + 24])
        out.append(data[off:off + 24 + incl])
        off += 24 + incl
    return out


def crashes(header, recs, path):
    with open(path, 'wb') as f:
        f.write(header + b''.join(recs))
    return subprocess.run(['btmon', '-r', path, '-P'], stdout=subprocess.DEVNULL,
                          stderr=subprocess.DEVNULL).returncode < 0


def main():
    if len(sys.argv) != 3:
        print(__doc__, file=sys.stderr)
        return 1
    with open(sys.argv[1], 'rb') as f:
        data = f.read()
    if not data.startswith(b'btsnoop\0'):
        print(f'{sys.argv[1]}: not a btsnoop capture', file=sys.stderr)
        return 1
    header, recs, dst = data[:16], records(data), sys.argv[2]
    index = list(range(len(recs)))
    while crashes(header, recs, dst):
        lo, hi = 1, len(recs)       # the shortest prefix btmon crashes on
        while lo < hi:
            mid = (lo + hi) // 2
            if crashes(header, recs[:mid], dst):
                hi = mid
            else:
                lo = mid + 1
        flags = struct.unpack('>I', recs[lo - 1][8:12])[0]
        print(f'dropped record {index[lo - 1]} (opcode {flags & 0xffff}, index {flags >> 16})',
              file=sys.stderr)
        del recs[lo - 1], index[lo - 1]
    return 0


if __name__ == '__main__':
    sys.exit(main())
