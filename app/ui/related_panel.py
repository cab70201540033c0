"""The "Same model" tab of the Models dialog: published quantizations/conversions of one base model, side by side.

Lists what ``hub.related`` finds (Hub repos whose model tree names the base), grouped by format and quantization
with size and downloads. "Download && compare" pulls every selected artifact through the Hub tab's own download
rows (progress, cancel, resume) and, once each is on disk, asks the window for one column per artifact —
plus a Reference (transformers) column when the base checkpoint is in the cache and that backend is available —
then for a run on the current query and documents.
"""

from __future__ import annotations

import logging

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app import hub
from app.hub.related import RelatedArtifact, RelatedResult
from app.ui.banner import Banner
from app.ui.hub_tables import RelatedTable

log = logging.getLogger(__name__)


class RelatedPanel(QWidget):
    found = Signal(object)  # RelatedResult, or None after an error
    artifactReady = Signal(object)  # hub.PullResult of an artifact picked for comparison
    compareReady = Signal(object)  # list[hub.PullResult]: every picked artifact is on disk

    def __init__(self, hub_panel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.hub_panel = hub_panel  # its runners and download rows are shared: one download list
        self.model = RelatedTable(self)
        self.result: RelatedResult | None = None
        self._pending: dict[tuple[str, str], RelatedArtifact] = {}
        self._ready: list[hub.PullResult] = []
        self._serial = 0
        self.notice = Banner(self)
        self._build()
        hub_panel.pulled.connect(self._on_pulled)

    def _build(self) -> None:
        from app.ui.hub_panel import table_view

        layout = QVBoxLayout(self)
        layout.addWidget(self.notice)
        row = QHBoxLayout()
        self.base = QLineEdit()
        self.base.setPlaceholderText("base model, e.g. BAAI/bge-reranker-v2-m3 (or pick a repo on the Hub tab)")
        self.base.returnPressed.connect(lambda: self.find(self.base.text()))
        self.find_btn = QPushButton("Find published artifacts")
        self.find_btn.clicked.connect(lambda: self.find(self.base.text()))
        row.addWidget(self.base, 1)
        row.addWidget(self.find_btn)
        layout.addLayout(row)
        self.summary = QLabel("Quantizations and ONNX/GGUF/CT2 conversions that other repos publish of one model, "
                              "from the Hub's model tree.")
        self.summary.setWordWrap(True)
        layout.addWidget(self.summary)
        self.view = table_view(self.model, self)
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        for col, width in ((0, 70), (1, 110), (2, 420), (3, 80), (4, 90)):
            self.view.setColumnWidth(col, width)
        self.view.selectionModel().selectionChanged.connect(lambda *_: self._selection_changed())
        layout.addWidget(self.view, 1)
        buttons = QHBoxLayout()
        self.others = QLabel()
        self.others.setWordWrap(True)
        self.compare_btn = QPushButton("Download && compare")
        self.compare_btn.setToolTip("Download every selected artifact, then score each in its own column beside "
                                    "the others (and the transformers reference when the base is on disk)")
        self.compare_btn.setEnabled(False)
        self.compare_btn.clicked.connect(self.download_and_compare)
        buttons.addWidget(self.others, 1)
        buttons.addWidget(self.compare_btn, 0, Qt.AlignmentFlag.AlignRight)
        layout.addLayout(buttons)

    # -- finding ----------------------------------------------------------------------------------
    def find(self, base: str) -> None:
        base = base.strip()
        if not base:
            self.notice.show_message("Type the base model's repo id (owner/name).", "info")
            return
        self.base.setText(base)
        self._serial += 1
        serial = self._serial
        self.find_btn.setEnabled(False)
        self.summary.setText(f"Looking for repos built on {base}…")
        self.model.set_rows(())
        self.hub_panel._submit(lambda: hub.related(base), lambda r: self._on_found(serial, r),
                               lambda msg: self._failed(serial, msg))

    def _on_found(self, serial: int, result: RelatedResult) -> None:
        if serial != self._serial:
            return
        self.find_btn.setEnabled(True)
        self.result = result
        if result.offline:
            self.notice.show_message(result.message, "warning")
        else:
            self.notice.clear()
        rows = result.artifacts()
        self.model.set_rows(rows)
        unlisted = [r for r in result.repos if r.error]
        text = result.message or (f"<b>{len(rows)} artifacts</b> of <b>{result.base}</b> in {len(result.repos)} "
                                  "repos. Select several and press Download && compare.")
        if unlisted:
            text += "<br><small>Not listed: " + "; ".join(f"{r.repo_id} ({r.error})" for r in unlisted[:3])
            text += "</small>"
        self.summary.setText(text)
        others = ", ".join(f"{r.repo_id} ({r.relation})" for r in result.others[:4])
        self.others.setText(f"<small>Other models built on it (not compared): {others}</small>" if others else "")
        self._selection_changed()
        self.found.emit(result)

    def _failed(self, serial: int, message: str) -> None:
        if serial == self._serial:
            self.find_btn.setEnabled(True)
            self.summary.setText("")
            self.notice.show_message(message, "error")
            self.found.emit(None)

    # -- download and compare ---------------------------------------------------------------------
    def selected(self) -> list[RelatedArtifact]:
        rows = sorted({i.row() for i in self.view.selectionModel().selectedRows()})
        return [self.model.row(r) for r in rows]

    def _selection_changed(self) -> None:
        self.compare_btn.setEnabled(bool(self.selected()) and not self._pending)

    def download_and_compare(self) -> list:
        """Start (or reuse) a download for every selected artifact; columns follow as each one completes."""
        picked = self.selected()
        if not picked:
            return []
        self._ready = []
        self._pending = {(x.repo.repo_id, x.artifact.name): x for x in picked}
        self.compare_btn.setEnabled(False)
        tasks = []
        for x in picked:
            task = self.hub_panel.download_artifact(x.repo.listing, x.artifact)
            if task is not None:
                tasks.append(task)
                task.finished.connect(lambda result, key=(x.repo.repo_id, x.artifact.name):
                                      result is None and self._give_up(key))
        self.summary.setText(f"Downloading {len(picked)} artifacts (progress below on the Hub tab)…")
        return tasks

    def _on_pulled(self, result: hub.PullResult) -> None:
        key = (result.repo_id, result.artifact.name)
        if key not in self._pending:
            return
        del self._pending[key]
        self._ready.append(result)
        self.artifactReady.emit(result)
        self._maybe_done()

    def _give_up(self, key: tuple[str, str]) -> None:
        """A cancelled or failed download: compare what did arrive (its row says why the rest did not)."""
        if self._pending.pop(key, None) is not None:
            self._maybe_done()

    def _maybe_done(self) -> None:
        if self._pending:
            return
        self.summary.setText(f"{len(self._ready)} artifacts on disk: opened as columns and scored.")
        self.compareReady.emit(list(self._ready))
        self._selection_changed()
