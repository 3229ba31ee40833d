# SPDX-License-Identifier: GPL-2.0-or-later
"""The one main() of kneed's Python tests: runs the unittest tests of the
calling script and reports each one in TAP, the protocol automake's
tap-driver.sh reads (tests/local.mk), so that `make check` counts every
test method as PASS, FAIL or SKIP with its reason, as it does for the
GLib C tests.

unittest.main() exits 0 when every test was skipped, so automake recorded
PASS for a program that ran nothing.  The rule here (docs/testing.md):

- a test that could not run is reported `ok N - name # SKIP reason`:
  automake counts it as SKIP and prints the reason; the others of the same
  program still count as PASS or FAIL;
- a program that cannot run at all prints `1..0 # SKIP reason` (TAP's
  form of automake's exit status 77);
- a failure or an error is `not ok`, with the traceback as `#` lines.

Run by hand, the same TAP goes to stdout; the exit status is then also
automake's plain protocol: 1 if anything failed, 77 if every test was
skipped, else 0.  Under tap-driver (KNEED_TEST_TAP=1, tests/local.mk) the
exit status is 0 unless something failed: the driver reads the results
from the stream, and treats any other status as an error."""

import os
import sys
import traceback
import unittest

SKIP = 77

# Set by tests/local.mk for tap-driver.sh.
_TAP = os.environ.get('KNEED_TEST_TAP') == '1'


def skip_all(reason):
    """The whole program cannot run here: one SKIP with its reason."""
    print('1..0 # SKIP ' + ' '.join(reason.split()), flush=True)
    sys.exit(0 if _TAP else SKIP)


def bail_out(reason):
    """The program cannot run because something is broken (not merely
    absent): an error, never a skip."""
    print('Bail out! ' + ' '.join(reason.split()), flush=True)
    sys.exit(99)


def _diagnostic(text):
    for line in text.rstrip('\n').splitlines():
        print('# ' + line)


class _TapResult(unittest.TestResult):
    def __init__(self):
        super().__init__()
        self.number = 0
        self.failed = False
        self.ran = 0
        self.skipped_tests = 0
        self._problems = []
        self._skip = None
        self._current = None

    def startTest(self, test):
        super().startTest(test)
        self._problems = []
        self._skip = None
        self._current = test

    def _problem(self, test, err):
        text = ''.join(traceback.format_exception(*err))
        if self._current is None:
            # setUpClass, tearDownModule...: no test to pin it on; the
            # tests it kept from running make the count come out short
            self.failed = True
            _diagnostic('%s:\n%s' % (test.id(), text))
            return
        self._problems.append(text)

    def addError(self, test, err):
        super().addError(test, err)
        self._problem(test, err)

    def addFailure(self, test, err):
        super().addFailure(test, err)
        self._problem(test, err)

    def addSubTest(self, test, subtest, err):
        super().addSubTest(test, subtest, err)
        if err is not None:
            self._problems.append('%s:\n%s' % (subtest.id(),
                                               ''.join(traceback.format_exception(*err))))

    def addSkip(self, test, reason):
        super().addSkip(test, reason)
        if self._current is None:
            self.failed = True
            _diagnostic('%s skipped a whole class (%s): skip its tests one by one' % (test.id(), reason))
            return
        # a skipped subtest skips part of its test: the test reports it
        self._skip = reason if self._skip is None else self._skip + '; ' + reason

    def addUnexpectedSuccess(self, test):
        super().addUnexpectedSuccess(test)
        self._problems.append('passed, but is marked as an expected failure')

    def stopTest(self, test):
        super().stopTest(test)
        self._current = None
        self.number += 1
        name = test.id().split('.', 1)[-1]
        if self._problems:
            self.failed = True
            self.ran += 1
            print('not ok %d - %s' % (self.number, name))
            for p in self._problems:
                _diagnostic(p)
        elif self._skip is not None:
            self.skipped_tests += 1
            print('ok %d - %s # SKIP %s' % (self.number, name, ' '.join(self._skip.split())))
        else:
            self.ran += 1
            print('ok %d - %s' % (self.number, name))
        sys.stdout.flush()


def main(module='__main__'):
    """Runs the tests of `module` (the calling script by default)."""
    suite = unittest.defaultTestLoader.loadTestsFromModule(sys.modules[module])
    args = sys.argv[1:]
    if args:
        # by hand: test names (Class.test_method) as unittest takes them
        suite = unittest.defaultTestLoader.loadTestsFromNames(args, sys.modules[module])
    total = suite.countTestCases()
    if total == 0:
        bail_out('no tests found')
    print('1..%d' % total, flush=True)
    result = _TapResult()
    suite.run(result)
    if result.failed or result.number != total:
        sys.exit(1)
    if result.skipped_tests == total and not _TAP:
        sys.exit(SKIP)
    sys.exit(0)
