"""The dashboard's charts. Each draws the part of a Report it is given and lists its numbers
as CSV rows; none computes a metric itself."""

from __future__ import annotations

from datetime import date

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLineEdit,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from triage_app.domain.facts import day_number
from triage_app.domain.report import Pace, Report
from triage_app.ui.text_views import PlainLabel
from triage_app.ui.theme import PALETTE

SECONDS_PER_DAY = 86_400
WORST_CLASSES_SHOWN = 15
CONFUSED_LABELS_SHOWN = 12
CONFUSED_PAIRS_LISTED = 200
OVERTURN_COLOUR = "#cf222e"
SERIES_COLOURS = ("#0969da", "#8250df", PALETTE["accent"])


def _plot(**axis_items) -> pg.PlotWidget:
    plot = pg.PlotWidget(background=PALETTE["panel"], axisItems=axis_items or None)
    plot.setMenuEnabled(False)
    plot.setMouseEnabled(x=False, y=False)
    plot.hideButtons()
    plot.setFocusPolicy(Qt.FocusPolicy.NoFocus)
    for side in ("left", "bottom"):
        plot.getAxis(side).setTextPen(pg.mkPen(PALETTE["text"]))
    return plot


def _percent(value: float | None) -> str:
    return "" if value is None else f"{value:.4f}"


class NumberItem(QTableWidgetItem):
    """A table cell that sorts by its number, not its text."""

    def __init__(self, value: float | int | None, text: str) -> None:
        super().__init__(text)
        self.setData(Qt.ItemDataRole.UserRole, -1.0 if value is None else float(value))
        self.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)

    def __lt__(self, other: QTableWidgetItem) -> bool:
        return self.data(Qt.ItemDataRole.UserRole) < other.data(Qt.ItemDataRole.UserRole)


def _table(headers: tuple[str, ...] | list[str]) -> QTableWidget:
    table = QTableWidget(0, len(headers))
    table.setHorizontalHeaderLabels(list(headers))
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.verticalHeader().setVisible(False)
    # Sized once after each fill by _fit_columns: ResizeToContents would measure every column
    # again on every cell set, which took minutes for thousands of rows.
    header = table.horizontalHeader()
    header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
    header.setStretchLastSection(True)
    table.setFocusPolicy(Qt.FocusPolicy.ClickFocus)
    return table


def _fit_columns(table: QTableWidget) -> None:
    table.resizeColumnsToContents()


class OverturnChart(QWidget):
    """Overturn rate per UTC day with its Wilson 95 % interval as a band, and the rolling rate
    over the last N decisions."""

    def __init__(self) -> None:
        super().__init__()
        self.plot = _plot(bottom=pg.DateAxisItem(orientation="bottom"))
        self.plot.setYRange(0, 1, padding=0.02)
        self.plot.setLabel("left", "per day")
        # Points with interval bars, not a line: days without decisions have no rate, and a
        # line would join days months apart.
        self._intervals = pg.ErrorBarItem(pen=pg.mkPen(OVERTURN_COLOUR, width=1.5), beam=0)
        self._points = pg.ScatterPlotItem(size=7, brush=OVERTURN_COLOUR, pen=None)
        self.plot.addItem(self._intervals)
        self.plot.addItem(self._points)

        self.rolling = _plot()
        self.rolling.setYRange(0, 1, padding=0.02)
        self.rolling.setLabel("bottom", "decision number")
        self._rolling_line = pg.PlotDataItem(pen=pg.mkPen(OVERTURN_COLOUR, width=2))
        self.rolling.addItem(self._rolling_line)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.plot, 1)
        layout.addWidget(self.rolling, 1)

    def show_report(self, report: Report) -> None:
        days = report.overturn_by_day
        x = np.array([_day_seconds(d.day) for d in days], dtype=float)
        values = np.array([d.rate.value for d in days], dtype=float)
        lower = np.array([d.rate.lower for d in days], dtype=float)
        upper = np.array([d.rate.upper for d in days], dtype=float)
        self._points.setData(x, values)
        self._intervals.setData(x=x, y=values, top=upper - values, bottom=values - lower)
        if len(x):
            self.plot.setXRange(x.min() - SECONDS_PER_DAY, x.max() + SECONDS_PER_DAY, padding=0)

        points = report.overturn_rolling
        self._rolling_line.setData([n for n, _ in points], [value for _, value in points])
        self.rolling.setLabel("left", f"last {report.recent_window}")
        if len(points) == 1:
            self._rolling_line.setSymbol("o")

    @staticmethod
    def csv_rows(report: Report) -> list[list[object]]:
        rows: list[list[object]] = [["day", "decisions", "overturns", "rate", "lower", "upper"]]
        for d in report.overturn_by_day:
            rows.append([d.day, d.rate.total, d.rate.successes, d.rate.value, d.rate.lower,
                         d.rate.upper])  # fmt: skip
        rows.append([])
        rows.append(["decision_number", f"rate_over_last_{report.recent_window}"])
        rows += [[number, value] for number, value in report.overturn_rolling]
        return rows


