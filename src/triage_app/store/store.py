"""The local SQLite store: taxonomies, items, suggestions, decisions and the review queue."""

from __future__ import annotations

import json
import logging
import sqlite3
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import sqlite_utils

from triage_app.domain.clock import utc_now
from triage_app.domain.decision import Action, Decision
from triage_app.domain.item import NewItem, ReviewItem
from triage_app.domain.overlap import Overlap
from triage_app.domain.suggestion import Suggestion
from triage_app.domain.taxonomy import Label, Taxonomy
from triage_app.store.errors import StoreError
from triage_app.store.schema import MIGRATIONS, SCHEMA_VERSION

logger = logging.getLogger(__name__)

_NOT_RETRACTED = "NOT EXISTS (SELECT 1 FROM decisions r WHERE r.retracts = d.id)"
# Whether the reviewer bound as the only parameter has an effective label on queue row q.
_LABELLED_BY = (
    "SELECT 1 FROM decisions d WHERE d.item_id = q.item_id AND d.reviewer = ? "
    f"AND d.action IN ('accept', 'overturn') AND {_NOT_RETRACTED}"
)

_DECISION_COLUMNS = (
    "id, item_id, reviewer, action, label, model_label, model_confidence, decided_at, "
    "duration_ms, note, retracts"
)


@dataclass(frozen=True)
class ImportSummary:
    """Counts of an import's changes: new items, new suggestions for known items, and no-ops."""

    added: int = 0
    resuggested: int = 0
    unchanged: int = 0


@dataclass(frozen=True)
class QueueCounts:
    total: int
    pending: int


