"""A synthetic decision log for the report benchmark: one decision per item, some retracted.

The items come from synthetic_store.generate_items through Store.add_items. The decisions are
written with one executemany INSERT in a single transaction, because Store.add_decision takes
one transaction per decision and would need hours for a million. Each row has exactly the
columns that Store.add_decision writes, and each retract row the columns that
Store.retract_last writes. The same size always gives the same log.
"""

from __future__ import annotations

import json
import random
import sqlite3
import time
from collections.abc import Callable, Iterator
from contextlib import closing
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
from synthetic_store import generate_items, taxonomy

from triage_app.store.store import Store

SEED = 20261205
# Part of the file name: change it whenever the generated log changes, so that an old store
# is not reused as if it held the new one.
FORMAT_VERSION = 1
# (name, share of the decisions, median seconds per decision)
REVIEWERS = (
    ("reviewer-01", 0.20, 5.5), ("reviewer-02", 0.17, 7.0), ("reviewer-03", 0.15, 8.0),
    ("reviewer-04", 0.12, 9.0), ("reviewer-05", 0.11, 10.0), ("reviewer-06", 0.10, 12.0),
    ("reviewer-07", 0.09, 14.0), ("reviewer-08", 0.06, 18.0),
)  # fmt: skip
FIRST_DAY = np.datetime64("2026-10-05")
DAYS = 60
# Decisions fall between 07:00 and 19:00 UTC on every day of the period.
WORKDAY_START_S = 7 * 3600
WORKDAY_LENGTH_S = 12 * 3600
# The chance that a reviewer overturns a suggestion of confidence c is this times (1 - c):
# 0.62 at the lowest confidence of the synthetic items (0.12), under 0.01 at 0.99.
OVERTURN_SCALE = 0.7
# An overturn takes longer than an accept: the reviewer reads the alternatives.
OVERTURN_DURATION_FACTOR = 1.6
DURATION_SIGMA = 0.55
DURATION_MIN_MS = 800
DURATION_MAX_MS = 600_000
# Share of decisions that their reviewer retracts (Undo) right after making them.
RETRACT_RATE = 0.01
NOTE_RATE = 0.01
NOTE = "Two topics in one message; labelled the one the customer asks about."

_INSERT = (
    "INSERT INTO decisions (item_id, reviewer, action, label, suggestion_id, model_label, "
    "model_confidence, decided_at, duration_ms, note, retracts) "
    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
)
_PROGRESS_EVERY = 100_000


@dataclass(frozen=True)
class LogRecord:
    """Counts of a build, to check a reused store against, and the build times.

    `last_decision_id` is the id of the last synthetic decision event. Events after it were
    added later, by the dashboard measurement.
    """

    items: int
    labelling_decisions: int
    retracts: int
    overturns: int
    last_decision_id: int
    items_seconds: float
    decisions_seconds: float
    built_at: str

    @property
    def effective_decisions(self) -> int:
        return self.labelling_decisions - self.retracts


@dataclass(frozen=True)
class LogStore:
    """A store ready for measuring. `built` is False when an earlier run built it."""

    path: Path
    record: LogRecord
    built: bool


def store_path(out_dir: Path, decisions: int) -> Path:
    return out_dir / f"report-speed-{decisions}-decisions.db"


def ensure_log_store(
    out_dir: Path, decisions: int, *, min_pending: int = 0, log: Callable[[str], None] = print
) -> LogStore:
    """Reuse the store of `decisions` items and decisions in `out_dir`, or build it.

    A store is reused when its build record matches its items and synthetic decision events
    and at least `min_pending` items still wait for a decision (the retracted ones). Anything
    else at that path is deleted and built again.
    """
    path = store_path(out_dir, decisions)
    record = _read_record(path)
    problem = _reuse_problem(path, record, decisions, min_pending)
    if problem is None:
        return LogStore(path, record, built=False)

    if path.exists():
        log(f"  {path.name}: {problem}. Rebuilding it.")
    for stale in (path, Path(f"{path}-wal"), Path(f"{path}-shm"), _record_path(path)):
        stale.unlink(missing_ok=True)
    out_dir.mkdir(parents=True, exist_ok=True)

    started = time.perf_counter()
    labels = taxonomy()
    with Store(path) as store:
        store.add_taxonomy(labels)
        store.add_items(generate_items(decisions, labels, log=log))
        items_seconds = time.perf_counter() - started
        log(f"  {decisions:,} items written in {items_seconds:.0f} s; now the decisions")

        started = time.perf_counter()
        counts = _write_decisions(store, log)
        store.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        decisions_seconds = time.perf_counter() - started

    record = LogRecord(
        items=decisions,
        items_seconds=items_seconds,
        decisions_seconds=decisions_seconds,
        built_at=datetime.now(UTC).isoformat(timespec="seconds"),
        **counts,
    )
    _record_path(path).write_text(json.dumps(record.__dict__) + "\n", encoding="utf-8")
    return LogStore(path, record, built=True)


