# Issue 9: the sleeve's I/O.  The pure modules alone, each test linking
# only what it tests.
sleeve_unit_tests = \
	tests/test-sleeve-button \
	tests/test-sleeve-patterns

check_PROGRAMS += $(sleeve_unit_tests)
TESTS += $(sleeve_unit_tests)

tests_test_sleeve_button_CFLAGS = $(TEST_C_CFLAGS)
tests_test_sleeve_button_SOURCES = tests/test-sleeve-button.c sleeve/button.c sleeve/button.h
tests_test_sleeve_button_LDADD = $(GLIB_LIBS)

tests_test_sleeve_patterns_CFLAGS = $(TEST_C_CFLAGS)
tests_test_sleeve_patterns_SOURCES = tests/test-sleeve-patterns.c \
	sleeve/pattern.c sleeve/haptic.c sleeve/led.c
tests_test_sleeve_patterns_LDADD = analysis/libkneeanalysis.a $(GLIB_LIBS) -lm

# The configuration sections and their one validator, with the keyfile
# helpers (errors name file, line and key).
check_PROGRAMS += tests/test-sleeve-config
TESTS += tests/test-sleeve-config
tests_test_sleeve_config_CFLAGS = $(TEST_C_CFLAGS) $(GPIOD_CFLAGS)
tests_test_sleeve_config_SOURCES = tests/test-sleeve-config.c \
	sleeve/sleeve-config.c sleeve/sleeve-config.h sleeve/button.c sleeve/gpio-gpiod.c
tests_test_sleeve_config_CPPFLAGS = $(AM_CPPFLAGS) -DSYSCONFDIR=\"$(sysconfdir)\"
tests_test_sleeve_config_LDADD = $(TEST_DAEMON_LDADD) $(GPIOD_LIBS)

# The real libgpiod on a GPIO chip emulated by umockdev, in-process.
check_PROGRAMS += tests/test-sleeve-gpio
TESTS += tests/test-sleeve-gpio
tests_test_sleeve_gpio_SOURCES = tests/test-sleeve-gpio.c tests/gpio-mock.h tests/gpio-mock.c \
	tests/umockdev-helpers.h tests/umockdev-helpers.c
tests_test_sleeve_gpio_CFLAGS = $(TEST_C_CFLAGS) $(UMOCKDEV_CFLAGS) $(GPIOD_CFLAGS)
tests_test_sleeve_gpio_LDADD = sleeve/libkneesleeve.a sleeve/libkneesleevecore.a \
	$(TEST_DAEMON_LDADD) $(UMOCKDEV_LIBS) $(GPIOD_LIBS)

# The real kneed: errors at start-up.
TESTS += tests/test-sleeve-daemon.py
EXTRA_DIST += tests/test-sleeve-daemon.py
