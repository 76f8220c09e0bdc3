"""A small real store to drive the review window with, and helpers to drive it."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from triage_app.domain.item import NewItem
from triage_app.domain.suggestion import Suggestion
from triage_app.domain.taxonomy import Label, Taxonomy
from triage_app.review.session import ReviewSession
from triage_app.store.store import Store
from triage_app.ui.main_window import MainWindow

TAXONOMY = Taxonomy(
    version="support-v1",
    labels=(
        Label(
            "billing", "Charges, invoices and refunds.", ("Refund requests",), ("Login: account",)
        ),
        Label("technical", "The product does not work as documented."),
        Label("account", "Login, password and profile changes."),
        Label("shipping", "Where a parcel is and when it arrives."),
        Label("cancellation", "Ending a subscription or an order."),
    ),
)

# (id, text, suggested label, distribution); queue order is lowest confidence first.
ITEMS = [
    ("t1", "I was charged twice this month.", "billing",
     {"billing": 0.40, "account": 0.30, "technical": 0.20, "shipping": 0.10}),
    ("t2", "The app crashes when I open settings.", "technical",
     {"technical": 0.45, "account": 0.35, "billing": 0.20}),
    ("t3", "I cannot log in since yesterday.", "account",
     {"account": 0.50, "technical": 0.40, "billing": 0.10}),
    ("t4", "Where is my parcel?", "shipping",
     {"shipping": 0.55, "cancellation": 0.25, "billing": 0.20}),
    ("t5", "Please stop my subscription.", "cancellation",
     {"cancellation": 0.60, "billing": 0.40}),
    ("t6", "<b>Refund</b> <img src='http://127.0.0.1:9/x.png'> <a href='x'>now</a>", "billing",
     {"billing": 0.70, "cancellation": 0.30}),
]  # fmt: skip


def build_store(path: Path) -> Path:
    with Store(path) as store:
        store.add_taxonomy(TAXONOMY)
        store.add_items(
            NewItem(
                id=item_id,
                text=text,
                suggestion=Suggestion(
                    label=label,
                    distribution=distribution,
                    rationale=f"<i>Rationale</i> for {item_id}",
                    model="test-model",
                    method="logprobs",
                    escalation_reason="low confidence",
                    taxonomy_version=TAXONOMY.version,
                ),
            )
            for item_id, text, label, distribution in ITEMS
        )
    return path


def show_window(qtbot, session: ReviewSession) -> MainWindow:
    """Open the review window on `session` and wait until it has the keyboard."""
    window = MainWindow(session)
    qtbot.addWidget(window)
    with qtbot.waitActive(window):
        window.show()
        window.activateWindow()
    return window


def press(qtbot, window: MainWindow, key, modifier=Qt.KeyboardModifier.NoModifier) -> None:
    """Press a key where a real keyboard sends it: the focus widget, else the window."""
    qtbot.keyClick(QApplication.focusWidget() or window, key, modifier)
