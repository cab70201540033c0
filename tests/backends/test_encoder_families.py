"""DistilBERT, ModernBERT, DeBERTa-v2, ELECTRA and 2-label BERT on every runtime that loads them, against their
transformers fp32 references (tests/fixtures/models/<name>/reference.json, tools/fixtures/encoders.py).

Each combination is faithful (fp32 within 1e-3), or carries a warning naming the cause, or is refused in one line
naming the cause. ModernBERT's GGUF is checked to 5e-3 and warned (gelu_f16): llama.cpp's CPU GELU reads an f16
lookup table (ggml-cpu vec.h GGML_GELU_FP16), 2-3e-3 on this sharpened tiny model; f16 weights add their rounding
(HALF, as for tiny-xlmr).
"""

from __future__ import annotations

import json
import shutil

import numpy as np
import pytest

from app.backends import registry
from app.core.errors import ModelLoadError, UnsupportedError
from app.core.types import BackendConfig, ScoreOptions

EXACT = 1e-3
GGUF_F32 = 5e-3
HALF = 2e-2

FAITHFUL = [
    ("tiny-distilbert", "onnx", "onnx/model.onnx", EXACT),
    ("tiny-distilbert", "ct2", "ct2", EXACT),  # stock ct2-transformers-converter folder, head from safetensors
    ("tiny-modernbert", "onnx", "onnx/model.onnx", EXACT),
    ("tiny-modernbert", "gguf", "gguf/model-f32-fixed.gguf", GGUF_F32),  # warned: gelu_f16
    ("tiny-modernbert", "gguf", "gguf/model-f16-fixed.gguf", HALF),
    ("tiny-deberta-v2", "onnx", "onnx/model.onnx", EXACT),
    ("tiny-electra", "onnx", "onnx/model.onnx", EXACT),
    ("tiny-bert-2label", "onnx", "onnx/model.onnx", EXACT),
    ("tiny-bert-2label", "ct2", "ct2", EXACT),
]
QUANTIZED = [
    ("tiny-distilbert", "onnx", "onnx/model_quantized.onnx"),
    ("tiny-distilbert", "ct2", "ct2-int8"),
    ("tiny-modernbert", "onnx", "onnx/model_quantized.onnx"),
    ("tiny-deberta-v2", "onnx", "onnx/model_quantized.onnx"),
    ("tiny-electra", "onnx", "onnx/model_quantized.onnx"),
    ("tiny-bert-2label", "onnx", "onnx/model_quantized.onnx"),
    ("tiny-bert-2label", "ct2", "ct2-int8"),
]


def _ref(fixtures_dir, model: str) -> dict:
    return json.loads((fixtures_dir / model / "reference.json").read_text(encoding="utf-8"))


def _score_all(backend, ref: dict):
    """Raw scores of every reference pair, each query's documents scored together in small batches."""
    pairs = ref["pairs"]
    raw = np.full(len(pairs), np.nan)
    by_query: dict[str, list[int]] = {}
    for i, p in enumerate(pairs):
        by_query.setdefault(p["query"], []).append(i)
    runs = []
    for query, idx in by_query.items():
        run = backend.score(query, [pairs[i]["document"] for i in idx], ScoreOptions(batch_size=2))
        raw[idx] = run.raw_scores
        runs.append(run)
    return raw, runs


@pytest.mark.parametrize("model,backend_name,file,tol", FAITHFUL, ids=lambda v: str(v))
def test_faithful_where_the_runtime_can_be(load_backend, fixtures_dir, model, backend_name, file, tol):
    ref = _ref(fixtures_dir, model)
    backend = load_backend(model, backend_name, file)
    raw, runs = _score_all(backend, ref)
    assert np.abs(raw - np.asarray(ref["raw"])).max() < tol
    assert backend.family.num_labels == ref["num_labels"]
    expected = {"truncated"} | ({"gelu_f16"} if model == "tiny-modernbert" and backend_name == "gguf" else set())
    expected |= {"half_precision"} if backend.precision in ("f16", "bf16", "fp16") else set()
    assert {w.code for run in runs for w in run.warnings} - {"truncated"} == expected - {"truncated"}
    for i, p in enumerate(ref["pairs"]):  # the pair layout is the reference tokenizer's, id for id
        (enc,) = backend.tokenizer.encode_pairs(p["query"], [p["document"]], backend.family.max_length)
        assert list(enc.ids) == ref["input_ids"][i]


