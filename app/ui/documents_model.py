"""Table model of the documents list: text, source file, token count (with a truncation marker) and a
relevance grade 0-3 per document. Testable without a window (DESIGN.md style point 8)."""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from dataclasses import dataclass

from PySide6.QtCore import QAbstractTableModel, QByteArray, QMimeData, QModelIndex, Qt, Signal

from app.core.types import Document

log = logging.getLogger(__name__)

COL_TEXT, COL_SOURCE, COL_TOKENS, COL_GRADE = range(4)
HEADERS = ("Document", "Source", "Tokens", "Grade")
ROWS_MIME = "application/x-rerank-playground-rows"
GRADES = (0, 1, 2, 3)
CUT_MARK = "✂"
PREVIEW_CHARS = 300
TOOLTIP_CHARS = 1500
# Combined once: PySide6 enum arithmetic costs microseconds, and data()/flags() run for every painted cell.
_SELECTABLE = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable | Qt.ItemFlag.ItemIsDragEnabled
_EDITABLE = _SELECTABLE | Qt.ItemFlag.ItemIsEditable
_RIGHT = int((Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter).value)


@dataclass
class _Row:
    """One document and what the panel knows about it (mutable: lives only inside the model)."""

    text: str
    source: str = ""
    grade: int | None = None
    tokens: int | None = None
    truncated: bool = False
    cut_at: int | None = None  # character offset where the model stops reading, when known


def _grade(value) -> int | None:
    """0-3, or None for "no grade"; raises TypeError/ValueError for anything else."""
    if value is None or (isinstance(value, str) and value.strip() in ("", "-", "–")):
        return None
    if isinstance(value, bool):
        raise TypeError(value)
    grade = int(value)
    if grade not in GRADES or (isinstance(value, float) and value != grade):
        raise ValueError(value)
    return grade


