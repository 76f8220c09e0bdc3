"""`triage-app bundle` and `merge`: reviewers' stores merged into a team store, on real files."""

from __future__ import annotations

import json
import random
import sqlite3
from collections.abc import Sequence
from contextlib import closing
from pathlib import Path

import pytest

from tests.review_fixtures import ITEMS, TAXONOMY, build_store
from triage_app.domain.decision import Action
from triage_app.domain.item import NewItem
from triage_app.domain.overlap import Overlap
from triage_app.domain.suggestion import Suggestion
from triage_app.domain.taxonomy import Label, Taxonomy
from triage_app.store.bundle import merge_bundle, read_bundle_header, write_bundle
from triage_app.store.errors import StoreError
from triage_app.store.facts_query import load_decision_facts
from triage_app.store.store import Store

PROJECT = "support-2026"

# Steps a reviewer takes: (item id, action, overturn label) or ("undo",) for retract_last.
ALICE_STEPS = [
    ("t1", "accept", None),
    ("t2", "overturn", "account"),
    ("t3", "skip", None),
    ("t4", "accept", None),
    ("undo",),
    ("t5", "overturn", "billing"),
]
BOB_STEPS = [
    ("t1", "overturn", "technical"),
    ("t2", "accept", None),
    ("t5", "skip", None),
    ("t3", "accept", None),
    ("undo",),
    ("b7", "accept", None),
]


def new_item(item_id: str, text: str, *, version: str = TAXONOMY.version) -> NewItem:
    return NewItem(
        id=item_id,
        text=text,
        suggestion=Suggestion(
            label="billing",
            distribution={"billing": 0.6, "account": 0.4},
            model="test-model",
            method="logprobs",
            taxonomy_version=version,
        ),
    )


def reviewer_store(
    path: Path,
    reviewer: str,
    steps: Sequence[tuple],
    *,
    project: str = PROJECT,
    extra_items: Sequence[NewItem] = (),
    store_id: str | None = None,
) -> Path:
    """Build the review fixture store at `path` and log `steps` as `reviewer`."""
    build_store(path)
    with Store(path) as store:
        store.set_project_id(project)
        if store_id is not None:
            store.conn.execute("UPDATE project SET value = ? WHERE key = 'store_id'", (store_id,))
        if extra_items:
            store.add_items(extra_items)
        log_steps(store, reviewer, steps)
    return path


def log_steps(store: Store, reviewer: str, steps: Sequence[tuple]) -> None:
    for number, step in enumerate(steps):
        if step[0] == "undo":
            assert store.retract_last(reviewer=reviewer) is not None
            continue
        item_id, action, label = step
        store.add_decision(
            item=store.review_item(item_id),
            reviewer=reviewer,
            action=Action(action),
            label=label,
            duration_ms=1000 + 137 * number,
            note=f"{reviewer} note {number}" if action == "overturn" else "",
        )


@pytest.fixture
def alice_db(tmp_path: Path) -> Path:
    return reviewer_store(tmp_path / "alice.db", "alice", ALICE_STEPS)


@pytest.fixture
def bob_db(tmp_path: Path) -> Path:
    extra = [new_item("b7", "Only bob's store has this item.")]
    return reviewer_store(tmp_path / "bob.db", "bob", BOB_STEPS, extra_items=extra)


@pytest.fixture
def bundles(tmp_path: Path, alice_db: Path, bob_db: Path) -> tuple[Path, Path]:
    paths = (tmp_path / "alice.bundle", tmp_path / "bob.bundle")
    for db, path in zip((alice_db, bob_db), paths, strict=True):
        with Store(db) as store:
            write_bundle(store, path)
    return paths


def merge(team_db: Path, *paths: Path) -> None:
    with Store(team_db) as team:
        for path in paths:
            merge_bundle(team, path)


def snapshot(db: Path) -> dict[str, list[tuple]]:
    """Return every row of every table, sorted, through a connection of its own."""
    with closing(sqlite3.connect(db)) as conn:
        tables = [
            row[0]
            for row in conn.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
            )
        ]
        return {
            table: sorted(conn.execute(f"SELECT * FROM {table}").fetchall(), key=repr)
            for table in tables
        }


def row_counts(db: Path) -> dict[str, int]:
    return {table: len(rows) for table, rows in snapshot(db).items()}


