"""Starting the window: the reviewer's name, and the checks made before Qt starts."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication, QInputDialog

from tests.review_fixtures import build_store
from triage_app.ui.app import REVIEWER_KEY, resolve_reviewer, settings
from triage_app.ui.display_check import display_problem


@pytest.fixture
def no_remembered_reviewer(qapp):
    settings().remove(REVIEWER_KEY)
    yield
    settings().remove(REVIEWER_KEY)


def test_given_reviewer_is_remembered(no_remembered_reviewer):
    assert resolve_reviewer("  dana ") == "dana"
    assert settings().value(REVIEWER_KEY) == "dana"
    assert resolve_reviewer(None) == "dana"


def test_reviewer_asked_once_when_unknown(qtbot, no_remembered_reviewer):
    def type_name():
        dialog = QApplication.activeModalWidget()
        assert isinstance(dialog, QInputDialog)
        target = QApplication.focusWidget() or dialog
        qtbot.keyClicks(target, "erin")
        qtbot.keyClick(target, Qt.Key.Key_Return)

    QTimer.singleShot(50, type_name)
    assert resolve_reviewer(None) == "erin"
    # The second start asks nothing: no timer answers a dialog this time.
    assert resolve_reviewer(None) == "erin"


def test_cancelled_name_question_returns_none(qtbot, no_remembered_reviewer):
    def cancel():
        dialog = QApplication.activeModalWidget()
        qtbot.keyClick(QApplication.focusWidget() or dialog, Qt.Key.Key_Escape)

    QTimer.singleShot(50, cancel)
    assert resolve_reviewer(None) is None


def test_display_problem_without_display():
    problem = display_problem({})
    assert problem is not None
    assert "no display" in problem
    assert "--no-window" in problem


def test_display_problem_none_offscreen():
    assert display_problem({"QT_QPA_PLATFORM": "offscreen"}) is None


def test_window_without_display_exits_with_reason(tmp_path):
    path = build_store(tmp_path / "store.db")
    environ = {
        key: value
        for key, value in os.environ.items()
        if key not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")
    }
    result = subprocess.run(
        [sys.executable, "-m", "triage_app", "--db", str(path), "--reviewer", "x"],
        capture_output=True,
        text=True,
        env=environ,
        timeout=60,
    )
    assert result.returncode == 1
    assert "no display found" in result.stderr
    assert "Traceback" not in result.stderr
