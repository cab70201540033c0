"""Decoder rerankers on every runtime that can load them, against transformers fp32 laid out the official way.

References (tests/fixtures/models/<model>/reference.json, tools/fixtures/decoders.py) reproduce each family's
official input assembly with the transformers tokenizer: mxbai_rerank's MxbaiRerankV2.prepare_inputs,
FlagEmbedding's FlagLLMReranker, Qwen3-Reranker's reference code, the DeAR model card. Each case is exact, or
explained by a warning naming the cause (checked against a reference computed with that cause), or refused.
"""

from __future__ import annotations

import json
import shutil

import numpy as np
import pytest

from app.backends import registry
from app.core.errors import UnsupportedError
from app.core.types import BackendConfig, ScoreOptions

EXACT = 1e-3  # fp32 paths
F16 = 2e-2  # f16 GGUF weights on these sharpened tiny models (measured 0.009-0.010; f32 GGUF: 3e-6)
TOLERATED = {"truncated"}


def _ref(fixtures_dir, model: str) -> dict:
    return json.loads((fixtures_dir / model / "reference.json").read_text(encoding="utf-8"))


def _score_all(backend, ref: dict, options: ScoreOptions | None = None):
    """Raw scores of every reference pair, each query's documents scored together in batches of 2."""
    pairs = ref["pairs"]
    raw = np.full(len(pairs), np.nan)
    codes: set[str] = set()
    by_query: dict[str, list[int]] = {}
    for i, p in enumerate(pairs):
        by_query.setdefault(p["query"], []).append(i)
    for query, idx in by_query.items():
        run = backend.score(query, [pairs[i]["document"] for i in idx], options or ScoreOptions(batch_size=2))
        raw[idx] = run.raw_scores
        codes |= {w.code for w in run.warnings}
    return raw, codes


# (model, backend, file, reference key, tolerance, warning codes that must be shown)
CASES = [
    ("tiny-mxbai-rerank-v2", "onnx", "onnx/model.onnx", "raw", EXACT, set()),
    ("tiny-mxbai-rerank-v2", "ct2", "ct2", "raw", EXACT, set()),
    ("tiny-mxbai-rerank-v2", "gguf", "gguf/model-f32.gguf", "raw", EXACT, set()),
    ("tiny-mxbai-rerank-v2", "gguf", "gguf/model-f16.gguf", "raw", F16, {"half_precision"}),
    ("tiny-qwen3-seq-cls", "onnx", "onnx/model.onnx", "raw", EXACT, set()),
    ("tiny-llama-seq-cls", "onnx", "onnx/model.onnx", "raw", EXACT, set()),
    ("tiny-bge-gemma", "onnx", "onnx/model.onnx", "raw", EXACT, set()),
    ("tiny-bge-gemma", "ct2", "ct2", "raw", EXACT, set()),
    # llama.cpp's CPU GELU rounds through an f16 table: exact against that, 0.003 off the reference, and says so
    ("tiny-bge-gemma", "gguf", "gguf/model-f32.gguf", "raw_f16_gelu", 2e-4, {"gelu_f16"}),
    ("tiny-bge-gemma", "gguf", "gguf/model-f32.gguf", "raw", 5e-3, {"gelu_f16"}),
    ("tiny-bge-gemma2", "onnx", "onnx/model.onnx", "raw", EXACT, set()),
    # CTranslate2 drops Gemma2's attention soft-capping (warned); the final soft-cap is applied by the app
    ("tiny-bge-gemma2", "ct2", "ct2", "raw_no_attn_softcap", EXACT, {"gemma2_attn_softcap"}),
    ("tiny-bge-gemma2", "gguf", "gguf/model-f16.gguf", "raw", F16, {"gelu_f16", "half_precision"}),
]


