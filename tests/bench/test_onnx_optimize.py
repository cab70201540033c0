"""Attention fusion for ONNX: which file runs and why, the cache and its invalidation, same scores."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

from app.backends import onnx_optimize as oo
from app.core.families import ModelFamily

BERT = ModelFamily("bert", "encoder", "bert", "sigmoid", 512, type_vocab_size=2)
CONFIG = {"num_attention_heads": 4, "hidden_size": 32}


def test_reasons_when_nothing_is_fused(tmp_path):
    path = tmp_path / "model.onnx"
    path.write_bytes(b"x")
    qwen = ModelFamily("qwen3-reranker", "decoder", "qwen3", "yes_no", 8192)
    deberta = ModelFamily("deberta-v2", "encoder", "deberta-v2", "sigmoid", 512)
    assert oo.choose_graph(path, BERT, CONFIG, "fp32", enabled=False).note == "graph optimization off"
    # the default on CPU: the plain graph (fusion measured no faster there), saying how to compare
    auto = oo.choose_graph(path, BERT, CONFIG, "fp32")
    assert auto.path == path and "off by default on CPU" in auto.note
    assert "BERT-family" in oo.choose_graph(path, qwen, CONFIG, "fp32", enabled=True).note
    assert "BERT-family" in oo.choose_graph(path, deberta, CONFIG, "fp32", enabled=True).note
    assert "int8 file run as it is" in oo.choose_graph(path, BERT, CONFIG, "int8", enabled=True).note
    assert "lacks num_attention_heads" in oo.choose_graph(path, BERT, {}, "fp32", enabled=True).note
    for family, precision in ((qwen, "fp32"), (BERT, "int8")):
        assert oo.choose_graph(path, family, CONFIG, precision, enabled=True).path == path
    assert list(tmp_path.iterdir()) == [path]  # nothing written


def test_fusion_default_is_on_for_cuda_only():
    assert not oo.fusion_wanted(None, "cpu") and oo.fusion_wanted(None, "cuda")
    assert oo.fusion_wanted(True, "cpu") and not oo.fusion_wanted(False, "cuda")


def test_cache_beside_the_model_or_in_the_app_cache(tmp_path):
    local = tmp_path / "m" / "onnx" / "model.onnx"
    local.parent.mkdir(parents=True)
    assert oo.cache_target(local) == local.with_name("model.onnx.fused")
    hf = tmp_path / "hub" / "models--org--name" / "snapshots" / "abc" / "onnx" / "model.onnx"
    hf.parent.mkdir(parents=True)
    target = oo.cache_target(hf)
    assert target.parent == Path(os.environ["RERANK_PLAYGROUND_HOME"]) / "cache" / "onnx-fused"
    assert oo.cache_target(hf.with_name("other.onnx")) != target
    assert not str(target).endswith(".onnx")  # model-folder scans for *.onnx never pick it up


def test_sidecar_is_invalidated_when_the_source_changes(tmp_path):
    src = tmp_path / "model.onnx"
    src.write_bytes(b"graph-v1")
    target = oo.cache_target(src)
    target.write_bytes(b"fused")
    sidecar = target.with_name(target.name + ".json")
    sidecar.write_text(json.dumps({"source": oo._source_key(src), "fused": {"Attention": 2}}))
    assert oo._read_sidecar(src, target) == {"Attention": 2}
    src.write_bytes(b"graph-version-2")
    assert oo._read_sidecar(src, target) is None
    sidecar.write_text("{not json")
    assert oo._read_sidecar(src, target) is None


@pytest.fixture()
def tiny_bert(fixtures_dir, tmp_path):
    src = fixtures_dir / "tiny-bert"
    if not (src / "onnx" / "model.onnx").is_file():
        pytest.skip("tiny-bert fixture not generated yet (branch fixtures)")
    pytest.importorskip("onnx", reason="the ONNX graph optimizer needs the onnx package")
    pytest.importorskip("sympy", reason="the ONNX graph optimizer needs sympy")
    dst = tmp_path / "tiny-bert"
    shutil.copytree(src, dst, ignore=shutil.ignore_patterns("gguf", "ct2*", "*.fused*"))
    return dst


def test_fused_graph_runs_gives_the_same_scores_and_is_cached(tiny_bert):
    from app.backends import registry
    from app.core.types import BackendConfig

    docs = ["a short document", "another document that is a little longer than the first one", "x"]
    plain = registry.load(BackendConfig(str(tiny_bert), "onnx", file="onnx/model.onnx", optimize=False))
    fused = registry.load(BackendConfig(str(tiny_bert), "onnx", file="onnx/model.onnx", optimize=True))
    assert fused.artifact.endswith("model.onnx.fused"), fused.notes
    assert fused.notes[0].startswith("fused: ") and "Attention" in fused.notes[0]
    assert fused.score("query", docs).raw_scores == pytest.approx(plain.score("query", docs).raw_scores,
                                                                 abs=1e-4)
    cached = registry.load(BackendConfig(str(tiny_bert), "onnx", file="onnx/model.onnx", optimize=True))
    assert cached.notes == fused.notes and cached.load_ms < fused.load_ms
    for b in (plain, fused, cached):
        b.close()
