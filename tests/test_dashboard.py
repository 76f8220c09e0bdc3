"""The dashboard pane: opened with Ctrl+2, filtered, saved, and equal to `report --json`."""

from __future__ import annotations

import csv
import json
import subprocess
import sys

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QImage

from tests.review_fixtures import build_store, press, show_window
from triage_app.domain.decision import Action
from triage_app.review.session import ReviewSession
from triage_app.store.store import Store


@pytest.fixture
def store_path(tmp_path):
    path = build_store(tmp_path / "dashboard.db")
    with Store(path) as store:
        # Two reviewers: bob overturns t1 and t2, carol accepts t3 and overturns t4.
        for item_id, reviewer, action, label in (
            ("t1", "bob", Action.OVERTURN, "account"),
            ("t2", "bob", Action.OVERTURN, "account"),
            ("t3", "carol", Action.ACCEPT, None),
            ("t4", "carol", Action.OVERTURN, "billing"),
        ):
            store.add_decision(
                item=store.review_item(item_id),
                reviewer=reviewer,
                action=action,
                label=label,
                duration_ms=2000,
            )
    return path


@pytest.fixture
def window(qtbot, store_path):
    store = Store(store_path)
    window = show_window(qtbot, ReviewSession(store, "alice"))
    yield window
    window.dashboard.wait_for_work()
    store.close()


def open_dashboard(qtbot, window):
    with qtbot.waitSignal(window.dashboard.report_shown, timeout=10_000) as shown:
        press(qtbot, window, Qt.Key.Key_2, Qt.KeyboardModifier.ControlModifier)
    return shown.args[0]


def cli_report(store_path, *args):
    result = subprocess.run(
        [sys.executable, "-m", "triage_app", "report", "--db", str(store_path), "--json", *args],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    return json.loads(result.stdout)


def test_ctrl_2_shows_dashboard_with_cli_numbers(qtbot, window, store_path):
    report = open_dashboard(qtbot, window)

    assert window.panes.currentWidget() is window.dashboard
    assert report.as_dict() == cli_report(store_path)
    assert report.decisions == 4
    assert report.overturn.value == pytest.approx(0.75)


def test_review_keys_do_nothing_on_dashboard(qtbot, window, store_path):
    open_dashboard(qtbot, window)
    press(qtbot, window, Qt.Key.Key_A)
    press(qtbot, window, Qt.Key.Key_1)

    with Store(store_path) as store:
        assert [d.reviewer for d in store.decisions()] == ["bob", "bob", "carol", "carol"]

    press(qtbot, window, Qt.Key.Key_1, Qt.KeyboardModifier.ControlModifier)
    assert window.panes.currentWidget() is window.pane
    press(qtbot, window, Qt.Key.Key_A)
    with Store(store_path) as store:
        assert [d.reviewer for d in store.decisions()][-1] == "alice"


def test_reviewer_filter_matches_cli(qtbot, window, store_path):
    open_dashboard(qtbot, window)
    combo = window.dashboard.reviewer
    assert [combo.itemText(i) for i in range(combo.count())] == ["any", "bob", "carol"]

    with qtbot.waitSignal(window.dashboard.report_shown, timeout=10_000) as shown:
        combo.setCurrentIndex(combo.findText("carol"))
    report = shown.args[0]

    assert report.decisions == 2
    assert report.overturn.value == pytest.approx(0.5)
    assert report.as_dict() == cli_report(store_path, "--reviewer", "carol")


def test_date_filter_outside_decisions_explains(qtbot, window):
    open_dashboard(qtbot, window)
    until = window.dashboard.until
    with qtbot.waitSignal(window.dashboard.report_shown, timeout=10_000) as shown:
        qtbot.keyClicks(until, "2001-01-01")
        qtbot.keyClick(until, Qt.Key.Key_Return)
    assert shown.args[0].decisions == 0
    panel = window.dashboard.panels["reliability"]
    assert "No decisions match" in panel.explanation.text()
    assert not panel.save_png_button.isEnabled()


def test_save_png_and_csv(qtbot, window, tmp_path):
    report = open_dashboard(qtbot, window)
    panel = window.dashboard.panels["reliability"]
    png = tmp_path / "reliability.png"
    table = tmp_path / "reliability.csv"

    panel.save_png(png)
    panel.save_csv(table)

    image = QImage(str(png))
    assert not image.isNull()
    assert image.width() > 100
    rows = list(csv.reader(table.open()))
    assert rows[0] == ["lower", "upper", "count", "mean_confidence", "accuracy"]
    assert sum(int(row[2]) for row in rows[1:11]) == report.reviewed_items
    assert ["ece", str(report.calibration.ece)] in rows


def test_dashboard_refreshes_after_new_decision(qtbot, window):
    open_dashboard(qtbot, window)
    press(qtbot, window, Qt.Key.Key_1, Qt.KeyboardModifier.ControlModifier)
    press(qtbot, window, Qt.Key.Key_A)  # alice accepts t5

    with qtbot.waitSignal(window.dashboard.report_shown, timeout=10_000) as shown:
        press(qtbot, window, Qt.Key.Key_2, Qt.KeyboardModifier.ControlModifier)
    assert shown.args[0].decisions == 5
    assert "alice" in shown.args[0].pace


def test_empty_store_explains(qtbot, tmp_path):
    store = Store(tmp_path / "empty.db")
    window = show_window(qtbot, ReviewSession(store, "alice"))

    report = open_dashboard(qtbot, window)
    assert report.decisions == 0
    for panel in window.dashboard.panels.values():
        assert "No decisions match" in panel.explanation.text()
    window.dashboard.wait_for_work()
    store.close()


def test_single_class_explains(qtbot, tmp_path):
    path = build_store(tmp_path / "single.db")
    with Store(path) as store:
        store.add_decision(item=store.review_item("t1"), reviewer="bob", action=Action.ACCEPT)
    store = Store(path)
    window = show_window(qtbot, ReviewSession(store, "alice"))

    report = open_dashboard(qtbot, window)
    assert report.decisions == 1
    assert "Only one label" in window.dashboard.panels["per_class"].explanation.text()
    assert "No confusions" in window.dashboard.panels["confusion"].explanation.text()
    window.dashboard.wait_for_work()
    store.close()
