"""The horizontal strip of backend columns, with a hint when there are none."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QHBoxLayout, QLabel, QScrollArea, QWidget

from app.ui.columns.column_widget import ColumnWidget

EMPTY_HINT = ("<p><b>No columns yet.</b></p><p>Click <b>Add column</b> (toolbar or Column menu) and pick a model "
              "folder or file: an ONNX file, a GGUF file or a CTranslate2 folder. Each column runs one model on "
              "one backend and device; <b>Run</b> scores the query and documents in every column at once.</p>")


class ColumnsArea(QScrollArea):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWidgetResizable(True)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAsNeeded)
        inner = QWidget(self)
        self.row = QHBoxLayout(inner)
        self.row.setContentsMargins(0, 0, 0, 0)
        self.hint = QLabel(EMPTY_HINT, inner)
        self.hint.setWordWrap(True)
        self.hint.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.hint.setMargin(24)
        self.row.addWidget(self.hint, 1)
        self.setWidget(inner)
        self.widgets: list[ColumnWidget] = []

    def add(self, widget: ColumnWidget) -> None:
        self.widgets.append(widget)
        self.row.addWidget(widget, 1)
        self.hint.hide()

    def remove(self, widget: ColumnWidget) -> None:
        self.widgets.remove(widget)
        self.row.removeWidget(widget)
        widget.hide()
        widget.deleteLater()
        self.hint.setVisible(not self.widgets)
