# Documentation beside the code.
EXTRA_DIST += docs/recording-format.md docs/detectors.md docs/analyze-output.md docs/simulator.md \
	docs/datasets.md docs/iio.md

# Issue 3: the daemon, its configuration, the client.
dist_man_MANS += docs/kneed.8 docs/kneed.conf.5 docs/kneectl.1
EXTRA_DIST += docs/dbus-api.md docs/testing.md
