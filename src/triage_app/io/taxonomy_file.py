"""Taxonomy files in YAML or JSON.

version: support-v3            # required: names this fixed set of definitions
name: Support tickets          # optional
description: ...               # optional
labels:                        # required: a list, or a mapping of name to definition
  - name: billing
    description: Charges, invoices and refunds.
    includes: [...]            # optional lists of strings
    excludes: [...]
    examples: [...]
"""

from __future__ import annotations

import json
from pathlib import Path

import yaml

from triage_app.domain.taxonomy import Label, Taxonomy
from triage_app.io.problems import InputFileError, Problem, read_text

_LIST_FIELDS = ("includes", "excludes", "examples")


def read_taxonomy(path: str | Path) -> Taxonomy:
    """Read and check a taxonomy file; raise InputFileError naming every invalid value."""
    path = Path(path)
    text = read_text(path)

    try:
        if path.suffix.lower() == ".json":
            document = json.loads(text)
        else:
            document = yaml.safe_load(text)
    except json.JSONDecodeError as error:
        raise InputFileError(
            path, [Problem(error.lineno, "", None, f"invalid JSON: {error.msg}")]
        ) from None
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        line = mark.line + 1 if mark is not None else 0
        reason = getattr(error, "problem", None) or str(error)
        raise InputFileError(path, [Problem(line, "", None, f"invalid YAML: {reason}")]) from None

    return _taxonomy_from_document(path, document, text)


def _taxonomy_from_document(path: Path, document: object, text: str) -> Taxonomy:
    if not isinstance(document, dict):
        raise InputFileError(
            path,
            [Problem(1, "", type(document).__name__, "expected a mapping with version and labels")],
        )

    problems: list[Problem] = []
    version = document.get("version")
    if isinstance(version, int | float) and not isinstance(version, bool):
        version = str(version)
    if not isinstance(version, str) or not version.strip():
        problems.append(
            Problem(0, "version", version, "missing or empty; give the taxonomy a version name")
        )

    raw_labels = document.get("labels")
    if isinstance(raw_labels, dict):
        raw_labels = [
            {"name": name, **(body if isinstance(body, dict) else {"description": body or ""})}
            for name, body in raw_labels.items()
        ]
    if not isinstance(raw_labels, list) or not raw_labels:
        problems.append(Problem(0, "labels", raw_labels, "missing or empty; list the labels"))
        raise InputFileError(path, problems)

    labels: list[Label] = []
    seen: set[str] = set()
    for index, raw in enumerate(raw_labels):
        where = f"labels[{index}]"
        line = _line_of(text, raw.get("name") if isinstance(raw, dict) else raw)
        if isinstance(raw, str):
            raw = {"name": raw}
        if not isinstance(raw, dict):
            problems.append(Problem(line, where, raw, "expected a label name or a mapping"))
            continue

        name = raw.get("name")
        if not isinstance(name, str) or not name.strip():
            problems.append(Problem(line, f"{where}.name", name, "missing or empty label name"))
            continue
        if name in seen:
            problems.append(
                Problem(line, f"{where}.name", name, "label listed twice; keep one definition")
            )
            continue
        seen.add(name)

        description = raw.get("description", "") or ""
        if not isinstance(description, str):
            problems.append(Problem(line, f"{where}.description", description, "expected a string"))
            continue

        lists: dict[str, tuple[str, ...]] = {}
        for field in _LIST_FIELDS:
            value = raw.get(field, []) or []
            if isinstance(value, str):
                value = [value]
            if not isinstance(value, list) or not all(isinstance(entry, str) for entry in value):
                problems.append(
                    Problem(line, f"{where}.{field}", value, "expected a list of strings")
                )
                value = []
            lists[field] = tuple(value)

        labels.append(Label(name=name, description=description.strip(), **lists))

    if problems:
        raise InputFileError(path, problems)

    return Taxonomy(
        version=str(version).strip(),
        name=str(document.get("name", "") or ""),
        description=str(document.get("description", "") or ""),
        labels=tuple(labels),
    )


def _line_of(text: str, needle: object) -> int:
    """Return the first line that mentions `needle`, or 0; good enough to point at a label."""
    if not isinstance(needle, str) or not needle:
        return 0
    for number, line in enumerate(text.splitlines(), start=1):
        if needle in line:
            return number
    return 0