@pytest.mark.parametrize("model,backend_name,file,key,tol,codes", CASES, ids=lambda v: str(v))
def test_decoder_matches_official_reference(load_backend, fixtures_dir, model, backend_name, file, key, tol,
                                            codes):
    ref = _ref(fixtures_dir, model)
    backend = load_backend(model, backend_name, file)
    for i, p in enumerate(ref["pairs"]):  # the official token ids, piece by piece, on this runtime's tokenizer
        (enc,) = backend.tokenizer.encode_pairs(p["query"], [p["document"]], backend.family.max_length)
        assert list(enc.ids) == ref["input_ids"][i], (model, backend_name, i)
    raw, shown = _score_all(backend, ref)
    assert np.abs(raw - np.asarray(ref[key])).max() < tol
    assert codes <= shown
    assert not shown - codes - TOLERATED, shown


def test_gemma2_on_ct2_differs_only_by_attention_softcapping(load_backend, fixtures_dir):
    """The measured CT2 gap is the attention soft-cap (warned), not the final soft-cap (applied here)."""
    ref = _ref(fixtures_dir, "tiny-bge-gemma2")
    raw, shown = _score_all(load_backend("tiny-bge-gemma2", "ct2", "ct2"), ref)
    assert np.abs(raw - np.asarray(ref["raw"])).max() > 0.01  # really different from the reference ...
    assert "gemma2_attn_softcap" in shown  # ... and the column says why


def test_mxbai_one_string_tokenization_differs_from_the_official_pieces(fixtures_dir):
    """The old layout (whole prompt tokenized as one string) merges '.\\n' and '?\\n': not the official ids."""
    from app.core.families import MXBAI_PREFIX, MXBAI_SUFFIX, MXBAI_TASK
    from app.core.tokenization import load_tokenizer

    ref = _ref(fixtures_dir, "tiny-mxbai-rerank-v2")
    tok = load_tokenizer(fixtures_dir / "tiny-mxbai-rerank-v2")
    whole = [tok.encode(f"{MXBAI_PREFIX}query: {p['query']}\ndocument: {p['document']}\n{MXBAI_TASK}{MXBAI_SUFFIX}",
                        add_special_tokens=False).ids for p in ref["pairs"]]
    assert sum(w != r for w, r in zip(whole, ref["input_ids"])) >= 6


def test_quantized_decoders_report_drift(load_backend, fixtures_dir):
    from app.core.metrics import drift

    for model, backend_name, file in [("tiny-mxbai-rerank-v2", "onnx", "onnx/model_quantized.onnx"),
                                      ("tiny-mxbai-rerank-v2", "ct2", "ct2-int8"),
                                      ("tiny-mxbai-rerank-v2", "gguf", "gguf/model-q8_0.gguf"),
                                      ("tiny-qwen3-seq-cls", "onnx", "onnx/model_quantized.onnx"),
                                      ("tiny-bge-gemma2", "ct2", "ct2-int8")]:
        ref = _ref(fixtures_dir, model)
        raw, _ = _score_all(load_backend(model, backend_name, file), ref)
        d = drift(list(ref["raw"]), list(raw))
        print(f"\n{model} {backend_name} {file}: drift vs fp32 reference: {d.summary()}")
        assert np.isfinite(raw).all() and d.max_abs > 0


# -- sequence-classification decoders ----------------------------------------------------------------------------
@pytest.mark.parametrize("model", ["tiny-llama-seq-cls", "tiny-qwen3-seq-cls"])
def test_ct2_refuses_a_headless_seq_cls_conversion(fixtures_dir, model):
    """ct2-transformers-converter accepted these and dropped the score head: never score them."""
    with pytest.raises(UnsupportedError, match="drops the score head"):
        registry.load(BackendConfig(str(fixtures_dir / model), "ct2", file="ct2"))
    with pytest.raises(UnsupportedError, match="drops the score head"):  # a family override does not slip past
        registry.load(BackendConfig(str(fixtures_dir / model), "ct2", file="ct2", family="qwen3-reranker"))


