"""`python -m triage_app import` and `export` run as a user runs them, in a subprocess."""

from __future__ import annotations

import csv
import json
import re

import pytest

from tests.import_fixtures import item_record, row_counts, write_items
from triage_app.domain.decision import Action
from triage_app.store.store import Store

pytest_plugins = ["tests.import_fixtures"]

RECORDS = [
    item_record("x1"),
    item_record("x2", label="technical", confidence=0.55),
    item_record("x3", label="account", confidence=0.7, priority=1),
]


@pytest.fixture
def imported_db(run_cli, tmp_path, db_path, taxonomy_path):
    """A store that `triage-app import` filled with RECORDS."""
    items_path = write_items(tmp_path / "items.jsonl", RECORDS)
    result = run_cli("import", items_path, "--taxonomy", taxonomy_path, "--db", db_path)
    assert result.returncode == 0, result.stderr
    return db_path


def test_import_with_taxonomy(run_cli, tmp_path, db_path, taxonomy_path):
    items_path = write_items(tmp_path / "items.jsonl", RECORDS)

    result = run_cli("import", items_path, "--taxonomy", taxonomy_path, "--db", db_path)

    assert result.returncode == 0, result.stderr
    assert f"{len(RECORDS)} new items" in result.stdout
    assert result.stderr == ""
    with Store(db_path) as store:
        assert store.taxonomy().version == "support-v1"
        assert store.queue_counts().pending == len(RECORDS)
        assert store.review_item("x3").priority == 1


def test_import_uses_store_taxonomy(run_cli, tmp_path, imported_db):
    more = [item_record("y1", label="account"), item_record("y2")]
    items_path = write_items(tmp_path / "more.csv", more)

    result = run_cli("import", items_path, "--db", imported_db)

    assert result.returncode == 0, result.stderr
    assert f"{len(more)} new items" in result.stdout
    with Store(imported_db) as store:
        assert store.review_item("y1").suggestion.taxonomy_version == "support-v1"
        assert store.queue_counts().pending == len(RECORDS) + len(more)


def test_import_without_any_taxonomy_fails(run_cli, tmp_path, db_path):
    items_path = write_items(tmp_path / "items.jsonl", RECORDS)

    result = run_cli("import", items_path, "--db", db_path)

    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    assert "--taxonomy" in result.stderr


def test_import_bad_file_fails_with_reason(run_cli, tmp_path, imported_db):
    records = [item_record("y1"), item_record("y2", label="shipping"), item_record("y3")]
    items_path = write_items(tmp_path / "bad.jsonl", records)
    before = row_counts(imported_db)

    result = run_cli("import", items_path, "--db", imported_db)

    reason = result.stderr.splitlines()[0]
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    assert str(items_path) in reason
    assert re.search(r"\bline 2\b", reason), reason
    assert "'shipping'" in reason
    assert result.stdout == ""
    assert row_counts(imported_db) == before


def test_import_bad_taxonomy_fails_with_reason(run_cli, tmp_path, db_path):
    items_path = write_items(tmp_path / "items.jsonl", RECORDS)
    taxonomy_path = tmp_path / "taxonomy.yaml"
    taxonomy_path.write_text("version: support-v1\nlabels:\n  - billing\n\t- technical\n")

    result = run_cli("import", items_path, "--taxonomy", taxonomy_path, "--db", db_path)

    reason = result.stderr.splitlines()[0]
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    assert str(taxonomy_path) in reason
    assert re.search(r"\bline 4\b", reason), reason


def test_import_missing_file_fails(run_cli, tmp_path, imported_db):
    missing = tmp_path / "no-such-file.jsonl"

    result = run_cli("import", missing, "--db", imported_db)

    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    assert str(missing) in result.stderr
    assert "not found" in result.stderr


@pytest.fixture
def decided_db(imported_db):
    """The imported store with an accept, an overturn and a retracted skip by alice."""
    with Store(imported_db) as store:
        store.add_decision(item=store.next_item(), reviewer="alice", action=Action.ACCEPT)
        store.add_decision(
            item=store.next_item(), reviewer="alice", action=Action.OVERTURN, label="billing"
        )
        store.add_decision(item=store.next_item(), reviewer="alice", action=Action.SKIP)
        store.retract_last(reviewer="alice")
        events = list(store.decisions())
    return imported_db, events


def read_export(path, format):
    if format == "jsonl":
        return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


@pytest.mark.parametrize("format", ["jsonl", "csv"])
def test_export(format, run_cli, tmp_path, decided_db):
    db_path, events = decided_db
    output = tmp_path / f"decisions.{format}"

    result = run_cli("export", "--format", format, "-o", output, "--db", db_path)
    records = read_export(output, format)

    assert result.returncode == 0, result.stderr
    assert f"{len(events)} decision events" in result.stdout
    assert len(records) == len(events)
    assert [str(record["decision_id"]) for record in records] == [str(e.id) for e in events]
    assert [record["action"] for record in records] == [e.action.value for e in events]
    assert [record["item_id"] for record in records] == [e.item_id for e in events]
    overturned = [str(record["overturned"]).lower() for record in records]
    assert overturned == [str(e.action is Action.OVERTURN).lower() for e in events]


def test_export_missing_store_fails(run_cli, tmp_path):
    db_path = tmp_path / "missing.db"

    result = run_cli("export", "--format", "jsonl", "-o", tmp_path / "out.jsonl", "--db", db_path)

    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    assert str(db_path) in result.stderr
    assert not db_path.exists()


@pytest.mark.parametrize(
    "args",
    [["--help"], ["import", "--help"], ["export", "--help"], ["demo", "--help"]],
    ids=["main", "import", "export", "demo"],
)
def test_help_exits_zero(args, run_cli):
    result = run_cli(*args)

    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("usage:")


def test_db_before_subcommand_is_used(run_cli, tmp_path, db_path, taxonomy_path):
    items_path = write_items(tmp_path / "items.jsonl", RECORDS)

    result = run_cli("--db", db_path, "import", items_path, "--taxonomy", taxonomy_path)

    assert result.returncode == 0, result.stderr
    assert db_path.exists()
    assert not (tmp_path / "xdg-data").exists()
