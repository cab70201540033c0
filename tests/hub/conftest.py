"""Fixtures for the model manager: a fake Hub on 127.0.0.1 and an isolated HF cache pointed at it."""

from __future__ import annotations

import hashlib
import io
import os
import zipfile

import pytest

from tests.fakehub import FakeHub

REPO = "acme/tiny-reranker"


def _bytes(seed: str, n: int) -> bytes:
    """Deterministic pseudo-random content (incompressible, so Range offsets mean something)."""
    out = bytearray()
    block = seed.encode()
    while len(out) < n:
        block = hashlib.sha256(block).digest()
        out += block
    return bytes(out[:n])


def _npz() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr(zipfile.ZipInfo("classifier.weight.npy", (2025, 1, 1, 0, 0, 0)), _bytes("head", 64))
    return buf.getvalue()


def synthetic_files() -> dict[str, bytes]:
    """A repo shaped like a real reranker repo with every format (content is synthetic)."""
    return {
        "config.json": b'{"architectures": ["BertForSequenceClassification"], "model_type": "bert"}',
        "tokenizer.json": b'{"version": "1.0", "model": {"type": "WordPiece"}}',
        "tokenizer_config.json": b"{}",
        "README.md": b"# Tiny reranker\n",
        "onnx/model.onnx": _bytes("onnx-fp32", 300_000),
        "onnx/model_qint8_avx512_vnni.onnx": _bytes("onnx-int8", 90_000),
        "onnx/model_O4.onnx": _bytes("onnx-o4", 150_000),
        "gguf/tiny-reranker-Q4_K_M.gguf": b"GGUF" + _bytes("q4", 60_000),
        "gguf/tiny-reranker-F16.gguf": b"GGUF" + _bytes("f16", 120_000),
        "ct2-int8/model.bin": _bytes("ct2", 80_000),
        "ct2-int8/config.json": b'{"layer_norm_epsilon": 1e-12}',
        "ct2-int8/hf_config.json": b'{"model_type": "bert"}',
        "ct2-int8/vocabulary.json": b'["[PAD]", "[CLS]"]',
        "ct2-int8/classifier_head.npz": _npz(),
        "model.safetensors": _bytes("st", 40_000),
        "pytorch_model.bin": _bytes("pickle", 40_000),
    }


@pytest.fixture
def fake_hub():
    hub = FakeHub().start()
    yield hub
    hub.stop()


@pytest.fixture
def hub_env(fake_hub, tmp_path, monkeypatch):
    """HF_ENDPOINT -> the fake Hub, HF_HOME -> a temporary folder, online, no token."""
    from huggingface_hub import constants

    monkeypatch.setenv("HF_ENDPOINT", fake_hub.endpoint)
    monkeypatch.setenv("HF_HOME", str(tmp_path / "hf"))
    for name in ("HF_HUB_CACHE", "HUGGINGFACE_HUB_CACHE", "HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE", "HF_TOKEN",
                 "HUGGING_FACE_HUB_TOKEN", "HF_TOKEN_PATH"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setattr(constants, "HF_HUB_OFFLINE", False)
    # Every catalogue also lists the bundled starter model; these tests count the fake Hub's and the imported
    # models (tests/hub/test_bundled_and_last_used.py covers the starter's entry).
    monkeypatch.setattr("app.paths.starter_model_dir", lambda: None)
    return fake_hub


@pytest.fixture
def repo(hub_env):
    return hub_env.add_repo(REPO, synthetic_files(), downloads=1234, pipeline_tag="text-classification")


@pytest.fixture
def fast_retry():
    from app.hub import RetryPolicy

    return RetryPolicy(attempts=3, backoff_s=0.05, max_backoff_s=0.1, stall_timeout_s=0.5, connect_timeout_s=2)


def cache_dir() -> str:
    return os.path.join(os.environ["HF_HOME"], "hub")
