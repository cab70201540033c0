"""DriftPanel: summary numbers from app.core.metrics and the "differs" filter."""

from __future__ import annotations

import pytest

from app.core.metrics import drift
from app.core.scores import sigmoid
from app.core.types import DocResult, Document, ScoreRun, Timings
from app.ui.drift_panel import D_DOC, D_RANK_A, D_RANK_B, DriftPanel


def run_of(raw):
    results = tuple(DocResult(i, r, float(sigmoid(r)), 5, False) for i, r in enumerate(raw))
    return ScoreRun("m", "onnx", "cpu", "bert", "sigmoid", results, Timings(total_ms=1.0))


def test_summary_and_differs_filter(qtbot):
    panel = DriftPanel()
    qtbot.addWidget(panel)
    docs = [Document(f"doc {i}") for i in range(5)]
    a, b = run_of([3.0, 2.0, 1.0, 0.0, -1.0]), run_of([3.1, 0.5, 1.2, 0.1, -1.5])  # docs 1 and 2 swap
    panel.set_columns([("A", a, docs), ("B", b, docs)])
    qtbot.waitUntil(lambda: panel.current is not None, timeout=10_000)
    expected = drift(a.scores, b.scores, k=3)
    assert panel.current == expected
    assert panel.current.rank_changed == (1, 2) and panel.current.top1_kept
    assert "2 of 5 documents change rank" in panel.summary.text()
    assert panel.model.rowCount() == 5
    panel.only_changed.setChecked(True)
    shown = [panel.model.index(r, D_DOC).data() for r in range(panel.model.rowCount())]
    assert shown == ["doc 1", "doc 2"]  # ordered by rank in A
    assert [panel.model.index(r, D_RANK_B).data() for r in range(2)] == ["3", "2"]
    panel.model.sort(D_RANK_B)
    assert [panel.model.index(r, D_RANK_A).data() for r in range(2)] == ["3", "2"]
    panel.set_normalized(False)
    qtbot.waitUntil(lambda: panel.current is not None and "raw" in panel.summary.text(), timeout=10_000)
    assert panel.current.max_abs == pytest.approx(1.5)


def test_different_documents_are_not_compared(qtbot):
    panel = DriftPanel()
    qtbot.addWidget(panel)
    run = run_of([1.0, 2.0])
    panel.set_columns([("A", run, [Document("x"), Document("y")]), ("B", run, [Document("x"), Document("z")])])
    assert "different documents" in panel.summary.text() and panel.current is None
