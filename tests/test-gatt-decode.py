#!/usr/bin/python3
'''The independent decoder against the examples of docs/gatt.md: the
examples in the document are read from the document itself, so a change
of layout that the document's examples do not follow fails here.'''

import os
import re
import sys
import unittest

import taprunner

SRCDIR = os.environ.get('KNEED_SRCDIR', os.path.join(os.path.dirname(__file__), '..'))
sys.path.insert(0, os.path.join(SRCDIR, 'tests'))
import gatt_decode as gd  # noqa: E402

DOC = open(os.path.join(SRCDIR, 'docs', 'gatt.md'), encoding='utf-8').read()


def example(after):
    '''The first indented hex line after a heading or sentence.'''
    at = DOC.index(after)
    m = re.search(r'^    ((?:[0-9a-f]{2} ?)+)$', DOC[at:], re.M)
    return bytes.fromhex(m.group(1))


class DocExamples(unittest.TestCase):
    def test_live_metrics(self):
        d = gd.decode_live(example('Example (compact)'))
        self.assertEqual(d['form'], 'compact')
        self.assertEqual(d['activity'], 'running')
        self.assertTrue(d['session_active'] and d['stride_valid'] and not d['in_stance'])
        self.assertAlmostEqual(d['knee_deg'], 62.5)
        self.assertAlmostEqual(d['cadence_spm'], 172.4)
        self.assertEqual(d['strides'], 1234)
        self.assertAlmostEqual(d['ic_flex_deg'], 18.3)
        self.assertAlmostEqual(d['stance_peak_flex_deg'], 41.0)
        self.assertAlmostEqual(d['swing_peak_flex_deg'], 95.2)
        self.assertAlmostEqual(d['rom_deg'], 96.7)
        self.assertAlmostEqual(d['contact_s'], 0.232)
        self.assertAlmostEqual(d['impact_g'], 8.7)

    def test_alert(self):
        d = gd.decode_alert(example('Example: hyperextension, critical'))
        self.assertEqual((d['seq'], d['kind'], d['severity'], d['unit']),
                         (7, 'hyperextension', 'critical', 'deg'))
        self.assertAlmostEqual(d['time_s'], 1700000000.25)
        self.assertAlmostEqual(d['value'], 12.4)
        self.assertAlmostEqual(d['threshold'], 10.0)
        self.assertTrue(d['wall_clock'])
        self.assertFalse(d['late'])
        self.assertEqual(d['message'], 'hyperextension')
        self.assertAlmostEqual(d['arg'], 410.0)
        # a value from before the message code: 17 bytes, no message
        old = gd.decode_alert(example('Example: hyperextension, critical')[:17])
        self.assertEqual((old['seq'], old['message'], old['arg']), (7, None, None))

    def test_alert_message_codes(self):
        '''The decoder's message names are the document's table, in order.'''
        table = DOC[DOC.index('**Message codes.**'):DOC.index('**Why appended')]
        rows = re.findall(r'^\| (\d+) \| ([a-z_–]+) \| ', table, re.M)
        self.assertEqual([int(c) for c, _ in rows], list(range(len(gd.MESSAGES))))

    def test_control_point(self):
        lines = re.findall(r'^    (request|response)\s+((?:[0-9a-f]{2} )+)', DOC, re.M)
        pairs = [(k, bytes.fromhex(h)) for k, h in lines]
        self.assertEqual(pairs[0][1], gd.encode_cp('set_threshold', 0, 5.0))
        self.assertEqual(gd.decode_cp_response(pairs[1][1])['result'], 'success')
        self.assertEqual(gd.decode_cp_response(pairs[3][1])['result'], 'op-code-not-supported')
        self.assertEqual(pairs[4][1], gd.encode_cp('set_threshold', 0, 100.0))
        self.assertEqual(gd.decode_cp_response(pairs[5][1])['result'], 'invalid-parameter')
        cal = gd.decode_cp_response(pairs[7][1])
        self.assertAlmostEqual(cal['offset_deg'], -2.5)
        self.assertAlmostEqual(cal['residual_deg'], 2.5)

    def test_pain_and_rsc(self):
        m = re.search(r'"stairs": `((?:[0-9a-f]{2} ?)+)`', DOC)
        self.assertEqual(bytes.fromhex(m.group(1)), gd.encode_pain(8, 'inside', 'during', 'stairs'))
        m = re.search(r'1234\.5 m:\n`((?:[0-9a-f]{2} ?)+)`', DOC)
        d = gd.decode_rsc_measurement(bytes.fromhex(m.group(1)))
        self.assertEqual((d['running'], d['cadence_spm']), (True, 172))
        self.assertAlmostEqual(d['speed_mps'], 3.5)
        self.assertAlmostEqual(d['stride_m'], 2.44)
        self.assertAlmostEqual(d['total_m'], 1234.5)

    def test_pain_marks(self):
        line = next(ln for ln in DOC.splitlines() if ln.endswith('mark 3, 1700000000.250, 2 waiting'))
        hexes = re.match(r'^\s+response ((?:[0-9a-f]{2} )+)', line).group(1)
        d = gd.decode_cp_response(bytes.fromhex(hexes))
        self.assertEqual((d['request'], d['result']), (0x0a, 'success'))
        self.assertEqual((d['mark_id'], d['waiting']), (3, 2))
        self.assertAlmostEqual(d['time_s'], 1700000000.25)
        self.assertEqual(example('Example: mark 3, score 5, front, during'),
                         gd.encode_pain(5, 'front', 'during', 'hill', mark=3))

    def test_rejects_unknown_versions_and_short_values(self):
        with self.assertRaises(gd.DecodeError):
            gd.decode_live(b'\x02' + bytes(19))
        with self.assertRaises(gd.DecodeError):
            gd.decode_alert(b'\x01' + bytes(10))
        self.assertEqual(gd.decode_live(b'\x01' + bytes(19) + b'\xaa' * 3)['form'], 'compact')


if __name__ == '__main__':
    taprunner.main()
