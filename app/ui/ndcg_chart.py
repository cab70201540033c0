"""A small horizontal bar chart (QPainter, no plotting library): one bar per column, value 0-1."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QRectF, QSize, Qt
from PySide6.QtGui import QColor, QFontMetrics, QPainter, QPaintEvent
from PySide6.QtWidgets import QSizePolicy, QWidget

BAR_COLORS = ("#0969da", "#8250df", "#1a7f37", "#bf3989", "#9a6700", "#cf222e")
ROW_H, GAP, PAD = 22, 6, 8


class BarChart(QWidget):
    """``set_bars([(label, value), ...], title)``; values are drawn on a fixed 0-1 axis."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.bars: list[tuple[str, float]] = []
        self.title = ""
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)

    def set_bars(self, bars: Sequence[tuple[str, float]], title: str = "") -> None:
        self.bars, self.title = list(bars), title
        self.updateGeometry()
        self.setFixedHeight(self.sizeHint().height())
        self.update()

    def sizeHint(self) -> QSize:
        rows = max(1, len(self.bars))
        return QSize(420, PAD * 2 + ROW_H + rows * (ROW_H + GAP))

    def paintEvent(self, event: QPaintEvent) -> None:
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        fm = QFontMetrics(self.font())
        text_color = self.palette().windowText().color()
        p.setPen(text_color)
        p.drawText(QRectF(PAD, PAD, self.width() - 2 * PAD, ROW_H), Qt.AlignmentFlag.AlignVCenter, self.title)
        if not self.bars:
            return
        label_w = min(max(fm.horizontalAdvance(label) for label, _ in self.bars) + 12, self.width() // 3)
        value_w = fm.horizontalAdvance("0.000") + 10
        left = PAD + label_w
        span = max(10, self.width() - left - value_w - PAD)
        for row, (label, value) in enumerate(self.bars):
            top = PAD + ROW_H + row * (ROW_H + GAP)
            shown = fm.elidedText(label, Qt.TextElideMode.ElideMiddle, label_w - 8)
            p.setPen(text_color)
            p.drawText(QRectF(PAD, top, label_w - 8, ROW_H),
                       Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignRight, shown)
            track = QColor(text_color)
            track.setAlpha(28)
            p.fillRect(QRectF(left, top + 3, span, ROW_H - 6), track)
            width = span * min(max(value, 0.0), 1.0)
            p.fillRect(QRectF(left, top + 3, width, ROW_H - 6), QColor(BAR_COLORS[row % len(BAR_COLORS)]))
            p.drawText(QRectF(left + span + 6, top, value_w, ROW_H), Qt.AlignmentFlag.AlignVCenter, f"{value:.3f}")
        p.end()
