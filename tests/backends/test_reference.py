"""Every backend against the transformers fp32 reference scores of the tiny fixture models.

All reference pairs go through one ``score`` call per query group with a small batch size, so sorting,
padding and order restoration are exercised, not just single pairs.
"""

from __future__ import annotations

import numpy as np
import pytest

from app.core.types import ScoreOptions

EXACT = 1e-3  # fp32 paths
HALF = 2e-2  # f16 GGUF weights

# (model, backend, file, tolerance or None for "report drift only")
CASES = [
    ("tiny-bert", "onnx", "onnx/model.onnx", EXACT),
    ("tiny-bert", "ct2", "ct2", EXACT),
    ("tiny-xlmr", "onnx", "onnx/model.onnx", EXACT),
    ("tiny-xlmr", "ct2", "ct2", EXACT),
    ("tiny-xlmr", "gguf", "gguf/model-f16.gguf", HALF),
    ("tiny-qwen3-reranker", "onnx", "onnx/model.onnx", EXACT),
    ("tiny-qwen3-reranker", "ct2", "ct2", EXACT),
    ("tiny-qwen3-reranker", "gguf", "gguf/model-f16.gguf", HALF),
]
QUANTIZED = [
    ("tiny-bert", "onnx", "onnx/model_quantized.onnx"),
    ("tiny-bert", "ct2", "ct2-int8"),
    ("tiny-xlmr", "onnx", "onnx/model_quantized.onnx"),
    ("tiny-xlmr", "ct2", "ct2-int8"),
    ("tiny-xlmr", "gguf", "gguf/model-q8_0.gguf"),
    ("tiny-qwen3-reranker", "onnx", "onnx/model_quantized.onnx"),
    ("tiny-qwen3-reranker", "gguf", "gguf/model-q8_0.gguf"),
]


def _score_all(backend, references, model):
    """Raw scores for every reference pair, scoring each query's documents together."""
    pairs = references["pairs"]
    raw = np.full(len(pairs), np.nan)
    by_query: dict[str, list[int]] = {}
    for i, p in enumerate(pairs):
        by_query.setdefault(p["query"], []).append(i)
    runs = []
    for query, idx in by_query.items():
        run = backend.score(query, [pairs[i]["document"] for i in idx], ScoreOptions(batch_size=2))
        raw[idx] = run.raw_scores
        runs.append((idx, run))
    return raw, runs


@pytest.mark.parametrize("model,backend_name,file,tol", CASES, ids=lambda v: str(v))
def test_matches_reference(load_backend, references, model, backend_name, file, tol):
    ref = references["models"][model]
    backend = load_backend(model, backend_name, file)
    raw, runs = _score_all(backend, references, model)
    assert np.abs(raw - np.asarray(ref["raw"])).max() < tol
    # normalized = sigmoid(raw), applied once; the reference's normalized value agrees
    normalized = np.concatenate([[r.score for r in run.results] for _, run in runs])
    order = np.concatenate([idx for idx, _ in runs])
    assert np.abs(normalized - np.asarray(ref["normalized"])[order]).max() < tol
    half = {"half_precision"} if backend.precision in ("f16", "bf16", "fp16") else set()
    for idx, run in runs:
        assert {w.code for w in run.warnings} - {"truncated"} == half  # f16: within HALF and warned
        for i, r in zip(idx, run.results):
            # token_count is the pair's full length; the reference counts tokens as fed (after the cut)
            if r.truncated:
                assert r.token_count > backend.family.max_length >= ref["token_counts"][i]
            else:
                assert r.token_count == ref["token_counts"][i]
            if "truncated" in ref:
                assert r.truncated == ref["truncated"][i]


@pytest.mark.parametrize("model,backend_name,file", QUANTIZED, ids=lambda v: str(v))
def test_quantized_paths_report_their_drift(load_backend, references, model, backend_name, file):
    from app.core.metrics import drift

    ref = references["models"][model]
    raw, _ = _score_all(load_backend(model, backend_name, file), references, model)
    d = drift(list(ref["raw"]), list(raw))
    print(f"\n{model} {backend_name} {file}: drift vs fp32 reference: {d.summary()}")
    assert np.isfinite(raw).all() and d.max_abs > 0  # quantization changes scores; the drift is measured


def test_token_ids_equal_the_reference_layout(load_backend, references):
    """Each backend lays out pairs exactly as transformers does (GGUF uses llama.cpp's own tokenizer)."""
    for model, backend_name, file, _ in CASES:
        backend = load_backend(model, backend_name, file)
        ref = references["models"][model]
        for i, p in enumerate(references["pairs"]):
            (enc,) = backend.tokenizer.encode_pairs(p["query"], [p["document"]], backend.family.max_length)
            assert list(enc.ids) == ref["input_ids"][i], (model, backend_name, i)
            if "token_type_ids" in ref and enc.type_ids is not None:
                assert list(enc.type_ids) == ref["token_type_ids"][i]


def test_bert_on_llamacpp_is_unfaithful_and_says_so(load_backend, references):
    ref = references["models"]["tiny-bert"]
    stock = load_backend("tiny-bert", "gguf", "gguf/model-f16.gguf")
    raw, runs = _score_all(stock, references, "tiny-bert")
    codes = {w.code for _, run in runs for w in run.warnings}
    assert {"token_types_ignored", "pooler_dropped"} <= codes
    assert np.abs(raw - np.asarray(ref["raw"])).max() > 0.5  # really wrong, not just noisy
    # with the pooler written as cls.weight/cls.bias, llama.cpp matches transformers fed all-zero token types
    pooled = load_backend("tiny-bert", "gguf", "gguf/model-f16-pooler.gguf")
    raw, runs = _score_all(pooled, references, "tiny-bert")
    assert np.abs(raw - np.asarray(ref["raw_zero_token_types"])).max() < HALF
    codes = {w.code for _, run in runs for w in run.warnings}
    assert "token_types_ignored" in codes and "pooler_dropped" not in codes


def test_qwen3_without_template_is_warned(load_backend):
    from app.core.types import ScoreOptions

    b = load_backend("tiny-qwen3-reranker", "onnx", "onnx/model.onnx")
    run = b.score("what is a cat", ["a cat is an animal", "stocks fell"], ScoreOptions(use_template=False))
    assert "no_template" in {w.code for w in run.warnings}


def test_instruction_changes_qwen3_scores(load_backend):
    b = load_backend("tiny-qwen3-reranker", "gguf", "gguf/model-f16.gguf")
    docs = ["a cat is an animal", "stocks fell"]
    default = b.score("what is a cat", docs).raw_scores
    custom = b.score("what is a cat", docs, ScoreOptions(instruction="Find finance news")).raw_scores
    assert default != custom


@pytest.mark.parametrize("model,backend_name,file", [("tiny-bert", "onnx", "onnx/model.onnx"),
                                                     ("tiny-xlmr", "gguf", "gguf/model-f16.gguf"),
                                                     ("tiny-qwen3-reranker", "ct2", "ct2")])
def test_collapsed_outputs_are_flagged(load_backend, model, backend_name, file):
    """The same document three times gives identical scores: the collapse check must fire."""
    run = load_backend(model, backend_name, file).score("query", ["same text"] * 3)
    assert "collapsed" in {w.code for w in run.warnings}
