"""Work off the GUI thread: a QRunnable plus a separate signals QObject (superqt ``_qthreading`` style).

Jobs never touch widgets; they emit signals that Qt delivers in the GUI thread (queued connections).
The pool keeps a reference to each job's signals until ``finished`` so nothing is collected mid-flight.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal

from app.core.errors import CancelledError, PlaygroundError

log = logging.getLogger(__name__)

ProgressFn = Callable[[int, int], None]


class JobSignals(QObject):
    started = Signal()
    progress = Signal(int, int)  # done, total
    returned = Signal(object)
    errored = Signal(str, str)  # kind ("cancelled", "failed" or "unexpected"), user-facing message
    finished = Signal()


class Job(QRunnable):
    """Runs ``fn(progress)`` in a pool thread and reports through ``signals``."""

    def __init__(self, fn: Callable[[ProgressFn], Any]) -> None:
        super().__init__()
        self.setAutoDelete(False)  # the owner keeps the job until ``finished``
        self.fn = fn
        self.signals = JobSignals()

    def run(self) -> None:
        sig = self.signals
        sig.started.emit()
        try:
            result = self.fn(sig.progress.emit)
        except CancelledError as exc:
            sig.errored.emit("cancelled", str(exc))
        except PlaygroundError as exc:
            sig.errored.emit("failed", str(exc))
        except Exception as exc:  # a bug: keep the app alive, say so, log the traceback
            log.exception("job failed")
            sig.errored.emit("unexpected", f"Unexpected error ({type(exc).__name__}: {exc}). "
                                           "Please report it with the log.")
        else:
            sig.returned.emit(result)
        finally:
            sig.finished.emit()


class JobRunner(QObject):
    """A named QThreadPool that holds on to its jobs until they finish."""

    def __init__(self, name: str, max_threads: int, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.pool = QThreadPool(self)
        self.pool.setObjectName(name)
        self.pool.setMaxThreadCount(max_threads)
        self._jobs: set[Job] = set()

    def submit(self, job: Job) -> Job:
        self._jobs.add(job)
        job.signals.finished.connect(lambda j=job: self._jobs.discard(j))
        self.pool.start(job)
        return job

    @property
    def active(self) -> int:
        return len(self._jobs)

    def wait(self, msecs: int = 5000) -> bool:
        return self.pool.waitForDone(msecs)
