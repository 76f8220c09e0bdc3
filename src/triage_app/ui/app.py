"""Start the Qt application: ask for the reviewer's name once, open the window on a store."""

from __future__ import annotations

import logging
import sys
import traceback
from pathlib import Path
from types import TracebackType

from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QApplication, QInputDialog, QMessageBox

from triage_app.review.session import AdjudicationSession, ReviewSession
from triage_app.store.errors import StoreError
from triage_app.store.store import Store
from triage_app.ui.display_check import display_problem
from triage_app.ui.main_window import MainWindow
from triage_app.ui.theme import STYLE_SHEET

logger = logging.getLogger(__name__)

SETTINGS_ORGANIZATION = "triage-app"
SETTINGS_APPLICATION = "triage-app"
REVIEWER_KEY = "reviewer/name"


def application() -> QApplication:
    app = QApplication.instance() or QApplication(sys.argv)
    app.setApplicationName("triage-app")
    app.setOrganizationName(SETTINGS_ORGANIZATION)
    app.setStyleSheet(STYLE_SHEET)
    return app


def settings() -> QSettings:
    return QSettings(SETTINGS_ORGANIZATION, SETTINGS_APPLICATION)


def resolve_reviewer(given: str | None) -> str | None:
    """Return the reviewer's name: the one given, else the remembered one, else ask once.

    Return None when the reviewer cancels the question.
    """
    store = settings()
    if given and given.strip():
        store.setValue(REVIEWER_KEY, given.strip())
        return given.strip()

    remembered = store.value(REVIEWER_KEY, "")
    if isinstance(remembered, str) and remembered.strip():
        return remembered.strip()

    while True:
        name, ok = QInputDialog.getText(
            None,
            "Reviewer",
            "Your name, recorded on every decision you make (asked only once):",
        )
        if not ok:
            return None
        if name.strip():
            store.setValue(REVIEWER_KEY, name.strip())
            return name.strip()


def _show_unexpected_error(
    kind: type[BaseException], error: BaseException, trace: TracebackType | None
) -> None:
    """Log an uncaught error and tell the reviewer, instead of ending the session."""
    logger.error("unexpected error:\n%s", "".join(traceback.format_exception(kind, error, trace)))
    QMessageBox.critical(
        None,
        "Unexpected error",
        f"{kind.__name__}: {error}\n\nYour decisions so far are saved. "
        "If this repeats, restart triage-app and report the message.",
    )


def run_window(db: Path, *, reviewer: str | None, adjudicate: bool = False) -> int:
    """Open the review window on the store at `db` and run until it is closed.

    With `adjudicate`, the queue contains the items where reviewers disagree.
    """
    problem = display_problem()
    if problem is not None:
        print(f"triage-app: cannot open the window: {problem}", file=sys.stderr)
        return 1

    app = application()
    name = resolve_reviewer(reviewer)
    if name is None:
        print("triage-app: no reviewer name given; the window was not opened", file=sys.stderr)
        return 1

    try:
        store = Store(db)
    except StoreError as error:
        QMessageBox.critical(None, "Cannot open store", str(error))
        print(f"triage-app: {error}", file=sys.stderr)
        return 1

    sys.excepthook = _show_unexpected_error
    with store:
        session_type = AdjudicationSession if adjudicate else ReviewSession
        window = MainWindow(session_type(store, name))
        window.show()
        return app.exec()
