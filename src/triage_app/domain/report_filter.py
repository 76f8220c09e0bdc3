"""The filter that selects the decisions a report or the dashboard measures."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np

from triage_app.domain.facts import DecisionFacts, day_number


@dataclass(frozen=True)
class ReportFilter:
    """Reviewer, inclusive UTC date range and taxonomy version; None means any."""

    reviewer: str | None = None
    since: date | None = None
    until: date | None = None
    taxonomy_version: str | None = None

    def apply(self, facts: DecisionFacts) -> DecisionFacts:
        mask = np.ones(len(facts), dtype=bool)
        if self.reviewer is not None:
            mask &= _matches(facts.reviewer, facts.reviewers, self.reviewer)
        if self.taxonomy_version is not None:
            mask &= _matches(facts.taxonomy_version, facts.versions, self.taxonomy_version)
        if self.since is not None:
            mask &= facts.day >= day_number(self.since)
        if self.until is not None:
            mask &= facts.day <= day_number(self.until)
        return facts.rows(mask)

    def as_dict(self) -> dict[str, str | None]:
        return {
            "reviewer": self.reviewer,
            "since": self.since.isoformat() if self.since else None,
            "until": self.until.isoformat() if self.until else None,
            "taxonomy_version": self.taxonomy_version,
        }


def _matches(codes: np.ndarray, names: tuple[str, ...], wanted: str) -> np.ndarray:
    if wanted not in names:
        return np.zeros(len(codes), dtype=bool)
    return codes == names.index(wanted)
