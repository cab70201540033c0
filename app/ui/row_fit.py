"""One row height for a whole table, chosen from the room there is: several lines of wrapped text when every
row fits that way, else one line. Uniform heights keep a 1,000-row table as cheap as a 10-row one (Qt never
asks each row for its size hint)."""

from __future__ import annotations

from PySide6.QtWidgets import QTableView


def fit_row_height(view: QTableView, max_lines: int = 3) -> int:
    """Set ``view``'s row height for its current row count and viewport; returns the lines per row."""
    line = view.fontMetrics().lineSpacing()
    model = view.model()
    rows = max(1, model.rowCount() if model is not None else 1)
    room = view.viewport().height()
    lines = next((n for n in range(max_lines, 1, -1) if rows * (n * line + 6) <= room), 1)
    view.verticalHeader().setDefaultSectionSize(lines * line + (6 if lines > 1 else 3))
    return lines
