"""Length-sorted batching shared by all backends: sort by length, pad per batch, restore order.

A batch holds at most ``batch_size`` pairs AND at most ``batch_tokens`` padded tokens (pairs x the longest pair).
The token bound matters on CPU: measured with a MiniLM-L6 int8 cross-encoder on 2 cores (docs/bench.md), a
fixed batch of 32 ran ONNX at 47.5 pairs/s against 64.4 in batches of ~550 tokens (~136-token pairs), and on
real documents of mixed length a single padded batch of 20 doubled the tokens computed. A pair longer than the
budget still runs, alone.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence

import numpy as np

from app.core.pairs import EncodedPair

# Padded tokens per runtime call. CPU, measured with int8 MiniLM-L6 on 2 cores for 45-, 136- and 505-token pairs
# (docs/bench.md): ONNX best at 512-640, CT2 at 256 (its short-pair speed drops between 5 and 11 pairs a call);
# against fixed batches of 32 that is up to 1.5x (ONNX, 136 tokens) and 2.5x (CT2, 505 tokens) faster. CUDA: large
# batches keep the GPU busy (not measured here: no GPU was available). llama.cpp runs one pair per decode anyway.
# A second CPU (Zen 4, 2 threads) agreed for ONNX (512 best) but ran CT2 up to 15% faster at 512-1024 on
# 128-token pairs and best at 512 on 512-token pairs: the CT2 optimum depends on the CPU (--batch-tokens).
DEFAULT_BATCH_TOKENS = {"cpu": 512, "cpu/ct2": 256, "cuda": 16384}


def default_batch_tokens(device: str, backend: str = "") -> int:
    return DEFAULT_BATCH_TOKENS.get(f"{device}/{backend}") or DEFAULT_BATCH_TOKENS.get(device) \
        or DEFAULT_BATCH_TOKENS["cpu"]


def plan_batches(lengths: Sequence[int], batch_size: int, batch_tokens: int | None = None) -> list[list[int]]:
    """Positions grouped into batches of similar length, shortest first (see the module docstring)."""
    order = sorted(range(len(lengths)), key=lambda i: lengths[i])
    size, budget = max(1, batch_size), batch_tokens if batch_tokens and batch_tokens > 0 else None
    batches: list[list[int]] = []
    current: list[int] = []
    for i in order:  # ascending: the pair being added is the batch's longest
        if current and (len(current) >= size or (budget and (len(current) + 1) * lengths[i] > budget)):
            batches.append(current)
            current = []
        current.append(i)
    if current:
        batches.append(current)
    return batches


def length_sorted_batches(pairs: Sequence[EncodedPair], batch_size: int,
                          batch_tokens: int | None = None) -> Iterator[list[int]]:
    """Yield lists of positions into ``pairs``; each batch holds pairs of similar length."""
    yield from plan_batches([len(p) for p in pairs], batch_size, batch_tokens)


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
               on_batch: Callable[[int], None] | None = None, batch_tokens: int | None = None) -> np.ndarray:
    """Score ``pairs`` in length-sorted batches and return raw scores in the original order."""
    out = np.full(len(pairs), np.nan, dtype=np.float64)
    done = 0
    for positions in length_sorted_batches(pairs, batch_size, batch_tokens):
        raw = np.asarray(run_batch([pairs[i] for i in positions]), dtype=np.float64).reshape(-1)
        if raw.shape[0] != len(positions):
            raise RuntimeError(f"runtime returned {raw.shape[0]} scores for {len(positions)} pairs")
        out[positions] = raw
        done += len(positions)
        if on_batch is not None:
            on_batch(done)
    return out
