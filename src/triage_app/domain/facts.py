"""The decision log as numeric columns, for metrics over up to millions of decisions.

One row per accept or overturn that no retract event takes back, oldest first. Strings
(reviewers, labels, taxonomy versions) are stored once in a name table and referred to by
index, so filtering and grouping are numpy operations.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date

import numpy as np

EPOCH = date(1970, 1, 1)


def day_number(day: date) -> int:
    """Return the day's number counted from 1970-01-01, as the `day` column stores it."""
    return (day - EPOCH).days


def day_from_number(number: int) -> date:
    return date.fromordinal(EPOCH.toordinal() + int(number))


@dataclass(frozen=True)
class DecisionFacts:
    """Effective labelling decisions as parallel columns.

    `item` is a non-negative integer per item (its rowid); `reviewer`, `model_label`,
    `human_label` and `taxonomy_version` index `reviewers`, `labels` and `versions`; `day` is
    the UTC day of the decision (see `day_number`), `confidence` the model's probability of
    its label, and `adjudication` is 1 for a lead's final label where reviewers disagreed.
    """

    decision_id: np.ndarray
    item: np.ndarray
    reviewer: np.ndarray
    model_label: np.ndarray
    human_label: np.ndarray
    confidence: np.ndarray
    day: np.ndarray
    duration_ms: np.ndarray
    taxonomy_version: np.ndarray
    adjudication: np.ndarray
    reviewers: tuple[str, ...]
    labels: tuple[str, ...]
    versions: tuple[str, ...]

    _COLUMNS = (
        "decision_id", "item", "reviewer", "model_label", "human_label", "confidence", "day",
        "duration_ms", "taxonomy_version", "adjudication",
    )  # fmt: skip

    def __len__(self) -> int:
        return len(self.decision_id)

    @property
    def overturned(self) -> np.ndarray:
        return self.human_label != self.model_label

    def rows(self, mask: np.ndarray) -> DecisionFacts:
        """Return the rows where `mask` is true (or the rows at the given indices)."""
        return replace(self, **{name: getattr(self, name)[mask] for name in self._COLUMNS})

    def latest_per_item(self) -> DecisionFacts:
        """Keep each item's latest decision, which sets its human label."""
        if len(self) == 0:
            return self
        # Rows are oldest first, so an item's latest row is its largest row number.
        last = np.full(int(self.item.max()) + 1, -1, dtype=np.int64)
        np.maximum.at(last, self.item, np.arange(len(self), dtype=np.int64))
        return self.rows(np.sort(last[last >= 0]))

    @classmethod
    def empty(cls, labels: tuple[str, ...] = ()) -> DecisionFacts:
        ints = np.zeros(0, dtype=np.int64)
        return cls(
            decision_id=ints, item=ints, reviewer=ints, model_label=ints, human_label=ints,
            confidence=np.zeros(0, dtype=float), day=ints, duration_ms=ints,
            taxonomy_version=ints, adjudication=ints, reviewers=(), labels=labels, versions=(),
        )  # fmt: skip
