"""Dynamically quantized ONNX graphs (quantize_dynamic: one activation scale per batch tensor) score each pair
alone by default, so a score never depends on the other documents; batching is an explicit, warned option."""

from __future__ import annotations

import pytest

from app.backends import registry
from app.backends.onnx import is_dynamically_quantized
from app.core.types import BackendConfig, ScoreOptions
from app.paths import starter_model_dir

QUERY = "what is a cat"
DOCS = ["a cat is a small animal that purrs", "the stock market fell sharply on monday after the report",
        "cats and dogs", "bake the bread for forty minutes until the crust is golden brown and crisp"]


def _int8_models(fixtures_dir):
    out = [(fixtures_dir / "tiny-bert", "onnx/model_quantized.onnx"),
           (fixtures_dir / "tiny-distilbert", "onnx/model_quantized.onnx")]
    starter = starter_model_dir()
    if starter is not None and (starter / "onnx" / "model_quantized.onnx").is_file():
        out.append((starter, "onnx/model_quantized.onnx"))
    return out


def test_dynamic_quantization_is_detected(fixtures_dir):
    assert is_dynamically_quantized(fixtures_dir / "tiny-bert" / "onnx" / "model_quantized.onnx")
    assert not is_dynamically_quantized(fixtures_dir / "tiny-bert" / "onnx" / "model.onnx")


def test_a_pair_scores_the_same_alone_and_in_a_batch(fixtures_dir):
    for folder, file in _int8_models(fixtures_dir):
        backend = registry.load(BackendConfig(str(folder), "onnx", file=file))
        try:
            assert backend.batch_dependent
            alone = [backend.score(QUERY, [d]).raw_scores[0] for d in DOCS]
            together = backend.score(QUERY, DOCS)
            assert together.raw_scores == alone, folder.name  # bit for bit: one pair per run
            assert "batch_dependent" not in {w.code for w in together.warnings}
            batched = backend.score(QUERY, DOCS, ScoreOptions(batch_dynamic_quant=True))
            assert "batch_dependent" in {w.code for w in batched.warnings}
        finally:
            backend.close()


def test_batching_really_changes_int8_scores_which_is_why_it_is_off(fixtures_dir):
    backend = registry.load(BackendConfig(str(fixtures_dir / "tiny-bert"), "onnx", file="onnx/model_quantized.onnx"))
    try:
        alone = backend.score(QUERY, DOCS).raw_scores
        batched = backend.score(QUERY, DOCS, ScoreOptions(batch_dynamic_quant=True, batch_tokens=0)).raw_scores
        assert max(abs(a - b) for a, b in zip(alone, batched)) > 1e-4
    finally:
        backend.close()


@pytest.mark.parametrize("file", ["onnx/model.onnx"])
def test_fp32_graphs_keep_batching(fixtures_dir, file):
    backend = registry.load(BackendConfig(str(fixtures_dir / "tiny-bert"), "onnx", file=file))
    try:
        assert not backend.batch_dependent
        run = backend.score(QUERY, DOCS)
        assert "batch_dependent" not in {w.code for w in run.warnings}
    finally:
        backend.close()