def _day_seconds(day: str) -> int:
    return day_number(date.fromisoformat(day)) * SECONDS_PER_DAY


class ClassScoresChart(QWidget):
    """Precision, recall and F1 of the worst classes as bars, and every class in a table."""

    HEADERS = ("label", "precision", "recall", "f1", "support", "predicted")

    def __init__(self) -> None:
        super().__init__()
        self.plot = _plot()
        self.plot.setXRange(0, 1, padding=0.02)
        legend = "  ".join(
            f'<span style="color:{colour}">■</span> {name}'
            for name, colour in zip(("precision", "recall", "F1"), SERIES_COLOURS, strict=True)
        )
        self.plot.setTitle(legend, color=PALETTE["text"], size="9pt")
        self._bars = []
        for colour in SERIES_COLOURS:
            bars = pg.BarGraphItem(x0=[0], y=[0], width=[0], height=[0], brush=colour)
            self.plot.addItem(bars)
            self._bars.append(bars)

        self.filter = QLineEdit()
        self.filter.setPlaceholderText("Filter labels")
        self.filter.setClearButtonEnabled(True)
        self.filter.textChanged.connect(self._apply_filter)
        self.table = _table(self.HEADERS)
        self.table.setSortingEnabled(True)

        side = QVBoxLayout()
        side.addWidget(self.filter)
        side.addWidget(self.table, 1)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.plot, 3)
        layout.addLayout(side, 2)

    def show_report(self, report: Report) -> None:
        per_class = report.classification.per_class
        worst = sorted(per_class.items(), key=lambda entry: (entry[1].f1, entry[0]))
        worst = worst[:WORST_CLASSES_SHOWN]
        count = len(worst)
        y = np.arange(count)[::-1].astype(float)
        series = zip((0.27, 0.0, -0.27), self._bars, ("precision", "recall", "f1"), strict=True)
        for offset, bars, field in series:
            bars.setOpts(
                x0=np.zeros(count), y=y + offset, height=np.full(count, 0.25),
                width=[getattr(scores, field) for _, scores in worst],
            )  # fmt: skip
        ticks = [
            (y[i], f"{label}  (n={scores.support})") for i, (label, scores) in enumerate(worst)
        ]
        self.plot.getAxis("left").setTicks([ticks])
        self.plot.setYRange(-0.6, count - 0.4, padding=0)

        self.table.setSortingEnabled(False)
        self.table.setRowCount(len(per_class))
        for row, (label, scores) in enumerate(per_class.items()):
            self.table.setItem(row, 0, QTableWidgetItem(label))
            for column, value in enumerate((scores.precision, scores.recall, scores.f1), start=1):
                self.table.setItem(row, column, NumberItem(value, f"{value:.3f}"))
            self.table.setItem(row, 4, NumberItem(scores.support, str(scores.support)))
            self.table.setItem(row, 5, NumberItem(scores.predicted, str(scores.predicted)))
        self.table.setSortingEnabled(True)
        self.table.sortItems(3, Qt.SortOrder.AscendingOrder)
        _fit_columns(self.table)
        self._apply_filter(self.filter.text())

    def _apply_filter(self, text: str) -> None:
        needle = text.strip().lower().replace(" ", "_")
        for row in range(self.table.rowCount()):
            item = self.table.item(row, 0)
            self.table.setRowHidden(row, bool(needle) and needle not in item.text().lower())

    @classmethod
    def csv_rows(cls, report: Report) -> list[list[object]]:
        rows: list[list[object]] = [list(cls.HEADERS)]
        for label, s in report.classification.per_class.items():
            rows.append([label, s.precision, s.recall, s.f1, s.support, s.predicted])
        return rows


