"""Read the decision log as `DecisionFacts` columns for the report and the dashboard.

Decisions are append-only, so the columns of decisions already read never change: they are
kept in the derived `facts_cache` table in blocks, and a later read only converts the
decisions logged since. Retractions are not cached; they are applied at every read.
"""

from __future__ import annotations

import io
import json
import logging
import sqlite3
from collections.abc import Callable
from datetime import date

import numpy as np

from triage_app.domain.facts import DecisionFacts, day_number
from triage_app.store.store import Store

logger = logging.getLogger(__name__)

# Fewer new decisions than this are converted at each read instead of cached, so reviewing
# does not fill the cache with tiny blocks.
CACHE_BLOCK_MIN = 20_000

_COLUMNS = (
    "decision_id", "item", "reviewer", "model_label", "human_label", "confidence", "day",
    "duration_ms", "taxonomy_version", "adjudication",
)  # fmt: skip
_NAMED = {"reviewer": "reviewers", "model_label": "labels", "human_label": "labels",
          "taxonomy_version": "versions"}  # fmt: skip

# Every accept and overturn after a given decision id, oldest first, retracted or not. Joining
# items and suggestions here took 6.8 s for a million decisions. Looking up the item's rowid and
# the suggestion's taxonomy version in Python afterwards takes a fraction of that.
_LABELLING_AFTER = """
SELECT d.id, d.item_id, d.reviewer, d.model_label, d.label, d.model_confidence,
       substr(d.decided_at, 1, 10), d.duration_ms, d.suggestion_id, d.adjudication
FROM decisions d
WHERE d.id > ? AND d.action IN ('accept', 'overturn')
ORDER BY d.id
"""


def load_decision_facts(store: Store) -> DecisionFacts:
    """Read every accept and overturn that no retract event takes back, as numeric columns.

    Labels come in the order of the newest taxonomy, then any other label a decision names.
    """
    names: dict[str, dict[str, int]] = {"reviewers": {}, "labels": {}, "versions": {}}
    taxonomy = store.taxonomy()
    if taxonomy is not None:
        for label in taxonomy.names:
            names["labels"].setdefault(label, len(names["labels"]))

    blocks: list[dict[str, np.ndarray]] = []
    last_id = 0
    for _, block_last_id, block_names, data in store.conn.execute(
        "SELECT first_id, last_id, names, columns FROM facts_cache ORDER BY first_id"
    ):
        block = _unpack(data)
        if block is None:
            # Written by a version with other columns: read everything again instead.
            _clear_cache(store)
            blocks, last_id = [], 0
            break
        blocks.append(_recode(block, json.loads(block_names), names))
        last_id = block_last_id

    fresh, fresh_names, fresh_last_id = _read_after(store, last_id)
    if len(fresh["decision_id"]):
        if len(fresh["decision_id"]) >= CACHE_BLOCK_MIN:
            _cache_block(store, fresh, fresh_names, last_id + 1, fresh_last_id)
        blocks.append(_recode(fresh, fresh_names, names))

    columns = {
        name: np.concatenate([block[name] for block in blocks]) if blocks else _empty(name)
        for name in _COLUMNS
    }
    retracted = np.fromiter(
        (row[0] for row in store.conn.execute(
            "SELECT retracts FROM decisions WHERE retracts IS NOT NULL"
        )),
        dtype=np.int64,
    )  # fmt: skip
    keep = ~np.isin(columns["decision_id"], retracted)

    return DecisionFacts(
        **{name: values[keep] for name, values in columns.items()},
        reviewers=tuple(names["reviewers"]),
        labels=tuple(names["labels"]),
        versions=tuple(names["versions"]),
    )


def _empty(name: str) -> np.ndarray:
    return np.zeros(0, dtype=float if name == "confidence" else np.int64)


