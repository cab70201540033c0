"""CompareTableModel and the title helpers without a window: one row per document, every column's rank,
Δrank against the reference, score bars, sorting by any column, "only rows whose rank differs"."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QFont, QFontMetrics

from app.core.scores import sigmoid
from app.core.types import DocResult, Document, ScoreRun, Timings
from app.ui.compare_model import (
    COL_DOC,
    COL_INDEX,
    BarRole,
    CompareColumn,
    CompareTableModel,
    DocIndexRole,
    MoveRole,
    ScoreTextRole,
    SortRole,
    run_column,
)
from app.ui.titles import distinct_names, fit_lines, fit_title

DOCS = [Document(f"document {i}\nsecond line") for i in range(4)]


def make_run(raw: list[float]) -> ScoreRun:
    results = tuple(DocResult(i, r, float(sigmoid(r)), 10 + i, False) for i, r in enumerate(raw))
    return ScoreRun("m", "onnx", "cpu", "bert", "sigmoid", results, Timings(total_ms=1.0))


A = make_run([0.5, 3.0, -2.0, 1.0])  # ranks [3, 1, 4, 2]
B = make_run([0.5, 3.0, 1.5, -1.0])  # ranks [3, 1, 2, 4]


def model_with(reference: int | None = 0, columns=None) -> CompareTableModel:
    model = CompareTableModel()
    model.set_columns(DOCS, columns or [CompareColumn("A", A), CompareColumn("B", B)], reference)
    model.sort(run_column(0), Qt.SortOrder.AscendingOrder)
    return model


def cell(model, row, col, role=Qt.ItemDataRole.DisplayRole):
    return model.index(row, col).data(role)


def test_one_row_per_document_with_every_columns_rank(qapp):
    model = model_with()
    assert model.rowCount() == 4 and model.columnCount() == 4
    assert model.document_order() == [1, 3, 0, 2]  # best first in column A
    assert [cell(model, r, run_column(0)) for r in range(4)] == ["1", "2", "3", "4"]
    assert [cell(model, r, run_column(1)) for r in range(4)] == ["1", "4", "3", "2"]
    assert cell(model, 0, COL_INDEX) == "2" and cell(model, 0, COL_DOC) == "document 1 second line"
    assert cell(model, 0, run_column(0), BarRole) == pytest.approx(sigmoid(3.0))
    assert cell(model, 0, run_column(0), ScoreTextRole) == f"{sigmoid(3.0):.4f}"


def test_move_is_against_the_reference_column(qapp):
    model = model_with(reference=0)
    moves = {cell(model, r, 0, DocIndexRole): cell(model, r, run_column(1), MoveRole) for r in range(4)}
    assert moves == {0: 0, 1: 0, 2: 2, 3: -2}  # doc 2: rank 4 in A, 2 in B -> gained 2 places
    assert all(cell(model, r, run_column(0), MoveRole) is None for r in range(4))  # the reference itself
    assert "rank 4" in cell(model, 3, run_column(1), Qt.ItemDataRole.ToolTipRole)
    no_ref = model_with(reference=None)
    assert all(cell(no_ref, r, run_column(1), MoveRole) is None for r in range(4))


@pytest.mark.parametrize("column,order,expected", [
    (run_column(1), Qt.SortOrder.AscendingOrder, [1, 2, 0, 3]),
    (run_column(1), Qt.SortOrder.DescendingOrder, [3, 0, 2, 1]),
    (COL_INDEX, Qt.SortOrder.AscendingOrder, [0, 1, 2, 3]),
    (COL_DOC, Qt.SortOrder.DescendingOrder, [3, 2, 1, 0]),
])
def test_sortable_by_any_column(qapp, column, order, expected):
    model = model_with()
    model.sort(column, order)
    assert model.document_order() == expected
    keys = [cell(model, r, column, SortRole) for r in range(4)]
    assert keys == sorted(keys, reverse=order == Qt.SortOrder.DescendingOrder)


def test_only_rows_whose_rank_differs(qapp):
    model = model_with()
    assert [model.differs(i) for i in range(4)] == [False, False, True, True]
    model.set_only_changed(True)
    assert model.document_order() == [3, 2]  # still in column A's order
    assert model.row_of_document(0) is None and model.row_of_document(2) == 1
    model.set_only_changed(False)
    assert model.rowCount() == 4


def test_raw_scores_scale_bars_per_column(qapp):
    model = model_with()
    model.set_normalized(False)
    assert cell(model, 0, run_column(0), ScoreTextRole) == "+3.000"
    assert cell(model, 0, run_column(0), BarRole) == 1.0
    assert cell(model, 3, run_column(0), BarRole) == 0.0


def test_a_column_without_results_says_why(qapp):
    model = model_with(columns=[CompareColumn("A", A), CompareColumn("C", None, "failed: out of memory"),
                                CompareColumn("D", make_run([1.0, 2.0]))])  # other documents
    assert cell(model, 0, run_column(1)) == "–" and cell(model, 0, run_column(1), BarRole) is None
    assert "out of memory" in cell(model, 0, run_column(1), Qt.ItemDataRole.ToolTipRole)
    assert "other documents" in model.headerData(run_column(2), Qt.Orientation.Horizontal,
                                                 Qt.ItemDataRole.ToolTipRole)
    assert not any(model.differs(i) for i in range(4))  # one column with results: nothing differs


def test_a_thousand_rows_cost_no_per_row_objects(qapp):
    docs = [Document(f"d{i}") for i in range(1000)]
    run = make_run([float(i % 97) for i in range(1000)])
    model = CompareTableModel()
    model.set_columns(docs, [CompareColumn(str(k), run) for k in range(5)], 0)
    assert model.rowCount() == 1000 and model.columnCount() == 7
    assert not hasattr(model, "_items")  # rows are document indices, cells computed on demand
    assert all(isinstance(r, int) for r in model.document_order())


def test_titles_keep_every_part_and_drop_what_all_share(qapp):
    fm = QFontMetrics(QFont())
    name = "starter · ONNX model_quantized · CPU"
    short = fit_title(name, fm, fm.horizontalAdvance(name) * 3 // 4)
    assert " · ONNX m" in short and short.endswith(" · CPU") and short.startswith("st") and "…" in short, short
    assert fm.horizontalAdvance(short) <= fm.horizontalAdvance(name) * 3 // 4
    lines = fit_lines("ONNX model_quantized", fm, fm.horizontalAdvance("model_quantized") + 2)
    assert lines == ["ONNX", "model_quantized"]
    names, shared = distinct_names(["starter · ONNX int8 · CPU", "starter · GGUF Q8_0 · CPU"])
    assert names == ["ONNX int8", "GGUF Q8_0"] and shared == "starter · CPU"
    assert distinct_names(["same", "same"])[0] == ["same", "same"]
