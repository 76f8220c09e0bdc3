"""Annotations: labels that reviewers gave items in other tools, imported as decisions.

Two files carry them, as `docs/formats.md` shows: a CSV file with one row per item and
reviewer, and the optional `annotations` list of an item in a JSON Lines item file. A file is
checked whole before anything is written. An annotation is logged as an accept when its label
is the item's current suggestion, and as an overturn to its label otherwise.
"""

from __future__ import annotations

import codecs
import csv
import io
import logging
import re
from collections.abc import Iterable, Iterator, Mapping
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Protocol

from triage_app.domain.clock import format_utc, utc_now
from triage_app.domain.decision import Action
from triage_app.domain.item import ReviewItem
from triage_app.domain.taxonomy import Taxonomy
from triage_app.io.csv_records import csv_records
from triage_app.io.problems import MAX_REPORTED, InputFileError, Problem, read_text

logger = logging.getLogger(__name__)

CSV_REQUIRED = ("item_id", "reviewer", "label")
CSV_OPTIONAL = ("decided_at",)
# Keys of one entry in the `annotations` list of a JSON Lines item.
JSONL_FIELDS = ("reviewer", "label", "decided_at")

# A UTC date, optionally followed by a time with or without milliseconds and a final Z.
_DECIDED_AT = re.compile(
    r"(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{3}))?Z)?", re.ASCII
)
_DECIDED_AT_FORMS = "2026-12-04T10:00:00Z, 2026-12-04T10:00:00.250Z or the date 2026-12-04"


@dataclass(frozen=True)
class Annotation:
    """One reviewer's label on one item, as an import file gives it.

    `decided_at` is in the store's form (UTC, milliseconds), or None when the file gives no
    time. `line` and `field_prefix` place the annotation in its file for error messages: a CSV
    row has the prefix "", the second entry of a JSON Lines item "annotations[1].".
    """

    item_id: str
    reviewer: str
    label: str
    decided_at: str | None
    line: int
    field_prefix: str = ""


@dataclass(frozen=True)
class AnnotationsFile:
    """A checked annotations CSV file and its annotations, in file order."""

    path: Path
    annotations: tuple[Annotation, ...]


@dataclass(frozen=True)
class AnnotationSummary:
    """Counts of an annotations import: decisions added, their reviewers, annotations skipped."""

    added: int
    reviewers: int
    already_present: int


class ItemLookup(Protocol):
    """The part of the store that checking an annotations file reads."""

    def review_item(self, item_id: str) -> ReviewItem | None: ...


class DecisionLog(ItemLookup, Protocol):
    """The part of the store that `add_annotations` writes through.

    The io layer may not import the store, so this names the methods of `Store` it uses.
    """

    def transaction(self) -> AbstractContextManager[None]: ...

    def has_label(self, item_id: str, reviewer: str, label: str) -> bool: ...

    def add_decision(
        self,
        *,
        item: ReviewItem,
        reviewer: str,
        action: Action,
        label: str | None = None,
        decided_at: str | None = None,
    ) -> object: ...


def is_annotations_file(path: Path) -> bool:
    """Tell an annotations CSV file from an item CSV file by its header.

    An annotations file has an `item_id` column and no `id` column. Returns False for any other
    file, and for a file that cannot be read, so that the item import reports the problem.
    """
    if path.suffix.lower() != ".csv":
        return False
    try:
        with path.open("rb") as handle:
            first_line = handle.readline(64 * 1024)
    except OSError:
        return False

    text = first_line.removeprefix(codecs.BOM_UTF8).decode("utf-8", errors="replace")
    try:
        header = next(csv.reader([text]), [])
    except csv.Error:
        return False
    columns = {name.strip() for name in header}
    return "item_id" in columns and "id" not in columns


def parse_decided_at(value: str) -> str:
    """Normalise a UTC time or date to the store's form, e.g. 2026-12-04T10:00:00.000Z.

    Accepts 2026-12-04T10:00:00Z, 2026-12-04T10:00:00.250Z and 2026-12-04 (midnight UTC).
    Raises ValueError for any other form, and for a date or time that does not exist.
    """
    match = _DECIDED_AT.fullmatch(value)
    if match is None:
        raise ValueError(value)
    year, month, day, hour, minute, second, milliseconds = match.groups()
    moment = datetime(
        int(year),
        int(month),
        int(day),
        int(hour or 0),
        int(minute or 0),
        int(second or 0),
        int(milliseconds or 0) * 1000,
        tzinfo=UTC,
    )
    return format_utc(moment)


