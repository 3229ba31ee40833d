# The pure analysis library: C11 + libm, no GLib.
noinst_LIBRARIES += analysis/libkneeanalysis.a
analysis_libkneeanalysis_a_SOURCES = \
	analysis/frame.h analysis/frame.c \
	analysis/params.h analysis/params.c \
	analysis/events.h analysis/events.c \
	analysis/alert-text.h analysis/alert-text.c \
	analysis/filter.h analysis/filter.c \
	analysis/ring.h analysis/ring.c \
	analysis/joint-axis.h analysis/joint-axis.c \
	analysis/imu-knee.h analysis/imu-knee.c \
	analysis/angle.h analysis/angle.c \
	analysis/gait.h analysis/gait.c \
	analysis/stride.h analysis/stride.c \
	analysis/detect.h analysis/detect.c \
	analysis/analysis.h analysis/analysis.c
