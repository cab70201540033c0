"""Artifact grouping and choice: pure functions over file lists."""

import pytest

from app.core.errors import BadInputError
from app.hub import UnsafeFileNameError, choose
from app.hub.artifacts import HubFile, gguf_quant, group, onnx_quant


def _group(names, size=10):
    return group([HubFile(n, size) for n in names])


@pytest.mark.parametrize("name,quant", [
    ("bge-reranker-v2-m3-Q4_K_M.gguf", "Q4_K_M"), ("gguf/model-q8_0.gguf", "Q8_0"), ("model-f16.gguf", "F16"),
    ("x.IQ4_XS.gguf", "IQ4_XS"), ("m-BF16-00001-of-00002.gguf", "BF16"), ("model-f16-pooler.gguf", "F16"),
    ("Qwen3-Reranker-0.6B.Q5_K_S.gguf", "Q5_K_S"), ("weird.gguf", "unknown"),
])
def test_gguf_quant_from_name(name, quant):
    assert gguf_quant(name) == quant


@pytest.mark.parametrize("name,quant", [
    ("onnx/model.onnx", "fp32"), ("onnx/model_fp16.onnx", "fp16"), ("onnx/model_O1.onnx", "O1"),
    ("onnx/model_O4.onnx", "O4 (fp16)"), ("onnx/model_qint8_avx512.onnx", "int8 (avx512)"),
    ("onnx/model_qint8_avx512_vnni.onnx", "int8 (avx512-vnni)"), ("onnx/model_quint8_avx2.onnx", "uint8 (avx2)"),
    ("onnx/model_qint8_arm64.onnx", "int8 (arm64)"), ("onnx/model_quantized.onnx", "int8"),
])
def test_onnx_variants_from_facts(name, quant):
    assert onnx_quant(name) == quant


def test_grouping_by_format_with_side_files_and_backends():
    g = _group(["config.json", "tokenizer.json", "tokenizer_config.json", "onnx/model.onnx",
                "onnx/model.onnx_data", "a-Q8_0.gguf", "ct2/model.bin", "ct2/config.json", "ct2/classifier_head.npz",
                "model.safetensors", "pytorch_model.bin"])
    by = {a.name: a for a in g.artifacts}
    assert [a.format for a in g.artifacts] == ["gguf", "onnx", "ct2", "safetensors"]
    assert by["onnx/model.onnx"].files == ("onnx/model.onnx", "onnx/model.onnx_data", "config.json",
                                           "tokenizer.json", "tokenizer_config.json")
    assert by["onnx/model.onnx"].size == 50 and by["onnx/model.onnx"].backends == ("onnx",)
    assert by["a-Q8_0.gguf"].files == ("a-Q8_0.gguf",) and by["a-Q8_0.gguf"].backends == ("gguf",)
    ct2 = by["ct2"]
    assert ct2.backends == ("ct2",) and "ct2/classifier_head.npz" in ct2.files and "tokenizer.json" in ct2.files
    assert "config.json" in ct2.files  # no hf_config.json inside: the root config is fetched too
    assert by["model.safetensors"].backends == () and "convert first" in by["model.safetensors"].notes[0]
    assert g.skipped == ("pytorch_model.bin: pickle file, never downloaded or loaded",)


def test_ct2_without_head_and_onnx_without_tokenizer_are_flagged():
    g = _group(["config.json", "onnx/model.onnx", "ct2/model.bin", "ct2/config.json"])
    onnx, ct2 = g.artifacts
    assert onnx.backends == () and any("tokenizer.json" in n for n in onnx.notes)
    assert any("classifier_head.npz" in n for n in ct2.notes)


def test_split_gguf_is_one_artifact():
    g = _group(["m-Q8_0-00001-of-00002.gguf", "m-Q8_0-00002-of-00002.gguf", "mmproj-f16.gguf"])
    assert len(g.artifacts) == 1
    assert g.artifacts[0].weights == ("m-Q8_0-00001-of-00002.gguf", "m-Q8_0-00002-of-00002.gguf")


@pytest.mark.parametrize("bad", ["../evil.gguf", "a/../../evil.onnx", "/etc/passwd.gguf", "a\\..\\b.gguf",
                                 "C:/x.gguf", "a//b.gguf", ".git/config.gguf"])
def test_unsafe_names_are_skipped_and_refused(bad):
    g = _group(["ok-Q8_0.gguf", bad])
    assert [a.name for a in g.artifacts] == ["ok-Q8_0.gguf"]
    assert "unsafe file name" in g.skipped[0]
    with pytest.raises(UnsafeFileNameError, match="Refused file name"):
        choose(g.artifacts, file=bad)


def test_choose_by_file_format_quant_and_defaults():
    arts = _group(["config.json", "tokenizer.json", "onnx/model.onnx", "onnx/model_quantized.onnx",
                   "onnx/model_qint8_avx512.onnx", "a-Q4_K_M.gguf", "a-Q8_0.gguf", "a-F16.gguf"]).artifacts
    assert choose(arts, file="onnx/model_quantized.onnx").name == "onnx/model_quantized.onnx"
    assert choose(arts, fmt="gguf").quant == "Q8_0"
    assert choose(arts, fmt="gguf", quant="q4_k_m").name == "a-Q4_K_M.gguf"
    assert choose(arts, fmt="onnx").name == "onnx/model.onnx"
    assert choose(arts, fmt="onnx", quant="int8").name == "onnx/model_quantized.onnx"  # exact label wins
    assert choose(arts, fmt="onnx", quant="avx512").name == "onnx/model_qint8_avx512.onnx"
    with pytest.raises(BadInputError, match="Choose one with --file"):
        choose(arts)
    with pytest.raises(BadInputError, match="No CT2 artifact"):
        choose(arts, fmt="ct2")
    with pytest.raises(BadInputError, match="pickle"):
        choose(arts, file="pytorch_model.bin")


def test_stock_ct2_folder_downloads_the_checkpoint_safetensors_for_its_head():
    """A ct2-transformers-converter folder inside its checkpoint: the head comes from model.safetensors."""
    g = _group(["config.json", "tokenizer.json", "model.safetensors", "ct2-int8/model.bin", "ct2-int8/config.json",
                "ct2-int8/vocabulary.json"])
    ct2 = next(a for a in g.artifacts if a.format == "ct2")
    assert "model.safetensors" in ct2.files and "tokenizer.json" in ct2.files and "config.json" in ct2.files
    assert any("read from model.safetensors" in n for n in ct2.notes)