def build_annotation(
    *,
    line: int,
    item_id: str,
    reviewer: object,
    label: object,
    decided_at: object,
    taxonomy: Taxonomy,
    field_prefix: str = "",
) -> Annotation | Problem:
    """Check one annotation of the item `item_id` against the item's taxonomy.

    Returns the annotation, or the first problem with it. The reviewer's name is stripped of
    surrounding whitespace. An absent, null or empty `decided_at` means the import time.
    """
    if not isinstance(reviewer, str) or not reviewer.strip():
        return Problem(
            line,
            f"{field_prefix}reviewer",
            reviewer,
            "missing or empty reviewer; name the person who gave the label",
        )

    if not isinstance(label, str) or not label:
        return Problem(line, f"{field_prefix}label", label, "missing or empty label")
    if label not in taxonomy:
        return Problem(
            line,
            f"{field_prefix}label",
            label,
            f"not a label of taxonomy {taxonomy.version!r}, the taxonomy of item {item_id!r}; "
            "fix the label, or add it to a new taxonomy version and import the item again with "
            "that version",
        )

    normalised: str | None = None
    if decided_at is not None and not isinstance(decided_at, str):
        return Problem(
            line,
            f"{field_prefix}decided_at",
            decided_at,
            f"expected a UTC time as a string, e.g. {_DECIDED_AT_FORMS}",
        )
    if decided_at is not None and decided_at.strip():
        try:
            normalised = parse_decided_at(decided_at.strip())
        except ValueError:
            return Problem(
                line,
                f"{field_prefix}decided_at",
                decided_at,
                f"invalid time; write UTC ISO 8601 such as {_DECIDED_AT_FORMS}",
            )

    return Annotation(
        item_id=item_id,
        reviewer=reviewer.strip(),
        label=label,
        decided_at=normalised,
        line=line,
        field_prefix=field_prefix,
    )


def parse_annotation_list(
    line: int, item_id: str, value: object, taxonomy: Taxonomy
) -> list[Annotation] | Problem:
    """Check the `annotations` list of a JSON Lines item; null or absent means no annotations.

    Returns the annotations, or the first problem: an entry that is not an object, has an
    unknown key or an invalid value, or names a reviewer an earlier entry of the item names.
    """
    if value is None:
        return []
    if not isinstance(value, list):
        return Problem(
            line,
            "annotations",
            value,
            'expected a list of objects such as {"reviewer": "alice", "label": "billing"}',
        )

    annotations: list[Annotation] = []
    first_index: dict[str, int] = {}
    for index, entry in enumerate(value):
        prefix = f"annotations[{index}]."
        if not isinstance(entry, dict):
            return Problem(
                line,
                f"annotations[{index}]",
                entry,
                "expected an object with reviewer, label and optionally decided_at",
            )
        unknown = sorted(set(entry) - set(JSONL_FIELDS))
        if unknown:
            return Problem(
                line,
                f"{prefix}{unknown[0]}",
                None,
                f"unknown field; expected {', '.join(JSONL_FIELDS)}",
            )

        result = build_annotation(
            line=line,
            item_id=item_id,
            reviewer=entry.get("reviewer"),
            label=entry.get("label"),
            decided_at=entry.get("decided_at"),
            taxonomy=taxonomy,
            field_prefix=prefix,
        )
        if isinstance(result, Problem):
            return result
        earlier = first_index.get(result.reviewer)
        if earlier is not None:
            return Problem(
                line,
                f"{prefix}reviewer",
                result.reviewer,
                f"this reviewer already labels the item in annotations[{earlier}]; "
                "give one label per reviewer",
            )
        first_index[result.reviewer] = index
        annotations.append(result)
    return annotations


def read_annotations(path: str | Path, items: ItemLookup) -> AnnotationsFile:
    """Check every row of an annotations CSV file against the items in the store.

    Raises InputFileError listing the first problems when the header is not `item_id`,
    `reviewer`, `label` and optionally `decided_at`. A row is a problem when it names an
    unknown item, a label outside the item's taxonomy, an empty reviewer or an invalid time, or
    repeats the item and reviewer of an earlier row. A file that is missing, empty, not UTF-8
    or without rows raises InputFileError too.
    """
    path = Path(path)
    problems: list[Problem] = []
    total_problems = 0
    annotations: list[Annotation] = []
    first_line: dict[tuple[str, str], int] = {}

    for result in _parse_csv(read_text(path), _TaxonomyLookup(items)):
        if isinstance(result, Annotation):
            key = (result.item_id, result.reviewer)
            if key not in first_line:
                first_line[key] = result.line
                annotations.append(result)
                continue
            result = Problem(
                result.line,
                "reviewer",
                result.reviewer,
                f"item {result.item_id!r} already has a label by this reviewer on line "
                f"{first_line[key]}; keep one row per item and reviewer",
            )

        total_problems += 1
        if len(problems) < MAX_REPORTED:
            problems.append(result)

    if total_problems:
        raise InputFileError(path, problems, total_problems)
    if not annotations:
        raise InputFileError(
            path, [Problem(0, "", None, "the file contains no annotations below its header")]
        )
    return AnnotationsFile(path=path, annotations=tuple(annotations))


