# The test bed tier (issue 12, docs/testing.md): kneed on the real
# bluetoothd, the kernel's IIO drivers and a GPIO chip, in QEMU.  Not part
# of `make check`: `make check-vm` (after `make check`; .ci/run runs both).
# tests/vm/check-vm.tap boots the guest and prints one TAP result per
# scenario part; the guest's logs stay in tests/vm-out/.
vm_files = \
	tests/vm/check-vm.tap \
	tests/vm/setup.sh \
	tests/vm/extmod.Kbuild \
	tests/vm/init.sh \
	tests/vm/guest.sh \
	tests/vm/lib.sh \
	tests/vm/bluetooth-main.conf \
	tests/vm/sleeve.conf \
	tests/vm/phone.py \
	tests/vm/scenario-phone.sh \
	tests/vm/scenario-restarts.sh \
	tests/vm/scenario-iio.sh \
	tests/vm/iio_stub.py \
	tests/vm/scenario-gpio.sh \
	tests/vm/scenario-service.sh \
	tests/vm/service.py \
	tests/vm/scenario-clock.sh \
	tests/vm/clock.py \
	tests/vm/snoop-clean.py
EXTRA_DIST += $(vm_files)

TAP_LOG_DRIVER = env AM_TAP_AWK='$(AWK)' $(SHELL) $(top_srcdir)/build-aux/tap-driver.sh
TAP_LOG_COMPILER = $(SHELL)

check-vm: all
	@$(MAKE) $(AM_MAKEFLAGS) check-TESTS TESTS='tests/vm/check-vm.tap' \
	    TEST_SUITE_LOG=tests/vm/test-suite.log
.PHONY: check-vm

clean-local: clean-vm
clean-vm:
	-rm -rf tests/vm-out tests/vm-out.setup.log tests/vm/check-vm.log \
	    tests/vm/check-vm.trs tests/vm/test-suite.log
.PHONY: clean-vm
