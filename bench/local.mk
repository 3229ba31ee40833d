# Benchmarks: `make bench` runs each and prints its figures.  They are
# built by `make check` too, so they never rot.
bench_programs += bench/bench-analysis bench/bench-sim
check_PROGRAMS += $(bench_programs)

bench_bench_analysis_SOURCES = bench/bench-analysis.c
bench_bench_analysis_CFLAGS = $(AM_CFLAGS) -O2
bench_bench_analysis_LDADD = drivers/libkneedrivers.a clock/libkneeclock.a analysis/libkneeanalysis.a $(GLIB_LIBS) -lm

bench_bench_sim_SOURCES = bench/bench-sim.c
bench_bench_sim_LDADD = drivers/libkneedrivers.a clock/libkneeclock.a analysis/libkneeanalysis.a \
	$(GLIB_LIBS) -lm

bench_programs += bench/bench-daemon
bench_bench_daemon_SOURCES = bench/bench-daemon.c bench/bench-util.h bench/bench-util.c
bench_bench_daemon_CFLAGS = $(AM_CFLAGS) $(GLIB_CFLAGS)
bench_bench_daemon_LDADD = $(GLIB_LIBS) -lm

# The IIO source against fake devices (umockdev), and the simulated one.
bench_programs += bench/bench-iio
bench_bench_iio_SOURCES = bench/bench-iio.c bench/bench-util.h bench/bench-util.c \
	tests/umockdev-helpers.h tests/umockdev-helpers.c
bench_bench_iio_CPPFLAGS = $(AM_CPPFLAGS) -DKNEED_TOP_SRCDIR=\"$(abs_top_srcdir)\"
bench_bench_iio_CFLAGS = $(AM_CFLAGS) $(GLIB_CFLAGS) $(UMOCKDEV_CFLAGS)
bench_bench_iio_LDADD = drivers/libkneedrivers.a clock/libkneeclock.a analysis/libkneeanalysis.a $(UMOCKDEV_LIBS) $(IIO_LIBS) \
	$(GLIB_LIBS) -lm
