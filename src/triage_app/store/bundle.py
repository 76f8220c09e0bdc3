"""Bundles: a store's decisions in one file, for a team lead to merge into a team store.

A bundle is an SQLite file with a schema of its own (`_SCHEMA`). Each decision in it carries
its global identity (origin, origin_id): the id of the store where it was first logged and its
id there. A retract names the decision it takes back by that identity too. A merge inserts only
the decisions whose identity the team store lacks, so merging a bundle twice, or merging
bundles whose decisions overlap, never doubles a decision.

The merge works set-based: the bundle file is attached to the team store's connection, and
each step is one INSERT ... SELECT or UPDATE ... FROM over temporary tables.
"""

from __future__ import annotations

import json
import logging
import sqlite3
from collections.abc import Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass
from pathlib import Path

from triage_app.domain.clock import utc_now
from triage_app.domain.taxonomy import Label, Taxonomy
from triage_app.store.errors import StoreError
from triage_app.store.store import Store

logger = logging.getLogger(__name__)

BUNDLE_FORMAT_VERSION = 1

# Attached under this schema name while a bundle is written or merged.
_ATTACHED = "bundle"

_SCHEMA = """
-- format_version, project_id, store_id (the store the bundle was written from), created_at,
-- reviewer ('' when the bundle holds every reviewer's decisions) and decisions (their count).
CREATE TABLE header (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE taxonomy_versions (
    version TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    description TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE TABLE labels (
    taxonomy_version TEXT NOT NULL,
    position INTEGER NOT NULL,
    name TEXT NOT NULL,
    description TEXT NOT NULL,
    includes TEXT NOT NULL,
    excludes TEXT NOT NULL,
    examples TEXT NOT NULL,
    PRIMARY KEY (taxonomy_version, name)
);
CREATE TABLE items (
    id TEXT PRIMARY KEY,
    text TEXT NOT NULL,
    priority INTEGER NOT NULL,
    meta TEXT NOT NULL,
    imported_at TEXT NOT NULL
);
-- id is the suggestion's id in the source store; it only links decisions to suggestions.
CREATE TABLE suggestions (
    id INTEGER PRIMARY KEY,
    item_id TEXT NOT NULL,
    model TEXT NOT NULL,
    method TEXT NOT NULL,
    label TEXT NOT NULL,
    confidence REAL NOT NULL,
    distribution TEXT NOT NULL,
    rationale TEXT NOT NULL,
    escalation_reason TEXT NOT NULL,
    taxonomy_version TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX suggestions_item ON suggestions(item_id);
-- A retract names its target by the target's (origin, origin_id).
CREATE TABLE decisions (
    origin TEXT NOT NULL,
    origin_id INTEGER NOT NULL,
    item_id TEXT NOT NULL,
    reviewer TEXT NOT NULL,
    action TEXT NOT NULL,
    label TEXT,
    suggestion_id INTEGER,
    model_label TEXT,
    model_confidence REAL,
    decided_at TEXT NOT NULL,
    duration_ms INTEGER NOT NULL,
    note TEXT NOT NULL,
    adjudication INTEGER NOT NULL,
    retracts_origin TEXT,
    retracts_origin_id INTEGER,
    PRIMARY KEY (origin, origin_id)
);
"""

_HEADER_KEYS = ("format_version", "project_id", "store_id", "created_at", "reviewer", "decisions")

# The columns that make two suggestions of one item the same suggestion. `confidence` follows
# from `label` and `distribution`, and `created_at` only records when a store received it.
_SAME_SUGGESTION = (
    "{a}.item_id = {b}.item_id AND {a}.model = {b}.model AND {a}.method = {b}.method "
    "AND {a}.label = {b}.label AND {a}.distribution = {b}.distribution "
    "AND {a}.rationale = {b}.rationale AND {a}.escalation_reason = {b}.escalation_reason "
    "AND {a}.taxonomy_version = {b}.taxonomy_version"
)

# Upper bounds of SQLite's page caches while merging, in KiB. SQLite allocates pages only as it
# reads them. Inserting 100,000 decisions touches most leaf pages of the decisions indexes,
# which SQLite's default cache of about 2 MB cannot keep, and a small temporary cache makes the
# merge's temporary tables spill to a file. With the defaults, the merge that
# benchmarks/merge_speed.py times took 33 s instead of 25 s on a 2-core machine.
_MERGE_CACHE_KIB = 256 * 1024
_MERGE_TEMP_CACHE_KIB = 64 * 1024

_LABELLING = "d.action IN ('accept', 'overturn')"
# Whether no retract takes back decision d.
_IN_FORCE = "NOT EXISTS (SELECT 1 FROM main.decisions r WHERE r.retracts = d.id)"

_TEMP_TABLES = (
    "merge_decisions",
    "merge_new_decisions",
    "merge_suggestions",
    "merge_new_items",
    "merge_touched",
    "merge_queue_state",
)


@dataclass(frozen=True)
class BundleHeader:
    """The header of a bundle file; `reviewer` is None when it has every reviewer's decisions."""

    format_version: int
    project_id: str
    store_id: str
    created_at: str
    reviewer: str | None
    decisions: int


@dataclass(frozen=True)
class BundleSummary:
    """The path and row counts of a bundle that `write_bundle` wrote."""

    path: Path
    project_id: str
    store_id: str
    decisions: int
    reviewers: int
    items: int
    suggestions: int
    taxonomy_versions: int


