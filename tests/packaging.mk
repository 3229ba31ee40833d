# Issue 13: release metadata and the Debian package.

# One version everywhere, debian/copyright (tests/test-release.py).
TESTS += tests/test-release.py
EXTRA_DIST += tests/test-release.py

# The C tests alone (no Python, no bus): what a cross build runs, under
# qemu-user, `make check-unit` (docs/packaging.md).
check-unit:
	@tests=; for t in $(TESTS); do \
	    case $$t in *.py) ;; *) tests="$$tests $$t" ;; esac; \
	done; \
	$(MAKE) $(AM_MAKEFLAGS) check TESTS="$$tests"
.PHONY: check-unit
