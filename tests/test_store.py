"""The SQLite store: schema version, file checks, append-only decisions, queue order, export."""

from __future__ import annotations

import csv
import json
import re
import sqlite3

import pytest

from tests.import_fixtures import new_item, row_counts
from triage_app.domain.decision import Action, current_labels, effective_decisions
from triage_app.io.export import write_decisions
from triage_app.store.errors import StoreError
from triage_app.store.schema import SCHEMA_VERSION
from triage_app.store.store import Store

pytest_plugins = ["tests.import_fixtures"]

TIMESTAMP = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")
EXPORT_FIELDS = {
    "decision_id",
    "item_id",
    "reviewer",
    "action",
    "model_label",
    "model_confidence",
    "human_label",
    "overturned",
    "decided_at",
    "duration_ms",
    "note",
    "retracts",
}


def pending_order(store: Store) -> list[str]:
    """Accept every pending item in queue order and return their ids in that order."""
    order = []
    while (item := store.next_item()) is not None:
        order.append(item.id)
        store.add_decision(item=item, reviewer="alice", action=Action.ACCEPT)
    return order


def test_new_store_sets_schema_version(db_path):
    Store(db_path).close()

    conn = sqlite3.connect(db_path)
    version = conn.execute("PRAGMA user_version").fetchone()[0]
    tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    conn.close()

    assert version == SCHEMA_VERSION
    assert version >= 1
    assert {"items", "suggestions", "decisions", "queue", "taxonomy_versions"} <= tables


def test_reopened_store_keeps_items(db_path, taxonomy):
    with Store(db_path) as store:
        store.add_taxonomy(taxonomy)
        store.add_items([new_item("x1", confidence=0.6)])
    before = row_counts(db_path)

    with Store(db_path) as reopened:
        item = reopened.review_item("x1")

    assert item is not None
    assert row_counts(db_path) == before


def test_newer_store_rejected(db_path):
    newer = SCHEMA_VERSION + 1
    conn = sqlite3.connect(db_path)
    conn.execute(f"PRAGMA user_version = {newer}")
    conn.close()

    with pytest.raises(StoreError) as raised:
        Store(db_path)

    message = str(raised.value)
    assert str(db_path) in message
    assert str(newer) in message
    assert "upgrade" in message
    conn = sqlite3.connect(db_path)
    assert conn.execute("PRAGMA user_version").fetchone()[0] == newer
    conn.close()


def test_non_sqlite_file_rejected(tmp_path):
    path = tmp_path / "notes.db"
    content = "These are my meeting notes, not a database.\n" * 200
    path.write_text(content)

    with pytest.raises(StoreError) as raised:
        Store(path)

    message = str(raised.value)
    assert str(path) in message
    assert "not a triage-app store" in message
    assert path.read_text() == content


def test_other_program_sqlite_file_rejected(tmp_path):
    path = tmp_path / "other.db"
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE items (sku TEXT, quantity INTEGER)")
    conn.commit()
    conn.close()

    with pytest.raises(StoreError) as raised:
        Store(path)

    assert str(path) in str(raised.value)


def test_wal_is_on(db_path):
    with Store(db_path):
        conn = sqlite3.connect(db_path)
        mode = conn.execute("PRAGMA journal_mode").fetchone()[0]
        conn.close()

    assert mode == "wal"


@pytest.mark.parametrize(
    "statement",
    ["UPDATE decisions SET label = 'account'", "DELETE FROM decisions"],
    ids=["update", "delete"],
)
def test_decisions_are_append_only(statement, store):
    store.add_items([new_item("x1", confidence=0.6)])
    store.add_decision(item=store.next_item(), reviewer="alice", action=Action.ACCEPT)

    conn = sqlite3.connect(store.path)
    with pytest.raises(sqlite3.DatabaseError, match="append-only"):
        conn.execute(statement)
    conn.close()

    decisions = list(store.decisions())
    assert len(decisions) == 1
    assert decisions[0].label == "billing"


def test_queue_order_priority_then_confidence(store):
    store.add_items(
        [
            new_item("low-prio-0.40", confidence=0.40),
            new_item("high-prio-0.90", confidence=0.90, priority=1),
            new_item("low-prio-0.60", confidence=0.60),
            new_item("high-prio-0.50", confidence=0.50, priority=1),
            new_item("low-prio-0.35", confidence=0.35),
        ]
    )

    assert pending_order(store) == [
        "high-prio-0.50",
        "high-prio-0.90",
        "low-prio-0.35",
        "low-prio-0.40",
        "low-prio-0.60",
    ]


def test_skip_sends_item_after_unskipped(store):
    store.add_items([new_item(f"x{number}", confidence=0.5 + number / 100) for number in range(4)])
    first = store.next_item()
    store.add_decision(item=first, reviewer="alice", action=Action.SKIP)
    second = store.next_item()
    store.add_decision(item=second, reviewer="alice", action=Action.SKIP)

    order = pending_order(store)

    assert first.id == "x0"
    assert second.id == "x1"
    assert order == ["x2", "x3", "x0", "x1"]


