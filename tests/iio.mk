# Issue 9: the sleeve's sensors through libiio.  The pure modules link
# only themselves; the driver runs against libiio's real local backend
# with sysfs and the device nodes faked by umockdev (tests/iio/*.umockdev).
iio_unit_tests = \
	tests/test-iio-scan \
	tests/test-iio-align \
	tests/test-frame-stream \
	tests/test-drv-iio

check_PROGRAMS += $(iio_unit_tests)
TESTS += $(iio_unit_tests)

tests_test_iio_scan_SOURCES = tests/test-iio-scan.c \
	drivers/iio-scan.c drivers/iio-scan.h drivers/iio-attr.c drivers/iio-attr.h \
	drivers/flex-cal.c drivers/flex-cal.h
tests_test_iio_scan_CFLAGS = $(TEST_C_CFLAGS)
tests_test_iio_scan_LDADD = $(GLIB_LIBS) -lm

tests_test_iio_align_SOURCES = tests/test-iio-align.c drivers/iio-align.c drivers/iio-align.h
tests_test_iio_align_CFLAGS = $(TEST_C_CFLAGS)
tests_test_iio_align_LDADD = $(GLIB_LIBS) -lm

tests_test_frame_stream_CFLAGS = $(TEST_C_CFLAGS)
tests_test_frame_stream_LDADD = daemon/libkneedcore.a dbus/libkneedbus.a $(TEST_C_LDADD) \
	$(SYSTEMD_LIBS)

umockdev_test_sources = tests/umockdev-helpers.h tests/umockdev-helpers.c

tests_test_drv_iio_SOURCES = tests/test-drv-iio.c $(umockdev_test_sources)
tests_test_drv_iio_CPPFLAGS = $(AM_CPPFLAGS) -DSYSCONFDIR=\"$(sysconfdir)\"
tests_test_drv_iio_CFLAGS = $(TEST_C_CFLAGS) $(UMOCKDEV_CFLAGS)
tests_test_drv_iio_LDADD = daemon/libkneedcore.a dbus/libkneedbus.a $(TEST_C_LDADD) \
	$(SYSTEMD_LIBS) $(UMOCKDEV_LIBS)

EXTRA_DIST += \
	tests/iio/README.md \
	tests/iio/ads1015-1-0048.umockdev \
	tests/iio/ads1115-2-0049.umockdev \
	tests/iio/bmi160-1-0068.umockdev \
	tests/iio/bmi160-1-0069.umockdev \
	tests/iio/hrtimer.umockdev \
	tests/iio/lsm6dsl-1-006a.umockdev \
	tests/iio/mpu6050-2-0068.umockdev

# Integration: the real kneed, kneectl and a private bus, under umockdev.
iio_integration_tests = tests/test-iio-daemon.py tests/test-iio-ble.py
TESTS += $(iio_integration_tests)
EXTRA_DIST += $(iio_integration_tests) tests/iiotest.py
