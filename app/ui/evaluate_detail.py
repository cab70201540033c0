"""The Evaluate view's per-query drill-down: each column's top documents for one query, with their grades."""

from __future__ import annotations

from html import escape

from app.core.metrics import ranks
from app.ui.evaluate_runner import EvalOutcome

TOP = 5
PREVIEW = 90


def query_detail_html(outcome: EvalOutcome, q: int, top: int = TOP) -> str:
    """Rich text: the query, then per column its NDCG and its top documents as 'rank. [grade] text', so a
    relevant document ranked low (where the column loses) shows at a glance."""
    query = outcome.queries[q]
    columns = [(outcome.names[i], r) for i, r in sorted(outcome.reports.items())]
    if outcome.bm25 is not None:
        columns.append((outcome.bm25.name, outcome.bm25))
    best = [i for i, g in enumerate(query.labels) if g == max(query.labels)] if query.labels else []
    parts = [f"<p><b>Query {q + 1}:</b> {escape(query.query)}</p>"]
    for name, report in columns:
        if q >= len(report.per_query_scores):
            continue
        rank = ranks(report.per_query_scores[q])
        order = sorted(range(len(rank)), key=lambda i: rank[i])[:top]
        where = ", ".join(str(rank[i]) for i in best)
        items = "".join(f"<li>[{query.labels[i]}] {escape(_preview(query.documents[i]))}</li>" for i in order)
        parts.append(f"<b>{escape(name)}</b>: NDCG {report.per_query_ndcg[q]:.3f}; best-graded document(s) at "
                     f"rank {where}<ol style='margin-top:0'>{items}</ol>")
    return "".join(parts)


def _preview(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= PREVIEW else text[: PREVIEW - 1] + "…"
