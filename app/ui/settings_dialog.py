"""File ▸ Settings: default threads, batch size and device for new columns, model cache folder, theme."""

from __future__ import annotations

from dataclasses import replace

from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QWidget,
)

from app.ui.settings import DEVICES, Settings, default_cache_dir, load_settings, save_settings


class SettingsDialog(QDialog):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Settings")
        self.setMinimumWidth(520)
        self._loaded = load_settings()
        s = self._loaded
        form = QFormLayout(self)
        self.threads = QSpinBox()
        self.threads.setRange(0, 256)
        self.threads.setSpecialValueText("runtime default")
        self.threads.setValue(s.default_threads)
        form.addRow("Default threads", self.threads)
        self.batch = QSpinBox()
        self.batch.setRange(1, 4096)
        self.batch.setValue(s.batch_size)
        form.addRow("Default batch size", self.batch)
        self.device = QComboBox()
        self.device.addItems(list(DEVICES))
        self.device.setCurrentText(s.device)
        form.addRow("Default device", self.device)
        self.cache = QLineEdit(s.cache_dir)
        browse, reset = QPushButton("Browse…"), QPushButton("Default")
        browse.clicked.connect(self._browse)
        reset.clicked.connect(lambda: self.cache.setText(default_cache_dir()))
        row = QHBoxLayout()
        row.addWidget(self.cache, 1)
        row.addWidget(browse)
        row.addWidget(reset)
        form.addRow("Model cache", row)
        self.theme = QCheckBox("Follow the system's light/dark theme")
        self.theme.setChecked(s.follow_system_theme)
        form.addRow("Theme", self.theme)
        note = QLabel("Defaults apply to new columns. The cache folder and theme apply after a restart.")
        note.setWordWrap(True)
        form.addRow(note)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)

    def _browse(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Model cache folder", self.cache.text())
        if folder:
            self.cache.setText(folder)

    def settings(self) -> Settings:
        return replace(self._loaded, default_threads=self.threads.value(), batch_size=self.batch.value(),
                       device=self.device.currentText(), cache_dir=self.cache.text().strip() or default_cache_dir(),
                       follow_system_theme=self.theme.isChecked())

    def accept(self) -> None:
        save_settings(self.settings())
        super().accept()

    def values(self) -> dict:
        s = self.settings()
        return {"threads": s.default_threads, "batch_size": s.batch_size, "device": s.device}
