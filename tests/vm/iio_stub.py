#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
'''The sleeve's sensors for the kernel's own IIO drivers, on i2c-stub
(scenario 4, docs/testing.md): two BMI160 IMUs (thigh at 0x68, shank at
0x69) and an ADS1015 ADC whose channel 0 is the flexion sensor (0x48).

    iio_stub.py init BUS          the power-on registers the drivers probe
    iio_stub.py feed BUS GAIT.csv [SCHEDULE]
                                  writes the recording's frames into the
                                  registers, paced in real time; SCHEDULE
                                  gets each frame's index and the wall-clock
                                  time (ns) it was written at
    iio_stub.py check GAIT.csv THIGH.bin SHANK.bin ADC.bin --dir-thigh D ...
                                  compares buffered captures with the gait

Register maps and scaling, from the 6.1 drivers (linux-source-6.1):
- bmi160 (drivers/iio/imu/bmi160/bmi160_core.c): CHIP_ID 0x00 = 0xD1; gyro
  x/y/z at 0x0C..0x11, accel x/y/z at 0x12..0x17, little-endian s16 (the
  buffered read takes 2 bytes at 0x04 + 2 * scan index); ACC_RANGE 0x41 =
  0x0C (+-16 g: 4788 um/s^2 per LSB), GYR_RANGE 0x43 = 0x00 (+-2000 deg/s:
  1065 urad/s per LSB); ACC_CONF 0x40 / GYR_CONF 0x42 = 0x08 (100 Hz).
- ads1015 (drivers/iio/adc/ti-ads1015.c): the conversion register 0x00 is
  big-endian, the 12-bit result in bits 15..4; the default PGA (+-2.048 V)
  gives 1 mV per LSB.  The flexion sensor reads FLEX_RAW0 + FLEX_PER_DEG
  per degree of knee flexion (a linear sensor; kneed's calibration will
  take the two points).
The stub is SMBus only (no plain I2C transfers): registers are written
with I2C_SMBUS ioctls on /dev/i2c-BUS.'''

import bisect
import ctypes
import fcntl
import os
import struct
import sys
import time

THIGH, SHANK, ADC = 0x68, 0x69, 0x48
ACCEL_SCALE = 4788e-6       # m/s^2 per LSB at +-16 g
GYRO_SCALE = 1065e-6        # rad/s per LSB at +-2000 deg/s
FLEX_RAW0, FLEX_PER_DEG = 200, 10.0

I2C_SLAVE_FORCE = 0x0706
I2C_SMBUS = 0x0720
I2C_SMBUS_WRITE = 0
I2C_SMBUS_BYTE_DATA, I2C_SMBUS_WORD_DATA, I2C_SMBUS_I2C_BLOCK_DATA = 2, 3, 8


class SmbusData(ctypes.Union):
    _fields_ = [('byte', ctypes.c_uint8), ('word', ctypes.c_uint16),
                ('block', ctypes.c_uint8 * 34)]


class SmbusIoctl(ctypes.Structure):
    _fields_ = [('read_write', ctypes.c_uint8), ('command', ctypes.c_uint8),
                ('size', ctypes.c_uint32), ('data', ctypes.POINTER(SmbusData))]


class Bus:
    def __init__(self, n):
        self.fd = os.open(f'/dev/i2c-{n}', os.O_RDWR)
        self.addr = None

    def _xfer(self, addr, reg, size, data):
        if addr != self.addr:
            # FORCE: the kernel's driver owns the address, we are the chip
            fcntl.ioctl(self.fd, I2C_SLAVE_FORCE, addr)
            self.addr = addr
        args = SmbusIoctl(I2C_SMBUS_WRITE, reg, size, ctypes.pointer(data))
        fcntl.ioctl(self.fd, I2C_SMBUS, args)

    def byte(self, addr, reg, value):
        d = SmbusData()
        d.byte = value
        self._xfer(addr, reg, I2C_SMBUS_BYTE_DATA, d)

    def word(self, addr, reg, value):
        d = SmbusData()
        d.word = value
        self._xfer(addr, reg, I2C_SMBUS_WORD_DATA, d)

    def block(self, addr, reg, data):
        d = SmbusData()
        d.block[0] = len(data)
        for i, b in enumerate(data):
            d.block[1 + i] = b
        self._xfer(addr, reg, I2C_SMBUS_I2C_BLOCK_DATA, d)


def s16(x):
    return max(-32768, min(32767, round(x)))


def imu_raw(accel, gyro):
    '''Register values (gx gy gz ax ay az), as the buffer holds them.'''
    return tuple(s16(g / GYRO_SCALE) for g in gyro) + tuple(s16(a / ACCEL_SCALE) for a in accel)


def flex_raw(knee_deg):
    return max(0, min(2047, round(FLEX_RAW0 + FLEX_PER_DEG * knee_deg)))