class ConfusionChart(QWidget):
    """Heatmap of the most confused labels (human rows, model columns) and the ranked pairs."""

    def __init__(self) -> None:
        super().__init__()
        self.plot = _plot()
        self.plot.setAspectLocked(False)
        self.plot.invertY(True)
        self._image = pg.ImageItem()
        self._image.setColorMap(
            pg.ColorMap([0.0, 1.0], [pg.mkColor(PALETTE["panel"]), pg.mkColor(OVERTURN_COLOUR)])
        )
        self.plot.addItem(self._image)
        self.plot.setLabel("left", "human label")
        self.plot.setLabel("bottom", "model label (numbered as on the left)")
        self._texts: list[pg.TextItem] = []
        self.pairs = _table(["human label", "model label", "items"])

        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.plot, 3)
        layout.addWidget(self.pairs, 2)

    def show_report(self, report: Report) -> None:
        classification = report.classification
        names = _most_confused_labels(report)
        index = [classification.labels.index(name) for name in names]
        matrix = classification.confusion[np.ix_(index, index)].astype(float)
        np.fill_diagonal(matrix, 0)

        self._image.setImage(matrix.T, levels=(0, max(matrix.max(), 1)))
        for text in self._texts:
            self.plot.removeItem(text)
        self._texts = []
        for i in range(len(names)):
            for j in range(len(names)):
                if matrix[i, j]:
                    text = pg.TextItem(
                        str(int(matrix[i, j])), color=PALETTE["text"], anchor=(0.5, 0.5)
                    )
                    text.setPos(j + 0.5, i + 0.5)
                    self.plot.addItem(text)
                    self._texts.append(text)
        left = [(i + 0.5, f"{name}  {i + 1}") for i, name in enumerate(names)]
        bottom = [(i + 0.5, str(i + 1)) for i in range(len(names))]
        self.plot.getAxis("left").setTicks([left])
        self.plot.getAxis("bottom").setTicks([bottom])
        self.plot.setRange(xRange=(0, len(names)), yRange=(0, len(names)), padding=0)

        # The table lists the most confused pairs; the CSV has all of them.
        pairs = classification.confused_pairs[:CONFUSED_PAIRS_LISTED]
        self.pairs.setRowCount(len(pairs))
        for row, pair in enumerate(pairs):
            self.pairs.setItem(row, 0, QTableWidgetItem(pair.human))
            self.pairs.setItem(row, 1, QTableWidgetItem(pair.model))
            self.pairs.setItem(row, 2, NumberItem(pair.count, str(pair.count)))
        _fit_columns(self.pairs)

    @staticmethod
    def csv_rows(report: Report) -> list[list[object]]:
        rows: list[list[object]] = [["human_label", "model_label", "items"]]
        rows += [[p.human, p.model, p.count] for p in report.classification.confused_pairs]
        return rows


def _most_confused_labels(report: Report) -> list[str]:
    """Return up to CONFUSED_LABELS_SHOWN labels, in the order the ranked pairs name them."""
    names: list[str] = []
    for pair in report.classification.confused_pairs:
        for name in (pair.human, pair.model):
            if name not in names and len(names) < CONFUSED_LABELS_SHOWN:
                names.append(name)
    return names


