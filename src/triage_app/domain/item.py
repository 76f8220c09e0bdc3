"""Items: the texts under review, with the suggestion shown to a reviewer for each."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from triage_app.domain.suggestion import Suggestion
from triage_app.domain.taxonomy import Taxonomy


@dataclass(frozen=True)
class NewItem:
    """An item as an import file describes it; `line` is where the file defines it."""

    id: str
    text: str
    suggestion: Suggestion
    priority: int = 0
    meta: Mapping[str, object] = field(default_factory=dict)
    line: int = 0


@dataclass(frozen=True)
class ReviewItem:
    """An item in the queue with its latest suggestion and the taxonomy that suggestion used."""

    id: str
    text: str
    priority: int
    meta: Mapping[str, object]
    suggestion_id: int
    suggestion: Suggestion
    taxonomy: Taxonomy
