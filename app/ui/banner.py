"""A dismissable message strip at the top of the window: what happened and what to do."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QToolButton, QWidget

COLORS = {"error": ("#ffebe9", "#cf222e"), "warning": ("#fff8c5", "#9a6700"), "info": ("#ddf4ff", "#0969da")}


class Banner(QFrame):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        row = QHBoxLayout(self)
        row.setContentsMargins(8, 4, 4, 4)
        self.label = QLabel(self)
        self.label.setWordWrap(True)
        self.label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        close = QToolButton(self)
        close.setText("✕")
        close.setAutoRaise(True)
        close.clicked.connect(self.clear)
        row.addWidget(self.label, 1)
        row.addWidget(close)
        self.level = ""
        self.cause: object = None
        self.hide()

    def show_message(self, text: str, level: str = "info", cause: object = None) -> None:
        """Show ``text``; ``cause`` (e.g. the failed column) lets :meth:`clear_cause` take it away once that
        cause is gone."""
        bg, fg = COLORS.get(level, COLORS["info"])
        self.setStyleSheet(f"Banner {{ background: {bg}; border: 1px solid {fg}; border-radius: 4px; }}"
                           f"QLabel {{ color: {fg}; background: transparent; border: none; }}")
        self.level, self.cause = level, cause
        self.label.setText(text)
        self.show()

    def text(self) -> str:
        return "" if self.isHidden() else self.label.text()

    def clear_cause(self, cause: object) -> bool:
        """Hide the message if ``cause`` is what it was shown for; True when it was."""
        if self.cause is None or self.cause is not cause or self.isHidden():
            return False
        self.clear()
        return True

    def clear(self) -> None:
        self.cause = None
        self.level = ""
        self.label.clear()
        self.hide()
