"""NDCG / MRR of a column's current ranking on the user's own grades (documents panel, 0-3). Qt-free."""

from __future__ import annotations

from collections.abc import Sequence

from app.core.metrics import mrr_at_k, ndcg_at_k
from app.core.types import ScoreRun

GRADE_K = 10


def grade_metrics(run: ScoreRun, grades: Sequence[int | None], k: int = GRADE_K) -> tuple[float, float] | None:
    """(NDCG@k, MRR@k) of ``run`` on ``grades``; ungraded documents count as 0 (not relevant).

    None when nothing is graded or the grades are for another document list (lengths differ)."""
    if len(grades) != len(run.results) or all(g is None for g in grades):
        return None
    labels = [g or 0 for g in grades]
    scores = run.raw_scores
    return ndcg_at_k(scores, labels, k), mrr_at_k(scores, labels, k)


def grade_summary(run: ScoreRun | None, grades: Sequence[int | None], k: int = GRADE_K) -> str:
    """'Your grades: NDCG@10 0.912 · MRR@10 1.000', or '' when there is nothing to show."""
    found = grade_metrics(run, grades, k) if run is not None else None
    if found is None:
        return ""
    ndcg, mrr = found
    return f"Your grades: NDCG@{k} {ndcg:.3f} · MRR@{k} {mrr:.3f}"
