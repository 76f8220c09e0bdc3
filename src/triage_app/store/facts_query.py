"""Read the decision log as `DecisionFacts` columns for the report and the dashboard."""

from __future__ import annotations

from datetime import date

import numpy as np

from triage_app.domain.facts import DecisionFacts, day_number
from triage_app.store.store import Store

# Accepts and overturns that no retract event takes back, oldest first.
_EFFECTIVE_LABELLING = """
SELECT d.id, i.rowid, d.reviewer, d.model_label, d.label, d.model_confidence,
       substr(d.decided_at, 1, 10), d.duration_ms, s.taxonomy_version
FROM decisions d
JOIN items i ON i.id = d.item_id
JOIN suggestions s ON s.id = d.suggestion_id
WHERE d.action IN ('accept', 'overturn')
  AND NOT EXISTS (SELECT 1 FROM decisions r WHERE r.retracts = d.id)
ORDER BY d.id
"""


class _Codes(dict[str, int]):
    """Assign each new name the next index, keeping the order names were first seen."""

    def code(self, name: str) -> int:
        found = self.get(name)
        if found is None:
            found = self[name] = len(self)
        return found


def load_decision_facts(store: Store) -> DecisionFacts:
    """Read every effective accept and overturn of the store as numeric columns.

    Labels come in the order of the newest taxonomy, then any other label a decision names.
    """
    labels = _Codes()
    taxonomy = store.taxonomy()
    if taxonomy is not None:
        for name in taxonomy.names:
            labels.code(name)
    reviewers = _Codes()
    versions = _Codes()
    days: dict[str, int] = {}

    columns: list[list] = [[] for _ in range(9)]
    (decision_ids, items, reviewer_codes, model_codes, human_codes, confidences, day_codes,
     durations, version_codes) = columns  # fmt: skip

    for row in store.conn.execute(_EFFECTIVE_LABELLING):
        decision_id, item, reviewer, model, human, confidence, day, duration, version = row
        decision_ids.append(decision_id)
        items.append(item)
        reviewer_codes.append(reviewers.code(reviewer))
        model_codes.append(labels.code(model))
        human_codes.append(labels.code(human))
        confidences.append(confidence)
        number = days.get(day)
        if number is None:
            number = days[day] = day_number(date.fromisoformat(day))
        day_codes.append(number)
        durations.append(duration)
        version_codes.append(versions.code(version))

    def ints(values: list) -> np.ndarray:
        return np.asarray(values, dtype=np.int64)

    return DecisionFacts(
        decision_id=ints(decision_ids),
        item=ints(items),
        reviewer=ints(reviewer_codes),
        model_label=ints(model_codes),
        human_label=ints(human_codes),
        confidence=np.asarray(confidences, dtype=float),
        day=ints(day_codes),
        duration_ms=ints(durations),
        taxonomy_version=ints(version_codes),
        reviewers=tuple(reviewers),
        labels=tuple(labels),
        versions=tuple(versions),
    )