@dataclass(frozen=True)
class MergeSummary:
    """The counts of rows that `merge_bundle` added to the team store.

    `project_adopted` is True when the team store took the bundle's project id, which happens
    only while the team store contains no decisions.
    """

    path: Path
    source_store_id: str
    project_id: str
    project_adopted: bool
    decisions_added: int
    decisions_present: int
    items_added: int
    suggestions_added: int
    taxonomy_versions_added: int


# Writing a bundle


def write_bundle(store: Store, path: str | Path, *, reviewer: str | None = None) -> BundleSummary:
    """Write the store's decisions with their items, suggestions and taxonomies to `path`.

    `reviewer` limits the bundle to that reviewer's decisions; None bundles every decision.
    The file is written as `path` + `.partial` and renamed when complete, so `path` is never
    left half-written. An existing file at `path` is replaced.
    """
    path = Path(path)
    conn = store.conn
    if reviewer is not None:
        _check_reviewer_exists(store, reviewer)

    partial = path.with_name(path.name + ".partial")
    partial.unlink(missing_ok=True)
    with closing(sqlite3.connect(partial)) as bundle_conn:
        bundle_conn.executescript(_SCHEMA)

    try:
        conn.execute(f"ATTACH DATABASE ? AS {_ATTACHED}", (str(partial),))
        try:
            # One read transaction on the store, so every table is copied from one snapshot.
            with store.transaction():
                summary = _copy_into_bundle(store, path, reviewer)
        finally:
            conn.execute(f"DETACH DATABASE {_ATTACHED}")
        partial.replace(path)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise

    logger.info(
        "wrote bundle %s from store %s (store id %s): %d decisions",
        path,
        store.path,
        summary.store_id,
        summary.decisions,
    )
    return summary


def _check_reviewer_exists(store: Store, reviewer: str) -> None:
    found = store.conn.execute(
        "SELECT 1 FROM decisions WHERE reviewer = ? LIMIT 1", (reviewer,)
    ).fetchone()
    if found is not None:
        return
    names = [row[0] for row in store.conn.execute("SELECT DISTINCT reviewer FROM decisions")]
    known = ", ".join(repr(name) for name in sorted(names)) or "none"
    raise StoreError(
        f"{store.path} contains no decisions by reviewer {reviewer!r} (reviewers: {known}); "
        "check the name given with --reviewer"
    )


def _copy_into_bundle(store: Store, path: Path, reviewer: str | None) -> BundleSummary:
    conn = store.conn
    store_id = store.store_id

    # A decision logged here gets this store's id as origin and its own id as origin_id; a
    # merged one keeps the identity it arrived with. The same goes for a retract's target.
    conn.execute(
        f"INSERT INTO {_ATTACHED}.decisions (origin, origin_id, item_id, reviewer, action, "
        "label, suggestion_id, model_label, model_confidence, decided_at, duration_ms, note, "
        "adjudication, retracts_origin, retracts_origin_id) "
        "SELECT coalesce(d.origin, :store), CASE WHEN d.origin IS NULL THEN d.id "
        "ELSE d.origin_id END, d.item_id, d.reviewer, d.action, d.label, d.suggestion_id, "
        "d.model_label, d.model_confidence, d.decided_at, d.duration_ms, d.note, "
        "d.adjudication, "
        "CASE WHEN t.id IS NULL THEN NULL ELSE coalesce(t.origin, :store) END, "
        "CASE WHEN t.id IS NULL THEN NULL WHEN t.origin IS NULL THEN t.id "
        "ELSE t.origin_id END "
        "FROM main.decisions d LEFT JOIN main.decisions t ON t.id = d.retracts "
        "WHERE :reviewer IS NULL OR d.reviewer = :reviewer "
        "ORDER BY d.id",
        {"store": store_id, "reviewer": reviewer},
    )
    conn.execute(
        f"INSERT INTO {_ATTACHED}.items (id, text, priority, meta, imported_at) "
        "SELECT id, text, priority, meta, imported_at FROM main.items "
        f"WHERE id IN (SELECT item_id FROM {_ATTACHED}.decisions)"
    )
    conn.execute(
        f"INSERT INTO {_ATTACHED}.suggestions (id, item_id, model, method, label, confidence, "
        "distribution, rationale, escalation_reason, taxonomy_version, created_at) "
        "SELECT id, item_id, model, method, label, confidence, distribution, rationale, "
        "escalation_reason, taxonomy_version, created_at FROM main.suggestions "
        f"WHERE id IN (SELECT suggestion_id FROM {_ATTACHED}.decisions)"
    )
    conn.execute(
        f"INSERT INTO {_ATTACHED}.taxonomy_versions (version, name, description, created_at) "
        "SELECT version, name, description, created_at FROM main.taxonomy_versions "
        f"WHERE version IN (SELECT taxonomy_version FROM {_ATTACHED}.suggestions)"
    )
    conn.execute(
        f"INSERT INTO {_ATTACHED}.labels (taxonomy_version, position, name, description, "
        "includes, excludes, examples) "
        "SELECT taxonomy_version, position, name, description, includes, excludes, examples "
        f"FROM main.labels WHERE taxonomy_version IN "
        f"(SELECT version FROM {_ATTACHED}.taxonomy_versions)"
    )

    def count(sql: str) -> int:
        return int(conn.execute(sql).fetchone()[0])

    decisions = count(f"SELECT count(*) FROM {_ATTACHED}.decisions")
    header = {
        "format_version": str(BUNDLE_FORMAT_VERSION),
        "project_id": store.project_id,
        "store_id": store_id,
        "created_at": utc_now(),
        "reviewer": reviewer or "",
        "decisions": str(decisions),
    }
    conn.executemany(
        f"INSERT INTO {_ATTACHED}.header (key, value) VALUES (?, ?)", list(header.items())
    )
    return BundleSummary(
        path=path,
        project_id=header["project_id"],
        store_id=store_id,
        decisions=decisions,
        reviewers=count(f"SELECT count(DISTINCT reviewer) FROM {_ATTACHED}.decisions"),
        items=count(f"SELECT count(*) FROM {_ATTACHED}.items"),
        suggestions=count(f"SELECT count(*) FROM {_ATTACHED}.suggestions"),
        taxonomy_versions=count(f"SELECT count(*) FROM {_ATTACHED}.taxonomy_versions"),
    )


