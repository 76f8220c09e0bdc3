"""The process that review_speed.py measures: it opens a window on a store and times it.

    python benchmarks/review_child.py first-item STORE
    python benchmarks/review_child.py keypress STORE --decisions N [--warmup N] [--profile FILE]
    python benchmarks/review_child.py baseline STORE --decisions N [--warmup N]

first-item prints FIRST_ITEM_SHOWN as soon as the first item is painted, so the parent can
take the wall time from launch. The other modes print one RESULT line of JSON. Before the
first item is shown, this file imports only standard-library modules and the Qt modules that
the app imports anyway (QtCore, QtGui, QtWidgets), besides the app itself.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time

STARTED = time.perf_counter()
FIRST_ITEM_MARKER = "FIRST_ITEM_SHOWN"
RESULT_MARKER = "RESULT"
REVIEWER = "bench"
# The window size MainWindow sets for itself. The baseline window gets the same area to paint.
WINDOW_SIZE = (1280, 800)
PAINT_TIMEOUT_S = 5.0

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QEvent, QObject, Qt  # noqa: E402
from PySide6.QtGui import QAction, QKeySequence  # noqa: E402
from PySide6.QtWidgets import QApplication, QLabel, QVBoxLayout, QWidget  # noqa: E402


class PaintWatch(QObject):
    """Records which of some widgets received a paint event since the last reset."""

    def __init__(self, widgets: list[QWidget]) -> None:
        super().__init__()
        self._widgets = widgets
        self._painted = [False] * len(widgets)
        for widget in widgets:
            widget.installEventFilter(self)

    def reset(self) -> None:
        self._painted = [False] * len(self._widgets)

    def all_painted(self) -> bool:
        return all(self._painted)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Paint:
            for index, widget in enumerate(self._widgets):
                if watched is widget:
                    self._painted[index] = True
        return False


def process_until_painted(app: QApplication, watch: PaintWatch) -> int:
    """Call processEvents until every watched widget has painted, and return the number of calls.

    Raises RuntimeError when that takes longer than PAINT_TIMEOUT_S, because then the widgets
    were not repainted at all and no time can be measured.
    """
    deadline = time.perf_counter() + PAINT_TIMEOUT_S
    calls = 0
    while True:
        app.processEvents()
        calls += 1
        if watch.all_painted():
            return calls
        if time.perf_counter() > deadline:
            raise RuntimeError(
                f"the watched widgets did not repaint within {PAINT_TIMEOUT_S} s of the keypress"
            )


def activate(window: QWidget) -> None:
    """Show the window and make it the active one: shortcuts of inactive windows do not fire."""
    from PySide6.QtTest import QTest

    window.show()
    window.activateWindow()
    if not QTest.qWaitForWindowActive(window):
        raise RuntimeError("the window did not become active; key presses would be lost")


def resident_memory_kib() -> dict[str, int]:
    """Return VmRSS and VmHWM (peak resident size) of this process in KiB, from /proc."""
    values = {}
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            key, _, rest = line.partition(":")
            if key in ("VmRSS", "VmHWM"):
                values[key] = int(rest.split()[0])
    return values


def as_plain_text_edit_returns(text: str) -> str:
    """Return `text` as QPlainTextEdit.toPlainText() gives it back: QTextDocument turns
    non-breaking spaces into spaces and line or paragraph separators into newlines."""
    for before, after in (("\r\n", "\n"), ("\r", "\n"), ("\u2028", "\n"), ("\u2029", "\n")):
        text = text.replace(before, after)
    return text.replace("\xa0", " ")


def emit(marker: str, payload: dict) -> None:
    print(marker, json.dumps(payload), flush=True)


def first_item(store_path: str) -> None:
    """Open the app's window on the store and report once the first item is painted."""
    from triage_app.review.session import ReviewSession
    from triage_app.store.store import Store
    from triage_app.ui.app import application
    from triage_app.ui.main_window import MainWindow

    imported = time.perf_counter()
    app = application()
    store = Store(store_path)
    session = ReviewSession(store, REVIEWER)
    session_ready = time.perf_counter()
    window = MainWindow(session)
    window_built = time.perf_counter()

    watch = PaintWatch([window.pane.message.viewport(), _plot_widget(window).viewport()])
    window.show()
    process_until_painted(app, watch)
    painted = time.perf_counter()

    emit(
        FIRST_ITEM_MARKER,
        {
            "item_id": session.current.id if session.current else None,
            "shown_text_matches": window.pane.message.toPlainText()
            == as_plain_text_edit_returns(session.current.text if session.current else ""),
            "imports_s": imported - STARTED,
            "store_and_session_s": session_ready - imported,
            "window_s": window_built - session_ready,
            "show_and_paint_s": painted - window_built,
        },
    )
    window.close()
    store.close()