def read_gait(path):
    '''Frames of a kneed recording (docs/recording-format.md) as dicts.'''
    frames, cols = [], None
    with open(path) as f:
        for line in f:
            if line.startswith('#'):
                continue
            if cols is None:
                cols = line.strip().split(',')
                continue
            frames.append(dict(zip(cols, map(float, line.split(',')))))
    return frames


def frame_regs(fr):
    thigh = imu_raw([fr[f'thigh_a{c}'] for c in 'xyz'], [fr[f'thigh_g{c}'] for c in 'xyz'])
    shank = imu_raw([fr[f'shank_a{c}'] for c in 'xyz'], [fr[f'shank_g{c}'] for c in 'xyz'])
    return thigh, shank, flex_raw(fr['knee_deg'])


def write_frame(bus, fr):
    thigh, shank, flex = frame_regs(fr)
    for addr, regs in ((THIGH, thigh), (SHANK, shank)):
        bus.block(addr, 0x0C, struct.pack('<6h', *regs))
    # ADS1015: big-endian register, so the SMBus (little-endian) word is swapped
    v = (flex << 4) & 0xFFFF
    bus.word(ADC, 0x00, ((v & 0xFF) << 8) | (v >> 8))


def init(bus):
    for addr in (THIGH, SHANK):
        bus.byte(addr, 0x00, 0xD1)      # CHIP_ID
        bus.byte(addr, 0x40, 0x08)      # ACC_CONF: 100 Hz
        bus.byte(addr, 0x41, 0x0C)      # ACC_RANGE: +-16 g
        bus.byte(addr, 0x42, 0x08)      # GYR_CONF: 100 Hz
        bus.byte(addr, 0x43, 0x00)      # GYR_RANGE: +-2000 deg/s
        bus.block(addr, 0x0C, bytes(12))
    bus.word(ADC, 0x01, 0x8385)         # config, power-on default (swapped: 0x8583)
    write_frame(bus, {**{f'{s}_{k}{c}': 0.0 for s in ('thigh', 'shank') for k in 'ag'
                         for c in 'xyz'}, 'knee_deg': 0.0})


def feed(bus, frames, schedule=None):
    '''Writes frame i at its time t_s after the start; prints progress.
    Under load the feeder falls behind and then writes the late frames in a
    burst: the registers did not follow the gait's time then, and the
    schedule says what they did follow.'''
    t0 = time.monotonic() - frames[0]['t_s']
    late = 0
    log = open(schedule, 'w', buffering=1) if schedule else None
    for i, fr in enumerate(frames):
        delay = t0 + fr['t_s'] - time.monotonic()
        if delay > 0:
            time.sleep(delay)
        elif delay < -0.05:
            late += 1
        write_frame(bus, fr)
        if log:
            # the IIO timestamp channel's clock (CLOCK_REALTIME by default)
            log.write(f'{i} {time.time_ns()}\n')
        if i % 500 == 0:
            print(f'feeder: frame {i} t={fr["t_s"]:.2f} s ({late} written > 50 ms late)',
                  flush=True)
    print(f'feeder: done, {len(frames)} frames, {late} written > 50 ms late', flush=True)


# ---- check ----

def scan_layout(devdir, channels):
    '''(name, offset, bytes, signed, bits, shift, big-endian) per channel and
    the sample size, from the device's scan_elements (the IIO ABI).'''
    elems = []
    for ch in channels:
        with open(f'{devdir}/scan_elements/in_{ch}_index') as f:
            index = int(f.read())
        with open(f'{devdir}/scan_elements/in_{ch}_type') as f:
            t = f.read().strip()          # e.g. le:s12/16>>4
        endian, rest = t.split(':')
        sign, rest = rest[0], rest[1:]
        bits, rest = rest.split('/')
        storage, shift = (rest.split('>>') + ['0'])[:2]
        elems.append((index, ch, int(storage) // 8, sign == 's', int(bits), int(shift),
                      endian == 'be'))
    elems.sort()
    layout, at = [], 0
    for _, ch, size, signed, bits, shift, be in elems:
        at = (at + size - 1) // size * size     # each element aligned to its size
        layout.append((ch, at, size, signed, bits, shift, be))
        at += size
    largest = max(e[2] for e in layout)
    return layout, (at + largest - 1) // largest * largest