def test_retract_restores_item_to_queue(store):
    store.add_items([new_item("x1", confidence=0.4), new_item("x2", confidence=0.6)])
    decision = store.add_decision(item=store.next_item(), reviewer="alice", action=Action.ACCEPT)
    pending_after_accept = store.queue_counts().pending

    retracted = store.retract_last(reviewer="alice")

    assert retracted.id == decision.id
    assert store.queue_counts().pending == pending_after_accept + 1
    assert store.next_item().id == "x1"


def test_retract_only_own_decisions(store):
    store.add_items([new_item("x1", confidence=0.4)])
    store.add_decision(item=store.next_item(), reviewer="alice", action=Action.ACCEPT)

    assert store.retract_last(reviewer="bob") is None
    assert store.retract_last(reviewer="alice") is not None
    assert store.retract_last(reviewer="alice") is None


def test_retracted_overturn_restores_accept_label(store):
    store.add_items([new_item("x1", confidence=0.6)])
    item = store.next_item()
    accept = store.add_decision(item=item, reviewer="alice", action=Action.ACCEPT)
    overturn = store.add_decision(
        item=store.review_item("x1"), reviewer="alice", action=Action.OVERTURN, label="account"
    )
    labels_before_retract = current_labels(store.decisions())

    store.retract_last(reviewer="alice")
    events = list(store.decisions())

    assert labels_before_retract == {"x1": "account"}
    assert [event.action for event in events] == [Action.ACCEPT, Action.OVERTURN, Action.RETRACT]
    assert events[2].retracts == overturn.id
    assert [event.id for event in effective_decisions(events)] == [accept.id]
    assert current_labels(events) == {"x1": "billing"}
    assert store.queue_counts().pending == 0


def test_overturn_to_unknown_label_raises(store):
    store.add_items([new_item("x1", confidence=0.6)])

    with pytest.raises(StoreError, match="'shipping'"):
        store.add_decision(
            item=store.next_item(), reviewer="alice", action=Action.OVERTURN, label="shipping"
        )

    assert list(store.decisions()) == []


@pytest.fixture
def decided_store(store):
    """A store with an accept, an overturn, a skip, and a retract of the skip."""
    store.add_items(
        [
            new_item("x1", confidence=0.40),
            new_item("x2", confidence=0.55, label="technical"),
            new_item("x3", confidence=0.70),
        ]
    )
    store.add_decision(item=store.next_item(), reviewer="alice", action=Action.ACCEPT, note="ok")
    store.add_decision(
        item=store.next_item(),
        reviewer="alice",
        action=Action.OVERTURN,
        label="account",
        duration_ms=2500,
    )
    store.add_decision(item=store.next_item(), reviewer="alice", action=Action.SKIP)
    store.retract_last(reviewer="alice")
    return store


def test_export_jsonl_fields(decided_store, tmp_path):
    path = tmp_path / "decisions.jsonl"
    events = list(decided_store.decisions())

    written = write_decisions(events, path, format="jsonl")
    records = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]

    assert written == len(events) == len(records) == 4
    for record, event in zip(records, events, strict=True):
        assert set(record) == EXPORT_FIELDS
        assert record["decision_id"] == event.id
        assert record["item_id"] == event.item_id
        assert record["reviewer"] == "alice"
        assert record["action"] == event.action.value
        assert record["model_label"] == event.model_label
        assert record["model_confidence"] == event.model_confidence
        assert record["human_label"] == event.label
        assert record["overturned"] is (event.action is Action.OVERTURN)
        assert TIMESTAMP.match(record["decided_at"]), record["decided_at"]
        assert record["duration_ms"] == event.duration_ms
        assert record["note"] == event.note
        assert record["retracts"] == event.retracts
    assert [record["action"] for record in records] == ["accept", "overturn", "skip", "retract"]
    assert records[1]["human_label"] == "account"
    assert records[1]["duration_ms"] == 2500
    assert records[0]["note"] == "ok"
    assert records[3]["retracts"] == records[2]["decision_id"]


def test_export_csv_fields(decided_store, tmp_path):
    path = tmp_path / "decisions.csv"
    events = list(decided_store.decisions())

    written = write_decisions(events, path, format="csv")
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        header = reader.fieldnames
        rows = list(reader)

    assert written == len(events) == len(rows) == 4
    assert len(header) == len(EXPORT_FIELDS)
    assert set(header) == EXPORT_FIELDS
    for row, event in zip(rows, events, strict=True):
        assert row["decision_id"] == str(event.id)
        assert row["item_id"] == event.item_id
        assert row["action"] == event.action.value
        assert row["model_label"] == event.model_label
        assert float(row["model_confidence"]) == event.model_confidence
        assert row["human_label"] == (event.label or "")
        assert row["overturned"] == ("true" if event.action is Action.OVERTURN else "false")
        assert TIMESTAMP.match(row["decided_at"]), row["decided_at"]
        assert row["duration_ms"] == str(event.duration_ms)
        assert row["retracts"] == ("" if event.retracts is None else str(event.retracts))
    assert [row["overturned"] for row in rows] == ["false", "true", "false", "false"]


def test_export_unknown_format_raises(decided_store, tmp_path):
    path = tmp_path / "decisions.xml"

    with pytest.raises(ValueError, match="'xml'"):
        write_decisions(decided_store.decisions(), path, format="xml")

    assert not path.exists()
