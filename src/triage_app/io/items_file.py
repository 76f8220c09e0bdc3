"""Item files: JSONL (one object a line) or CSV (one row an item), as `docs/formats.md` shows.

A file is checked whole before anything is written, so a file with one invalid line imports
nothing. The check and the import parse the file twice instead of holding every item in memory.
The annotations that JSONL items carry are small, so the check keeps them.
"""

from __future__ import annotations

import csv
import io
import json
import math
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

from triage_app.domain.item import NewItem
from triage_app.domain.suggestion import Suggestion, distribution_problem
from triage_app.domain.taxonomy import Taxonomy
from triage_app.io.annotations_file import Annotation, parse_annotation_list
from triage_app.io.csv_records import csv_records
from triage_app.io.problems import MAX_REPORTED, InputFileError, Problem, read_text

JSONL_FIELDS = (
    "id", "text", "suggestion", "escalation_reason", "priority", "meta", "annotations",
)  # fmt: skip
SUGGESTION_FIELDS = ("label", "distribution", "rationale", "model", "method", "taxonomy_version")
CSV_REQUIRED = ("id", "text", "label", "distribution")
CSV_OPTIONAL = (
    "rationale", "model", "method", "escalation_reason", "priority", "meta", "taxonomy_version",
)  # fmt: skip


class _Invalid(Exception):
    def __init__(self, problem: Problem) -> None:
        self.problem = problem


@dataclass(frozen=True)
class ItemsFile:
    """A checked item file; iterating it parses the file again and yields its items.

    `annotations` are the checked labels that JSONL items carry, in file order, to log as
    decisions once the items are in the store.
    """

    path: Path
    taxonomy: Taxonomy
    count: int
    annotations: tuple[Annotation, ...] = ()

    def __iter__(self) -> Iterator[NewItem]:
        for result in _parse(self.path, self.taxonomy):
            if isinstance(result, Problem):
                raise InputFileError(self.path, [result])
            if isinstance(result, NewItem):
                yield result


def read_items(path: str | Path, taxonomy: Taxonomy) -> ItemsFile:
    """Check every item in a JSONL or CSV file against `taxonomy`.

    Raises InputFileError listing the first problems when any item or annotation is invalid,
    the file is empty, not UTF-8, or two items share an id.
    """
    path = Path(path)
    problems: list[Problem] = []
    total_problems = 0
    first_line: dict[str, int] = {}
    count = 0
    annotations: list[Annotation] = []

    for result in _parse(path, taxonomy):
        if isinstance(result, Annotation):
            annotations.append(result)
            continue
        if isinstance(result, Problem):
            total_problems += 1
            if len(problems) < MAX_REPORTED:
                problems.append(result)
            continue

        if result.id in first_line:
            total_problems += 1
            if len(problems) < MAX_REPORTED:
                problems.append(
                    Problem(
                        result.line,
                        "id",
                        result.id,
                        f"duplicate id, first used on line {first_line[result.id]}; "
                        "give each item its own id",
                    )
                )
            continue
        first_line[result.id] = result.line
        count += 1

    if total_problems:
        raise InputFileError(path, problems, total_problems)
    if count == 0:
        raise InputFileError(
            path, [Problem(0, "", None, "the file contains no items; add at least one")]
        )
    return ItemsFile(path=path, taxonomy=taxonomy, count=count, annotations=tuple(annotations))


def _parse(path: Path, taxonomy: Taxonomy) -> Iterator[NewItem | Annotation | Problem]:
    # A JSONL item is followed by its annotations, if it has any.
    text = read_text(path)
    if path.suffix.lower() == ".csv":
        yield from _parse_csv(text, taxonomy)
    elif path.suffix.lower() in (".jsonl", ".ndjson", ".json"):
        yield from _parse_jsonl(text, taxonomy)
    else:
        raise InputFileError(
            path,
            [Problem(0, "", path.suffix, "unknown file type; name the file .jsonl or .csv")],
        )


