"""The Hub tab of the Models dialog: search, a repo's artifacts, downloads. Every network call runs in a pool
thread (``JobRunner``), so a slow or unreachable Hub never freezes the window."""

from __future__ import annotations

import logging
from collections.abc import Callable

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QScrollArea,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from app import hub
from app.ui.banner import Banner
from app.ui.hub_downloads import DownloadRow, DownloadTask
from app.ui.hub_tables import ArtifactTable, SearchTable
from app.ui.jobs import Job, JobRunner

log = logging.getLogger(__name__)
LOOKUP_THREADS = 2  # searches, listings, catalogue scans: never queued behind downloads
DOWNLOAD_THREADS = 3  # more downloads wait for a free thread (their rows say "Starting…")


def table_view(model, parent: QWidget) -> QTableView:
    view = QTableView(parent)
    view.setModel(model)
    view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    view.verticalHeader().hide()
    view.setAlternatingRowColors(True)
    view.setWordWrap(False)
    header = view.horizontalHeader()
    header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
    header.setStretchLastSection(True)
    header.setDefaultSectionSize(110)
    header.setMinimumSectionSize(40)
    return view


class HubPanel(QWidget):
    searchDone = Signal(object)  # hub.SearchResult
    listingDone = Signal(object)  # hub.RepoListing, or None after an error
    statusKnown = Signal(object)  # hub.HubStatus
    pulled = Signal(object)  # hub.PullResult
    taskAdded = Signal(object)  # DownloadTask
    relatedRequested = Signal(str)  # repo id: show its published quantizations/conversions
    convertRequested = Signal(object, object)  # RepoListing, Artifact (safetensors): convert it

    def __init__(self, local_names: Callable[[str], set[str]], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.local_names = local_names  # repo id -> names of its artifacts already on disk
        self.runner = JobRunner("hub-lookups", LOOKUP_THREADS, self)
        self.download_runner = JobRunner("hub-downloads", DOWNLOAD_THREADS, self)
        self.tasks: dict[tuple[str, str], DownloadTask] = {}
        self.listing: hub.RepoListing | None = None
        self.offline = False
        self._search_serial = self._listing_serial = 0
        self.search_model, self.artifact_model = SearchTable(self), ArtifactTable(self)
        self.notice = Banner(self)
        self._build()

    def _build(self) -> None:
        layout = QVBoxLayout(self)
        layout.addWidget(self.notice)
        row = QHBoxLayout()
        self.query = QLineEdit()
        self.query.setPlaceholderText("search rerankers on the Hub, e.g. bge, jina, qwen3 (empty: most downloaded)")
        self.query.returnPressed.connect(lambda: self.search(self.query.text()))
        self.search_btn = QPushButton("Search")
        self.search_btn.clicked.connect(lambda: self.search(self.query.text()))
        row.addWidget(self.query, 1)
        row.addWidget(self.search_btn)
        layout.addLayout(row)
        split = QSplitter(Qt.Orientation.Horizontal, self)
        self.repos = table_view(self.search_model, split)
        for col, width in ((0, 215), (1, 75), (2, 45)):
            self.repos.setColumnWidth(col, width)
        self.repos.selectionModel().currentRowChanged.connect(lambda cur, _prev: self.open_repo(cur.row()))
        right = QWidget(split)
        rlay = QVBoxLayout(right)
        rlay.setContentsMargins(0, 0, 0, 0)
        self.repo_label = QLabel("Pick a repository to see its artifacts.")
        self.repo_label.setWordWrap(True)
        self.artifacts = table_view(self.artifact_model, right)
        for col, width in ((0, 95), (1, 115), (2, 225), (3, 70), (4, 95)):
            self.artifacts.setColumnWidth(col, width)
        self.artifacts.doubleClicked.connect(lambda idx: self.download(idx.row()))
        self.download_btn = QPushButton("Download")
        self.download_btn.setEnabled(False)
        self.download_btn.clicked.connect(lambda: self.download(self.artifacts.currentIndex().row()))
        self.artifacts.selectionModel().currentRowChanged.connect(lambda cur, _p: self._artifact_selected(cur.row()))
        self.related_btn = QPushButton("Other published formats…")
        self.related_btn.setToolTip("Quantizations and ONNX/GGUF/CT2 conversions of this model in other repos "
                                    "(the Hub's model tree), to download and compare side by side")
        self.related_btn.setEnabled(False)
        self.related_btn.clicked.connect(lambda: self.listing and self.relatedRequested.emit(self.listing.repo_id))
        self.convert_btn = QPushButton("Convert…")
        self.convert_btn.setToolTip("Convert this safetensors checkpoint to ONNX / CTranslate2 / GGUF and "
                                    "validate it against the transformers reference")
        self.convert_btn.setEnabled(False)
        self.convert_btn.clicked.connect(self._convert_selected)
        rlay.addWidget(self.repo_label)
        rlay.addWidget(self.artifacts, 1)
        buttons = QHBoxLayout()
        buttons.addWidget(self.related_btn)
        buttons.addStretch(1)
        buttons.addWidget(self.convert_btn)
        buttons.addWidget(self.download_btn)
        rlay.addLayout(buttons)
        split.setStretchFactor(0, 2)
        split.setStretchFactor(1, 3)
        layout.addWidget(split, 3)
        layout.addWidget(QLabel("<b>Downloads</b>"))
        self.downloads = QWidget()
        self.downloads_layout = QVBoxLayout(self.downloads)
        self.downloads_layout.addStretch(1)
        scroll = QScrollArea(self)
        scroll.setWidgetResizable(True)
        scroll.setWidget(self.downloads)
        scroll.setMinimumHeight(110)
        layout.addWidget(scroll, 1)

    # -- status / offline -------------------------------------------------------------------------
    def check_status(self) -> None:
        """Probe the Hub in the background; the offline notice shows when it cannot be reached."""
        self._submit(lambda: hub.hub_status(probe=True), self._on_status)

    def _on_status(self, status: hub.HubStatus) -> None:
        if status.offline:
            self.show_offline(f"Offline: the Hub at {status.endpoint} cannot be reached ({status.reason}). "
                              "Models already downloaded still work: see the Downloaded tab.")
        else:
            self.offline = False
            if self.notice.level == "warning":
                self.notice.clear()
        self.statusKnown.emit(status)

    def show_offline(self, message: str) -> None:
        self.offline = True
        self.notice.show_message(message, "warning")

    # -- search -----------------------------------------------------------------------------------
    def search(self, text: str) -> None:
        self._search_serial += 1
        serial = self._search_serial
        self.search_btn.setEnabled(False)
        self.repo_label.setText(f"Searching for '{text.strip()}'…" if text.strip() else "Searching…")
        self._submit(lambda: hub.search(text), lambda r: self._on_search(serial, r),
                     lambda msg: self._search_failed(serial, msg))

    def _on_search(self, serial: int, result: hub.SearchResult) -> None:
        if serial != self._search_serial:
            return
        self.search_btn.setEnabled(True)
        if result.offline:
            self.show_offline(result.message + " Models already downloaded still work: see the Downloaded tab.")
        elif self.notice.level == "warning":
            self.offline = False
            self.notice.clear()
        self.search_model.set_rows(result.hits)
        self.artifact_model.set_artifacts(())
        self.listing = None
        self.repo_label.setText(result.message or f"{len(result.hits)} repositories. Pick one to see its "
                                                  "artifacts.")
        self.searchDone.emit(result)

    def _search_failed(self, serial: int, message: str) -> None:
        if serial == self._search_serial:
            self.search_btn.setEnabled(True)
            self.repo_label.setText("")
            self.notice.show_message(message, "error")
            self.searchDone.emit(None)

    # -- one repo ---------------------------------------------------------------------------------
    def open_repo(self, row: int) -> None:
        if not 0 <= row < self.search_model.rowCount():
            return
        repo_id = self.search_model.row(row).repo_id
        self._listing_serial += 1
        serial = self._listing_serial
        self.repo_label.setText(f"Listing the files of {repo_id}…")
        self.listing = None  # until the new listing arrives, nothing refers to the previous repo
        self.artifact_model.set_artifacts(())
        self.download_btn.setEnabled(False)
        self.convert_btn.setEnabled(False)
        self.related_btn.setEnabled(False)
        self._submit(lambda: hub.remote_listing(repo_id), lambda lst: self._on_listing(serial, lst),
                     lambda msg: self._listing_failed(serial, msg))

    def _on_listing(self, serial: int, listing: hub.RepoListing) -> None:
        if serial != self._listing_serial:
            return
        self.listing = listing
        self.related_btn.setEnabled(True)
        self.artifact_model.set_artifacts(listing.artifacts, self.local_names(listing.repo_id))
        runnable = sum(1 for a in listing.artifacts if a.runnable)
        text = (f"<b>{listing.repo_id}</b> @ {listing.commit[:8]}: {len(listing.artifacts)} artifacts, "
                f"{runnable} runnable here.")
        if listing.gated:
            text += " Gated: needs accepted terms and a token (HF_TOKEN or hf auth login)."
        notes = listing.notes[:3]
        self.repo_label.setText(text + "".join(f"<br><small>{n}</small>" for n in notes))
        self.repo_label.setToolTip("\n".join(listing.notes))
        self.listingDone.emit(listing)

    def _listing_failed(self, serial: int, message: str) -> None:
        if serial == self._listing_serial:
            self.repo_label.setText(f"<span style='color:#cf222e'>{message}</span>")
            self.listingDone.emit(None)

    def refresh_local(self) -> None:
        if self.listing is not None:
            self.artifact_model.set_artifacts(self.listing.artifacts, self.local_names(self.listing.repo_id))

    def _artifact_selected(self, row: int) -> None:
        ok = self.listing is not None and 0 <= row < self.artifact_model.rowCount()
        self.download_btn.setEnabled(ok and self.artifact_model.row(row).runnable)
        self.convert_btn.setEnabled(ok and self.artifact_model.row(row).format == "safetensors")

    def _convert_selected(self) -> None:
        row = self.artifacts.currentIndex().row()
        if self.listing is not None and 0 <= row < self.artifact_model.rowCount():
            self.convertRequested.emit(self.listing, self.artifact_model.row(row))

    # -- downloads --------------------------------------------------------------------------------
    def download(self, row: int) -> DownloadTask | None:
        """Pull the artifact in ``row`` of the current repo (again, if it was cancelled or failed)."""
        if self.listing is None or not 0 <= row < self.artifact_model.rowCount():
            return None
        return self.download_artifact(self.listing, self.artifact_model.row(row))

    def download_artifact(self, listing: hub.RepoListing, artifact: hub.Artifact) -> DownloadTask | None:
        """Pull ``artifact`` of ``listing`` with a download row (the Same-model tab uses this too)."""
        if not artifact.runnable:
            self.notice.show_message(f"{artifact.name} cannot run here: {'; '.join(artifact.notes)}", "info")
            return None
        key = (listing.repo_id, artifact.name)
        task = self.tasks.get(key)
        if task is None:
            task = DownloadTask(listing, artifact, self.download_runner, self)
            task.finished.connect(lambda result: result is not None and self.pulled.emit(result))
            self.tasks[key] = task
            self.downloads_layout.insertWidget(self.downloads_layout.count() - 1, DownloadRow(task))
            self.taskAdded.emit(task)
        task.start()
        return task

    def active_downloads(self) -> list[DownloadTask]:
        return [t for t in self.tasks.values() if t.active]

    def shutdown(self, wait_ms: int = 5000, lookups: bool = True) -> None:
        """Cancel every download (partial files are kept) and wait for the pool threads (``lookups``: also for
        a search or Hub probe in flight, at most its 3 s timeout)."""
        for task in self.tasks.values():
            task.cancel()
        self.download_runner.wait(wait_ms)
        if lookups:
            self.runner.wait(wait_ms)

    def _submit(self, fn, on_result, on_error: Callable[[str], None] | None = None) -> Job:
        job = Job(lambda _p: fn())
        job.signals.returned.connect(on_result)
        job.signals.errored.connect(lambda _kind, msg: (on_error or self._error)(msg))
        return self.runner.submit(job)

    def _error(self, message: str) -> None:
        self.notice.show_message(message, "error")
