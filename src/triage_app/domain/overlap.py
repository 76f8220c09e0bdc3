"""Review overlap: the share of items that several reviewers label independently."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass


def _position(project_id: str, item_id: str) -> float:
    """Return a number in [0, 1) fixed by the project and item ids."""
    digest = hashlib.sha256(f"{project_id}:{item_id}".encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64


@dataclass(frozen=True)
class Overlap:
    """How a project's items are shared among reviewers.

    `share` of the items (0 to 1) need `reviewers` reviewers each; the rest need one. When
    reviewers work on separate stores, `part` of `parts` (1-based) selects which of the other
    items this store's reviewer labels; every store labels the overlap items.
    """

    share: float = 0.0
    reviewers: int = 2
    part: int = 1
    parts: int = 1

    def check(self) -> None:
        if not 0.0 <= self.share <= 1.0:
            raise ValueError(f"overlap share {self.share} is outside 0 to 1; e.g. 0.1 for 10 %")
        if self.reviewers < 2:
            raise ValueError(f"overlap needs 2 or more reviewers per item, not {self.reviewers}")
        if not 1 <= self.part <= self.parts:
            raise ValueError(
                f"part {self.part} of {self.parts} does not exist; use 1 to {self.parts}"
            )

    def required(self, project_id: str, item_id: str) -> int:
        """Return how many reviewers must label the item.

        The choice hashes the project and item ids, so every store of a project picks the same
        items, and about `share` of them.
        """
        if self.share <= 0:
            return 1
        return self.reviewers if _position(project_id, item_id) < self.share else 1

    def in_part(self, project_id: str, item_id: str) -> bool:
        """Return whether this store's reviewer should label the item."""
        if self.parts <= 1 or self.required(project_id, item_id) > 1:
            return True
        # The non-overlap items are cut into `parts` equal ranges of the same hash.
        position = (_position(project_id, item_id) - self.share) / (1 - self.share)
        return min(int(position * self.parts), self.parts - 1) == self.part - 1