def _write_decisions(store: Store, log: Callable[[str], None]) -> dict[str, int]:
    """Decide every item once, retract some, and mark the queue as Store would."""
    conn = store.conn
    if conn.execute("SELECT count(*) FROM decisions").fetchone()[0]:
        raise RuntimeError(f"{store.path} already contains decisions; delete it and run again")

    with store.transaction():
        conn.executemany(_INSERT, _decision_rows(conn, log))

        # Store.add_decision sets pending = 0 for the decided item, and Store.retract_last
        # puts an item back in the queue when no decision is left in force on it.
        conn.execute("UPDATE queue SET pending = 0")
        conn.execute(
            "UPDATE queue SET pending = 1, skip_round = 0 "
            "WHERE item_id IN (SELECT item_id FROM decisions WHERE action = 'retract')"
        )

    labelling, overturns, retracts, last_id = conn.execute(
        "SELECT sum(action IN ('accept', 'overturn')), sum(action = 'overturn'), "
        "sum(action = 'retract'), max(id) FROM decisions"
    ).fetchone()
    # The retracts name their targets by the ids that the rows were predicted to get, so
    # check that each one points at a decision on its own item.
    matched = conn.execute(
        "SELECT count(*) FROM decisions r JOIN decisions d ON d.id = r.retracts "
        "WHERE r.action = 'retract' AND d.item_id = r.item_id AND d.reviewer = r.reviewer "
        "AND d.action IN ('accept', 'overturn')"
    ).fetchone()[0]
    if matched != retracts:
        raise RuntimeError(f"only {matched} of {retracts} retracts point at their decision")
    return {
        "labelling_decisions": labelling,
        "overturns": overturns,
        "retracts": retracts,
        "last_decision_id": last_id,
    }


def _decision_rows(conn: sqlite3.Connection, log: Callable[[str], None]) -> Iterator[tuple]:
    """Yield decision rows in id order: items in random order, each retract after its target.

    The decisions table must be empty, so that the rows get ids 1, 2, 3, ... in order.
    """
    suggestions = conn.execute(
        "SELECT q.item_id, s.id, s.label, s.confidence, s.distribution "
        "FROM queue q JOIN suggestions s ON s.id = q.suggestion_id ORDER BY q.item_id"
    ).fetchall()
    count = len(suggestions)
    rng = np.random.default_rng(SEED)
    choices = random.Random(SEED)

    order = rng.permutation(count)
    confidence = np.array([row[3] for row in suggestions])[order]
    overturned = rng.random(count) < OVERTURN_SCALE * (1.0 - confidence)
    retracted = rng.random(count) < RETRACT_RATE
    noted = rng.random(count) < NOTE_RATE

    shares = np.array([share for _, share, _ in REVIEWERS])
    reviewer = rng.choice(len(REVIEWERS), size=count, p=shares / shares.sum())
    median_s = np.array([seconds for _, _, seconds in REVIEWERS])[reviewer]
    duration_ms = median_s * 1000 * rng.lognormal(0.0, DURATION_SIGMA, size=count)
    duration_ms = np.where(overturned, duration_ms * OVERTURN_DURATION_FACTOR, duration_ms)
    duration_ms = np.clip(duration_ms, DURATION_MIN_MS, DURATION_MAX_MS).astype(np.int64)

    decided_at = _timestamps(rng, count + int(retracted.sum()))
    event = 0
    decision_id = 0
    started = time.perf_counter()

    for number, index in enumerate(order):
        item_id, suggestion_id, model_label, model_confidence, distribution = suggestions[index]
        name = REVIEWERS[reviewer[number]][0]
        if overturned[number]:
            label = _overturn_label(choices, model_label, json.loads(distribution))
            action = "overturn"
        else:
            label, action = model_label, "accept"
        note = NOTE if noted[number] and action == "overturn" else ""

        yield (item_id, name, action, label, suggestion_id, model_label, model_confidence,
               decided_at[event], int(duration_ms[number]), note, None)  # fmt: skip
        event += 1
        decision_id = event
        if retracted[number]:
            # As Store.retract_last writes it: the target's item, suggestion and model
            # columns, no label, duration 0 and the target's id.
            yield (item_id, name, "retract", None, suggestion_id, model_label,
                   model_confidence, decided_at[event], 0, "", decision_id)  # fmt: skip
            event += 1

        if (number + 1) % _PROGRESS_EVERY == 0:
            elapsed = time.perf_counter() - started
            log(f"  {number + 1:,} of {count:,} decisions written ({elapsed:.0f} s)")


