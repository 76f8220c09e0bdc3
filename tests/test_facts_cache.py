"""The cached decision columns give the same facts as a fresh read, retractions included."""

from __future__ import annotations

import numpy as np
import pytest

from tests.review_fixtures import build_store
from triage_app.domain.decision import Action
from triage_app.store import facts_query
from triage_app.store.facts_query import load_decision_facts
from triage_app.store.store import Store


def decide(store, item_id, reviewer, action, label=None):
    store.add_decision(
        item=store.review_item(item_id), reviewer=reviewer, action=action, label=label
    )


def as_rows(facts):
    return [
        (
            int(facts.decision_id[i]),
            facts.reviewers[facts.reviewer[i]],
            facts.labels[facts.model_label[i]],
            facts.labels[facts.human_label[i]],
            float(facts.confidence[i]),
            facts.versions[facts.taxonomy_version[i]],
        )
        for i in range(len(facts))
    ]


@pytest.mark.parametrize("all_at_once", [1, 10**6])
def test_cache_blocks_match_fresh_read(tmp_path, monkeypatch, all_at_once):
    path = build_store(tmp_path / "cache.db")
    monkeypatch.setattr(facts_query, "CACHE_BLOCK_MIN", 2)
    # 1 reads every item's rowid at the second lookup; a million looks each one up.
    monkeypatch.setattr(facts_query._Lookup, "ALL_AT_ONCE", all_at_once)

    with Store(path) as store:
        decide(store, "t1", "bob", Action.OVERTURN, "account")
        decide(store, "t2", "bob", Action.ACCEPT)
        first = load_decision_facts(store)
        assert store.conn.execute("SELECT count(*) FROM facts_cache").fetchone()[0] == 1

        decide(store, "t3", "carol", Action.OVERTURN, "shipping")
        decide(store, "t4", "carol", Action.SKIP)
        decide(store, "t5", "dana", Action.ACCEPT)
        store.retract_last(reviewer="bob")
        cached = load_decision_facts(store)
        assert store.conn.execute("SELECT count(*) FROM facts_cache").fetchone()[0] == 2

        store.conn.execute("DELETE FROM facts_cache")
        monkeypatch.setattr(facts_query, "CACHE_BLOCK_MIN", 10**9)
        fresh = load_decision_facts(store)

    assert len(first) == 2
    assert as_rows(cached) == as_rows(fresh)
    # bob's accept of t2 was retracted after it was cached, and must not count.
    assert [row[1:4] for row in as_rows(cached)] == [
        ("bob", "billing", "account"),
        ("carol", "account", "shipping"),
        ("dana", "cancellation", "cancellation"),
    ]
    assert np.array_equal(cached.item, fresh.item)
    assert np.array_equal(cached.day, fresh.day)
