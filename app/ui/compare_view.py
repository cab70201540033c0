"""The comparison view: one row per document, each column's rank, Δrank and score bar side by side.

The table's rows share one height, chosen from the room there is: up to three lines of wrapped document text
when every row fits, else one line (uniform heights keep 1,000 rows as cheap as 10: no per-row size hints).
While the view is hidden, ``set_columns`` only keeps its arguments; they are applied when it is shown.
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QEvent, Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from app.core.types import Document
from app.ui.compare_delegate import CompareCellDelegate, CompareHeader
from app.ui.compare_model import (
    COL_DOC,
    COL_INDEX,
    FIRST_RUN_COL,
    CompareColumn,
    CompareTableModel,
    DocIndexRole,
    run_column,
)
from app.ui.row_fit import fit_row_height

MAX_LINES = 3
RUN_SHARE = 0.6  # of the table's width, at most, for the result columns (the document text gets the rest)
RUN_COL_CHARS = (9, 24)  # a result column's width in characters: at least (rank + bar), at most


class CompareView(QWidget):
    """``documentSelected(int)`` when the user selects a row (the document's index); ``select_document``
    selects one from elsewhere without emitting."""

    documentSelected = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = CompareTableModel(self)
        self._pending: tuple | None = None
        self._shared = ""
        self._selected: int | None = None
        self._syncing = False
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        top = QHBoxLayout()
        self.only_changed = QCheckBox("Only rows whose rank differs", self)
        self.only_changed.setToolTip("Hide the documents that every column puts at the same rank")
        self.only_changed.toggled.connect(self._set_only_changed)
        self.summary = QLabel(self)
        self.summary.setStyleSheet("color: palette(placeholder-text);")
        top.addWidget(self.only_changed)
        top.addWidget(self.summary, 1)
        layout.addLayout(top)
        self.view = self._build_view()
        layout.addWidget(self.view, 1)
        self.model.modelReset.connect(self._after_reset)

    def _build_view(self) -> QTableView:
        view = QTableView(self)
        view.setHorizontalHeader(CompareHeader(view))
        view.setModel(self.model)
        view.setItemDelegate(CompareCellDelegate(view))
        view.setSortingEnabled(True)
        view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        view.setWordWrap(True)
        view.setTextElideMode(Qt.TextElideMode.ElideRight)
        view.setAlternatingRowColors(True)
        view.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAsNeeded)
        view.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        view.verticalHeader().hide()
        view.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        view.selectionModel().currentRowChanged.connect(self._on_current)
        view.viewport().installEventFilter(self)
        return view

    # -- inputs -----------------------------------------------------------------------------------
    def set_columns(self, documents: Sequence[Document], columns: Sequence[CompareColumn],
                    reference: int | None, shared: str = "") -> None:
        """``shared``: what every column has in common (left out of their titles), shown above the table."""
        args = (list(documents), list(columns), reference, shared)
        if not self.isVisible():
            self._pending = args
            return
        self._apply(*args)

    def set_normalized(self, normalized: bool) -> None:
        self.model.set_normalized(normalized)

    def select_document(self, doc_index: int | None) -> None:
        """Select (and scroll to) the row of document ``doc_index``; None clears the selection."""
        self._selected = doc_index
        row = self.model.row_of_document(doc_index) if doc_index is not None else None
        self._syncing = True
        try:
            if row is None:
                self.view.clearSelection()
            else:
                self.view.selectRow(row)
                self.view.scrollTo(self.model.index(row, COL_DOC))
        finally:
            self._syncing = False

    # -- outputs ----------------------------------------------------------------------------------
    def selected_document(self) -> int | None:
        return self._selected

    def flush(self) -> None:
        """Apply columns given while hidden (the window calls it when the view is shown)."""
        if self._pending is not None:
            args, self._pending = self._pending, None
            self._apply(*args)

    # -- internals --------------------------------------------------------------------------------
    def _apply(self, documents, columns, reference, shared) -> None:
        first = self.model.columnCount() == FIRST_RUN_COL
        self._shared = shared
        self.model.set_columns(documents, columns, reference)
        if first and columns:  # the first columns: best first in the reference (or first) column
            k = reference if reference is not None else 0
            self.view.sortByColumn(run_column(k), Qt.SortOrder.AscendingOrder)
        self._update_summary()

    def showEvent(self, event) -> None:  # noqa: N802
        super().showEvent(event)
        self.flush()

    def _set_only_changed(self, on: bool) -> None:
        self.model.set_only_changed(on)
        self._update_summary()

    def _update_summary(self) -> None:
        m = self.model
        total = m.document_count()
        ranked = sum(1 for k in range(len(m.column_names())) if m.has_result(k))
        shared = f"Every column: {self._shared} · " if self._shared else ""
        if not total:
            text = "No documents."
        elif ranked < 2:
            text = f"{total} documents · run two or more columns to compare their rankings"
        else:
            changed = sum(1 for i in range(total) if m.differs(i))
            text = f"{changed} of {total} documents change rank between columns"
        self.summary.setText(shared + text)

    def _after_reset(self) -> None:
        self._fit_columns()
        self._fit_rows()
        if self._selected is not None:
            self.select_document(self._selected)

    def _on_current(self, current, _previous) -> None:
        if self._syncing or not current.isValid():
            return
        doc = current.data(DocIndexRole)
        if doc is not None and doc != self._selected:
            self._selected = doc
            self.documentSelected.emit(doc)

    def eventFilter(self, obj, event) -> bool:  # noqa: N802 - Qt's name
        if obj is self.view.viewport() and event.type() == QEvent.Type.Resize:
            self._fit_columns()
            self._fit_rows()
        return False

    def _fit_columns(self) -> None:
        header, fm = self.view.horizontalHeader(), self.view.fontMetrics()
        char = fm.horizontalAdvance("0")
        n = self.model.columnCount() - FIRST_RUN_COL
        index_w = char * 4 + 12
        header.setSectionResizeMode(COL_INDEX, QHeaderView.ResizeMode.Fixed)
        header.resizeSection(COL_INDEX, index_w)
        header.setSectionResizeMode(COL_DOC, QHeaderView.ResizeMode.Stretch)
        if n <= 0:
            return
        # the results get at most RUN_SHARE of the width, the document text the rest
        free = int((self.view.viewport().width() - index_w) * RUN_SHARE)
        lo, hi = (c * char for c in RUN_COL_CHARS)
        width = max(lo, min(hi, free // n))
        for k in range(n):
            header.setSectionResizeMode(run_column(k), QHeaderView.ResizeMode.Interactive)
            header.resizeSection(run_column(k), width)

    def _fit_rows(self) -> None:
        fit_row_height(self.view, MAX_LINES)
