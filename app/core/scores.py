"""Score transforms. Raw scores are logits; the normalized score is sigmoid(raw), applied once."""

from __future__ import annotations

import numpy as np

_EPS = 1e-7


def sigmoid(x: np.ndarray | float) -> np.ndarray:
    x = np.asarray(x, dtype=np.float64)
    return np.where(x >= 0, 1.0 / (1.0 + np.exp(-np.abs(x))), np.exp(-np.abs(x)) / (1.0 + np.exp(-np.abs(x))))


def logit(p: np.ndarray | float) -> np.ndarray:
    """Inverse of sigmoid, for runtimes that return a probability (llama.cpp Qwen3 rank head)."""
    p = np.clip(np.asarray(p, dtype=np.float64), _EPS, 1.0 - _EPS)
    return np.log(p) - np.log1p(-p)


def logits_to_raw(logits: np.ndarray) -> np.ndarray:
    """[batch, 1] -> the logit; [batch, 2] -> l1 - l0 (so that sigmoid gives softmax[1])."""
    logits = np.asarray(logits, dtype=np.float64)
    if logits.ndim == 1:
        return logits
    if logits.shape[-1] == 1:
        return logits[:, 0]
    if logits.shape[-1] == 2:
        return logits[:, 1] - logits[:, 0]
    raise ValueError(f"expected 1 or 2 logits per pair, got {logits.shape[-1]}")
