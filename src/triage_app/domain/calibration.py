"""Calibration of the model's top-label confidence against whether the human agreed.

With n equal-width bins B_1..B_n over [0, 1] and N items,

    ECE = sum_b |B_b| / N * |accuracy(B_b) - confidence(B_b)|
    MCE = max over non-empty bins of |accuracy(B_b) - confidence(B_b)|
    Brier = 1/N * sum_i (confidence_i - agreed_i)^2

where accuracy(B) is the share of items in B whose human label equals the model's, and
confidence(B) the mean confidence in B. A confidence of exactly 1.0 falls in the last bin.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from triage_app.domain.report_options import DEFAULT_BINS


@dataclass(frozen=True)
class BinTotals:
    """Sums per bin, enough to compute every calibration figure without the raw values."""

    count: np.ndarray
    confidence_sum: np.ndarray
    agreed: np.ndarray
    squared_error_sum: float

    @property
    def bins(self) -> int:
        return len(self.count)


@dataclass(frozen=True)
class CalibrationBin:
    lower: float
    upper: float
    count: int
    mean_confidence: float | None
    accuracy: float | None


@dataclass(frozen=True)
class Calibration:
    items: int
    ece: float | None
    mce: float | None
    brier: float | None
    bins: list[CalibrationBin]


def bin_edges(bins: int) -> np.ndarray:
    # k / bins is the float nearest each edge. np.linspace's k * (1 / bins) can miss it by one
    # unit in the last place, because 3 * 0.1 is 0.30000000000000004.
    return np.arange(bins + 1) / bins


def bin_index(confidence: np.ndarray, bins: int) -> np.ndarray:
    """Return each confidence's bin, 0..bins-1, against the same edges the bins report.

    Multiplying by `bins` and truncating would put some values that sit exactly on an edge
    one bin low (0.29 * 100 is 28.999999999999996).
    """
    index = np.searchsorted(bin_edges(bins), np.asarray(confidence, dtype=float), side="right")
    return np.clip(index - 1, 0, bins - 1)


def bin_totals(confidence: np.ndarray, agreed: np.ndarray, bins: int = DEFAULT_BINS) -> BinTotals:
    confidence = np.asarray(confidence, dtype=float)
    agreed = np.asarray(agreed, dtype=float)
    index = bin_index(confidence, bins)
    return BinTotals(
        count=np.bincount(index, minlength=bins),
        confidence_sum=np.bincount(index, weights=confidence, minlength=bins),
        agreed=np.bincount(index, weights=agreed, minlength=bins),
        squared_error_sum=float(np.sum((confidence - agreed) ** 2)),
    )


def calibration_from_totals(totals: BinTotals) -> Calibration:
    n = int(totals.count.sum())
    edges = bin_edges(totals.bins)
    bins = []
    gaps = []
    for b in range(totals.bins):
        count = int(totals.count[b])
        if count:
            mean_confidence = float(totals.confidence_sum[b] / count)
            accuracy = float(totals.agreed[b] / count)
            gaps.append((count, abs(accuracy - mean_confidence)))
        else:
            mean_confidence = accuracy = None
        bins.append(
            CalibrationBin(
                lower=float(edges[b]),
                upper=float(edges[b + 1]),
                count=count,
                mean_confidence=mean_confidence,
                accuracy=accuracy,
            )
        )

    if n == 0:
        return Calibration(items=0, ece=None, mce=None, brier=None, bins=bins)
    return Calibration(
        items=n,
        ece=float(sum(count * gap for count, gap in gaps) / n),
        mce=float(max(gap for _, gap in gaps)),
        brier=float(totals.squared_error_sum / n),
        bins=bins,
    )


def calibration(
    confidence: np.ndarray, agreed: np.ndarray, bins: int = DEFAULT_BINS
) -> Calibration:
    """Compute reliability bins, ECE, MCE and the Brier score from raw values."""
    return calibration_from_totals(bin_totals(confidence, agreed, bins))