# Reading a bundle's header


def read_bundle_header(path: str | Path) -> BundleHeader:
    """Read and check the header of the bundle at `path`, opened read-only.

    Raises StoreError when the file is missing, is not a bundle, or has a format version this
    program does not read.
    """
    path = Path(path)
    if not path.is_file():
        raise StoreError(f"bundle {path} not found; check the file name")
    uri = path.resolve().as_uri() + "?mode=ro"
    try:
        with closing(sqlite3.connect(uri, uri=True)) as conn:
            return _read_header(conn, "main", path)
    except sqlite3.DatabaseError as error:
        raise _not_a_bundle(path, str(error)) from error


def _read_header(conn: sqlite3.Connection, schema: str, path: Path) -> BundleHeader:
    try:
        rows = dict(conn.execute(f"SELECT key, value FROM {schema}.header").fetchall())
    except sqlite3.DatabaseError as error:
        raise _not_a_bundle(path, str(error)) from error
    missing = [key for key in _HEADER_KEYS if key not in rows]
    if missing:
        raise _not_a_bundle(path, f"its header lacks {', '.join(missing)}")

    version = rows["format_version"]
    if not version.isdigit() or int(version) != BUNDLE_FORMAT_VERSION:
        raise StoreError(
            f"{path} is a bundle of format version {version!r}, but this triage-app reads "
            f"version {BUNDLE_FORMAT_VERSION}; merge it with the triage-app version that wrote "
            "it, or upgrade triage-app"
        )
    return BundleHeader(
        format_version=int(version),
        project_id=rows["project_id"],
        store_id=rows["store_id"],
        created_at=rows["created_at"],
        reviewer=rows["reviewer"] or None,
        decisions=int(rows["decisions"]),
    )


def _not_a_bundle(path: Path, reason: str) -> StoreError:
    return StoreError(
        f"{path} is not a triage-app bundle ({reason}); pass a file written by `triage-app bundle`"
    )


# Merging a bundle


def merge_bundle(store: Store, path: str | Path) -> MergeSummary:
    """Merge the bundle at `path` into `store` in one transaction: all of it, or nothing.

    The store's connection must not be in a transaction. Raises StoreError and leaves the store
    unchanged when the bundle cannot be merged, with a message that names the reason. Reasons
    include another project, an unknown format version, a taxonomy version that the store has
    with different labels, and an item id that the store has with a different text.
    """
    path = Path(path)
    read_bundle_header(path)
    conn = store.conn
    conn.execute(f"ATTACH DATABASE ? AS {_ATTACHED}", (str(path),))
    try:
        with _larger_caches(conn), _foreign_keys_off(conn), _write_transaction(conn):
            summary = _merge_attached(store, path)
    except sqlite3.OperationalError as error:
        if "locked" not in str(error):
            raise StoreError(
                f"cannot merge {path} into {store.path}: {error}; nothing from {path} was merged"
            ) from error
        raise StoreError(
            f"cannot merge {path}: {store.path} is locked because another connection is "
            "writing to it; close the triage-app windows on that store and merge again"
        ) from error
    except sqlite3.DatabaseError as error:
        raise StoreError(
            f"cannot merge {path} into {store.path}: {error}; nothing from {path} was merged"
        ) from error
    finally:
        for table in _TEMP_TABLES:
            conn.execute(f"DROP TABLE IF EXISTS temp.{table}")
        conn.execute(f"DETACH DATABASE {_ATTACHED}")

    logger.info(
        "merged bundle %s (store id %s) into %s: %d decisions added, %d already present, "
        "%d items added, %d suggestions added, %d taxonomy versions added",
        path,
        summary.source_store_id,
        store.path,
        summary.decisions_added,
        summary.decisions_present,
        summary.items_added,
        summary.suggestions_added,
        summary.taxonomy_versions_added,
    )
    return summary


@contextmanager
def _larger_caches(conn: sqlite3.Connection) -> Iterator[None]:
    main_kib = conn.execute("PRAGMA main.cache_size").fetchone()[0]
    temp_kib = conn.execute("PRAGMA temp.cache_size").fetchone()[0]
    conn.execute(f"PRAGMA main.cache_size = -{_MERGE_CACHE_KIB}")
    conn.execute(f"PRAGMA temp.cache_size = -{_MERGE_TEMP_CACHE_KIB}")
    try:
        yield
    finally:
        conn.execute(f"PRAGMA main.cache_size = {main_kib}")
        conn.execute(f"PRAGMA temp.cache_size = {temp_kib}")


