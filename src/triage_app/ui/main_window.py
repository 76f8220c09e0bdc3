"""The main window: menus and shortcuts from the keymap, the review pane, and the session."""

from __future__ import annotations

import logging
from pathlib import Path

from PySide6.QtGui import QAction, QCloseEvent, QKeySequence
from PySide6.QtWidgets import QDialog, QMainWindow, QMessageBox, QStackedWidget, QWidget

from triage_app.review.session import ReviewSession
from triage_app.store.errors import StoreError
from triage_app.ui.dashboard.dashboard_pane import DashboardPane
from triage_app.ui.help_overlay import HelpOverlay
from triage_app.ui.keymap import KEYMAP, MENUS
from triage_app.ui.label_picker import LabelPicker
from triage_app.ui.note_dialog import NoteDialog
from triage_app.ui.review_pane import ReviewPane

logger = logging.getLogger(__name__)

# Commands that do not act on the current item; the others work only on the review pane.
_PANE_COMMANDS = frozenset(
    {"show_review", "show_dashboard", "refresh_dashboard", "show_help", "quit"}
)


class MainWindow(QMainWindow):
    """Review and dashboard panes over one session; every keypress goes through the keymap."""

    def __init__(self, session: ReviewSession, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session = session
        mode = "adjudication — " if session.adjudicating else ""
        store_name = Path(session.store.path).name
        self.setWindowTitle(f"triage-app — {mode}{store_name} — {session.reviewer}")
        self.resize(1280, 800)

        self.pane = ReviewPane(reviewer=session.reviewer)
        self.dashboard = DashboardPane(session.store.path)
        self.panes = QStackedWidget()
        self.panes.addWidget(self.pane)
        self.panes.addWidget(self.dashboard)
        self.setCentralWidget(self.panes)
        self.help_overlay = HelpOverlay(self)
        self.actions_by_id: dict[str, QAction] = {}
        self._busy = False
        self._install_keymap()
        self.refresh()

    def _install_keymap(self) -> None:
        menus = {name: self.menuBar().addMenu(f"&{name}") for name in MENUS}
        for command in KEYMAP:
            action = QAction(command.title, self)
            action.setShortcuts([QKeySequence(key) for key in command.keys])
            # A held key sends auto-repeat presses; none of them may decide a second item.
            action.setAutoRepeat(False)
            action.triggered.connect(getattr(self, command.id))
            self.addAction(action)
            menus[command.menu].addAction(action)
            self.actions_by_id[command.id] = action

    def refresh(self) -> None:
        """Show the session's current item, its alternatives, progress and note."""
        session = self.session
        alternatives = session.alternatives()
        self.pane.show_item(
            session.current,
            alternatives,
            session.progress(),
            session.note,
            reviewer_labels=session.reviewer_labels(),
            adjudicating=session.adjudicating,
        )

        # Digits without an alternative stay enabled, so pressing one shows why nothing happened.
        for number in range(1, 10):
            action = self.actions_by_id[f"overturn_{number}"]
            if number <= len(alternatives):
                action.setText(f"Overturn to {alternatives[number - 1][0]}")
            else:
                action.setText(f"Overturn to alternative {number} (none for this item)")

        # Keys that decide must never act on an item the reviewer cannot see.
        reviewing = self.panes.currentWidget() is self.pane
        has_item = session.current is not None
        for command_id, action in self.actions_by_id.items():
            if command_id in _PANE_COMMANDS:
                continue
            if command_id == "undo":
                action.setEnabled(reviewing)
            else:
                action.setEnabled(reviewing and has_item)
        self.actions_by_id["refresh_dashboard"].setEnabled(not reviewing)

    def _run(self, work) -> None:
        """Run one decision; keys that arrive while it is being written are ignored."""
        if self._busy:
            return
        self._busy = True
        try:
            work()
        except StoreError as error:
            logger.error("decision failed on item %s: %s", self._current_id(), error)
            QMessageBox.warning(self, "Decision not saved", str(error))
        finally:
            self._busy = False
        self.refresh()
        self.dashboard.mark_stale()

    def _current_id(self) -> str | None:
        return self.session.current.id if self.session.current else None

    # Commands of the keymap, by id.

    def accept(self) -> None:
        self._run(self.session.accept)

    def _overturn_to(self, number: int) -> None:
        if number > len(self.session.alternatives()):
            self.statusBar().showMessage(f"This item has no alternative {number}.", 3000)
            return
        self._run(lambda: self.session.overturn_to_alternative(number))

    def overturn_1(self) -> None:
        self._overturn_to(1)

    def overturn_2(self) -> None:
        self._overturn_to(2)

    def overturn_3(self) -> None:
        self._overturn_to(3)

    def overturn_4(self) -> None:
        self._overturn_to(4)

    def overturn_5(self) -> None:
        self._overturn_to(5)

    def overturn_6(self) -> None:
        self._overturn_to(6)

    def overturn_7(self) -> None:
        self._overturn_to(7)

    def overturn_8(self) -> None:
        self._overturn_to(8)

    def overturn_9(self) -> None:
        self._overturn_to(9)

    def pick_label(self) -> None:
        item = self.session.current
        if item is None:
            return
        picker = LabelPicker(
            item.taxonomy,
            item.suggestion.distribution,
            exclude=item.suggestion.label,
            parent=self,
        )
        chosen = picker.chosen if self._exec_dialog(picker) else None
        if chosen is not None:
            self._run(lambda: self.session.overturn(chosen))

    def skip(self) -> None:
        def work() -> None:
            skipped = self.session.current
            self.session.skip()
            current = self.session.current
            if skipped is not None and current is not None and current.id == skipped.id:
                self.statusBar().showMessage(
                    "Skipped, but it is the only item left, so it is shown again.", 4000
                )

        self._run(work)

    def undo(self) -> None:
        def work() -> None:
            retracted = self.session.undo()
            if retracted is None:
                self.statusBar().showMessage("Nothing to undo.", 3000)
                return
            choice = f" to {retracted.label}" if retracted.action.value == "overturn" else ""
            self.statusBar().showMessage(
                f"Undid your {retracted.action.value}{choice} of this item; decide it again.",
                5000,
            )

        self._run(work)

    def scroll_down(self) -> None:
        self.pane.message.scroll_page(1)

    def scroll_up(self) -> None:
        self.pane.message.scroll_page(-1)

    def note(self) -> None:
        if self.session.current is None:
            return
        dialog = NoteDialog(self.session.note, parent=self)
        if self._exec_dialog(dialog):
            self.session.set_note(dialog.text())
            self.pane.show_note(self.session.note)

    def _exec_dialog(self, dialog: QDialog) -> bool:
        """Run a modal dialog, then give the keyboard back to the review window.

        Without a window manager (offscreen, bare Xvfb) nothing reactivates the window, and
        the next shortcut would be lost.
        """
        accepted = bool(dialog.exec())
        self.activateWindow()
        self.raise_()
        return accepted

    def show_review(self) -> None:
        self.panes.setCurrentWidget(self.pane)
        self.refresh()

    def show_dashboard(self) -> None:
        self.panes.setCurrentWidget(self.dashboard)
        self.refresh()

    def refresh_dashboard(self) -> None:
        self.dashboard.refresh()

    def show_help(self) -> None:
        self.help_overlay.open()

    def quit(self) -> None:
        self.close()

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        if self.help_overlay.isVisible():
            self.help_overlay.setGeometry(self.rect())

    def closeEvent(self, event: QCloseEvent) -> None:
        logger.info("review window closed by %s", self.session.reviewer)
        self.dashboard.wait_for_work()
        super().closeEvent(event)
