"""Fill the Evaluate view's tables: metrics per column, and mean Kendall tau between columns."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import QTableWidget, QTableWidgetItem

from app.ui.evaluate_runner import EvalOutcome

METRIC_HEADERS = ("Column", "NDCG@{k}", "Δ NDCG vs first", "MRR@{k}", "Recall@{k}", "p50 ms", "p95 ms", "pairs/s",
                  "Status")
ERROR = QColor("#cf222e")


def _item(text: str, number: bool = False, tip: str = "") -> QTableWidgetItem:
    item = QTableWidgetItem(text)
    if number:
        item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
    if tip:
        item.setToolTip(tip)
    return item


def metric_row(outcome: EvalOutcome, i: int) -> list[str]:
    """The cells of column ``i``'s row (metrics as text; empty when it has no report)."""
    report = outcome.reports.get(i)
    if report is None:
        status = outcome.failures.get(i, "cancelled" if outcome.cancelled else "")
        return [outcome.names[i], *[""] * 7, status]
    first = outcome.reports[min(outcome.reports)]
    delta = "reference" if report is first else f"{report.ndcg - first.ndcg:+.3f}"
    return [outcome.names[i], f"{report.ndcg:.3f}", delta, f"{report.mrr:.3f}", f"{report.recall:.3f}",
            f"{report.latency_p50_ms:.1f}", f"{report.latency_p95_ms:.1f}", f"{report.pairs_per_second:.0f}",
            f"ok ({report.queries} queries)"]


def fill_metrics(table: QTableWidget, outcome: EvalOutcome | None, k: int) -> None:
    headers = [h.format(k=k) for h in METRIC_HEADERS]
    table.clear()
    table.setColumnCount(len(headers))
    table.setHorizontalHeaderLabels(headers)
    rows = range(len(outcome.names)) if outcome else range(0)
    table.setRowCount(len(rows))
    for i in rows:
        cells = metric_row(outcome, i)
        for col, text in enumerate(cells):
            item = _item(text, number=0 < col < len(cells) - 1, tip=text if col in (0, len(cells) - 1) else "")
            if col == len(cells) - 1 and i in outcome.failures:
                item.setForeground(QBrush(ERROR))
            table.setItem(i, col, item)


def fill_taus(table: QTableWidget, outcome: EvalOutcome | None) -> None:
    """A symmetric matrix of mean Kendall tau over the queries (1.000 on the diagonal)."""
    done = sorted(outcome.reports) if outcome else []
    taus = outcome.taus() if outcome else {}
    names = [outcome.names[i] for i in done] if outcome else []
    table.clear()
    table.setColumnCount(len(done) + 1)
    table.setRowCount(len(done))
    table.setHorizontalHeaderLabels(["Column", *names])
    header = table.horizontalHeader()
    for c in range(1, len(done) + 1):
        header.setSectionResizeMode(c, header.ResizeMode.Stretch)
    for r, a in enumerate(done):
        table.setItem(r, 0, _item(names[r], tip=names[r]))
        for c, b in enumerate(done):
            value = 1.0 if a == b else taus.get((min(a, b), max(a, b)), float("nan"))
            table.setItem(r, c + 1, _item(f"{value:.3f}", number=True))