class AppUnderTest:
    """The app's MainWindow on a store, with the checks that a keypress showed a new item."""

    def __init__(self, store_path: str) -> None:
        from triage_app.review.session import ReviewSession
        from triage_app.store.store import Store
        from triage_app.ui.main_window import MainWindow

        self.store = Store(store_path)
        self.session = ReviewSession(self.store, REVIEWER)
        self.pending_before = self.session.progress().remaining
        self.window = MainWindow(self.session)
        self.plot = _plot_widget(self.window)
        self.watch = PaintWatch([self.window.pane.message.viewport(), self.plot.viewport()])

    def state(self) -> tuple[str | None, str]:
        current = self.session.current
        return (current.id if current else None), self.window.pane.item_id.text()

    def check_shown(self, before: tuple[str | None, str]) -> None:
        """Raise RuntimeError unless the window now shows another item than `before`."""
        item = self.session.current
        if item is None:
            raise RuntimeError("the queue ran empty; build a larger store or use fewer decisions")
        if item.id == before[0] or self.window.pane.item_id.text() == before[1]:
            raise RuntimeError(
                f"item {before[0]} was still shown after pressing A; the keypress did not reach "
                "the accept action, so no latency was measured"
            )
        if self.window.pane.message.toPlainText() != as_plain_text_edit_returns(item.text):
            raise RuntimeError(f"the message view does not show the text of item {item.id}")
        if abs(self._top_bar_width() - item.suggestion.confidence) > 1e-9:
            raise RuntimeError(f"the chart does not show the suggestion of item {item.id}")

    def _top_bar_width(self) -> float:
        """Return the width of the chart's first bar, the suggested label's probability."""
        import pyqtgraph as pg

        for graphics_item in self.plot.getPlotItem().items:
            if isinstance(graphics_item, pg.BarGraphItem):
                return float(graphics_item.opts["width"][0])
        raise RuntimeError("no BarGraphItem in the chart; update review_child.py")

    def close(self) -> None:
        self.window.close()
        self.store.close()


class BaselineUnderTest:
    """A window with one plain QLabel; A reads the next item's text by rowid into it.

    Queue order is unrelated to insertion order, so the app reads each next item from a random
    page of the items table. The baseline reads random rowids (fixed seed) to do the same.
    """

    def __init__(self, store_path: str, presses: int) -> None:
        import random
        import sqlite3

        self.conn = sqlite3.connect(f"file:{store_path}?mode=ro", uri=True)
        max_rowid = self.conn.execute("SELECT max(rowid) FROM items").fetchone()[0]
        self.rowids = random.Random(7).sample(range(1, max_rowid + 1), presses + 1)
        self.presses_handled = 0

        self.window = QWidget()
        self.window.setWindowTitle("baseline")
        self.window.resize(*WINDOW_SIZE)
        self.label = QLabel()
        self.label.setTextFormat(Qt.TextFormat.PlainText)
        self.label.setWordWrap(True)
        QVBoxLayout(self.window).addWidget(self.label)
        self.label.setText(self._read_text(self.rowids[0]))

        action = QAction("Next item", self.window)
        action.setShortcut(QKeySequence("A"))
        action.setAutoRepeat(False)
        action.triggered.connect(self.show_next)
        self.window.addAction(action)
        self.watch = PaintWatch([self.label])

    def _read_text(self, rowid: int) -> str:
        return self.conn.execute("SELECT text FROM items WHERE rowid = ?", (rowid,)).fetchone()[0]

    def show_next(self) -> None:
        self.presses_handled += 1
        self.label.setText(self._read_text(self.rowids[self.presses_handled]))

    def state(self) -> int:
        return self.presses_handled

    def check_shown(self, before: int) -> None:
        if self.presses_handled == before:
            raise RuntimeError("the keypress did not reach the baseline's action")

    def close(self) -> None:
        self.window.close()
        self.conn.close()