def source_decisions(*dbs: Path) -> dict[tuple[str, int], tuple]:
    """Map (store id, id) of every decision logged in `dbs` to (store id, decision)."""
    found = {}
    for db in dbs:
        with Store(db) as store:
            for decision in store.decisions():
                found[(store.store_id, decision.id)] = (store.store_id, decision)
    return found


def identities(db: Path) -> dict[int, tuple[str, int]]:
    """Map each decision id of the store at `db` to its (origin, origin_id)."""
    with Store(db) as store:
        own = store.store_id
        return {
            decision_id: (origin or own, origin_id if origin is not None else decision_id)
            for decision_id, origin, origin_id in store.conn.execute(
                "SELECT id, origin, origin_id FROM decisions"
            )
        }


def read_jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def test_merge_two_reviewers_via_cli(run_cli, tmp_path, alice_db, bob_db):
    team_db = tmp_path / "team" / "team.db"
    for name, db in (("alice", alice_db), ("bob", bob_db)):
        result = run_cli("bundle", "--db", db, "-o", f"{name}.bundle")
        assert result.returncode == 0, result.stderr
        assert f"Wrote bundle {name}.bundle: 6 decision events by 1 reviewer" in result.stdout

    result = run_cli("merge", "alice.bundle", "bob.bundle", "--db", team_db)

    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    assert f"Created store {team_db}." in result.stdout
    assert f"now belongs to project {PROJECT}" in result.stdout
    assert "Merged alice.bundle: 6 decisions added, 0 already present, 5 items added." in (
        result.stdout
    )
    assert "Merged bob.bundle: 6 decisions added, 0 already present, 1 item added." in (
        result.stdout
    )

    result = run_cli("export", "--format", "jsonl", "-o", "team.jsonl", "--db", team_db)
    assert result.returncode == 0, result.stderr
    records = read_jsonl(tmp_path / "team.jsonl")
    source = source_decisions(alice_db, bob_db)
    identity = identities(team_db)
    assert len(records) == len(source) == 12
    assert sorted(identity[record["decision_id"]] for record in records) == sorted(source)
    for record in records:
        store_id, decision = source[identity[record["decision_id"]]]
        assert record["item_id"] == decision.item_id
        assert record["reviewer"] == decision.reviewer
        assert record["action"] == decision.action.value
        assert record["human_label"] == decision.label
        assert record["model_label"] == decision.model_label
        assert record["model_confidence"] == decision.model_confidence
        assert record["decided_at"] == decision.decided_at
        assert record["duration_ms"] == decision.duration_ms
        assert record["note"] == decision.note
        if decision.retracts is None:
            assert record["retracts"] is None
        else:
            assert identity[record["retracts"]] == (store_id, decision.retracts)


def test_merge_keeps_decision_order_per_store(tmp_path, bundles, alice_db, bob_db):
    team_db = tmp_path / "team.db"
    merge(team_db, *bundles)

    identity = identities(team_db)
    for db in (alice_db, bob_db):
        with Store(db) as store:
            own = [i for i in sorted(identity) if identity[i][0] == store.store_id]
            assert [identity[i][1] for i in own] == [d.id for d in store.decisions()]


def test_merge_adopts_project_and_queue(tmp_path, bundles):
    team_db = tmp_path / "team.db"
    merge(team_db, *bundles)

    with Store(team_db) as team:
        assert team.project_id == PROJECT
        assert team.conn.execute("PRAGMA foreign_key_check").fetchall() == []
        assert team.taxonomy(TAXONOMY.version) == TAXONOMY
        queue = team.conn.execute("SELECT item_id, pending, skip_round FROM queue").fetchall()
        pending = {item_id for item_id, is_pending, _ in queue if is_pending}
        # t4 lost both labels to undos, and t3 was skipped by alice while bob's label of it
        # was undone.
        assert pending == {"t3", "t4"}
        assert len(load_decision_facts(team)) == 6


def test_merged_queue_matches_store_update(tmp_path, bundles):
    team_db = tmp_path / "team.db"
    merge(team_db, *bundles)

    with Store(team_db) as team:
        merged = team.conn.execute("SELECT * FROM queue ORDER BY item_id").fetchall()
        assert merged == recomputed_queue(team)


