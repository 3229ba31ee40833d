# Issue 2: recording format, analysis stages, simulated and real runs.
analysis_tests = \
	tests/test-recording \
	tests/test-sim-config \
	tests/test-sim-model \
	tests/test-sim-events \
	tests/test-sigproc \
	tests/test-mocap-model

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

# `make accuracy` regenerates docs/accuracy.md from the simulator and,
# when ../shared/data is there, the real recordings.
noinst_PROGRAMS += tests/accuracy-sim
tests_accuracy_sim_SOURCES = tests/accuracy-sim.c tests/sim-score.h tests/sim-score.c
tests_accuracy_sim_CFLAGS = $(TEST_C_CFLAGS)
tests_accuracy_sim_LDADD = $(TEST_C_LDADD)

# kneectl convert: each test links only the module it tests.
tests_test_sigproc_SOURCES = tests/test-sigproc.c client/sigproc.c client/sigproc.h
tests_test_sigproc_CFLAGS = $(TEST_C_CFLAGS)
tests_test_sigproc_LDADD = $(GLIB_LIBS) -lm
tests_test_mocap_model_SOURCES = tests/test-mocap-model.c client/mocap-model.c client/mocap-model.h
tests_test_mocap_model_CFLAGS = $(TEST_C_CFLAGS)
tests_test_mocap_model_LDADD = $(GLIB_LIBS) -lm

# Conversion of the real data sets (skips without ../shared/data).
TESTS += tests/test-convert.py
EXTRA_DIST += tests/test-convert.py tests/reference_gait.py tests/kneedtest_recording.py \
	tests/plot_reference.py
