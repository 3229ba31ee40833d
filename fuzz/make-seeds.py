#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Writes the hand-made seeds of fuzz/corpus/ (run from the top of the
tree, with kneed built for the configuration seed).  Inputs that crashed a
target are added by hand as crash-* files, never regenerated here."""

import os
import struct
import subprocess
import sys

import gi
gi.require_version('Gio', '2.0')
from gi.repository import Gio, GLib  # noqa: E402

TOP = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CORPUS = os.path.join(TOP, 'fuzz', 'corpus')


def write(target, name, data):
    d = os.path.join(CORPUS, target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), 'wb') as f:
        f.write(data.encode() if isinstance(data, str) else data)


def gatt():
    cp = {
        'start-session': b'\x01', 'stop-session': b'\x02', 'calibrate': b'\x03',
        'set-threshold': b'\x04\x00' + struct.pack('<i', 5000),
        'set-threshold-bad-id': b'\x04\xee' + struct.pack('<i', 5000),
        'set-threshold-sentinel': b'\x04\x00' + struct.pack('<I', 0x80000000),
        'get-threshold': b'\x05\x14',
        'set-time': b'\x06' + struct.pack('<IH', 1700000000, 250),
        'set-time-too-early': b'\x06' + struct.pack('<IH', 1000, 0),
        'identify': b'\x07', 'identify-2s': b'\x07\x14', 'identify-zero': b'\x07\x00',
        'start-coaching': b'\x08' + struct.pack('<H', 1720), 'stop-coaching': b'\x09',
        'get-pain-mark': b'\x0a', 'get-pain-mark-3': b'\x0a\x03', 'unknown-opcode': b'\x0b',
        'start-session-extra-byte': b'\x01\x00', 'too-long': bytes(21),
    }
    for name, v in cp.items():
        write('gatt-control', name, v)
    pain = {
        'front-during': b'\x01\x03\x00\x01', 'note': b'\x01\x09\x02\x02sharp, swollen',
        'note-utf8': b'\x01\x05\x01\x00' + 'genou gonflé ✓'.encode(),
        'bad-version': b'\x02\x03\x00\x01', 'score-11': b'\x01\x0b\x00\x01',
        'bad-utf8': b'\x01\x03\x00\x01\xc3\x28', 'nul-in-note': b'\x01\x03\x00\x01a\x00b',
        'longest-note': b'\x01\x03\x00\x01' + b'x' * 64, 'too-short': b'\x01\x03',
        'score-mark': b'\x02' + struct.pack('<I', 7) + b'\x06\x00\x01stairs',
        'score-mark-zero': b'\x02' + struct.pack('<I', 0) + b'\x06\x00\x01',
    }
    for name, v in pain.items():
        write('gatt-pain', name, v)
    for name, v in {'set-cumulative': b'\x01' + struct.pack('<I', 123456),
                    'set-cumulative-short': b'\x01\x00', 'other-opcode': b'\x02'}.items():
        write('gatt-sc-control', name, v)


HEADER = ('t_s,knee_deg,thigh_ax,thigh_ay,thigh_az,thigh_gx,thigh_gy,thigh_gz,'
          'shank_ax,shank_ay,shank_az,shank_gx,shank_gy,shank_gz')


def recording():
    rows = '\n'.join('%.3f,%.1f,0.1,9.8,0.2,0.01,0.02,1.5,0.3,9.7,-0.1,0,0,-1.2' % (i / 100, 10 + i)
                     for i in range(8))
    write('recording', 'all-sensors', '# kneed-recording v1\n# rate_hz=100\n# side=left\n'
          '# source=seed\n# subject=S1\n' + HEADER + '\n' + rows + '\n')
    write('recording', 'flex-only', '# kneed-recording v1\n# rate_hz=200\nt_s,knee_deg\n'
          '0,2\n0.005,2.5\n# a comment\n\n0.01,3\r\n')
    write('recording', 'subset-unknown-column', '# kneed-recording v1\n# a comment, with = in it\n'
          't_s,battery,shank_ax,shank_ay,shank_az\n0,99,0.1,9.8,0.2\n0.01,98,,,\n')
    write('recording', 'bad-cell', '# kneed-recording v1\nt_s,knee_deg\n0,1\n0.01,abc\n')
    write('recording', 'backwards', '# kneed-recording v1\nt_s,knee_deg\n0.02,1\n0.01,1\n')
    write('recording', 'no-magic', 't_s,knee_deg\n0,1\n')


def config():
    kneed = os.path.join(TOP, 'daemon', 'kneed')
    printed = subprocess.run([kneed, '--print-config', '--config', '/dev/null'], check=True,
                             capture_output=True, text=True).stdout
    write('config', 'printed-defaults', printed)
    write('config', 'replay', '[daemon]\nsource = replay\nside = left\nbatch_ms = 20\n'
          'publish_hz = 4\n[replay]\nfile = run.csv\nspeed = 0\nloop = true\n')
    write('config', 'simulated-events', '[daemon]\nsource = simulated\n[simulated]\nrate_hz = 200\n'
          'seed = 7\nsensors = flex, shank\nblocks = stand:3; run:120:170:3.4; walk:30\n'
          'events = hyperextension@12:depth=15,speed=400; range_loss@18:deg=25,duration=8; '
          'giving_way@30; locking@40:deg=20,duration=5; sleeve_slip@50:deg=-6\n')
    write('config', 'thresholds', '[thresholds]\nhyperextension.angle_deg = 6\n'
          '[locking]\nstrides = 4\n[range_loss]\nbaseline_strides = 10\nwindow_strides = 6\n'
          '[advice]\nlow_cadence_spm = 150\n')
    write('config', 'bluetooth', '[bluetooth]\nenable = true\nadapter = hci0\nname = Ma genouillère\n'
          'power_adapter = false\npairing_window_s = 60\nbattery_supply = BAT0\nheight_cm = 182\n'
          'alert_queue = 64\nmanufacturer = Example\nmodel = K1\nserial = SN-1\n'
          'hardware_revision = B2\nfirmware_revision = 0.9\n')
    write('config', 'sleeve', '[button]\nchip = gpiochip0\nline = GPIO17\nactive_low = true\n'
          'bias = pull-up\ndebounce_ms = 20\ndouble_ms = 400\nlong_ms = 1500\n'
          '[haptic]\nchip = gpiochip0\nline = 27\nalerts = warning\nmetronome = true\n'
          '[led]\nchip = /dev/gpiochip0\nline = GPIO22\n')
    write('config', 'sensors', '[daemon]\nsource = iio\nstate_dir = /var/lib/kneed\n'
          '[thigh]\ndevice = bmi160\nbus = 1-0068\ntrigger = hrt0\nrate_hz = 1000\n'
          'mount_matrix = 0, 1, 0; -1, 0, 0; 0, 0, 1\n'
          '[shank]\ndevice = lsm6dsl_accel\ngyro_device = lsm6dsl_gyro\n'
          '[flex]\ndevice = ads1015\nchannel = voltage0-voltage1\ntrigger = own\nrate_hz = 250\n'
          'calibration = 100:-5, 900:0, 1500:45, 2000:120\n')
    write('config', 'unknown-section', '[kneee]\nx = 1\n')
    write('config', 'not-key-value', '[daemon]\nnot a key value pair\n')


def dbus():
    calls = {
        'report-pain': ('ReportPain', '(usss)', (9, 'inside', 'after', 'sharp, swollen')),
        'report-pain-bad-location': ('ReportPain', '(usss)', (3, 'elbow', 'during', '')),
        'set-thresholds': ('SetThresholds', '(a{sv})', ({
            'hyperextension.angle_deg': GLib.Variant('d', 7.5),
            'locking.strides': GLib.Variant('u', 4),
            'advice.low_cadence_spm': GLib.Variant('i', 150)},)),
        'set-thresholds-string': ('SetThresholds', '(a{sv})', ({
            'hyperextension.angle_deg': GLib.Variant('s', 'six')},)),
        'set-time': ('SetTime', '(x)', (1893456000 * 10**6,)),
        'identify': ('Identify', '(u)', (500,)),
        'start-coaching': ('StartCoaching', '(d)', (172.0,)),
        'open-pairing-window': ('OpenPairingWindow', '(u)', (60,)),
        'start-session': ('StartSession', '()', ()),
        'stop-session': ('StopSession', '()', ()),
        'mark-pain': ('MarkPain', '()', ()),
        'score-pain-mark': ('ScorePainMark', '(tusss)', (1, 8, 'front', 'during', 'stairs')),
        'set-flex-calibration': ('SetFlexCalibration', '(a(dd))', ([(1200.0, 0.0), (1800.0, 90.0)],)),
    }
    for name, (method, sig, args) in calls.items():
        data = GLib.Variant(sig, args).get_data_as_bytes().get_data()
        write('dbus', name, method.encode() + b'\0' + data)


if __name__ == '__main__':
    gatt()
    recording()
    config()
    dbus()
    for target in os.listdir(CORPUS):
        write(target, 'empty', b'')
    sys.exit(0)
