"""A reviewer's pass through the queue, without any widget.

The window reads the current item from the session and passes it the reviewer's keypresses as
accept, overturn, skip, undo and note. Every decision is committed to the store before the
session moves to the next item, so a killed process loses at most the keypress in flight.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass

from triage_app.domain.decision import Action, Decision
from triage_app.domain.item import ReviewItem
from triage_app.domain.pace import items_per_hour
from triage_app.store.store import Store

logger = logging.getLogger(__name__)

# Shown beside the chart; the 1-9 keys pick among them.
ALTERNATIVE_KEYS = 9
# A pace taken over the first few seconds swings wildly, so none is given before this.
PACE_AFTER_MS = 60_000


@dataclass(frozen=True)
class Progress:
    """Position in the queue and pace, which stays None until a minute has passed."""

    position: int
    total: int
    remaining: int
    decided_this_session: int
    items_per_hour: float | None


class ReviewSession:
    """The current item of one reviewer and the decisions made on it."""

    def __init__(
        self,
        store: Store,
        reviewer: str,
        *,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if not reviewer.strip():
            raise ValueError("reviewer name is empty; give the name recorded on decisions")
        self.store = store
        self.reviewer = reviewer.strip()
        self._clock = clock
        self._started = clock()
        self._shown_at = self._started
        self._decided = 0
        # Notes typed for items not yet decided, by item id; undo puts a retracted note back.
        self._notes: dict[str, str] = {}
        self._total, self._remaining = self._counts()
        self.current: ReviewItem | None = self._next_item()

    adjudicating = False

    def _counts(self) -> tuple[int, int]:
        counts = self.store.queue_counts(self.reviewer)
        return counts.total, counts.pending

    def _next_item(self) -> ReviewItem | None:
        return self.store.next_item(self.reviewer)

    def reviewer_labels(self) -> dict[str, str]:
        """Other reviewers' labels on the current item; shown only when adjudicating."""
        return {}

    @property
    def note(self) -> str:
        """The note that the next decision on the current item will carry."""
        if self.current is None:
            return ""
        return self._notes.get(self.current.id, "")

    def set_note(self, text: str) -> None:
        if self.current is None:
            return
        if text.strip():
            self._notes[self.current.id] = text.strip()
        else:
            self._notes.pop(self.current.id, None)

    def progress(self) -> Progress:
        elapsed_ms = int((self._clock() - self._started) * 1000)
        return Progress(
            position=min(self._total - self._remaining + 1, self._total),
            total=self._total,
            remaining=self._remaining,
            decided_this_session=self._decided,
            items_per_hour=(
                items_per_hour(self._decided, elapsed_ms) if elapsed_ms >= PACE_AFTER_MS else None
            ),
        )

    def alternatives(self) -> list[tuple[str, float]]:
        """Return the labels the digit keys overturn to, most likely first."""
        if self.current is None:
            return []
        return self.current.suggestion.alternatives()[:ALTERNATIVE_KEYS]

    def accept(self) -> Decision | None:
        return self._decide(Action.ACCEPT)

    def overturn(self, label: str) -> Decision | None:
        return self._decide(Action.OVERTURN, label)

    def overturn_to_alternative(self, number: int) -> Decision | None:
        """Overturn to the `number`-th most likely other label (1-based); None if absent."""
        alternatives = self.alternatives()
        if not 1 <= number <= len(alternatives):
            return None
        return self.overturn(alternatives[number - 1][0])

    def skip(self) -> Decision | None:
        """Log a skip; the item comes back after every item not yet skipped."""
        return self._decide(Action.SKIP)

    def undo(self) -> Decision | None:
        """Retract the reviewer's latest decision and show its item again.

        Return the retracted decision, or None when there is nothing to undo.
        """
        retracted = self.store.retract_last(reviewer=self.reviewer)
        if retracted is None:
            return None

        if retracted.action is not Action.SKIP:
            self._remaining += 1
        self._decided = max(self._decided - 1, 0)
        if retracted.note:
            self._notes[retracted.item_id] = retracted.note
        self._show(self.store.review_item(retracted.item_id))
        return retracted

    def _decide(self, action: Action, label: str | None = None) -> Decision | None:
        item = self.current
        if item is None:
            return None

        duration_ms = round((self._clock() - self._shown_at) * 1000)
        # A skipped item keeps its note for the decision made when it comes back.
        note = (
            self._notes.get(item.id, "") if action is Action.SKIP else self._notes.pop(item.id, "")
        )
        decision = self.store.add_decision(
            item=item,
            reviewer=self.reviewer,
            action=action,
            label=label,
            duration_ms=duration_ms,
            note=note,
            adjudication=self.adjudicating,
        )
        logger.info(
            "%s logged decision %d (%s) on item %s", self.reviewer, decision.id, action, item.id
        )

        self._decided += 1
        if decision.action is not Action.SKIP:
            self._remaining -= 1
        self._show(self._next_item())
        return decision

    def _show(self, item: ReviewItem | None) -> None:
        self.current = item
        self._shown_at = self._clock()


class AdjudicationSession(ReviewSession):
    """A lead's pass over the items where reviewers disagree, lowest agreement first.

    Each reviewer's label is shown to the lead. The lead's accept or overturn becomes the
    item's final label, and the item leaves this queue.
    """

    adjudicating = True

    def __init__(
        self, store: Store, reviewer: str, *, clock: Callable[[], float] = time.monotonic
    ) -> None:
        # Items the lead skipped, oldest first; they come back after the others.
        self._skipped: list[str] = []
        super().__init__(store, reviewer, clock=clock)

    def _counts(self) -> tuple[int, int]:
        queue = self.store.disagreements()
        return len(queue), len(queue)

    def _next_item(self) -> ReviewItem | None:
        queue = self.store.disagreements()
        waiting = set(queue)
        skipped = [item_id for item_id in self._skipped if item_id in waiting]
        skipped_set = set(skipped)
        ordered = [item_id for item_id in queue if item_id not in skipped_set] + skipped
        for item_id in ordered:
            item = self.store.review_item(item_id)
            if item is not None:
                return item
        return None

    def skip(self) -> Decision | None:
        if self.current is not None:
            if self.current.id in self._skipped:
                self._skipped.remove(self.current.id)
            self._skipped.append(self.current.id)
        return super().skip()

    def reviewer_labels(self) -> dict[str, str]:
        if self.current is None:
            return {}
        return self.store.reviewer_labels(self.current.id)

    def alternatives(self) -> list[tuple[str, float]]:
        """Return the reviewers' labels first, most votes first, then the model's others."""
        if self.current is None:
            return []
        distribution = self.current.suggestion.distribution
        votes: dict[str, int] = {}
        for label in self.reviewer_labels().values():
            votes[label] = votes.get(label, 0) + 1
        suggested = self.current.suggestion.label
        voted = sorted(
            (label for label in votes if label != suggested),
            key=lambda label: (-votes[label], -distribution.get(label, 0.0), label),
        )
        ordered = [(label, float(distribution.get(label, 0.0))) for label in voted]
        ordered += [pair for pair in self.current.suggestion.alternatives() if pair[0] not in votes]
        return ordered[:ALTERNATIVE_KEYS]
