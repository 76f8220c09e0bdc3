"""Every figure of the report and the dashboard, computed from the decision log.

Two levels, as `docs/metrics.md` defines them:
- decision level (overturn rates, pace): every accept and overturn not retracted;
- item level (precision, recall, F1, confusions, calibration): each reviewed item once, with
  the label of its latest such decision as the human label.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from triage_app.domain.agreement import Agreement, agreement
from triage_app.domain.calibration import (
    Calibration,
    bin_edges,
    bin_index,
    calibration,
)
from triage_app.domain.classification import (
    ClassificationReport,
    classification_report,
    confusion_matrix,
)
from triage_app.domain.facts import DecisionFacts, day_from_number
from triage_app.domain.rates import Rate, rate
from triage_app.domain.report_filter import ReportFilter
from triage_app.domain.report_options import DEFAULT_BINS, DEFAULT_HISTOGRAM_BINS, DEFAULT_RECENT

# The rolling overturn rate is drawn, not read; this many points show its shape.
ROLLING_POINTS = 400


@dataclass(frozen=True)
class DayRate:
    day: str
    rate: Rate


@dataclass(frozen=True)
class Pace:
    """A reviewer's decisions, their pace per hour of review time and median time each."""

    decisions: int
    decisions_per_hour: float | None
    median_ms: float | None


@dataclass(frozen=True)
class ConfidenceHistogram:
    """Reviewed items per confidence bin, split by whether the reviewer agreed."""

    edges: list[float]
    accepted: list[int]
    overturned: list[int]


@dataclass(frozen=True)
class Report:
    filter: ReportFilter
    decisions: int
    reviewed_items: int
    overturn: Rate
    overturn_by_reviewer: dict[str, Rate]
    overturn_by_model_label: dict[str, Rate]
    overturn_by_day: list[DayRate]
    recent_window: int
    overturn_recent: Rate
    overturn_rolling: list[tuple[int, float]]
    classification: ClassificationReport
    calibration: Calibration
    histogram: ConfidenceHistogram
    pace: dict[str, Pace]
    agreement: Agreement
    labels: tuple[str, ...] = field(default=())

    def as_dict(self) -> dict[str, object]:
        """Return the report as JSON-ready values; `docs/metrics.md` defines every key."""
        classification = self.classification
        return {
            "filter": self.filter.as_dict(),
            "decisions": self.decisions,
            "reviewed_items": self.reviewed_items,
            "overturn_rate": self.overturn.value,
            "overturn_interval": [self.overturn.lower, self.overturn.upper],
            "overturn": {
                "overall": self.overturn.as_dict(),
                "by_reviewer": {k: v.as_dict() for k, v in self.overturn_by_reviewer.items()},
                "by_model_label": {k: v.as_dict() for k, v in self.overturn_by_model_label.items()},
                "by_day": [{"day": d.day, **d.rate.as_dict()} for d in self.overturn_by_day],
                "recent": {"window": self.recent_window, **self.overturn_recent.as_dict()},
                "rolling": [
                    {"decision": number, "rate": value} for number, value in self.overturn_rolling
                ],
            },
            "accuracy": classification.accuracy,
            "macro_f1": classification.macro_f1,
            "micro_f1": classification.micro_f1,
            "per_class": {
                label: {
                    "precision": scores.precision,
                    "recall": scores.recall,
                    "f1": scores.f1,
                    "support": scores.support,
                    "predicted": scores.predicted,
                }
                for label, scores in classification.per_class.items()
            },
            "confused_pairs": [
                {"human": pair.human, "model": pair.model, "count": pair.count}
                for pair in classification.confused_pairs
            ],
            "calibration": {
                "items": self.calibration.items,
                "ece": self.calibration.ece,
                "mce": self.calibration.mce,
                "brier": self.calibration.brier,
                "bins": [
                    {
                        "lower": b.lower,
                        "upper": b.upper,
                        "count": b.count,
                        "mean_confidence": b.mean_confidence,
                        "accuracy": b.accuracy,
                    }
                    for b in self.calibration.bins
                ],
            },
            "confidence_histogram": {
                "edges": self.histogram.edges,
                "accepted": self.histogram.accepted,
                "overturned": self.histogram.overturned,
            },
            "agreement": self.agreement.as_dict(),
            "pace": {
                reviewer: {
                    "decisions": pace.decisions,
                    "decisions_per_hour": pace.decisions_per_hour,
                    "median_ms": pace.median_ms,
                }
                for reviewer, pace in self.pace.items()
            },
        }