class ReliabilityChart(QWidget):
    """Accuracy per confidence bin against the diagonal of perfect calibration."""

    def __init__(self) -> None:
        super().__init__()
        self.plot = _plot()
        self.plot.setRange(xRange=(0, 1), yRange=(0, 1), padding=0.02)
        self.plot.setLabel("bottom", "model confidence")
        self.plot.setLabel("left", "share the reviewer accepted")
        diagonal = pg.PlotDataItem(
            [0, 1], [0, 1], pen=pg.mkPen(PALETTE["text"], width=2, style=Qt.PenStyle.DashLine)
        )
        # Above the bars, so the line of perfect calibration shows where a bar falls short.
        diagonal.setZValue(10)
        self.plot.addItem(diagonal)
        self._bars = pg.BarGraphItem(x=[0], height=[0], width=0.09, brush=SERIES_COLOURS[0])
        self._means = pg.PlotDataItem(
            pen=None, symbol="d", symbolBrush=PALETTE["text"], symbolSize=7
        )
        self.plot.addItem(self._bars)
        self.plot.addItem(self._means)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.plot)

    def show_report(self, report: Report) -> None:
        bins = [b for b in report.calibration.bins if b.count]
        self._bars.setOpts(
            x=[(b.lower + b.upper) / 2 for b in bins],
            height=[b.accuracy for b in bins],
            width=[(b.upper - b.lower) * 0.9 for b in bins],
        )
        self._means.setData([b.mean_confidence for b in bins], [b.accuracy for b in bins])
        cal = report.calibration
        self.plot.setTitle(
            f"ECE {cal.ece:.3f}   MCE {cal.mce:.3f}   Brier {cal.brier:.3f}   ({cal.items} items)",
            color=PALETTE["text"],
        )

    @staticmethod
    def csv_rows(report: Report) -> list[list[object]]:
        cal = report.calibration
        rows: list[list[object]] = [["lower", "upper", "count", "mean_confidence", "accuracy"]]
        rows += [[b.lower, b.upper, b.count, b.mean_confidence, b.accuracy] for b in cal.bins]
        rows.append([])
        rows.append(["ece", cal.ece])
        rows.append(["mce", cal.mce])
        rows.append(["brier", cal.brier])
        return rows


class HistogramChart(QWidget):
    """Reviewed items per confidence bin, accepted below and overturned stacked on top."""

    def __init__(self) -> None:
        super().__init__()
        self.plot = _plot()
        self.plot.setLabel("bottom", "model confidence")
        self.plot.setLabel("left", "items")
        # A legend inside the plot would cover the first bars; the title names the colours.
        self.plot.setTitle(
            f'<span style="color:{PALETTE["accent"]}">■</span> accepted  '
            f'<span style="color:{OVERTURN_COLOUR}">■</span> overturned',
            color=PALETTE["text"],
            size="9pt",
        )
        self._accepted = pg.BarGraphItem(x=[0], height=[0], width=0.04, brush=PALETTE["accent"])
        self._overturned = pg.BarGraphItem(x=[0], height=[0], width=0.04, brush=OVERTURN_COLOUR)
        self.plot.addItem(self._accepted)
        self.plot.addItem(self._overturned)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.plot)

    def show_report(self, report: Report) -> None:
        histogram = report.histogram
        edges = np.array(histogram.edges)
        centres = (edges[:-1] + edges[1:]) / 2
        width = (edges[1] - edges[0]) * 0.9
        accepted = np.array(histogram.accepted, dtype=float)
        self._accepted.setOpts(x=centres, height=accepted, width=width)
        self._overturned.setOpts(
            x=centres, y0=accepted, height=np.array(histogram.overturned, dtype=float), width=width
        )
        self.plot.setXRange(0, 1, padding=0.02)

    @staticmethod
    def csv_rows(report: Report) -> list[list[object]]:
        h = report.histogram
        rows: list[list[object]] = [["lower", "upper", "accepted", "overturned"]]
        for i in range(len(h.accepted)):
            rows.append([h.edges[i], h.edges[i + 1], h.accepted[i], h.overturned[i]])
        return rows


