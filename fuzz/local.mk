# Fuzzing (docs/testing.md, "Fuzzing").  Each parser of outside input has
# a target fuzz/fuzz-NAME.c and a seed corpus fuzz/corpus/NAME/.
#
# make check: every target, linked with fuzz/replay.c instead of
# libFuzzer, runs its corpus once (gcc, no clang needed; under ASan+UBSan
# in the sanitized build).
#
# make fuzz: every target built with clang -fsanitize=fuzzer,address,
# undefined over an instrumented copy of the libraries, then run for
# FUZZ_SECONDS each, new inputs kept in fuzz/run/NAME/, crashes in
# fuzz/run/crash-NAME-*.  FUZZ_TARGETS picks some, FUZZ_ARGS adds
# libFuzzer options (-runs=10000000 ...).
#
# A new target: its .c and corpus, and four lines below (the program in
# fuzz_programs, _SOURCES, _CFLAGS, _LDADD).

fuzz_programs = \
	fuzz/fuzz-gatt-control \
	fuzz/fuzz-gatt-pain \
	fuzz/fuzz-gatt-sc-control \
	fuzz/fuzz-recording \
	fuzz/fuzz-config \
	fuzz/fuzz-dbus

check_PROGRAMS += $(fuzz_programs)
TESTS += $(fuzz_programs)

FUZZ_REPLAY = fuzz/fuzz.h fuzz/fuzz-common.c fuzz/replay.c
FUZZ_C_CFLAGS = $(AM_CFLAGS) $(GLIB_CFLAGS) -DFUZZ_SRCDIR=\"$(abs_top_srcdir)\"
# The GATT targets need the pure codec only (daemon/ble/shared/).
FUZZ_BLE_LDADD = daemon/ble/shared/libkneebleshared.a analysis/libkneeanalysis.a $(GLIB_LIBS) -lm
FUZZ_DAEMON_LDADD = sleeve/libkneesleeve.a sleeve/libkneesleevecore.a \
	$(BLE_LIBS) dbus/libkneedbusble.a daemon/libkneedcore.a \
	dbus/libkneedbus.a drivers/libkneedrivers.a clock/libkneeclock.a \
	analysis/libkneeanalysis.a \
	$(GLIB_LIBS) $(SYSTEMD_LIBS) $(GPIOD_LIBS) $(IIO_LIBS) -lm

fuzz_fuzz_gatt_control_SOURCES = fuzz/fuzz-gatt-control.c $(FUZZ_REPLAY)
fuzz_fuzz_gatt_control_CFLAGS = $(FUZZ_C_CFLAGS)
fuzz_fuzz_gatt_control_LDADD = $(FUZZ_BLE_LDADD)

fuzz_fuzz_gatt_pain_SOURCES = fuzz/fuzz-gatt-pain.c $(FUZZ_REPLAY)
fuzz_fuzz_gatt_pain_CFLAGS = $(FUZZ_C_CFLAGS)
fuzz_fuzz_gatt_pain_LDADD = $(FUZZ_BLE_LDADD)

fuzz_fuzz_gatt_sc_control_SOURCES = fuzz/fuzz-gatt-sc-control.c $(FUZZ_REPLAY)
fuzz_fuzz_gatt_sc_control_CFLAGS = $(FUZZ_C_CFLAGS)
fuzz_fuzz_gatt_sc_control_LDADD = $(FUZZ_BLE_LDADD)

fuzz_fuzz_recording_SOURCES = fuzz/fuzz-recording.c $(FUZZ_REPLAY)
fuzz_fuzz_recording_CFLAGS = $(FUZZ_C_CFLAGS)
fuzz_fuzz_recording_LDADD = drivers/libkneedrivers.a clock/libkneeclock.a analysis/libkneeanalysis.a $(GLIB_LIBS) -lm

fuzz_fuzz_config_SOURCES = fuzz/fuzz-config.c daemon/modules.c $(FUZZ_REPLAY)
fuzz_fuzz_config_CPPFLAGS = $(daemon_libkneedcore_a_CPPFLAGS)
fuzz_fuzz_config_CFLAGS = $(FUZZ_C_CFLAGS) $(SYSTEMD_CFLAGS)
fuzz_fuzz_config_LDADD = $(FUZZ_DAEMON_LDADD)

fuzz_fuzz_dbus_SOURCES = fuzz/fuzz-dbus.c $(FUZZ_REPLAY)
fuzz_fuzz_dbus_CFLAGS = $(FUZZ_C_CFLAGS) $(SYSTEMD_CFLAGS)
fuzz_fuzz_dbus_LDADD = $(FUZZ_DAEMON_LDADD)

EXTRA_DIST += fuzz/corpus fuzz/make-seeds.py

# ---- make fuzz ----

