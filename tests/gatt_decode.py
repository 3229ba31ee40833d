'''An independent decoder of kneed's GATT values, written from docs/gatt.md
(not from daemon/ble/shared/gatt-codec.c), as a phone app would write it.  Used by the
BLE integration tests to check what kneed sends.'''

import struct

KNEE_BASE = 'd177{:04x}-cb6f-4663-b08c-86a5014bbe97'
KNEE_SERVICE = KNEE_BASE.format(0x0001)
LIVE = KNEE_BASE.format(0x0101)
ALERTS = KNEE_BASE.format(0x0102)
CONTROL = KNEE_BASE.format(0x0103)
PAIN = KNEE_BASE.format(0x0104)
STATUS = KNEE_BASE.format(0x0105)


def sig(uuid16):
    return f'0000{uuid16:04x}-0000-1000-8000-00805f9b34fb'


RSC_SERVICE = sig(0x1814)
RSC_MEASUREMENT = sig(0x2A53)
RSC_FEATURE = sig(0x2A54)
SENSOR_LOCATION = sig(0x2A5D)
SC_CONTROL = sig(0x2A55)
BATTERY_SERVICE = sig(0x180F)
BATTERY_LEVEL = sig(0x2A19)
DIS_SERVICE = sig(0x180A)
MANUFACTURER = sig(0x2A29)
MODEL = sig(0x2A24)
SERIAL = sig(0x2A25)
HARDWARE_REV = sig(0x2A27)
FIRMWARE_REV = sig(0x2A26)
SOFTWARE_REV = sig(0x2A28)

# docs/gatt.md, "Services, characteristics, BlueZ flags and security"
EXPECTED_FLAGS = {
    LIVE: ['encrypt-read', 'encrypt-notify'],
    ALERTS: ['encrypt-read', 'encrypt-indicate'],
    CONTROL: ['encrypt-write', 'encrypt-indicate'],
    PAIN: ['encrypt-write'],
    STATUS: ['encrypt-read', 'encrypt-notify'],
    RSC_MEASUREMENT: ['encrypt-notify'],
    RSC_FEATURE: ['read'],
    SENSOR_LOCATION: ['read'],
    SC_CONTROL: ['encrypt-write', 'encrypt-indicate'],
    BATTERY_LEVEL: ['read', 'notify'],
    MANUFACTURER: ['read'],
    MODEL: ['read'],
    SERIAL: ['encrypt-read'],
    HARDWARE_REV: ['read'],
    FIRMWARE_REV: ['read'],
    SOFTWARE_REV: ['read'],
}
EXPECTED_SERVICES = {
    KNEE_SERVICE: {LIVE, ALERTS, CONTROL, PAIN, STATUS},
    RSC_SERVICE: {RSC_MEASUREMENT, RSC_FEATURE, SENSOR_LOCATION, SC_CONTROL},
    BATTERY_SERVICE: {BATTERY_LEVEL},
    DIS_SERVICE: {MANUFACTURER, MODEL, SERIAL, HARDWARE_REV, FIRMWARE_REV, SOFTWARE_REV},
}

ACTIVITIES = ['unknown', 'still', 'walking', 'running']
ALERT_KINDS = ['hyperextension', 'instability', 'range_loss', 'locking', 'low_cadence',
               'overstride', 'high_impact', 'pain']
SEVERITIES = ['info', 'warning', 'critical']
UNITS = ['none', 'deg', 'deg/s', 'spm', 'g', 'score', 'strides', 's']
# Alert message codes (docs/gatt.md, analysis/events.h enum kn_alert_message)
MESSAGES = ['none', 'hyperextension', 'buckling', 'wobble', 'range_loss', 'locking',
            'low_cadence', 'overstride', 'high_impact', 'severe_pain']
STATES = ['idle', 'streaming', 'degraded', 'calibrating']
SOURCES = ['none', 'simulated', 'replay', 'sensors']
RESULTS = {1: 'success', 2: 'op-code-not-supported', 3: 'invalid-parameter',
           4: 'operation-failed', 5: 'not-available', 6: 'busy', 7: 'wrong-state'}


class DecodeError(ValueError):
    pass


def _s16(raw, scale):
    return None if raw == -0x8000 else raw / scale