def test_ct2_refuses_a_stock_seq_cls_conversion_nested_in_its_checkpoint(fixtures_dir, tmp_path):
    """The converter's own folder (its config.json, no hf_config.json) inside the checkpoint: still refused."""
    src = fixtures_dir / "tiny-qwen3-seq-cls"
    ckpt = tmp_path / "ckpt"
    shutil.copytree(src, ckpt, ignore=shutil.ignore_patterns("onnx", "ct2", "model.safetensors"))
    (ckpt / "ct2-int8").mkdir()
    for name in ("model.bin", "config.json", "vocabulary.json"):
        shutil.copy(src / "ct2" / name, ckpt / "ct2-int8" / name)
    with pytest.raises(UnsupportedError, match="drops the score head"):
        registry.load(BackendConfig(str(ckpt / "ct2-int8"), "ct2"))


def test_gguf_names_the_converter_refusal(fixtures_dir):
    with pytest.raises(UnsupportedError, match="refuses sequence-classification decoders"):
        registry.load(BackendConfig(str(fixtures_dir / "tiny-llama-seq-cls"), "gguf"))


def test_family_override_on_a_seq_cls_onnx_scores_the_head(load_backend, fixtures_dir):
    """--family qwen3-reranker on a Qwen3 -seq-cls export: its prompt, the head's logit (no IndexError)."""
    ref = _ref(fixtures_dir, "tiny-qwen3-seq-cls")
    backend = load_backend("tiny-qwen3-seq-cls", "onnx", "onnx/model.onnx", family="qwen3-reranker")
    assert backend.family.seq_cls and backend.family.prompt.name == "qwen3-reranker"
    raw, shown = _score_all(backend, ref)
    assert np.abs(raw - np.asarray(ref["raw"])).max() < EXACT and not shown


def _without_card(fixtures_dir, tmp_path, model: str):
    dst = tmp_path / "model"
    shutil.copytree(fixtures_dir / model, dst, ignore=shutil.ignore_patterns("ct2*", "README.md"))
    return dst


def test_seq_cls_format_without_a_card_is_a_visible_guess(fixtures_dir, tmp_path):
    folder = _without_card(fixtures_dir, tmp_path, "tiny-llama-seq-cls")
    ref = _ref(fixtures_dir, "tiny-llama-seq-cls")
    guessed = registry.load(BackendConfig(str(folder), "onnx", file="onnx/model.onnx"))
    try:
        assert guessed.family.format_guessed
        _, shown = _score_all(guessed, ref)
        assert "prompt_format_guessed" in shown
    finally:
        guessed.close()
    chosen = registry.load(BackendConfig(str(folder), "onnx", file="onnx/model.onnx", prompt_format="dear"))
    try:
        raw, shown = _score_all(chosen, ref)
        assert "prompt_format_guessed" not in shown
        assert np.abs(raw - np.asarray(ref["raw"])).max() < EXACT
    finally:
        chosen.close()


def test_declared_formats_come_from_the_model_card(load_backend):
    dear = load_backend("tiny-llama-seq-cls", "onnx", "onnx/model.onnx")
    qwen = load_backend("tiny-qwen3-seq-cls", "onnx", "onnx/model.onnx")
    assert (dear.family.prompt.name, dear.family.format_guessed, dear.family.max_length) == ("dear", "", 228)
    assert (qwen.family.prompt.name, qwen.family.format_guessed) == ("qwen3-reranker", "")


# -- mxbai hint --------------------------------------------------------------------------------------------------
def test_mxbai_found_from_the_checkpoint_card_when_the_artifact_is_in_a_subfolder(fixtures_dir, tmp_path):
    """A CT2 folder inside the checkpoint (hf_config.json, no README of its own) is still mxbai v2."""
    ckpt = tmp_path / "a" / "snapshot"  # no folder name within two levels says "mxbai"
    shutil.copytree(fixtures_dir / "tiny-mxbai-rerank-v2", ckpt,
                    ignore=shutil.ignore_patterns("onnx", "gguf", "ct2-int8", "model.safetensors"))
    backend = registry.load(BackendConfig(str(ckpt / "ct2"), "ct2"))
    try:
        assert backend.family.name == "mxbai-v2"
    finally:
        backend.close()
    (ckpt / "README.md").unlink()
    with pytest.raises(UnsupportedError, match="not a known reranker family"):
        registry.load(BackendConfig(str(ckpt / "ct2"), "ct2"))
