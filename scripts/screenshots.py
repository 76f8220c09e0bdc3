"""Render the README's screenshots from the real window on the banking77 demo store.

    python scripts/screenshots.py [--db PATH] [--out docs/screenshots]

Runs offscreen; needs no display. Works on a copy of PATH, so the store given is left as it
was; without --db it builds a fresh demo store.
"""

from __future__ import annotations

import argparse
import os
import shutil
import tempfile
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from triage_app.demo.banking77 import build_demo
from triage_app.review.session import ReviewSession
from triage_app.store.store import Store
from triage_app.ui.app import application
from triage_app.ui.label_picker import LabelPicker
from triage_app.ui.main_window import MainWindow


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path, help="demo store to show (default: a fresh one)")
    parser.add_argument("--out", type=Path, default=Path("docs/screenshots"))
    args = parser.parse_args()

    db = Path(tempfile.mkdtemp()) / "demo.db"
    if args.db is None:
        build_demo(db)
    else:
        shutil.copyfile(args.db, db)
    args.out.mkdir(parents=True, exist_ok=True)

    app = application()
    store = Store(db)
    window = MainWindow(ReviewSession(store, "screenshots"))
    window.resize(1360, 820)
    window.show()
    window.activateWindow()
    QTest.qWaitForWindowActive(window)

    # A few decisions, so the queue status shows progress.
    for key in (Qt.Key.Key_A, Qt.Key.Key_1, Qt.Key.Key_A):
        QTest.keyClick(window, key)
    app.processEvents()
    window.grab().save(str(args.out / "review.png"))

    window.show_help()
    app.processEvents()
    window.grab().save(str(args.out / "help.png"))
    window.help_overlay.hide()

    window.show_dashboard()
    with_report = []
    window.dashboard.report_shown.connect(with_report.append)
    while not with_report:
        app.processEvents()
    app.processEvents()
    window.grab().save(str(args.out / "dashboard.png"))
    window.show_review()

    item = window.session.current
    picker = LabelPicker(
        item.taxonomy, item.suggestion.distribution, exclude=item.suggestion.label, parent=window
    )
    picker.show()
    QTest.keyClicks(picker.search, "card")
    app.processEvents()
    picker.grab().save(str(args.out / "picker.png"))
    picker.close()
    store.close()
    print(f"Wrote review.png, help.png, dashboard.png and picker.png to {args.out}")


if __name__ == "__main__":
    main()
