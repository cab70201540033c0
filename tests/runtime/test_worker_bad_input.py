"""The GUI's path (a model in a worker process): bad threads, a FIFO model and a bad config.json are messages
from the worker, and the worker survives them (no native crash: the runtime never sees them)."""

from __future__ import annotations

import json
import os
import shutil

import pytest

from app.core.errors import BadInputError, ModelLoadError
from app.core.types import BackendConfig
from app.runtime import ModelWorker


@pytest.fixture
def worker():
    w = ModelWorker("bad-input")
    yield w
    w.close()


def test_threads_fifo_and_bad_config_are_messages_and_the_worker_lives_on(worker, tiny_bert, tmp_path):
    with pytest.raises(BadInputError, match="threads 100000 is not usable on this machine"):
        worker.load(BackendConfig(str(tiny_bert), "gguf", file="gguf/model-f16.gguf", threads=100000))
    pid = worker.pid
    os.mkfifo(tmp_path / "pipe.gguf")
    with pytest.raises(BadInputError, match="FIFO"):
        worker.load(BackendConfig(str(tmp_path), "gguf", file="pipe.gguf"))
    model = tmp_path / "m"
    shutil.copytree(tiny_bert, model, ignore=shutil.ignore_patterns("*.safetensors", "gguf", "ct2*"))
    (model / "config.json").write_text(json.dumps({"model_type": "bert", "max_position_embeddings": "abc"}))
    with pytest.raises(ModelLoadError, match='"max_position_embeddings" must be a whole number'):
        worker.load(BackendConfig(str(model), "onnx", file="onnx/model.onnx"))
    assert worker.alive and worker.pid == pid
