"""The `torch` reference backend's setup, without torch: how to get it, and what it refuses to load."""

from __future__ import annotations

import shutil
import sys

import pytest

from app.backends import registry
from app.backends.reference import weights_folder
from app.core.errors import BackendUnavailableError, BadInputError, ModelLoadError
from app.core.types import BackendConfig


def test_missing_torch_names_the_extra(monkeypatch, fixtures_dir):
    monkeypatch.setitem(sys.modules, "torch", None)  # import torch -> ImportError
    reason = registry.unavailable_reason("torch")
    assert "Reference (transformers) is not available" in reason
    assert "pip install 'rerank-playground[convert]'" in reason
    with pytest.raises(BackendUnavailableError, match=r"rerank-playground\[convert\]"):
        registry.load(BackendConfig(str(fixtures_dir / "tiny-bert"), "torch"))


def test_missing_torch_in_the_installed_bundle_explains_what_to_do(monkeypatch):
    monkeypatch.setitem(sys.modules, "transformers", None)
    monkeypatch.setattr(sys, "frozen", True, raising=False)
    reason = registry.unavailable_reason("torch")
    assert "installed app leaves out torch and transformers" in reason
    assert "python3 -m venv" in reason and "shares this app's models" in reason


def test_only_safetensors_weights_are_loaded(tmp_path, fixtures_dir):
    for name in ("config.json", "tokenizer.json"):
        shutil.copy(fixtures_dir / "tiny-bert" / name, tmp_path / name)
    (tmp_path / "pytorch_model.bin").write_bytes(b"not loaded")
    with pytest.raises(ModelLoadError, match="pickle.*safetensors only"):
        weights_folder(tmp_path)
    (tmp_path / "pytorch_model.bin").unlink()
    with pytest.raises(ModelLoadError, match="No model.safetensors"):
        weights_folder(tmp_path)
    with pytest.raises(BadInputError, match="not a safetensors file"):
        weights_folder(tmp_path / "config.json")
    assert weights_folder(fixtures_dir / "tiny-bert" / "model.safetensors") == fixtures_dir / "tiny-bert"


def test_starter_has_no_reference_weights():
    from app.commands.common import resolve_model

    with pytest.raises(BadInputError, match="no artifact for the 'torch' backend"):
        resolve_model(None, None, "torch")
