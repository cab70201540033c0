"""Downloads in the Models dialog: each artifact pull runs in a pool thread through ``app.hub.pull`` and shows a
row with a progress bar (bytes, speed, ETA), Cancel and Resume. A cancelled pull keeps its partial file; Resume
pulls again and the model manager continues it with an HTTP Range request."""

from __future__ import annotations

import logging

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from app import hub
from app.ui.hub_tables import human_bytes
from app.ui.jobs import Job, JobRunner
from app.ui.progress_bar import LazyProgressBar

log = logging.getLogger(__name__)

TITLE_WIDTH = 420
QUEUED, RUNNING, DONE, CANCELLED, FAILED = "queued", "running", "done", "cancelled", "failed"


def progress_text(p: hub.DownloadProgress) -> str:
    """'12.0 MB / 80.0 MB · 3.1 MB/s · 22 s left · file 2/4 onnx/model.onnx'"""
    parts = [f"{human_bytes(p.done_bytes)} / {human_bytes(p.total_bytes)}"]
    if p.state == "downloading" and p.speed_bps > 0:
        parts.append(f"{human_bytes(p.speed_bps)}/s")
        if p.eta_s is not None:
            parts.append(f"{_duration(p.eta_s)} left")
    elif p.state != "downloading":
        parts.append(p.state + (f": {p.message}" if p.message else ""))
    if p.file:
        parts.append(f"file {p.file_index}/{p.file_count} {p.file}")
    return " · ".join(parts)


def _duration(seconds: float) -> str:
    seconds = int(round(seconds))
    if seconds < 60:
        return f"{seconds} s"
    if seconds < 3600:
        return f"{seconds // 60} min {seconds % 60:02d} s"
    return f"{seconds // 3600} h {seconds % 3600 // 60:02d} min"


class _PullSignals(QObject):
    progress = Signal(object)  # hub.DownloadProgress, from the pool thread


class DownloadTask(QObject):
    """One artifact of one repo; ``start()`` (again after a cancel or failure) pulls it off the GUI thread."""

    progressed = Signal(object)  # hub.DownloadProgress
    stateChanged = Signal(str)
    finished = Signal(object)  # hub.PullResult on success, None otherwise

    def __init__(self, listing: hub.RepoListing, artifact: hub.Artifact, runner: JobRunner,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.listing, self.artifact, self.runner = listing, artifact, runner
        self.state = QUEUED
        self.message = ""
        self.last: hub.DownloadProgress | None = None
        self.result: hub.PullResult | None = None
        self.token = hub.CancelToken()
        self.events = 0  # progress events received (the tests check that progress is shown)

    @property
    def key(self) -> tuple[str, str]:
        return self.listing.repo_id, self.artifact.name

    @property
    def active(self) -> bool:
        return self.state in (QUEUED, RUNNING)

    def start(self) -> None:
        if self.state == RUNNING:
            return
        self.token = hub.CancelToken()
        token, listing, artifact = self.token, self.listing, self.artifact
        signals = _PullSignals()
        signals.progress.connect(self._on_progress)
        job = Job(lambda _p: hub.pull(listing, artifact, progress=signals.progress.emit, cancelled=token))
        job.signals.returned.connect(self._on_done)
        job.signals.errored.connect(self._on_error)
        job.signals.finished.connect(lambda s=signals: s.deleteLater())
        self._set_state(RUNNING, "")
        self.runner.submit(job)

    def cancel(self) -> None:
        if self.state == RUNNING:
            self.token.cancel()

    def _on_progress(self, p: hub.DownloadProgress) -> None:
        self.events += 1
        self.last = p
        self.progressed.emit(p)

    def _on_done(self, result: hub.PullResult) -> None:
        self.result = result
        self._set_state(DONE, f"Downloaded {human_bytes(result.downloaded_bytes)}"
                              + (f" ({human_bytes(result.reused_bytes)} already on disk)"
                                 if result.reused_bytes else ""))
        self.finished.emit(result)

    def _on_error(self, kind: str, message: str) -> None:
        if kind == "cancelled":
            self._set_state(CANCELLED, "Cancelled: the partial file is kept; Resume continues it.")
        else:
            self._set_state(FAILED, message)
        self.finished.emit(None)

    def _set_state(self, state: str, message: str) -> None:
        self.state, self.message = state, message
        self.stateChanged.emit(state)


class DownloadRow(QWidget):
    """Title, progress bar, detail line, and Cancel / Resume for one DownloadTask."""

    def __init__(self, task: DownloadTask, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.task = task
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 2, 0, 2)
        top = QHBoxLayout()
        self.title = QLabel()
        self.title.setFixedWidth(TITLE_WIDTH)
        self.title.setText(self.title.fontMetrics().elidedText(f"{task.listing.repo_id} · {task.artifact.label}",
                                                               Qt.TextElideMode.ElideMiddle, TITLE_WIDTH))
        self.title.setToolTip(f"{task.listing.repo_id} @ {task.listing.commit[:8]}: {', '.join(task.artifact.files)}")
        self.bar = LazyProgressBar()
        self.bar.setRange(0, 1000)
        self.bar.setTextVisible(True)
        self.cancel_btn = QPushButton("Cancel")
        self.resume_btn = QPushButton("Resume")
        self.cancel_btn.clicked.connect(task.cancel)
        self.resume_btn.clicked.connect(task.start)
        top.addWidget(self.title)
        top.addWidget(self.bar, 1)
        top.addWidget(self.cancel_btn)
        top.addWidget(self.resume_btn)
        layout.addLayout(top)
        self.detail = QLabel()
        self.detail.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.detail.setWordWrap(True)
        layout.addWidget(self.detail)
        task.progressed.connect(self._progress)
        task.stateChanged.connect(self._state)
        self._state(task.state)

    def _progress(self, p: hub.DownloadProgress) -> None:
        self.bar.set_progress(int(p.fraction * 1000))
        self.bar.setFormat(f"{p.fraction * 100:.0f} %")
        self.detail.setText(progress_text(p))

    def _state(self, state: str) -> None:
        self.cancel_btn.setVisible(state in (QUEUED, RUNNING))
        self.resume_btn.setVisible(state in (CANCELLED, FAILED))
        self.resume_btn.setText("Retry" if state == FAILED else "Resume")
        if state == DONE:
            self.bar.set_progress(1000)
            self.bar.setFormat("done")
        if self.task.message:
            color = "#cf222e" if state == FAILED else ("#9a6700" if state == CANCELLED else "#1a7f37")
            self.detail.setText(f"<span style='color:{color}'>{self.task.message}</span>")
        elif state == RUNNING:
            self.detail.setText("Starting…")