def parse(path, devdir, channels):
    layout, size = scan_layout(devdir, channels)
    with open(path, 'rb') as f:
        data = f.read()
    out = []
    for i in range(len(data) // size):
        s = data[i * size:(i + 1) * size]
        rec = {}
        for ch, at, n, signed, bits, shift, be in layout:
            v = int.from_bytes(s[at:at + n], 'big' if be else 'little', signed=False)
            v = (v >> shift) & ((1 << bits) - 1)
            if signed and v & (1 << (bits - 1)):
                v -= 1 << bits
            rec[ch] = v
        out.append(rec)
    return out


def swing_peaks(series):
    '''Times of the swing peaks (knee > 60 deg, back under 40 deg between
    two) of a (knee_deg, t) series: one a stride, two steps a stride.'''
    peaks, above, best = [], False, None
    for angle, t in series:
        if angle > 60:
            if not above or angle > best[0]:
                best = (angle, t)
            above = True
        elif above and angle < 40:
            peaks.append(best[1])
            above = False
    return peaks


def cadence_of(peaks):
    return 120.0 * (len(peaks) - 1) / (peaks[-1] - peaks[0]) if len(peaks) >= 3 else None


def read_schedule(path):
    with open(path) as f:
        return [(int(i), int(t) / 1e9) for i, t in (line.split() for line in f if line.strip())]


def check(gait, thigh_bin, thigh_dir, shank_bin, shank_dir, adc_bin, adc_dir, schedule=None):
    frames = read_gait(gait)
    regs = [frame_regs(fr) for fr in frames]
    imu_ch = ['anglvel_x', 'anglvel_y', 'anglvel_z', 'accel_x', 'accel_y', 'accel_z']
    ok = True

    def verdict(name, good, detail):
        nonlocal ok
        ok &= bool(good)
        print(f'CHECK {"PASS" if good else "FAIL"} {name}: {detail}', flush=True)

    for name, path, devdir, k in (('thigh', thigh_bin, thigh_dir, 0),
                                  ('shank', shank_bin, shank_dir, 1)):
        samples = parse(path, devdir, imu_ch)
        truth = {r[k] for r in regs}
        got = [tuple(s[c] for c in imu_ch) for s in samples]
        match = sum(g in truth for g in got)
        distinct = len(set(got))
        # A sample can straddle a feeder write (the driver reads the six
        # registers in six transfers): allow 5 % that match no frame.
        verdict(f'{name} bmi160: buffered samples are the gait\'s frames', len(got) >= 100 and
                match >= 0.95 * len(got), f'{match} of {len(got)} samples equal a frame')
        verdict(f'{name} bmi160: the samples move', distinct >= 0.5 * len(got),
                f'{distinct} distinct of {len(got)}')
    samples = parse(adc_bin, adc_dir, ['voltage0', 'timestamp'])
    knee = [((s['voltage0'] - FLEX_RAW0) / FLEX_PER_DEG, s['timestamp'] / 1e9) for s in samples]
    truth = {flex_raw(fr['knee_deg']) for fr in frames}
    match = sum(s['voltage0'] in truth for s in samples)
    verdict('ads1015: buffered samples are the gait\'s knee angles',
            len(samples) >= 100 and match >= 0.95 * len(samples),
            f'{match} of {len(samples)} samples equal a frame')
    # Cadence from the captured knee angle, against the scripted one -- or,
    # with the feeder's schedule, against the knee angle the registers
    # actually held over the same span (what the feeder wrote when): a
    # feeder that fell behind and caught up in a burst made the registers'
    # gait faster than the script for a while (the capture was right; it
    # failed once the scripted way, 175.9 steps/min, with 313 frames late).
    peaks = swing_peaks(knee)
    cadence = cadence_of(peaks)
    want = float(os.environ.get('GAIT_CADENCE', '170'))
    what = f'scripted {want:g}'
    if schedule and knee:
        t_first, t_last = knee[0][1], knee[-1][1]
        fed = [(frames[i]['knee_deg'], t) for i, t in read_schedule(schedule)
               if t_first - 1 <= t <= t_last]
        fed_cadence = cadence_of(swing_peaks(fed))
        if fed_cadence is not None:
            what = f'fed {fed_cadence:.1f} over the capture, scripted {want:g}'
            want = fed_cadence
        # and each sample is a frame written near its timestamp (the
        # trigger stamps it, the driver's thread reads the registers after)
        sched = sorted(read_schedule(schedule), key=lambda e: e[1])
        times = [t for _, t in sched]
        near = 0
        for s_, (_, t) in zip(samples, knee):
            lo, hi = bisect.bisect_left(times, t - 0.2), bisect.bisect_right(times, t + 0.2)
            near += s_['voltage0'] in {flex_raw(frames[i]['knee_deg']) for i, _ in sched[lo:hi]}
        verdict('ads1015: each sample is what the registers held at its timestamp (+-0.2 s)',
                near >= 0.95 * len(samples), f'{near} of {len(samples)} samples')
    if cadence is not None:
        verdict('ads1015: the captured knee follows the fed cadence', abs(cadence - want) <= 3,
                f'{cadence:.1f} steps/min from {len(peaks)} swing peaks ({what}, +-3)')
    else:
        verdict('ads1015: the captured knee follows the fed cadence', False,
                f'{len(peaks)} swing peaks')
    return 0 if ok else 1


def main():
    cmd = sys.argv[1]
    if cmd == 'init':
        init(Bus(int(sys.argv[2])))
    elif cmd == 'feed':
        feed(Bus(int(sys.argv[2])), read_gait(sys.argv[3]), *sys.argv[4:5])
    elif cmd == 'check':
        return check(*sys.argv[2:10])
    return 0


if __name__ == '__main__':
    sys.exit(main())
