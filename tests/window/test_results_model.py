"""ResultsTableModel without a window: ranking, raw/normalized, score bars, rank-change arrows, sorting."""

from __future__ import annotations

import math

import pytest
from PySide6.QtCore import QSortFilterProxyModel, Qt

from app.core.scores import sigmoid
from app.core.types import DocResult, Document, ScoreRun, Timings
from app.ui.columns.results_model import (
    COL_DOC,
    COL_MOVE,
    COL_RANK,
    COL_SCORE,
    BarRole,
    DocIndexRole,
    ResultsTableModel,
    SortRole,
)


def make_run(raw: list[float]) -> ScoreRun:
    results = tuple(DocResult(i, r, float(sigmoid(r)), 10 + i, i == 2) for i, r in enumerate(raw))
    return ScoreRun("m", "onnx", "cpu", "bert", "sigmoid", results, Timings(total_ms=10.0))


DOCS = [Document(f"doc {i}") for i in range(4)]


def cell(model, row, col, role=Qt.ItemDataRole.DisplayRole):
    return model.index(row, col).data(role)


def test_rows_are_ranked_best_first_with_bars(qapp):
    model = ResultsTableModel()
    model.set_run(make_run([0.5, 3.0, -2.0, 1.0]), DOCS)
    assert model.rowCount() == 4
    assert [cell(model, r, 0, DocIndexRole) for r in range(4)] == [1, 3, 0, 2]
    assert [cell(model, r, COL_RANK) for r in range(4)] == ["1", "2", "3", "4"]
    assert cell(model, 0, COL_SCORE) == f"{sigmoid(3.0):.4f}"
    assert cell(model, 0, COL_SCORE, BarRole) == pytest.approx(sigmoid(3.0))
    assert cell(model, 3, COL_DOC).startswith("✂ doc 2")  # truncated marker
    assert model.ranks() == [3, 1, 4, 2]


def test_raw_mode_scales_bars_between_min_and_max(qapp):
    model = ResultsTableModel()
    model.set_run(make_run([0.5, 3.0, -2.0, 1.0]), DOCS)
    model.set_normalized(False)
    assert cell(model, 0, COL_SCORE) == "+3.000"
    assert cell(model, 0, COL_SCORE, BarRole) == 1.0
    assert cell(model, 3, COL_SCORE, BarRole) == 0.0
    assert cell(model, 1, COL_SCORE, BarRole) == pytest.approx(3.0 / 5.0)


def test_arrows_against_reference(qapp):
    model = ResultsTableModel()
    model.set_run(make_run([0.5, 3.0, -2.0, 1.0]), DOCS)  # ranks [3, 1, 4, 2]
    assert cell(model, 0, COL_MOVE) == ""
    model.set_reference_ranks([1, 2, 3, 4])
    # doc 1: 2 -> 1 (up 1); doc 3: 4 -> 2 (up 2); doc 0: 1 -> 3 (down 2); doc 2: 3 -> 4
    assert [cell(model, r, COL_MOVE) for r in range(4)] == ["▲1", "▲2", "▼2", "▼1"]
    assert model.move(0) == -2
    model.set_reference_ranks([3, 1, 4, 2])
    assert [cell(model, r, COL_MOVE) for r in range(4)] == ["="] * 4


def test_sort_role_sorts_numbers_through_a_proxy(qapp):
    model = ResultsTableModel()
    model.set_run(make_run([0.5, 3.0, -2.0, 1.0, 10.0, 2.0, math.nan, 0.0, 0.1, 0.2, 0.3]),
                  [Document(f"d{i}") for i in range(11)])
    proxy = QSortFilterProxyModel()
    proxy.setSourceModel(model)
    proxy.setSortRole(SortRole)
    proxy.sort(COL_RANK, Qt.SortOrder.DescendingOrder)
    shown = [int(proxy.index(r, COL_RANK).data()) for r in range(proxy.rowCount())]
    assert shown == list(range(11, 0, -1))  # numeric, not "9" > "11"
    assert proxy.index(0, 0).data(DocIndexRole) == 6  # NaN ranks last
    proxy.sort(COL_DOC, Qt.SortOrder.AscendingOrder)
    assert [proxy.index(r, 0).data(DocIndexRole) for r in range(11)] == list(range(11))


def test_model_sorts_itself_and_keeps_the_order_for_the_next_run(qapp):
    model = ResultsTableModel()
    model.set_run(make_run([0.5, 3.0, -2.0, 1.0]), DOCS)
    model.sort(COL_DOC, Qt.SortOrder.DescendingOrder)
    assert [cell(model, r, 0, DocIndexRole) for r in range(4)] == [3, 2, 1, 0]
    model.set_run(make_run([1.0, 0.0, 2.0, 3.0]), DOCS)
    assert [cell(model, r, 0, DocIndexRole) for r in range(4)] == [3, 2, 1, 0]
    model.sort(COL_RANK, Qt.SortOrder.AscendingOrder)
    assert [cell(model, r, 0, DocIndexRole) for r in range(4)] == [3, 2, 0, 1]


def test_empty_and_reset(qapp):
    model = ResultsTableModel()
    model.set_run(make_run([1.0, 2.0]), DOCS[:2])
    model.set_run(None)
    assert model.rowCount() == 0 and model.run is None
