"""An inline message banner (no modal QMessageBox): what happened, what to do, an optional action button."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QToolButton

LEVELS = {
    "info": ("ℹ", "#e8f0fe", "#1a3d7c"),
    "warning": ("⚠", "#fff4e0", "#7a4b00"),
    "error": ("✖", "#fde8e8", "#8a1c1c"),
}
MAX_LINES = 6


class MessageBar(QFrame):
    """Hidden until :meth:`show_message`; closed by its × button or replaced by the next message."""

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.setObjectName("messageBar")
        self.setFrameShape(QFrame.StyledPanel)
        self._level = "info"
        self._callback: Callable[[], None] | None = None
        self._icon = QLabel(self)
        self._label = QLabel(self)
        self._label.setWordWrap(True)
        self._label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self._action = QPushButton(self)
        self._action.clicked.connect(self._run_action)
        self._close = QToolButton(self)
        self._close.setText("×")
        self._close.setToolTip("Dismiss")
        self._close.setAutoRaise(True)
        self._close.clicked.connect(self.dismiss)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(8, 4, 4, 4)
        layout.addWidget(self._icon, 0, Qt.AlignmentFlag.AlignTop)
        layout.addWidget(self._label, 1)
        layout.addWidget(self._action, 0, Qt.AlignmentFlag.AlignTop)
        layout.addWidget(self._close, 0, Qt.AlignmentFlag.AlignTop)
        self.hide()

    def show_message(self, text: str, level: str = "info", *, action_text: str | None = None,
                     action: Callable[[], None] | None = None) -> None:
        """Show ``text`` (long messages are cut to a few lines; the tooltip holds all of it)."""
        icon, background, foreground = LEVELS[level]
        self._level = level
        lines = text.strip().split("\n")
        shown = "\n".join(lines[:MAX_LINES])
        if len(lines) > MAX_LINES:
            shown += f"\n… and {len(lines) - MAX_LINES} more (hover to see all)"
        self._icon.setText(icon)
        self._label.setText(shown)
        self.setToolTip(text if len(lines) > MAX_LINES else "")
        self.setStyleSheet(f"#messageBar {{ background: {background}; border-radius: 4px; }} "
                           f"#messageBar QLabel {{ color: {foreground}; }}")
        self._callback = action
        self._action.setText(action_text or "")
        self._action.setVisible(bool(action_text and action))
        self.show()

    def dismiss(self) -> None:
        self._callback = None
        self.hide()

    def text(self) -> str:
        return self._label.text()

    def level(self) -> str:
        return self._level

    def action_text(self) -> str:
        return self._action.text() if self._action.isVisibleTo(self) else ""

    def trigger_action(self) -> None:
        """Press the action button (what a click does)."""
        self._action.click()

    def _run_action(self) -> None:
        callback, self._callback = self._callback, None
        self.hide()
        if callback:
            callback()
