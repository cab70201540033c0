"""A small dialog asking which CSV column / JSONL field holds the documents' text."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import QComboBox, QDialog, QDialogButtonBox, QLabel, QVBoxLayout, QWidget

from app.core.importers import FieldChoice


class FieldChoiceDialog(QDialog):
    def __init__(self, path: Path, choice: FieldChoice, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(f"Import {path.name}")
        self.combo = QComboBox(self)
        self.combo.addItems(list(choice.options))
        self.combo.setCurrentText(choice.default)
        label = QLabel(f"Which {choice.kind} of <b>{path.name}</b> holds the document text?<br>"
                       f"“{choice.default}” has the most text.", self)
        buttons = QDialogButtonBox(QDialogButtonBox.Ok | QDialogButtonBox.Cancel, self)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(label)
        layout.addWidget(self.combo)
        layout.addWidget(buttons)

    def selected(self) -> str:
        return self.combo.currentText()


def ask_field(parent: QWidget | None, path: Path, choice: FieldChoice) -> str | None:
    """Modal question; the chosen column/field, or None when the user cancels (the file is then skipped)."""
    dialog = FieldChoiceDialog(path, choice, parent)
    try:
        return dialog.selected() if dialog.exec() == QDialog.Accepted else None
    finally:
        dialog.deleteLater()
