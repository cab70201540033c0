"""One row height for a whole table, chosen from the room there is: several lines of wrapped text when every
row fits that way, else one line. Uniform heights keep a 1,000-row table as cheap as a 10-row one (Qt never
asks each row for its size hint)."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject
from PySide6.QtWidgets import QTableView


def fit_row_height(view: QTableView, max_lines: int = 3) -> int:
    """Set ``view``'s row height for its current row count and viewport; returns the lines per row."""
    line = view.fontMetrics().lineSpacing()
    model = view.model()
    rows = max(1, model.rowCount() if model is not None else 1)
    room = view.viewport().height()
    lines = next((n for n in range(max_lines, 1, -1) if rows * (n * line + 6) <= room), 1)
    view.verticalHeader().setDefaultSectionSize(lines * line + (6 if lines > 1 else 3))
    if view.wordWrap() != (lines > 1):  # one line: elide, do not lay out wrapped text (several times faster)
        view.setWordWrap(lines > 1)
    return lines


class _RowFitter(QObject):
    def __init__(self, view: QTableView, max_lines: int) -> None:
        super().__init__(view)
        self.view, self.max_lines = view, max_lines
        view.viewport().installEventFilter(self)
        view.model().modelReset.connect(self.fit)
        view.model().layoutChanged.connect(self.fit)

    def fit(self) -> None:
        fit_row_height(self.view, self.max_lines)

    def eventFilter(self, _obj, event) -> bool:  # noqa: N802 - Qt's name
        if event.type() == QEvent.Type.Resize:
            self.fit()
        return False


def keep_rows_fitted(view: QTableView, max_lines: int = 3) -> None:
    """Refit ``view``'s row height whenever its viewport is resized or its model reset (set the model first)."""
    _RowFitter(view, max_lines)
