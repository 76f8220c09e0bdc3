"""The suggestion's confidence distribution as horizontal bars, most likely label on top.

A taxonomy may have dozens of labels, so the chart shows the suggestion and the alternatives
the digit keys reach. One line beneath it gives the remaining probability mass.
"""

from __future__ import annotations

import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtGui import QFontMetrics
from PySide6.QtWidgets import QVBoxLayout, QWidget

from triage_app.domain.suggestion import Suggestion
from triage_app.ui.text_views import PlainLabel
from triage_app.ui.theme import PALETTE


class DistributionChart(QWidget):
    """Bars for the suggested label (key A) and up to nine alternatives (keys 1-9)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._plot = pg.PlotWidget(background=PALETTE["panel"])
        self._plot.setMenuEnabled(False)
        self._plot.setMouseEnabled(x=False, y=False)
        self._plot.hideButtons()
        self._plot.setXRange(0, 1, padding=0.02)
        self._plot.getPlotItem().setContentsMargins(4, 4, 12, 4)
        self._plot.setFocusPolicy(Qt.FocusPolicy.NoFocus)

        left = self._plot.getAxis("left")
        left.setStyle(tickLength=0, tickFont=None)
        left.setTextPen(pg.mkPen(PALETTE["text"]))
        bottom = self._plot.getAxis("bottom")
        bottom.setTicks([[(x / 4, f"{x * 25}%") for x in range(5)]])
        bottom.setTextPen(pg.mkPen(PALETTE["muted"]))

        self._bars = pg.BarGraphItem(x0=[0], y=[0], height=[0.7], width=[0])
        self._plot.addItem(self._bars)
        self._values: list[pg.TextItem] = []
        self._sized_for: tuple[str, ...] = ()
        self._axis_width = 0
        self._metrics = QFontMetrics(left.style["tickFont"] or self.font())

        self._rest = PlainLabel(wrap=False)
        self._rest.setObjectName("mutedText")

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self._plot, 1)
        layout.addWidget(self._rest)

    def show_suggestion(
        self,
        suggestion: Suggestion,
        alternatives: list[tuple[str, float]],
        label_names: list[str] | None = None,
    ) -> None:
        """Draw the suggestion and `alternatives` (label, probability), numbered from 1.

        The label axis is as wide as the longest of `label_names` (the taxonomy), so the bars
        do not shift sideways from one item to the next.
        """
        rows = [("A", suggestion.label, suggestion.confidence)]
        rows += [(str(n), label, p) for n, (label, p) in enumerate(alternatives, start=1)]
        count = len(rows)
        positions = [count - 1 - index for index in range(count)]

        brushes = [pg.mkBrush(PALETTE["accent"])] + [pg.mkBrush(PALETTE["bar"])] * (count - 1)
        self._bars.setOpts(
            x0=[0] * count,
            y=positions,
            height=[0.72] * count,
            width=[p for _, _, p in rows],
            brushes=brushes,
            pen=pg.mkPen(None),
        )
        ticks = [
            (position, f"{key}   {label}")
            for position, (key, label, _) in zip(positions, rows, strict=True)
        ]
        left = self._plot.getAxis("left")
        left.setTicks([ticks])
        # The axis drops tick labels that do not fit, so size it to the longest label.
        names = label_names or [text for _, text in ticks]
        key = tuple(names)
        if key != self._sized_for:
            self._sized_for = key
            self._axis_width = max(self._text_width(f"0   {name}") for name in names) + 16
        left.setWidth(max(self._axis_width, *(self._text_width(text) + 16 for _, text in ticks)))
        self._plot.setYRange(-0.6, count - 0.4, padding=0)
        self._set_values(rows, positions)

        shown = sum(p for _, _, p in rows)
        hidden = len(suggestion.distribution) - count
        if hidden > 0:
            self._rest.setText(
                f"{hidden} more labels share {max(1.0 - shown, 0.0):.1%}; "
                "/ or Ctrl+K searches the whole taxonomy"
            )
        else:
            self._rest.setText("/ or Ctrl+K searches the whole taxonomy")

    def _text_width(self, text: str) -> int:
        return self._metrics.horizontalAdvance(text)

    def clear(self) -> None:
        self._bars.setOpts(x0=[0], y=[0], height=[0], width=[0])
        self._plot.getAxis("left").setTicks([[]])
        self._set_values([], [])
        self._rest.setText("")

    def _set_values(self, rows: list[tuple[str, str, float]], positions: list[int]) -> None:
        while len(self._values) < len(rows):
            text = pg.TextItem(color=PALETTE["text"], anchor=(0, 0.5))
            self._plot.addItem(text)
            self._values.append(text)
        for index, item in enumerate(self._values):
            if index < len(rows):
                probability = rows[index][2]
                item.setText(f"{probability:.1%}")
                item.setPos(probability + 0.01, positions[index])
                item.setVisible(True)
            else:
                item.setVisible(False)
