"""Queue order and review pace."""

from __future__ import annotations

# An item never skipped sorts before every skipped one; a skipped item takes the id of the skip
# event as its round, so items come back in the order they were skipped.
NOT_SKIPPED = 0


def queue_key(*, skip_round: int, priority: int, confidence: float) -> tuple[int, int, float]:
    """Return the sort key of a pending item: unskipped first, then higher priority, then
    lower model confidence."""
    return (skip_round, -priority, confidence)


def items_per_hour(decided: int, elapsed_ms: int) -> float:
    """Return the review pace; 0.0 before any time has passed."""
    if elapsed_ms <= 0:
        return 0.0
    return decided * 3_600_000 / elapsed_ms
