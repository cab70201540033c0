"""The comparison view in the window, on real runtimes: the default with five columns, the same order as each
column when sorted by it, one selection shared by every view, the preview's cut and winning chunk."""

from __future__ import annotations

import re

from PySide6.QtCore import Qt
from uihelpers import run_and_wait as run_columns
from uihelpers import set_input

from app.core.serialize import ColumnSpec
from app.core.types import BackendConfig, ChunkOptions, Document, ScoreOptions
from app.ui.compare_model import COL_DOC, DocIndexRole, run_column

FIVE = (("onnx", "onnx/model.onnx"), ("onnx", "onnx/model_quantized.onnx"), ("gguf", "gguf/model-q8_0.gguf"),
        ("ct2", "ct2"), ("ct2", "ct2-int8"))
DOCS = [Document(t) for t in (
    "a cat is a small animal that sleeps a lot", "the stock market fell sharply today",
    "cats and dogs are popular pets", "the weather will be sunny tomorrow", "a kitten is a young cat",
    "engines need oil to run smoothly", "lions are big cats living in africa", "bake bread at 220 degrees",
)]


def _five_columns(window, fixtures_dir):
    model = str(fixtures_dir / "tiny-bert")
    return [window.add_column(BackendConfig(model, backend, file=file)) for backend, file in FIVE]


def run_and_wait(qtbot, window) -> None:
    """Run every column; return once the comparison has followed (it refreshes one event-loop turn later)."""
    run_columns(qtbot, window)
    qtbot.waitUntil(lambda: not window.compare.pending, timeout=5000)


def _selected_doc(view) -> int | None:
    rows = view.selectionModel().selectedRows()
    return rows[0].data(DocIndexRole) if rows else None


def test_five_columns_open_the_comparison_sorted_like_each_column(qtbot, window, fixtures_dir):
    widgets = _five_columns(window, fixtures_dir)
    compare = window.compare
    assert compare.comparing and compare.toggle_compare.isChecked()
    set_input(window, "what is a cat", DOCS)
    run_and_wait(qtbot, window)
    model = compare.view.model
    assert model.rowCount() == len(DOCS) and model.columnCount() == run_column(len(FIVE))
    header = compare.view.view.horizontalHeader()
    for k, widget in enumerate(widgets):
        header.setSortIndicator(run_column(k), Qt.SortOrder.AscendingOrder)  # a click on the header
        assert model.document_order() == widget.model.document_order(), widget.controller.spec.name
        ranks = widget.model.ranks()
        assert [model.index(r, run_column(k)).data() for r in range(len(DOCS))] == \
               [str(ranks[d]) for d in model.document_order()]
    # Δ against the reference column (the first), as in the columns' own arrows
    ref = widgets[0].model.ranks()
    for k, widget in enumerate(widgets[1:], start=1):
        own = widget.model.ranks()
        assert [model.move(k, d) for d in range(len(DOCS))] == [ref[d] - own[d] for d in range(len(DOCS))]
    # every header line fits its column (titles are cut part by part, never clipped)
    fm = header.fontMetrics()
    for k in range(len(FIVE)):
        assert all(fm.horizontalAdvance(line) <= header.sectionSize(run_column(k)) - 10
                   for line in header.section_lines(run_column(k)))


def test_selecting_a_row_selects_the_document_everywhere(qtbot, window, fixtures_dir):
    widgets = _five_columns(window, fixtures_dir)
    set_input(window, "what is a cat", DOCS)
    run_and_wait(qtbot, window)
    window.drift_panel.wait(10_000)
    qtbot.waitUntil(lambda: window.drift_panel.model.rowCount() == len(DOCS), timeout=10_000)
    compare = window.compare
    view = compare.view.view
    row = 5
    doc = compare.view.model.index(row, 0).data(DocIndexRole)
    with qtbot.waitSignal(compare.documentSelected) as picked:
        qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton,
                         pos=view.visualRect(compare.view.model.index(row, COL_DOC)).center())
    assert picked.args == [doc]
    assert window.documents_panel.view.selected_rows() == [doc]
    for widget in widgets:
        rows = widget.view.selectionModel().selectedRows()
        assert [widget.model.document_order()[r.row()] for r in rows] == [doc]
    drift = window.drift_panel
    drift_rows = drift.view.selectionModel().selectedRows()
    assert [drift.model.document_at(r.row()) for r in drift_rows] == [doc]
    assert drift.scatter.selected == doc
    assert window.compare.preview.title.text().startswith(f"<b>Document {doc + 1}</b>")
    # ... and the other way: a row picked in one column, a dot picked in the scatter
    other = widgets[2].model.document_order()[0]
    widgets[2].view.selectRow(0)
    assert _selected_doc(view) == other and window.documents_panel.view.selected_rows() == [other]
    last = len(DOCS) - 1 if other != len(DOCS) - 1 else 0
    drift.scatter.picked.emit(last)
    assert _selected_doc(view) == last and drift.scatter.selected == last
    assert window.documents_panel.view.selected_rows() == [last]
    # a multi-selection in the Documents panel (to remove or move them) is left alone
    window.documents_panel.view.select_rows([1, 3])
    assert window.documents_panel.view.selected_rows() == [1, 3]
    assert _selected_doc(view) in (1, 3)