def _read_after(
    store: Store, last_id: int
) -> tuple[dict[str, np.ndarray], dict[str, list[str]], int]:
    """Convert the labelling decisions after `last_id`, with block-local name codes."""
    codes: dict[str, dict[str, int]] = {"reviewers": {}, "labels": {}, "versions": {}}
    days: dict[str, int] = {}
    values: dict[str, list] = {name: [] for name in _COLUMNS}
    reviewers, labels, versions = codes["reviewers"], codes["labels"], codes["versions"]
    newest = last_id
    rowids = _item_rowids(store)
    version_of = _suggestion_versions(store)

    for row in store.conn.execute(_LABELLING_AFTER, (last_id,)):
        (decision_id, item_id, reviewer, model, human, confidence, day, duration, suggestion_id,
         adjudication) = row  # fmt: skip
        version = version_of(suggestion_id)
        values["decision_id"].append(decision_id)
        values["item"].append(rowids(item_id))
        values["reviewer"].append(reviewers.setdefault(reviewer, len(reviewers)))
        values["model_label"].append(labels.setdefault(model, len(labels)))
        values["human_label"].append(labels.setdefault(human, len(labels)))
        values["confidence"].append(confidence)
        number = days.get(day)
        if number is None:
            number = days[day] = day_number(date.fromisoformat(day))
        values["day"].append(number)
        values["duration_ms"].append(duration)
        values["taxonomy_version"].append(versions.setdefault(version, len(versions)))
        values["adjudication"].append(adjudication)
        newest = decision_id

    arrays = {
        name: np.asarray(column, dtype=float if name == "confidence" else np.int64)
        for name, column in values.items()
    }
    return arrays, {kind: list(table) for kind, table in codes.items()}, newest


class _Lookup:
    """Look values up by key: one query each for a short read, one query for all once a read
    is long enough that reading every row is cheaper."""

    # Reading a million rows at once costs about as much as this many single lookups.
    ALL_AT_ONCE = 50_000

    def __init__(self, conn: sqlite3.Connection, one_sql: str, all_sql: str) -> None:
        self._conn = conn
        self._one_sql = one_sql
        self._all_sql = all_sql
        self._values: dict = {}
        self._lookups = 0
        self._complete = False

    def __call__(self, key: object) -> object:
        value = self._values.get(key)
        if value is not None:
            return value
        if not self._complete and self._lookups >= self.ALL_AT_ONCE:
            self._values = dict(self._conn.execute(self._all_sql))
            self._complete = True
            return self._values[key]

        self._lookups += 1
        value = self._conn.execute(self._one_sql, (key,)).fetchone()[0]
        self._values[key] = value
        return value


def _item_rowids(store: Store) -> _Lookup:
    return _Lookup(
        store.conn, "SELECT rowid FROM items WHERE id = ?", "SELECT id, rowid FROM items"
    )


def _suggestion_versions(store: Store) -> Callable[[int], object]:
    """Return a lookup of suggestions' taxonomy versions, with no query when all share one."""
    # Every suggestion names a stored taxonomy version, so one stored version is theirs.
    versions = store.conn.execute("SELECT version FROM taxonomy_versions LIMIT 2").fetchall()
    if len(versions) == 1:
        only = versions[0][0]
        return lambda _suggestion_id: only
    return _Lookup(
        store.conn,
        "SELECT taxonomy_version FROM suggestions WHERE id = ?",
        "SELECT id, taxonomy_version FROM suggestions",
    )


def _recode(
    block: dict[str, np.ndarray],
    block_names: dict[str, list[str]],
    names: dict[str, dict[str, int]],
) -> dict[str, np.ndarray]:
    """Translate a block's name codes into the codes of the combined name tables."""
    mapping = {}
    for kind, local in block_names.items():
        table = names[kind]
        mapping[kind] = np.array(
            [table.setdefault(name, len(table)) for name in local] or [0], dtype=np.int64
        )
    recoded = dict(block)
    for column, kind in _NAMED.items():
        recoded[column] = mapping[kind][block[column]] if len(block[column]) else block[column]
    return recoded


def _cache_block(
    store: Store,
    block: dict[str, np.ndarray],
    block_names: dict[str, list[str]],
    first_id: int,
    last_id: int,
) -> None:
    """Store a block of converted decisions; a store that cannot be written is only slower."""
    buffer = io.BytesIO()
    np.savez(buffer, **block)
    try:
        with store.transaction():
            store.conn.execute(
                "INSERT INTO facts_cache (first_id, last_id, names, columns) VALUES (?, ?, ?, ?)",
                (first_id, last_id, json.dumps(block_names), buffer.getvalue()),
            )
    except sqlite3.Error as error:
        logger.warning("could not cache decisions %d-%d in %s: %s", first_id, last_id,
                       store.path, error)  # fmt: skip
        return
    logger.info("cached decisions %d-%d of %s for metrics", first_id, last_id, store.path)


def _unpack(data: bytes) -> dict[str, np.ndarray] | None:
    with np.load(io.BytesIO(data)) as archive:
        if any(name not in archive.files for name in _COLUMNS):
            return None
        return {name: archive[name] for name in _COLUMNS}


def _clear_cache(store: Store) -> None:
    try:
        with store.transaction():
            store.conn.execute("DELETE FROM facts_cache")
    except sqlite3.Error as error:
        logger.warning("could not clear the decision cache of %s: %s", store.path, error)