def recomputed_queue(store: Store) -> list[tuple]:
    """Return the queue as Store._update_queue computes every row, leaving the store as it was."""
    store.conn.execute("BEGIN")
    try:
        for (item_id,) in store.conn.execute("SELECT item_id FROM queue").fetchall():
            store._update_queue(item_id)
        return store.conn.execute("SELECT * FROM queue ORDER BY item_id").fetchall()
    finally:
        store.conn.execute("ROLLBACK")


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_merged_queue_matches_store_update_random(tmp_path, seed):
    # Three stores: alice's laptop, bob's, and alice's desktop, which also merges her laptop's
    # bundles so that her undos there can retract merged decisions. Undos on the laptop could
    # retract the same decision a second time, which test_same_decision_undone_twice covers,
    # so the laptop logs none. The team store requires two reviewers on half of the items.
    rng = random.Random(seed)
    names = {"laptop": "alice", "bob": "bob", "desktop": "alice"}
    dbs = {key: reviewer_store(tmp_path / f"{key}.db", name, []) for key, name in names.items()}
    team_db = tmp_path / "team.db"
    with Store(team_db) as team:
        team.set_project_id(PROJECT)
        team.set_overlap(Overlap(share=0.5, reviewers=2))
    items = [item_id for item_id, *_ in ITEMS]

    for round_number in range(4):
        for key, db in dbs.items():
            with Store(db) as store:
                for _ in range(rng.randint(2, 7)):
                    choice = rng.random()
                    if choice < 0.2 and key != "laptop":
                        store.retract_last(reviewer=names[key])
                        continue
                    action = Action.SKIP if choice < 0.35 else Action.ACCEPT
                    label = None
                    if choice > 0.7:
                        action, label = Action.OVERTURN, rng.choice(TAXONOMY.names)
                    store.add_decision(
                        item=store.review_item(rng.choice(items)),
                        reviewer=names[key],
                        action=action,
                        label=label,
                    )
                write_bundle(store, tmp_path / f"{key}-{round_number}.bundle")
            if key == "laptop":
                merge(dbs["desktop"], tmp_path / f"laptop-{round_number}.bundle")

        merge(team_db, *(tmp_path / f"{key}-{round_number}.bundle" for key in dbs))

        with Store(team_db) as team:
            merged = team.conn.execute("SELECT * FROM queue ORDER BY item_id").fetchall()
            assert merged == recomputed_queue(team), f"round {round_number}"
            assert team.conn.execute("PRAGMA foreign_key_check").fetchall() == []
    with Store(team_db) as team:
        required = {row[0] for row in team.conn.execute("SELECT required FROM queue")}
    assert required == {1, 2}


def test_merge_again_changes_nothing(run_cli, tmp_path, bundles):
    team_db = tmp_path / "team.db"
    merge(team_db, *bundles)
    before = snapshot(team_db)
    first_export = run_cli("export", "--format", "jsonl", "-o", "-", "--db", team_db).stdout

    result = run_cli("merge", *bundles, "--db", team_db)

    assert result.returncode == 0, result.stderr
    assert f"Merged {bundles[0]}: 0 decisions added, 6 already present, 0 items added." in (
        result.stdout
    )
    assert f"Merged {bundles[1]}: 0 decisions added, 6 already present, 0 items added." in (
        result.stdout
    )
    assert row_counts(team_db) == {table: len(rows) for table, rows in before.items()}
    assert snapshot(team_db) == before
    second_export = run_cli("export", "--format", "jsonl", "-o", "-", "--db", team_db).stdout
    assert second_export == first_export
    assert len(first_export.splitlines()) == 12


def test_team_bundle_back_changes_nothing(tmp_path, bundles):
    team_db = tmp_path / "team.db"
    merge(team_db, *bundles)
    with Store(team_db) as team:
        log_steps(team, "lead", [("t3", "overturn", "technical")])
        summary = write_bundle(team, tmp_path / "team.bundle")
    assert summary.decisions == 13
    before = snapshot(team_db)

    with Store(team_db) as team:
        result = merge_bundle(team, tmp_path / "team.bundle")

    assert result.decisions_added == 0
    assert result.decisions_present == 13
    assert snapshot(team_db) == before