def _parse_jsonl(text: str, taxonomy: Taxonomy) -> Iterator[NewItem | Annotation | Problem]:
    # str.splitlines would also break at U+2028, U+2029 and U+0085, which JSON allows unescaped
    # inside strings; JSONL separates records with newlines only.
    for number, line in enumerate(text.split("\n"), start=1):
        line = line.removesuffix("\r")
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as error:
            yield Problem(number, "", None, f"invalid JSON at column {error.colno}: {error.msg}")
            continue
        if not isinstance(record, dict):
            yield Problem(number, "", type(record).__name__, "expected a JSON object per line")
            continue

        try:
            unknown = sorted(set(record) - set(JSONL_FIELDS))
            if unknown:
                raise _Invalid(
                    Problem(
                        number,
                        unknown[0],
                        None,
                        f"unknown field; expected {', '.join(JSONL_FIELDS)} "
                        "(put extra data under meta)",
                    )
                )
            suggestion = record.get("suggestion")
            if not isinstance(suggestion, dict):
                raise _Invalid(
                    Problem(number, "suggestion", suggestion, "missing; expected an object")
                )
            unknown = sorted(set(suggestion) - set(SUGGESTION_FIELDS))
            if unknown:
                raise _Invalid(
                    Problem(
                        number,
                        f"suggestion.{unknown[0]}",
                        None,
                        f"unknown field; expected {', '.join(SUGGESTION_FIELDS)}",
                    )
                )
            item = _item(number, {**record, **_prefixed(suggestion)}, taxonomy, "suggestion.")
            annotations = parse_annotation_list(
                number, item.id, record.get("annotations"), taxonomy
            )
            if isinstance(annotations, Problem):
                raise _Invalid(annotations)
        except _Invalid as invalid:
            yield invalid.problem
            continue

        yield item
        yield from annotations


def _prefixed(suggestion: Mapping[str, object]) -> dict[str, object]:
    return {f"suggestion.{key}": value for key, value in suggestion.items()}


def _parse_csv(text: str, taxonomy: Taxonomy) -> Iterator[NewItem | Problem]:
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader)
    except csv.Error as error:
        yield Problem(1, "", None, f"invalid CSV: {error}")
        return

    columns = [name.strip() for name in header]
    missing = [name for name in CSV_REQUIRED if name not in columns]
    if missing:
        yield Problem(
            1,
            missing[0],
            None,
            f"missing column; the header needs {', '.join(CSV_REQUIRED)} "
            f"and may have {', '.join(CSV_OPTIONAL)}",
        )
        return
    unknown = [name for name in columns if name not in CSV_REQUIRED + CSV_OPTIONAL]
    if unknown:
        yield Problem(
            1,
            unknown[0],
            None,
            f"unknown column; expected {', '.join(CSV_REQUIRED + CSV_OPTIONAL)}",
        )
        return

    for parsed in csv_records(reader, columns):
        if isinstance(parsed, Problem):
            yield parsed
            continue
        number, cells = parsed
        record: dict[str, object] = dict(cells)
        try:
            for field in ("distribution", "meta"):
                raw = record.get(field)
                if isinstance(raw, str) and raw.strip():
                    try:
                        record[field] = json.loads(raw)
                    except json.JSONDecodeError as error:
                        raise _Invalid(
                            Problem(number, field, raw, f"invalid JSON in cell: {error.msg}")
                        ) from None
                elif field == "meta":
                    record.pop(field, None)
            if isinstance(record.get("priority"), str):
                record["priority"] = _csv_int(number, record["priority"])
            suggestion_keys = SUGGESTION_FIELDS
            flat = {
                (f"suggestion.{key}" if key in suggestion_keys else key): value
                for key, value in record.items()
            }
            yield _item(number, flat, taxonomy, "")
        except _Invalid as invalid:
            yield invalid.problem