class DocumentsModel(QAbstractTableModel):
    """Documents in the order they will be scored.

    Signals: ``documents_changed`` when texts, order or count change (results become stale);
    ``grades_changed`` when a relevance grade changes; ``rejected(str)`` when an edit is refused, with a
    message for the user.
    """

    documents_changed = Signal()
    grades_changed = Signal()
    rejected = Signal(str)

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self._rows: list[_Row] = []
        self._limit: int | None = None

    # ------------------------------------------------------------ public API

    def documents(self) -> list[Document]:
        return [Document(r.text, r.source) for r in self._rows]

    def grades(self) -> list[int | None]:
        return [r.grade for r in self._rows]

    def set_documents(self, documents: Sequence[Document], grades: Sequence[int | None] | None = None) -> None:
        grades = list(grades) if grades is not None else [None] * len(documents)
        if len(grades) != len(documents):
            raise ValueError("one grade (or None) per document")
        self.beginResetModel()
        self._rows = [_Row(d.text, d.source, _grade(g)) for d, g in zip(documents, grades)]
        self.endResetModel()
        self.documents_changed.emit()
        self.grades_changed.emit()

    def add_documents(self, documents: Sequence[Document], row: int | None = None) -> int:
        """Insert non-empty documents at ``row`` (default: the end); returns how many were added."""
        new = [_Row(d.text.strip(), d.source) for d in documents if d.text.strip()]
        if not new:
            return 0
        row = len(self._rows) if row is None else max(0, min(row, len(self._rows)))
        self.beginInsertRows(QModelIndex(), row, row + len(new) - 1)
        self._rows[row:row] = new
        self.endInsertRows()
        self.documents_changed.emit()
        return len(new)

    def set_grade(self, row: int, grade: int | None) -> bool:
        return self.setData(self.index(row, COL_GRADE), grade)

    def remove(self, rows: Sequence[int]) -> int:
        """Remove the given rows; returns how many were removed."""
        rows = sorted({r for r in rows if 0 <= r < len(self._rows)}, reverse=True)
        for r in rows:
            self.beginRemoveRows(QModelIndex(), r, r)
            del self._rows[r]
            self.endRemoveRows()
        if rows:
            self.documents_changed.emit()
        return len(rows)

    def clear(self) -> None:
        if self._rows:
            self.set_documents([])

    def move_rows_to(self, rows: Sequence[int], dest: int) -> list[int]:
        """Move ``rows`` (any selection) so they sit, in order, before the row now at ``dest``.

        Returns their new positions. Persistent indexes (the view's selection) follow the moved rows."""
        n = len(self._rows)
        rows = sorted({r for r in rows if 0 <= r < n})
        if not rows:
            return []
        dest = max(0, min(dest, n))
        moving = set(rows)
        kept = [i for i in range(n) if i not in moving]
        at = dest - sum(1 for r in rows if r < dest)
        order = kept[:at] + rows + kept[at:]
        new_pos = {old: new for new, old in enumerate(order)}
        if order != list(range(n)):
            self.layoutAboutToBeChanged.emit()
            persistent = self.persistentIndexList()
            self._rows = [self._rows[i] for i in order]
            self.changePersistentIndexList(
                persistent, [self.index(new_pos[p.row()], p.column()) for p in persistent])
            self.layoutChanged.emit()
            self.documents_changed.emit()
        return [new_pos[r] for r in rows]

    def move_up(self, rows: Sequence[int]) -> list[int]:
        rows = sorted(set(rows))
        return self.move_rows_to(rows, rows[0] - 1) if rows and rows[0] > 0 else rows

    def move_down(self, rows: Sequence[int]) -> list[int]:
        rows = sorted(set(rows))
        if not rows or rows[-1] >= len(self._rows) - 1:
            return rows
        return self.move_rows_to(rows, rows[-1] + 2)

    def set_token_info(self, counts: Sequence[int], truncated: Sequence[bool], *,
                       cut_at: Sequence[int | None] | None = None, limit: int | None = None) -> bool:
        """Per-document token counts and whether the model will cut each document.

        ``cut_at`` (optional) is the character offset where reading stops; ``limit`` the model's token limit,
        both only shown in tooltips. Returns False (and keeps nothing) when the lengths do not match the
        current documents, e.g. because the list changed while the counts were computed."""
        n = len(self._rows)
        cut_at = list(cut_at) if cut_at is not None else [None] * n
        if not len(counts) == len(truncated) == len(cut_at) == n:
            log.info("token info for %d documents ignored: the list has %d now", len(counts), n)
            return False
        for row, c, t, cut in zip(self._rows, counts, truncated, cut_at):
            row.tokens, row.truncated, row.cut_at = int(c), bool(t), cut
        self._limit = limit
        self._changed_all((COL_TEXT, COL_TOKENS))
        return True

    def clear_token_info(self) -> None:
        for row in self._rows:
            row.tokens, row.truncated, row.cut_at = None, False, None
        self._changed_all((COL_TEXT, COL_TOKENS))

    def _changed_all(self, columns: Sequence[int]) -> None:
        if self._rows:
            for c in columns:
                self.dataChanged.emit(self.index(0, c), self.index(len(self._rows) - 1, c))

    # ------------------------------------------------------------ Qt model interface

    def rowCount(self, parent=QModelIndex()) -> int:  # noqa: B008 - Qt's signature
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent=QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(HEADERS)

    def headerData(self, section: int, orientation, role=Qt.ItemDataRole.DisplayRole):
        if role == Qt.ItemDataRole.DisplayRole:
            return HEADERS[section] if orientation == Qt.Orientation.Horizontal else str(section + 1)
        if role == Qt.ItemDataRole.ToolTipRole and orientation == Qt.Orientation.Horizontal:
            return {COL_TOKENS: f"Tokens the model sees for query + document; {CUT_MARK} marks a document the "
                                "model will cut at its length limit.",
                    COL_GRADE: "Your relevance grade (0 = not relevant … 3 = perfect), used for NDCG on your own "
                               "data. Select a cell and type 0-3, or - to clear."}.get(section)
        return None

    def flags(self, index):
        if not index.isValid():
            return Qt.ItemFlag.ItemIsDropEnabled
        return _EDITABLE if index.column() in (COL_TEXT, COL_GRADE) else _SELECTABLE

    def data(self, index, role=Qt.ItemDataRole.DisplayRole):
        if not index.isValid() or index.row() >= len(self._rows):
            return None
        row, col = self._rows[index.row()], index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return self._display(row, col)
        if role == Qt.ItemDataRole.EditRole:
            return row.text if col == COL_TEXT else row.grade if col == COL_GRADE else self._display(row, col)
        if role == Qt.ItemDataRole.ToolTipRole:
            return self._tooltip(row, col)
        if role == Qt.ItemDataRole.TextAlignmentRole and col in (COL_TOKENS, COL_GRADE):
            return _RIGHT
        return None

    def _display(self, row: _Row, col: int) -> str:
        if col == COL_TEXT:
            text = row.text[:PREVIEW_CHARS]
            return " ⏎ ".join(line.strip() for line in text.splitlines() if line.strip())
        if col == COL_SOURCE:
            return row.source
        if col == COL_TOKENS:
            if row.tokens is None:
                return ""
            return f"{CUT_MARK} {row.tokens}" if row.truncated else str(row.tokens)
        return "" if row.grade is None else str(row.grade)

    def _tooltip(self, row: _Row, col: int) -> str | None:
        if col == COL_TEXT:
            if row.truncated and row.cut_at is not None:
                kept, cut = row.text[: row.cut_at], row.text[row.cut_at:]
                return (f"{kept[-TOOLTIP_CHARS:]} {CUT_MARK} [the model stops reading here; "
                        f"{len(cut)} more characters are cut]")
            return row.text[:TOOLTIP_CHARS] + ("…" if len(row.text) > TOOLTIP_CHARS else "")
        if col == COL_TOKENS and row.truncated:
            limit = f" of {self._limit} tokens" if self._limit else ""
            return (f"{CUT_MARK} Longer than the model's limit{limit}: the end of this document is cut before "
                    "scoring. Turn on long-document mode (chunking) to score all of it.")
        if col == COL_SOURCE and row.source:
            return row.source
        return None

    def setData(self, index, value, role=Qt.ItemDataRole.EditRole) -> bool:
        if role != Qt.ItemDataRole.EditRole or not index.isValid() or index.row() >= len(self._rows):
            return False
        row = self._rows[index.row()]
        if index.column() == COL_TEXT:
            text = str(value).strip()
            if not text:
                self.rejected.emit("A document cannot be empty. Use Remove to delete it.")
                return False
            if text != row.text:
                row.text, row.tokens, row.truncated, row.cut_at = text, None, False, None
                self.dataChanged.emit(index, self.index(index.row(), COL_TOKENS))
                self.documents_changed.emit()
            return True
        if index.column() == COL_GRADE:
            try:
                grade = _grade(value)
            except (TypeError, ValueError):
                self.rejected.emit(f"A grade is 0, 1, 2 or 3 (or empty), not {value!r}.")
                return False
            if grade != row.grade:
                row.grade = grade
                self.dataChanged.emit(index, index)
                self.grades_changed.emit()
            return True
        return False

    # ------------------------------------------------------------ drag and drop (reordering)

    def supportedDragActions(self):
        return Qt.DropAction.MoveAction | Qt.DropAction.CopyAction

    def supportedDropActions(self):
        return Qt.DropAction.MoveAction | Qt.DropAction.CopyAction

    def mimeTypes(self) -> list[str]:
        return [ROWS_MIME]

    def mimeData(self, indexes) -> QMimeData:
        data = QMimeData()
        rows = sorted({i.row() for i in indexes if i.isValid()})
        data.setData(ROWS_MIME, QByteArray(json.dumps(rows).encode()))
        return data

    def dropMimeData(self, data: QMimeData, action, row: int, column: int, parent) -> bool:
        """Internal drags move rows; the drop lands before ``row`` (or ``parent``'s row, or at the end)."""
        if not data.hasFormat(ROWS_MIME) or action == Qt.DropAction.IgnoreAction:
            return False
        try:
            rows = [int(r) for r in json.loads(bytes(data.data(ROWS_MIME)).decode())]
        except (ValueError, TypeError):
            return False
        if row < 0:
            row = parent.row() if parent.isValid() else len(self._rows)
        self.move_rows_to(rows, row)
        return True