@contextmanager
def _foreign_keys_off(conn: sqlite3.Connection) -> Iterator[None]:
    """Turn off SQLite's foreign key checks for the block, which must open no transaction.

    The merge checks every reference it writes with one query per step (_check_references,
    _check_new_suggestions, _resolve_retracts), and its queue rows join existing rows.
    SQLite's checks row by row made the merge that benchmarks/merge_speed.py times take 27 to
    29 s instead of 25 s on a 2-core machine.
    """
    enabled = conn.execute("PRAGMA foreign_keys").fetchone()[0]
    conn.execute("PRAGMA foreign_keys = OFF")
    try:
        yield
    finally:
        conn.execute(f"PRAGMA foreign_keys = {'ON' if enabled else 'OFF'}")


@contextmanager
def _write_transaction(conn: sqlite3.Connection) -> Iterator[None]:
    # IMMEDIATE takes the write lock first: a deferred transaction that reads and then writes
    # fails at once, without waiting, when another connection wrote in between.
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield
        conn.execute("COMMIT")
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise


def _merge_attached(store: Store, path: Path) -> MergeSummary:
    conn = store.conn
    header = _read_header(conn, _ATTACHED, path)
    team_id = store.store_id

    adopted = _check_project(store, header, path)
    new_taxonomies = _check_taxonomies(store, path)
    _check_items(store, path)
    present, new = _map_decisions(conn, team_id)
    _check_present_decisions(store, path, team_id)

    for taxonomy in new_taxonomies:
        _insert_taxonomy(conn, taxonomy.version)
    items_added = _insert_items(conn)
    base = _assign_decision_ids(conn)
    _map_suggestions(conn)
    _check_new_suggestions(conn, path)
    suggestions_added = _insert_suggestions(conn)
    _check_references(conn, path)
    _resolve_retracts(store, path, team_id)
    _insert_decisions(conn)
    _queue_new_items(store)
    _update_touched_queue(conn, base)

    return MergeSummary(
        path=path,
        source_store_id=header.store_id,
        project_id=header.project_id,
        project_adopted=adopted,
        decisions_added=new,
        decisions_present=present,
        items_added=items_added,
        suggestions_added=suggestions_added,
        taxonomy_versions_added=len(new_taxonomies),
    )


def _check_project(store: Store, header: BundleHeader, path: Path) -> bool:
    """Return True when the store, which contains no decisions yet, takes the bundle's project."""
    if header.project_id == store.project_id:
        return False
    has_decisions = store.conn.execute("SELECT 1 FROM main.decisions LIMIT 1").fetchone()
    if has_decisions is not None:
        raise StoreError(
            f"{path} belongs to project {header.project_id!r}, but {store.path} contains "
            f"decisions of project {store.project_id!r}; merge it into a team store of project "
            f"{header.project_id!r}, or pass the bundle of a store of project "
            f"{store.project_id!r}"
        )
    store.set_project_id(header.project_id)
    return True


def _check_taxonomies(store: Store, path: Path) -> list[Taxonomy]:
    """Return the bundle's taxonomy versions that the store lacks.

    Raises StoreError for a version the store has with different labels.
    """
    missing = []
    for taxonomy in _read_taxonomies(store.conn, _ATTACHED):
        existing = store.taxonomy(taxonomy.version)
        if existing is None:
            missing.append(taxonomy)
        elif existing.labels != taxonomy.labels:
            raise StoreError(
                f"{path} contains taxonomy version {taxonomy.version!r} with other labels than "
                f"the same version in {store.path}; a version names one fixed set of labels, "
                "so import the changed taxonomy under a new version in the reviewer's store "
                "and bundle it again"
            )
    return missing


def _read_taxonomies(conn: sqlite3.Connection, schema: str) -> list[Taxonomy]:
    labels: dict[str, list[Label]] = {}
    for version, name, description, includes, excludes, examples in conn.execute(
        f"SELECT taxonomy_version, name, description, includes, excludes, examples "
        f"FROM {schema}.labels ORDER BY taxonomy_version, position"
    ):
        labels.setdefault(version, []).append(
            Label(
                name=name,
                description=description,
                includes=tuple(json.loads(includes)),
                excludes=tuple(json.loads(excludes)),
                examples=tuple(json.loads(examples)),
            )
        )
    return [
        Taxonomy(
            version=version,
            name=name,
            description=description,
            labels=tuple(labels.get(version, ())),
        )
        for version, name, description in conn.execute(
            f"SELECT version, name, description FROM {schema}.taxonomy_versions ORDER BY rowid"
        )
    ]


def _check_items(store: Store, path: Path) -> None:
    differing = [
        row[0]
        for row in store.conn.execute(
            f"SELECT b.id FROM {_ATTACHED}.items b JOIN main.items i ON i.id = b.id "
            "WHERE i.text != b.text ORDER BY b.id LIMIT 6"
        )
    ]
    if not differing:
        return
    listed = ", ".join(repr(item_id) for item_id in differing[:5])
    more = " and more" if len(differing) > 5 else ""
    raise StoreError(
        f"{path} contains item {listed}{more} with a different text than the item of the same "
        f"id in {store.path}; an item id must name the same text in every store of a project, "
        "so check which items file each store imported"
    )


