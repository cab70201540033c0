"""DocumentsModel without a window: editing, grades, moves, token info, internal drag data."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QModelIndex, Qt

from app.core.types import Document
from app.ui.documents_model import COL_GRADE, COL_SOURCE, COL_TEXT, COL_TOKENS, HEADERS, DocumentsModel


@pytest.fixture
def model(qapp):
    m = DocumentsModel()
    m.set_documents([Document(t, "f.txt") for t in "abcde"], [None, 1, None, 3, 0])
    return m


def texts(m):
    return [d.text for d in m.documents()]


def test_shape_headers_and_roles(model):
    assert (model.rowCount(), model.columnCount()) == (5, len(HEADERS))
    assert model.headerData(COL_GRADE, Qt.Horizontal) == "Grade"
    assert model.headerData(0, Qt.Vertical) == "1"
    assert model.data(model.index(1, COL_SOURCE)) == "f.txt"
    assert model.data(model.index(1, COL_GRADE)) == "1" and model.data(model.index(0, COL_GRADE)) == ""
    assert model.flags(model.index(0, COL_TEXT)) & Qt.ItemIsEditable
    assert not model.flags(model.index(0, COL_TOKENS)) & Qt.ItemIsEditable


def test_edit_text_and_reject_empty(model, qtbot):
    with qtbot.waitSignal(model.documents_changed):
        assert model.setData(model.index(0, COL_TEXT), "  new\ntext  ")
    assert texts(model)[0] == "new\ntext"
    assert model.data(model.index(0, COL_TEXT)) == "new ⏎ text"
    with qtbot.waitSignal(model.rejected) as blocker:
        assert not model.setData(model.index(0, COL_TEXT), "   ")
    assert "cannot be empty" in blocker.args[0] and texts(model)[0] == "new\ntext"


def test_grades(model, qtbot):
    with qtbot.waitSignal(model.grades_changed):
        assert model.set_grade(0, 2)
    assert model.setData(model.index(1, COL_GRADE), "") and model.setData(model.index(2, COL_GRADE), "3")
    assert model.grades() == [2, None, 3, 3, 0]
    with qtbot.waitSignal(model.rejected):
        assert not model.setData(model.index(0, COL_GRADE), 7)
    assert not model.setData(model.index(0, COL_GRADE), True)
    assert model.grades()[0] == 2


def test_moves_keep_grades_with_documents(model):
    assert model.move_rows_to([3, 1], 0) == [0, 1]
    assert texts(model) == ["b", "d", "a", "c", "e"] and model.grades() == [1, 3, None, None, 0]
    assert model.move_down([0]) == [1] and texts(model) == ["d", "b", "a", "c", "e"]
    assert model.move_up([4]) == [3] and texts(model) == ["d", "b", "a", "e", "c"]
    assert model.move_up([0]) == [0] and model.move_down([4]) == [4]
    assert model.move_rows_to([0], 5) == [4] and texts(model)[-1] == "d"


def test_internal_drag_mime_moves_rows(model):
    mime = model.mimeData([model.index(0, 0), model.index(0, 1), model.index(2, 0)])
    assert model.dropMimeData(mime, Qt.MoveAction, -1, 0, QModelIndex())
    assert texts(model) == ["b", "d", "e", "a", "c"]
    assert model.dropMimeData(model.mimeData([model.index(4, 0)]), Qt.MoveAction, 0, 0, QModelIndex())
    assert texts(model) == ["c", "b", "d", "e", "a"]


def test_remove_add_clear(model, qtbot):
    assert model.remove([4, 0, 99]) == 2 and texts(model) == ["b", "c", "d"]
    assert model.add_documents([Document("x"), Document("  ")], row=1) == 1
    assert texts(model) == ["b", "x", "c", "d"]
    with qtbot.waitSignal(model.documents_changed):
        model.clear()
    assert model.rowCount() == 0


def test_token_info_marks_truncation_and_is_cleared_on_edit(model):
    assert not model.set_token_info([1, 2], [False, False])  # stale: the list has 5 documents
    assert model.set_token_info([10, 612, 3, 4, 5], [False, True, False, False, False],
                                cut_at=[None, 1, None, None, None], limit=512)
    assert model.data(model.index(1, COL_TOKENS)) == "✂ 612" and model.data(model.index(0, COL_TOKENS)) == "10"
    assert "512 tokens" in model.data(model.index(1, COL_TOKENS), Qt.ToolTipRole)
    assert "stops reading here" in model.data(model.index(1, COL_TEXT), Qt.ToolTipRole)
    model.setData(model.index(1, COL_TEXT), "changed")
    assert model.data(model.index(1, COL_TOKENS)) == "" and model.data(model.index(0, COL_TOKENS)) == "10"
    model.clear_token_info()
    assert model.data(model.index(0, COL_TOKENS)) == ""
