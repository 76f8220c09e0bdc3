"""The review screen: the message, the suggestion with its definition, chart and rationale,
and where the reviewer is in the queue. It only renders the state it is given."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QProgressBar,
    QSplitter,
    QStackedLayout,
    QVBoxLayout,
    QWidget,
)

from triage_app.domain.item import ReviewItem
from triage_app.domain.taxonomy import Label
from triage_app.review.session import Progress
from triage_app.ui.distribution_chart import DistributionChart
from triage_app.ui.text_views import MessageView, PlainLabel


def _section(title: str) -> PlainLabel:
    label = PlainLabel(title.upper(), wrap=False)
    label.setObjectName("sectionTitle")
    return label


def _panel() -> tuple[QFrame, QVBoxLayout]:
    frame = QFrame()
    frame.setObjectName("panel")
    layout = QVBoxLayout(frame)
    layout.setContentsMargins(12, 10, 12, 10)
    layout.setSpacing(6)
    return frame, layout


def describe_label(label: Label | None) -> str:
    """Return a label's definition as plain text: description, then includes and excludes."""
    if label is None:
        return "This label is missing from the taxonomy."
    parts = [label.description or "No description in the taxonomy."]
    if label.includes:
        parts.append("Includes: " + "; ".join(label.includes))
    if label.excludes:
        parts.append("Excludes: " + "; ".join(label.excludes))
    return "\n".join(parts)


class QueueStatus(QWidget):
    """Position in the queue, items left, a progress bar and the reviewer's pace."""

    def __init__(self, reviewer: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.reviewer = PlainLabel(f"Reviewer: {reviewer}", wrap=False)
        self.reviewer.setObjectName("mutedText")
        self.summary = PlainLabel(wrap=False)
        self.pace = PlainLabel(wrap=False)
        self.pace.setObjectName("mutedText")
        self.bar = QProgressBar()
        self.bar.setTextVisible(False)
        self.bar.setMaximumHeight(10)

        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.summary)
        layout.addWidget(self.bar, 1)
        layout.addWidget(self.pace)
        layout.addWidget(self.reviewer)

    def show_progress(self, progress: Progress) -> None:
        decided = progress.total - progress.remaining
        if progress.total == 0:
            self.summary.setText("No items")
        elif progress.remaining:
            self.summary.setText(
                f"Item {progress.position} of {progress.total}  ·  {progress.remaining} left"
            )
        else:
            self.summary.setText(f"All {progress.total} items decided")
        self.bar.setMaximum(max(progress.total, 1))
        self.bar.setValue(decided)
        pace = (
            "pace after 1 minute"
            if progress.items_per_hour is None
            else f"{progress.items_per_hour:.0f} items/hour this session"
        )
        self.pace.setText(f"{progress.decided_this_session} this session  ·  {pace}")