class PaceTable(QWidget):
    """Each reviewer's decisions, overturn rate and pace."""

    HEADERS = ("reviewer", "decisions", "overturn rate", "95% interval",
               "decisions/hour of review time", "median time (s)")  # fmt: skip

    def __init__(self) -> None:
        super().__init__()
        self.table = _table(self.HEADERS)
        self.table.setSortingEnabled(True)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.table)

    def show_report(self, report: Report) -> None:
        self.table.setSortingEnabled(False)
        rows = self.csv_rows(report)[1:]
        self.table.setRowCount(len(rows))
        for row, (reviewer, decisions, rate, lower, upper, per_hour, median_s) in enumerate(rows):
            self.table.setItem(row, 0, QTableWidgetItem(reviewer))
            self.table.setItem(row, 1, NumberItem(decisions, str(decisions)))
            self.table.setItem(row, 2, NumberItem(rate, "" if rate is None else f"{rate:.1%}"))
            interval = "" if lower is None else f"{lower:.1%} – {upper:.1%}"
            self.table.setItem(row, 3, NumberItem(lower, interval))
            self.table.setItem(
                row, 4, NumberItem(per_hour, "" if per_hour is None else f"{per_hour:.0f}")
            )
            self.table.setItem(
                row, 5, NumberItem(median_s, "" if median_s is None else f"{median_s:.1f}")
            )
        self.table.setSortingEnabled(True)
        _fit_columns(self.table)

    @staticmethod
    def csv_rows(report: Report) -> list[list[object]]:
        rows: list[list[object]] = [["reviewer", "decisions", "overturn_rate", "lower", "upper",
                                     "decisions_per_hour", "median_seconds"]]  # fmt: skip
        for reviewer, rate in report.overturn_by_reviewer.items():
            pace = report.pace[reviewer]
            median = None if pace.median_ms is None else pace.median_ms / 1000
            rows.append([reviewer, rate.total, rate.value, rate.lower, rate.upper,
                         pace.decisions_per_hour, median])  # fmt: skip
        return rows


