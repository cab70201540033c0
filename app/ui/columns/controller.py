"""One column's state machine: its spec, its warm worker process, and its run jobs.

States: ``idle`` → ``loading`` → ``running`` → ``done`` | ``failed`` | ``cancelled``. One job at a time per
column, so the model in its worker is never used by two threads at once.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence

from PySide6.QtCore import QObject, Signal

from app.core.types import Document, ScoreRun
from app.runtime import ModelInfo, ModelWorker
from app.ui.columns.spec import ColumnSpec, run_options
from app.ui.jobs import Job, JobRunner, ProgressFn

log = logging.getLogger(__name__)

IDLE, LOADING, RUNNING, DONE, FAILED, CANCELLED = "idle", "loading", "running", "done", "failed", "cancelled"


class ColumnController(QObject):
    stateChanged = Signal(str)
    progressChanged = Signal(int, int)
    infoChanged = Signal(object)  # ModelInfo
    runFinished = Signal(object)  # ScoreRun
    runFailed = Signal(str)  # user-facing message
    specChanged = Signal(object)  # ColumnSpec
    jobDone = Signal()  # the job ended (any outcome); ``busy`` is False from here

    _counter = 0

    def __init__(self, spec: ColumnSpec, runner: JobRunner,
                 worker_factory: Callable[[str], ModelWorker] = ModelWorker, parent: QObject | None = None):
        super().__init__(parent)
        ColumnController._counter += 1
        self.uid = ColumnController._counter
        self._spec = spec
        self._runner = runner
        self._worker = worker_factory(f"column-{self.uid}")
        self._job: Job | None = None
        self.job_kind = ""  # "run" (a Run of the window) or "task" (submit_task, e.g. an evaluation)
        self.state = IDLE
        self.info: ModelInfo | None = None
        self.last_run: ScoreRun | None = None
        self.documents: list[Document] = []
        # What ``last_run`` was scored with (the window compares them with its inputs to mark results stale)
        self.query = ""
        self.instruction: str | None = None
        self.run_spec: ColumnSpec | None = None
        self.restored = False  # last_run came from a saved session, not from this model in this window
        self.message = ""

    @property
    def spec(self) -> ColumnSpec:
        return self._spec

    def set_spec(self, spec: ColumnSpec) -> None:
        """New settings apply at the next run; a changed model is loaded then (the old one is dropped)."""
        if spec != self._spec:
            self._spec = spec
            if spec.config != (self._worker.config or spec.config):
                self.info = None
            self.specChanged.emit(spec)

    @property
    def busy(self) -> bool:
        return self._job is not None

    @property
    def worker_pid(self) -> int | None:
        return self._worker.pid

    def run(self, query: str, documents: Sequence[Document], instruction: str | None) -> bool:
        """Start scoring; False when this column is still busy with the previous run."""
        if self.busy:
            return False
        spec, docs = self._spec, tuple(documents)
        worker = self._worker

        def work(progress):
            info = worker.ensure_loaded(spec.config)
            job.signals.returned.emit(info)  # delivered first: the column shows what was loaded
            _record_use(spec.config)
            options = run_options(spec, instruction if info.instruction_aware else None)
            return worker.score(query, docs, options, progress)

        job = Job(work)
        job.signals.progress.connect(self._on_progress)
        job.signals.returned.connect(self._on_returned)
        job.signals.errored.connect(self._on_errored)
        job.signals.finished.connect(self._on_finished)
        self._job, self.job_kind = job, "run"
        self._pending = (list(docs), query, instruction, spec)
        self._set_state(LOADING if self._worker.info is None or self._worker.config != spec.config
                        else RUNNING)
        self.progressChanged.emit(0, 0)
        self._runner.submit(job)
        return True

    def submit_task(self, work: Callable[[ModelWorker, ProgressFn], object]) -> Job | None:
        """Run ``work(worker, progress)`` on this column's warm worker as one job (e.g. an evaluation).

        The column is busy meanwhile (a Run waits), and its display is left as it is. Returns the job, whose
        signals report the outcome, or None when the column is busy."""
        if self.busy:
            return None
        worker = self._worker
        job = Job(lambda progress: work(worker, progress))
        job.signals.finished.connect(self._on_finished)
        self._job, self.job_kind = job, "task"
        self._runner.submit(job)
        return job

    def restore(self, run: ScoreRun, documents: Sequence[Document], query: str = "",
                instruction: str | None = None) -> None:
        """Show a saved run (from a session) as this column's last result; the model is not loaded."""
        self.last_run, self.documents, self.message = run, list(documents), ""
        self.query, self.instruction, self.run_spec, self.restored = query, instruction, self._spec, True
        self._set_state(DONE)
        self.runFinished.emit(run)

    def cancel(self) -> None:
        if self.busy:
            self._worker.cancel()

    def shutdown(self, timeout: float = 3.0) -> None:
        """Stop the worker process (cancels a running job first)."""
        self._worker.close(timeout)

    # -- job signals (GUI thread) -----------------------------------------------------------------
    def _on_progress(self, done: int, total: int) -> None:
        if self.state == LOADING:
            self._set_state(RUNNING)
        self.progressChanged.emit(done, total)

    def _on_returned(self, value) -> None:
        if isinstance(value, ModelInfo):
            self.info = value
            self.infoChanged.emit(value)
            if self.state == LOADING:
                self._set_state(RUNNING)
            return
        self.documents, self.query, self.instruction, self.run_spec = self._pending
        self.last_run, self.message, self.restored = value, "", False
        self._set_state(DONE)
        self.runFinished.emit(value)

    def _on_errored(self, kind: str, message: str) -> None:
        self.message = message
        self._set_state(CANCELLED if kind == "cancelled" else FAILED)
        self.runFailed.emit(message)

    def _on_finished(self) -> None:
        self._job = None
        self.jobDone.emit()

    def _set_state(self, state: str) -> None:
        self.state = state
        self.stateChanged.emit(state)


def _record_use(config) -> None:
    """The Models dialog's "Last used" for this artifact (a local model; a remote server is not one)."""
    if config.backend == "remote":
        return
    from app.hub.bundled import record_path_use

    record_path_use(config.path, config.file)