def keypress(store_path: str, decisions: int, warmup: int, profile: str | None) -> None:
    """Press A on the app's window `warmup + decisions` times and time each next item."""
    from triage_app.ui.app import application

    app = application()
    subject = AppUnderTest(store_path)
    activate(subject.window)
    process_until_painted(app, subject.watch)

    samples = _press_a_repeatedly(app, subject, warmup + decisions, profile)
    emit(
        RESULT_MARKER,
        {
            "pending_before": subject.pending_before,
            "warmup": samples[:warmup],
            "samples": samples[warmup:],
            "memory_kib": resident_memory_kib(),
        },
    )
    subject.close()


def baseline(store_path: str, decisions: int, warmup: int) -> None:
    """Press A on the baseline window `warmup + decisions` times and time each next text."""
    from triage_app.ui.app import application

    app = application()
    subject = BaselineUnderTest(store_path, warmup + decisions)
    activate(subject.window)
    process_until_painted(app, subject.watch)

    samples = _press_a_repeatedly(app, subject, warmup + decisions, None)
    emit(
        RESULT_MARKER,
        {
            "warmup": samples[:warmup],
            "samples": samples[warmup:],
            "memory_kib": resident_memory_kib(),
        },
    )
    subject.close()


def _press_a_repeatedly(
    app: QApplication,
    subject: AppUnderTest | BaselineUnderTest,
    presses: int,
    profile: str | None,
) -> list[list[float]]:
    """Press A `presses` times and return [total_ms, handler_ms] for each press.

    total runs from just before QTest.keyClick until processEvents has returned with every
    watched widget repainted. handler is the part until keyClick returns: the shortcut runs
    its action inside keyClick, so it covers the decision, the next item's read and the widget
    updates, and the rest is layout and painting.
    """
    from PySide6.QtTest import QTest

    profiler = None
    if profile:
        import cProfile

        profiler = cProfile.Profile()

    samples = []
    for _ in range(presses):
        before = subject.state()
        subject.watch.reset()
        if profiler:
            profiler.enable()
        started = time.perf_counter_ns()
        QTest.keyClick(subject.window, Qt.Key.Key_A)
        handled = time.perf_counter_ns()
        process_until_painted(app, subject.watch)
        finished = time.perf_counter_ns()
        if profiler:
            profiler.disable()
        subject.check_shown(before)
        samples.append([(finished - started) / 1e6, (handled - started) / 1e6])

    if profiler:
        profiler.dump_stats(profile)
    return samples


def _plot_widget(window: QWidget) -> QWidget:
    """Return the pyqtgraph PlotWidget of the window's distribution chart."""
    import pyqtgraph as pg

    plot = window.pane.chart.findChild(pg.PlotWidget)
    if plot is None:
        raise RuntimeError("no pyqtgraph PlotWidget in the review pane; update review_child.py")
    return plot


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("mode", choices=("first-item", "keypress", "baseline"))
    parser.add_argument("store", help="path of the store to open")
    parser.add_argument("--decisions", type=int, default=300, help="measured key presses")
    parser.add_argument("--warmup", type=int, default=5, help="key presses before measuring")
    parser.add_argument("--profile", help="write cProfile stats of the key presses to this file")
    args = parser.parse_args()

    if args.mode == "first-item":
        first_item(args.store)
    elif args.mode == "keypress":
        keypress(args.store, args.decisions, args.warmup, args.profile)
    else:
        baseline(args.store, args.decisions, args.warmup)


if __name__ == "__main__":
    sys.exit(main())
