"""A titled frame around one chart or table, with buttons to save its picture and numbers."""

from __future__ import annotations

import csv
import logging
from collections.abc import Callable
from pathlib import Path

from PySide6.QtWidgets import (
    QFileDialog,
    QFrame,
    QHBoxLayout,
    QMessageBox,
    QPushButton,
    QStackedLayout,
    QVBoxLayout,
    QWidget,
)

from triage_app.ui.text_views import PlainLabel

logger = logging.getLogger(__name__)

CsvRows = Callable[[], list[list[object]]]


class ChartPanel(QFrame):
    """Shows `content`, or an explanation when there is nothing to draw."""

    def __init__(self, title: str, content: QWidget, csv_rows: CsvRows, name: str) -> None:
        super().__init__()
        self.setObjectName("panel")
        self.name = name
        self.content = content
        self._csv_rows = csv_rows

        self.title = PlainLabel(title, wrap=False)
        self.title.setObjectName("sectionTitle")
        self.save_png_button = QPushButton("PNG…")
        self.save_csv_button = QPushButton("CSV…")
        for button, tip in (
            (self.save_png_button, "Save this chart as a PNG picture"),
            (self.save_csv_button, "Save this chart's numbers as CSV"),
        ):
            button.setToolTip(tip)
            button.setFlat(True)
        self.save_png_button.clicked.connect(self._ask_png)
        self.save_csv_button.clicked.connect(self._ask_csv)

        header = QHBoxLayout()
        header.addWidget(self.title, 1)
        header.addWidget(self.save_png_button)
        header.addWidget(self.save_csv_button)

        self.explanation = PlainLabel()
        self.explanation.setObjectName("mutedText")
        self._stack = QStackedLayout()
        self._stack.addWidget(content)
        self._stack.addWidget(self.explanation)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(10, 8, 10, 8)
        layout.addLayout(header)
        layout.addLayout(self._stack, 1)

    def show_content(self) -> None:
        self._stack.setCurrentIndex(0)
        self.save_png_button.setEnabled(True)
        self.save_csv_button.setEnabled(True)

    def explain(self, text: str) -> None:
        """Show `text` in place of the chart, e.g. why there is nothing to draw."""
        self.explanation.setText(text)
        self._stack.setCurrentIndex(1)
        self.save_png_button.setEnabled(False)
        self.save_csv_button.setEnabled(False)

    def save_png(self, path: str | Path) -> None:
        if not self.grab().save(str(path), "PNG"):
            raise OSError(f"could not write {path}")
        logger.info("saved chart %s to %s", self.name, path)

    def save_csv(self, path: str | Path) -> None:
        with Path(path).open("w", encoding="utf-8", newline="") as handle:
            csv.writer(handle).writerows(self._csv_rows())
        logger.info("saved numbers of chart %s to %s", self.name, path)

    def _ask_png(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, "Save chart", f"{self.name}.png", "PNG (*.png)")
        if path:
            self._save(self.save_png, path)

    def _ask_csv(self) -> None:
        path, _ = QFileDialog.getSaveFileName(
            self, "Save numbers", f"{self.name}.csv", "CSV (*.csv)"
        )
        if path:
            self._save(self.save_csv, path)

    def _save(self, save: Callable[[str], None], path: str) -> None:
        try:
            save(path)
        except OSError as error:
            QMessageBox.warning(self, "Not saved", f"Could not save {path}: {error}")
