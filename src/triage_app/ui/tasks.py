"""The one place that starts background work: a function run on Qt's thread pool.

Work runs as a plain function; the caller gets its result or error back on the GUI thread
through the `done` and `failed` callbacks. A SQLite connection stays in the thread that opened
it, so work that reads the store opens its own Store from the path.
"""

from __future__ import annotations

import logging
import traceback
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal

logger = logging.getLogger(__name__)


class _Signals(QObject):
    done = Signal(object)
    failed = Signal(str)


class _Task(QRunnable):
    def __init__(self, work: Callable[[], Any], signals: _Signals) -> None:
        super().__init__()
        self._work = work
        self._signals = signals

    def run(self) -> None:
        try:
            result = self._work()
        except Exception as error:
            logger.error("background task failed:\n%s", traceback.format_exc())
            self._signals.failed.emit(f"{type(error).__name__}: {error}")
            return
        self._signals.done.emit(result)


class TaskRunner(QObject):
    """Runs one kind of work at a time.

    A request made while work runs waits, replacing any older waiting request, so a burst of
    refreshes computes at most twice.
    """

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._pool = QThreadPool.globalInstance()
        self._running = False
        self._waiting: tuple | None = None

    @property
    def busy(self) -> bool:
        return self._running

    def start(
        self,
        work: Callable[[], Any],
        done: Callable[[Any], None],
        failed: Callable[[str], None],
    ) -> None:
        if self._running:
            self._waiting = (work, done, failed)
            return
        self._running = True

        signals = _Signals(self)
        signals.done.connect(lambda result: self._finish(signals, done, result))
        signals.failed.connect(lambda message: self._finish(signals, failed, message))
        self._pool.start(_Task(work, signals))

    def _finish(self, signals: _Signals, callback: Callable[[Any], None], value: Any) -> None:
        signals.deleteLater()
        self._running = False
        try:
            callback(value)
        finally:
            if self._waiting is not None:
                waiting, self._waiting = self._waiting, None
                self.start(*waiting)

    def wait(self, milliseconds: int = 30_000) -> bool:
        """Block until the pool is idle; for closing the window and for tests."""
        return self._pool.waitForDone(milliseconds)