@pytest.mark.parametrize("model,backend_name,file", QUANTIZED, ids=lambda v: str(v))
def test_quantized_paths_score_and_report_drift(load_backend, fixtures_dir, model, backend_name, file):
    from app.core.metrics import drift

    ref = _ref(fixtures_dir, model)
    raw, _ = _score_all(load_backend(model, backend_name, file), ref)
    d = drift(list(ref["raw"]), list(raw))
    print(f"\n{model} {backend_name} {file}: drift vs fp32 reference: {d.summary()}")
    assert np.isfinite(raw).all() and 0 < d.max_abs < 1.0


def test_two_labels_read_from_the_head_when_config_has_no_id2label(fixtures_dir, load_backend, tmp_path):
    """transformers 5 writes no id2label for 2 labels: the label count comes from the weights."""
    config = json.loads((fixtures_dir / "tiny-bert-2label" / "config.json").read_text())
    assert "id2label" not in config and "num_labels" not in config
    for backend_name, file in (("onnx", "onnx/model.onnx"), ("ct2", "ct2")):
        family = load_backend("tiny-bert-2label", backend_name, file).family
        assert (family.num_labels, family.score_rule) == (2, "softmax")
    # without model.safetensors the ONNX graph's output shape says it
    folder = tmp_path / "m"
    shutil.copytree(fixtures_dir / "tiny-bert-2label" / "onnx", folder / "onnx")
    for name in ("config.json", "tokenizer.json", "tokenizer_config.json"):
        shutil.copy(fixtures_dir / "tiny-bert-2label" / name, folder / name)
    b = registry.load(BackendConfig(str(folder), "onnx", file="onnx/model.onnx"))
    assert b.family.num_labels == 2 and "softmax" in b.score("q", ["d"]).score_rule


def test_distilbert_gguf_is_warned(load_backend, fixtures_dir):
    """llama.cpp runs DistilBERT as BERT: tanh after pre_classifier instead of ReLU."""
    ref = _ref(fixtures_dir, "tiny-distilbert")
    for file in ("gguf/model-f32.gguf", "gguf/model-f16.gguf"):
        backend = load_backend("tiny-distilbert", "gguf", file)
        assert backend.family.name == "distilbert"
        raw, runs = _score_all(backend, ref)
        assert np.abs(raw - np.asarray(ref["raw"])).max() > 0.5  # really wrong
        for run in runs:
            codes = {w.code for w in run.warnings}
            assert "distilbert_tanh" in codes and "pooler_dropped" not in codes


def test_bert_2label_gguf_fixed_by_naming_labels_still_warns_bert_causes(load_backend, fixtures_dir):
    backend = load_backend("tiny-bert-2label", "gguf", "gguf/model-f32-fixed.gguf")
    assert backend.family.num_labels == 2
    _, runs = _score_all(backend, _ref(fixtures_dir, "tiny-bert-2label"))
    assert {"token_types_ignored", "pooler_dropped"} <= {w.code for w in runs[0].warnings}


@pytest.mark.parametrize("model,pattern", [
    ("tiny-modernbert", r"layer_norm_rms_epsilon.*layer_norm_epsilon.*Fix: add \"layer_norm_eps\""),
    ("tiny-bert-2label", r"2-label classifier in 'cls.weight' \(shape \[32, 2\]\).*id2label"),
])
def test_stock_conversions_llama_cpp_cannot_load_name_the_cause(fixtures_dir, model, pattern):
    for file in ("gguf/model-f32.gguf", "gguf/model-f16.gguf"):
        with pytest.raises(ModelLoadError, match=pattern) as info:
            registry.load(BackendConfig(str(fixtures_dir / model), "gguf", file=file))
        assert "newer llama.cpp" not in str(info.value)