def _csv_int(number: int, raw: str) -> int | str:
    if not raw.strip():
        return 0
    try:
        return int(raw)
    except ValueError:
        raise _Invalid(Problem(number, "priority", raw, "expected a whole number")) from None


def _item(number: int, record: Mapping[str, object], taxonomy: Taxonomy, prefix: str) -> NewItem:
    """Build an item from a flat record whose suggestion keys start with 'suggestion.'.

    `prefix` is how the file format names suggestion fields in messages.
    """

    def fail(field: str, value: object, message: str) -> _Invalid:
        return _Invalid(Problem(number, field, value, message))

    item_id = record.get("id")
    if isinstance(item_id, int) and not isinstance(item_id, bool):
        item_id = str(item_id)
    if not isinstance(item_id, str) or not item_id.strip():
        raise fail("id", item_id, "missing or empty id; give every item a unique id")

    text = record.get("text")
    if not isinstance(text, str) or not text.strip():
        raise fail("text", text, "missing or empty text; every item needs the text to review")

    label = record.get("suggestion.label")
    if not isinstance(label, str) or not label:
        raise fail(f"{prefix}label", label, "missing suggested label")
    if label not in taxonomy:
        raise fail(
            f"{prefix}label",
            label,
            f"not a label of taxonomy {taxonomy.version!r}; fix the label or add it to the "
            "taxonomy under a new version",
        )

    distribution = record.get("suggestion.distribution")
    if not isinstance(distribution, dict):
        raise fail(
            f"{prefix}distribution",
            distribution,
            "missing; expected an object of label to probability",
        )
    for name in distribution:
        if name not in taxonomy:
            raise fail(
                f"{prefix}distribution",
                name,
                f"label not in taxonomy {taxonomy.version!r}; fix or remove it",
            )
    reason = distribution_problem(distribution)
    if reason is not None:
        raise fail(f"{prefix}distribution", None, reason)
    if label not in distribution:
        raise fail(
            f"{prefix}distribution",
            None,
            f"has no probability for the suggested label {label!r}; add it",
        )

    version = record.get("suggestion.taxonomy_version") or taxonomy.version
    if version != taxonomy.version:
        raise fail(
            f"{prefix}taxonomy_version",
            version,
            f"this import checks against taxonomy {taxonomy.version!r}; import the matching "
            "taxonomy file with --taxonomy",
        )

    strings: dict[str, str] = {}
    for field, key in (
        ("rationale", "suggestion.rationale"),
        ("model", "suggestion.model"),
        ("method", "suggestion.method"),
        ("escalation_reason", "escalation_reason"),
    ):
        value = record.get(key, "")
        if value is None:
            value = ""
        if not isinstance(value, str):
            raise fail(key if not key.startswith("suggestion.") else prefix + field, value,
                       "expected a string")  # fmt: skip
        strings[field] = value

    priority = record.get("priority", 0)
    if priority is None or priority == "":
        priority = 0
    if isinstance(priority, float) and priority.is_integer():
        priority = int(priority)
    if isinstance(priority, bool) or not isinstance(priority, int):
        raise fail("priority", priority, "expected a whole number; higher is reviewed first")

    meta = record.get("meta", {})
    if meta is None:
        meta = {}
    if not isinstance(meta, dict):
        raise fail("meta", meta, "expected an object")

    probabilities = {name: float(value) for name, value in distribution.items()}
    if any(math.isnan(value) for value in probabilities.values()):
        raise fail(f"{prefix}distribution", None, "contains NaN")

    return NewItem(
        id=item_id.strip(),
        text=text,
        priority=priority,
        meta=meta,
        line=number,
        suggestion=Suggestion(
            label=label,
            distribution=probabilities,
            rationale=strings["rationale"],
            model=strings["model"],
            method=strings["method"],
            escalation_reason=strings["escalation_reason"],
            taxonomy_version=taxonomy.version,
        ),
    )
