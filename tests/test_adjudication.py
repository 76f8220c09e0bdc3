"""Blind overlap review, the lead's adjudication queue and the agreement panel."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from tests.review_fixtures import build_store, press, show_window
from triage_app.domain.decision import Action
from triage_app.domain.overlap import Overlap
from triage_app.domain.report import build_report
from triage_app.review.session import AdjudicationSession, ReviewSession
from triage_app.store.facts_query import load_decision_facts
from triage_app.store.store import Store


def label(store, item_id, reviewer, chosen):
    item = store.review_item(item_id)
    action = Action.ACCEPT if chosen == item.suggestion.label else Action.OVERTURN
    store.add_decision(item=item, reviewer=reviewer, action=action, label=chosen)


@pytest.fixture
def team_store(tmp_path):
    path = build_store(tmp_path / "team.db")
    with Store(path) as store:
        store.set_overlap(Overlap(share=1.0, reviewers=2))
        # t1: 1 of 2 agree; t2: 2 of 3 agree; t3: both agree.
        label(store, "t1", "ann", "billing")
        label(store, "t1", "bob", "account")
        label(store, "t2", "ann", "technical")
        label(store, "t2", "bob", "technical")
        label(store, "t2", "cy", "account")
        label(store, "t3", "ann", "account")
        label(store, "t3", "bob", "account")
    return path


def test_overlap_item_stays_for_second_reviewer(tmp_path):
    path = build_store(tmp_path / "overlap.db")
    with Store(path) as store:
        store.set_overlap(Overlap(share=1.0, reviewers=2))
        ann = ReviewSession(store, "ann")
        assert ann.current.id == "t1"
        ann.accept()

        # t1 is not offered to Ann again. Bob gets it, and nothing shows him Ann's label.
        assert ann.current.id == "t2"
        bob = ReviewSession(store, "bob")
        assert bob.current.id == "t1"
        assert bob.reviewer_labels() == {}
        bob.overturn("account")
        assert store.queue_counts().pending == 5


def test_disagreements_lowest_agreement_first(team_store):
    with Store(team_store) as store:
        assert store.disagreements() == ["t1", "t2"]
        assert store.reviewer_labels("t2") == {
            "ann": "technical",
            "bob": "technical",
            "cy": "account",
        }


def test_lead_adjudicates_with_keyboard(qtbot, team_store):
    store = Store(team_store)
    window = show_window(qtbot, AdjudicationSession(store, "lead"))

    assert window.session.current.id == "t1"
    assert window.pane.reviewer_labels.text() == "ann: billing   [A]\nbob: account   [1]"
    assert "adjudication" in window.windowTitle()
    # t1's model suggestion is billing; the first numbered label is bob's account.
    assert window.session.alternatives()[0][0] == "account"

    press(qtbot, window, Qt.Key.Key_1)
    assert window.session.current.id == "t2"
    press(qtbot, window, Qt.Key.Key_S)
    assert window.session.current.id == "t2"
    press(qtbot, window, Qt.Key.Key_A)
    assert window.session.current is None
    assert "No disagreements left" in window.pane.empty.text()

    press(qtbot, window, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert window.session.current.id == "t2"
    press(qtbot, window, Qt.Key.Key_1)  # cy's account, the only other voted label
    window.dashboard.wait_for_work()
    store.close()

    with Store(team_store) as check:
        assert check.disagreements() == []
        facts = load_decision_facts(check)
    report = build_report(facts)
    # The lead's labels are the items' final labels: t1 account, t2 account.
    per_class = report.as_dict()["per_class"]
    assert per_class["account"]["support"] == 3
    # Agreement leaves the lead out: only ann, bob and cy are raters.
    reviewers = {name for pair in report.agreement.pairs for name in (pair.a, pair.b)}
    assert reviewers == {"ann", "bob", "cy"}


def test_agreement_panel_warns_when_low(qtbot, team_store):
    store = Store(team_store)
    window = show_window(qtbot, ReviewSession(store, "lead"))
    with qtbot.waitSignal(window.dashboard.report_shown, timeout=10_000) as shown:
        press(qtbot, window, Qt.Key.Key_2, Qt.KeyboardModifier.ControlModifier)

    agreement = shown.args[0].agreement
    # Shared items: t1 (0 of 1 pairs agree), t2 (1 of 3), t3 (1 of 1): mean 4/9.
    assert agreement.percent == pytest.approx((0 + 1 / 3 + 1) / 3)
    view = window.dashboard.agreement
    assert view.warning.isVisibleTo(window.dashboard)
    assert "fix the taxonomy" in view.warning.text()
    assert "account / billing" in view.warning.text()
    assert view.reviewers.item(0, 0).text() == "team"
    window.dashboard.wait_for_work()
    store.close()


def test_parts_split_other_items_between_stores(tmp_path):
    first = build_store(tmp_path / "first.db")
    second = build_store(tmp_path / "second.db")
    pending = {}
    for path, part in ((first, 1), (second, 2)):
        with Store(path) as store:
            store.set_project_id("split-test")
            store.set_overlap(Overlap(share=0.0, reviewers=2, part=part, parts=2))
            pending[part] = {
                row[0] for row in store.conn.execute("SELECT item_id FROM queue WHERE pending = 1")
            }
            # A decision and its undo keep an item outside the part out of the queue.
            session = ReviewSession(store, f"reviewer{part}")
            if session.current is not None:
                session.accept()
                session.undo()
            after = {
                row[0] for row in store.conn.execute("SELECT item_id FROM queue WHERE pending = 1")
            }
            assert after == pending[part]

    assert pending[1] | pending[2] == {"t1", "t2", "t3", "t4", "t5", "t6"}
    assert pending[1].isdisjoint(pending[2])
