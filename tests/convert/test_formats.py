"""Convert's rules and GGUF repairs, without torch: which formats a family gets, and the rewritten GGUF keys."""

from __future__ import annotations

import io
import tarfile

import numpy as np
import pytest

from app.backends.gguf_meta import read_gguf
from app.convert import gguf_export, llama_tools
from app.convert.formats import TARGETS, parse_targets, plan
from app.core.errors import BadInputError
from app.core.families import detect_from_config, family_by_name


def _names(targets):
    return {t.name for t in targets}


def test_parse_targets():
    assert parse_targets(None) is None
    assert _names(parse_targets("onnx:fp32, gguf:q8_0")) == {"onnx:fp32", "gguf:q8_0"}
    assert _names(parse_targets("ct2")) == {"ct2:fp32", "ct2:int8", "ct2:int8_float16"}
    with pytest.raises(BadInputError, match="unknown format 'gguf:q2_k'"):
        parse_targets("gguf:q2_k")
    with pytest.raises(BadInputError, match="at least one"):
        parse_targets(" , ")


def test_deberta_gets_onnx_only_with_the_reasons():
    targets, skipped = plan(family_by_name("deberta-v2"), {}, None)
    assert _names(targets) == {"onnx:fp32", "onnx:fp16", "onnx:int8"}
    reasons = {t.name: why for t, why in skipped}
    assert "no converter for deberta-v2" in reasons["ct2:int8"]
    assert "no path for deberta-v2" in reasons["gguf:q8_0"]


def test_bert_with_token_types_leaves_gguf_out_by_default_but_writes_it_when_asked():
    family = detect_from_config({"model_type": "bert", "architectures": ["BertForSequenceClassification"],
                                 "type_vocab_size": 2})
    targets, skipped = plan(family, {}, None)
    assert _names(targets) == {n for n in TARGETS if not n.startswith("gguf")}
    assert all("token type 0" in why and "--to gguf" in why for _, why in skipped)
    targets, skipped = plan(family, {}, parse_targets("gguf:q8_0"))
    assert _names(targets) == {"gguf:q8_0"} and not skipped


def test_other_families():
    distil = detect_from_config({"model_type": "distilbert", "architectures": ["DistilBertForSequenceClassification"]})
    _, skipped = plan(distil, {}, None)
    assert {t.runtime for t, _ in skipped} == {"gguf"} and "ReLU" in skipped[0][1]
    modern = detect_from_config({"model_type": "modernbert", "architectures": ["ModernBertForSequenceClassification"]})
    targets, skipped = plan(modern, {}, None)
    assert {t.runtime for t in targets} == {"onnx", "gguf"} and {t.runtime for t, _ in skipped} == {"ct2"}
    seq = detect_from_config({"model_type": "llama", "architectures": ["LlamaForSequenceClassification"]})
    targets, skipped = plan(seq, {}, None)
    assert {t.runtime for t in targets} == {"onnx"}
    assert any("drops a decoder's sequence-classification head" in why for _, why in skipped)
    qwen = detect_from_config({"model_type": "qwen3", "architectures": ["Qwen3ForCausalLM"]})
    assert _names(plan(qwen, {}, None)[0]) == set(TARGETS)
    gemma2 = detect_from_config({"model_type": "gemma2", "architectures": ["Gemma2ForCausalLM"]})
    targets, skipped = plan(gemma2, {}, None)
    assert {t.runtime for t, _ in skipped} == {"ct2"} and "soft-capping" in skipped[0][1]


