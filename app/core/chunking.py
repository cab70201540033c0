"""Long-document mode: split a document into overlapping token windows and aggregate their scores."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from app.core.types import Aggregate


def chunk_text(text: str, spans: Sequence[tuple[int, int]], size: int, overlap: int) -> list[str]:
    """Windows of ``size`` tokens, each starting ``size - overlap`` tokens after the previous one.

    A document that fits in one window is returned whole; no window is empty.
    """
    return [text[a:b] for a, b in chunk_spans(text, spans, size, overlap)]


def chunk_spans(text: str, spans: Sequence[tuple[int, int]], size: int, overlap: int) -> list[tuple[int, int]]:
    """The character range [start, end) of each window of ``chunk_text``."""
    if len(spans) <= size:
        return [(0, len(text))]
    step = size - overlap
    chunks = []
    start = 0
    while True:
        end = min(start + size, len(spans))
        chunks.append((spans[start][0], spans[end - 1][1]))
        if end == len(spans):
            return chunks
        start += step


def aggregate(values: Sequence[float], how: Aggregate) -> tuple[float, int]:
    """Aggregate chunk scores; returns (score, index of the chunk that decided it).

    For ``mean`` the reported chunk is the best one (the one a user would want to read).
    """
    arr = np.asarray(values, dtype=np.float64)
    if arr.size == 0:
        raise ValueError("no chunk scores to aggregate")
    best = int(np.nanargmax(arr)) if not np.all(np.isnan(arr)) else 0
    if how is Aggregate.MAX:
        return float(arr[best]), best
    if how is Aggregate.MEAN:
        return float(np.mean(arr)), best
    return float(arr[0]), 0
