"""Run a labelled dataset through the columns' own worker processes: one job per column, queries in order.

Each query is one score request on the column's warm worker (the model is never loaded twice, and nothing
runs on the GUI thread); :func:`app.core.evaluation.evaluate` turns the scores into an ``EvalReport``.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field

from PySide6.QtCore import QObject, Signal

from app.core.datasets import EvalQuery
from app.core.evaluation import EvalReport, evaluate, mean_tau
from app.core.types import Document
from app.runtime import ModelWorker
from app.ui.columns.controller import ColumnController
from app.ui.columns.spec import ColumnSpec, run_options

log = logging.getLogger(__name__)


@dataclass
class EvalOutcome:
    """What one evaluation produced, per column (in the order the columns were chosen)."""

    names: list[str]
    reports: dict[int, EvalReport] = field(default_factory=dict)
    failures: dict[int, str] = field(default_factory=dict)
    cancelled: bool = False
    bm25: EvalReport | None = None  # the lexical reference row (app.core.evaluation.bm25_reference)
    queries: list[EvalQuery] = field(default_factory=list)
    done: dict[int, int] = field(default_factory=dict)  # queries scored so far per column, while running

    def taus(self) -> dict[tuple[int, int], float]:
        """Mean Kendall tau for every pair of columns that finished."""
        done = sorted(self.reports)
        return {(a, b): mean_tau(self.reports[a], self.reports[b]) for i, a in enumerate(done) for b in done[i + 1:]}


def column_task(spec: ColumnSpec, queries: Sequence[EvalQuery], k: int, cancelled):
    """The work of one column's job: load (or reuse) the model, score every query, compute the metrics."""

    def work(worker: ModelWorker, progress) -> EvalReport:
        worker.ensure_loaded(spec.config)
        options = run_options(spec, None)

        def scorer(query: str, texts: Sequence[str]) -> list[float]:
            return worker.score(query, [Document(t) for t in texts], options).raw_scores

        return evaluate(spec.name, scorer, queries, k, progress, cancelled)

    return work


class EvaluationRun(QObject):
    """Evaluates ``queries`` on several columns at once (one job each); signals arrive in the GUI thread."""

    progress = Signal(int, int)  # queries scored over all columns, total
    columnProgress = Signal(int, int, int)  # column index, its queries scored, queries
    columnFinished = Signal(int)  # index into ``outcome.names``
    finished = Signal(object)  # EvalOutcome

    def __init__(self, controllers: Sequence[ColumnController], queries: Sequence[EvalQuery], k: int = 10,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.controllers = list(controllers)
        self.queries = list(queries)
        self.k = k
        self.outcome = EvalOutcome([c.spec.name for c in self.controllers], queries=self.queries)
        self._cancel = threading.Event()
        self._done = [0] * len(self.controllers)
        self._pending: set[int] = set()
        self._jobs: list = []

    @property
    def running(self) -> bool:
        return bool(self._pending)

    def start(self) -> bool:
        """Submit one job per column; False (nothing started) when a column is busy with a run."""
        if any(c.busy for c in self.controllers):
            return False
        for i, controller in enumerate(self.controllers):
            job = controller.submit_task(column_task(controller.spec, self.queries, self.k, self._cancel.is_set))
            if job is None:  # became busy in between: report it like a failure of that column
                self.outcome.failures[i] = "The column was busy with a run."
                continue
            self._pending.add(i)
            self._jobs.append(job)
            job.signals.progress.connect(lambda done, _total, i=i: self._on_progress(i, done))
            job.signals.returned.connect(lambda report, i=i: self._on_report(i, report))
            job.signals.errored.connect(lambda kind, message, i=i: self._on_error(i, kind, message))
            job.signals.finished.connect(lambda i=i: self._on_finished(i))
        if not self._pending:
            self.finished.emit(self.outcome)
        return True

    def cancel(self) -> None:
        """Stop every column at its next batch (the current query of each is abandoned)."""
        self._cancel.set()
        for i in self._pending:
            self.controllers[i].cancel()

    def _on_progress(self, i: int, done: int) -> None:
        self._done[i] = self.outcome.done[i] = done
        self.columnProgress.emit(i, done, len(self.queries))
        self.progress.emit(sum(self._done), len(self.queries) * len(self.controllers))

    def _on_report(self, i: int, report: EvalReport) -> None:
        self.outcome.reports[i] = report
        self.columnFinished.emit(i)

    def _on_error(self, i: int, kind: str, message: str) -> None:
        if kind == "cancelled":
            self.outcome.cancelled = True
        else:
            self.outcome.failures[i] = message
        self.columnFinished.emit(i)

    def _on_finished(self, i: int) -> None:
        self._pending.discard(i)
        if not self._pending:
            self.outcome.cancelled = self.outcome.cancelled or self._cancel.is_set()
            self.finished.emit(self.outcome)