class _TaxonomyLookup:
    """Each item's taxonomy, read from the store once per item id; None for unknown items."""

    def __init__(self, items: ItemLookup) -> None:
        self._items = items
        self._taxonomies: dict[str, Taxonomy | None] = {}

    def __call__(self, item_id: str) -> Taxonomy | None:
        if item_id not in self._taxonomies:
            item = self._items.review_item(item_id)
            self._taxonomies[item_id] = None if item is None else item.taxonomy
        return self._taxonomies[item_id]


def _parse_csv(text: str, taxonomy_of: _TaxonomyLookup) -> Iterator[Annotation | Problem]:
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader)
    except csv.Error as error:
        yield Problem(1, "", None, f"invalid CSV: {error}")
        return

    columns = [name.strip() for name in header]
    expected = (
        f"an annotations file has the columns {', '.join(CSV_REQUIRED)} and optionally "
        f"{', '.join(CSV_OPTIONAL)}"
    )
    missing = [name for name in CSV_REQUIRED if name not in columns]
    if missing:
        yield Problem(1, missing[0], None, f"missing column; {expected}")
        return
    unknown = [name for name in columns if name not in CSV_REQUIRED + CSV_OPTIONAL]
    if unknown:
        yield Problem(1, unknown[0], None, f"unknown column; {expected}")
        return
    repeated = [name for name in columns if columns.count(name) > 1]
    if repeated:
        yield Problem(1, repeated[0], None, f"column given twice; {expected}")
        return

    for record in csv_records(reader, columns):
        if isinstance(record, Problem):
            yield record
            continue
        number, row = record
        yield _annotation_from_row(number, row, taxonomy_of)


def _annotation_from_row(
    number: int, record: Mapping[str, str], taxonomy_of: _TaxonomyLookup
) -> Annotation | Problem:
    item_id = record["item_id"].strip()
    if not item_id:
        return Problem(number, "item_id", record["item_id"], "missing or empty item id")
    taxonomy = taxonomy_of(item_id)
    if taxonomy is None:
        return Problem(
            number,
            "item_id",
            item_id,
            "no item with this id in the store; import the item first, or fix the id",
        )
    return build_annotation(
        line=number,
        item_id=item_id,
        reviewer=record["reviewer"],
        label=record["label"],
        decided_at=record.get("decided_at"),
        taxonomy=taxonomy,
    )


def add_annotations(
    store: DecisionLog, annotations: Iterable[Annotation], *, path: Path
) -> AnnotationSummary:
    """Log checked annotations as decisions in one transaction, then update their items' queue.

    Decisions are logged in order of `decided_at`, those without it last with the import time,
    ties in file order. A decision's duration is 0 ms because the time spent is unknown. An
    annotation is skipped when the store already has an accept or overturn of the item by the
    same reviewer with the same label that no retract event takes back. `path` names the file
    in errors.

    Raises InputFileError, and writes nothing, when an item is missing from the store or its
    current taxonomy lacks the label, which can happen if the store changed after the check.
    """
    now = utc_now()
    ordered = sorted(annotations, key=lambda annotation: annotation.decided_at or now)
    items: dict[str, ReviewItem] = {}
    reviewers: set[str] = set()
    already_present = 0

    with store.transaction():
        for annotation in ordered:
            item = items.get(annotation.item_id)
            if item is None:
                item = items[annotation.item_id] = _item(store, annotation, path)
            _check_label(item.taxonomy, annotation, path)

            if store.has_label(annotation.item_id, annotation.reviewer, annotation.label):
                already_present += 1
                continue

            is_suggestion = annotation.label == item.suggestion.label
            store.add_decision(
                item=item,
                reviewer=annotation.reviewer,
                action=Action.ACCEPT if is_suggestion else Action.OVERTURN,
                label=annotation.label,
                decided_at=annotation.decided_at or now,
            )
            reviewers.add(annotation.reviewer)

    added = len(ordered) - already_present
    logger.info(
        "imported annotations from %s: %d decisions by %d reviewers, %d already present",
        path,
        added,
        len(reviewers),
        already_present,
    )
    return AnnotationSummary(added=added, reviewers=len(reviewers), already_present=already_present)


def _item(store: DecisionLog, annotation: Annotation, path: Path) -> ReviewItem:
    item = store.review_item(annotation.item_id)
    if item is None:
        raise InputFileError(
            path,
            [
                Problem(
                    annotation.line,
                    "",
                    annotation.item_id,
                    "item not found in the store, which changed after the file was checked; "
                    "import the file again",
                )
            ],
        )
    return item


def _check_label(taxonomy: Taxonomy, annotation: Annotation, path: Path) -> None:
    if annotation.label in taxonomy:
        return
    raise InputFileError(
        path,
        [
            Problem(
                annotation.line,
                f"{annotation.field_prefix}label",
                annotation.label,
                f"not a label of taxonomy {taxonomy.version!r}, which item "
                f"{annotation.item_id!r} now uses; the store changed after the file was "
                "checked, so fix the label and import the file again",
            )
        ],
    )