def test_few_columns_keep_the_columns_view_and_the_toggle_switches(qtbot, window, fixtures_dir):
    model = str(fixtures_dir / "tiny-bert")
    window.add_column(BackendConfig(model, "onnx", file="onnx/model.onnx"))
    window.add_column(BackendConfig(model, "ct2", file="ct2"))
    compare = window.compare
    assert not compare.comparing
    set_input(window, "what is a cat", DOCS)
    run_and_wait(qtbot, window)
    compare.toggle_compare.trigger()
    assert compare.comparing and compare.view.model.rowCount() == len(DOCS)  # filled when shown
    compare.view.only_changed.setChecked(True)
    model_ = compare.view.model
    assert all(model_.differs(d) for d in model_.document_order())
    for _ in range(2, 5):  # the user's choice stays when columns are added
        window.add_column(BackendConfig(model, "onnx", file="onnx/model.onnx"))
        assert compare.comparing
    compare.toggle_documents.trigger()
    assert not window.documents_panel.isVisible()
    compare.toggle_documents.trigger()
    assert window.documents_panel.isVisible()


def test_preview_shows_token_counts_the_cut_and_the_winning_chunk(qtbot, window, fixtures_dir):
    model = str(fixtures_dir / "tiny-bert")
    cut = window.add_column(ColumnSpec("cut at 48", BackendConfig(model, "onnx", file="onnx/model.onnx"),
                                       ScoreOptions(max_length=48)))
    chunks = window.add_column(ColumnSpec("chunks of 24", BackendConfig(model, "ct2", file="ct2"),
                                          ScoreOptions(chunk=ChunkOptions(24, 4))))
    long_doc = " ".join(f"sentence {i} is about a cat sleeping in the sun." for i in range(30))
    set_input(window, "where does the cat sleep", [Document("short text about cats"), Document(long_doc)])
    run_and_wait(qtbot, window)
    assert window.compare.preview_slot.isHidden()  # beside two side-by-side columns: until asked for
    window.compare.toggle_preview.trigger()
    window.compare.select(1)
    preview = window.compare.preview
    assert preview.isVisible()
    assert preview.table.rowCount() == 2
    cut_result = cut.controller.last_run.results[1]
    chunk_result = chunks.controller.last_run.results[1]
    assert preview.table.item(0, 2).text() == f"{cut_result.token_count:,}"
    assert preview.table.item(0, 3).text() == f"✂ {cut_result.span[1]:,} of {len(long_doc):,} chars"
    assert preview.table.item(1, 3).text() == (f"chunk {chunk_result.chunk_index + 1}/{chunk_result.chunk_count}"
                                               f" · {chunk_result.span[0]:,}–{chunk_result.span[1]:,}")
    assert preview.marked_entry().column.startswith("cut")
    assert "✂" in preview.text.toPlainText()
    plain = preview.text.toPlainText()
    assert plain.index("✂") >= cut_result.span[1] - 2  # the mark sits where the model stopped reading
    preview.mark.setCurrentIndex(1)
    start, end = chunk_result.span
    assert "✂" not in preview.text.toPlainText()
    marked = re.search(r'background-color:#fff1a8;">([^<]*)</span>', preview.html())
    assert marked and marked.group(1) == long_doc[start:end] and 0 < end - start < len(long_doc)
    window.compare.select(0)
    assert preview.table.item(0, 3).text() == "all" and preview.table.item(1, 3).text() == "all"
