"""A review process killed with SIGKILL keeps every decision the window had moved past."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import textwrap

from tests.review_fixtures import build_store
from triage_app.store.store import Store

CHILD = textwrap.dedent(
    """
    import os, sys
    os.environ["QT_QPA_PLATFORM"] = "offscreen"
    from PySide6.QtCore import Qt
    from PySide6.QtTest import QTest
    from triage_app.review.session import ReviewSession
    from triage_app.store.store import Store
    from triage_app.ui.app import application
    from triage_app.ui.main_window import MainWindow

    app = application()
    window = MainWindow(ReviewSession(Store(sys.argv[1]), "crash-test"))
    window.show()
    window.activateWindow()
    QTest.qWaitForWindowActive(window)
    keys = [Qt.Key.Key_A, Qt.Key.Key_1, Qt.Key.Key_S]
    presses = 0
    while window.session.current is not None:
        before = window.session.current.id
        QTest.keyClick(window, keys[presses % len(keys)])
        presses += 1
        after = window.session.current.id if window.session.current else "-"
        print(f"moved {before} {after}", flush=True)
    print("done", flush=True)
    app.processEvents()
    """
)


def test_sigkill_after_keypress_loses_no_decision(tmp_path):
    path = build_store(tmp_path / "crash.db")
    script = tmp_path / "child.py"
    script.write_text(CHILD)

    child = subprocess.Popen(
        [sys.executable, str(script), str(path)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)},
    )
    moved: list[str] = []
    for line in child.stdout:
        if line.startswith("moved"):
            moved.append(line.split()[1])
        if len(moved) == 4:
            # The child goes on pressing keys; the kill lands in the middle of that work.
            child.send_signal(signal.SIGKILL)
            break
    child.wait(timeout=30)
    assert child.returncode == -signal.SIGKILL, child.stderr.read()

    with sqlite3.connect(path) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    with Store(path) as store:
        decided = [decision.item_id for decision in store.decisions()]

    assert len(moved) == 4
    for item_id in moved:
        assert item_id in decided, f"decision on {item_id} lost after SIGKILL"
    assert decided[: len(moved)] == moved
