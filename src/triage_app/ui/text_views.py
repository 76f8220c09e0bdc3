"""Widgets that show untrusted text, such as customer messages and model output, as plain text.

QLabel guesses rich text by default, so a message containing <b> or <img> would render and
could load resources. Every widget here forces plain text.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QPlainTextEdit, QWidget


class PlainLabel(QLabel):
    """A QLabel that never interprets markup."""

    def __init__(self, text: str = "", parent: QWidget | None = None, *, wrap: bool = True) -> None:
        super().__init__(parent)
        self.setTextFormat(Qt.TextFormat.PlainText)
        self.setWordWrap(wrap)
        self.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.setText(text)


class MessageView(QPlainTextEdit):
    """The item's text: read-only, selectable with the mouse.

    It never takes the keyboard focus, so every key reaches the window's shortcuts; the
    window scrolls it with `scroll_page`.
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setReadOnly(True)
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.setObjectName("messageView")

    def scroll_page(self, pages: int) -> None:
        bar = self.verticalScrollBar()
        bar.setValue(bar.value() + pages * bar.pageStep())
