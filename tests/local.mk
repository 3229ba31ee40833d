# The test suite: `make check`.  C unit tests use GLib's gtest; the
# integration tests are Python (Debian's /usr/bin/python3, which sees
# python3-dbus, python3-gi and python3-dbusmock).

# ../shared/data is read-only third-party data beside the clone: tests
# that need it skip with a message when it is absent.
KNEED_DATA_DIR ?= $(abs_top_srcdir)/../shared/data

AM_TESTS_ENVIRONMENT = \
	export G_DEBUG=fatal-criticals; \
	export MALLOC_CHECK_=3; \
	export MALLOC_PERTURB_=$$(( $${RANDOM:-256} % 255 + 1 )); \
	export KNEED_DATA_DIR='$(KNEED_DATA_DIR)'; \
	export KNEED_BUILDDIR='$(abs_top_builddir)'; \
	export KNEED_SRCDIR='$(abs_top_srcdir)'; \
	export PYTHONDONTWRITEBYTECODE=1; \
	export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1; \
	export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1; \
	export KNEED_TEST_TAP=1;

# Every test reports each of its cases in TAP (docs/testing.md): the GLib
# tests by themselves, the Python ones through tests/taprunner.py.  A case
# that could not run is a SKIP with its reason, never a PASS; the summary
# counts cases.
LOG_DRIVER = env AM_TAP_AWK='$(AWK)' $(SHELL) $(top_srcdir)/build-aux/tap-driver.sh
TEST_EXTENSIONS = .py .tap
# A cross build runs the C tests through qemu-user (configure.ac).
LOG_COMPILER = $(HOST_EXEC)
PY_LOG_DRIVER = $(LOG_DRIVER)
PY_LOG_COMPILER = $(PYTHON3)
AM_PY_LOG_FLAGS = -B
EXTRA_DIST += tests/taprunner.py docs/testing.md

TEST_C_CFLAGS = $(AM_CFLAGS) $(GLIB_CFLAGS) $(JSON_GLIB_CFLAGS)
TEST_C_LDADD = drivers/libkneedrivers.a clock/libkneeclock.a analysis/libkneeanalysis.a \
	$(GLIB_LIBS) $(JSON_GLIB_LIBS) $(IIO_LIBS) -lm

include tests/analysis.mk
include tests/daemon.mk
include tests/ble.mk
include tests/sleeve.mk
include tests/packaging.mk
include tests/iio.mk
include tests/vm.mk