def test_second_team_keeps_origins(tmp_path, bundles, alice_db, bob_db):
    first_team = tmp_path / "first-team.db"
    merge(first_team, *bundles)
    with Store(first_team) as team:
        first_team_id = team.store_id
        write_bundle(team, tmp_path / "first-team.bundle")
    source = source_decisions(alice_db, bob_db)

    # The first team's bundle before or after alice's own: no decision may be doubled.
    for name, order in (
        ("team-then-alice", ["first-team.bundle", "alice.bundle"]),
        ("alice-then-team", ["alice.bundle", "first-team.bundle"]),
    ):
        second_team = tmp_path / f"{name}.db"
        with Store(second_team) as team:
            summaries = [merge_bundle(team, tmp_path / file) for file in order]

        assert sum(summary.decisions_added for summary in summaries) == 12
        assert sum(summary.decisions_present for summary in summaries) == 6
        identity = identities(second_team)
        assert sorted(identity.values()) == sorted(source)
        assert first_team_id not in {origin for origin, _ in identity.values()}


@pytest.mark.parametrize(
    ("laptop_id", "desktop_id"),
    [("a" * 32, "f" * 32), ("f" * 32, "a" * 32)],
    ids=["target-origin-sorts-first", "target-origin-sorts-last"],
)
def test_retract_of_merged_decision(tmp_path, laptop_id, desktop_id):
    # Alice labels on her laptop, merges that into her desktop store and undoes the merged
    # decision there, so the retract and its target have different origins.
    laptop = reviewer_store(tmp_path / "laptop.db", "alice", ALICE_STEPS[:2], store_id=laptop_id)
    desktop = reviewer_store(tmp_path / "desktop.db", "alice", [], store_id=desktop_id)
    with Store(laptop) as store:
        write_bundle(store, tmp_path / "laptop.bundle")
    merge(desktop, tmp_path / "laptop.bundle")
    with Store(desktop) as store:
        undone = store.retract_last(reviewer="alice")
        log_steps(store, "alice", [("t6", "accept", None)])
        write_bundle(store, tmp_path / "desktop.bundle")
    assert undone is not None
    assert undone.item_id == "t2"

    for order in (["desktop", "laptop"], ["laptop", "desktop"]):
        team_db = tmp_path / f"team-{order[0]}-first.db"
        merge(team_db, *(tmp_path / f"{name}.bundle" for name in order))

        identity = identities(team_db)
        with Store(team_db) as team:
            decisions = list(team.decisions())
        assert len(decisions) == 4
        (retract,) = [d for d in decisions if d.action is Action.RETRACT]
        assert identity[retract.retracts] == (laptop_id, 2)
        assert retract.retracts < retract.id
        assert identity[retract.id][0] == desktop_id


def test_same_decision_undone_twice_rejected(tmp_path):
    laptop = reviewer_store(tmp_path / "laptop.db", "alice", ALICE_STEPS[:2])
    desktop = reviewer_store(tmp_path / "desktop.db", "alice", [])
    with Store(laptop) as store:
        write_bundle(store, tmp_path / "laptop-before.bundle")
    merge(desktop, tmp_path / "laptop-before.bundle")
    for db, name in ((laptop, "laptop"), (desktop, "desktop")):
        with Store(db) as store:
            assert store.retract_last(reviewer="alice").item_id == "t2"
            write_bundle(store, tmp_path / f"{name}.bundle")
    team_db = tmp_path / "team.db"
    merge(team_db, tmp_path / "laptop.bundle")
    before = snapshot(team_db)

    with Store(team_db) as team, pytest.raises(StoreError) as raised:
        merge_bundle(team, tmp_path / "desktop.bundle")

    assert "the same decision was undone in two stores" in str(raised.value)
    assert snapshot(team_db) == before


def test_bundle_of_one_reviewer(run_cli, tmp_path, alice_db):
    with Store(alice_db) as store:
        log_steps(store, "carol", [("t6", "accept", None), ("t1", "skip", None)])

    result = run_cli("bundle", "--db", alice_db, "-o", "carol.bundle", "--reviewer", "carol")

    assert result.returncode == 0, result.stderr
    assert "2 decision events by carol, 2 items" in result.stdout
    header = read_bundle_header(tmp_path / "carol.bundle")
    assert header.reviewer == "carol"
    assert header.decisions == 2
    team_db = tmp_path / "team.db"
    merge(team_db, tmp_path / "carol.bundle")
    with Store(team_db) as team:
        assert {d.reviewer for d in team.decisions()} == {"carol"}


