"""An overlay over the window that lists every shortcut of the keymap; any key closes it."""

from __future__ import annotations

from PySide6.QtCore import QEvent, Qt
from PySide6.QtGui import QKeyEvent, QKeySequence, QMouseEvent
from PySide6.QtWidgets import QFrame, QGridLayout, QVBoxLayout, QWidget

from triage_app.ui.keymap import KEYMAP, Command
from triage_app.ui.text_views import PlainLabel


def key_text(command: Command) -> str:
    """Return the command's keys as the platform writes them, e.g. "A  or  Return  or  Enter"."""
    names = [
        QKeySequence(key).toString(QKeySequence.SequenceFormat.NativeText) or key
        for key in command.keys
    ]
    return "  or  ".join(names)


class HelpOverlay(QFrame):
    """Covers its parent while shown and swallows keys, so no shortcut fires behind it."""

    def __init__(self, parent: QWidget) -> None:
        super().__init__(parent)
        self.setObjectName("helpOverlay")
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)

        grid = QGridLayout()
        grid.setHorizontalSpacing(24)
        digits = [entry for entry in KEYMAP if entry.id.startswith("overturn_")]
        row = 0
        for entry in KEYMAP:
            if entry in digits[1:]:
                continue
            if entry is digits[0]:
                keys, title = "1 … 9", "Overturn to the numbered label beside the chart"
            else:
                keys, title = key_text(entry), entry.title
            grid.addWidget(PlainLabel(keys, wrap=False), row, 0, Qt.AlignmentFlag.AlignRight)
            grid.addWidget(PlainLabel(title, wrap=False), row, 1)
            row += 1

        layout = QVBoxLayout(self)
        layout.addStretch(1)
        title = PlainLabel("Keyboard shortcuts", wrap=False)
        title.setStyleSheet("font-size: 20px; font-weight: 600;")
        layout.addWidget(title, 0, Qt.AlignmentFlag.AlignHCenter)
        layout.addLayout(grid)
        closing = PlainLabel("Press any key to close", wrap=False)
        layout.addWidget(closing, 0, Qt.AlignmentFlag.AlignHCenter)
        layout.addStretch(1)
        self.hide()

    def open(self) -> None:
        self.setGeometry(self.parentWidget().rect())
        self.raise_()
        self.show()
        self.setFocus()

    def event(self, event: QEvent) -> bool:
        # Accepting the override stops window shortcuts, so the key reaches keyPressEvent.
        if event.type() == QEvent.Type.ShortcutOverride and self.isVisible():
            event.accept()
            return True
        return super().event(event)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.isAutoRepeat():
            return
        self.hide()

    def mousePressEvent(self, event: QMouseEvent) -> None:
        self.hide()
