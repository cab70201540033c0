"""The main window: query, documents, backend columns side by side, drift; run / cancel off the GUI thread."""

from __future__ import annotations

import logging
import threading

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import QMainWindow, QSplitter, QVBoxLayout, QWidget

from app.core.families import detect_from_config, read_config
from app.core.types import BackendConfig, Document
from app.ui.banner import Banner
from app.ui.columns import controller as states
from app.ui.columns.area import ColumnsArea
from app.ui.columns.column_widget import ColumnWidget
from app.ui.columns.controller import ColumnController
from app.ui.columns.spec import ColumnSpec, is_reference, new_spec
from app.ui.compare_wiring import CompareSetup
from app.ui.documents_panel import DocumentsPanel
from app.ui.drift_panel import DriftPanel
from app.ui.jobs import JobRunner
from app.ui.query_panel import QueryPanel
from app.ui.screen_fit import available_size
from app.ui.window_actions import WindowActions

log = logging.getLogger(__name__)

# Each thread only waits on one column's worker process (the work happens there), so one thread per column
# that can run at once; 32 columns is far more than fits on a screen.
COLUMN_THREADS = 32
INPUT_PROBLEM = object()  # the banner's cause for "the query is empty" and the like: cleared once fixed


class MainWindow(QMainWindow):
    runFinished = Signal()  # every column of the last Run has finished (any outcome)

    def __init__(self, defaults: dict | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Rerank Playground")
        self.defaults = defaults or {}
        self.runner = JobRunner("column-jobs", COLUMN_THREADS, self)
        self.controllers: dict[ColumnWidget, ColumnController] = {}
        self._retired: list[ColumnController] = []
        self._running: set[ColumnController] = set()
        self.normalized = True
        self.first_run = False  # set by launch.build_window when it opens the starter sample workspace
        self.query_panel = QueryPanel(self)
        self.documents_panel = DocumentsPanel(self)
        self.columns = ColumnsArea(self)
        self.drift_panel = DriftPanel(self)
        self.message_bar = Banner(self)
        self.compare = CompareSetup(self)  # comparison view, document preview, shared selection
        self._build_layout()
        self.actions_ = WindowActions(self)
        self.compare.install()
        # Drift, token counts and grade metrics follow a column's results one event-loop turn later, so a
        # 1,000-document result never makes one long burst of GUI-thread work (and two columns finishing
        # together refresh them once).
        self._derived_refresh = QTimer(self)
        self._derived_refresh.setSingleShot(True)
        self._derived_refresh.setInterval(0)
        self._derived_refresh.timeout.connect(self._refresh_derived)
        self._finish_run = QTimer(self)
        self._finish_run.setSingleShot(True)
        self._finish_run.setInterval(1)
        self._finish_run.timeout.connect(self._run_finished)
        self.documents_panel.grades_changed.connect(self._update_grade_metrics)
        self.documents_panel.changed.connect(self._update_grade_metrics)
        # Stale marking follows every edit of the inputs, coalesced (typing a word checks once)
        self._stale_check = QTimer(self)
        self._stale_check.setSingleShot(True)
        self._stale_check.setInterval(30)
        self._stale_check.timeout.connect(self.mark_stale)
        self.query_panel.changed.connect(self._stale_check.start)
        self.documents_panel.changed.connect(self._documents_changed)
        self._fit_to_screen()

    def _build_layout(self) -> None:
        central = QWidget(self)
        layout = QVBoxLayout(central)
        layout.setContentsMargins(8, 6, 8, 6)
        layout.addWidget(self.message_bar)
        layout.addWidget(self.query_panel)
        middle = QSplitter(Qt.Orientation.Horizontal, central)
        middle.addWidget(self.documents_panel)
        middle.addWidget(self.compare.stack)
        middle.addWidget(self.compare.preview_slot)
        middle.setStretchFactor(0, 1)
        middle.setStretchFactor(1, 3)
        middle.setStretchFactor(2, 1)
        middle.setSizes([360, 1040, 0])
        self._middle = middle
        vertical = QSplitter(Qt.Orientation.Vertical, central)
        vertical.addWidget(middle)
        vertical.addWidget(self.drift_panel)
        vertical.setStretchFactor(0, 4)
        vertical.setStretchFactor(1, 1)
        vertical.setSizes([620, 170])
        layout.addWidget(vertical, 1)
        self.setCentralWidget(central)

    def _fit_to_screen(self) -> None:
        """First-run size: most of the screen (three result columns need ~1,000 px beside the documents), capped
        so that a large monitor does not get a sprawling window. A saved geometry replaces it later."""
        width, height = 1400, 860
        size = available_size(self)
        if size is not None:
            width = max(min(1680, int(size[0] * 0.94)), min(1000, size[0]))
            height = max(min(980, int(size[1] * 0.92)), min(640, size[1]))
        self.resize(width, height)
        docs = int(width * 0.28)
        self._middle.setSizes([docs, width - docs, 0])  # the preview takes its share when shown

    # -- columns ----------------------------------------------------------------------------------
    def column_specs(self) -> list[ColumnSpec]:
        return [self.controllers[w].spec for w in self.columns.widgets]

    def column_controllers(self) -> list[ColumnController]:
        return [self.controllers[w] for w in self.columns.widgets]

    def add_column(self, spec: ColumnSpec | BackendConfig) -> ColumnWidget:
        if isinstance(spec, BackendConfig):
            spec = new_spec(spec)
        controller = ColumnController(spec, self.runner, parent=self)
        widget = ColumnWidget(controller, self.columns)
        self.controllers[widget] = controller
        widget.settingsRequested.connect(self.actions_.edit_column)
        widget.removeRequested.connect(self.remove_column)
        widget.copyRequested.connect(self.actions_.copy_request)
        widget.set_normalized(self.normalized)
        controller.runFinished.connect(lambda _run: self._results_changed(deferred=True))
        controller.infoChanged.connect(lambda _info: self._update_instruction())
        controller.specChanged.connect(lambda _spec: self._columns_changed())
        controller.specChanged.connect(lambda _spec: self._stale_check.start())
        controller.jobDone.connect(lambda c=controller: self._job_done(c))
        self.columns.add(widget)
        self.compare.column_added(widget)
        self._columns_changed()
        return widget

    def remove_column(self, widget: ColumnWidget) -> None:
        """Remove a column; its worker process stops in the background (the model is freed)."""
        controller = self.controllers.pop(widget)
        self.columns.remove(widget)
        self._running.discard(controller)
        self._retired.append(controller)
        self.message_bar.clear_cause(controller)  # e.g. "Column 'x' failed": that column is gone
        controller.jobDone.connect(lambda c=controller: self._retire(c))
        threading.Thread(target=controller.shutdown, name="column-shutdown", daemon=True).start()
        if not controller.busy:
            self._retire(controller)
        self._columns_changed()
        self._results_changed()
        self._update_run_state()

    def _retire(self, controller: ColumnController) -> None:
        if controller in self._retired and not controller.busy:
            self._retired.remove(controller)
            controller.deleteLater()

    def clear_columns(self) -> None:
        for widget in list(self.columns.widgets):
            self.remove_column(widget)

    # -- run / cancel -----------------------------------------------------------------------------
    def run(self) -> bool:
        """Score the query and documents in every column; False (with a message) when input is missing."""
        query, docs = self.query_panel.query(), self.documents_panel.documents()
        problem = self._input_problem(query, docs)
        if problem:
            self.message_bar.show_message(problem, "error", cause=INPUT_PROBLEM)
            return False
        self.message_bar.clear()
        instruction = self.query_panel.instruction_text() or None
        for controller in self.column_controllers():
            if controller.run(query.strip(), docs, instruction):
                self._running.add(controller)
        self._update_run_state()
        return True

    def _input_problem(self, query: str, docs: list[Document]) -> str | None:
        if not self.columns.widgets:
            return "There are no columns to run: click Add column and pick a model folder or file."
        if not query.strip():
            return "The query is empty: type a query above, then Run."
        if not docs:
            return "There are no documents: drop files on the Documents panel, paste text or click Add, then Run."
        if any(c.busy for c in self.column_controllers()):
            return ("A run or an evaluation is still in progress: wait for it or click Cancel (in the window or "
                    "the Evaluate view) first.")
        return None

    def cancel(self) -> None:
        for controller in self.column_controllers():
            controller.cancel()
        self.statusBar().showMessage("Cancelling at the next batch…", 3000)

    @property
    def busy(self) -> bool:
        return any(c.busy for c in self.column_controllers())

    def _job_done(self, controller: ColumnController) -> None:
        if controller.job_kind == "task":  # e.g. an evaluation: not part of the window's Run
            return
        self._running.discard(controller)
        if controller.state == states.FAILED:
            self.message_bar.show_message(f"Column '{controller.spec.name}' failed: {controller.message}",
                                          "error", cause=controller)
        elif controller.state == states.DONE:
            self.message_bar.clear_cause(controller)  # its earlier failure is gone
        self._update_run_state()
        if not self._running:
            # Drift and token counts in a later event-loop turn, so the results' own frame is painted first
            # (one frame with everything took up to 55 ms of GUI-thread time with 1,000 documents).
            self._finish_run.start()

    def _run_finished(self) -> None:
        """The last column of a Run is done: its drift and token counts are shown, then runFinished."""
        if self._running:  # a new Run started in between
            return
        if self._derived_refresh.isActive():
            self._refresh_derived()
        self.runFinished.emit()

    def _update_run_state(self) -> None:
        busy = bool(self._running)
        self.actions_.run.setEnabled(not busy)
        self.actions_.cancel.setEnabled(busy)

    # -- results ----------------------------------------------------------------------------------
    def set_normalized(self, normalized: bool) -> None:
        self.normalized = normalized
        for widget in self.columns.widgets:
            widget.set_normalized(normalized)
        self.drift_panel.set_normalized(normalized)
        self.compare.set_normalized(normalized)

    def reference_index(self) -> int | None:
        index = self.actions_.reference.currentIndex() - 1  # item 0 is "none"
        return index if 0 <= index < len(self.columns.widgets) else None

    def set_reference_index(self, index: int | None) -> None:
        self.actions_.reference.setCurrentIndex(0 if index is None else index + 1)

    def _columns_changed(self) -> None:
        specs = [self.controllers[w].spec for w in self.columns.widgets]
        preferred = next((i for i, s in enumerate(specs) if is_reference(s.config)), None)
        self.actions_.refresh_reference([s.name for s in specs], preferred)
        self._update_instruction()
        self.compare.columns_changed()

    def _results_changed(self, deferred: bool = False) -> None:
        ref = self.reference_index()
        ref_widget = self.columns.widgets[ref] if ref is not None else None
        ref_ranks = ref_widget.model.ranks() if ref_widget is not None and ref_widget.model.run else None
        for widget in self.columns.widgets:
            same_docs = ref_widget is not None and widget.controller.documents == ref_widget.controller.documents
            widget.set_reference_ranks(ref_ranks if widget is not ref_widget and same_docs else None)
        if deferred:
            self._derived_refresh.start()
        else:
            self._refresh_derived()

    def _refresh_derived(self) -> None:
        self._derived_refresh.stop()
        done = [(c.spec.name, c.last_run, c.documents) for c in self.column_controllers() if c.last_run]
        ref = self.reference_index()
        self.drift_panel.set_columns(done, self.controllers[self.columns.widgets[ref]].spec.name
                                     if ref is not None else None)
        self.compare.refresh_soon()
        self._update_token_info()
        self._update_grade_metrics()
        self.mark_stale()

    def _documents_changed(self) -> None:
        self._update_token_info()  # e.g. Undo brings back the scored list: its token counts come back too
        self._stale_check.start()

    def mark_stale(self) -> None:
        """Dim each column whose results were scored for other inputs, say why, and tell the drift panel."""
        from app.ui.staleness import drift_note, stale_reason

        self._stale_check.stop()
        query, docs = self.query_panel.query(), self.documents_panel.documents()
        instruction = self.query_panel.instruction_text() or None
        reasons = []
        before = [w.stale_reason() for w in self.columns.widgets]
        for c in self.column_controllers():
            failed = c.state == states.FAILED
            reason = "" if failed else stale_reason(c, query, instruction, docs,
                                                        lambda c=c: _instruction_aware(c))
            self.columns.widgets[len(reasons)].set_stale(reason)
            reasons.append((reason, len(c.documents) if c.last_run and not failed else 0))
        if [r for r, _n in reasons] != before:
            self.compare.refresh_soon()  # the comparison marks stale columns too
        scored = max((n for _r, n in reasons), default=0)
        self.drift_panel.set_stale_note(drift_note([r for r, _n in reasons], scored, len(docs)))
        if self.message_bar.cause is INPUT_PROBLEM and not self._input_problem(query, docs):
            self.message_bar.clear()

    def _update_grade_metrics(self) -> None:
        """Each column's NDCG / MRR on the user's grades (only for results of the current documents)."""
        from app.ui.grade_metrics import grade_summary

        grades = self.documents_panel.grades()
        if all(g is None for g in grades):  # the common case: nothing graded, nothing to compare
            for widget in self.columns.widgets:
                widget.set_grade_text("")
            return
        docs = self.documents_panel.documents()
        for widget in self.columns.widgets:
            c = widget.controller
            widget.set_grade_text(grade_summary(c.last_run if c.documents == docs else None, grades))

    def _update_token_info(self) -> None:
        docs = self.documents_panel.documents()
        for controller in self.column_controllers():
            run = controller.last_run
            if run is not None and controller.documents == docs:
                self.documents_panel.set_token_info([r.token_count for r in run.results],
                                                    [r.truncated for r in run.results])
                return

    def _update_instruction(self) -> None:
        aware = any(_instruction_aware(c) for c in self.column_controllers())
        self.query_panel.set_instruction_visible(aware)

    # -- closing ----------------------------------------------------------------------------------
    def closeEvent(self, event: QCloseEvent) -> None:
        from app.ui.settings_bridge import save_geometry

        self.actions_.save_last_session()
        save_geometry(self)
        self.shutdown()
        super().closeEvent(event)

    def shutdown(self, timeout: float = 3.0) -> None:
        """Cancel every run and stop every worker process (in parallel), then wait for the job threads."""
        if hasattr(self.documents_panel, "shutdown"):  # stops a running file import
            self.documents_panel.shutdown()
        self.actions_.close_models()  # cancels downloads; their partial files are kept for Resume
        controllers = self.column_controllers() + self._retired
        threads = [threading.Thread(target=c.shutdown, args=(timeout,), daemon=True) for c in controllers]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout + 3)
        self.runner.wait(int((timeout + 3) * 1000))


def _instruction_aware(controller: ColumnController) -> bool:
    if controller.info is not None:
        return controller.info.instruction_aware
    cfg = controller.spec.config
    if cfg.family:
        return "qwen3" in cfg.family.lower()
    from pathlib import Path

    from app.core.errors import PlaygroundError

    base = Path(cfg.path)
    for folder in (base, base.parent, base.parent.parent):
        try:
            return detect_from_config(read_config(folder)).instruction_aware
        except (PlaygroundError, OSError, ValueError):
            continue
    return False
