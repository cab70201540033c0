"""Published artifacts of the same model (issue 15 §5): real huggingface_hub against the fake Hub's model tree."""

from __future__ import annotations

import json

from app.cli import main
from app.hub.related import related, relation_of

BASE = "acme/bge-tiny"


def _tree(hub_env) -> None:
    hub_env.add_repo(BASE, {"config.json": b'{"model_type": "bert"}', "model.safetensors": b"st" * 100},
                     downloads=5000)
    hub_env.add_repo("quant/bge-tiny-GGUF", {"bge-tiny-Q8_0.gguf": b"GGUF" + b"q" * 3000,
                                             "bge-tiny-Q4_K_M.gguf": b"GGUF" + b"k" * 2000},
                     downloads=900, tags=("gguf", f"base_model:{BASE}", f"base_model:quantized:{BASE}"))
    hub_env.add_repo("onnx/bge-tiny-onnx", {"config.json": b'{"model_type": "bert"}', "tokenizer.json": b"{}",
                                            "onnx/model.onnx": b"o" * 4000,
                                            "onnx/model_quantized.onnx": b"i" * 2000},
                     downloads=300, tags=("onnx", f"base_model:{BASE}"))  # a conversion with no relation stated
    hub_env.add_repo("other/bge-tiny-GGUF", {"bge-tiny-Q8_0.gguf": b"GGUF" + b"z" * 3000}, downloads=50,
                     tags=("gguf", f"base_model:{BASE}", f"base_model:quantized:{BASE}"))
    hub_env.add_repo("fine/bge-tiny-legal", {"config.json": b"{}", "model.safetensors": b"x" * 10},
                     downloads=700, tags=(f"base_model:{BASE}", f"base_model:finetune:{BASE}"))
    hub_env.add_repo("gated/bge-tiny-GGUF", {"m-Q8_0.gguf": b"GGUF" + b"g" * 100}, downloads=10, gated=True,
                     tags=("gguf", f"base_model:{BASE}", f"base_model:quantized:{BASE}"))
    hub_env.add_repo("unrelated/GGUF", {"m-Q8_0.gguf": b"GGUF"}, downloads=99999,
                     tags=("gguf", "base_model:someone/else", "base_model:quantized:someone/else"))


def test_relation_comes_from_the_hub_tags() -> None:
    assert relation_of(["gguf", f"base_model:{BASE}", f"base_model:quantized:{BASE}"], BASE) == "quantized"
    assert relation_of([f"base_model:{BASE}"], BASE) == ""
    assert relation_of([f"base_model:finetune:{BASE.upper()}"], BASE) == "finetune"
    assert relation_of(["base_model:quantized:acme/bge-tiny-v2"], BASE) == ""  # another base, not a prefix match


def test_children_are_grouped_by_format_and_quant_with_sizes(hub_env) -> None:
    _tree(hub_env)
    result = related(BASE)
    assert not result.offline and result.message == ""
    assert [r.repo_id for r in result.repos] == ["quant/bge-tiny-GGUF", "onnx/bge-tiny-onnx", "other/bge-tiny-GGUF",
                                                  "gated/bge-tiny-GGUF"]
    assert [r.repo_id for r in result.others] == ["fine/bge-tiny-legal"]  # a fine-tune is another model
    rows = [(x.format, x.quant, x.repo.repo_id, x.artifact.size) for x in result.artifacts()]
    assert rows == [
        ("gguf", "Q4_K_M", "quant/bge-tiny-GGUF", 2004),
        ("gguf", "Q8_0", "quant/bge-tiny-GGUF", 3004),  # most downloaded first within one quantization
        ("gguf", "Q8_0", "other/bge-tiny-GGUF", 3004),
        ("onnx", "fp32", "onnx/bge-tiny-onnx", 4000 + 22 + 2),
        ("onnx", "int8", "onnx/bge-tiny-onnx", 2000 + 22 + 2),
    ]  # sizes include the artifact's side files (config, tokenizer)
    gated = next(r for r in result.repos if r.repo_id.startswith("gated/"))
    assert gated.artifacts == () and "gated" in gated.error  # listed, with the reason its files are not


def test_no_children_and_offline_are_messages(hub_env, monkeypatch) -> None:
    hub_env.add_repo(BASE, {"config.json": b"{}"})
    result = related(BASE)
    assert result.repos == () and "No quantization or conversion" in result.message
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    offline = related(BASE)
    assert offline.offline and offline.message.startswith("Offline:")


def test_cli_lists_and_pulls_the_most_downloaded_match(hub_env, capsys) -> None:
    _tree(hub_env)
    assert main(["models", "related", BASE]) == 0
    out = capsys.readouterr().out
    assert "GGUF" in out and "ONNX" in out and "quant/bge-tiny-GGUF:bge-tiny-Q8_0.gguf" in out
    assert "fine/bge-tiny-legal (finetune)" in out and "gated/bge-tiny-GGUF: files not listed" in out
    assert main(["models", "related", BASE, "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert {(a["format"], a["quant"]) for a in data["artifacts"]} == {("gguf", "Q8_0"), ("gguf", "Q4_K_M"),
                                                                      ("onnx", "fp32"), ("onnx", "int8")}
    assert main(["models", "related", BASE, "--pull", "gguf:q8_0"]) == 0
    out = capsys.readouterr().out
    assert "downloaded GGUF Q8_0: quant/bge-tiny-GGUF:bge-tiny-Q8_0.gguf" in out
    assert "score --model quant/bge-tiny-GGUF:bge-tiny-Q8_0.gguf --backend gguf" in out
    assert hub_env.gets("bge-tiny-Q8_0.gguf") and not hub_env.gets("bge-tiny-Q4_K_M.gguf")


def test_cli_refuses_a_quant_nobody_published(hub_env, capsys) -> None:
    _tree(hub_env)
    assert main(["models", "related", BASE, "--pull", "gguf:Q2_K"]) == 2
    err = capsys.readouterr().err
    assert "no such artifact is published" in err and "Q4_K_M, Q8_0" in err
    assert main(["models", "related", BASE, "--pull", "safetensors"]) == 2