class ReviewPane(QWidget):
    """Shows one item and its suggestion, or a message when the queue is empty."""

    def __init__(self, reviewer: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.status = QueueStatus(reviewer)

        self.message = MessageView()
        self.item_id = PlainLabel()
        self.item_id.setObjectName("mutedText")
        self.escalation = PlainLabel()
        self.escalation.setObjectName("escalation")
        self.note = PlainLabel()
        self.note.setObjectName("noteText")
        self.reviewer_labels_title = _section("Reviewers' labels (adjudication)")
        self.reviewer_labels = PlainLabel()
        self.reviewer_labels.setObjectName("reviewerLabels")

        message_panel, message_layout = _panel()
        message_layout.addWidget(_section("Message"))
        message_layout.addWidget(self.message, 1)
        message_layout.addWidget(self.item_id)
        message_layout.addWidget(_section("Escalation reason"))
        message_layout.addWidget(self.escalation)
        message_layout.addWidget(self.note)
        message_layout.addWidget(self.reviewer_labels_title)
        message_layout.addWidget(self.reviewer_labels)

        self.suggested = PlainLabel(wrap=False)
        self.suggested.setObjectName("suggestedLabel")
        self.definition = PlainLabel()
        self.chart = DistributionChart()
        self.chart.setMinimumHeight(260)
        self.rationale = PlainLabel()
        self.model = PlainLabel()
        self.model.setObjectName("mutedText")

        suggestion_panel, suggestion_layout = _panel()
        suggestion_layout.addWidget(_section("Suggestion  (A or Enter accepts)"))
        suggestion_layout.addWidget(self.suggested)
        suggestion_layout.addWidget(self.definition)
        suggestion_layout.addWidget(_section("Confidence  (1-9 overturn to that label)"))
        suggestion_layout.addWidget(self.chart, 1)
        suggestion_layout.addWidget(_section("Rationale"))
        suggestion_layout.addWidget(self.rationale)
        suggestion_layout.addWidget(self.model)

        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.addWidget(message_panel)
        splitter.addWidget(suggestion_panel)
        splitter.setStretchFactor(0, 1)
        splitter.setStretchFactor(1, 1)
        splitter.setChildrenCollapsible(False)

        self.empty = PlainLabel()
        self.empty.setObjectName("emptyQueue")
        self.empty.setAlignment(Qt.AlignmentFlag.AlignCenter)

        self._stack = QStackedLayout()
        review = QWidget()
        review_layout = QVBoxLayout(review)
        review_layout.setContentsMargins(0, 0, 0, 0)
        review_layout.addWidget(splitter)
        self._stack.addWidget(review)
        self._stack.addWidget(self.empty)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(12, 8, 12, 12)
        layout.addWidget(self.status)
        layout.addLayout(self._stack, 1)

    def show_item(
        self,
        item: ReviewItem | None,
        alternatives: list[tuple[str, float]],
        progress: Progress,
        note: str,
        reviewer_labels: dict[str, str] | None = None,
        adjudicating: bool = False,
    ) -> None:
        self.status.show_progress(progress)
        if item is None:
            self._stack.setCurrentIndex(1)
            if adjudicating:
                self.empty.setText(
                    "No disagreements left to adjudicate.\nCtrl+Z undoes your last decision."
                )
            elif progress.total == 0:
                self.empty.setText(
                    "This store has no items yet.\n"
                    "Import some with: triage-app import FILE --taxonomy TAXONOMY --db STORE"
                )
            else:
                self.empty.setText(
                    f"The queue is empty: all {progress.total} items are decided.\n"
                    "Ctrl+Z undoes your last decision."
                )
            self.chart.clear()
            return

        self._stack.setCurrentIndex(0)
        suggestion = item.suggestion
        self.message.setPlainText(item.text)
        details = [f"Item {item.id}"]
        if item.priority:
            details.append(f"priority {item.priority}")
        details += [f"{key}: {value}" for key, value in item.meta.items()]
        self.item_id.setText("  ·  ".join(details))
        self.escalation.setText(suggestion.escalation_reason or "No reason given.")
        self.show_note(note)
        labels = reviewer_labels or {}
        keys = {suggestion.label: "A"}
        keys.update({label: str(n) for n, (label, _) in enumerate(alternatives, start=1)})
        self.reviewer_labels.setText(
            "\n".join(
                f"{reviewer}: {label}   [{keys.get(label, '/')}]"
                for reviewer, label in labels.items()
            )
        )
        self.reviewer_labels_title.setVisible(bool(labels))
        self.reviewer_labels.setVisible(bool(labels))

        self.suggested.setText(f"{suggestion.label}   {suggestion.confidence:.0%}")
        self.definition.setText(describe_label(item.taxonomy.label(suggestion.label)))
        self.chart.show_suggestion(suggestion, alternatives, item.taxonomy.names)
        self.rationale.setText(suggestion.rationale or "The model gave no rationale.")
        model = suggestion.model or "unknown model"
        method = f"  ·  {suggestion.method}" if suggestion.method else ""
        self.model.setText(f"{model}{method}  ·  taxonomy {suggestion.taxonomy_version}")

    def show_note(self, note: str) -> None:
        self.note.setText(f"Note: {note}" if note else "")
        self.note.setVisible(bool(note))
