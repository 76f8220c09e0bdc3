"""A searchable list of every label of the taxonomy: type a few letters, Enter chooses."""

from __future__ import annotations

from collections.abc import Mapping

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtWidgets import QDialog, QLineEdit, QListWidget, QListWidgetItem, QVBoxLayout, QWidget

from triage_app.domain.taxonomy import Label, Taxonomy
from triage_app.ui.review_pane import describe_label
from triage_app.ui.text_views import PlainLabel

# Labels that match only in their definition come after every name match.
DESCRIPTION_RANK = 3


def rank_labels(
    labels: list[Label], query: str, probabilities: Mapping[str, float] | None = None
) -> list[Label]:
    """Return the labels that match every word of `query`, best matches first.

    A label whose name starts with the query ranks first, then names with a word starting
    with it, then names containing it anywhere, then labels that only match in their
    description. Underscores in names count as spaces. Within a rank, the model's more likely
    labels come first.
    """
    probabilities = probabilities or {}
    words = query.lower().replace("_", " ").split()
    if not words:
        return sorted(labels, key=lambda label: -probabilities.get(label.name, 0.0))

    phrase = " ".join(words)
    ranked: list[tuple[int, float, int, Label]] = []
    for position, label in enumerate(labels):
        name = label.name.lower().replace("_", " ")
        description = label.description.lower()
        name_words = name.split()
        if name.startswith(phrase):
            rank = 0
        elif f" {phrase}" in f" {name}" or all(
            any(part.startswith(word) for part in name_words) for word in words
        ):
            rank = 1
        elif phrase in name or all(word in name for word in words):
            rank = 2
        elif all(word in name or word in description for word in words):
            rank = DESCRIPTION_RANK
        else:
            continue
        ranked.append((rank, -probabilities.get(label.name, 0.0), position, label))
    return [entry[-1] for entry in sorted(ranked, key=lambda entry: entry[:3])]


def matches_description_only(label: Label, query: str) -> bool:
    words = query.lower().replace("_", " ").split()
    name = label.name.lower().replace("_", " ")
    return bool(words) and not all(word in name for word in words)


class LabelPicker(QDialog):
    """Modal picker; `chosen` is the label name after the dialog is accepted."""

    def __init__(
        self,
        taxonomy: Taxonomy,
        probabilities: Mapping[str, float],
        *,
        exclude: str | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Overturn to label")
        self.resize(560, 520)
        self.chosen: str | None = None
        self._labels = [label for label in taxonomy.labels if label.name != exclude]
        self._probabilities = probabilities

        self.search = QLineEdit()
        self.search.setPlaceholderText(f"Search {len(self._labels)} labels by name or description")
        self.search.setClearButtonEnabled(True)
        self.list = QListWidget()
        self.list.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.definition = PlainLabel()
        self.definition.setObjectName("mutedText")
        self.definition.setMinimumHeight(70)
        self.definition.setAlignment(Qt.AlignmentFlag.AlignTop)

        layout = QVBoxLayout(self)
        layout.addWidget(self.search)
        layout.addWidget(self.list, 1)
        layout.addWidget(self.definition)

        self.search.textChanged.connect(self._filter)
        self.search.installEventFilter(self)
        self.list.currentRowChanged.connect(self._show_definition)
        self.list.itemActivated.connect(lambda _: self._choose())
        self._filter("")

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.search and event.type() == QEvent.Type.KeyPress:
            key = event.key()
            if key in (Qt.Key.Key_Down, Qt.Key.Key_Up, Qt.Key.Key_PageDown, Qt.Key.Key_PageUp):
                step = {Qt.Key.Key_Down: 1, Qt.Key.Key_Up: -1, Qt.Key.Key_PageDown: 10,
                        Qt.Key.Key_PageUp: -10}[key]  # fmt: skip
                row = min(max(self.list.currentRow() + step, 0), self.list.count() - 1)
                self.list.setCurrentRow(row)
                return True
            if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
                self._choose()
                return True
        return super().eventFilter(watched, event)

    def _filter(self, query: str) -> None:
        self.list.clear()
        for label in rank_labels(self._labels, query, self._probabilities):
            probability = self._probabilities.get(label.name, 0.0)
            why = "    (matches its definition)" if matches_description_only(label, query) else ""
            entry = QListWidgetItem(f"{label.name}    {probability:.1%}{why}")
            entry.setData(Qt.ItemDataRole.UserRole, label.name)
            entry.setToolTip(label.description)
            self.list.addItem(entry)
        if self.list.count():
            self.list.setCurrentRow(0)
        else:
            self.definition.setText(f"No label matches {query!r}.")

    def _show_definition(self, row: int) -> None:
        if row < 0:
            return
        name = self.list.item(row).data(Qt.ItemDataRole.UserRole)
        self.definition.setText(describe_label(next(lb for lb in self._labels if lb.name == name)))

    def _choose(self) -> None:
        entry = self.list.currentItem()
        if entry is None:
            return
        self.chosen = entry.data(Qt.ItemDataRole.UserRole)
        self.accept()
