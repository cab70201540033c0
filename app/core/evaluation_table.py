"""The Evaluate view's tables as plain rows, and as Markdown / CSV / JSON for copying and export. Qt-free."""

from __future__ import annotations

import csv
import io
import json
import os
from collections.abc import Sequence
from pathlib import Path

from app.core.datasets import EvalQuery
from app.core.errors import BadInputError
from app.core.evaluation import EvalReport

HEADERS = ("Column", "NDCG@{k}", "Δ NDCG vs first", "MRR@{k}", "Recall@{k}", "p50 ms", "p95 ms", "pairs/s",
           "Status")


def headers(k: int) -> list[str]:
    return [h.format(k=k) for h in HEADERS]


def metric_cells(name: str, report: EvalReport | None, first: EvalReport | None, status: str) -> list[str]:
    """One row of the metrics table (metrics empty when there is no report; ``status`` says why)."""
    if report is None:
        return [name, *[""] * 7, status]
    delta = "reference" if report is first or first is None else f"{report.ndcg - first.ndcg:+.4f}"
    return [name, f"{report.ndcg:.4f}", delta, f"{report.mrr:.4f}", f"{report.recall:.4f}",
            f"{report.latency_p50_ms:.1f}", f"{report.latency_p95_ms:.1f}", f"{report.pairs_per_second:.0f}",
            status or f"ok ({report.queries} queries)"]


def to_markdown(head: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    def cell(text: str) -> str:
        return str(text).replace("|", "\\|").replace("\n", " ")

    lines = ["| " + " | ".join(cell(h) for h in head) + " |",
             "|" + "|".join("---" if i in (0, len(head) - 1) else "---:" for i in range(len(head))) + "|"]
    lines += ["| " + " | ".join(cell(c) for c in row) + " |" for row in rows]
    return "\n".join(lines) + "\n"


def to_csv(head: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    buf = io.StringIO(newline="")
    writer = csv.writer(buf)
    writer.writerow(head)
    writer.writerows(rows)
    return buf.getvalue()


def per_query_rows(queries: Sequence[EvalQuery], names: Sequence[str],
                   reports: Sequence[EvalReport | None]) -> tuple[list[str], list[list[object]]]:
    """Per query: its number, text, NDCG in each column that has a report, and the spread (best - worst)."""
    shown = [(n, r) for n, r in zip(names, reports) if r is not None and r.per_query_ndcg]
    head = ["#", "Query", *[n for n, _ in shown], "spread"]
    rows: list[list[object]] = []
    for i, q in enumerate(queries):
        values = [r.per_query_ndcg[i] for _, r in shown if i < len(r.per_query_ndcg)]
        spread = max(values) - min(values) if values else 0.0
        rows.append([i + 1, q.query, *values, spread])
    return head, rows


def write_table(path: str | os.PathLike, k: int, rows: Sequence[Sequence[str]], *, dataset: str = "",
                per_query: tuple[list[str], list[list[object]]] | None = None) -> Path:
    """The metrics table (and the per-query NDCG) as .csv, .md or .json, chosen by the suffix."""
    path = Path(path).expanduser()
    head = headers(k)
    suffix = path.suffix.lower()
    if suffix == ".csv":
        text = to_csv(head, rows)
    elif suffix in (".md", ".markdown"):
        text = (f"Dataset: `{dataset}`, k = {k}\n\n" if dataset else "") + to_markdown(head, rows)
    elif suffix == ".json":
        body: dict[str, object] = {"dataset": dataset, "k": k, "columns": [dict(zip(head, r)) for r in rows]}
        if per_query is not None:
            body["per_query_ndcg"] = [dict(zip(per_query[0], r)) for r in per_query[1]]
        text = json.dumps(body, ensure_ascii=False, indent=2) + "\n"
    else:
        raise BadInputError(f"{path.name}: export the table as .csv, .md or .json.")
    try:
        path.write_text(text, encoding="utf-8", newline="")
    except OSError as exc:
        raise BadInputError(f"Could not write {path}: {exc.strerror or exc}. Choose a folder you can write "
                            "to.") from exc
    return path
