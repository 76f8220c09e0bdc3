"""Schema migrations, applied in order, each in its own transaction.

The schema version lives in `PRAGMA user_version`, which SQLite writes in the same transaction
as the migration, so a store is never left half-migrated.
"""

from __future__ import annotations

import logging
import sqlite3
import uuid
from collections.abc import Callable

logger = logging.getLogger(__name__)

_V1 = """
CREATE TABLE taxonomy_versions (
    version TEXT PRIMARY KEY,
    name TEXT NOT NULL DEFAULT '',
    description TEXT NOT NULL DEFAULT '',
    created_at TEXT NOT NULL
);
CREATE TABLE labels (
    taxonomy_version TEXT NOT NULL REFERENCES taxonomy_versions(version),
    position INTEGER NOT NULL,
    name TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    includes TEXT NOT NULL DEFAULT '[]',
    excludes TEXT NOT NULL DEFAULT '[]',
    examples TEXT NOT NULL DEFAULT '[]',
    PRIMARY KEY (taxonomy_version, name)
);
CREATE TABLE items (
    id TEXT PRIMARY KEY,
    text TEXT NOT NULL,
    priority INTEGER NOT NULL DEFAULT 0,
    meta TEXT NOT NULL DEFAULT '{}',
    imported_at TEXT NOT NULL
);
CREATE TABLE suggestions (
    id INTEGER PRIMARY KEY,
    item_id TEXT NOT NULL REFERENCES items(id),
    model TEXT NOT NULL DEFAULT '',
    method TEXT NOT NULL DEFAULT '',
    label TEXT NOT NULL,
    confidence REAL NOT NULL,
    distribution TEXT NOT NULL,
    rationale TEXT NOT NULL DEFAULT '',
    escalation_reason TEXT NOT NULL DEFAULT '',
    taxonomy_version TEXT NOT NULL REFERENCES taxonomy_versions(version),
    created_at TEXT NOT NULL
);
CREATE INDEX suggestions_item ON suggestions(item_id);
CREATE TABLE decisions (
    id INTEGER PRIMARY KEY,
    item_id TEXT NOT NULL REFERENCES items(id),
    reviewer TEXT NOT NULL,
    action TEXT NOT NULL CHECK (action IN ('accept', 'overturn', 'skip', 'retract')),
    label TEXT,
    suggestion_id INTEGER REFERENCES suggestions(id),
    model_label TEXT,
    model_confidence REAL,
    decided_at TEXT NOT NULL,
    duration_ms INTEGER NOT NULL,
    note TEXT NOT NULL DEFAULT '',
    retracts INTEGER REFERENCES decisions(id)
);
CREATE INDEX decisions_item ON decisions(item_id);
CREATE INDEX decisions_reviewer ON decisions(reviewer, id);
CREATE UNIQUE INDEX decisions_retracted_once ON decisions(retracts) WHERE retracts IS NOT NULL;
CREATE TRIGGER decisions_no_update BEFORE UPDATE ON decisions
BEGIN
    SELECT RAISE(ABORT, 'decisions are append-only: log a retract event instead of an update');
END;
CREATE TRIGGER decisions_no_delete BEFORE DELETE ON decisions
BEGIN
    SELECT RAISE(ABORT, 'decisions are append-only: log a retract event instead of a delete');
END;
-- Derived from items, suggestions and decisions, and rebuilt from them: which items still wait
-- for a decision, in which order.
CREATE TABLE queue (
    item_id TEXT PRIMARY KEY REFERENCES items(id),
    suggestion_id INTEGER NOT NULL REFERENCES suggestions(id),
    pending INTEGER NOT NULL,
    skip_round INTEGER NOT NULL DEFAULT 0,
    priority INTEGER NOT NULL,
    confidence REAL NOT NULL
) WITHOUT ROWID;
CREATE INDEX queue_order ON queue(skip_round, priority DESC, confidence, item_id)
    WHERE pending = 1;
"""


def _migrate_to_1(conn: sqlite3.Connection) -> None:
    for statement in _split_statements(_V1):
        conn.execute(statement)


def _split_statements(script: str) -> list[str]:
    """Split a script into statements, keeping trigger bodies whole."""
    statements: list[str] = []
    buffer = ""
    for line in script.splitlines(keepends=True):
        if line.lstrip().startswith("--"):
            continue
        buffer += line
        if sqlite3.complete_statement(buffer):
            statements.append(buffer.strip())
            buffer = ""
    if buffer.strip():
        statements.append(buffer.strip())
    return statements


_V2 = """
-- Derived from decisions and rebuilt from them when dropped: accept and overturn decisions as
-- numeric columns, one row per block of consecutive decision ids, for fast metrics.
CREATE TABLE facts_cache (
    first_id INTEGER PRIMARY KEY,
    last_id INTEGER NOT NULL,
    names TEXT NOT NULL,
    columns BLOB NOT NULL
);
"""


def _migrate_to_2(conn: sqlite3.Connection) -> None:
    for statement in _split_statements(_V2):
        conn.execute(statement)


_V3 = """
-- Settings shared by every store of one project: its id, this store's id, review overlap.
CREATE TABLE project (key TEXT PRIMARY KEY, value TEXT NOT NULL);
-- A decision merged from another store keeps the id of the store it was first logged in and
-- its id there; NULL means it was logged in this store.
ALTER TABLE decisions ADD COLUMN origin TEXT;
ALTER TABLE decisions ADD COLUMN origin_id INTEGER;
CREATE UNIQUE INDEX decisions_origin ON decisions(origin, origin_id) WHERE origin IS NOT NULL;
-- A lead's final label on an item where reviewers disagreed.
ALTER TABLE decisions ADD COLUMN adjudication INTEGER NOT NULL DEFAULT 0;
CREATE INDEX decisions_item_reviewer ON decisions(item_id, reviewer);
-- How many reviewers must label the item before it leaves the queue.
ALTER TABLE queue ADD COLUMN required INTEGER NOT NULL DEFAULT 1;
-- Whether the item is in this store's part of the work, when reviewers split a project.
ALTER TABLE queue ADD COLUMN in_part INTEGER NOT NULL DEFAULT 1;
"""


def _migrate_to_3(conn: sqlite3.Connection) -> None:
    for statement in _split_statements(_V3):
        conn.execute(statement)
    conn.executemany(
        "INSERT INTO project (key, value) VALUES (?, ?)",
        [("project_id", uuid.uuid4().hex), ("store_id", uuid.uuid4().hex)],
    )


MIGRATIONS: list[Callable[[sqlite3.Connection], None]] = [
    _migrate_to_1,
    _migrate_to_2,
    _migrate_to_3,
]
SCHEMA_VERSION = len(MIGRATIONS)
