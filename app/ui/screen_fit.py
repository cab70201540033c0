"""Window sizes that fit the screen the window will open on."""

from __future__ import annotations

from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QWidget


def available_size(widget: QWidget) -> tuple[int, int] | None:
    """Width and height of the screen area free of panels and docks, or None when no screen is known."""
    screen = widget.screen() or QGuiApplication.primaryScreen()
    if screen is None:
        return None
    area = screen.availableGeometry()
    return area.width(), area.height()


def resize_within_screen(widget: QWidget, width: int, height: int, share: float = 0.94) -> None:
    """``widget.resize(width, height)``, shrunk to ``share`` of the available screen where that is smaller
    (a 760-px dialog on a 768-px laptop screen would hide its buttons under the panel)."""
    size = available_size(widget)
    if size is not None:
        width, height = min(width, int(size[0] * share)), min(height, int(size[1] * share))
    widget.resize(width, height)