def test_bundle_of_unknown_reviewer_rejected(run_cli, tmp_path, alice_db):
    result = run_cli("bundle", "--db", alice_db, "-o", "x.bundle", "--reviewer", "zoe")

    assert result.returncode == 1
    assert "no decisions by reviewer 'zoe' (reviewers: 'alice')" in result.stderr
    assert not (tmp_path / "x.bundle").exists()
    assert not (tmp_path / "x.bundle.partial").exists()


def test_other_project_rejected(run_cli, tmp_path, bundles):
    team_db = tmp_path / "team.db"
    merge(team_db, bundles[0])
    other = reviewer_store(tmp_path / "carol.db", "carol", ALICE_STEPS[:1], project="other")
    with Store(other) as store:
        write_bundle(store, tmp_path / "carol.bundle")
    before = snapshot(team_db)

    result = run_cli("merge", "carol.bundle", "--db", team_db)

    assert result.returncode == 1
    message = result.stderr.strip()
    assert len(message.splitlines()) == 1
    assert "carol.bundle belongs to project 'other'" in message
    assert f"decisions of project {PROJECT!r}" in message
    assert snapshot(team_db) == before


def test_taxonomy_with_other_labels_rejected(run_cli, tmp_path, bundles):
    team_db = tmp_path / "team.db"
    merge(team_db, *bundles)
    changed = Taxonomy(version=TAXONOMY.version, labels=(*TAXONOMY.labels, Label("refund")))
    dave_db = tmp_path / "dave.db"
    with Store(dave_db) as store:
        store.set_project_id(PROJECT)
        store.add_taxonomy(changed)
        store.add_items([new_item("d1", "A new ticket.")])
        log_steps(store, "dave", [("d1", "overturn", "refund")])
        write_bundle(store, tmp_path / "dave.bundle")
    before = snapshot(team_db)

    result = run_cli("merge", "dave.bundle", "--db", team_db)

    assert result.returncode == 1
    assert "dave.bundle contains taxonomy version 'support-v1' with other labels" in (result.stderr)
    assert "new version" in result.stderr
    assert snapshot(team_db) == before


def test_item_with_other_text_rejected(tmp_path, bundles):
    team_db = tmp_path / "team.db"
    merge(team_db, *bundles)
    # The bundle also brings a new taxonomy version and a new item, which the rejection must
    # roll back with everything else.
    v2 = Taxonomy(version="support-v2", labels=TAXONOMY.labels)
    erin_db = tmp_path / "erin.db"
    with Store(erin_db) as store:
        store.set_project_id(PROJECT)
        store.add_taxonomy(TAXONOMY)
        store.add_taxonomy(v2)
        store.add_items(
            [
                new_item("e1", "A ticket only erin has.", version="support-v2"),
                new_item("t1", "Not the text the others have for t1."),
            ]
        )
        log_steps(store, "erin", [("e1", "accept", None), ("t1", "accept", None)])
        write_bundle(store, tmp_path / "erin.bundle")
    before = snapshot(team_db)

    with Store(team_db) as team, pytest.raises(StoreError) as raised:
        merge_bundle(team, tmp_path / "erin.bundle")

    assert "erin.bundle contains item 't1' with a different text" in str(raised.value)
    assert snapshot(team_db) == before
    with Store(team_db) as team:
        assert team.taxonomy("support-v2") is None
        assert team.review_item("e1") is None


def test_missing_retract_target_rejected(tmp_path, bundles):
    # Remove the decision that alice's undo retracts from her bundle.
    with closing(sqlite3.connect(bundles[0])) as conn, conn:
        conn.execute(
            "DELETE FROM decisions WHERE origin_id = "
            "(SELECT retracts_origin_id FROM decisions WHERE action = 'retract')"
        )
    team_db = tmp_path / "team.db"
    with Store(team_db) as team:
        before = snapshot(team_db)
        with pytest.raises(StoreError) as raised:
            merge_bundle(team, bundles[0])

    assert "which is neither in the bundle nor in" in str(raised.value)
    assert "merge the bundle that contains it first" in str(raised.value)
    assert snapshot(team_db) == before


