"""Decisions: the append-only events a reviewer logs, and the labels derived from them."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum


class Action(StrEnum):
    """The kind of decision a reviewer made on an item."""

    ACCEPT = "accept"
    OVERTURN = "overturn"
    SKIP = "skip"
    RETRACT = "retract"


@dataclass(frozen=True)
class Decision:
    """One logged event.

    `label` is the human label for accept and overturn, None for skip and retract.
    `retracts` is the id of the decision a retract event takes back.
    Times are UTC ISO 8601 strings with milliseconds; `duration_ms` is the time the reviewer
    spent on the item before deciding.
    """

    id: int
    item_id: str
    reviewer: str
    action: Action
    label: str | None
    model_label: str | None
    model_confidence: float | None
    decided_at: str
    duration_ms: int
    note: str = ""
    retracts: int | None = None

    @property
    def overturned(self) -> bool:
        return self.action is Action.OVERTURN


def effective_decisions(decisions: Iterable[Decision]) -> list[Decision]:
    """Return the decisions that no retract event takes back, in their original order.

    A retract event is never itself retracted: undoing an undo is a new decision.
    """
    events = list(decisions)
    retracted = {event.retracts for event in events if event.action is Action.RETRACT}
    return [
        event
        for event in events
        if event.action is not Action.RETRACT and event.id not in retracted
    ]


def current_labels(decisions: Iterable[Decision]) -> dict[str, str]:
    """Derive each item's human label: its latest effective accept or overturn.

    Skips do not set a label. Items whose every labelling decision was retracted are absent.
    """
    labels: dict[str, str] = {}
    for event in sorted(effective_decisions(decisions), key=lambda event: event.id):
        if event.action in (Action.ACCEPT, Action.OVERTURN) and event.label is not None:
            labels[event.item_id] = event.label
    return labels