class Store:
    """A triage-app store in one SQLite file.

    A connection belongs to the thread that opened it; work on another thread opens its own
    Store on the same path. Every write is committed before the method returns.
    """

    def __init__(self, path: str | Path, *, synchronous: str = "NORMAL") -> None:
        """Open or create the store at `path` and bring its schema up to date.

        `synchronous` is SQLite's durability setting. With WAL, NORMAL survives a killed process
        but may lose the last commits on power loss; FULL survives both at the cost of an fsync
        per decision.
        """
        self.path = Path(path)
        self._taxonomies: dict[str, Taxonomy] = {}

        try:
            conn = sqlite3.connect(self.path, isolation_level=None)
        except sqlite3.OperationalError as error:
            raise StoreError(
                f"cannot open store {self.path}: {error}; check that the folder exists and is "
                "writable"
            ) from error

        self.db = sqlite_utils.Database(conn)
        try:
            self._check_is_store()
            self.db.enable_wal()
            conn.execute(f"PRAGMA synchronous = {synchronous}")
            conn.execute("PRAGMA foreign_keys = ON")
            conn.execute("PRAGMA busy_timeout = 5000")
            self._migrate()
        except BaseException:
            conn.close()
            raise

    @property
    def conn(self) -> sqlite3.Connection:
        return self.db.conn

    def close(self) -> None:
        self.conn.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def _check_is_store(self) -> None:
        """Reject a file that is not SQLite, or another program's SQLite database, untouched."""
        hint = "pass the path of a triage-app store, or a new file name to create one"
        try:
            tables = self.conn.execute("SELECT count(*) FROM sqlite_master").fetchone()[0]
            version = self.conn.execute("PRAGMA user_version").fetchone()[0]
        except sqlite3.DatabaseError as error:
            raise StoreError(f"{self.path} is not a triage-app store ({error}); {hint}") from error

        if version == 0 and tables > 0:
            raise StoreError(
                f"{self.path} is an SQLite database of another program, not a triage-app store; "
                f"{hint}"
            )

    def _migrate(self) -> None:
        version = self.conn.execute("PRAGMA user_version").fetchone()[0]
        if version > SCHEMA_VERSION:
            raise StoreError(
                f"{self.path} uses store schema version {version}, but this triage-app reads "
                f"versions up to {SCHEMA_VERSION}; upgrade triage-app to open it"
            )

        for number in range(version + 1, SCHEMA_VERSION + 1):
            with self.db.atomic():
                MIGRATIONS[number - 1](self.conn)
                self.conn.execute(f"PRAGMA user_version = {number}")
            logger.info(
                "%s store %s at schema version %d",
                "created" if version == 0 else "migrated",
                self.path,
                number,
            )

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """Run the block in one transaction: all of it is committed, or none of it."""
        with self.db.atomic():
            yield

    # Project settings

    def setting(self, key: str, default: str | None = None) -> str | None:
        row = self.conn.execute("SELECT value FROM project WHERE key = ?", (key,)).fetchone()
        return default if row is None else row[0]

    def _set_setting(self, key: str, value: str) -> None:
        self.conn.execute(
            "INSERT INTO project (key, value) VALUES (?, ?) "
            "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            (key, value),
        )

    @property
    def project_id(self) -> str:
        """The project this store belongs to; stores merge only within one project."""
        return self.setting("project_id") or ""

    @property
    def store_id(self) -> str:
        """This store's own id, recorded as the origin of its decisions when merged."""
        return self.setting("store_id") or ""

    def set_project_id(self, project_id: str) -> None:
        """Set the project id, which is allowed only while the store contains no decisions."""
        project_id = project_id.strip()
        if not project_id:
            raise StoreError("project id is empty; give the name shared by the team's stores")
        if project_id == self.project_id:
            return
        if self.conn.execute("SELECT 1 FROM decisions LIMIT 1").fetchone() is not None:
            raise StoreError(
                f"{self.path} already contains decisions of project {self.project_id!r}, so its "
                "project cannot change"
            )
        with self.transaction():
            self._set_setting("project_id", project_id)
            self._apply_overlap()

    @property
    def overlap(self) -> Overlap:
        return Overlap(
            share=float(self.setting("overlap_share", "0") or 0),
            reviewers=int(self.setting("overlap_reviewers", "2") or 2),
            part=int(self.setting("part", "1") or 1),
            parts=int(self.setting("parts", "1") or 1),
        )

    def set_overlap(self, overlap: Overlap) -> None:
        """Set the share of items that `overlap.reviewers` reviewers each label.

        Which items overlap depends only on the project id and the item id, so every store of
        the project picks the same ones without talking to each other.
        """
        overlap.check()
        with self.transaction():
            self._set_setting("overlap_share", repr(overlap.share))
            self._set_setting("overlap_reviewers", str(overlap.reviewers))
            self._set_setting("part", str(overlap.part))
            self._set_setting("parts", str(overlap.parts))
            self._apply_overlap()
        logger.info("overlap of %s set to %s", self.path, overlap)

    def _apply_overlap(self) -> None:
        overlap = self.overlap
        project = self.project_id
        item_ids = [row[0] for row in self.conn.execute("SELECT item_id FROM queue")]
        self.conn.executemany(
            "UPDATE queue SET required = ?, in_part = ? WHERE item_id = ?",
            [
                (overlap.required(project, item_id), overlap.in_part(project, item_id), item_id)
                for item_id in item_ids
            ],
        )
        for item_id in item_ids:
            self._update_queue(item_id)

    # Taxonomies

    def add_taxonomy(self, taxonomy: Taxonomy) -> bool:
        """Store a taxonomy version; return False when the same version is already stored.

        Raises StoreError when the version exists with different labels, because a version
        names one fixed set of definitions.
        """
        existing = self.taxonomy(taxonomy.version)
        if existing is not None:
            if existing.labels != taxonomy.labels:
                raise StoreError(
                    f"taxonomy version {taxonomy.version!r} is already in {self.path} with "
                    "different labels; give the changed taxonomy a new version"
                )
            return False

        with self.transaction():
            self.db["taxonomy_versions"].insert(
                {
                    "version": taxonomy.version,
                    "name": taxonomy.name,
                    "description": taxonomy.description,
                    "created_at": utc_now(),
                }
            )
            self.db["labels"].insert_all(
                {
                    "taxonomy_version": taxonomy.version,
                    "position": position,
                    "name": label.name,
                    "description": label.description,
                    "includes": json.dumps(list(label.includes)),
                    "excludes": json.dumps(list(label.excludes)),
                    "examples": json.dumps(list(label.examples)),
                }
                for position, label in enumerate(taxonomy.labels)
            )
        logger.info("added taxonomy version %s with %d labels", taxonomy.version, len(taxonomy))
        return True

    def taxonomy(self, version: str | None = None) -> Taxonomy | None:
        """Return the taxonomy `version`, or the newest one when version is None."""
        if version is None:
            row = self.conn.execute(
                "SELECT version FROM taxonomy_versions ORDER BY rowid DESC LIMIT 1"
            ).fetchone()
            if row is None:
                return None
            version = row[0]

        cached = self._taxonomies.get(version)
        if cached is not None:
            return cached

        header = self.conn.execute(
            "SELECT name, description FROM taxonomy_versions WHERE version = ?", (version,)
        ).fetchone()
        if header is None:
            return None
        rows = self.conn.execute(
            "SELECT name, description, includes, excludes, examples FROM labels "
            "WHERE taxonomy_version = ? ORDER BY position",
            (version,),
        ).fetchall()
        taxonomy = Taxonomy(
            version=version,
            name=header[0],
            description=header[1],
            labels=tuple(
                Label(
                    name=name,
                    description=description,
                    includes=tuple(json.loads(includes)),
                    excludes=tuple(json.loads(excludes)),
                    examples=tuple(json.loads(examples)),
                )
                for name, description, includes, excludes, examples in rows
            ),
        )
        self._taxonomies[version] = taxonomy
        return taxonomy

    # Items and suggestions

    def add_items(self, items: Iterable[NewItem]) -> ImportSummary:
        """Add items and their suggestions in one transaction.

        An item id already in the store is not added again. Its suggestion is added as a new
        one when it differs from the item's latest, and the queue then shows the new one.
        If any item fails, nothing is written.
        """
        added = resuggested = unchanged = 0
        now = utc_now()
        overlap, project = self.overlap, self.project_id

        with self.transaction():
            for item in items:
                existing = self.conn.execute(
                    "SELECT s.id, s.model, s.method, s.label, s.distribution, s.rationale, "
                    "s.escalation_reason, s.taxonomy_version FROM suggestions s "
                    "WHERE s.item_id = ? ORDER BY s.id DESC LIMIT 1",
                    (item.id,),
                ).fetchone()
                exists = existing is not None or self._item_exists(item.id)

                if exists and existing is not None and _same_suggestion(existing, item.suggestion):
                    unchanged += 1
                    continue

                if not exists:
                    self.conn.execute(
                        "INSERT INTO items (id, text, priority, meta, imported_at) "
                        "VALUES (?, ?, ?, ?, ?)",
                        (item.id, item.text, item.priority, json.dumps(dict(item.meta)), now),
                    )
                suggestion_id = self._insert_suggestion(item.id, item.suggestion, now)
                self._queue_item(item.id, suggestion_id, item.suggestion, exists, overlap, project)
                if exists:
                    resuggested += 1
                else:
                    added += 1

        summary = ImportSummary(added=added, resuggested=resuggested, unchanged=unchanged)
        logger.info("imported items into %s: %s", self.path, summary)
        return summary

    def _item_exists(self, item_id: str) -> bool:
        row = self.conn.execute("SELECT 1 FROM items WHERE id = ?", (item_id,)).fetchone()
        return row is not None

    def _insert_suggestion(self, item_id: str, suggestion: Suggestion, now: str) -> int:
        cursor = self.conn.execute(
            "INSERT INTO suggestions (item_id, model, method, label, confidence, distribution, "
            "rationale, escalation_reason, taxonomy_version, created_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                item_id,
                suggestion.model,
                suggestion.method,
                suggestion.label,
                suggestion.confidence,
                json.dumps(dict(suggestion.distribution)),
                suggestion.rationale,
                suggestion.escalation_reason,
                suggestion.taxonomy_version,
                now,
            ),
        )
        return int(cursor.lastrowid)

    def _queue_item(
        self,
        item_id: str,
        suggestion_id: int,
        suggestion: Suggestion,
        exists: bool,
        overlap: Overlap,
        project: str,
    ) -> None:
        priority = self.conn.execute(
            "SELECT priority FROM items WHERE id = ?", (item_id,)
        ).fetchone()[0]
        if exists:
            # A new suggestion changes what the reviewer is shown, not whether a decision is due.
            self.conn.execute(
                "UPDATE queue SET suggestion_id = ?, confidence = ? WHERE item_id = ?",
                (suggestion_id, suggestion.confidence, item_id),
            )
            return
        self.conn.execute(
            "INSERT INTO queue (item_id, suggestion_id, pending, skip_round, priority, confidence, "
            "required, in_part) VALUES (?, ?, ?, 0, ?, ?, ?, ?)",
            (
                item_id,
                suggestion_id,
                overlap.in_part(project, item_id),
                priority,
                suggestion.confidence,
                overlap.required(project, item_id),
                overlap.in_part(project, item_id),
            ),
        )

    def review_item(self, item_id: str) -> ReviewItem | None:
        """Return the item with its latest suggestion, or None when no such item exists."""
        row = self.conn.execute(
            "SELECT i.id, i.text, i.priority, i.meta, s.id, s.label, s.distribution, "
            "s.rationale, s.model, s.method, s.escalation_reason, s.taxonomy_version "
            "FROM items i JOIN suggestions s ON s.item_id = i.id "
            "WHERE i.id = ? ORDER BY s.id DESC LIMIT 1",
            (item_id,),
        ).fetchone()
        if row is None:
            return None
        return self._review_item_from_row(row)

    def _review_item_from_row(self, row: tuple) -> ReviewItem:
        (item_id, text, priority, meta, suggestion_id, label, distribution, rationale, model,
         method, escalation_reason, taxonomy_version) = row  # fmt: skip
        taxonomy = self.taxonomy(taxonomy_version)
        if taxonomy is None:
            raise StoreError(
                f"item {item_id!r} refers to taxonomy version {taxonomy_version!r}, which is "
                f"missing from {self.path}; re-import that taxonomy"
            )
        return ReviewItem(
            id=item_id,
            text=text,
            priority=priority,
            meta=json.loads(meta),
            suggestion_id=suggestion_id,
            suggestion=Suggestion(
                label=label,
                distribution=json.loads(distribution),
                rationale=rationale,
                model=model,
                method=method,
                escalation_reason=escalation_reason,
                taxonomy_version=taxonomy_version,
            ),
            taxonomy=taxonomy,
        )

    # Queue

    def next_item(self, reviewer: str | None = None) -> ReviewItem | None:
        """Return the first pending item in queue order, or None when the queue is empty.

        Queue order: items never skipped first, then higher priority, then lower model
        confidence. A skip stores its decision id, the largest so far, as the item's skip
        round, so skipped items follow in the order they were skipped. With `reviewer`, items
        that reviewer already labelled are left out: they wait for other reviewers.
        """
        row = self.conn.execute(
            "SELECT item_id FROM queue q INDEXED BY queue_order WHERE pending = 1 "
            f"AND NOT EXISTS ({_LABELLED_BY}) "
            "ORDER BY skip_round, priority DESC, confidence, item_id LIMIT 1",
            (reviewer or "",),
        ).fetchone()
        if row is None:
            return None
        return self.review_item(row[0])

    def queue_counts(self, reviewer: str | None = None) -> QueueCounts:
        """Count the queue's items and those still pending, for `reviewer` if given."""
        # One pass over the table: counting through the partial index looks up every row, and
        # took 1.9 s for a million items where this takes about 60 ms.
        total, pending = self.conn.execute(
            "SELECT count(*), coalesce(sum(pending), 0) FROM queue"
        ).fetchone()
        if reviewer is not None:
            # Pending items the reviewer already labelled wait for others, not for them.
            waiting_for_others = self.conn.execute(
                f"SELECT count(*) FROM queue q WHERE pending = 1 AND EXISTS ({_LABELLED_BY})",
                (reviewer,),
            ).fetchone()[0]
            pending -= waiting_for_others
        return QueueCounts(total=total, pending=pending)

    # Decisions

    def add_decision(
        self,
        *,
        item: ReviewItem,
        reviewer: str,
        action: Action,
        label: str | None = None,
        duration_ms: int = 0,
        note: str = "",
        adjudication: bool = False,
        decided_at: str | None = None,
        origin: tuple[str, int] | None = None,
    ) -> Decision:
        """Log an accept, overturn or skip of `item` and update the queue, in one transaction.

        For accept the label is the suggestion; for overturn `label` is required and must be a
        label of the item's taxonomy other than the suggestion. An adjudication is a lead's
        final label where reviewers disagreed; it ends the item's review. `decided_at` (UTC,
        ISO 8601 with milliseconds) defaults to now; imports of earlier labels give theirs.
        `origin` (source name, id there) names a decision that several stores log alike, such
        as a data set's own label, so merging their bundles keeps it once.
        """
        suggestion = item.suggestion
        if action is Action.ACCEPT:
            label = suggestion.label
        elif action is Action.OVERTURN:
            if label not in item.taxonomy:
                raise StoreError(
                    f"cannot overturn item {item.id!r} to {label!r}: not a label of taxonomy "
                    f"{item.taxonomy.version!r}"
                )
            if label == suggestion.label:
                action = Action.ACCEPT
        elif action is Action.SKIP:
            label = None
        else:
            raise StoreError(f"use retract_last to log a retract, not add_decision({action})")

        decided_at = decided_at or utc_now()
        with self.transaction():
            cursor = self.conn.execute(
                "INSERT INTO decisions (item_id, reviewer, action, label, suggestion_id, "
                "model_label, model_confidence, decided_at, duration_ms, note, adjudication, "
                "origin, origin_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    item.id,
                    reviewer,
                    action.value,
                    label,
                    item.suggestion_id,
                    suggestion.label,
                    suggestion.confidence,
                    decided_at,
                    duration_ms,
                    note,
                    int(adjudication and action is not Action.SKIP),
                    origin[0] if origin else None,
                    origin[1] if origin else None,
                ),
            )
            decision_id = int(cursor.lastrowid)
            self._update_queue(item.id)

        logger.debug("decision %d: %s %s by %s", decision_id, action, item.id, reviewer)
        return Decision(
            id=decision_id,
            item_id=item.id,
            reviewer=reviewer,
            action=action,
            label=label,
            model_label=suggestion.label,
            model_confidence=suggestion.confidence,
            decided_at=decided_at,
            duration_ms=duration_ms,
            note=note,
        )

    def retract_last(self, *, reviewer: str) -> Decision | None:
        """Retract the reviewer's latest decision that is not yet retracted.

        Return the retracted decision, or None when there is nothing left to retract.
        """
        with self.transaction():
            row = self.conn.execute(
                f"SELECT {_DECISION_COLUMNS} FROM decisions d WHERE reviewer = ? "
                "AND action != 'retract' "
                "AND NOT EXISTS (SELECT 1 FROM decisions r WHERE r.retracts = d.id) "
                "ORDER BY id DESC LIMIT 1",
                (reviewer,),
            ).fetchone()
            if row is None:
                return None
            target = _decision_from_row(row)

            self.conn.execute(
                "INSERT INTO decisions (item_id, reviewer, action, label, suggestion_id, "
                "model_label, model_confidence, decided_at, duration_ms, note, retracts) "
                "SELECT item_id, ?, 'retract', NULL, suggestion_id, model_label, "
                "model_confidence, ?, 0, '', id FROM decisions WHERE id = ?",
                (reviewer, utc_now(), target.id),
            )
            self._update_queue(target.item_id)

        logger.info("retracted decision %d on item %s by %s", target.id, target.item_id, reviewer)
        return target

    def _update_queue(self, item_id: str) -> None:
        """Recompute the item's queue row from its decisions that are still in force.

        An item of this store's part stays pending until as many reviewers as it requires have
        labelled it, or a lead adjudicated it. Its skip round is that of its latest decision,
        if a skip.
        """
        reviewers, adjudicated = self.conn.execute(
            "SELECT count(DISTINCT reviewer), coalesce(max(adjudication), 0) FROM decisions d "
            "WHERE item_id = ? AND action IN ('accept', 'overturn') "
            f"AND {_NOT_RETRACTED}",
            (item_id,),
        ).fetchone()
        last = self.conn.execute(
            f"SELECT id, action FROM decisions d WHERE item_id = ? AND action != 'retract' "
            f"AND {_NOT_RETRACTED} ORDER BY id DESC LIMIT 1",
            (item_id,),
        ).fetchone()
        skip_round = last[0] if last is not None and last[1] == Action.SKIP.value else 0
        self.conn.execute(
            "UPDATE queue SET pending = (in_part AND ? < required AND NOT ?), skip_round = ? "
            "WHERE item_id = ?",
            (reviewers, adjudicated, skip_round, item_id),
        )

    def has_label(self, item_id: str, reviewer: str, label: str) -> bool:
        """Return whether the reviewer's accept or overturn to `label` on the item is in force."""
        row = self.conn.execute(
            "SELECT 1 FROM decisions d WHERE item_id = ? AND reviewer = ? AND label = ? "
            f"AND action IN ('accept', 'overturn') AND {_NOT_RETRACTED} LIMIT 1",
            (item_id, reviewer, label),
        ).fetchone()
        return row is not None

    def reviewer_labels(self, item_id: str) -> dict[str, str]:
        """Return each reviewer's label in force on the item, adjudications left out."""
        labels: dict[str, str] = {}
        for reviewer, label in self.conn.execute(
            "SELECT reviewer, label FROM decisions d WHERE item_id = ? AND adjudication = 0 "
            f"AND action IN ('accept', 'overturn') AND {_NOT_RETRACTED} ORDER BY id",
            (item_id,),
        ):
            labels[reviewer] = label
        return labels

    def disagreements(self) -> list[str]:
        """Return the items where reviewers' labels differ and no lead has adjudicated yet.

        Lowest agreement first: the share of reviewers giving the most common label, then more
        reviewers first, then item id.
        """
        rows = self.conn.execute(
            "SELECT item_id, reviewer, label FROM decisions d "
            "WHERE adjudication = 0 AND action IN ('accept', 'overturn') "
            f"AND {_NOT_RETRACTED} "
            "AND item_id IN (SELECT item_id FROM decisions d2 WHERE action IN "
            "('accept', 'overturn') GROUP BY item_id HAVING count(DISTINCT label) > 1) "
            "ORDER BY id"
        ).fetchall()
        latest: dict[str, dict[str, str]] = {}
        for item_id, reviewer, label in rows:
            latest.setdefault(item_id, {})[reviewer] = label

        adjudicated = {
            row[0]
            for row in self.conn.execute(
                "SELECT item_id FROM decisions d WHERE adjudication = 1 "
                f"AND action IN ('accept', 'overturn') AND {_NOT_RETRACTED}"
            )
        }
        ranked = []
        for item_id, labels in latest.items():
            values = list(labels.values())
            if item_id in adjudicated or len(set(values)) < 2:
                continue
            majority = max(values.count(value) for value in set(values)) / len(values)
            ranked.append((majority, -len(values), item_id))
        return [item_id for _, _, item_id in sorted(ranked)]

    def decisions(self) -> Iterator[Decision]:
        """Yield every decision event, oldest first."""
        cursor = self.conn.execute(f"SELECT {_DECISION_COLUMNS} FROM decisions ORDER BY id")
        for row in cursor:
            yield _decision_from_row(row)


def _decision_from_row(row: tuple) -> Decision:
    (decision_id, item_id, reviewer, action, label, model_label, model_confidence, decided_at,
     duration_ms, note, retracts) = row  # fmt: skip
    return Decision(
        id=decision_id,
        item_id=item_id,
        reviewer=reviewer,
        action=Action(action),
        label=label,
        model_label=model_label,
        model_confidence=model_confidence,
        decided_at=decided_at,
        duration_ms=duration_ms,
        note=note,
        retracts=retracts,
    )


def _same_suggestion(row: tuple, suggestion: Suggestion) -> bool:
    _, model, method, label, distribution, rationale, reason, version = row
    return (model, method, label, json.loads(distribution), rationale, reason, version) == (
        suggestion.model,
        suggestion.method,
        suggestion.label,
        dict(suggestion.distribution),
        suggestion.rationale,
        suggestion.escalation_reason,
        suggestion.taxonomy_version,
    )
