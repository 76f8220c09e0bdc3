"""ReviewSession against a real store file, with a clock the test moves by hand."""

from __future__ import annotations

import sqlite3

import pytest

from tests.import_fixtures import new_item
from triage_app.domain.decision import Action
from triage_app.review.session import ReviewSession

pytest_plugins = ["tests.import_fixtures"]

REVIEWER = "alice"


class FakeClock:
    """A monotonic clock in seconds that returns the last entry of `times`.

    The tests advance it by binary fractions of a second, so the session's milliseconds are exact.
    """

    def __init__(self, start: float = 1000.0) -> None:
        self.times = [start]

    def __call__(self) -> float:
        return self.times[-1]

    def advance(self, seconds: float) -> None:
        self.times.append(self.times[-1] + seconds)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def session(store, clock) -> ReviewSession:
    """A session on four items, queued x1, x2, x3, x4 (lowest confidence first)."""
    store.add_items(
        [
            new_item("x1", distribution={"billing": 0.4, "account": 0.35, "technical": 0.25}),
            new_item("x2", confidence=0.5, label="technical"),
            new_item("x3", confidence=0.6, label="account"),
            new_item("x4", confidence=0.7),
        ]
    )
    return ReviewSession(store, REVIEWER, clock=clock)


def current_id(session: ReviewSession) -> str | None:
    return session.current.id if session.current is not None else None


def test_accept_logs_suggested_label(session):
    decision = session.accept()

    assert decision.action is Action.ACCEPT
    assert decision.item_id == "x1"
    assert decision.label == "billing"
    assert decision.model_label == "billing"
    assert decision.model_confidence == 0.4
    assert decision.reviewer == REVIEWER
    assert current_id(session) == "x2"


def test_accept_committed_before_next_item(session, db_path):
    decision = session.accept()

    # A second connection reads only committed rows.
    conn = sqlite3.connect(db_path)
    row = conn.execute(
        "SELECT item_id, action, label FROM decisions WHERE id = ?", (decision.id,)
    ).fetchone()
    conn.close()

    assert row == ("x1", "accept", "billing")
    assert current_id(session) == "x2"


@pytest.mark.parametrize(("number", "label"), [(1, "account"), (2, "technical")])
def test_overturn_to_alternative(number, label, session):
    decision = session.overturn_to_alternative(number)

    assert decision.action is Action.OVERTURN
    assert decision.item_id == "x1"
    assert decision.label == label
    assert decision.overturned


def test_missing_alternative_logs_nothing(session):
    # x1's distribution has two labels besides the suggestion.
    assert session.overturn_to_alternative(3) is None
    assert session.overturn_to_alternative(0) is None

    assert list(session.store.decisions()) == []
    assert current_id(session) == "x1"


def test_skip_item_comes_back_last(session):
    skipped = session.skip()
    order = []
    while session.current is not None:
        order.append(current_id(session))
        session.accept()

    assert skipped.action is Action.SKIP
    assert skipped.item_id == "x1"
    assert order == ["x2", "x3", "x4", "x1"]


def test_skip_of_last_item_shows_it_again(store, clock):
    store.add_items([new_item("only")])
    session = ReviewSession(store, REVIEWER, clock=clock)

    session.skip()

    assert current_id(session) == "only"


def test_undo_twice_restores_in_reverse_order(session):
    first = session.accept()
    second = session.overturn("account")

    undone_second = session.undo()
    shown_after_first_undo = current_id(session)
    undone_first = session.undo()
    shown_after_second_undo = current_id(session)

    assert undone_second.id == second.id
    assert shown_after_first_undo == "x2"
    assert undone_first.id == first.id
    assert shown_after_second_undo == "x1"
    assert session.undo() is None
    assert session.store.queue_counts().pending == 4


def test_note_saved_on_next_decision(session, db_path):
    session.set_note("  Customer also mentions a login problem.  ")

    decision = session.accept()
    conn = sqlite3.connect(db_path)
    stored_note = conn.execute("SELECT note FROM decisions WHERE id = ?", (decision.id,)).fetchone()
    conn.close()

    assert decision.note == "Customer also mentions a login problem."
    assert stored_note == ("Customer also mentions a login problem.",)
    assert session.note == ""


def test_note_restored_by_undo(session):
    session.set_note("check with billing team")
    session.accept()
    session.accept()

    session.undo()
    note_after_first_undo = session.note
    session.undo()

    assert note_after_first_undo == ""
    assert session.note == "check with billing team"
    assert current_id(session) == "x1"


def test_skipped_item_keeps_note(session):
    session.set_note("ask the billing team")
    session.skip()
    while current_id(session) != "x1":
        session.accept()

    note_when_back = session.note
    decision = session.accept()

    assert note_when_back == "ask the billing team"
    assert decision.item_id == "x1"
    assert decision.note == "ask the billing team"


def test_duration_comes_from_clock(session, clock):
    clock.advance(2.25)
    first = session.accept()
    clock.advance(0.5)
    clock.advance(0.75)
    second = session.skip()

    assert first.duration_ms == 2250
    assert second.duration_ms == 1250


def test_progress_counts(session, clock):
    start = session.progress()
    clock.advance(30.0)
    session.accept()
    early = session.progress()
    clock.advance(60.0)
    session.accept()
    paced = session.progress()
    session.skip()
    after_skip = session.progress()
    session.undo()
    after_undo_of_skip = session.progress()
    session.undo()
    after_undo_of_accept = session.progress()

    assert (start.position, start.total, start.remaining) == (1, 4, 4)
    assert start.decided_this_session == 0
    assert start.items_per_hour is None

    assert (early.position, early.remaining, early.decided_this_session) == (2, 3, 1)
    # No pace is given before a minute of reviewing.
    assert early.items_per_hour is None

    assert (paced.position, paced.remaining, paced.decided_this_session) == (3, 2, 2)
    assert paced.items_per_hour == pytest.approx(2 / (90.0 / 3600))

    assert (after_skip.position, after_skip.remaining) == (3, 2)
    assert (after_undo_of_skip.position, after_undo_of_skip.remaining) == (3, 2)
    assert (after_undo_of_accept.position, after_undo_of_accept.remaining) == (2, 3)
    assert after_undo_of_accept.decided_this_session == 1


def test_session_after_queue_empty(session):
    for _ in range(4):
        session.accept()

    assert session.current is None
    assert session.accept() is None
    assert session.progress().remaining == 0
    assert session.progress().position == 4
