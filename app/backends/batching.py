"""Length-sorted batching shared by all backends: sort by length, pad per batch, restore order."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence

import numpy as np

from app.core.pairs import EncodedPair


def length_sorted_batches(pairs: Sequence[EncodedPair], batch_size: int) -> Iterator[list[int]]:
    """Yield lists of positions into ``pairs``; each batch holds pairs of similar length."""
    order = sorted(range(len(pairs)), key=lambda i: len(pairs[i]))
    for start in range(0, len(order), max(1, batch_size)):
        yield order[start: start + batch_size]


def pad_batch(pairs: Sequence[EncodedPair], pad_id: int, left: bool = False,
              ) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    """Right- (encoders) or left-padded (decoders) ids, attention mask and token types (int64)."""
    width = max(len(p) for p in pairs)
    ids = np.full((len(pairs), width), pad_id, dtype=np.int64)
    mask = np.zeros((len(pairs), width), dtype=np.int64)
    types = None
    if all(p.type_ids is not None for p in pairs):
        types = np.zeros((len(pairs), width), dtype=np.int64)
    for row, p in enumerate(pairs):
        n = len(p)
        sl = slice(width - n, width) if left else slice(0, n)
        ids[row, sl] = p.ids
        mask[row, sl] = 1
        if types is not None:
            types[row, sl] = p.type_ids
    return ids, mask, types


def run_sorted(pairs: Sequence[EncodedPair], batch_size: int,
               run_batch: Callable[[list[EncodedPair]], np.ndarray],
               on_batch: Callable[[int], None] | None = None) -> np.ndarray:
    """Score ``pairs`` in length-sorted batches and return raw scores in the original order."""
    out = np.full(len(pairs), np.nan, dtype=np.float64)
    done = 0
    for positions in length_sorted_batches(pairs, batch_size):
        raw = np.asarray(run_batch([pairs[i] for i in positions]), dtype=np.float64).reshape(-1)
        if raw.shape[0] != len(positions):
            raise RuntimeError(f"runtime returned {raw.shape[0]} scores for {len(positions)} pairs")
        out[positions] = raw
        done += len(positions)
        if on_batch is not None:
            on_batch(done)
    return out