FUZZ_CC = clang
FUZZ_SECONDS = 60
FUZZ_TARGETS = $(fuzz_programs:fuzz/fuzz-%=%)
FUZZ_ARGS =
FUZZ_SANITIZE = -fsanitize=address,undefined -fno-sanitize-recover=all
# The code under test: every library the targets link, instrumented.
FUZZ_LIB_SRCS = $(analysis_libkneeanalysis_a_SOURCES) $(drivers_libkneedrivers_a_SOURCES) \
	$(clock_libkneeclock_a_SOURCES) \
	$(daemon_libkneedcore_a_SOURCES) $(daemon_ble_libkneeble_a_SOURCES) \
	$(daemon_ble_shared_libkneebleshared_a_SOURCES) $(nodist_daemon_ble_libkneeble_a_SOURCES) \
	$(nodist_dbus_libkneedbus_a_SOURCES) \
	$(nodist_dbus_libkneedbusble_a_SOURCES) $(sleeve_libkneesleevecore_a_SOURCES) \
	$(sleeve_libkneesleeve_a_SOURCES) daemon/modules.c fuzz/fuzz-common.c
FUZZ_BUILD_CFLAGS = -std=c11 -g -O1 -fno-omit-frame-pointer \
	-I$(top_srcdir) -I$(top_builddir) -include $(top_builddir)/config.h \
	-DSYSCONFDIR=\"$(sysconfdir)\" $(GLIB_CFLAGS) $(SYSTEMD_CFLAGS) $(GPIOD_CFLAGS)

fuzz/libfuzzer/stamp: $(FUZZ_LIB_SRCS) $(fuzz_programs:=.c) $(BUILT_SOURCES)
	@$(FUZZ_CC) --version >/dev/null 2>&1 || { \
	    echo "make fuzz: needs clang and libFuzzer (Debian: clang libfuzzer-14-dev libclang-rt-14-dev)" >&2; \
	    exit 1; }
	$(AM_V_at)$(MKDIR_P) fuzz/libfuzzer/obj
	$(AM_V_GEN)set -e; objs=""; \
	for f in $(FUZZ_LIB_SRCS); do \
	    case $$f in *.c) ;; *) continue ;; esac; \
	    if test -f "$$f"; then src=$$f; else src=$(srcdir)/$$f; fi; \
	    o=fuzz/libfuzzer/obj/`echo $$f | sed 's|/|_|g; s|\.c$$|.o|'`; \
	    $(FUZZ_CC) $(FUZZ_BUILD_CFLAGS) -fsanitize=fuzzer-no-link $(FUZZ_SANITIZE) -c "$$src" -o "$$o"; \
	    objs="$$objs $$o"; \
	done; \
	rm -f fuzz/libfuzzer/libkneefuzz.a; $(AR) rcs fuzz/libfuzzer/libkneefuzz.a $$objs; \
	for t in $(FUZZ_TARGETS); do \
	    $(FUZZ_CC) $(FUZZ_BUILD_CFLAGS) -fsanitize=fuzzer $(FUZZ_SANITIZE) \
	        $(srcdir)/fuzz/fuzz-$$t.c fuzz/libfuzzer/libkneefuzz.a \
	        $(GLIB_LIBS) $(SYSTEMD_LIBS) $(GPIOD_LIBS) -lm -o fuzz/libfuzzer/fuzz-$$t; \
	done; \
	touch $@

# Each target in fuzz/run/ (where kneed.conf's relative paths lead
# nowhere), reading nothing from a terminal; the last lines are its
# figures (executions, exec/s, coverage).
fuzz: fuzz/libfuzzer/stamp
	@set -e; $(MKDIR_P) fuzz/run; \
	for t in $(FUZZ_TARGETS); do \
	    $(MKDIR_P) fuzz/run/$$t; \
	    echo "== fuzz $$t ($(FUZZ_SECONDS) s $(FUZZ_ARGS))"; \
	    (cd fuzz/run && ../libfuzzer/fuzz-$$t -max_total_time=$(FUZZ_SECONDS) -print_final_stats=1 \
	        -artifact_prefix=crash-$$t- $(FUZZ_ARGS) $$t $(abs_top_srcdir)/fuzz/corpus/$$t \
	        </dev/null) > fuzz/run/$$t.log 2>&1 || { tail -40 fuzz/run/$$t.log; exit 1; }; \
	    grep -E '^#[0-9]+.*(DONE|pulse)|^stat::(number_of_executed_units|average_exec_per_sec|new_units_added)' \
	        fuzz/run/$$t.log | tail -4; \
	done
.PHONY: fuzz

clean-local: clean-fuzz
clean-fuzz:
	rm -rf fuzz/libfuzzer fuzz/run
.PHONY: clean-fuzz
