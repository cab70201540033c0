"""Folders made by ct2-transformers-converter as a user runs it: CT2's own config.json, no head, no tokenizer.

Inside the checkpoint (MODEL/ct2-int8) they load with no extra file; elsewhere the checkpoint is named once
(BackendConfig.checkpoint, CLI --checkpoint, GUI 'Checkpoint (CT2)'). The head comes from model.safetensors,
never from a pickle, and CT2's config.json is never read as the transformers one.
"""

from __future__ import annotations

import json
import shutil

import numpy as np
import pytest

from app.backends import registry
from app.backends.checkpoint import head_labels, head_tensors, read_tensors
from app.backends.ct2 import is_ct2_config
from app.cli import main
from app.core.errors import BadInputError, ModelLoadError
from app.core.types import BackendConfig

MODEL = "tiny-distilbert"


def _ref(fixtures_dir):
    return json.loads((fixtures_dir / MODEL / "reference.json").read_text(encoding="utf-8"))


def test_the_fixture_is_a_stock_conversion(fixtures_dir):
    folder = fixtures_dir / MODEL / "ct2"
    assert is_ct2_config(folder / "config.json")
    assert not (folder / "classifier_head.npz").exists() and not (folder / "tokenizer.json").exists()
    assert not is_ct2_config(fixtures_dir / MODEL / "config.json")


def test_moved_out_of_its_checkpoint_it_names_the_option(fixtures_dir, tmp_path):
    moved = tmp_path / "ct2"
    shutil.copytree(fixtures_dir / MODEL / "ct2", moved)
    with pytest.raises(ModelLoadError, match=r"made by ct2-transformers-converter.*--checkpoint DIR"):
        registry.load(BackendConfig(str(moved), "ct2"))
    ref = _ref(fixtures_dir)
    backend = registry.load(BackendConfig(str(moved), "ct2", checkpoint=str(fixtures_dir / MODEL)))
    try:
        raw = [backend.score(p["query"], [p["document"]]).raw_scores[0] for p in ref["pairs"]]
        assert np.abs(np.asarray(raw) - np.asarray(ref["raw"])).max() < 1e-3
    finally:
        backend.close()


def test_checkpoint_option_must_name_a_transformers_folder(fixtures_dir, tmp_path):
    moved = tmp_path / "ct2"
    shutil.copytree(fixtures_dir / MODEL / "ct2", moved)
    for wrong in (moved, tmp_path / "missing"):
        with pytest.raises(BadInputError, match="no transformers config.json"):
            registry.load(BackendConfig(str(moved), "ct2", checkpoint=str(wrong)))


def test_a_pickle_only_checkpoint_is_never_loaded(fixtures_dir, tmp_path):
    ckpt = tmp_path / "ckpt"
    ckpt.mkdir()
    for name in ("config.json", "tokenizer.json", "tokenizer_config.json"):
        shutil.copy(fixtures_dir / MODEL / name, ckpt / name)
    (ckpt / "pytorch_model.bin").write_bytes(b"not loaded")
    shutil.copytree(fixtures_dir / MODEL / "ct2", ckpt / "ct2")
    with pytest.raises(ModelLoadError, match="only a pickle checkpoint.*never loads"):
        registry.load(BackendConfig(str(ckpt), "ct2", file="ct2"))


def _write_safetensors(path, arrays: dict) -> None:
    """The format by hand: 8-byte little-endian header size, JSON header, raw little-endian data."""
    header, blobs, offset = {"__metadata__": {"format": "pt"}}, [], 0
    for name, (dtype, data) in arrays.items():
        header[name] = {"dtype": dtype, "shape": list(data.shape), "data_offsets": [offset, offset + len(data.tobytes())]}
        offset += len(data.tobytes())
        blobs.append(data.tobytes())
    text = json.dumps(header).encode()
    path.write_bytes(len(text).to_bytes(8, "little") + text + b"".join(blobs))


def test_safetensors_reader(fixtures_dir, tmp_path):
    rng = np.random.default_rng(0)
    w = rng.standard_normal((2, 3)).astype(np.float32)
    bf16 = (w.view(np.uint32) >> 16).astype(np.uint16)  # truncated to bfloat16
    _write_safetensors(tmp_path / "model.safetensors", {
        "bert.encoder.layer.0.weight": ("F32", w), "classifier.weight": ("F16", w.astype(np.float16)),
        "classifier.bias": ("BF16", bf16[0])})
    head = head_tensors(tmp_path)
    assert set(head) == {"classifier.weight", "classifier.bias"}  # the encoder's tensors are not read
    assert np.array_equal(head["classifier.weight"], w.astype(np.float16).astype(np.float32))
    assert np.array_equal(head["classifier.bias"], (bf16[0].astype(np.uint32) << 16).view(np.float32))
    assert np.abs(head["classifier.bias"] - w[0]).max() < 1e-2
    assert read_tensors(tmp_path / "model.safetensors", ["bert.encoder.layer.0.weight"])[
        "bert.encoder.layer.0.weight"].tolist() == w.tolist()
    assert head_labels(tmp_path) == 2
    real = head_tensors(fixtures_dir / MODEL)
    assert set(real) == {"pre_classifier.weight", "pre_classifier.bias", "classifier.weight", "classifier.bias"}
    assert head_labels(fixtures_dir / MODEL) == 1 and head_labels(fixtures_dir / "tiny-bert-2label") == 2
    (tmp_path / "model.safetensors").write_bytes(b"\xff" * 16)
    with pytest.raises(ModelLoadError, match="not a readable safetensors file"):
        head_tensors(tmp_path)


def test_cli_checkpoint_option(fixtures_dir, tmp_path, capsys):
    moved = tmp_path / "ct2"
    shutil.copytree(fixtures_dir / MODEL / "ct2", moved)
    args = ["score", "--model", str(moved), "--backend", "ct2", "--query", "what is a cat", "--doc", "a cat",
            "--doc", "stocks fell", "--json"]
    assert main(args) == 2
    assert "--checkpoint" in capsys.readouterr().err
    assert main([*args, "--checkpoint", str(fixtures_dir / MODEL)]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["family"] == "distilbert" and len(out["results"]) == 2