def _map_decisions(conn: sqlite3.Connection, team_id: str) -> tuple[int, int]:
    """Find the store's id of each bundle decision it contains, and count (present, new) ones.

    A decision whose origin is this store was logged here, so its origin is NULL in the store.
    Any other decision is found by its (origin, origin_id).
    """
    conn.execute(
        "CREATE TEMP TABLE merge_decisions (origin TEXT NOT NULL, origin_id INTEGER NOT NULL, "
        "bundle_rowid INTEGER NOT NULL, team_id INTEGER, is_new INTEGER NOT NULL, "
        "PRIMARY KEY (origin, origin_id)) WITHOUT ROWID"
    )
    conn.execute(
        "INSERT INTO temp.merge_decisions (origin, origin_id, bundle_rowid, team_id, is_new) "
        "SELECT origin, origin_id, bundle_rowid, team_id, team_id IS NULL FROM ("
        "  SELECT b.origin, b.origin_id, b.rowid AS bundle_rowid, "
        f"  {_team_decision_id('b.origin', 'b.origin_id')} AS team_id "
        f"  FROM {_ATTACHED}.decisions b)",
        {"team": team_id},
    )
    present, new = conn.execute(
        "SELECT coalesce(sum(NOT is_new), 0), coalesce(sum(is_new), 0) FROM temp.merge_decisions"
    ).fetchone()
    return int(present), int(new)


def _team_decision_id(origin: str, origin_id: str) -> str:
    """Return an SQL expression for the store's id of the decision (origin, origin_id), or NULL.

    The store's own id must be bound as :team.
    """
    return (
        f"CASE WHEN {origin} = :team "
        f"THEN (SELECT d.id FROM main.decisions d WHERE d.id = {origin_id} "
        "AND d.origin IS NULL) "
        f"ELSE (SELECT d.id FROM main.decisions d WHERE d.origin = {origin} "
        f"AND d.origin_id = {origin_id}) END"
    )


def _check_present_decisions(store: Store, path: Path, team_id: str) -> None:
    """Reject a bundle whose decision identities clash with the store's decisions.

    Two stores share a store id when a store file was copied, and then their decisions share
    identities too.
    """
    conn = store.conn
    missing = conn.execute(
        "SELECT origin_id FROM temp.merge_decisions WHERE is_new AND origin = ? LIMIT 1",
        (team_id,),
    ).fetchone()
    if missing is not None:
        raise StoreError(
            f"{path} contains decision {missing[0]} as logged in {store.path} (store id "
            f"{team_id}), but {store.path} has no such decision; the bundle comes from a copy "
            "of this store file, so merge the copy's bundle into another team store"
        )

    clash = conn.execute(
        "SELECT m.origin, m.origin_id, d.id FROM temp.merge_decisions m "
        f"JOIN {_ATTACHED}.decisions b ON b.rowid = m.bundle_rowid "
        "JOIN main.decisions d ON d.id = m.team_id "
        "WHERE NOT m.is_new AND (d.item_id != b.item_id OR d.reviewer != b.reviewer "
        "OR d.action != b.action OR d.decided_at != b.decided_at) LIMIT 1"
    ).fetchone()
    if clash is not None:
        origin, origin_id, local_id = clash
        raise StoreError(
            f"decision {origin_id} of store {origin} in {path} differs from decision "
            f"{local_id} in {store.path}, which has the same identity; two stores share the "
            "store id, as happens when a store file is copied, so merge only one of them here"
        )


def _check_references(conn: sqlite3.Connection, path: Path) -> None:
    """Reject a bundle whose new decisions refer to items, suggestions or targets it lacks.

    Run after the bundle's items and suggestions were added, so that a reference is missing
    when neither the bundle nor the store contains it.
    """
    problem = conn.execute(
        "SELECT origin, origin_id, 'item ' || quote(item_id) FROM temp.merge_new_decisions n "
        "WHERE NOT EXISTS (SELECT 1 FROM main.items i WHERE i.id = n.item_id) "
        "UNION ALL SELECT origin, origin_id, 'suggestion ' || suggestion_id "
        "FROM temp.merge_new_decisions n WHERE suggestion_id IS NOT NULL "
        "AND NOT EXISTS (SELECT 1 FROM temp.merge_suggestions s "
        "  WHERE s.bundle_id = n.suggestion_id AND s.team_id IS NOT NULL) "
        "UNION ALL SELECT origin, origin_id, 'no decision to retract' "
        "FROM temp.merge_new_decisions WHERE (action = 'retract') != (target_origin IS NOT NULL) "
        "LIMIT 1"
    ).fetchone()
    if problem is not None:
        origin, origin_id, reference = problem
        raise StoreError(
            f"{path} is incomplete: its decision {origin_id} of store {origin} refers to "
            f"{reference}, which it does not contain; write the bundle again with "
            "`triage-app bundle`"
        )


def _insert_taxonomy(conn: sqlite3.Connection, version: str) -> None:
    conn.execute(
        "INSERT INTO main.taxonomy_versions (version, name, description, created_at) "
        f"SELECT version, name, description, created_at FROM {_ATTACHED}.taxonomy_versions "
        "WHERE version = ?",
        (version,),
    )
    conn.execute(
        "INSERT INTO main.labels (taxonomy_version, position, name, description, includes, "
        "excludes, examples) SELECT taxonomy_version, position, name, description, includes, "
        f"excludes, examples FROM {_ATTACHED}.labels WHERE taxonomy_version = ?",
        (version,),
    )
    logger.info("added taxonomy version %s from a bundle", version)


