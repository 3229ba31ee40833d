# Documentation beside the code.
EXTRA_DIST += docs/recording-format.md docs/simulator.md
