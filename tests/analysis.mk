# Issue 2: recording format, analysis stages, simulated and real runs.
analysis_tests = \
	tests/test-recording \
	tests/test-sim-model

check_PROGRAMS += $(analysis_tests)
TESTS += $(analysis_tests) \
	tests/test-simulate-cli.py
EXTRA_DIST += tests/test-simulate-cli.py

tests_test_recording_CFLAGS = $(TEST_C_CFLAGS)
tests_test_recording_LDADD = $(TEST_C_LDADD)

tests_test_sim_model_CFLAGS = $(TEST_C_CFLAGS)
tests_test_sim_model_LDADD = $(TEST_C_LDADD)