def _insert_items(conn: sqlite3.Connection) -> int:
    conn.execute("CREATE TEMP TABLE merge_new_items (item_id TEXT PRIMARY KEY) WITHOUT ROWID")
    conn.execute(
        f"INSERT INTO temp.merge_new_items (item_id) SELECT b.id FROM {_ATTACHED}.items b "
        "WHERE NOT EXISTS (SELECT 1 FROM main.items i WHERE i.id = b.id)"
    )
    cursor = conn.execute(
        "INSERT INTO main.items (id, text, priority, meta, imported_at) "
        f"SELECT b.id, b.text, b.priority, b.meta, ? FROM {_ATTACHED}.items b "
        "JOIN temp.merge_new_items n ON n.item_id = b.id",
        (utc_now(),),
    )
    return cursor.rowcount


def _map_suggestions(conn: sqlite3.Connection) -> None:
    """Map each suggestion of a new decision to an identical one in the store, if any."""
    conn.execute(
        "CREATE TEMP TABLE merge_suggestions (bundle_id INTEGER PRIMARY KEY, team_id INTEGER)"
    )
    same = _SAME_SUGGESTION.format(a="t", b="s")
    conn.execute(
        "INSERT INTO temp.merge_suggestions (bundle_id, team_id) "
        f"SELECT s.id, (SELECT min(t.id) FROM main.suggestions t WHERE {same}) "
        f"FROM {_ATTACHED}.suggestions s "
        "WHERE s.id IN (SELECT suggestion_id FROM temp.merge_new_decisions)"
    )


def _check_new_suggestions(conn: sqlite3.Connection, path: Path) -> None:
    """Reject a bundle with a suggestion to add whose item or taxonomy version is missing."""
    problem = conn.execute(
        "SELECT id, reference FROM ("
        "  SELECT s.id, CASE "
        "    WHEN NOT EXISTS (SELECT 1 FROM main.items i WHERE i.id = s.item_id) "
        "    THEN 'item ' || quote(s.item_id) "
        "    WHEN NOT EXISTS (SELECT 1 FROM main.taxonomy_versions v "
        "      WHERE v.version = s.taxonomy_version) "
        "    THEN 'taxonomy version ' || quote(s.taxonomy_version) END AS reference "
        f"  FROM {_ATTACHED}.suggestions s "
        "  JOIN temp.merge_suggestions m ON m.bundle_id = s.id AND m.team_id IS NULL) "
        "WHERE reference IS NOT NULL LIMIT 1"
    ).fetchone()
    if problem is not None:
        suggestion_id, reference = problem
        raise StoreError(
            f"{path} is incomplete: its suggestion {suggestion_id} refers to {reference}, which "
            "it does not contain; write the bundle again with `triage-app bundle`"
        )


def _insert_suggestions(conn: sqlite3.Connection) -> int:
    """Insert the mapped suggestions that the store lacks, and map them; return their count.

    A bundle suggestion identical to an earlier one of the same bundle is mapped to the row
    inserted for that one, not inserted again.
    """
    same = _SAME_SUGGESTION.format(a="t", b="s")
    earlier_twin = _SAME_SUGGESTION.format(a="e", b="s")
    cursor = conn.execute(
        "INSERT INTO main.suggestions (item_id, model, method, label, confidence, distribution, "
        "rationale, escalation_reason, taxonomy_version, created_at) "
        "SELECT s.item_id, s.model, s.method, s.label, s.confidence, s.distribution, "
        "s.rationale, s.escalation_reason, s.taxonomy_version, s.created_at "
        f"FROM {_ATTACHED}.suggestions s "
        "JOIN temp.merge_suggestions m ON m.bundle_id = s.id AND m.team_id IS NULL "
        f"WHERE NOT EXISTS (SELECT 1 FROM {_ATTACHED}.suggestions e "
        "  JOIN temp.merge_suggestions em ON em.bundle_id = e.id AND em.team_id IS NULL "
        f"  WHERE e.id < s.id AND {earlier_twin}) "
        "ORDER BY s.id"
    )
    added = cursor.rowcount

    conn.execute(
        "UPDATE temp.merge_suggestions SET team_id = ("
        f"  SELECT min(t.id) FROM main.suggestions t, {_ATTACHED}.suggestions s "
        f"  WHERE s.id = merge_suggestions.bundle_id AND {same}) "
        "WHERE team_id IS NULL"
    )
    return added


