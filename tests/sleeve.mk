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
