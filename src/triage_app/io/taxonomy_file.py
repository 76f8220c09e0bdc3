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
import re
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
            document = json.loads(text, object_pairs_hook=_reject_duplicate_keys)
        else:
            document = yaml.load(text, Loader=_StrictLoader)  # _StrictLoader is a SafeLoader
    except _DuplicateKeyError as error:
        raise InputFileError(
            path,
            [
                Problem(
                    error.line or _line_of(text, error.key, 2),
                    error.key,
                    None,
                    "defined twice in one mapping; keep one definition",
                )
            ],
        ) from None
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


class _DuplicateKeyError(ValueError):
    def __init__(self, key: str, line: int = 0) -> None:
        super().__init__(key)
        self.key = key
        self.line = line


def _reject_duplicate_keys(pairs: list[tuple[str, object]]) -> dict[str, object]:
    """Build a JSON object, rejecting a key given twice instead of keeping the last value."""
    mapping: dict[str, object] = {}
    for key, value in pairs:
        if key in mapping:
            raise _DuplicateKeyError(key)
        mapping[key] = value
    return mapping


class _StrictLoader(yaml.SafeLoader):
    """A SafeLoader that rejects a mapping key given twice, naming its line."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict:
        seen: set[object] = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            if isinstance(key, str | int | float | bool) or key is None:
                if key in seen:
                    raise _DuplicateKeyError(str(key), key_node.start_mark.line + 1)
                seen.add(key)
        return super().construct_mapping(node, deep=deep)


_StrictLoader.add_constructor(
    yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _StrictLoader.construct_mapping
)


def _taxonomy_from_document(path: Path, document: object, text: str) -> Taxonomy:
    if not isinstance(document, dict):
        raise InputFileError(
            path,
            [Problem(1, "", type(document).__name__, "expected a mapping with version and labels")],
        )

    problems: list[Problem] = []
    version = document.get("version")
    if isinstance(version, int) and not isinstance(version, bool):
        version = str(version)
    if isinstance(version, float):
        # YAML reads 1.10 as the number 1.1, which would collide with a real version 1.1.
        problems.append(
            Problem(
                _line_of(text, "version"),
                "version",
                version,
                "a decimal number loses digits; write the version in quotes",
            )
        )
    elif not isinstance(version, str) or not version.strip():
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
    mentions: dict[str, int] = {}
    for index, raw in enumerate(raw_labels):
        where = f"labels[{index}]"
        name_value = raw.get("name") if isinstance(raw, dict) else raw
        if isinstance(name_value, str):
            mentions[name_value] = mentions.get(name_value, 0) + 1
        line = _line_of(
            text, name_value, mentions.get(name_value, 1) if isinstance(name_value, str) else 1
        )
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


def _line_of(text: str, needle: object, occurrence: int = 1) -> int:
    """Return the line of the `occurrence`-th line that names `needle` as a whole value, or 0.

    Good enough to point at a label; a label name that also appears inside another label's
    text can make it point too early.
    """
    if not isinstance(needle, str) or not needle:
        return 0
    pattern = re.compile(rf"(^|[\s\"'\[{{,:-]){re.escape(needle)}($|[\s\"',\]}}:])")
    seen = 0
    for number, line in enumerate(text.splitlines(), start=1):
        if pattern.search(line):
            seen += 1
            if seen == occurrence:
                return number
    return 0
