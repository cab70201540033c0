"""Fill the Evaluate view's tables: metrics per column (and the BM25 row), mean Kendall tau between columns,
and NDCG per query (the drill-down: where does a column lose?)."""

from __future__ import annotations

from html import escape

from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush, QColor, QFont
from PySide6.QtWidgets import QTableWidget, QTableWidgetItem

from app.core import evaluation_table
from app.ui.evaluate_runner import EvalOutcome

METRIC_HEADERS = evaluation_table.HEADERS
ERROR = QColor("#cf222e")
BM25_STATUS = "lexical reference (no model)"


def _item(text: str, number: bool = False, tip: str = "") -> QTableWidgetItem:
    item = QTableWidgetItem(text)
    if number:
        item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
    if tip:
        item.setToolTip(tip)
    return item


class _NumberItem(QTableWidgetItem):
    """Sorts by its number, not its text."""

    def __lt__(self, other) -> bool:
        a, b = self.data(Qt.ItemDataRole.UserRole), other.data(Qt.ItemDataRole.UserRole)
        if isinstance(a, (int, float)) and isinstance(b, (int, float)):
            return a < b
        return super().__lt__(other)


def _status(outcome: EvalOutcome, i: int) -> str:
    if i in outcome.reports:
        return ""
    if i in outcome.failures:
        return outcome.failures[i]
    if outcome.cancelled:
        return "cancelled"
    if outcome.queries:
        return f"scoring… {outcome.done.get(i, 0)} / {len(outcome.queries)} queries"
    return ""


def metric_row(outcome: EvalOutcome, i: int) -> list[str]:
    """The cells of column ``i``'s row (metrics as text; empty when it has no report)."""
    first = outcome.reports[min(outcome.reports)] if outcome.reports else None
    return evaluation_table.metric_cells(outcome.names[i], outcome.reports.get(i), first, _status(outcome, i))


def table_rows(outcome: EvalOutcome | None) -> list[list[str]]:
    """Every row of the metrics table, the BM25 row last."""
    if outcome is None:
        return []
    rows = [metric_row(outcome, i) for i in range(len(outcome.names))]
    if outcome.bm25 is not None:
        first = outcome.reports[min(outcome.reports)] if outcome.reports else None
        rows.append(evaluation_table.metric_cells(outcome.bm25.name, outcome.bm25, first, BM25_STATUS))
    return rows


def fill_metrics(table: QTableWidget, outcome: EvalOutcome | None, k: int) -> None:
    headers = evaluation_table.headers(k)
    table.clear()
    table.setColumnCount(len(headers))
    table.setHorizontalHeaderLabels(headers)
    rows = table_rows(outcome)
    table.setRowCount(len(rows))
    for i, cells in enumerate(rows):
        for col, text in enumerate(cells):
            item = _item(text, number=0 < col < len(cells) - 1, tip=text if col in (0, len(cells) - 1) else "")
            if col == len(cells) - 1 and i in outcome.failures:
                item.setForeground(QBrush(ERROR))
            if outcome.bm25 is not None and i == len(outcome.names):
                font = QFont(item.font())
                font.setItalic(True)
                item.setFont(font)
            table.setItem(i, col, item)


def set_column_progress(table: QTableWidget, outcome: EvalOutcome, i: int) -> None:
    """Update only column ``i``'s status cell (cheap: called on every scored query)."""
    item = table.item(i, len(METRIC_HEADERS) - 1)
    if item is not None:
        item.setText(_status(outcome, i))


def fill_taus(table: QTableWidget, outcome: EvalOutcome | None) -> None:
    """A symmetric matrix of mean Kendall tau over the queries (1.000 on the diagonal). Columns are headed
    by number (the row says which column it is; the header's tooltip has the full name), so long column names
    are never cut off."""
    done = sorted(outcome.reports) if outcome else []
    taus = outcome.taus() if outcome else {}
    names = [outcome.names[i] for i in done] if outcome else []
    table.clear()
    table.setColumnCount(len(done) + 1)
    table.setRowCount(len(done))
    table.setHorizontalHeaderLabels(["Column", *[str(n + 1) for n in range(len(done))]])
    header = table.horizontalHeader()
    for c in range(1, len(done) + 1):
        table.horizontalHeaderItem(c).setToolTip(names[c - 1])
        header.setSectionResizeMode(c, header.ResizeMode.Stretch)
    for r, a in enumerate(done):
        table.setItem(r, 0, _item(f"{r + 1} · {names[r]}", tip=names[r]))
        for c, b in enumerate(done):
            value = 1.0 if a == b else taus.get((min(a, b), max(a, b)), float("nan"))
            table.setItem(r, c + 1, _item(f"{value:.3f}", number=True))


def per_query(outcome: EvalOutcome | None):
    """(headers, rows) of NDCG per query for the columns that finished, BM25 last."""
    if outcome is None or not outcome.queries:
        return [], []
    names = [*outcome.names, *([outcome.bm25.name] if outcome.bm25 else [])]
    reports = [outcome.reports.get(i) for i in range(len(outcome.names))]
    reports += [outcome.bm25] if outcome.bm25 else []
    return evaluation_table.per_query_rows(outcome.queries, names, reports)


def fill_per_query(table: QTableWidget, outcome: EvalOutcome | None) -> None:
    """One row per query: NDCG in each column and the spread; sortable (click a header: worst first)."""
    head, rows = per_query(outcome)
    table.setSortingEnabled(False)
    table.clear()
    table.setColumnCount(len(head))
    table.setRowCount(len(rows))
    table.setHorizontalHeaderLabels([h if i < 2 or i == len(head) - 1 else str(i - 1) for i, h in enumerate(head)])
    for c, name in enumerate(head):
        if 1 < c < len(head) - 1:
            table.horizontalHeaderItem(c).setToolTip(f"NDCG of {name}")
    for r, cells in enumerate(rows):
        for c, value in enumerate(cells):
            if isinstance(value, str):
                item = _item(value, tip=value)
            else:
                item = _NumberItem(f"{value:.3f}" if isinstance(value, float) else str(value))
                item.setData(Qt.ItemDataRole.UserRole, value)
                item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            table.setItem(r, c, item)
    table.setSortingEnabled(True)


def per_query_legend(outcome: EvalOutcome | None) -> str:
    """What the numbered columns of the per-query table are."""
    head, _rows = per_query(outcome if outcome is not None and outcome.reports else None)
    names = head[2:-1]
    if not names:
        return "NDCG per query, once an evaluation has finished."
    key = " · ".join(f"{i} = {escape(n)}" for i, n in enumerate(names, start=1))
    return (f"NDCG@k per query ({key}). Click a header to sort, worst first; pick a row to see each column's "
            "top documents with their grades.")
