# Issue 2: recording format, analysis stages, simulated and real runs.
analysis_tests = \
	tests/test-recording \
	tests/test-sim-config \
	tests/test-sim-model \
	tests/test-sim-events

check_PROGRAMS += $(analysis_tests)
TESTS += $(analysis_tests) \
	tests/test-simulate-cli.py
EXTRA_DIST += tests/test-simulate-cli.py

tests_test_recording_CFLAGS = $(TEST_C_CFLAGS)
tests_test_recording_LDADD = $(TEST_C_LDADD)

# The simulated sleeve.
sim_test_sources = tests/sim-helpers.h tests/sim-helpers.c
tests_test_sim_config_SOURCES = tests/test-sim-config.c $(sim_test_sources)
tests_test_sim_config_CFLAGS = $(TEST_C_CFLAGS)
tests_test_sim_config_LDADD = $(TEST_C_LDADD)
tests_test_sim_model_SOURCES = tests/test-sim-model.c $(sim_test_sources)
tests_test_sim_model_CFLAGS = $(TEST_C_CFLAGS)
tests_test_sim_model_LDADD = $(TEST_C_LDADD)
tests_test_sim_events_SOURCES = tests/test-sim-events.c $(sim_test_sources)
tests_test_sim_events_CFLAGS = $(TEST_C_CFLAGS)
tests_test_sim_events_LDADD = $(TEST_C_LDADD)
