# Benchmarks: `make bench` runs each and prints its figures.
bench_programs += bench/bench-analysis
EXTRA_PROGRAMS = $(bench_programs)
CLEANFILES += $(bench_programs)

bench_bench_analysis_SOURCES = bench/bench-analysis.c
bench_bench_analysis_CFLAGS = $(AM_CFLAGS) -O2
bench_bench_analysis_LDADD = drivers/libkneedrivers.a analysis/libkneeanalysis.a $(GLIB_LIBS) -lm
