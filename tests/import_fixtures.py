"""Fixtures for the store and import tests: a store file, a taxonomy file and item files.

Test modules load them with `pytest_plugins = ["tests.import_fixtures"]`. Those modules import
the helpers before pytest loads this module as a plugin, which is too late for assertion
rewriting. PYTEST_DONT_REWRITE turns rewriting off here, and the module contains no asserts.
"""

from __future__ import annotations

import csv
import json
import sqlite3
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path

import pytest

from triage_app.domain.item import NewItem
from triage_app.domain.suggestion import Suggestion
from triage_app.domain.taxonomy import Taxonomy
from triage_app.io.items_file import read_items
from triage_app.io.taxonomy_file import read_taxonomy
from triage_app.store.store import ImportSummary, Store

LABELS = ("billing", "technical", "account")

TAXONOMY_YAML = """\
version: support-v1
name: Support tickets
labels:
  - name: billing
    description: Charges, invoices and refunds.
  - name: technical
    description: The product does not work as documented.
  - name: account
    description: Login, password and profile changes.
"""

TABLES = ("taxonomy_versions", "labels", "items", "suggestions", "decisions", "queue")


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    """Path of a store file that does not exist yet."""
    return tmp_path / "store.db"


@pytest.fixture
def taxonomy_path(tmp_path: Path) -> Path:
    """A YAML taxonomy file with the labels billing, technical and account."""
    path = tmp_path / "taxonomy.yaml"
    path.write_text(TAXONOMY_YAML, encoding="utf-8")
    return path


@pytest.fixture
def taxonomy(taxonomy_path: Path) -> Taxonomy:
    return read_taxonomy(taxonomy_path)


@pytest.fixture
def store(db_path: Path, taxonomy: Taxonomy) -> Iterator[Store]:
    """An open store on `db_path` that contains `taxonomy` and no items."""
    with Store(db_path) as opened:
        opened.add_taxonomy(taxonomy)
        yield opened


def item_record(
    item_id: str,
    *,
    label: str = "billing",
    confidence: float = 0.6,
    text: str | None = None,
    **fields: object,
) -> dict[str, object]:
    """Build one JSONL record whose distribution splits between `label` and one other label."""
    other = next(name for name in LABELS if name != label)
    return {
        "id": item_id,
        "text": f"Message {item_id}" if text is None else text,
        "suggestion": {
            "label": label,
            "distribution": {label: confidence, other: round(1 - confidence, 9)},
        },
        **fields,
    }


def new_item(
    item_id: str,
    *,
    confidence: float = 0.6,
    priority: int = 0,
    label: str = "billing",
    distribution: Mapping[str, float] | None = None,
) -> NewItem:
    """Build an item for `Store.add_items`; without `distribution`, the suggestion splits
    between `label` and one other label."""
    if distribution is None:
        other = next(name for name in LABELS if name != label)
        distribution = {label: confidence, other: round(1 - confidence, 9)}
    return NewItem(
        id=item_id,
        text=f"Message {item_id}",
        priority=priority,
        suggestion=Suggestion(
            label=label, distribution=distribution, taxonomy_version="support-v1"
        ),
    )


def write_items(path: Path, records: Sequence[Mapping[str, object]]) -> Path:
    """Write records as JSONL (.jsonl, .ndjson, .json) or CSV (.csv), chosen by the suffix.

    For CSV the keys of `suggestion` become columns, and dict values are written as JSON cells.
    """
    if path.suffix == ".csv":
        rows = [_csv_row(record) for record in records]
        columns: list[str] = []
        for row in rows:
            columns.extend(name for name in row if name not in columns)
        with path.open("w", encoding="utf-8", newline="") as handle:
            writer = csv.DictWriter(handle, fieldnames=columns)
            writer.writeheader()
            writer.writerows(rows)
        return path

    lines = [json.dumps(record, ensure_ascii=False) for record in records]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _csv_row(record: Mapping[str, object]) -> dict[str, str]:
    flat = {key: value for key, value in record.items() if key != "suggestion"}
    suggestion = record.get("suggestion")
    if isinstance(suggestion, Mapping):
        flat.update(suggestion)

    row: dict[str, str] = {}
    for key, value in flat.items():
        row[key] = json.dumps(value) if isinstance(value, dict) else str(value)
    return row


def import_items(store: Store, path: Path, taxonomy: Taxonomy) -> ImportSummary:
    """Import an item file the way `triage-app import` does: check it whole, then write it in
    one transaction together with its taxonomy."""
    items = read_items(path, taxonomy)
    with store.transaction():
        store.add_taxonomy(taxonomy)
        return store.add_items(items)


def row_counts(db_path: Path) -> dict[str, int]:
    """Count the rows of every store table through a connection of its own."""
    conn = sqlite3.connect(db_path)
    try:
        return {
            table: conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0] for table in TABLES
        }
    finally:
        conn.close()
