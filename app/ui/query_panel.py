"""The query editor, plus the instruction field shown when an instruction-aware model (Qwen3) is loaded."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtGui import QFontMetrics
from PySide6.QtWidgets import QFormLayout, QLabel, QLineEdit, QPlainTextEdit, QWidget

from app.core.families import QWEN3_DEFAULT_INSTRUCTION


class QueryPanel(QWidget):
    changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        form = QFormLayout(self)
        form.setContentsMargins(0, 0, 0, 0)
        self.editor = QPlainTextEdit(self)
        self.editor.setPlaceholderText("Type the search query the documents are ranked against")
        self.editor.setTabChangesFocus(True)
        lines = QFontMetrics(self.editor.font()).lineSpacing()
        self.editor.setFixedHeight(int(lines * 2.6) + 12)
        self.editor.textChanged.connect(self.changed)
        form.addRow("Query", self.editor)
        self.instruction_label = QLabel("Instruction", self)
        self.instruction = QLineEdit(self)
        self.instruction.setPlaceholderText(QWEN3_DEFAULT_INSTRUCTION)
        self.instruction.setToolTip("Task instruction for instruction-aware rerankers such as Qwen3-Reranker. "
                                    "Empty: the model's default instruction.")
        self.instruction.textChanged.connect(self.changed)
        form.addRow(self.instruction_label, self.instruction)
        self.set_instruction_visible(False)

    def query(self) -> str:
        return self.editor.toPlainText()

    def set_query(self, text: str) -> None:
        self.editor.setPlainText(text)

    def instruction_text(self) -> str:
        return self.instruction.text().strip()

    def set_instruction(self, text: str | None) -> None:
        self.instruction.setText(text or "")

    def set_instruction_visible(self, visible: bool) -> None:
        """Shown for instruction-aware models, or whenever an instruction has been typed (never lose it)."""
        visible = visible or bool(self.instruction_text())
        self.instruction_label.setVisible(visible)
        self.instruction.setVisible(visible)