def _u16(raw, scale):
    return None if raw == 0xFFFF else raw / scale


def _u8(raw, scale):
    return None if raw == 0xFF else raw / scale


def _check_version(value, name):
    if len(value) < 1:
        raise DecodeError(f'{name}: empty')
    if value[0] != 1:
        raise DecodeError(f'{name}: unknown version {value[0]}')


def decode_live(value):
    '''Live Metrics, compact (20) or extended (36); longer values allowed.'''
    _check_version(value, 'live')
    if len(value) < 20:
        raise DecodeError(f'live: {len(value)} bytes, at least 20 expected')
    flags = value[1]
    angle, cadence = struct.unpack_from('<hH', value, 2)
    strides = value[6] | value[7] << 8 | value[8] << 16
    ic, stance, swing, rom, contact, impact = struct.unpack_from('<hhhHHB', value, 9)
    d = {
        'form': 'extended' if len(value) >= 36 else 'compact',
        'knee_angle_valid': bool(flags & 0x01),
        'in_stance': bool(flags & 0x02),
        'activity': ACTIVITIES[(flags >> 2) & 0x03],
        'stride_valid': bool(flags & 0x10),
        'session_active': bool(flags & 0x20),
        'calibrating': bool(flags & 0x40),
        'knee_deg': _s16(angle, 10) if flags & 0x01 else None,
        'cadence_spm': cadence / 10,
        'strides': strides,
        'ic_flex_deg': _s16(ic, 10),
        'stance_peak_flex_deg': _s16(stance, 10),
        'swing_peak_flex_deg': _s16(swing, 10),
        'rom_deg': _u16(rom, 10),
        'contact_s': _u16(contact, 1000),
        'impact_g': _u8(impact, 10),
    }
    if len(value) >= 36:
        minf, stride_ms, cv, speed, base, zero, t_ms = struct.unpack_from('<hHHhHhI', value, 20)
        d.update({
            'min_flex_deg': _s16(minf, 10),
            'stride_s': _u16(stride_ms, 1000),
            'stride_cv_pct': _u16(cv, 10),
            'knee_speed_dps': _s16(speed, 1),
            'baseline_rom_deg': _u16(base, 10),
            'zero_offset_deg': _s16(zero, 10),
            't_s': t_ms / 1000,
        })
    return d


def decode_alert(value):
    '''A value of 17 bytes is one from before the message code was appended
    (docs/gatt.md): message None.'''
    _check_version(value, 'alert')
    if len(value) < 17:
        raise DecodeError(f'alert: {len(value)} bytes, at least 17 expected')
    flags, seq, kind, severity, unit, secs, ms, val, thr = struct.unpack_from('<BHBBBIHhh', value, 1)
    if ms > 999:
        raise DecodeError(f'alert: {ms} ms')
    message, arg = None, None
    if len(value) >= 20:
        code, raw = struct.unpack_from('<Bh', value, 17)
        message = MESSAGES[code] if code < len(MESSAGES) else code
        arg = _s16(raw, 10)
    return {
        'message': message,
        'arg': arg,
        'wall_clock': bool(flags & 1),
        'late': bool(flags & 2),
        'seq': seq,
        'kind': None if kind == 0xFF else ALERT_KINDS[kind],
        'severity': SEVERITIES[severity],
        'unit': UNITS[unit],
        'time_s': secs + ms / 1000,
        'value': _s16(val, 10),
        'threshold': _s16(thr, 10),
    }


def decode_status(value):
    _check_version(value, 'status')
    if len(value) < 14:
        raise DecodeError(f'status: {len(value)} bytes, at least 14 expected')
    (state, source, present, failed, battery, flags, storage, errors, dropped, queued,
     side) = struct.unpack_from('<BBBBBBBHHBB', value, 1)
    return {
        'state': STATES[state],
        'source': SOURCES[source],
        'sensors_present': present,
        'sensors_failed': failed,
        'battery_pct': None if battery == 0xFF else battery,
        'session_active': bool(flags & 0x01),
        'coaching': bool(flags & 0x02),
        'clock_set': bool(flags & 0x04),
        'pairing_window': bool(flags & 0x08),
        'charging': bool(flags & 0x10),
        'storage_present': bool(flags & 0x20),
        'storage_pct': None if storage == 0xFF else storage,
        'error_bits': errors,
        'alerts_dropped': dropped,
        'alerts_queued': queued,
        'side': 'left' if side == 1 else 'right',
        'pain_marks': value[14] if len(value) > 14 else 0,
    }