def _overturn_label(choices: random.Random, model_label: str, distribution: dict) -> str:
    """Pick the reviewer's label among the model's other labels, weighted by probability."""
    others = [(label, p) for label, p in distribution.items() if label != model_label]
    labels = [label for label, _ in others]
    weights = [p for _, p in others]
    return choices.choices(labels, weights)[0]


def _timestamps(rng: np.random.Generator, count: int) -> list[str]:
    """Return `count` increasing UTC times in the store's format, within working hours."""
    position = np.sort(rng.random(count)) * DAYS
    day = np.floor(position)
    offset_ms = (WORKDAY_START_S + (position - day) * WORKDAY_LENGTH_S) * 1000
    moments = (
        FIRST_DAY.astype("datetime64[ms]")
        + (day * 86_400_000).astype("timedelta64[ms]")
        + offset_ms.astype("timedelta64[ms]")
    )
    return [text + "Z" for text in np.datetime_as_string(moments, unit="ms")]


def effective_decision_count(path: Path) -> int:
    """Count the accepts and overturns that no retract takes back, with SQL only."""
    with closing(sqlite3.connect(path)) as conn:
        return conn.execute(
            "SELECT count(*) FROM decisions WHERE action IN ('accept', 'overturn') "
            "AND id NOT IN (SELECT retracts FROM decisions WHERE retracts IS NOT NULL)"
        ).fetchone()[0]


def clear_facts_cache(path: Path) -> None:
    """Delete the derived facts_cache rows, so the next read converts every decision."""
    with closing(sqlite3.connect(path, isolation_level=None)) as conn:
        conn.execute("DELETE FROM facts_cache")
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")


def cached_decision_blocks(path: Path) -> int:
    with closing(sqlite3.connect(path)) as conn:
        return conn.execute("SELECT count(*) FROM facts_cache").fetchone()[0]


def _reuse_problem(
    path: Path, record: LogRecord | None, decisions: int, min_pending: int
) -> str | None:
    """Return why the store at `path` cannot be reused, or None when it can."""
    if not path.exists():
        return "no store"
    if record is None:
        return "no build record"
    try:
        with closing(sqlite3.connect(path)) as conn:
            items = conn.execute("SELECT count(*) FROM items").fetchone()[0]
            synthetic_events = conn.execute(
                "SELECT count(*) FROM decisions WHERE id <= ?", (record.last_decision_id,)
            ).fetchone()[0]
            pending = conn.execute("SELECT coalesce(sum(pending), 0) FROM queue").fetchone()[0]
    except sqlite3.DatabaseError as error:
        return f"not readable ({error})"
    if items != decisions or record.items != decisions:
        return f"contains {items} items, not {decisions}"
    if synthetic_events != record.labelling_decisions + record.retracts:
        return f"contains {synthetic_events} synthetic decision events, not as recorded"
    if pending < min_pending:
        return f"has {pending} pending items, fewer than {min_pending}"
    return None


def _record_path(path: Path) -> Path:
    return path.with_suffix(".build.json")


def _read_record(path: Path) -> LogRecord | None:
    try:
        return LogRecord(**json.loads(_record_path(path).read_text(encoding="utf-8")))
    except (OSError, ValueError, TypeError):
        return None
