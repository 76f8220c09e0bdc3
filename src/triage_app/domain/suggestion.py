"""Suggestion: a model's label for an item, with its probability distribution and rationale."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

# Probabilities read from files are rounded, so a distribution may miss 1 by this much.
SUM_TOLERANCE = 1e-3


@dataclass(frozen=True)
class Suggestion:
    """The model's output for one item.

    `distribution` maps labels to probabilities; labels it leaves out have probability 0.
    """

    label: str
    distribution: Mapping[str, float]
    rationale: str = ""
    model: str = ""
    method: str = ""
    escalation_reason: str = ""
    taxonomy_version: str = ""

    @property
    def confidence(self) -> float:
        """The model's probability of its suggested label."""
        return float(self.distribution.get(self.label, 0.0))

    def ranked_labels(self) -> list[tuple[str, float]]:
        """Return (label, probability) pairs, most likely first, ties in name order."""
        return sorted(self.distribution.items(), key=lambda pair: (-pair[1], pair[0]))

    def alternatives(self) -> list[tuple[str, float]]:
        """Return the labels other than the suggestion, most likely first."""
        return [pair for pair in self.ranked_labels() if pair[0] != self.label]


def distribution_problem(distribution: Mapping[str, object]) -> str | None:
    """Return why `distribution` is not a probability distribution, or None when it is one."""
    if not distribution:
        return "the distribution is empty; give at least the suggested label's probability"

    total = 0.0
    for label, value in distribution.items():
        if isinstance(value, bool) or not isinstance(value, int | float):
            return f"the probability of {label!r} is {value!r}, not a number"
        if math.isnan(value) or value < 0 or value > 1:
            return f"the probability of {label!r} is {value!r}, outside 0 to 1"
        total += float(value)

    if abs(total - 1.0) > SUM_TOLERANCE:
        return f"the probabilities sum to {total:.6g}, not 1 (tolerance {SUM_TOLERANCE:g})"
    return None