def test_pre_tokenizer_fallback_follows_the_vocabulary(fixtures_dir, tmp_path):
    assert gguf_export.fallback_pre(fixtures_dir / "tiny-bert") == "default"  # WordPiece: llama.cpp ignores it
    assert gguf_export.fallback_pre(fixtures_dir / "tiny-xlmr") == "default"  # Unigram
    assert gguf_export.fallback_pre(fixtures_dir / "tiny-qwen3-reranker") == "qwen2"  # Qwen2's exact regex
    (tmp_path / "tokenizer.json").write_text('{"model": {"type": "BPE"}, "pre_tokenizer": {"type": "Split", '
                                             '"pattern": {"Regex": "\\\\w+"}}}', encoding="utf-8")
    assert gguf_export.fallback_pre(tmp_path) == "-"  # an unknown BPE split: refused, never guessed


def test_bert_repairs_move_a_two_label_head_and_add_the_pooler():
    pooler = {"bert.pooler.dense.weight": np.eye(4, dtype=np.float32), "bert.pooler.dense.bias": np.ones(4)}
    rename, extra, keys, notes = gguf_export.repairs("bert", {"hidden_size": 4}, lambda names: pooler,
                                                     {"cls.weight": (4, 2), "cls.bias": (2,)})
    assert rename == {"cls.weight": "cls.output.weight", "cls.bias": "cls.output.bias"}
    assert keys == {"bert.classifier.output_labels": ["LABEL_0", "LABEL_1"]}
    assert set(extra) == {"cls.weight", "cls.bias"} and len(notes) == 2
    rename, _, keys, _ = gguf_export.repairs("bert", {"hidden_size": 4}, lambda names: pooler,
                                             {"cls.output.weight": (4, 1)})
    assert rename == {} and keys == {}
    _, _, keys, _ = gguf_export.repairs("modernbert", {"norm_eps": 1e-5}, lambda names: {}, {})
    assert keys == {"modern-bert.attention.layer_norm_epsilon": 1e-5}


def test_rewrite_copies_everything_and_applies_the_repairs(fixtures_dir, tmp_path):
    src = fixtures_dir / "tiny-bert" / "gguf" / "model-f16.gguf"
    meta, shapes, _ = read_gguf(src)
    pooler = np.arange(32 * 32, dtype=np.float32).reshape(32, 32)
    dst = tmp_path / "fixed.gguf"
    gguf_export.rewrite(src, dst, {"cls.output.bias": "cls.output.bias"},
                        {"cls.weight": pooler, "cls.bias": np.zeros(32)},
                        {"bert.classifier.output_labels": ["LABEL_0"], "bert.attention.layer_norm_epsilon": 1e-6})
    new_meta, new_shapes, _ = read_gguf(dst)
    assert new_shapes == {**shapes, "cls.weight": (32, 32), "cls.bias": (32,)}
    assert new_meta["bert.attention.layer_norm_epsilon"].startswith("1e-06") or \
        float(new_meta["bert.attention.layer_norm_epsilon"]) == pytest.approx(1e-6)
    assert {k for k in meta if k != "bert.attention.layer_norm_epsilon"} <= set(new_meta)


def _tar(entries: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as tar:
        for name, data in entries.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return buf.getvalue()


def test_sdist_extraction_keeps_only_the_converter(tmp_path):
    archive = tmp_path / "llama_cpp_python-9.9.9.tar.gz"
    root = "llama_cpp_python-9.9.9/vendor/llama.cpp/"
    archive.write_bytes(_tar({root + "convert_hf_to_gguf.py": b"print()", root + "conversion/__init__.py": b"",
                              root + "gguf-py/gguf/__init__.py": b"", root + "ggml/src/big.c": b"x" * 100,
                              root + "conversion/../../../../escape.py": b"no"}))
    dest = tmp_path / "tree"
    llama_tools._extract(archive, dest)
    assert llama_tools.is_tree(dest)
    assert not (dest / "ggml").exists() and not (tmp_path / "escape.py").exists()


def test_converter_tree_override_is_checked(monkeypatch, tmp_path):
    from app.core.errors import BackendUnavailableError

    monkeypatch.setenv(llama_tools.ENV_DIR, str(tmp_path))
    with pytest.raises(BackendUnavailableError, match="not a llama.cpp source tree"):
        llama_tools.cached_tree()