def _assign_decision_ids(conn: sqlite3.Connection) -> int:
    """Give each new decision the store id it will be inserted with; return the store's max id.

    New decisions follow the store's newest one, in the order of their origin ids within each
    origin. A retract must come after the decision it takes back, so a retract whose new
    target has another origin that sorts after its own goes last instead, after its target.
    """
    base = conn.execute("SELECT coalesce(max(id), 0) FROM main.decisions").fetchone()[0]
    conn.execute(
        "CREATE TEMP TABLE merge_new_decisions (team_id INTEGER PRIMARY KEY, "
        "origin TEXT NOT NULL, origin_id INTEGER NOT NULL, bundle_rowid INTEGER NOT NULL, "
        "item_id TEXT NOT NULL, action TEXT NOT NULL, suggestion_id INTEGER, "
        "target_origin TEXT, target_origin_id INTEGER, target_id INTEGER)"
    )
    # merge_decisions is kept in (origin, origin_id) order, so numbering it needs no sort.
    late = (
        "coalesce(t.is_new AND (b.retracts_origin, b.retracts_origin_id) > "
        "(b.origin, b.origin_id), 0)"
    )
    insert = (
        "INSERT INTO temp.merge_new_decisions (team_id, origin, origin_id, bundle_rowid, "
        "item_id, action, suggestion_id, target_origin, target_origin_id) "
        "SELECT ? + row_number() OVER (ORDER BY {order}), m.origin, m.origin_id, "
        "m.bundle_rowid, b.item_id, b.action, b.suggestion_id, b.retracts_origin, "
        "b.retracts_origin_id "
        "FROM temp.merge_decisions m "
        f"JOIN {_ATTACHED}.decisions b ON b.rowid = m.bundle_rowid "
        "LEFT JOIN temp.merge_decisions t "
        "  ON t.origin = b.retracts_origin AND t.origin_id = b.retracts_origin_id "
        "WHERE m.is_new AND {late} = {is_late}"
    )
    conn.execute(insert.format(order="m.origin, m.origin_id", late=late, is_late=0), (base,))
    last = conn.execute("SELECT coalesce(max(team_id), ?) FROM temp.merge_new_decisions", (base,))
    conn.execute(
        insert.format(order="b.retracts_origin, b.retracts_origin_id", late=late, is_late=1),
        (last.fetchone()[0],),
    )

    # Most rows were inserted in this order, so the index is cheap to build.
    conn.execute(
        "CREATE UNIQUE INDEX temp.merge_new_decisions_identity "
        "ON merge_new_decisions(origin, origin_id)"
    )
    return int(base)


def _resolve_retracts(store: Store, path: Path, team_id: str) -> None:
    """Find the store id of each new retract's target, in the bundle or in the store."""
    conn = store.conn
    target_origin = "merge_new_decisions.target_origin"
    target_origin_id = "merge_new_decisions.target_origin_id"
    conn.execute(
        "UPDATE temp.merge_new_decisions SET target_id = coalesce("
        "  (SELECT t.team_id FROM temp.merge_new_decisions t "
        f"   WHERE t.origin = {target_origin} AND t.origin_id = {target_origin_id}), "
        f"  {_team_decision_id(target_origin, target_origin_id)}) "
        "WHERE target_origin IS NOT NULL",
        {"team": team_id},
    )

    missing = conn.execute(
        "SELECT origin, origin_id, target_origin, target_origin_id "
        "FROM temp.merge_new_decisions "
        "WHERE target_origin IS NOT NULL AND target_id IS NULL LIMIT 1"
    ).fetchone()
    if missing is not None:
        origin, origin_id, target_origin, target_origin_id = missing
        raise StoreError(
            f"decision {origin_id} of store {origin} in {path} retracts decision "
            f"{target_origin_id} of store {target_origin}, which is neither in the bundle nor "
            f"in {store.path}; merge the bundle that contains it first"
        )

    # A retract takes back a decision other than a retract, on its own item.
    wrong_target = "(t.action = 'retract' OR t.item_id != n.item_id) AND t.{id} = n.target_id"
    invalid = conn.execute(
        "SELECT n.origin, n.origin_id FROM temp.merge_new_decisions n "
        "WHERE n.target_id IS NOT NULL AND ("
        "  EXISTS (SELECT 1 FROM temp.merge_new_decisions t "
        f"    WHERE {wrong_target.format(id='team_id')}) "
        f"  OR EXISTS (SELECT 1 FROM main.decisions t WHERE {wrong_target.format(id='id')})) "
        "LIMIT 1"
    ).fetchone()
    if invalid is not None:
        origin, origin_id = invalid
        raise StoreError(
            f"{path} is invalid: its decision {origin_id} of store {origin} retracts a retract "
            "or a decision on another item; write the bundle again with `triage-app bundle`"
        )

    # NOTE: the store keeps one retract per decision. When one decision was undone in two
    # stores (the same reviewer name working in both), the second retract cannot be stored,
    # so its whole bundle is rejected.
    twice = conn.execute(
        "SELECT n.origin, n.origin_id, d.id FROM temp.merge_new_decisions n "
        "JOIN main.decisions d ON d.retracts = n.target_id WHERE n.target_id IS NOT NULL LIMIT 1"
    ).fetchone()
    if twice is not None:
        origin, origin_id, existing = twice
        raise StoreError(
            f"decision {origin_id} of store {origin} in {path} retracts a decision that "
            f"decision {existing} in {store.path} already retracts; the same decision was "
            "undone in two stores, and a store keeps one retract per decision, so this bundle "
            "cannot be merged into this store"
        )


def _insert_decisions(conn: sqlite3.Connection) -> None:
    conn.execute(
        "INSERT INTO main.decisions (id, item_id, reviewer, action, label, suggestion_id, "
        "model_label, model_confidence, decided_at, duration_ms, note, retracts, origin, "
        "origin_id, adjudication) "
        "SELECT n.team_id, b.item_id, b.reviewer, b.action, b.label, s.team_id, "
        "b.model_label, b.model_confidence, b.decided_at, b.duration_ms, b.note, n.target_id, "
        "b.origin, b.origin_id, b.adjudication "
        "FROM temp.merge_new_decisions n "
        f"JOIN {_ATTACHED}.decisions b ON b.rowid = n.bundle_rowid "
        "LEFT JOIN temp.merge_suggestions s ON s.bundle_id = n.suggestion_id "
        "ORDER BY n.team_id"
    )


