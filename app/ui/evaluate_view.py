"""The Evaluate view: a labelled dataset scored by the chosen columns, metrics side by side, drift between them.

The dataset is the bundled held-out set (when this build ships it) or the user's JSONL file / BEIR folder
(:func:`app.core.datasets.load_dataset`, read off the GUI thread). The scoring runs in the columns' own worker
processes (:mod:`app.ui.evaluate_runner`).
"""

from __future__ import annotations

import logging
from html import escape
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QRadioButton,
    QSpinBox,
    QTableWidget,
    QTabWidget,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from app.core.datasets import load_dataset
from app.core.evaluation import BM25_NAME, bm25_reference, evaluate
from app.paths import resources_dir
from app.ui.evaluate_runner import EvalOutcome, EvaluationRun
from app.ui.jobs import Job, JobRunner
from app.ui.ndcg_chart import BarChart
from app.ui.progress_bar import LazyProgressBar
from app.ui.screen_fit import resize_within_screen

log = logging.getLogger(__name__)




def bundled_dataset() -> Path:
    """Where the bundled held-out set lives (it may be missing from a build)."""
    return resources_dir() / "eval" / "debian-heldout.jsonl"


class EvaluateView(QDialog):
    """Non-modal dialog of ``window`` (a MainWindow): its columns are the ones that can be evaluated."""

    def __init__(self, window) -> None:
        super().__init__(window)
        self.window_ = window
        self.setWindowTitle("Evaluate columns on a labelled dataset")
        resize_within_screen(self, 1000, 940)
        self.loader = JobRunner("evaluate-dataset", 1, self)
        self.run_: EvaluationRun | None = None
        self._load_job: Job | None = None
        self._chosen: list = []
        self.outcome: EvalOutcome | None = None
        layout = QVBoxLayout(self)
        layout.addLayout(self._build_dataset())
        layout.addWidget(QLabel("Columns to evaluate (their models stay loaded in their own processes):"))
        self.columns = QListWidget(self)
        self.columns.setMaximumHeight(96)
        layout.addWidget(self.columns)
        layout.addLayout(self._build_run_row())
        self.status = QLabel(self)
        self.status.setWordWrap(True)
        self.status.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self.status)
        self.table = _table(self)
        layout.addWidget(self.table, 2)
        layout.addLayout(self._build_table_buttons())
        self.tabs = QTabWidget(self)
        layout.addWidget(self.tabs, 2)
        self.tabs.addTab(self._build_taus(), "Rank agreement (τ)")
        self.tabs.addTab(self._build_per_query(), "Per query")
        self.chart = BarChart(self)
        layout.addWidget(self.chart)
        self.refresh_columns()
        self._show_outcome(None)

    # -- construction ---------------------------------------------------------------------------
    def _build_dataset(self) -> QFormLayout:
        form = QFormLayout()
        self.use_bundled = QRadioButton("Bundled held-out set (Debian documentation queries)")
        self.use_file = QRadioButton("File or folder:")
        self.path = QLineEdit(self)
        self.path.setPlaceholderText('JSONL ({"query", "documents", "labels"} per line) or a BEIR folder')
        self.path.textEdited.connect(lambda _t: self.use_file.setChecked(True))
        open_file, open_folder = QPushButton("Open dataset…"), QPushButton("BEIR folder…")
        open_file.clicked.connect(self._pick_file)
        open_folder.clicked.connect(self._pick_folder)
        row = QHBoxLayout()
        for w in (self.use_file, self.path, open_file, open_folder):
            row.addWidget(w, 1 if w is self.path else 0)
        has_bundled = bundled_dataset().is_file()
        self.use_bundled.setEnabled(has_bundled)
        (self.use_bundled if has_bundled else self.use_file).setChecked(True)
        self.bundled_note = QLabel("" if has_bundled else
                                   "<i>This build does not include the bundled held-out set: click "
                                   "<b>Open dataset…</b> to evaluate on your own file.</i>")
        form.addRow(self.use_bundled, self.bundled_note)
        form.addRow(row)
        self.k = _spin(1, 1000, 10)
        self.max_queries = _spin(0, 1_000_000, 0, "all")
        limits = QHBoxLayout()
        for label, w in (("k (cut-off)", self.k), ("  queries", self.max_queries)):
            limits.addWidget(QLabel(label))
            limits.addWidget(w)
        limits.addStretch(1)
        form.addRow(limits)
        return form

    def _build_table_buttons(self) -> QHBoxLayout:
        row = QHBoxLayout()
        self.copy_button = QPushButton("Copy table")
        self.copy_button.setToolTip("Copy the metrics table as Markdown (pastes as a table in most editors)")
        self.copy_button.clicked.connect(self.copy_table)
        self.export_button = QPushButton("Export table…")
        self.export_button.setToolTip("Save the metrics (and NDCG per query) as CSV, Markdown or JSON")
        self.export_button.clicked.connect(self._export_dialog)
        for b in (self.copy_button, self.export_button):
            b.setEnabled(False)
            row.addWidget(b)
        row.addStretch(1)
        return row

    def _build_taus(self) -> QWidget:
        page = QWidget(self)
        box = QVBoxLayout(page)
        self.tau_label = QLabel("Rank agreement between columns (mean Kendall τ over the queries):")
        box.addWidget(self.tau_label)
        self.taus = _table(page)
        box.addWidget(self.taus, 1)
        return page

    def _build_per_query(self) -> QWidget:
        page = QWidget(self)
        box = QVBoxLayout(page)
        self.per_query_legend = QLabel("NDCG per query: click a header to sort (worst first), pick a row to see "
                                       "each column's top documents.", page)
        self.per_query_legend.setWordWrap(True)
        box.addWidget(self.per_query_legend)
        self.per_query = _table(page)
        self.per_query.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.per_query.itemSelectionChanged.connect(self._show_query_detail)
        box.addWidget(self.per_query, 2)
        self.query_detail = QTextBrowser(page)  # scrolls: a long drill-down never squeezes the tables
        self.query_detail.setPlaceholderText("Pick a query above to see where each column ranked its documents.")
        box.addWidget(self.query_detail, 2)
        return page

    def _build_run_row(self) -> QHBoxLayout:
        row = QHBoxLayout()
        self.run_button = QPushButton("Run evaluation ▶")
        self.run_button.clicked.connect(self.start)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setEnabled(False)
        self.cancel_button.clicked.connect(self.cancel)
        self.progress = LazyProgressBar(self)
        self.progress.setFormat("%v / %m queries")
        self.progress.hide()
        row.addWidget(self.run_button)
        row.addWidget(self.cancel_button)
        row.addWidget(self.progress, 1)
        return row

    # -- inputs ---------------------------------------------------------------------------------
    def refresh_columns(self) -> None:
        """List the window's columns (checked by default; earlier choices are kept by name)."""
        before = {self.columns.item(i).text(): self.columns.item(i).checkState() for i in range(self.columns.count())}
        self.columns.clear()
        for controller in self.window_.column_controllers():
            item = QListWidgetItem(controller.spec.name)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(before.get(controller.spec.name, Qt.CheckState.Checked))
            item.setData(Qt.ItemDataRole.UserRole, controller)
            self.columns.addItem(item)

    def chosen_controllers(self) -> list:
        items = [self.columns.item(i) for i in range(self.columns.count())]
        alive = set(self.window_.column_controllers())
        return [it.data(Qt.ItemDataRole.UserRole) for it in items
                if it.checkState() == Qt.CheckState.Checked and it.data(Qt.ItemDataRole.UserRole) in alive]

    def dataset_path(self) -> Path | None:
        if self.use_bundled.isChecked():
            return bundled_dataset()
        text = self.path.text().strip()
        return Path(text).expanduser() if text else None

    def set_dataset(self, path: str | Path) -> None:
        self.path.setText(str(path))
        self.use_file.setChecked(True)

    def _pick_file(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Open dataset", self.path.text(),
                                              "Labelled queries (*.jsonl);;All files (*)")
        if path:
            self.set_dataset(path)

    def _pick_folder(self) -> None:
        path = QFileDialog.getExistingDirectory(self, "BEIR dataset folder", self.path.text())
        if path:
            self.set_dataset(path)

    # -- run / cancel ---------------------------------------------------------------------------
    @property
    def busy(self) -> bool:
        return self._load_job is not None or (self.run_ is not None and self.run_.running)

    def start(self) -> bool:
        """Read the dataset (off the GUI thread), then evaluate; False with a message when input is missing."""
        if self.busy:
            return False
        self.refresh_columns_keep()
        path, chosen = self.dataset_path(), self.chosen_controllers()
        problem = (None if path is not None else "Choose a dataset: click Open dataset… (a JSONL file) or "
                   "BEIR folder…") or (None if chosen else "Tick at least one column to evaluate (add columns "
                                                            "in the main window first).")
        if problem is None and any(c.busy for c in chosen):
            problem = "A column is still running: wait for the run to finish, then evaluate."
        if problem:
            self._say(problem, error=True)
            return False
        self._chosen = chosen
        self._set_running(True)
        self._say(f"Reading {path.name}…")
        limit, k = self.max_queries.value() or None, self.k.value()

        def read(_progress):  # the BM25 row needs no model: computed with the dataset, off the GUI thread
            queries = load_dataset(path, max_queries=limit)
            return queries, evaluate(BM25_NAME, bm25_reference(queries), queries, k)

        job = Job(read)
        job.signals.returned.connect(self._dataset_ready)
        job.signals.errored.connect(lambda _kind, message: self._dataset_failed(message))
        job.signals.finished.connect(self._load_finished)
        self._load_job = job
        self.loader.submit(job)
        return True

    def refresh_columns_keep(self) -> None:
        """Re-list the columns unless nothing changed (keeps the user's ticks)."""
        listed = [self.columns.item(i).data(Qt.ItemDataRole.UserRole) for i in range(self.columns.count())]
        if listed != self.window_.column_controllers():
            self.refresh_columns()

    def cancel(self) -> None:
        if self.run_ is not None and self.run_.running:
            self.run_.cancel()
            self._say("Cancelling at the next batch…")
        elif self._load_job is not None:
            self._chosen = []  # the dataset read finishes, then nothing is scored
            self._say("Cancelled.")

    def _dataset_ready(self, result) -> None:
        if not self._chosen:
            return
        queries, bm25 = result
        pairs = sum(len(q.documents) for q in queries)
        self._say(f"Scoring {len(queries)} queries ({pairs} pairs) in {len(self._chosen)} column(s)…")
        self.progress.setRange(0, len(queries) * len(self._chosen))
        self.progress.setValue(0)
        self.run_ = EvaluationRun(self._chosen, queries, self.k.value(), self)
        self.run_.outcome.bm25 = bm25
        self.run_.progress.connect(lambda done, total: self.progress.set_progress(done))
        self.run_.columnProgress.connect(self._column_progress)
        self.run_.finished.connect(self._finished)
        if not self.run_.start():
            self.run_ = None
            self._say("A column is still running: wait for the run to finish, then evaluate.", error=True)
            return
        if self.run_.running:
            self._show_outcome(self.run_.outcome)  # one row per column, "scoring… 0 / N queries"

    def _column_progress(self, i: int, _done: int, _total: int) -> None:
        from app.ui.evaluate_tables import set_column_progress

        if self.run_ is not None:
            set_column_progress(self.table, self.run_.outcome, i)

    def _dataset_failed(self, message: str) -> None:
        self._say(message, error=True)

    def _load_finished(self) -> None:
        self._load_job = None
        if self.run_ is None or not self.run_.running:
            self._set_running(False)

    def _finished(self, outcome: EvalOutcome) -> None:
        self._set_running(False)
        self._show_outcome(outcome)
        failed = len(outcome.failures)
        if outcome.cancelled:
            self._say("Cancelled: " + (f"{len(outcome.reports)} column(s) had finished." if outcome.reports
                                       else "no column finished."))
        elif failed:
            self._say(f"{failed} column(s) failed; see the Status column.", error=True)
        else:
            report = next(iter(outcome.reports.values()), None)
            self._say(f"Done: {report.queries if report else 0} queries, k = {self.k.value()}.")

    def _set_running(self, running: bool) -> None:
        self.run_button.setEnabled(not running)
        self.cancel_button.setEnabled(running)
        self.progress.setVisible(running)

    def _say(self, text: str, error: bool = False) -> None:
        self.status.setText(f"<span style='color:#cf222e'>{escape(text)}</span>" if error else escape(text))

    # -- results --------------------------------------------------------------------------------
    def _show_outcome(self, outcome: EvalOutcome | None) -> None:
        from app.ui.evaluate_tables import fill_metrics, fill_per_query, fill_taus, per_query_legend

        k = self.k.value()
        self.outcome = outcome
        fill_metrics(self.table, outcome, k)
        fill_taus(self.taus, outcome)
        fill_per_query(self.per_query, outcome if outcome is not None and outcome.reports else None)
        self.query_detail.clear()
        self.per_query_legend.setText(per_query_legend(outcome))
        rows = self.table.rowCount()  # every row of the metrics table in view (up to 8 columns)
        self.table.setMinimumHeight(self.table.horizontalHeader().height() + 24 * min(max(rows, 2), 8) + 6)
        bars = [(outcome.names[i], r.ndcg) for i, r in sorted(outcome.reports.items())] if outcome else []
        if bars and outcome.bm25 is not None:
            bars.append((outcome.bm25.name, outcome.bm25.ndcg))
        self.chart.set_bars(bars, f"NDCG@{k} per column" if bars else "Run an evaluation to see NDCG per column.")
        has_table = outcome is not None and bool(outcome.reports or outcome.bm25)
        self.copy_button.setEnabled(has_table)
        self.export_button.setEnabled(has_table)

    # -- copy / export / drill-down -------------------------------------------------------------
    def table_markdown(self) -> str:
        from app.core.evaluation_table import headers, to_markdown
        from app.ui.evaluate_tables import table_rows

        return to_markdown(headers(self.k.value()), table_rows(self.outcome))

    def copy_table(self) -> str:
        from PySide6.QtGui import QGuiApplication

        text = self.table_markdown()
        QGuiApplication.clipboard().setText(text)
        self._say("Copied the metrics table as Markdown.")
        return text

    def export_table(self, path: str | Path) -> Path:
        from app.core.evaluation_table import write_table
        from app.ui.evaluate_tables import per_query, table_rows

        dataset = str(self.dataset_path() or "")
        return write_table(path, self.k.value(), table_rows(self.outcome), dataset=dataset,
                           per_query=per_query(self.outcome))

    def _export_dialog(self) -> None:
        from app.core.errors import PlaygroundError

        path, chosen = QFileDialog.getSaveFileName(self, "Export the evaluation table",
                                                   str(Path.home() / "evaluation.csv"),
                                                   "CSV (*.csv);;Markdown (*.md);;JSON (*.json)")
        if not path:
            return
        if not Path(path).suffix:
            path += {"Markdown (*.md)": ".md", "JSON (*.json)": ".json"}.get(chosen, ".csv")
        try:
            self._say(f"Exported {self.export_table(path)}.")
        except PlaygroundError as exc:
            self._say(str(exc), error=True)

    def _show_query_detail(self) -> None:
        from app.ui.evaluate_detail import query_detail_html

        rows = self.per_query.selectionModel().selectedRows() if self.per_query.selectionModel() else []
        if not rows or self.outcome is None:
            self.query_detail.clear()
            return
        number = self.per_query.item(rows[0].row(), 0).data(Qt.ItemDataRole.UserRole)
        self.query_detail.setHtml(query_detail_html(self.outcome, int(number) - 1))

    def closeEvent(self, event) -> None:
        self.cancel()
        super().closeEvent(event)


def _table(parent: QWidget) -> QTableWidget:
    table = QTableWidget(parent)
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.verticalHeader().hide()
    table.verticalHeader().setDefaultSectionSize(24)
    table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    table.horizontalHeader().setStretchLastSection(True)
    table.setWordWrap(False)
    return table


def _spin(lo: int, hi: int, value: int, special: str | None = None) -> QSpinBox:
    box = QSpinBox()
    box.setRange(lo, hi)
    box.setValue(value)
    if special:
        box.setSpecialValueText(special)
    return box


__all__ = ["EvaluateView", "bundled_dataset"]
