"""Exports from the window carry what reproduces them: query, instruction, scale, every column (failed ones
with their error), model identity with sha256, runtime versions, device used, and a command that rescoring
with gives the same scores."""

from __future__ import annotations

import hashlib
import json
import shlex

import pytest
from uihelpers import group, run_and_wait, set_input

from app.cli import main
from app.core.about import package_versions
from app.core.errors import BadInputError
from app.core.export import read_csv_export
from app.core.types import BackendConfig


def _run_good_and_failed(qtbot, window, fixtures_dir, references):
    model = fixtures_dir / "tiny-bert"
    window.add_column(BackendConfig(str(model), "onnx", file="onnx/model_quantized.onnx"))
    window.add_column(BackendConfig(str(model), "abort", file="onnx/model_quantized.onnx"))
    query, docs, _ = group(references, 1)
    set_input(window, query, docs)
    run_and_wait(qtbot, window)
    return model, query, docs


def test_json_export_has_context_failed_column_and_identity(qtbot, window, fixtures_dir, references, tmp_path):
    model, query, docs = _run_good_and_failed(qtbot, window, fixtures_dir, references)
    names = [s.name for s in window.column_specs()]
    data = json.loads(window.actions_.export_results(tmp_path / "r.json").read_text("utf-8"))
    assert data["query"] == query and data["score_scale"] == "normalized"
    assert data["runtimes"]["onnxruntime"] == package_versions()["onnxruntime"] and data["app_version"]
    good, bad = data["columns"]
    assert [good["name"], bad["name"]] == names
    assert good["status"] == "ok" and "CPUExecutionProvider" in good["device_used"]
    assert bad["status"] == "failed" and "crashed" in bad["error"] and bad["results"] == []
    expected = hashlib.sha256((model / "onnx/model_quantized.onnx").read_bytes()).hexdigest()
    assert good["model"]["sha256"] == expected and good["model"]["file"] == "onnx/model_quantized.onnx"
    assert good["model"]["path"] == str(model.resolve())
    assert good["settings"]["config"]["backend"] == "onnx"

    window.actions_.score_mode.setCurrentIndex(1)  # raw
    data = json.loads(window.actions_.export_results(tmp_path / "raw.json").read_text("utf-8"))
    assert data["score_scale"] == "raw"


def test_csv_and_markdown_keep_failed_columns_and_say_the_scale(qtbot, window, fixtures_dir, references,
                                                               tmp_path):
    _model, query, docs = _run_good_and_failed(qtbot, window, fixtures_dir, references)
    good, bad = [s.name for s in window.column_specs()]
    meta, rows = read_csv_export(window.actions_.export_results(tmp_path / "r.csv").read_text("utf-8"))
    assert meta["query"] == query and meta["scores"].startswith("normalized")
    assert meta[f'column "{bad}"']["status"] == "failed" and "crashed" in meta[f'column "{bad}"']["error"]
    assert meta["runtimes"] == package_versions()
    assert all(r[f"{bad} score"] == "" and r[f"{good} score"] for r in rows) and len(rows) == len(docs)

    window.actions_.score_mode.setCurrentIndex(1)
    md = window.actions_.export_results(tmp_path / "r.md").read_text("utf-8")
    assert f"**Query:** {query}" in md and "**Scores:** raw" in md
    assert f"{bad} (failed:" in md and "crashed" in md
    table = [line for line in md.splitlines() if line.startswith("| ") and line[2].isdigit()]
    assert len(table) == len(docs) and all(line.rstrip(" |").endswith("—") for line in table)
    assert "onnxruntime " + package_versions()["onnxruntime"] in md and "sha256" in md


def test_exported_command_reproduces_the_scores(qtbot, window, fixtures_dir, references, tmp_path, capsys):
    _run_good_and_failed(qtbot, window, fixtures_dir, references)
    data = json.loads(window.actions_.export_results(tmp_path / "r.json").read_text("utf-8"))
    good = data["columns"][0]
    args = shlex.split(good["command"])
    assert args[0] == "rerank-playground"
    assert main([*args[1:], "--json"]) == 0
    again = json.loads(capsys.readouterr().out)
    assert [(r["index"], round(r["relevance_score"], 5)) for r in again["results"]] == \
        [(r["index"], round(r["relevance_score"], 5)) for r in good["results"]]


def test_stale_columns_are_exported_without_scores(qtbot, window, fixtures_dir, references, tmp_path):
    model = str(fixtures_dir / "tiny-bert")
    window.add_column(BackendConfig(model, "onnx", file="onnx/model_quantized.onnx"))
    ct2 = window.add_column(BackendConfig(model, "ct2", file="ct2"))
    query, docs, _ = group(references, 1)
    set_input(window, query, docs)
    run_and_wait(qtbot, window)
    c = ct2.controller
    c.set_spec(type(c.spec)(c.spec.name, c.spec.config, type(c.spec.options)(max_length=16)))
    data = json.loads(window.actions_.export_results(tmp_path / "r.json").read_text("utf-8"))
    assert [col["status"] for col in data["columns"]] == ["ok", "stale"]
    assert "settings changed" in data["columns"][1]["error"] and data["columns"][1]["results"] == []
    assert {f["name"] for f in data["columns"][1]["model"]["files"]} >= {"model.bin"}

    window.query_panel.set_query(query + " changed")  # now nothing is current
    with pytest.raises(BadInputError, match="query changed"):
        window.actions_.export_results(tmp_path / "r.json")


def test_background_export_writes_the_file(qtbot, window, fixtures_dir, references, tmp_path):
    _run_good_and_failed(qtbot, window, fixtures_dir, references)
    window.actions_.export_in_background(tmp_path / "bg.md")
    qtbot.waitUntil(lambda: "Exported" in window.statusBar().currentMessage(), timeout=10_000)
    assert (tmp_path / "bg.md").is_file() and (tmp_path / "bg.documents.jsonl").is_file()
