"""Taxonomy: the labels a classifier chooses from, each with the definition reviewers read."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Label:
    """One label of a taxonomy with its definition."""

    name: str
    description: str = ""
    includes: tuple[str, ...] = ()
    excludes: tuple[str, ...] = ()
    examples: tuple[str, ...] = ()


@dataclass(frozen=True)
class Taxonomy:
    """A versioned, ordered set of labels."""

    version: str
    labels: tuple[Label, ...]
    name: str = ""
    description: str = ""
    _by_name: dict[str, Label] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_by_name", {label.name: label for label in self.labels})

    @property
    def names(self) -> list[str]:
        return [label.name for label in self.labels]

    def __contains__(self, name: object) -> bool:
        return name in self._by_name

    def __len__(self) -> int:
        return len(self.labels)

    def label(self, name: str) -> Label | None:
        """Return the label called `name`, or None when the taxonomy has no such label."""
        return self._by_name.get(name)
