"""Run two and three columns on the tiny fixture models and read the rankings from the views."""

from __future__ import annotations

import math

import pytest
from uihelpers import group, run_and_wait, set_input, view_rows

from app.core.types import BackendConfig
from app.ui.columns import controller as states


def _order(values):
    return sorted(range(len(values)), key=lambda i: -values[i])


def test_two_columns_rank_like_the_reference(qtbot, window, fixtures_dir, references):
    model = fixtures_dir / "tiny-bert"
    a = window.add_column(BackendConfig(str(model), "onnx", file="onnx/model.onnx"))
    b = window.add_column(BackendConfig(str(model), "ct2", file="ct2"))
    query, docs, _ = group(references, 1)
    set_input(window, query, docs)
    run_and_wait(qtbot, window)
    expected = references["models"]["tiny-bert"]["group_raw"][1]
    for widget in (a, b):
        assert widget.controller.state == states.DONE, widget.controller.message
        rows = view_rows(widget)
        assert [i for i, _ in rows] == _order(expected)
        assert [float(text) for _, text in rows] == pytest.approx(
            [1 / (1 + math.exp(-expected[i])) for i, _ in rows], abs=2e-3)
        assert "ms" in widget.footer.text() and "pairs/s" in widget.footer.text()
    assert "CPUExecutionProvider" in a.detail.text() and "cpu" in b.detail.text()
    # b is compared with the reference column a: every arrow says "="
    assert [b.model.index(r, 1).data() for r in range(3)] == ["="] * 3
    qtbot.waitUntil(lambda: window.drift_panel.current is not None, timeout=10_000)
    assert window.drift_panel.current.tau == pytest.approx(1.0)


def test_three_columns_three_runtimes_and_raw_toggle(qtbot, window, fixtures_dir, references):
    model = fixtures_dir / "tiny-xlmr"
    widgets = [window.add_column(BackendConfig(str(model), backend, file=file))
               for backend, file in (("onnx", "onnx/model.onnx"), ("gguf", "gguf/model-f16.gguf"), ("ct2", "ct2"))]
    query, docs, _relevant = group(references, 2)
    set_input(window, query, docs)
    run_and_wait(qtbot, window)
    expected = references["models"]["tiny-xlmr"]["group_raw"][2]
    window.actions_.score_mode.setCurrentIndex(1)  # raw logits
    for widget, tol in zip(widgets, (2e-3, 5e-2, 2e-3)):
        assert widget.controller.state == states.DONE, widget.controller.message
        rows = view_rows(widget)
        assert [i for i, _ in rows] == _order(expected)
        assert [float(text) for _, text in rows] == pytest.approx([expected[i] for i, _ in rows], abs=tol)
    assert widgets[1].controller.info.backend == "gguf"
    window.actions_.score_mode.setCurrentIndex(0)
    assert 0.0 <= float(view_rows(widgets[0])[0][1]) <= 1.0


def test_runs_reuse_the_warm_worker(qtbot, window, fixtures_dir, references):
    widget = window.add_column(BackendConfig(str(fixtures_dir / "tiny-bert"), "onnx",
                                             file="onnx/model_quantized.onnx"))
    query, docs, _ = group(references, 0)
    set_input(window, query, docs)
    run_and_wait(qtbot, window)
    pid, info = widget.controller.worker_pid, widget.controller.info
    set_input(window, query, docs[:2])
    run_and_wait(qtbot, window)
    assert widget.controller.worker_pid == pid and widget.controller.info == info
    assert len(view_rows(widget)) == 2


def test_removing_a_column_stops_its_worker(qtbot, window, fixtures_dir, references):
    widget = window.add_column(BackendConfig(str(fixtures_dir / "tiny-bert"), "onnx",
                                             file="onnx/model_quantized.onnx"))
    query, docs, _ = group(references, 0)
    set_input(window, query, docs)
    run_and_wait(qtbot, window)
    proc = widget.controller._worker._proc
    window.remove_column(widget)
    qtbot.waitUntil(lambda: not proc.is_alive(), timeout=10_000)
    assert window.columns.hint.isVisibleTo(window)
