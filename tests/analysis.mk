# Issue 2: recording format, analysis stages, simulated and real runs.
analysis_tests = \
	tests/test-recording

check_PROGRAMS += $(analysis_tests)
TESTS += $(analysis_tests)

tests_test_recording_CFLAGS = $(TEST_C_CFLAGS)
tests_test_recording_LDADD = $(TEST_C_LDADD)

analysis_unit_tests = tests/test-angle
check_PROGRAMS += $(analysis_unit_tests)
TESTS += $(analysis_unit_tests)
tests_test_angle_CFLAGS = $(TEST_C_CFLAGS)
tests_test_angle_LDADD = $(TEST_C_LDADD)
