# Documentation beside the code.
EXTRA_DIST += docs/recording-format.md docs/detectors.md docs/analyze-output.md docs/simulator.md