def test_copied_store_file_rejected(tmp_path, bundles, alice_db):
    # A copy of alice's store file has her store id, so its decisions reuse her identities.
    copy_db = tmp_path / "alice-copy.db"
    reviewer_store(copy_db, "alice", [("t6", "accept", None)])
    with Store(alice_db) as store:
        alice_id = store.store_id
    with Store(copy_db) as store:
        store.conn.execute("UPDATE project SET value = ? WHERE key = 'store_id'", (alice_id,))
        write_bundle(store, tmp_path / "copy.bundle")
    team_db = tmp_path / "team.db"
    merge(team_db, bundles[0])
    before = snapshot(team_db)

    with Store(team_db) as team, pytest.raises(StoreError) as raised:
        merge_bundle(team, tmp_path / "copy.bundle")

    assert "two stores share the store id" in str(raised.value)
    assert snapshot(team_db) == before


def test_bundle_from_copy_of_team_rejected(tmp_path, bundles):
    team_db = tmp_path / "team.db"
    merge(team_db, *bundles)
    copy_db = tmp_path / "team-copy.db"
    with closing(sqlite3.connect(team_db)) as conn, closing(sqlite3.connect(copy_db)) as copy:
        conn.backup(copy)
    with Store(copy_db) as store:
        log_steps(store, "lead", [("t3", "accept", None)])
        write_bundle(store, tmp_path / "copy.bundle")
    before = snapshot(team_db)

    with Store(team_db) as team, pytest.raises(StoreError) as raised:
        merge_bundle(team, tmp_path / "copy.bundle")

    assert "the bundle comes from a copy of this store file" in str(raised.value)
    assert snapshot(team_db) == before


def test_retract_of_other_item_rejected(tmp_path, bundles):
    # Point alice's undo of her t4 label at her t1 label instead.
    with closing(sqlite3.connect(bundles[0])) as conn, conn:
        conn.execute("UPDATE decisions SET retracts_origin_id = 1 WHERE action = 'retract'")
    team_db = tmp_path / "team.db"
    with Store(team_db) as team:
        before = snapshot(team_db)
        with pytest.raises(StoreError) as raised:
            merge_bundle(team, bundles[0])

    assert "retracts a retract or a decision on another item" in str(raised.value)
    assert snapshot(team_db) == before


def test_missing_taxonomy_rejected(tmp_path, bundles):
    with closing(sqlite3.connect(bundles[0])) as conn, conn:
        conn.execute("DELETE FROM labels")
        conn.execute("DELETE FROM taxonomy_versions")
    team_db = tmp_path / "team.db"
    with Store(team_db) as team:
        before = snapshot(team_db)
        with pytest.raises(StoreError) as raised:
            merge_bundle(team, bundles[0])

        assert "refers to taxonomy version 'support-v1', which it does not contain" in str(
            raised.value
        )
        assert team.conn.execute("PRAGMA foreign_keys").fetchone()[0] == 1
    assert snapshot(team_db) == before


def test_unknown_format_version_rejected(run_cli, tmp_path, bundles):
    with closing(sqlite3.connect(bundles[0])) as conn, conn:
        conn.execute("UPDATE header SET value = '99' WHERE key = 'format_version'")

    result = run_cli("merge", bundles[0], "--db", "team.db")

    assert result.returncode == 1
    assert "alice.bundle is a bundle of format version '99'" in result.stderr
    assert "upgrade triage-app" in result.stderr
    assert not (tmp_path / "team.db").exists()


def test_store_file_is_not_a_bundle(run_cli, tmp_path, alice_db):
    result = run_cli("merge", alice_db, "--db", "team.db")

    assert result.returncode == 1
    assert "alice.db is not a triage-app bundle" in result.stderr
    assert not (tmp_path / "team.db").exists()


def test_missing_bundle_creates_no_store(run_cli, tmp_path, bundles):
    result = run_cli("merge", bundles[0], "missing.bundle", "--db", "team.db")

    assert result.returncode == 1
    assert "bundle missing.bundle not found" in result.stderr
    assert not (tmp_path / "team.db").exists()


def test_bundle_onto_its_store_rejected(run_cli, tmp_path, alice_db):
    before = snapshot(alice_db)

    result = run_cli("bundle", "--db", alice_db, "-o", alice_db)

    assert result.returncode == 1
    assert "the store itself" in result.stderr
    assert snapshot(alice_db) == before
