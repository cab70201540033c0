"""Results dim and say why the moment the inputs change; restored results say so; banners leave with their cause."""

from __future__ import annotations

from PySide6.QtCore import Qt
from uihelpers import group, run_and_wait, set_input

from app.core.types import BackendConfig, Document
from app.ui.columns import controller as states
from app.ui.main_window import MainWindow


def _two_columns(qtbot, window, fixtures_dir, references):
    model = str(fixtures_dir / "tiny-bert")
    widgets = [window.add_column(BackendConfig(model, "onnx", file="onnx/model_quantized.onnx")),
               window.add_column(BackendConfig(model, "ct2", file="ct2"))]
    query, docs, _ = group(references, 1)
    set_input(window, query, docs)
    run_and_wait(qtbot, window)
    qtbot.waitUntil(lambda: window.drift_panel.current is not None, timeout=10_000)
    return widgets, query, docs


def _reasons(window) -> list[str]:
    return [w.stale_reason() for w in window.columns.widgets]


def test_query_and_document_edits_mark_results_stale(qtbot, window, fixtures_dir, references):
    widgets, query, docs = _two_columns(qtbot, window, fixtures_dir, references)
    assert _reasons(window) == ["", ""] and all(not w.is_dimmed() for w in widgets)

    window.query_panel.set_query(query + " and more")
    qtbot.waitUntil(lambda: _reasons(window) == ["query changed — Run"] * 2, timeout=2_000)
    assert all(w.stale.isVisibleTo(window) and w.is_dimmed() for w in widgets)
    assert "⟳ stale: query changed — Run" in window.drift_panel.summary.text()

    window.query_panel.set_query(query)  # typed back: the results are current again
    qtbot.waitUntil(lambda: _reasons(window) == ["", ""], timeout=2_000)
    assert "stale" not in window.drift_panel.summary.text()
    assert all(not w.stale.isVisibleTo(window) and not w.is_dimmed() for w in widgets)

    window.documents_panel.add_texts(["one more document about something else"])
    qtbot.waitUntil(lambda: _reasons(window) == ["documents changed — Run"] * 2, timeout=2_000)
    n = len(docs)
    assert (f"these results are for {n} documents, {n + 1} are listed now"
            in window.drift_panel.summary.text())

    run_and_wait(qtbot, window)
    qtbot.waitUntil(lambda: _reasons(window) == ["", ""], timeout=5_000)
    qtbot.waitUntil(lambda: f"of {n + 1} documents" in window.drift_panel.summary.text(), timeout=10_000)
    assert "stale" not in window.drift_panel.summary.text()


def test_changed_settings_mark_that_column_only(qtbot, window, fixtures_dir, references):
    widgets, _query, _docs = _two_columns(qtbot, window, fixtures_dir, references)
    c = widgets[0].controller
    c.set_spec(type(c.spec)(c.spec.name, c.spec.config, type(c.spec.options)(max_length=16)))
    qtbot.waitUntil(lambda: _reasons(window) == ["settings changed — Run", ""], timeout=2_000)


def test_undo_after_delete_brings_token_counts_back(qtbot, window, fixtures_dir, references):
    _two_columns(qtbot, window, fixtures_dir, references)
    model = window.documents_panel.model
    before = [row.tokens for row in model._rows]
    assert all(t for t in before)
    window.documents_panel.view.selectRow(0)
    assert window.documents_panel.remove_selected() == 1
    assert window.documents_panel.undo()
    assert [row.tokens for row in model._rows] == before
    qtbot.waitUntil(lambda: _reasons(window) == ["", ""], timeout=2_000)


def test_restored_results_say_so(qtbot, window, fixtures_dir, references, tmp_path):
    _two_columns(qtbot, window, fixtures_dir, references)
    path = window.actions_.save_session_to(tmp_path / "s.json")
    other = MainWindow()
    qtbot.addWidget(other)
    assert other.actions_.open_session_file(path)
    for widget in other.columns.widgets:
        assert widget.controller.state == states.DONE and widget.controller.restored
        assert "restored from session" in widget.detail.text()
        assert "Not loaded yet" not in widget.detail.text()
    qtbot.waitUntil(lambda: _reasons(other) == ["", ""], timeout=2_000)  # same inputs: not stale
    other.query_panel.set_query("another query")
    qtbot.waitUntil(lambda: _reasons(other) == ["query changed — Run"] * 2, timeout=2_000)
    other.close()


def test_failure_banner_leaves_with_its_column(qtbot, window, fixtures_dir, references):
    model = str(fixtures_dir / "tiny-bert")
    window.add_column(BackendConfig(model, "onnx", file="onnx/model_quantized.onnx"))
    bad = window.add_column(BackendConfig(model, "abort", file="onnx/model_quantized.onnx"))
    query, docs, _ = group(references, 0)
    set_input(window, query, docs)
    run_and_wait(qtbot, window)
    assert "failed" in window.message_bar.text()
    window.remove_column(bad)
    assert window.message_bar.text() == ""


def test_input_banner_leaves_once_fixed(qtbot, window, fixtures_dir):
    window.add_column(BackendConfig(str(fixtures_dir / "tiny-bert"), "onnx", file="onnx/model_quantized.onnx"))
    window.documents_panel.set_documents([Document("a document")])
    assert not window.run()
    assert "query is empty" in window.message_bar.text()
    window.query_panel.set_query("a query")
    qtbot.waitUntil(lambda: window.message_bar.text() == "", timeout=2_000)


def test_comparison_view_marks_stale_columns(qtbot, window, fixtures_dir, references):
    from app.ui.compare_model import FIRST_RUN_COL

    _widgets, query, _docs = _two_columns(qtbot, window, fixtures_dir, references)
    window.compare.toggle_compare.trigger()  # two columns: side by side until asked for the comparison
    assert window.compare.comparing
    model = window.compare.view.model

    def headers() -> list[str]:
        window.compare.refresh()
        return [model.headerData(FIRST_RUN_COL + k, Qt.Orientation.Horizontal) for k in range(2)]

    assert not any(h.startswith("⟳") for h in headers())
    window.query_panel.set_query(query + " and more")
    qtbot.waitUntil(lambda: _reasons(window) == ["query changed — Run"] * 2, timeout=2_000)
    assert all(h.startswith("⟳ ") for h in headers())
    tip = model.headerData(FIRST_RUN_COL, Qt.Orientation.Horizontal, Qt.ItemDataRole.ToolTipRole)
    assert "⟳ stale: query changed — Run" in tip
    window.query_panel.set_query(query)
    qtbot.waitUntil(lambda: _reasons(window) == ["", ""], timeout=2_000)
    assert not any(h.startswith("⟳") for h in headers())
