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

analysis_unit_tests = tests/test-angle
tests_test_angle_CFLAGS = $(TEST_C_CFLAGS)
tests_test_angle_LDADD = $(TEST_C_LDADD)

analysis_unit_tests += tests/test-gait
tests_test_gait_CFLAGS = $(TEST_C_CFLAGS)
tests_test_gait_LDADD = $(TEST_C_LDADD)

analysis_unit_tests += tests/test-detect
tests_test_detect_CFLAGS = $(TEST_C_CFLAGS)
tests_test_detect_LDADD = $(TEST_C_LDADD)

analysis_unit_tests += tests/test-analysis
tests_test_analysis_CFLAGS = $(TEST_C_CFLAGS)
tests_test_analysis_LDADD = $(TEST_C_LDADD)

analysis_unit_tests += tests/test-sim-runs
tests_test_sim_runs_SOURCES = tests/test-sim-runs.c tests/sim-score.h tests/sim-score.c
tests_test_sim_runs_CFLAGS = $(TEST_C_CFLAGS)
tests_test_sim_runs_LDADD = $(TEST_C_LDADD)

check_PROGRAMS += $(analysis_unit_tests)
TESTS += $(analysis_unit_tests)
