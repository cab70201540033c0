"""The bundled starter model is listed with the others (not deletable), and a column's load sets Last used."""

from __future__ import annotations

import json

import pytest

from app.cli import main
from app.core.errors import BadInputError
from app.hub import catalogue, delete
from app.hub.bundled import BUNDLED_REPO, path_key, record_path_use
from app.paths import starter_model_dir

pytestmark = pytest.mark.skipif(starter_model_dir() is None, reason="this checkout has no starter model")


def test_starter_is_in_the_catalogue_and_models_list(capsys, tmp_path, monkeypatch):
    monkeypatch.setenv("HF_HOME", str(tmp_path / "hf"))
    starter = [m for m in catalogue().models if m.repo_id == BUNDLED_REPO]
    assert {(m.format, m.artifact.name) for m in starter} >= {("onnx", "onnx/model_quantized.onnx"),
                                                              ("gguf", "gguf/model-q8_0.gguf")}
    assert all(m.source == "bundled" and m.path == starter_model_dir() and m.last_used is None for m in starter)
    assert main(["models", "list", "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)["models"]
    assert any(m["repo"] == BUNDLED_REPO and m["source"] == "bundled" for m in listed)
    with pytest.raises(BadInputError, match="part of the app"):
        delete(BUNDLED_REPO)
    from app.ui.hub_tables import CatalogueTable

    assert CatalogueTable().cell(starter[0], 6) == "bundled with the app"


def test_use_by_path_shows_as_last_used(tmp_path, monkeypatch):
    monkeypatch.setenv("HF_HOME", str(tmp_path / "hf"))
    record_path_use(starter_model_dir(), "onnx/model_quantized.onnx")
    used = {m.artifact.name: m.last_used for m in catalogue().models if m.repo_id == BUNDLED_REPO}
    assert used["onnx/model_quantized.onnx"] is not None and used["gguf/model-q8_0.gguf"] is None
    assert path_key(starter_model_dir() / "onnx", "model_quantized.onnx") == \
        path_key(starter_model_dir(), "onnx/model_quantized.onnx")


def test_a_column_load_records_its_use(qtbot, fixtures_dir, tmp_path, monkeypatch):
    """The window's column (loaded by path) makes the Models dialog's Last used say when."""
    from app.core.types import BackendConfig, Document
    from app.hub.store import last_used
    from app.ui.main_window import MainWindow
    from tests.window.uihelpers import run_and_wait, set_input

    window = MainWindow()
    qtbot.addWidget(window)
    model = fixtures_dir / "tiny-bert"
    window.add_column(BackendConfig(str(model), "onnx", file="onnx/model_quantized.onnx"))
    set_input(window, "a cat", [Document("a cat is an animal"), Document("stocks fell")])
    assert last_used(path_key(model, "onnx/model_quantized.onnx")) is None
    run_and_wait(qtbot, window)
    assert last_used(path_key(model, "onnx/model_quantized.onnx")) is not None
    window.close()
