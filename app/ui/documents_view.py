"""The documents table: multi-line inline editing, grade editing, row reordering by drag, and file/text
drops handed to the panel (``external_drop``)."""

from __future__ import annotations

from PySide6.QtCore import QRect, Qt, QTimer, Signal
from PySide6.QtGui import QDragEnterEvent, QDragMoveEvent, QDropEvent, QKeyEvent, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHeaderView,
    QPlainTextEdit,
    QStyledItemDelegate,
    QTableView,
)

from app.ui.documents_model import COL_GRADE, COL_SOURCE, COL_TEXT, COL_TOKENS, ROWS_MIME

GRADE_ITEMS = ("–", "0", "1", "2", "3")


class TextDelegate(QStyledItemDelegate):
    """Edits a document in a multi-line editor (Enter adds a line; focus out or Tab commits, Esc cancels)."""

    def createEditor(self, parent, option, index):
        editor = QPlainTextEdit(parent)
        editor.setTabChangesFocus(True)
        return editor

    def setEditorData(self, editor, index):
        editor.setPlainText(index.data(Qt.ItemDataRole.EditRole) or "")

    def setModelData(self, editor, model, index):
        model.setData(index, editor.toPlainText(), Qt.ItemDataRole.EditRole)

    def updateEditorGeometry(self, editor, option, index):
        rect = QRect(option.rect)
        rect.setHeight(max(rect.height(), 6 * option.fontMetrics.height()))
        editor.setGeometry(rect)


class GradeDelegate(QStyledItemDelegate):
    def createEditor(self, parent, option, index):
        combo = QComboBox(parent)
        combo.addItems(list(GRADE_ITEMS))
        return combo

    def setEditorData(self, editor, index):
        grade = index.data(Qt.ItemDataRole.EditRole)
        editor.setCurrentIndex(0 if grade is None else int(grade) + 1)

    def setModelData(self, editor, model, index):
        i = editor.currentIndex()
        model.setData(index, None if i <= 0 else i - 1, Qt.ItemDataRole.EditRole)


def is_external(mime) -> bool:
    """Files, folders or plain text from outside (not our own row drag)."""
    return not mime.hasFormat(ROWS_MIME) and (mime.hasUrls() or mime.hasText())


class DocumentsView(QTableView):
    """Signals ``external_drop(list[str] paths, str text)`` for drops from outside; ``delete_pressed`` and
    ``paste_pressed`` for the keyboard shortcuts (handled by the panel)."""

    external_drop = Signal(list, str)
    delete_pressed = Signal()
    paste_pressed = Signal()

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.setSelectionBehavior(QAbstractItemView.SelectRows)
        self.setSelectionMode(QAbstractItemView.ExtendedSelection)
        self.setDragEnabled(True)
        self.setAcceptDrops(True)
        self.viewport().setAcceptDrops(True)
        self.setDragDropMode(QAbstractItemView.DragDrop)
        self.setDefaultDropAction(Qt.DropAction.MoveAction)
        self.setDropIndicatorShown(True)
        self.setWordWrap(False)
        self.setAlternatingRowColors(True)
        self.setEditTriggers(QAbstractItemView.DoubleClicked | QAbstractItemView.EditKeyPressed)
        self.setItemDelegateForColumn(COL_TEXT, TextDelegate(self))
        self.setItemDelegateForColumn(COL_GRADE, GradeDelegate(self))
        self.verticalHeader().setDefaultSectionSize(self.fontMetrics().height() + 8)

    def setModel(self, model) -> None:
        super().setModel(model)
        header = self.horizontalHeader()
        header.setSectionResizeMode(COL_TEXT, QHeaderView.Stretch)
        # Fixed, user-resizable widths: ResizeToContents makes Qt call data() on every row whenever token
        # counts change (about 145,000 calls for 1,000 documents), which stalled the GUI thread for ~0.6 s.
        char = self.fontMetrics().horizontalAdvance("0")
        for col, chars in ((COL_SOURCE, 16), (COL_TOKENS, 9), (COL_GRADE, 7)):
            header.setSectionResizeMode(col, QHeaderView.Interactive)
            header.resizeSection(col, char * chars + 16)

    def selected_rows(self) -> list[int]:
        return sorted({i.row() for i in self.selectionModel().selectedRows()}) if self.selectionModel() else []

    def select_rows(self, rows: list[int]) -> None:
        self.clearSelection()
        mode = self.selectionMode()
        self.setSelectionMode(QAbstractItemView.MultiSelection)
        for r in rows:
            self.selectRow(r)
        self.setSelectionMode(mode)

    # ------------------------------------------------------------ keyboard

    def keyPressEvent(self, event: QKeyEvent) -> None:
        index = self.currentIndex()
        if self.state() != QAbstractItemView.EditingState and index.isValid() and index.column() == COL_GRADE:
            value = {Qt.Key.Key_0: 0, Qt.Key.Key_1: 1, Qt.Key.Key_2: 2, Qt.Key.Key_3: 3, Qt.Key.Key_Minus: None}.get(event.key(), -1)
            if value != -1:
                self.model().setData(index, value)
                return
        if self.state() != QAbstractItemView.EditingState:
            if event.key() in (Qt.Key.Key_Delete, Qt.Key.Key_Backspace):
                self.delete_pressed.emit()
                return
            if event.matches(QKeySequence.Paste):
                self.paste_pressed.emit()
                return
        super().keyPressEvent(event)

    # ------------------------------------------------------------ drag and drop

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if is_external(event.mimeData()):
            event.acceptProposedAction()
        else:
            super().dragEnterEvent(event)

    def dragMoveEvent(self, event: QDragMoveEvent) -> None:
        if is_external(event.mimeData()):
            event.acceptProposedAction()
        else:
            super().dragMoveEvent(event)

    def dropEvent(self, event: QDropEvent) -> None:
        mime = event.mimeData()
        if is_external(mime):
            paths = [u.toLocalFile() for u in mime.urls() if u.isLocalFile()]
            text = "" if mime.hasUrls() else mime.text()
            event.acceptProposedAction()
            # Handled after the drop returns: a dialog inside a drop would block the app we dragged from.
            QTimer.singleShot(0, lambda: self.external_drop.emit(paths, text))
            return
        if mime.hasFormat(ROWS_MIME):
            self._drop_rows(event)
            return
        super().dropEvent(event)

    def _drop_rows(self, event: QDropEvent) -> None:
        """Reorder: the rows land before the row under the cursor (after it in its lower half)."""
        pos = event.position().toPoint()
        index = self.indexAt(pos)
        model = self.model()
        if not index.isValid():
            dest = model.rowCount()
        else:
            rect = self.visualRect(index)
            dest = index.row() + (1 if pos.y() > rect.center().y() else 0)
        model.dropMimeData(event.mimeData(), Qt.DropAction.MoveAction, dest, 0, self.rootIndex())
        # Report a copy so the view does not also delete the "source" rows: the model already moved them.
        event.setDropAction(Qt.DropAction.CopyAction)
        event.accept()