def _queue_new_items(store: Store) -> None:
    """Add a queue row for each new item, with its latest suggestion, as Store.add_items does."""
    conn = store.conn
    conn.execute(
        "INSERT INTO main.queue (item_id, suggestion_id, pending, skip_round, priority, "
        "confidence, required, in_part) "
        "SELECT n.item_id, s.id, 1, 0, i.priority, s.confidence, 1, 1 "
        "FROM temp.merge_new_items n JOIN main.items i ON i.id = n.item_id "
        "JOIN main.suggestions s "
        "  ON s.id = (SELECT max(x.id) FROM main.suggestions x WHERE x.item_id = n.item_id)"
    )

    overlap, project = store.overlap, store.project_id
    if overlap.share <= 0 and overlap.parts <= 1:
        return
    new_items = [row[0] for row in conn.execute("SELECT item_id FROM temp.merge_new_items")]
    conn.executemany(
        "UPDATE main.queue SET required = ?, in_part = ?, pending = ? WHERE item_id = ?",
        [
            (
                overlap.required(project, item_id),
                overlap.in_part(project, item_id),
                overlap.in_part(project, item_id),
                item_id,
            )
            for item_id in new_items
        ],
    )


def _update_touched_queue(conn: sqlite3.Connection, base: int) -> None:
    """Recompute the queue rows of the items that got new decisions, as Store._update_queue does.

    Only decisions that no retract takes back count. An item stays pending until as many
    reviewers as it requires have labelled it or a lead adjudicated it. Its skip round is the
    id of its latest decision if that is a skip. `base` is the largest decision id before the
    merge, so every new decision has a larger id.

    Most items need only their new decisions, which saves reading every old decision of
    every touched item. That holds for an item that requires one reviewer, where no new
    retract takes back an old decision and some new decision other than a retract is in
    force, because that decision is then the item's newest one in force. Such an item is
    `labelled` when a new label is in force, which decides it, and `unlabelled` otherwise,
    when it is pending unless an old label is in force. Every other item is recomputed from
    all its decisions.
    """
    conn.execute(
        "CREATE INDEX temp.merge_new_decisions_target ON merge_new_decisions(target_id) "
        "WHERE target_id IS NOT NULL"
    )
    conn.execute(
        "CREATE TEMP TABLE merge_touched AS "
        "SELECT a.item_id AS item_id, a.last_id AS last_id, "
        "  CASE WHEN q.required != 1 OR a.old_retracted OR a.last_id IS NULL THEN 'full' "
        "    WHEN a.labelled THEN 'labelled' ELSE 'unlabelled' END AS path "
        "FROM (SELECT item_id, "
        "    max(action IN ('accept', 'overturn') AND NOT retracted) AS labelled, "
        "    max(CASE WHEN action != 'retract' AND NOT retracted THEN team_id END) AS last_id, "
        "    max(coalesce(target_id <= ?, 0)) AS old_retracted "
        "  FROM (SELECT n.*, EXISTS (SELECT 1 FROM temp.merge_new_decisions r "
        "    WHERE r.target_id = n.team_id) AS retracted FROM temp.merge_new_decisions n) "
        "  GROUP BY item_id) a "
        "JOIN main.queue q ON q.item_id = a.item_id",
        (base,),
    )

    labelled_in_force = (
        f"EXISTS (SELECT 1 FROM main.decisions d WHERE d.item_id = t.item_id AND {_LABELLING} "
        f"AND {_IN_FORCE})"
    )
    conn.execute(
        "UPDATE main.queue AS q SET pending = (q.in_part AND x.pending), "
        "skip_round = x.skip_round FROM ("
        "  SELECT t.item_id, "
        f"  CASE WHEN t.path = 'labelled' THEN 0 ELSE NOT {labelled_in_force} END AS pending, "
        "  CASE WHEN n.action = 'skip' THEN n.team_id ELSE 0 END AS skip_round "
        "  FROM temp.merge_touched t JOIN temp.merge_new_decisions n ON n.team_id = t.last_id "
        "  WHERE t.path != 'full') AS x "
        "WHERE q.item_id = x.item_id "
        "AND (q.pending != (q.in_part AND x.pending) OR q.skip_round != x.skip_round)"
    )

    conn.execute(
        "CREATE TEMP TABLE merge_queue_state AS "
        "SELECT t.item_id AS item_id, "
        f"  count(DISTINCT d.reviewer) FILTER (WHERE {_LABELLING}) AS reviewers, "
        f"  coalesce(max(d.adjudication) FILTER (WHERE {_LABELLING}), 0) AS adjudicated, "
        "  max(d.id) FILTER (WHERE d.action != 'retract') AS last_id "
        "FROM temp.merge_touched t JOIN main.decisions d ON d.item_id = t.item_id "
        f"WHERE t.path = 'full' AND {_IN_FORCE} "
        "GROUP BY t.item_id"
    )
    conn.execute(
        "UPDATE main.queue AS q SET "
        "  pending = (q.in_part AND coalesce(x.reviewers, 0) < q.required "
        "    AND NOT coalesce(x.adjudicated, 0)), "
        "  skip_round = coalesce((SELECT d.id FROM main.decisions d "
        "    WHERE d.id = x.last_id AND d.action = 'skip'), 0) "
        "FROM (SELECT t.item_id, s.reviewers, s.adjudicated, s.last_id "
        "  FROM temp.merge_touched t "
        "  LEFT JOIN temp.merge_queue_state s ON s.item_id = t.item_id "
        "  WHERE t.path = 'full') AS x "
        "WHERE q.item_id = x.item_id"
    )
