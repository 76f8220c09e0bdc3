"""The processes that report_speed.py measures on a store with a decision log.

    python benchmarks/report_child.py dashboard STORE --expected N
    python benchmarks/report_child.py split STORE --expected N
    python benchmarks/report_child.py profile STORE --expected N --out DIR

dashboard opens the app's MainWindow on the dashboard and times refreshes: with the facts
cache filled, after one more decision, and with the cache cleared. split times the steps of
the report in this process, and profile runs them under cProfile. Each mode prints one RESULT
line of JSON. N is the number of effective decisions in the store when the child starts. The
child stops with an error when a report counts another number.
"""

from __future__ import annotations

import argparse
import json
import os
import sqlite3
import sys
import time
from contextlib import closing
from pathlib import Path

STARTED = time.perf_counter()
RESULT_MARKER = "RESULT"
REVIEWER = "bench-dashboard"
# A refresh that takes longer than this has hung. Refreshes of several minutes were measured
# on 1,000,000 decisions, so this is far above them.
REPORT_TIMEOUT_S = 1800.0
PAINT_TIMEOUT_S = 5.0

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


def emit(payload: dict) -> None:
    print(RESULT_MARKER, json.dumps(payload), flush=True)


def clear_facts_cache(store_path: str) -> None:
    with closing(sqlite3.connect(store_path, isolation_level=None)) as conn:
        conn.execute("DELETE FROM facts_cache")
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")


def check_count(source: str, counted: int, expected: int) -> None:
    if counted != expected:
        raise RuntimeError(
            f"the {source} counted {counted} decisions, not the {expected} effective decisions "
            "in the store, so it did not measure the whole log"
        )


class Dashboard:
    """The app's MainWindow, shown on its dashboard, with a timer for full refreshes."""

    def __init__(self, store_path: str) -> None:
        from PySide6.QtCore import QEvent, QObject

        from triage_app.review.session import ReviewSession
        from triage_app.store.store import Store
        from triage_app.ui.app import application
        from triage_app.ui.main_window import MainWindow

        class PaintWatch(QObject):
            """Records whether every watched widget received a paint event since reset()."""

            def __init__(self, widgets: list) -> None:
                super().__init__()
                self.widgets = widgets
                self.painted: set[int] = set()
                for widget in widgets:
                    widget.installEventFilter(self)

            def reset(self) -> None:
                self.painted.clear()

            def all_painted(self) -> bool:
                return len(self.painted) == len(self.widgets)

            def eventFilter(self, watched: QObject, event: QEvent) -> bool:
                if event.type() == QEvent.Type.Paint:
                    for index, widget in enumerate(self.widgets):
                        if watched is widget:
                            self.painted.add(index)
                return False

        self.app = application()
        self.store = Store(store_path)
        self.session = ReviewSession(self.store, REVIEWER)
        self.window = MainWindow(self.session)
        self.pane = self.window.dashboard
        # The two charts of the top row, which a 1280 x 800 window always shows.
        self.watch = PaintWatch(
            [self.pane.overturn.plot.viewport(), self.pane.reliability.plot.viewport()]
        )
        self.window.show()
        self.app.processEvents()
        self._time_gui_steps()

    def _time_gui_steps(self) -> None:
        """Wrap the pane's _show and each chart's show_report to time them on the GUI thread.

        The pane passes its _show to the task runner at each refresh, and _show calls each
        chart's show_report, so instance attributes take the place of both.
        """
        self.show_started_ns = 0
        self.show_finished_ns = 0
        self.chart_ms: dict[str, float] = {}
        show = self.pane._show

        def timed_show(result) -> None:
            self.show_started_ns = time.perf_counter_ns()
            show(result)
            self.show_finished_ns = time.perf_counter_ns()

        self.pane._show = timed_show
        for name in ("overturn", "reliability", "histogram", "pace", "classes", "confusion"):
            chart = getattr(self.pane, name)
            chart.show_report = self._timed_chart(name, chart.show_report)

    def _timed_chart(self, name: str, show_report):
        def timed(report) -> None:
            started = time.perf_counter_ns()
            show_report(report)
            self.chart_ms[name] = (time.perf_counter_ns() - started) / 1e6

        return timed

    def time_until_shown(self, start) -> tuple[dict, object]:
        """Call `start`, then wait until report_shown fires and the charts have repainted.

        Return the milliseconds from just before `start` in total and per step, and the
        report shown. The steps are: until the pane's _show starts on the GUI thread (the
        worker's compute_report and the signal's delivery), _show itself (the charts take in
        the report), and from report_shown until the charts have painted.
        """
        from PySide6.QtCore import QEventLoop, QTimer

        reports_shown = []
        loop = QEventLoop()

        def on_shown(report) -> None:
            reports_shown.append(report)
            self.watch.reset()
            loop.quit()

        self.pane.report_shown.connect(on_shown)
        timeout = QTimer(singleShot=True, interval=int(REPORT_TIMEOUT_S * 1000))
        timeout.timeout.connect(loop.quit)
        try:
            started = time.perf_counter_ns()
            start()
            timeout.start()
            if not reports_shown:
                loop.exec()
            timeout.stop()
            if not reports_shown:
                raise RuntimeError(f"report_shown did not fire within {REPORT_TIMEOUT_S:.0f} s")

            deadline = time.perf_counter() + PAINT_TIMEOUT_S
            while not self.watch.all_painted():
                self.app.processEvents()
                if time.perf_counter() > deadline:
                    raise RuntimeError(
                        f"the charts did not repaint within {PAINT_TIMEOUT_S:.0f} s of report_shown"
                    )
            finished = time.perf_counter_ns()
        finally:
            self.pane.report_shown.disconnect(on_shown)

        timings = {
            "total_ms": (finished - started) / 1e6,
            "until_show_ms": (self.show_started_ns - started) / 1e6,
            "show_ms": (self.show_finished_ns - self.show_started_ns) / 1e6,
            "paint_ms": (finished - self.show_finished_ns) / 1e6,
            "charts_ms": dict(self.chart_ms),
        }
        self.chart_ms.clear()
        return timings, reports_shown[0]

    def check_status(self, report) -> None:
        """Raise RuntimeError unless the status line names the report's decision count."""
        text = self.pane.status.text()
        if not text.startswith(f"{report.decisions} decisions on "):
            raise RuntimeError(f"the dashboard's status line shows {text!r}, not the new report")

    def close(self) -> None:
        self.window.close()
        self.store.close()


