"""Drift between any two columns: max / mean |Δscore|, top-1 kept, top-k overlap, Kendall τ, a table of
documents (optionally only those whose rank differs) and a scatter of score A against score B beside it."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QAbstractTableModel, QModelIndex, Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QSpinBox,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from app.core.metrics import Drift, drift, ranks
from app.core.types import Document, ScoreRun
from app.ui.drift_plot import DriftScatter
from app.ui.jobs import Job, JobRunner

D_DOC, D_RANK_A, D_RANK_B, D_SCORE_A, D_SCORE_B, D_DELTA = range(6)
D_HEADERS = ("Document", "Rank A", "Rank B", "Score A", "Score B", "|Δ|")
SortRole = Qt.ItemDataRole.UserRole + 1


class DriftTableModel(QAbstractTableModel):
    """One row per document: its rank and score in columns A and B."""

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self._rows: list[tuple] = []
        self._all: list[tuple] = []
        self._only_changed = False
        self._sort = (D_RANK_A, Qt.SortOrder.AscendingOrder)

    def set_runs(self, a: Sequence[float], b: Sequence[float], documents: Sequence[Document]) -> None:
        self.set_rows(drift_rows(a, b, documents))

    def set_rows(self, rows: list[tuple]) -> None:
        self._all = rows
        self._apply()

    def sort(self, column: int, order=Qt.SortOrder.AscendingOrder) -> None:
        """Sort in Python by the raw values (no proxy: it would call data() per comparison)."""
        self.layoutAboutToBeChanged.emit()
        self._sort = (column, order)
        self._sort_rows()
        self.layoutChanged.emit()

    def _sort_rows(self) -> None:
        column, order = self._sort
        self._rows.sort(key=lambda row: row[column], reverse=order == Qt.SortOrder.DescendingOrder)

    def set_only_changed(self, on: bool) -> None:
        self._only_changed = on
        self._apply()

    def _apply(self) -> None:
        self.beginResetModel()
        self._rows = [r for r in self._all if not self._only_changed or r[D_RANK_A] != r[D_RANK_B]]
        self._sort_rows()
        self.endResetModel()

    def row_of(self, item: tuple) -> int | None:
        """The row showing ``item`` (one of the tuples given to ``set_rows``), or None when filtered out."""
        return next((i for i, row in enumerate(self._rows) if row is item), None)

    def document_at(self, row: int) -> int | None:
        """The document index (position in ``set_rows``) shown in ``row``."""
        if not 0 <= row < len(self._rows):
            return None
        item = self._rows[row]
        return next((i for i, r in enumerate(self._all) if r is item), None)

    def row_of_document(self, doc_index: int) -> int | None:
        return self.row_of(self._all[doc_index]) if 0 <= doc_index < len(self._all) else None

    def rowCount(self, parent: QModelIndex | None = None) -> int:
        return 0 if parent is not None and parent.isValid() else len(self._rows)

    def columnCount(self, parent: QModelIndex | None = None) -> int:
        return 0 if parent is not None and parent.isValid() else len(D_HEADERS)

    def headerData(self, section, orientation, role=Qt.ItemDataRole.DisplayRole):
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return D_HEADERS[section]
        return None

    def data(self, index: QModelIndex, role=Qt.ItemDataRole.DisplayRole):
        if not index.isValid():
            return None
        value = self._rows[index.row()][index.column()]
        if role == SortRole:
            return value
        if role == Qt.ItemDataRole.DisplayRole:
            return f"{value:.4f}" if isinstance(value, float) else str(value)
        if role == Qt.ItemDataRole.ToolTipRole and index.column() == D_DOC:
            return value
        return None


def drift_rows(a: Sequence[float], b: Sequence[float], documents: Sequence[Document]) -> list[tuple]:
    ra, rb = ranks(a), ranks(b)
    texts = [d.text.replace("\n", " ")[:160] for d in documents]
    texts += [f"(document {i + 1})" for i in range(len(texts), len(a))]
    return [(texts[i], ra[i], rb[i], a[i], b[i], abs(a[i] - b[i])) for i in range(len(a))]


class DriftPanel(QWidget):
    """Pick columns A and B (by title); ``set_columns`` feeds it (title, run, documents) per column."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        # One thread: Kendall tau is O(n²) and must stay off the GUI thread; requests are numbered and a
        # result that is no longer the latest is dropped.
        self.runner = JobRunner("drift", 1, self)
        self._generation = 0
        self._job: Job | None = None
        self._columns: list[tuple[str, ScoreRun, list[Document]]] = []
        self._reference: str | None = None  # the reference column's title last applied as A
        self._normalized = True
        self._preferred: tuple[str, str] | None = None  # a pair to pick once both columns have results
        self._stale_note = ""  # "stale: query changed — Run" when the compared results are out of date
        self._summary = ""
        self.current: Drift | None = None
        outer = QHBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        layout = QVBoxLayout()
        outer.addLayout(layout, 1)
        self.scatter = DriftScatter(self)
        self.scatter.picked.connect(self._select_picked)
        outer.addWidget(self.scatter)
        top = QHBoxLayout()
        self.a, self.b = QComboBox(self), QComboBox(self)
        self.k = QSpinBox(self)
        self.k.setRange(1, 100)
        self.k.setValue(3)
        self.k.setPrefix("top-")
        self.only_changed = QCheckBox("Only documents whose rank differs", self)
        for label, w in (("Drift", self.a), ("↔", self.b), ("", self.k), ("", self.only_changed)):
            if label:
                top.addWidget(QLabel(label, self))
            top.addWidget(w)
        top.addStretch(1)
        layout.addLayout(top)
        self.summary = QLabel("Run two or more columns to compare them.", self)
        self.summary.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self.summary)
        self.model = DriftTableModel(self)
        self.view = QTableView(self)
        self.view.setModel(self.model)
        self.view.setSortingEnabled(True)
        self.view.verticalHeader().hide()
        self.view.verticalHeader().setDefaultSectionSize(20)
        self.view.horizontalHeader().setSectionResizeMode(D_DOC, QHeaderView.ResizeMode.Stretch)
        layout.addWidget(self.view, 1)
        self.view.sortByColumn(D_RANK_A, Qt.SortOrder.AscendingOrder)
        for combo in (self.a, self.b):
            combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
            combo.setMinimumContentsLength(24)
            combo.currentIndexChanged.connect(self._update)
        self.k.valueChanged.connect(self._update)
        self.only_changed.toggled.connect(self.model.set_only_changed)

    def pair(self) -> tuple[str, str] | None:
        """The titles of the two columns compared now (None with fewer than two)."""
        a, b = self.a.currentText(), self.b.currentText()
        return (a, b) if a and b else None

    def prefer_pair(self, pair: tuple[str, str] | None) -> None:
        """Compare these two columns (by title) as soon as both have results (a restored session's pair)."""
        self._preferred = pair
        if pair is not None and self._columns:
            self.set_columns(self._columns, self._reference)

    def set_columns(self, columns: list[tuple[str, ScoreRun, list[Document]]], reference: str | None = None,
                    ) -> None:
        """Columns that have results; keeps the current A/B picks when their titles remain.

        ``reference`` (the window's reference column) becomes A whenever it changes: each column is compared
        with it by default. A preferred pair (a restored session's) wins over it.
        """
        keep_a, keep_b = self.a.currentText(), self.b.currentText()
        titles = [t for t, _, _ in columns]
        if reference != self._reference and reference in titles:
            keep_a = reference
            keep_b = keep_b if keep_b != reference else next((t for t in titles if t != reference), "")
        if reference in titles or reference is None:
            self._reference = reference
        preferred = self._preferred
        if preferred is not None and all(t in titles for t in preferred):
            (keep_a, keep_b), self._preferred = preferred, None
        if keep_a == keep_b:
            keep_a = keep_b = ""
        self._columns = columns
        for combo, keep, default in ((self.a, keep_a, 0), (self.b, keep_b, 1)):
            combo.blockSignals(True)
            combo.clear()
            combo.addItems(titles)
            combo.setCurrentIndex(titles.index(keep) if keep in titles else min(default, len(titles) - 1))
            combo.blockSignals(False)
        self._update()

    def set_normalized(self, normalized: bool) -> None:
        self._normalized = normalized
        self._update()

    def _update(self) -> None:
        ia, ib = self.a.currentIndex(), self.b.currentIndex()
        self.current = None
        self._generation += 1
        if len(self._columns) < 2 or ia < 0 or ib < 0:
            self.summary.setText("Run two or more columns to compare them.")
            self.model.set_rows([])
            self.scatter.clear()
            return
        (_, run_a, docs), (_, run_b, docs_b) = self._columns[ia], self._columns[ib]
        if len(run_a.results) != len(run_b.results) or [d.text for d in docs] != [d.text for d in docs_b]:
            self.summary.setText("These two columns scored different documents: run them again together.")
            self.model.set_rows([])
            self.scatter.clear()
            return
        pick = (lambda r: r.scores) if self._normalized else (lambda r: r.raw_scores)
        a, b, k, kind, generation = pick(run_a), pick(run_b), self.k.value(), self._kind(), self._generation
        self.summary.setText("Comparing…")
        job = Job(lambda _progress: (drift(a, b, k=k), drift_rows(a, b, docs)))
        job.signals.returned.connect(lambda result: self._show(generation, kind, len(a), *result))
        job.signals.errored.connect(lambda _kind, message: self.summary.setText(message))
        self._job = job
        self.runner.submit(job)

    def _kind(self) -> str:
        return "normalized" if self._normalized else "raw"

    def _show(self, generation: int, kind: str, n: int, result: Drift, rows: list[tuple]) -> None:
        if generation != self._generation:
            return
        self.current = result
        self._summary = (f"{result.summary()} · {len(result.rank_changed)} of {n} documents change rank "
                         f"({kind} scores)")
        self._show_summary()
        self.model.set_rows(rows)
        self.scatter.set_rows(rows, kind)

    def set_stale_note(self, note: str) -> None:
        """Say after the summary that the compared results are out of date ('' when they are current)."""
        if note != self._stale_note:
            self._stale_note = note
            self._show_summary()

    def _show_summary(self) -> None:
        if self.current is not None:
            self.summary.setText(f"{self._summary} · ⟳ {self._stale_note}" if self._stale_note else self._summary)

    def _select_picked(self, index: int) -> None:
        """A click on a dot selects and shows that document's row in the table."""
        row = self.model.row_of(self.scatter.rows[index])
        if row is None:  # hidden by "only documents whose rank differs"
            return
        self.view.selectRow(row)
        self.view.scrollTo(self.model.index(row, D_DOC))

    def wait(self, msecs: int = 5000) -> bool:
        return self.runner.wait(msecs)