def build_report(
    facts: DecisionFacts,
    report_filter: ReportFilter | None = None,
    *,
    bins: int = DEFAULT_BINS,
    histogram_bins: int = DEFAULT_HISTOGRAM_BINS,
    recent: int = DEFAULT_RECENT,
) -> Report:
    """Compute the report over the decisions that `report_filter` selects."""
    report_filter = report_filter or ReportFilter()
    selected = report_filter.apply(facts)
    items = selected.latest_per_item()

    overturned = selected.overturned
    agreed = ~items.overturned
    confusion = confusion_matrix(items.human_label, items.model_label, len(facts.labels))

    return Report(
        filter=report_filter,
        decisions=len(selected),
        reviewed_items=len(items),
        overturn=rate(int(overturned.sum()), len(selected)),
        overturn_by_reviewer=_rates_by(selected.reviewer, overturned, facts.reviewers),
        overturn_by_model_label=_rates_by(selected.model_label, overturned, facts.labels),
        overturn_by_day=_rates_by_day(selected.day, overturned),
        recent_window=recent,
        overturn_recent=rate(int(overturned[-recent:].sum()), min(recent, len(selected))),
        overturn_rolling=rolling_rate(overturned, recent),
        classification=classification_report(confusion, facts.labels),
        calibration=calibration(items.confidence, agreed, bins),
        histogram=_histogram(items.confidence, agreed, histogram_bins),
        pace=_pace(selected),
        agreement=agreement(reviewer_ratings(selected), facts.labels),
        labels=facts.labels,
    )


def _rates_by(codes: np.ndarray, overturned: np.ndarray, names: tuple[str, ...]) -> dict[str, Rate]:
    totals = np.bincount(codes, minlength=len(names))
    hits = np.bincount(codes[overturned], minlength=len(names))
    return {
        names[i]: rate(int(hits[i]), int(totals[i])) for i in range(len(names)) if totals[i] > 0
    }


def reviewer_ratings(facts: DecisionFacts) -> dict[str, dict[str, str]]:
    """Return {item: {reviewer: label}} for items two or more reviewers labelled, each
    reviewer's label being their latest decision on the item. Adjudications are left out:
    they settle a disagreement, they are not an independent rating."""
    facts = facts.rows(facts.adjudication == 0)
    if len(facts) == 0:
        return {}
    # Most items have one decision; keep only rows of items with several before the sorting.
    per_item = np.bincount(facts.item)
    facts = facts.rows(per_item[facts.item] >= 2)
    if len(facts) == 0:
        return {}
    # Keep each (item, reviewer) pair's latest row: scan newest first, keep first occurrences.
    pair = facts.item * max(len(facts.reviewers), 1) + facts.reviewer
    _, first = np.unique(pair[::-1], return_index=True)
    latest = np.sort(len(facts) - 1 - first)
    items = facts.item[latest]
    shared_items, counts = np.unique(items, return_counts=True)
    shared = np.isin(items, shared_items[counts >= 2])

    ratings: dict[str, dict[str, str]] = {}
    for row in latest[shared]:
        item = str(int(facts.item[row]))
        ratings.setdefault(item, {})[facts.reviewers[facts.reviewer[row]]] = facts.labels[
            facts.human_label[row]
        ]
    return ratings


def rolling_rate(
    overturned: np.ndarray, window: int, points: int = ROLLING_POINTS
) -> list[tuple[int, float]]:
    """Return (decision number, overturn rate over the `window` decisions ending there).

    Numbers count decisions from 1 in the order they were made. The series starts once a full
    window exists, or at the last decision when there are fewer. It keeps at most `points`
    evenly spaced entries.
    """
    n = len(overturned)
    if n == 0:
        return []
    window = min(window, n)
    totals = np.concatenate(([0], np.cumsum(overturned, dtype=np.int64)))
    ends = np.arange(window, n + 1)
    if len(ends) > points:
        ends = np.unique(np.linspace(window, n, points).round().astype(np.int64))
    return [(int(end), float((totals[end] - totals[end - window]) / window)) for end in ends]


def _rates_by_day(days: np.ndarray, overturned: np.ndarray) -> list[DayRate]:
    if len(days) == 0:
        return []
    unique_days, inverse = np.unique(days, return_inverse=True)
    totals = np.bincount(inverse)
    hits = np.bincount(inverse[overturned], minlength=len(unique_days))
    return [
        DayRate(day=day_from_number(day).isoformat(), rate=rate(int(h), int(t)))
        for day, h, t in zip(unique_days, hits, totals, strict=True)
    ]


def _histogram(confidence: np.ndarray, agreed: np.ndarray, bins: int) -> ConfidenceHistogram:
    edges = bin_edges(bins)
    index = bin_index(confidence, bins)
    accepted = np.bincount(index[agreed], minlength=bins)
    overturned = np.bincount(index[~agreed], minlength=bins)
    return ConfidenceHistogram(
        edges=[float(edge) for edge in edges],
        accepted=[int(count) for count in accepted],
        overturned=[int(count) for count in overturned],
    )


def _pace(facts: DecisionFacts) -> dict[str, Pace]:
    pace = {}
    for code, reviewer in enumerate(facts.reviewers):
        durations = facts.duration_ms[facts.reviewer == code]
        if len(durations) == 0:
            continue
        total_ms = int(durations.sum())
        pace[reviewer] = Pace(
            decisions=len(durations),
            decisions_per_hour=len(durations) * 3_600_000 / total_ms if total_ms > 0 else None,
            median_ms=float(np.median(durations)),
        )
    return pace
