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


def test_scatter_shows_every_document_and_finds_the_dot_under_the_mouse(qtbot):
    import numpy as np

    panel = DriftPanel()
    qtbot.addWidget(panel)
    panel.resize(900, 260)
    panel.show()
    docs = [Document(f"doc {i}") for i in range(5)]
    a, b = run_of([3.0, 2.0, 1.0, 0.0, -1.0]), run_of([3.1, 0.5, 1.2, 0.1, -1.5])
    panel.set_columns([("A", a, docs), ("B", b, docs)])
    qtbot.waitUntil(lambda: panel.current is not None, timeout=10_000)
    scatter = panel.scatter
    assert len(scatter.rows) == 5 and scatter.changed == 2  # the two documents that swap ranks
    assert (scatter.lo, scatter.hi) == (0.0, 1.0)  # normalized scores: a fixed 0-1 square
    rect = scatter.plot_rect()
    assert rect.width() == rect.height() > 50  # square: the diagonal is where A and B agree
    # doc 1: A = sigmoid(2.0), B = sigmoid(0.5); its dot is where the mapping puts it, and nowhere else
    x = rect.left() + a.scores[1] * rect.width()
    y = rect.bottom() - b.scores[1] * rect.height()
    from PySide6.QtCore import QPointF

    assert scatter.point_at(QPointF(x + 2, y - 2)) == 1
    assert scatter.point_at(QPointF(rect.left() + 1, rect.top() + 1)) is None
    from PySide6.QtCore import QPoint, Qt

    qtbot.mouseClick(scatter, Qt.MouseButton.LeftButton, pos=QPoint(round(x), round(y)))
    selected = panel.view.selectionModel().selectedRows()
    assert [panel.model.index(i.row(), D_DOC).data() for i in selected] == ["doc 1"]  # click finds it in the table
    image = scatter.grab().toImage()  # renders; a red (rank-changed) dot is painted at doc 1's place
    pixel = image.pixelColor(int(x * image.devicePixelRatio()), int(y * image.devicePixelRatio()))
    assert pixel.red() > 150 and pixel.blue() < 120
    panel.set_normalized(False)
    qtbot.waitUntil(lambda: panel.current is not None and scatter.kind == "raw", timeout=10_000)
    raw = np.array([3.0, 2.0, 1.0, 0.0, -1.0, 3.1, 0.5, 1.2, 0.1, -1.5])
    assert scatter.lo < raw.min() and scatter.hi > raw.max()
    panel.set_columns([("A", a, docs)])  # one column left: nothing to compare, nothing drawn
    assert scatter.rows == []
