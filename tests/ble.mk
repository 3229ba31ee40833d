# Issue 4: BLE GATT application against a python-dbusmock bluetoothd.
ble_unit_tests = \
	tests/test-gatt-codec \
	tests/test-rsc-estimate \
	tests/test-ble-adv-plan

check_PROGRAMS += $(ble_unit_tests)
TESTS += $(ble_unit_tests)

# The pure pieces alone; the harness links the glue too.
BLE_SHARED_TEST_LDADD = daemon/ble/shared/libkneebleshared.a $(TEST_C_LDADD)
BLE_TEST_LDADD = $(BLE_LIBS) $(TEST_C_LDADD)

tests_test_gatt_codec_CFLAGS = $(TEST_C_CFLAGS)
tests_test_gatt_codec_LDADD = $(BLE_SHARED_TEST_LDADD)
tests_test_rsc_estimate_CFLAGS = $(TEST_C_CFLAGS)
tests_test_rsc_estimate_LDADD = $(BLE_SHARED_TEST_LDADD)
tests_test_ble_adv_plan_CFLAGS = $(TEST_C_CFLAGS)
tests_test_ble_adv_plan_LDADD = $(BLE_SHARED_TEST_LDADD)

# KnBle alone on a bus, driven by the Python tests (tests/ble_testlib.py).
check_PROGRAMS += tests/ble-harness
tests_ble_harness_CFLAGS = $(TEST_C_CFLAGS)
tests_ble_harness_LDADD = $(BLE_TEST_LDADD)

# Integration tests: tests/bluez_mock.py as bluetoothd on a private bus.
ble_py_tests = \
	tests/test-gatt-decode.py \
	tests/test-ble-gatt.py \
	tests/test-ble-lifecycle.py \
	tests/test-ble-advertisement.py \
	tests/test-ble-pairing.py \
	tests/test-ble-callers.py \
	tests/test-ble-kneed.py
TESTS += $(ble_py_tests)
EXTRA_DIST += $(ble_py_tests) \
	tests/bluez_mock.py \
	tests/gatt_decode.py \
	tests/ble_testlib.py \
	tests/ble_central.py
