"""Ranked results of one column as a QAbstractTableModel (testable without a window).

Rows are documents, best first (``sort`` reorders them by any column's ``SortRole`` key). COL_SCORE carries ``BarRole`` (0..1) for the score-bar delegate; COL_MOVE
shows the rank change against the reference column (``set_reference_ranks``); ``SortRole`` gives numeric
keys so a QSortFilterProxyModel sorts numbers as numbers.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from PySide6.QtCore import QAbstractTableModel, QModelIndex, Qt
from PySide6.QtGui import QColor

from app.core.metrics import ranks
from app.core.types import DocResult, Document, ScoreRun

COL_RANK, COL_MOVE, COL_SCORE, COL_DOC = range(4)
HEADERS = ("#", "Δ", "Score", "Document")

SortRole = Qt.ItemDataRole.UserRole + 1
BarRole = Qt.ItemDataRole.UserRole + 2
DocIndexRole = Qt.ItemDataRole.UserRole + 3

UP, DOWN = QColor("#1a7f37"), QColor("#cf222e")
PREVIEW_CHARS = 160


class ResultsTableModel(QAbstractTableModel):
    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self._run: ScoreRun | None = None
        self._docs: list[Document] = []
        self._rows: list[DocResult] = []
        self._ranks: list[int] = []
        self._ref_ranks: list[int] | None = None
        self._normalized = True
        self._lo, self._hi = 0.0, 1.0
        self._sort = (COL_RANK, Qt.SortOrder.AscendingOrder)

    # -- inputs -----------------------------------------------------------------------------------
    def set_run(self, run: ScoreRun | None, documents: Sequence[Document] = ()) -> None:
        self.beginResetModel()
        self._run = run
        self._docs = list(documents)
        self._rows = run.ranked() if run is not None else []
        self._ranks = ranks(run.scores) if run is not None else []
        if self._ref_ranks is not None and len(self._ref_ranks) != len(self._ranks):
            self._ref_ranks = None  # another document list: the window sets the reference again
        self._update_range()
        if self._sort[0] != COL_RANK or self._sort[1] != Qt.SortOrder.AscendingOrder:
            self._rows.sort(key=lambda r: self._sort_key(r, self._sort[0]),
                            reverse=self._sort[1] == Qt.SortOrder.DescendingOrder)
        self.endResetModel()

    def set_normalized(self, normalized: bool) -> None:
        if normalized != self._normalized:
            self._normalized = normalized
            self._update_range()
            self._changed(COL_SCORE, COL_SCORE)

    def set_reference_ranks(self, reference: Sequence[int] | None) -> None:
        """1-based rank per document index in the reference column; None hides the arrows."""
        ok = reference is not None and len(reference) == len(self._ranks)
        ref_ranks = list(reference) if ok else None
        if ref_ranks == self._ref_ranks:  # unchanged: no repaint (every column's arrows are reset on each result)
            return
        self._ref_ranks = ref_ranks
        self._changed(COL_MOVE, COL_MOVE)

    # -- outputs ----------------------------------------------------------------------------------
    @property
    def run(self) -> ScoreRun | None:
        return self._run

    def ranks(self) -> list[int]:
        """1-based rank of each document (input order)."""
        return list(self._ranks)

    def document_order(self) -> list[int]:
        """Document indices as shown, best first."""
        return [r.index for r in self._rows]

    def value(self, result: DocResult) -> float:
        return result.score if self._normalized else result.raw_score

    def move(self, doc_index: int) -> int | None:
        """Places gained (+) or lost (-) against the reference; None without a reference."""
        if self._ref_ranks is None:
            return None
        return self._ref_ranks[doc_index] - self._ranks[doc_index]

    # -- Qt model ---------------------------------------------------------------------------------
    def sort(self, column: int, order=Qt.SortOrder.AscendingOrder) -> None:
        """Sort rows by the column's ``SortRole`` key in Python (a proxy would call data() per comparison)."""
        self.layoutAboutToBeChanged.emit()
        self._sort = (column, order)
        self._rows.sort(key=lambda r: self._sort_key(r, column),
                        reverse=order == Qt.SortOrder.DescendingOrder)
        self.layoutChanged.emit()

    def rowCount(self, parent: QModelIndex | None = None) -> int:
        return 0 if parent is not None and parent.isValid() else len(self._rows)

    def columnCount(self, parent: QModelIndex | None = None) -> int:
        return 0 if parent is not None and parent.isValid() else len(HEADERS)

    def headerData(self, section, orientation, role=Qt.ItemDataRole.DisplayRole):
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return HEADERS[section]
        return None

    def data(self, index: QModelIndex, role=Qt.ItemDataRole.DisplayRole):
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        result, col = self._rows[index.row()], index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return self._display(result, col)
        if role == SortRole:
            return self._sort_key(result, col)
        if role == BarRole and col == COL_SCORE:
            return self._fraction(self.value(result))
        if role == DocIndexRole:
            return result.index
        if role == Qt.ItemDataRole.ToolTipRole:
            return self._tooltip(result, col)
        if role == Qt.ItemDataRole.ForegroundRole and col == COL_MOVE:
            move = self.move(result.index)
            return UP if move and move > 0 else DOWN if move and move < 0 else None
        if role == Qt.ItemDataRole.TextAlignmentRole and col in (COL_RANK, COL_MOVE, COL_SCORE):
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None

    def _display(self, result: DocResult, col: int) -> str:
        if col == COL_RANK:
            return str(self._ranks[result.index])
        if col == COL_MOVE:
            return arrow(self.move(result.index))
        if col == COL_SCORE:
            return format_score(self.value(result), self._normalized)
        text = self._doc_text(result.index).replace("\n", " ")
        preview = text[:PREVIEW_CHARS] + ("…" if len(text) > PREVIEW_CHARS else "")
        return ("✂ " if result.truncated else "") + preview

    def _sort_key(self, result: DocResult, col: int) -> float:
        if col == COL_RANK:
            return float(self._ranks[result.index])
        if col == COL_MOVE:
            move = self.move(result.index)
            return float(move) if move is not None else 0.0
        if col == COL_SCORE:
            v = self.value(result)
            return -math.inf if math.isnan(v) else v
        return float(result.index)

    def _tooltip(self, result: DocResult, col: int) -> str:
        if col == COL_MOVE:
            if self._ref_ranks is None:
                return "Choose a reference column to see rank changes."
            return f"Rank {self._ref_ranks[result.index]} in the reference column, {self._ranks[result.index]} here."
        lines = [f"Document {result.index + 1}: {result.token_count} tokens",
                 f"score {result.score:.6f} · raw {result.raw_score:.6f}"]
        if result.truncated:
            lines.append("Truncated: the end of this document was not scored (use chunking).")
        if result.chunk_count > 1:
            lines.append(f"Best chunk {(result.chunk_index or 0) + 1} of {result.chunk_count}.")
        if col == COL_DOC:
            lines.append(self._doc_text(result.index)[:600])
        return "\n".join(lines)

    # -- helpers ----------------------------------------------------------------------------------
    def _doc_text(self, index: int) -> str:
        return self._docs[index].text if 0 <= index < len(self._docs) else f"(document {index + 1})"

    def _update_range(self) -> None:
        if self._normalized or not self._rows:
            self._lo, self._hi = 0.0, 1.0
            return
        values = [r.raw_score for r in self._rows if not math.isnan(r.raw_score)]
        self._lo, self._hi = (min(values), max(values)) if values else (0.0, 1.0)

    def _fraction(self, value: float) -> float:
        if math.isnan(value):
            return 0.0
        if self._hi <= self._lo:
            return 1.0
        return max(0.0, min(1.0, (value - self._lo) / (self._hi - self._lo)))

    def _changed(self, first: int, last: int) -> None:
        if self._rows:
            self.dataChanged.emit(self.index(0, first), self.index(len(self._rows) - 1, last))


def arrow(move: int | None) -> str:
    if move is None:
        return ""
    if move > 0:
        return f"▲{move}"
    if move < 0:
        return f"▼{-move}"
    return "="


def format_score(value: float, normalized: bool) -> str:
    if math.isnan(value):
        return "NaN"
    return f"{value:.4f}" if normalized else f"{value:+.3f}"
