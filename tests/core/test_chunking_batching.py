import numpy as np
import pytest

from app.backends.batching import (
    default_batch_tokens,
    length_sorted_batches,
    pad_batch,
    plan_batches,
    run_sorted,
)
from app.core.chunking import aggregate, chunk_text
from app.core.pairs import EncodedPair, cut_at_tokens
from app.core.types import Aggregate, ChunkOptions


def _pairs(lengths):
    return [EncodedPair(i, list(range(1, n + 1)), [0] * n, n, False) for i, n in enumerate(lengths)]


def test_batches_are_length_sorted_and_cover_everything():
    pairs = _pairs([5, 1, 9, 3, 7, 2])
    batches = list(length_sorted_batches(pairs, 2))
    assert sorted(i for b in batches for i in b) == list(range(6))
    lengths = [[len(pairs[i]) for i in b] for b in batches]
    assert lengths == [[1, 2], [3, 5], [7, 9]]


def test_token_budget_bounds_padded_tokens_per_batch():
    lengths = [40, 10, 12, 11, 300, 38, 9, 41]
    batches = plan_batches(lengths, batch_size=32, batch_tokens=100)
    assert sorted(i for b in batches for i in b) == list(range(8))
    for b in batches:  # each batch fits the budget, except a single pair longer than it
        assert len(b) * max(lengths[i] for i in b) <= 100 or len(b) == 1
    assert [[lengths[i] for i in b] for b in batches] == [[9, 10, 11, 12], [38, 40], [41], [300]]
    # 0 or None: no token bound, only the pair count
    assert [len(b) for b in plan_batches(lengths, 3, 0)] == [3, 3, 2]
    assert [len(b) for b in plan_batches(lengths, 3, None)] == [3, 3, 2]
    # the pair count still caps a batch of short pairs
    assert [len(b) for b in plan_batches([5] * 10, 4, 1000)] == [4, 4, 2]


def test_default_token_budget_by_device_and_backend():
    assert default_batch_tokens("cpu", "onnx") == 512 and default_batch_tokens("cpu", "ct2") == 256
    assert default_batch_tokens("cuda", "onnx") > 8000 and default_batch_tokens("mps") == 512


def test_run_sorted_restores_input_order_and_never_scores_padding():
    pairs = _pairs([5, 1, 9, 3, 7, 2])

    def run_batch(batch):
        ids, mask, _ = pad_batch(batch, pad_id=1000)
        # a "model" that would be thrown off by padding: sum of ids under the mask only
        assert (ids[mask == 0] == 1000).all()
        return (ids * mask).sum(axis=1)

    out = run_sorted(pairs, 4, run_batch)
    expected = [sum(range(1, n + 1)) for n in [5, 1, 9, 3, 7, 2]]
    assert out.tolist() == expected
    assert run_sorted(pairs, 4, run_batch, batch_tokens=10).tolist() == expected


def test_left_padding_puts_real_tokens_last():
    ids, mask, types = pad_batch(_pairs([3, 1]), pad_id=0, left=True)
    assert ids.tolist() == [[1, 2, 3], [0, 0, 1]]
    assert mask.tolist() == [[1, 1, 1], [0, 0, 1]]


def test_progress_callback_counts_up():
    seen = []
    run_sorted(_pairs([1, 2, 3]), 2, lambda b: np.zeros(len(b)), seen.append)
    assert seen == [2, 3]


def test_chunk_text_windows_with_overlap():
    text = "a b c d e f g"
    spans = [(i * 2, i * 2 + 1) for i in range(7)]
    assert chunk_text(text, spans, 3, 1) == ["a b c", "c d e", "e f g"]
    assert chunk_text(text, spans, 10, 2) == [text]
    assert chunk_text("a b c d", spans[:4], 3, 0) == ["a b c", "d"]


def test_aggregate_rules():
    assert aggregate([0.1, 0.7, 0.3], Aggregate.MAX) == (0.7, 1)
    value, best = aggregate([0.1, 0.7, 0.4], Aggregate.MEAN)
    assert value == pytest.approx(0.4) and best == 1
    assert aggregate([0.1, 0.7], Aggregate.FIRST) == (0.1, 0)


def test_chunk_options_validate():
    with pytest.raises(ValueError):
        ChunkOptions(64, 64)
    with pytest.raises(ValueError):
        ChunkOptions(4)


def test_cut_at_tokens():
    spans = [(0, 5), (6, 11), (12, 17)]
    assert cut_at_tokens("hello world again", spans, 2) == ("hello world", True)
    assert cut_at_tokens("hello world again", spans, 3) == ("hello world again", False)
