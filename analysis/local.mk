# The pure analysis library: C11 + libm, no GLib.
noinst_LIBRARIES += analysis/libkneeanalysis.a
analysis_libkneeanalysis_a_SOURCES = \
	analysis/frame.h analysis/frame.c \
	analysis/params.h analysis/params.c \
	analysis/events.h analysis/events.c \
	analysis/analysis.h analysis/analysis.c
