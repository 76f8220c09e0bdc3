"""The team lead's dashboard: the report's figures as charts, filtered, refreshed in the
background after new decisions."""

from __future__ import annotations

import logging
from datetime import date, datetime
from pathlib import Path

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QGridLayout,
    QHBoxLayout,
    QLineEdit,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from triage_app.domain.facts import DecisionFacts
from triage_app.domain.report import Report
from triage_app.domain.report_filter import ReportFilter
from triage_app.review.metrics import ReportResult, compute_report
from triage_app.ui.dashboard.chart_panel import ChartPanel
from triage_app.ui.dashboard.charts import (
    AgreementView,
    ClassScoresChart,
    ConfusionChart,
    HistogramChart,
    OverturnChart,
    PaceTable,
    ReliabilityChart,
)
from triage_app.ui.tasks import TaskRunner
from triage_app.ui.text_views import PlainLabel

logger = logging.getLogger(__name__)

ANY = "any"
# New decisions arrive every few seconds while someone reviews; one refresh per pause is enough.
REFRESH_DELAY_MS = 1500


class DashboardPane(QWidget):
    """Charts of one Report; `report_shown` fires each time a new one is on screen."""

    report_shown = Signal(object)

    def __init__(self, store_path: str | Path, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.store_path = Path(store_path)
        self.report: Report | None = None
        self._facts: DecisionFacts | None = None
        self._stale = True
        self._runner = TaskRunner(self)
        self._refresh_timer = QTimer(self, singleShot=True, interval=REFRESH_DELAY_MS)
        self._refresh_timer.timeout.connect(self.refresh)

        self.reviewer = QComboBox()
        self.version = QComboBox()
        self.since = self._date_edit()
        self.until = self._date_edit()
        for combo in (self.reviewer, self.version):
            combo.addItem(ANY)
            combo.currentIndexChanged.connect(self._filter_changed)
            combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.refresh_button = QPushButton("Refresh")
        self.refresh_button.clicked.connect(self.refresh)
        self.status = PlainLabel(wrap=False)
        self.status.setObjectName("mutedText")

        bar = QHBoxLayout()
        for caption, widget in (
            ("Reviewer", self.reviewer),
            ("From", self.since),
            ("To", self.until),
            ("Taxonomy", self.version),
        ):
            bar.addWidget(PlainLabel(caption, wrap=False))
            bar.addWidget(widget)
        bar.addWidget(self.refresh_button)
        bar.addStretch(1)
        bar.addWidget(self.status)

        self.overturn = OverturnChart()
        self.classes = ClassScoresChart()
        self.confusion = ConfusionChart()
        self.reliability = ReliabilityChart()
        self.histogram = HistogramChart()
        self.pace = PaceTable()
        self.agreement = AgreementView()
        self.panels = {
            "overturn_rate": ChartPanel("Overturn rate: per day with 95% interval, and rolling",
                                        self.overturn,
                                        self._rows(OverturnChart), "overturn_rate"),
            "per_class": ChartPanel("Per class: worst F1 first", self.classes,
                                    self._rows(ClassScoresChart), "per_class"),
            "confusion": ChartPanel("Most confused labels", self.confusion,
                                    self._rows(ConfusionChart), "confusion"),
            "reliability": ChartPanel("Reliability", self.reliability,
                                      self._rows(ReliabilityChart), "reliability"),
            "histogram": ChartPanel("Confidence of reviewed items", self.histogram,
                                    self._rows(HistogramChart), "confidence_histogram"),
            "pace": ChartPanel("Reviewers", self.pace, self._rows(PaceTable), "reviewers"),
            "agreement": ChartPanel("Agreement between reviewers", self.agreement,
                                    self._rows(AgreementView), "agreement"),
        }  # fmt: skip

        grid = QGridLayout()
        # (row, column, columns spanned, minimum height)
        positions = {
            "overturn_rate": (0, 0, 1, 360), "reliability": (0, 1, 1, 360),
            "agreement": (1, 0, 2, 360), "per_class": (2, 0, 2, 420), "confusion": (3, 0, 2, 400),
            "histogram": (4, 0, 1, 300), "pace": (4, 1, 1, 300),
        }  # fmt: skip
        for name, (row, column, span, height) in positions.items():
            panel = self.panels[name]
            panel.setMinimumHeight(height)
            grid.addWidget(panel, row, column, 1, span)
        grid.setColumnStretch(0, 3)
        grid.setColumnStretch(1, 2)
        charts = QWidget()
        charts.setLayout(grid)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(charts)
        scroll.setFocusPolicy(Qt.FocusPolicy.NoFocus)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(12, 8, 12, 12)
        layout.addLayout(bar)
        layout.addWidget(scroll, 1)

    def _date_edit(self) -> QLineEdit:
        # A plain text field: a date spin box with an "any" value could not be typed into.
        edit = QLineEdit()
        edit.setPlaceholderText("YYYY-MM-DD, empty for any")
        edit.setClearButtonEnabled(True)
        edit.setMaximumWidth(190)
        edit.editingFinished.connect(self._filter_changed)
        return edit

    def _rows(self, chart: type):
        return lambda: chart.csv_rows(self.report) if self.report else []

    def current_filter(self) -> ReportFilter:
        def chosen(combo: QComboBox) -> str | None:
            return None if combo.currentIndex() <= 0 else combo.currentText()

        def day(edit: QLineEdit) -> date | None:
            text = edit.text().strip()
            if not text:
                return None
            try:
                return date.fromisoformat(text)
            except ValueError:
                self.status.setText(f"invalid date {text!r}: use YYYY-MM-DD; the filter ignores it")
                return None

        return ReportFilter(
            reviewer=chosen(self.reviewer),
            since=day(self.since),
            until=day(self.until),
            taxonomy_version=chosen(self.version),
        )

    def mark_stale(self) -> None:
        """Note that decisions changed; refresh soon if the pane is on screen."""
        self._stale = True
        if self.isVisible():
            self._refresh_timer.start()

    def showEvent(self, event) -> None:
        super().showEvent(event)
        if self._stale:
            self.refresh()

    def refresh(self) -> None:
        """Reload the decision log and recompute, off the GUI thread."""
        self._refresh_timer.stop()
        self._stale = False
        self._compute(facts=None)

    def _filter_changed(self) -> None:
        if self._facts is not None:
            self._compute(facts=self._facts)

    def _compute(self, facts: DecisionFacts | None) -> None:
        report_filter = self.current_filter()
        path = self.store_path
        self.status.setText("computing…")
        self._runner.start(
            lambda: compute_report(path, report_filter, facts), self._show, self._failed
        )

    def _failed(self, message: str) -> None:
        self.status.setText("could not compute the figures")
        for panel in self.panels.values():
            panel.explain(f"The figures could not be computed: {message}")

    def _show(self, result: ReportResult) -> None:
        self._facts = result.facts
        self.report = report = result.report
        self._update_choices(self.reviewer, result.facts.reviewers)
        self._update_choices(self.version, result.facts.versions)
        self.status.setText(
            f"{report.decisions} decisions on {report.reviewed_items} items  ·  "
            f"computed {datetime.now().strftime('%H:%M:%S')}"
        )

        if report.decisions == 0:
            text = (
                "No decisions match these filters yet. Review items (Ctrl+1), or choose "
                "another reviewer, date range or taxonomy version."
            )
            for panel in self.panels.values():
                panel.explain(text)
            self.report_shown.emit(report)
            return

        for name, chart in (
            ("overturn_rate", self.overturn),
            ("reliability", self.reliability),
            ("histogram", self.histogram),
            ("pace", self.pace),
            ("per_class", self.classes),
        ):
            chart.show_report(report)
            self.panels[name].show_content()

        if report.agreement.items:
            self.agreement.show_report(report)
            self.panels["agreement"].show_content()
        else:
            self.panels["agreement"].explain(
                "No item has been labelled by two or more reviewers in these decisions yet. "
                "Set a review overlap with: triage-app project --overlap 0.1"
            )
        if report.classification.confused_pairs:
            self.confusion.show_report(report)
            self.panels["confusion"].show_content()
        else:
            self.panels["confusion"].explain(
                "No confusions: the reviewers kept the model's label on every item shown."
            )
        if len(report.classification.per_class) < 2:
            self.panels["per_class"].explain(
                "Only one label occurs in these decisions, so per-class scores say little: "
                "precision and recall need at least two labels to compare. Widen the filters."
            )
        self.report_shown.emit(report)

    @staticmethod
    def _update_choices(combo: QComboBox, names: tuple[str, ...]) -> None:
        current = combo.currentText()
        wanted = [ANY, *sorted(names)]
        if [combo.itemText(i) for i in range(combo.count())] == wanted:
            return
        combo.blockSignals(True)
        combo.clear()
        combo.addItems(wanted)
        combo.setCurrentIndex(max(combo.findText(current), 0))
        combo.blockSignals(False)

    def wait_for_work(self) -> None:
        self._runner.wait()