def dashboard(store_path: str, expected: int) -> None:
    """Time the dashboard's full refreshes: warm, after one more decision, and cold."""
    subject = Dashboard(store_path)
    samples = {}

    # Switching to the dashboard starts its first refresh. Wait for it, so that the timed
    # refreshes do not queue behind it.
    samples["switch"], report = subject.time_until_shown(subject.window.show_dashboard)
    check_count("dashboard after the switch", report.decisions, expected)

    samples["warm"], report = subject.time_until_shown(subject.pane.refresh)
    check_count("warm dashboard refresh", report.decisions, expected)
    subject.check_status(report)

    # What a reviewer's keypress does: log the decision and mark the dashboard stale, which
    # starts its refresh timer. The timed refresh() stops that timer and starts at once.
    if subject.session.current is None:
        raise RuntimeError("no pending item left to decide; rebuild the store")
    subject.window.accept()
    expected += 1
    samples["one_more"], report = subject.time_until_shown(subject.pane.refresh)
    check_count("dashboard refresh after one more decision", report.decisions, expected)
    subject.check_status(report)

    clear_facts_cache(store_path)
    samples["cold"], report = subject.time_until_shown(subject.pane.refresh)
    check_count("cold dashboard refresh", report.decisions, expected)
    subject.check_status(report)

    emit({**samples, "decisions_after": expected, "cache_blocks_after": _cache_blocks(store_path)})
    subject.close()


def split(store_path: str, expected: int) -> None:
    """Time each step of `report --json` in this process, cold and then warm."""
    from triage_app.domain.report import build_report
    from triage_app.store.facts_query import load_decision_facts
    from triage_app.store.store import Store

    steps = {"imports_ms": (time.perf_counter() - STARTED) * 1000}
    clear_facts_cache(store_path)
    for state in ("cold", "warm"):
        started = time.perf_counter()
        with Store(store_path) as store:
            opened = time.perf_counter()
            facts = load_decision_facts(store)
        loaded = time.perf_counter()
        report = build_report(facts)
        built = time.perf_counter()
        text = json.dumps(report.as_dict(), indent=2)
        dumped = time.perf_counter()
        check_count(f"{state} report", report.decisions, expected)
        steps[state] = {
            "open_store_ms": (opened - started) * 1000,
            "load_decision_facts_ms": (loaded - opened) * 1000,
            "build_report_ms": (built - loaded) * 1000,
            "json_ms": (dumped - built) * 1000,
            "json_bytes": len(text.encode()),
        }
    emit(steps)


def profile(store_path: str, expected: int, out_dir: Path) -> None:
    """Profile a cold and a warm report under cProfile, each to its own stats file."""
    import cProfile

    from triage_app.domain.report import build_report
    from triage_app.store.facts_query import load_decision_facts
    from triage_app.store.store import Store

    def report_once() -> None:
        with Store(store_path) as store:
            facts = load_decision_facts(store)
        report = build_report(facts)
        json.dumps(report.as_dict(), indent=2)
        check_count("profiled report", report.decisions, expected)

    files = {}
    clear_facts_cache(store_path)
    for state in ("cold", "warm"):
        path = out_dir / f"report-{state}.prof"
        profiler = cProfile.Profile()
        profiler.runcall(report_once)
        profiler.dump_stats(path)
        files[state] = str(path)
    emit(files)


def _cache_blocks(store_path: str) -> int:
    with closing(sqlite3.connect(store_path)) as conn:
        return conn.execute("SELECT count(*) FROM facts_cache").fetchone()[0]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("mode", choices=("dashboard", "split", "profile"))
    parser.add_argument("store", help="path of the store to open")
    parser.add_argument(
        "--expected",
        type=int,
        required=True,
        help="effective decisions in the store: accepts and overturns not retracted",
    )
    parser.add_argument("--out", type=Path, help="folder for the cProfile stats (profile mode)")
    args = parser.parse_args()

    if args.mode == "dashboard":
        dashboard(args.store, args.expected)
    elif args.mode == "split":
        split(args.store, args.expected)
    else:
        if args.out is None:
            parser.error("profile needs --out DIR")
        profile(args.store, args.expected, args.out)


if __name__ == "__main__":
    sys.exit(main())
