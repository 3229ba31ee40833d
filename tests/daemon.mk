# Issue 3: the daemon, D-Bus API, kneectl live commands.
daemon_unit_tests = \
	tests/test-clock \
	tests/test-config \
	tests/test-core \
	tests/test-core-time \
	tests/test-drivers \
	tests/test-error \
	tests/test-dbus-args \
	tests/test-watchdog

check_PROGRAMS += $(daemon_unit_tests)
TESTS += $(daemon_unit_tests)

TEST_DAEMON_LDADD = daemon/libkneedcore.a dbus/libkneedbus.a $(TEST_C_LDADD) $(SYSTEMD_LIBS)

tests_test_config_CPPFLAGS = $(AM_CPPFLAGS) -DSYSCONFDIR=\"$(sysconfdir)\"
tests_test_config_CFLAGS = $(TEST_C_CFLAGS)
tests_test_config_LDADD = $(TEST_DAEMON_LDADD)

# The core's tests share a hand-fed source, a recording publisher and a
# fixture on a test clock.
CORE_FIXTURE = tests/core-fixture.h tests/core-fixture.c
tests_test_core_SOURCES = tests/test-core.c $(CORE_FIXTURE)
tests_test_core_CFLAGS = $(TEST_C_CFLAGS)
tests_test_core_LDADD = $(TEST_DAEMON_LDADD)
tests_test_core_time_SOURCES = tests/test-core-time.c $(CORE_FIXTURE)
tests_test_core_time_CFLAGS = $(TEST_C_CFLAGS)
tests_test_core_time_LDADD = $(TEST_DAEMON_LDADD)

tests_test_dbus_args_CFLAGS = $(TEST_C_CFLAGS)
tests_test_dbus_args_LDADD = $(TEST_DAEMON_LDADD)

tests_test_clock_CFLAGS = $(TEST_C_CFLAGS)
tests_test_clock_LDADD = clock/libkneeclock.a $(GLIB_LIBS)

tests_test_watchdog_SOURCES = tests/test-watchdog.c $(CORE_FIXTURE)
tests_test_watchdog_CFLAGS = $(TEST_C_CFLAGS) $(SYSTEMD_CFLAGS)
tests_test_watchdog_LDADD = $(TEST_DAEMON_LDADD)

tests_test_drivers_CFLAGS = $(TEST_C_CFLAGS)
tests_test_drivers_LDADD = $(TEST_C_LDADD)

# The modules' groups of kneed.conf: their keys tables against their
# validators, as kneed links them.
check_PROGRAMS += tests/test-module-config
TESTS += tests/test-module-config
tests_test_module_config_CPPFLAGS = $(AM_CPPFLAGS) -DSYSCONFDIR=\"$(sysconfdir)\"
tests_test_module_config_CFLAGS = $(TEST_C_CFLAGS) $(GPIOD_CFLAGS)
tests_test_module_config_SOURCES = tests/test-module-config.c daemon/modules.c
tests_test_module_config_LDADD = sleeve/libkneesleeve.a sleeve/libkneesleevecore.a \
	$(BLE_LIBS) dbus/libkneedbusble.a $(TEST_DAEMON_LDADD) $(GPIOD_LIBS)

# Links only the module it tests.
tests_test_error_CFLAGS = $(TEST_C_CFLAGS)
tests_test_error_SOURCES = tests/test-error.c daemon/error.c daemon/error.h
tests_test_error_LDADD = $(GLIB_LIBS)

# Integration: the real kneed and kneectl on private dbus-daemons.
daemon_integration_tests = \
	tests/test-dbus-api.py \
	tests/test-daemon-alerts.py \
	tests/test-daemon-lifecycle.py \
	tests/test-policy.py \
	tests/test-kneectl.py \
	tests/test-systemd.py \
	tests/test-sd-notify.py

TESTS += $(daemon_integration_tests)
EXTRA_DIST += $(daemon_integration_tests) tests/kneedtest.py