def encode_cp(opcode, *params):
    '''Control point requests: ("set_threshold", id, value) ...'''
    if opcode == 'start_session':
        return bytes([0x01])
    if opcode == 'stop_session':
        return bytes([0x02])
    if opcode == 'calibrate':
        return bytes([0x03])
    if opcode == 'set_threshold':
        return struct.pack('<BBi', 0x04, params[0], round(params[1] * 1000))
    if opcode == 'get_threshold':
        return struct.pack('<BB', 0x05, params[0])
    if opcode == 'set_time':
        return struct.pack('<BIH', 0x06, int(params[0]), round((params[0] % 1) * 1000))
    if opcode == 'identify':
        return bytes([0x07]) + (bytes([round(params[0] * 10)]) if params else b'')
    if opcode == 'start_coaching':
        return struct.pack('<BH', 0x08, round(params[0] * 10))
    if opcode == 'stop_coaching':
        return bytes([0x09])
    if opcode == 'get_pain_mark':
        return bytes([0x0a]) + (bytes([params[0]]) if params else b'')
    raise ValueError(opcode)


def decode_cp_response(value):
    if len(value) < 3 or value[0] != 0x80:
        raise DecodeError(f'control point response: {value.hex()}')
    d = {'request': value[1], 'result': RESULTS.get(value[2], value[2])}
    if value[2] == 1 and value[1] == 0x03:
        off, res = struct.unpack_from('<hh', value, 3)
        d.update({'offset_deg': _s16(off, 10), 'residual_deg': _s16(res, 10)})
    if value[2] == 1 and value[1] == 0x05:
        pid, val = struct.unpack_from('<Bi', value, 3)
        d.update({'id': pid, 'value': val / 1000})
    if value[2] == 1 and value[1] == 0x0a:
        mark, secs, ms, waiting = struct.unpack_from('<IIHB', value, 3)
        d.update({'mark_id': mark, 'time_s': secs + ms / 1000, 'waiting': waiting})
    return d


def encode_pain(score, location, timing, note='', mark=None):
    '''Layout 1 reports pain now; layout 2 scores pain mark `mark`.'''
    locations = ['front', 'outside', 'inside', 'back']
    timings = ['start', 'during', 'after']
    fields = bytes([score, locations.index(location), timings.index(timing)]) + note.encode()
    if mark is None:
        return bytes([1]) + fields
    return struct.pack('<BI', 2, mark) + fields


def decode_rsc_measurement(value):
    if len(value) < 4:
        raise DecodeError('rsc: short')
    flags = value[0]
    speed, cadence = struct.unpack_from('<HB', value, 1)
    at = 4
    d = {'running': bool(flags & 4), 'speed_mps': speed / 256, 'cadence_spm': cadence,
         'stride_m': None, 'total_m': None}
    if flags & 1:
        d['stride_m'] = struct.unpack_from('<H', value, at)[0] / 100
        at += 2
    if flags & 2:
        d['total_m'] = struct.unpack_from('<I', value, at)[0] / 10
        at += 4
    if len(value) < at:
        raise DecodeError('rsc: short')
    return d


def decode_sc_response(value):
    if len(value) != 3 or value[0] != 0x10:
        raise DecodeError(f'SC control point response: {value.hex()}')
    return {'request': value[1], 'result': RESULTS.get(value[2], value[2])}


def decode_ad(data):
    '''Advertising data -> list of (AD type, payload).'''
    out, at = [], 0
    while at < len(data):
        n = data[at]
        if n == 0 or at + 1 + n > len(data):
            raise DecodeError(f'bad AD structure at {at}: {data.hex()}')
        out.append((data[at + 1], bytes(data[at + 2:at + 1 + n])))
        at += 1 + n
    return out


def uuid128_from_le(b):
    h = b[::-1].hex()
    return f'{h[0:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:32]}'