def test_modernbert_context_is_a_multiple_of_256(load_backend):
    from app.backends.gguf_checks import context_size

    assert context_size("modern-bert", 520) == 768 and context_size("modern-bert", 8200) == 8448
    assert context_size("modern-bert", 512) == 512 and context_size("bert", 136) == 136
    backend = load_backend("tiny-modernbert", "gguf", "gguf/model-f32-fixed.gguf")
    assert backend.n_ctx % 256 == 0 and backend.n_ctx >= backend.family.max_length


@pytest.mark.parametrize("model_type,arch", [("electra", "ElectraForSequenceClassification")])
def test_ct2_refuses_electra(fixtures_dir, tmp_path, model_type, arch):
    folder = tmp_path / "ct2"
    shutil.copytree(fixtures_dir / "tiny-bert" / "ct2", folder)
    (folder / "hf_config.json").write_text(json.dumps({"model_type": model_type, "architectures": [arch]}))
    with pytest.raises(UnsupportedError, match="not supported by CTranslate2, because"):
        registry.load(BackendConfig(str(folder), "ct2"))


def test_gguf_with_nan_weights_is_an_error(fixtures_dir, tmp_path, capsys):
    """A corrupt GGUF (NaN tensors) must not rank: the run fails naming the cause."""
    from gguf import GGUFReader

    src = fixtures_dir / "tiny-xlmr" / "gguf" / "model-f16.gguf"
    bad = tmp_path / "nan.gguf"
    shutil.copy(src, bad)
    reader = GGUFReader(str(src))
    tensor = next(t for t in reader.tensors if t.name.endswith("norm.weight") and t.tensor_type.name == "F32")
    with bad.open("r+b") as fh:
        fh.seek(tensor.data_offset)
        fh.write(np.full(int(tensor.n_elements), np.nan, dtype=np.float32).tobytes())
    shutil.copy(fixtures_dir / "tiny-xlmr" / "tokenizer.json", tmp_path / "tokenizer.json")
    backend = registry.load(BackendConfig(str(bad), "gguf"))
    try:
        with pytest.raises(ModelLoadError, match=r"non-finite scores .* for 3 of 3 pairs"):
            backend.score("what is a cat", ["a cat", "a dog", "stocks"])
    finally:
        backend.close()
    from app.cli import main

    rc = main(["score", "--model", str(bad), "--backend", "gguf", "--query", "cat", "--doc", "a cat", "--json"])
    captured = capsys.readouterr()
    assert rc == 2 and captured.out == "" and "non-finite scores" in captured.err


def test_json_never_holds_nan():
    from app.core.types import DocResult, ScoreRun, Timings

    run = ScoreRun("m", "onnx", "cpu", "bert", "sigmoid(logit)",
                   (DocResult(0, float("nan"), float("nan"), 3, False), DocResult(1, 1.0, 0.73, 3, False)),
                   Timings())
    text = json.dumps(run.to_json(), allow_nan=False)  # raises on NaN
    assert json.loads(text)["results"][1]["raw_score"] is None


@pytest.mark.parametrize("model", ["tiny-modernbert", "tiny-bert-2label"])
def test_repaired_stock_gguf_scores_like_the_fixed_conversion(fixtures_dir, tmp_path, model):
    from app.backends.gguf_repair import repair

    dst = tmp_path / "model-f32-repaired.gguf"
    changes = repair(fixtures_dir / model / "gguf" / "model-f32.gguf", dst)
    assert changes and dst.is_file()
    assert repair(fixtures_dir / model / "gguf" / "model-f32-fixed.gguf", tmp_path / "none.gguf") == []
    ref = _ref(fixtures_dir, model)
    scores = []
    for path in (dst, fixtures_dir / model / "gguf" / "model-f32-fixed.gguf"):
        backend = registry.load(BackendConfig(str(path), "gguf"))
        try:
            scores.append([backend.score(p["query"], [p["document"]]).raw_scores[0] for p in ref["pairs"]])
        finally:
            backend.close()
    assert np.abs(np.asarray(scores[0]) - np.asarray(scores[1])).max() < 1e-6
