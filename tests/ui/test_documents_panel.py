"""The documents panel with real Qt (offscreen): desktop drops of every supported type, folders, paste,
edit/remove/reorder, grades, and bad input that must never lose what is already loaded."""

from __future__ import annotations

import json

from PySide6.QtCore import QMimeData, QPoint, Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QAbstractItemDelegate, QPlainTextEdit

from app.core.types import Document
from app.ui.documents_model import COL_GRADE, COL_TEXT, COL_TOKENS


def texts(panel):
    return [d.text for d in panel.documents()]


def drop_files(qtbot, panel, dnd, paths, widget=None):
    """Drop files on the list (default) and wait until the panel has read them; returns documents added."""
    with qtbot.waitSignal(panel.import_finished, timeout=10000) as blocker:
        drop = dnd.send_drop(widget or panel.view.viewport(), dnd.url_mime(paths))
        assert drop.isAccepted()
    return blocker.args[0]


def test_drop_each_supported_type_on_the_list(qtbot, panel, tmp_path, dnd):
    (tmp_path / "a.txt").write_text("Para one.\n\nPara two.", encoding="utf-8")
    (tmp_path / "b.md").write_text("# Heading\n\nMarkdown body.", encoding="utf-8")
    dnd.write_pdf(tmp_path / "c.pdf", ["Deep learning is a subset of ML.", "Apples are red."])
    dnd.write_docx(tmp_path / "d.docx", ["Word paragraph one.", "Word paragraph two."])
    (tmp_path / "e.csv").write_text("id,text\n1,CSV row one\n2,CSV row two\n", encoding="utf-8")
    (tmp_path / "f.jsonl").write_text('{"text": "JSONL one"}\n{"text": "JSONL two"}\n', encoding="utf-8")
    for name in ("a.txt", "b.md", "c.pdf", "d.docx", "e.csv", "f.jsonl"):
        assert drop_files(qtbot, panel, dnd, [tmp_path / name]) == 2
    assert texts(panel) == ["Para one.", "Para two.", "# Heading", "Markdown body.",
                            "Deep learning is a subset of ML.", "Apples are red.", "Word paragraph one.",
                            "Word paragraph two.", "CSV row one", "CSV row two", "JSONL one", "JSONL two"]
    assert [d.source for d in panel.documents()][::2] == ["a.txt", "b.md", "c.pdf", "d.docx", "e.csv", "f.jsonl"]
    assert panel.banner.level() == "info" and "Added 2 documents from f.jsonl" in panel.banner.text()
    assert panel.count_label.text() == "12 documents"


def test_drop_several_files_and_a_folder_on_the_panel(qtbot, panel, tmp_path, dnd):
    folder = tmp_path / "corpus"
    (folder / "sub").mkdir(parents=True)
    (folder / "z.txt").write_text("zed", encoding="utf-8")
    (folder / "sub" / "a.txt").write_text("alpha\n\nbeta", encoding="utf-8")
    (folder / "notes.xyz").write_text("ignored", encoding="utf-8")
    one = tmp_path / "one.txt"
    one.write_text("single", encoding="utf-8")
    assert drop_files(qtbot, panel, dnd, [one, folder], widget=panel) == 4
    assert texts(panel) == ["single", "alpha", "beta", "zed"]
    assert [d.source for d in panel.documents()] == ["one.txt", "sub/a.txt", "sub/a.txt", "z.txt"]
    assert panel.banner.level() == "warning" and "notes.xyz" in panel.banner.text()


def test_dropping_the_same_file_twice_says_so_and_adds_nothing(qtbot, panel, tmp_path, dnd):
    a = tmp_path / "a.txt"
    a.write_text("Para one.\n\nPara two.", encoding="utf-8")
    assert drop_files(qtbot, panel, dnd, [a, a]) == 2  # twice in one drop: read once
    assert drop_files(qtbot, panel, dnd, [a]) == 0
    assert texts(panel) == ["Para one.", "Para two."]
    assert panel.banner.level() == "warning" and "Skipped 2 documents already in the list" in panel.banner.text()
    other = tmp_path / "b.txt"
    other.write_text("Para one.", encoding="utf-8")  # the same text from another file is a new document
    assert drop_files(qtbot, panel, dnd, [other]) == 1


