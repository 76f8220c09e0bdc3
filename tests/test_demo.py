"""The banking77 demo store, and two of them merged as two reviewers' stores."""

from __future__ import annotations

import pytest

from triage_app.demo.banking77 import GOLD_REVIEWER, PROJECT_ID, build_demo
from triage_app.store.bundle import merge_bundle, write_bundle
from triage_app.store.store import Store


@pytest.fixture(scope="module")
def demo_stores(tmp_path_factory):
    folder = tmp_path_factory.mktemp("demo")
    return [build_demo(folder / f"{name}.db") for name in ("alice", "bob")]


def gold_decisions(path):
    with Store(path) as store:
        return store.conn.execute(
            "SELECT count(*) FROM decisions WHERE reviewer = ?", (GOLD_REVIEWER,)
        ).fetchone()[0]


def test_demo_escalates_and_logs_gold_labels(demo_stores):
    summary = demo_stores[0]
    assert summary.test_messages == 3080
    assert 500 < summary.escalated < 900
    assert summary.gold_decisions == 1540
    assert 200 < summary.queued < summary.escalated
    with Store(summary.path) as store:
        assert store.project_id == PROJECT_ID
        assert len(store.taxonomy()) == 77


def test_rebuilding_demo_adds_nothing(demo_stores, tmp_path):
    again = build_demo(demo_stores[0].path)
    assert again.gold_decisions == 0
    assert gold_decisions(demo_stores[0].path) == 1540


def test_merged_demo_stores_keep_gold_labels_once(demo_stores, tmp_path):
    team = tmp_path / "team.db"
    for summary in demo_stores:
        bundle = tmp_path / f"{summary.path.stem}.bundle"
        with Store(summary.path) as store:
            write_bundle(store, bundle)
        with Store(team) as store:
            merge_bundle(store, bundle)

    assert gold_decisions(team) == 1540
