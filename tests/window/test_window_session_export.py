"""Sessions round-trip through a JSON file; exports parse back; copied requests are valid."""

from __future__ import annotations

import json
import shlex
from pathlib import Path

from PySide6.QtGui import QGuiApplication
from uihelpers import group, run_and_wait, set_input, view_rows

from app.core.export import read_csv_export
from app.core.session import Session, last_session_path
from app.core.types import BackendConfig
from app.ui.columns import controller as states
from app.ui.main_window import MainWindow


def _two_column_run(qtbot, window, fixtures_dir, references):
    model = str(fixtures_dir / "tiny-bert")
    window.add_column(BackendConfig(model, "onnx", file="onnx/model_quantized.onnx"))
    window.add_column(BackendConfig(model, "ct2", file="ct2"))
    query, docs, _ = group(references, 1)
    set_input(window, query, docs)
    run_and_wait(qtbot, window)
    return query, docs


def test_session_round_trip(qtbot, window, fixtures_dir, references, tmp_path):
    query, docs = _two_column_run(qtbot, window, fixtures_dir, references)
    window.set_reference_index(1)
    path = window.actions_.save_session_to(tmp_path / "work.json")
    assert Session.load(path).query == query

    other = MainWindow()
    qtbot.addWidget(other)
    assert other.actions_.open_session_file(path)
    assert other.query_panel.query() == query and other.documents_panel.documents() == docs
    assert other.column_specs() == window.column_specs()
    assert other.reference_index() == 1
    for old, new in zip(window.columns.widgets, other.columns.widgets):
        assert new.controller.last_run == old.controller.last_run
        assert view_rows(new) == view_rows(old)
        assert new.controller.state == states.DONE
    other.close()


def test_bad_session_file_keeps_the_workspace(qtbot, window, fixtures_dir, references, tmp_path):
    query, _docs = _two_column_run(qtbot, window, fixtures_dir, references)
    bad = tmp_path / "bad.json"
    bad.write_text("{not json", encoding="utf-8")
    assert not window.actions_.open_session_file(bad)
    assert "not valid JSON" in window.message_bar.text()
    assert window.query_panel.query() == query and len(window.columns.widgets) == 2


def test_closing_saves_the_last_session(qtbot, fixtures_dir, references):
    from app.ui.launch import build_window

    first = build_window(restore=False)
    qtbot.addWidget(first)
    first.clear_columns()  # the starter's sample columns, when the starter model is installed
    query, _docs = _two_column_run(qtbot, first, fixtures_dir, references)
    first.close()
    assert last_session_path().is_file()
    again = build_window()
    qtbot.addWidget(again)
    assert again.query_panel.query() == query and len(again.columns.widgets) == 2
    assert all(w.controller.last_run is not None for w in again.columns.widgets)
    again.close()


def test_exports_parse_back(qtbot, window, fixtures_dir, references, tmp_path):
    query, docs = _two_column_run(qtbot, window, fixtures_dir, references)
    names = [s.name for s in window.column_specs()]
    first = window.columns.widgets[0]
    order = [i for i, _ in view_rows(first)]

    meta, rows = read_csv_export(window.actions_.export_results(tmp_path / "r.csv").read_text("utf-8"))
    assert meta["query"] == query
    assert [int(r["index"]) for r in rows] == order
    assert [r["text"] for r in rows] == [docs[i].text for i in order]
    assert [float(r[f"{names[0]} score"]) for r in rows] == [first.controller.last_run.results[i].score
                                                             for i in order]

    data = json.loads(window.actions_.export_results(tmp_path / "r.json").read_text("utf-8"))
    assert data["query"] == query and [c["name"] for c in data["columns"]] == names
    assert [r["index"] for r in data["columns"][0]["results"]] == order

    md = window.actions_.export_results(tmp_path / "r.md").read_text("utf-8").splitlines()
    table = [line for line in md if line.startswith("|")]
    assert table[0].startswith("| Rank | Document |") and len(table) == 2 + len(docs)


def test_copy_request_json_and_command(qtbot, window, fixtures_dir, references):
    query, docs = _two_column_run(qtbot, window, fixtures_dir, references)
    widget = window.columns.widgets[0]
    body = json.loads(window.actions_.copy_request(widget, "json"))
    assert body["query"] == query and body["documents"] == [d.text for d in docs]
    assert json.loads(QGuiApplication.clipboard().text()) == body
    command = window.actions_.copy_request(widget, "command")
    args = shlex.split(command)
    assert args[:2] == ["rerank-playground", "score"]
    assert args[args.index("--backend") + 1] == "onnx"
    assert args[args.index("--file") + 1] == "onnx/model_quantized.onnx"
    docs_file = args[args.index("--docs") + 1]
    lines = Path(docs_file).read_text(encoding="utf-8").splitlines()
    assert [json.loads(line)["text"] for line in lines] == [d.text for d in docs]


def test_session_keeps_score_scale_and_drift_pair(qtbot, window, fixtures_dir, references, tmp_path):
    _two_column_run(qtbot, window, fixtures_dir, references)
    window.add_column(BackendConfig(str(fixtures_dir / "tiny-bert"), "onnx", file="onnx/model.onnx"))
    run_and_wait(qtbot, window)
    names = [s.name for s in window.column_specs()]
    window.drift_panel.a.setCurrentIndex(2)
    window.drift_panel.b.setCurrentIndex(1)
    window.actions_.score_mode.setCurrentIndex(1)  # raw
    assert window.drift_panel.pair() == (names[2], names[1]) and not window.normalized
    path = window.actions_.save_session_to(tmp_path / "s.rpsession.json")
    saved = Session.load(path)
    assert saved.normalized is False and saved.drift == (names[2], names[1])

    other = MainWindow()
    qtbot.addWidget(other)
    assert other.actions_.open_session_file(path)
    qtbot.waitUntil(lambda: other.drift_panel.pair() == (names[2], names[1]), timeout=5_000)
    assert not other.normalized and other.actions_.score_mode.currentIndex() == 1
    assert all(not w.model._normalized for w in other.columns.widgets)
    other.close()
