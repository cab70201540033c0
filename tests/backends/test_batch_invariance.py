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


def test_ct2_int8_scores_each_pair_alone_by_default():
    """CTranslate2 int8 on the CPU: the same pair alone and in a batch of 16+ differed by up to 0.15 logits."""
    import json

    starter = starter_model_dir()
    if starter is None or not (starter / "ct2-int8" / "model.bin").is_file():
        pytest.skip("the starter model is not in this checkout")
    row = json.loads((starter.parents[1] / "eval" / "debian-heldout.jsonl").read_text(encoding="utf-8")
                     .splitlines()[0])
    docs = [d if isinstance(d, str) else d["text"] for d in row["documents"]]
    backend = registry.load(BackendConfig(str(starter), "ct2", file="ct2-int8", threads=2))
    try:
        assert backend.batch_dependent
        alone = [backend.score(row["query"], [d]).raw_scores[0] for d in docs]
        together = backend.score(row["query"], docs)
        assert together.raw_scores == alone and "batch_dependent" not in {w.code for w in together.warnings}
        batched = backend.score(row["query"], docs, ScoreOptions(batch_dynamic_quant=True, batch_tokens=0))
        assert "batch_dependent" in {w.code for w in batched.warnings}
        assert "CTranslate2" in next(w.message for w in batched.warnings if w.code == "batch_dependent")
    finally:
        backend.close()
