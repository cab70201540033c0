"""The shared scoring pipeline (Backend.score): order restored after length sorting, padding never scored,
chunk scores aggregated per document — with a real tokenizer and a deterministic NumPy "model"."""

from __future__ import annotations

import numpy as np
import pytest
from tokenizers import Tokenizer, models, pre_tokenizers, processors

from app.backends.base import Backend
from app.backends.batching import pad_batch
from app.core.chunking import chunk_text
from app.core.families import ModelFamily
from app.core.tokenization import HFPairTokenizer
from app.core.types import Aggregate, BackendConfig, ChunkOptions, ScoreOptions

WORDS = "alpha beta gamma delta epsilon zeta eta theta iota kappa lambda mu".split()
PAD = 0


def _tokenizer() -> Tokenizer:
    vocab = {"[PAD]": PAD, "[UNK]": 1, "[CLS]": 2, "[SEP]": 3, **{w: 4 + i for i, w in enumerate(WORDS)}}
    tok = Tokenizer(models.WordLevel(vocab, unk_token="[UNK]"))
    tok.pre_tokenizer = pre_tokenizers.Whitespace()
    tok.post_processor = processors.TemplateProcessing(
        single="[CLS] $A [SEP]", pair="[CLS] $A [SEP] $B:1 [SEP]:1", special_tokens=[("[CLS]", 2), ("[SEP]", 3)])
    return tok


class SumModel(Backend):
    """Score = sum of (id * position weight) over real tokens; any padding reaching it would be detected."""

    name = "sum-model"
    label = "test model"

    def _load(self, config: BackendConfig) -> None:
        self.family = ModelFamily("bert", "encoder", "bert", "sigmoid", 64, type_vocab_size=2)
        self.tokenizer = HFPairTokenizer(_tokenizer(), self.family)
        self.device, self.precision, self.model_name = "cpu", "fp32", "sum"
        self.batch_sizes: list[int] = []

    def _run_batch(self, pairs):
        self.batch_sizes.append(len(pairs))
        ids, mask, types = pad_batch(pairs, PAD)
        assert (ids[mask == 0] == PAD).all() and (types[mask == 0] == 0).all()
        weights = 1.0 + 0.01 * np.arange(ids.shape[1])
        return ((ids * weights) * mask).sum(axis=1) / 100.0


def _doc(rng, n):
    return " ".join(rng.choice(WORDS) for _ in range(n))


@pytest.fixture()
def model():
    return SumModel(BackendConfig(".", "sum-model"))


def expected(model, query, docs, max_length=64):
    pairs = model.tokenizer.encode_pairs(query, docs, max_length)
    return [float(((np.array(p.ids) * (1.0 + 0.01 * np.arange(len(p)))).sum()) / 100.0) for p in pairs]


@pytest.mark.parametrize("batch_size", [1, 3, 7, 32])
def test_order_restored_for_every_batch_size(model, batch_size):
    rng = np.random.default_rng(1)
    docs = [_doc(rng, int(n)) for n in rng.integers(1, 40, size=23)]
    run = model.score("alpha beta", docs, ScoreOptions(batch_size=batch_size))
    assert [r.index for r in run.results] == list(range(23))
    assert run.raw_scores == pytest.approx(expected(model, "alpha beta", docs))
    assert sum(model.batch_sizes) == 23 and max(model.batch_sizes) <= batch_size


def test_truncated_documents_are_flagged_and_cut_on_the_document_side(model):
    docs = [_doc(np.random.default_rng(2), 200), "alpha"]
    run = model.score("gamma delta", docs, ScoreOptions(max_length=16))
    assert run.results[0].truncated and not run.results[1].truncated
    assert run.results[0].token_count > 16  # the full length is reported, the cut pair was scored
    assert run.raw_scores == pytest.approx(expected(model, "gamma delta", docs, 16))


@pytest.mark.parametrize("rule", list(Aggregate))
def test_chunk_scores_aggregate_per_document(model, rule):
    docs = ["alpha beta gamma delta epsilon zeta eta theta iota", "kappa", "mu lambda kappa iota theta"]
    chunk = ChunkOptions(8, 2, rule)
    run = model.score("beta", docs, ScoreOptions(chunk=chunk, batch_size=2))
    for i, text in enumerate(docs):
        spans = model.tokenizer.token_spans(text)
        pieces = chunk_text(text, spans, 8, 2)
        scores = expected(model, "beta", pieces)
        want = {"max": max(scores), "mean": sum(scores) / len(scores), "first": scores[0]}[rule.value]
        assert run.results[i].chunk_count == len(pieces)
        assert run.results[i].raw_score == pytest.approx(want)
    assert run.results[1].chunk_count == 1
