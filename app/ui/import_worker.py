"""Read dropped files off the GUI thread: a QRunnable plus a separate signals QObject (DESIGN.md point 5)."""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal

from app.core.errors import CancelledError, PlaygroundError
from app.core.importers import ImportResult, load_path

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ImportRequest:
    path: Path
    column: str | None = None
    field: str | None = None
    split: str = "paragraphs"


@dataclass(frozen=True)
class ImportOutcome:
    """One path's documents, or the user-facing reason it could not be read."""

    path: Path
    result: ImportResult | None
    error: str | None = None


@dataclass(frozen=True)
class JobResult:
    outcomes: tuple[ImportOutcome, ...]
    cancelled: bool
    job_id: int = 0


class ImportSignals(QObject):
    finished = Signal(object)  # JobResult, delivered on the GUI thread


class ImportJob(QRunnable):
    """Loads its paths in order; polls :meth:`cancel` between files, pages and rows."""

    def __init__(self, requests: list[ImportRequest], job_id: int = 0) -> None:
        super().__init__()
        self.job_id = job_id
        self.setAutoDelete(False)  # the panel keeps a reference until ``finished``
        self.requests = requests
        self.signals = ImportSignals()
        self._cancel = threading.Event()

    def cancel(self) -> None:
        self._cancel.set()

    def run(self) -> None:
        outcomes: list[ImportOutcome] = []
        cancelled = False
        for req in self.requests:
            if self._cancel.is_set():
                cancelled = True
                break
            try:
                result = load_path(req.path, column=req.column, field=req.field, split=req.split,
                                   cancelled=self._cancel.is_set)
                outcomes.append(ImportOutcome(req.path, result))
            except CancelledError:
                cancelled = True
                break
            except PlaygroundError as exc:
                outcomes.append(ImportOutcome(req.path, None, str(exc)))
            except Exception as exc:  # a reader bug must fail one file, not the app
                log.exception("importing %s failed", req.path)
                outcomes.append(ImportOutcome(req.path, None, f"{req.path.name}: unexpected error "
                                              f"({type(exc).__name__}: {exc}). Please report this file."))
        self.signals.finished.emit(JobResult(tuple(outcomes), cancelled, self.job_id))


def import_pool() -> QThreadPool:
    """One thread: files are read one job at a time, so documents arrive in the order they were dropped."""
    pool = QThreadPool()
    pool.setMaxThreadCount(1)
    return pool