def test_lines_mode_for_text_files(qtbot, panel, tmp_path, dnd):
    p = tmp_path / "lines.txt"
    p.write_text("one\ntwo\nthree\n", encoding="utf-8")
    panel.split_combo.setCurrentIndex(panel.split_combo.findData("lines"))
    assert drop_files(qtbot, panel, dnd, [p]) == 3


def test_ambiguous_csv_asks_for_the_column(qtbot, panel, choices, tmp_path, dnd):
    p = tmp_path / "q.csv"
    p.write_text("title,body\nShort,A much longer body text\nTiny,Another long body\n", encoding="utf-8")
    choices.answer = "title"
    assert drop_files(qtbot, panel, dnd, [p]) == 2
    assert choices == [("q.csv", ("title", "body"))] and texts(panel) == ["Short", "Tiny"]
    choices.answer = None  # the user cancels the dialog: file skipped, list unchanged
    with qtbot.waitSignal(panel.import_finished) as blocker:
        panel.add_paths([p])
    assert blocker.args == [0] and texts(panel) == ["Short", "Tiny"]
    assert "Skipped q.csv: no column was chosen" in panel.banner.text()


def test_jsonl_field_is_asked_when_there_is_no_text_field(qtbot, panel, choices, tmp_path, dnd):
    p = tmp_path / "d.jsonl"
    p.write_text(json.dumps({"q": "x", "passage_body": "long passage"}) + "\n", encoding="utf-8")
    choices.answer = "q"
    assert drop_files(qtbot, panel, dnd, [p]) == 1 and texts(panel) == ["x"]
    assert choices[0][1] == ("q", "passage_body")


def test_bad_files_show_a_banner_and_keep_the_list(qtbot, panel, tmp_path, dnd):
    panel.set_documents([Document("kept one"), Document("kept two")], [2, None])
    binary = tmp_path / "blob.txt"
    binary.write_bytes(b"\x00\x01\x02binary")
    broken = tmp_path / "broken.pdf"
    broken.write_bytes(b"%PDF-1.4 garbage")
    huge = tmp_path / "huge.txt"
    with huge.open("wb") as fh:
        fh.truncate(201 * 1024 * 1024)
    bad_json = tmp_path / "bad.jsonl"
    bad_json.write_text("{oops\n", encoding="utf-8")
    empty = tmp_path / "empty.docx"
    empty.write_bytes(b"")
    assert drop_files(qtbot, panel, dnd, [binary, broken, huge, bad_json, empty]) == 0
    message = panel.banner.text()
    assert panel.banner.level() == "error" and "Nothing was imported" in message
    for expected in ("blob.txt looks like a binary file", "broken.pdf could not be read as a PDF",
                     "huge.txt is 201 MB, over the 200 MB limit", "bad.jsonl line 1: not valid JSON",
                     "empty.docx"):
        assert expected in message or expected in panel.banner.toolTip()
    assert texts(panel) == ["kept one", "kept two"] and panel.grades() == [2, None]


def test_non_utf8_file_is_imported_with_a_warning(qtbot, panel, tmp_path, dnd):
    p = tmp_path / "latin.txt"
    p.write_bytes("café".encode("latin-1"))
    assert drop_files(qtbot, panel, dnd, [p]) == 1
    assert panel.banner.level() == "warning" and "latin.txt is not valid UTF-8" in panel.banner.text()


def test_paste_and_text_drop(qtbot, panel, dnd):
    QGuiApplication.clipboard().setText("first doc\nstill first\n\nsecond doc\n")
    assert panel.paste_from_clipboard() == 2
    assert texts(panel) == ["first doc\nstill first", "second doc"]
    QGuiApplication.clipboard().setText("  ")
    assert panel.paste_from_clipboard() == 0 and panel.banner.level() == "warning"
    mime = QMimeData()
    mime.setText("line a\nline b")
    dnd.send_drop(panel.view.viewport(), mime)
    qtbot.waitUntil(lambda: len(panel.documents()) == 4)
    assert texts(panel)[2:] == ["line a", "line b"]
    panel.entry.setText("typed doc")
    qtbot.keyClick(panel.entry, Qt.Key_Return)
    assert texts(panel)[-1] == "typed doc" and panel.entry.text() == ""
    QGuiApplication.clipboard().setText("via\nshortcut")
    panel.view.setFocus()
    qtbot.keyClick(panel.view, Qt.Key_V, Qt.ControlModifier)
    assert texts(panel)[-2:] == ["via", "shortcut"]


