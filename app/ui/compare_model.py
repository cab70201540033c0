"""Every column's ranking on one row per document, as a QAbstractTableModel (testable without a window).

Model columns: COL_INDEX (the document's number), COL_DOC (its text), then one column per result column
(``run_column(k)``): its rank as the display text, ``BarRole`` (0..1) for the score bar, ``ScoreTextRole``,
``MoveRole`` (places gained against the reference column, None without one). ``SortRole`` gives numeric keys;
``sort`` reorders rows in Python (a proxy would call data() per comparison). A column without a result for
the current documents (not run, failed, other documents) shows "–" and its reason in the tooltip.

Everything per row is computed on demand in ``data()``: a 1,000-document model costs a few list sorts per
``set_columns``, no per-row objects.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from PySide6.QtCore import QAbstractTableModel, QModelIndex, Qt

from app.core.metrics import ranks
from app.core.types import Document, ScoreRun
from app.ui.columns.results_model import DOWN, UP, arrow, format_score

COL_INDEX, COL_DOC = 0, 1
FIRST_RUN_COL = 2

SortRole = Qt.ItemDataRole.UserRole + 1
BarRole = Qt.ItemDataRole.UserRole + 2
DocIndexRole = Qt.ItemDataRole.UserRole + 3
MoveRole = Qt.ItemDataRole.UserRole + 4
ScoreTextRole = Qt.ItemDataRole.UserRole + 5
RefRole = Qt.ItemDataRole.UserRole + 6  # True in the reference column's cells
# everything the cell painter draws, in one call: (rank text, bar 0..1 or None, move or None, score text, is ref)
CellRole = Qt.ItemDataRole.UserRole + 7

PREVIEW_CHARS = 400
_RIGHT = int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)


@dataclass(frozen=True)
class CompareColumn:
    """One result column as the comparison shows it: ``run`` None when it has no result for the current
    documents, ``reason`` then says why (e.g. "failed: …", "not run yet")."""

    name: str
    run: ScoreRun | None = None
    reason: str = ""
    tooltip: str = ""


def run_column(k: int) -> int:
    """The model column of result column ``k``."""
    return FIRST_RUN_COL + k


class _Col:
    """Per-column arrays, computed once per ``set_columns``."""

    __slots__ = ("info", "ranks", "raw", "norm", "lo", "hi")

    def __init__(self, info: CompareColumn) -> None:
        self.info = info
        run = info.run
        self.norm = run.scores if run is not None else []
        self.raw = run.raw_scores if run is not None else []
        self.ranks = ranks(self.norm) if run is not None else []
        finite = [v for v in self.raw if not math.isnan(v)]
        self.lo, self.hi = (min(finite), max(finite)) if finite else (0.0, 1.0)


class CompareTableModel(QAbstractTableModel):
    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self._docs: list[Document] = []
        self._cols: list[_Col] = []
        self._ref: int | None = None
        self._normalized = True
        self._only_changed = False
        self._rows: list[int] = []  # document indices, in display order
        self._sort = (FIRST_RUN_COL, Qt.SortOrder.AscendingOrder)

    # -- inputs -----------------------------------------------------------------------------------
    def set_columns(self, documents: Sequence[Document], columns: Sequence[CompareColumn],
                    reference: int | None = None) -> None:
        """The current documents and every column (runs must be of these documents, else pass run=None)."""
        self.beginResetModel()
        self._docs = list(documents)
        n = len(self._docs)
        self._cols = [_Col(c if c.run is None or len(c.run.results) == n
                           else CompareColumn(c.name, None, "scored other documents: Run again", c.tooltip))
                      for c in columns]
        self._ref = reference if reference is not None and 0 <= reference < len(self._cols) \
            and self._cols[reference].info.run is not None else None
        if self._sort[0] >= self.columnCount():
            self._sort = (FIRST_RUN_COL if self._cols else COL_INDEX, Qt.SortOrder.AscendingOrder)
        self._filter_and_sort()
        self.endResetModel()

    def set_normalized(self, normalized: bool) -> None:
        if normalized != self._normalized:
            self._normalized = normalized
            if self._rows and self._cols:
                self.dataChanged.emit(self.index(0, FIRST_RUN_COL),
                                      self.index(len(self._rows) - 1, self.columnCount() - 1))

    def set_only_changed(self, on: bool) -> None:
        """Show only documents whose rank is not the same in every column that has a result."""
        if on != self._only_changed:
            self.beginResetModel()
            self._only_changed = on
            self._filter_and_sort()
            self.endResetModel()

    # -- outputs ----------------------------------------------------------------------------------
    @property
    def reference(self) -> int | None:
        return self._ref

    @property
    def only_changed(self) -> bool:
        return self._only_changed

    def document_count(self) -> int:
        return len(self._docs)

    def has_result(self, k: int) -> bool:
        return bool(self._cols[k].ranks)

    def column_names(self) -> list[str]:
        return [c.info.name for c in self._cols]

    def document_order(self) -> list[int]:
        """Document indices as shown, top row first."""
        return list(self._rows)

    def row_of_document(self, doc_index: int) -> int | None:
        try:
            return self._rows.index(doc_index)
        except ValueError:
            return None

    def rank(self, k: int, doc_index: int) -> int | None:
        col = self._cols[k]
        return col.ranks[doc_index] if col.ranks else None

    def move(self, k: int, doc_index: int) -> int | None:
        """Places gained (+) or lost (-) by document ``doc_index`` in column ``k`` against the reference."""
        if self._ref is None or k == self._ref or not self._cols[k].ranks:
            return None
        return self._cols[self._ref].ranks[doc_index] - self._cols[k].ranks[doc_index]

    def differs(self, doc_index: int) -> bool:
        seen = {c.ranks[doc_index] for c in self._cols if c.ranks}
        return len(seen) > 1

    # -- Qt model ---------------------------------------------------------------------------------
    def rowCount(self, parent: QModelIndex | None = None) -> int:
        return 0 if parent is not None and parent.isValid() else len(self._rows)

    def columnCount(self, parent: QModelIndex | None = None) -> int:
        return 0 if parent is not None and parent.isValid() else FIRST_RUN_COL + len(self._cols)

    def headerData(self, section, orientation, role=Qt.ItemDataRole.DisplayRole):
        if orientation != Qt.Orientation.Horizontal or not 0 <= section < self.columnCount():
            return None
        if section < FIRST_RUN_COL:
            if role == Qt.ItemDataRole.DisplayRole:
                return ("#", "Document")[section]
            if role == Qt.ItemDataRole.ToolTipRole:
                return ("The document's number in the Documents panel", "Click a row to read it in full in the "
                        "preview; sort by any column with a click on its header")[section]
            return None
        k = section - FIRST_RUN_COL
        info = self._cols[k].info
        if role == Qt.ItemDataRole.DisplayRole:
            return info.name
        if role == Qt.ItemDataRole.ToolTipRole:
            ref = " — the reference column (Δ is against it)" if k == self._ref else ""
            why = f"\nNo result: {info.reason}" if info.run is None and info.reason else ""
            return f"{info.tooltip or info.name}{ref}{why}"
        if role == RefRole:
            return k == self._ref
        return None

    def sort(self, column: int, order=Qt.SortOrder.AscendingOrder) -> None:
        self.layoutAboutToBeChanged.emit()
        self._sort = (column, order)
        self._sort_rows()
        self.layoutChanged.emit()

    def data(self, index: QModelIndex, role=Qt.ItemDataRole.DisplayRole):
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        doc, col = self._rows[index.row()], index.column()
        if role == DocIndexRole:
            return doc
        if role == SortRole:
            return self._sort_key(doc, col)
        if col == COL_INDEX:
            if role == Qt.ItemDataRole.DisplayRole:
                return str(doc + 1)
            return _RIGHT if role == Qt.ItemDataRole.TextAlignmentRole else None
        if col == COL_DOC:
            if role == Qt.ItemDataRole.DisplayRole:
                return self._doc_text(doc)[:PREVIEW_CHARS]
            if role == Qt.ItemDataRole.ToolTipRole:
                return self._doc_text(doc)[:800]
            return None
        return self._run_data(col - FIRST_RUN_COL, doc, role)

    def _run_data(self, k: int, doc: int, role):
        col = self._cols[k]
        if role == CellRole:
            if not col.ranks:
                return "–", None, None, "", k == self._ref
            return (str(col.ranks[doc]), self._fraction(col, doc), self.move(k, doc),
                    format_score(self._value(col, doc), self._normalized), k == self._ref)
        if role == RefRole:
            return k == self._ref
        if not col.ranks:
            if role == Qt.ItemDataRole.DisplayRole:
                return "–"
            if role == Qt.ItemDataRole.ToolTipRole:
                return f"{col.info.name}: no result ({col.info.reason or 'not run yet'})"
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return str(col.ranks[doc])
        if role == BarRole:
            return self._fraction(col, doc)
        if role == ScoreTextRole:
            return format_score(self._value(col, doc), self._normalized)
        if role == MoveRole:
            return self.move(k, doc)
        if role == Qt.ItemDataRole.ForegroundRole:
            move = self.move(k, doc)
            return UP if move and move > 0 else DOWN if move and move < 0 else None
        if role == Qt.ItemDataRole.ToolTipRole:
            return self._tooltip(k, doc)
        return None

    # -- helpers ----------------------------------------------------------------------------------
    def _tooltip(self, k: int, doc: int) -> str:
        col = self._cols[k]
        result = col.info.run.results[doc]
        lines = [f"{col.info.name}", f"Document {doc + 1}: rank {col.ranks[doc]} of {len(col.ranks)}",
                 f"score {result.score:.6f} · raw {result.raw_score:.6f} · {result.token_count} tokens"]
        move = self.move(k, doc)
        if move is not None:
            ref = self._cols[self._ref]
            lines.append(f"{arrow(move) or '='} against the reference column ({ref.info.name}: rank "
                         f"{ref.ranks[doc]})")
        if result.truncated:
            lines.append("Truncated: the end of this document was not scored (use chunking).")
        if result.chunk_count > 1:
            lines.append(f"Best chunk {(result.chunk_index or 0) + 1} of {result.chunk_count}.")
        return "\n".join(lines)

    def _doc_text(self, index: int) -> str:
        return self._docs[index].text.replace("\n", " ") if 0 <= index < len(self._docs) else ""

    def _value(self, col: _Col, doc: int) -> float:
        return col.norm[doc] if self._normalized else col.raw[doc]

    def _fraction(self, col: _Col, doc: int) -> float:
        value = self._value(col, doc)
        if math.isnan(value):
            return 0.0
        if self._normalized:
            return max(0.0, min(1.0, value))
        if col.hi <= col.lo:
            return 1.0
        return max(0.0, min(1.0, (value - col.lo) / (col.hi - col.lo)))

    def _sort_key(self, doc: int, col: int):
        if col == COL_INDEX:
            return doc
        if col == COL_DOC:
            return self._doc_text(doc).casefold()
        ranks_ = self._cols[col - FIRST_RUN_COL].ranks
        return ranks_[doc] if ranks_ else doc  # no result: keep the documents' own order

    def _filter_and_sort(self) -> None:
        rows = range(len(self._docs))
        self._rows = [i for i in rows if self.differs(i)] if self._only_changed else list(rows)
        self._sort_rows()

    def _sort_rows(self) -> None:
        column, order = self._sort
        if column >= self.columnCount():
            return
        reverse = order == Qt.SortOrder.DescendingOrder
        if column >= FIRST_RUN_COL and self._cols[column - FIRST_RUN_COL].ranks:  # the common case, fast
            self._rows.sort(key=self._cols[column - FIRST_RUN_COL].ranks.__getitem__, reverse=reverse)
        else:
            self._rows.sort(key=lambda doc: (self._sort_key(doc, column), doc), reverse=reverse)
