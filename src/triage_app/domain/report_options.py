"""Defaults of the report's options, importable without the numeric packages."""

# Equal-width calibration bins over [0, 1].
DEFAULT_BINS = 10
# Bins of the confidence histogram.
DEFAULT_HISTOGRAM_BINS = 20
# Decisions in the window of the recent overturn rate.
DEFAULT_RECENT = 100
