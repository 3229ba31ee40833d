# Benchmarks: `make bench` runs each and prints its figures.
bench_programs += bench/bench-sim
check_PROGRAMS += bench/bench-sim
bench_bench_sim_SOURCES = bench/bench-sim.c
bench_bench_sim_LDADD = drivers/libkneedrivers.a analysis/libkneeanalysis.a -lm
