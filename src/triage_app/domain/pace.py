"""Review pace."""

from __future__ import annotations


def items_per_hour(decided: int, elapsed_ms: int) -> float:
    """Return the review pace; 0.0 before any time has passed."""
    if elapsed_ms <= 0:
        return 0.0
    return decided * 3_600_000 / elapsed_ms