def test_inline_edit_through_the_delegate(qtbot, panel):
    panel.set_documents([Document("old text", "x.txt")])
    with qtbot.waitSignal(panel.changed):
        index = panel.model.index(0, COL_TEXT)
        panel.view.setCurrentIndex(index)
        panel.view.edit(index)
        editor = panel.view.findChild(QPlainTextEdit)
        assert editor is not None and editor.toPlainText() == "old text"
        editor.setPlainText("new text\nsecond line")
        panel.view.commitData(editor)
        panel.view.closeEditor(editor, QAbstractItemDelegate.NoHint)
    assert panel.documents() == [Document("new text\nsecond line", "x.txt")]


def test_remove_with_delete_key_and_undo(qtbot, panel):
    panel.set_documents([Document(t) for t in "abcd"], [0, 1, 2, 3])
    panel.view.select_rows([1, 2])
    panel.view.setFocus()
    qtbot.keyClick(panel.view, Qt.Key_Delete)
    assert texts(panel) == ["a", "d"] and "Removed 2 documents" in panel.banner.text()
    assert panel.banner.action_text() == "Undo"
    panel.banner.trigger_action()
    assert texts(panel) == ["a", "b", "c", "d"] and panel.grades() == [0, 1, 2, 3]
    panel.buttons["clear"].click()
    assert texts(panel) == [] and "Cleared 4 documents" in panel.banner.text()
    panel.add_texts(["newer"])  # the list changed after Clear: Undo must not overwrite it
    assert not panel.undo() and texts(panel) == ["newer"]


def test_reorder_with_buttons_and_by_dragging_rows(qtbot, panel, dnd):
    panel.set_documents([Document(t) for t in "abcd"])
    panel.view.select_rows([3])
    panel.buttons["up"].click()
    panel.buttons["up"].click()
    assert texts(panel) == ["a", "d", "b", "c"]
    assert panel.view.selected_rows() == [1]  # the selection follows the moved row
    panel.buttons["down"].click()
    assert texts(panel) == ["a", "b", "d", "c"]
    # drag row 0 ("a") onto the lower half of the last row: it lands at the end
    mime = panel.model.mimeData([panel.model.index(0, COL_TEXT)])
    rect = panel.view.visualRect(panel.model.index(3, COL_TEXT))
    drop = dnd.send_drop(panel.view.viewport(), mime, rect.center() + QPoint(0, 3))
    assert drop.isAccepted() and drop.dropAction() == Qt.CopyAction  # so the view deletes nothing itself
    assert texts(panel) == ["b", "d", "c", "a"]


def test_grade_by_typing_in_the_grade_column(qtbot, panel):
    panel.set_documents([Document("a"), Document("b")])
    panel.view.setFocus()
    panel.view.setCurrentIndex(panel.model.index(1, COL_GRADE))
    with qtbot.waitSignal(panel.grades_changed):
        qtbot.keyClick(panel.view, Qt.Key_3)
    assert panel.grades() == [None, 3]
    qtbot.keyClick(panel.view, Qt.Key_Minus)
    assert panel.grades() == [None, None] and len(panel.documents()) == 2


def test_token_info_and_changed_signal(qtbot, panel):
    with qtbot.waitSignal(panel.changed):
        panel.set_documents([Document("short"), Document("long " * 300)])
    assert panel.set_token_info([3, 612], [False, True], limit=512)
    assert panel.model.data(panel.model.index(1, COL_TOKENS)) == "✂ 612"
    assert not panel.set_token_info([3], [False])


def test_cancelled_import_keeps_the_list(qtbot, panel, tmp_path):
    panel.set_documents([Document("kept")])
    folder = tmp_path / "many"
    folder.mkdir()
    for i in range(50):
        (folder / f"{i:02}.txt").write_text(f"doc {i}", encoding="utf-8")
    with qtbot.waitSignal(panel.import_finished, timeout=10000):
        panel.add_paths([folder])
        assert panel.is_importing() and panel.banner.action_text() == "Cancel"
        panel.banner.trigger_action()
    assert texts(panel)[0] == "kept"
    assert len(panel.documents()) in (1, 51)  # cancelled in time, or the folder was already read