class AgreementView(QWidget):
    """The lead's view: agreement between reviewers, each reviewer against the team, and the
    labels reviewers agree on least."""

    def __init__(self) -> None:
        super().__init__()
        self.summary = PlainLabel()
        self.warning = PlainLabel()
        self.warning.setObjectName("escalation")

        self.plot = _plot()
        self.plot.invertY(True)
        self._image = pg.ImageItem()
        self._image.setColorMap(
            pg.ColorMap(
                [0.0, 0.5, 1.0],
                [pg.mkColor(OVERTURN_COLOUR), pg.mkColor("#f6f8fa"), pg.mkColor(PALETTE["accent"])],
            )
        )
        self.plot.addItem(self._image)
        self._texts: list[pg.TextItem] = []
        self.plot.setTitle("Cohen's kappa per pair of reviewers", color=PALETTE["text"], size="9pt")

        self.reviewers = _table(
            ("reviewer", "overturn rate", "decisions/hour of review time", "median time (s)")
        )
        self.labels = _table(("label", "ratings", "specific agreement"))

        row = QHBoxLayout()
        row.addWidget(self.plot, 2)
        row.addWidget(self.reviewers, 2)
        row.addWidget(self.labels, 2)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.summary)
        layout.addWidget(self.warning)
        layout.addLayout(row, 1)

    def show_report(self, report: Report) -> None:
        agreement = report.agreement
        self.summary.setText(
            f"{agreement.items} items labelled by two or more reviewers:  agreement "
            f"{_share(agreement.percent)}  ·  Fleiss' kappa {_value(agreement.fleiss_kappa)} "
            f"{_interval(agreement.fleiss_kappa_interval)}  ·  Krippendorff's alpha "
            f"{_value(agreement.krippendorff_alpha)} "
            f"{_interval(agreement.krippendorff_alpha_interval)}  ·  Gwet's AC1 "
            f"{_value(agreement.gwet_ac1)}"
        )
        if agreement.low:
            confused = ", ".join(
                f"{pair.first} / {pair.second} ({pair.count})"
                for pair in agreement.disagreement_pairs[:3]
            )
            self.warning.setText(
                f"Reviewers agree on only {_share(agreement.percent)} of shared items, under "
                f"80 %: fix the taxonomy before trusting these labels. Most confused: {confused}."
            )
        self.warning.setVisible(agreement.low)

        self._show_pairs(report)
        self._show_reviewers(report)
        self.labels.setRowCount(len(agreement.per_label))
        for row, entry in enumerate(agreement.per_label):
            self.labels.setItem(row, 0, QTableWidgetItem(entry.label))
            self.labels.setItem(row, 1, NumberItem(entry.ratings, str(entry.ratings)))
            value = entry.specific_agreement
            self.labels.setItem(row, 2, NumberItem(value, _share(value)))
        _fit_columns(self.labels)

    def _show_pairs(self, report: Report) -> None:
        pairs = report.agreement.pairs
        names = sorted({p.a for p in pairs} | {p.b for p in pairs})
        position = {name: index for index, name in enumerate(names)}
        matrix = np.full((len(names), len(names)), np.nan)
        for pair in pairs:
            if pair.cohen_kappa is not None:
                matrix[position[pair.a], position[pair.b]] = pair.cohen_kappa
                matrix[position[pair.b], position[pair.a]] = pair.cohen_kappa
        # Kappa runs from -1 to 1; the colour scale shows 0 (chance) to 1 (full agreement).
        self._image.setImage(np.nan_to_num(matrix.T, nan=0.5), levels=(0, 1))
        for text in self._texts:
            self.plot.removeItem(text)
        self._texts = []
        for pair in pairs:
            for i, j in (
                (position[pair.a], position[pair.b]),
                (position[pair.b], position[pair.a]),
            ):
                label = f"{_value(pair.cohen_kappa)}\nn={pair.n}"
                text = pg.TextItem(label, color=PALETTE["text"], anchor=(0.5, 0.5))
                text.setPos(j + 0.5, i + 0.5)
                self.plot.addItem(text)
                self._texts.append(text)
        ticks = [(index + 0.5, name) for index, name in enumerate(names)]
        self.plot.getAxis("left").setTicks([ticks])
        self.plot.getAxis("bottom").setTicks([ticks])
        self.plot.setRange(
            xRange=(0, max(len(names), 1)), yRange=(0, max(len(names), 1)), padding=0
        )

    def _show_reviewers(self, report: Report) -> None:
        rows = [("team", report.overturn, _team_pace(report))]
        rows += [
            (reviewer, rate, report.pace[reviewer])
            for reviewer, rate in report.overturn_by_reviewer.items()
        ]
        self.reviewers.setRowCount(len(rows))
        for row, (name, rate, pace) in enumerate(rows):
            self.reviewers.setItem(row, 0, QTableWidgetItem(name))
            self.reviewers.setItem(row, 1, NumberItem(rate.value, _share(rate.value)))
            per_hour = pace.decisions_per_hour
            self.reviewers.setItem(row, 2, NumberItem(per_hour, _value(per_hour, 0)))
            median = None if pace.median_ms is None else pace.median_ms / 1000
            self.reviewers.setItem(row, 3, NumberItem(median, _value(median, 1)))
        _fit_columns(self.reviewers)

    @staticmethod
    def csv_rows(report: Report) -> list[list[object]]:
        agreement = report.agreement
        rows: list[list[object]] = [["reviewer_a", "reviewer_b", "items", "percent", "cohen_kappa"]]
        rows += [[p.a, p.b, p.n, p.percent, p.cohen_kappa] for p in agreement.pairs]
        rows.append([])
        rows += [
            ["percent", agreement.percent],
            ["fleiss_kappa", agreement.fleiss_kappa],
            ["krippendorff_alpha", agreement.krippendorff_alpha],
            ["gwet_ac1", agreement.gwet_ac1],
        ]
        rows.append([])
        rows.append(["label", "ratings", "specific_agreement"])
        rows += [[e.label, e.ratings, e.specific_agreement] for e in agreement.per_label]
        return rows


def _team_pace(report: Report) -> Pace:
    decisions = sum(p.decisions for p in report.pace.values())
    # Reviewers without timed decisions (imported labels) have no pace; leave them out of the
    # team's, or their decisions would count as taking no time.
    timed = [p for p in report.pace.values() if p.decisions_per_hour]
    hours = sum(p.decisions / p.decisions_per_hour for p in timed)
    per_hour = sum(p.decisions for p in timed) / hours if hours else None
    medians = [p.median_ms for p in timed if p.median_ms is not None]
    # The team's median is the median of reviewers' medians: one fast reviewer with many
    # decisions should not stand for the team.
    return Pace(
        decisions=decisions,
        decisions_per_hour=per_hour,
        median_ms=float(np.median(medians)) if medians else None,
    )


def _share(value: float | None) -> str:
    return "-" if value is None else f"{value:.1%}"


def _value(value: float | None, digits: int = 3) -> str:
    return "-" if value is None else f"{value:.{digits}f}"


def _interval(interval: tuple[float, float] | None) -> str:
    return "" if interval is None else f"[{interval[0]:.3f}, {interval[1]:.3f}]"
