"""Paints a horizontal score bar behind the score text (``BarRole`` gives the 0..1 fill)."""

from __future__ import annotations

from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QColor, QPainter, QPalette
from PySide6.QtWidgets import QStyle, QStyledItemDelegate, QStyleOptionViewItem

from app.ui.columns.results_model import BarRole

BAR_MIN_WIDTH = 40
TEXT_WIDTH = 58


class ScoreBarDelegate(QStyledItemDelegate):
    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index) -> None:
        fraction = index.data(BarRole)
        if fraction is None:
            super().paint(painter, option, index)
            return
        painter.save()
        if option.state & QStyle.StateFlag.State_Selected:
            painter.fillRect(option.rect, option.palette.color(QPalette.ColorRole.Highlight))
        rect = option.rect.adjusted(3, 4, -3, -4)
        text_w = TEXT_WIDTH if rect.width() > BAR_MIN_WIDTH + TEXT_WIDTH else 0
        track = QRectF(rect.left(), rect.top(), max(0, rect.width() - text_w - 4), rect.height())
        accent = QColor(option.palette.color(QPalette.ColorRole.Highlight))
        base = QColor(accent)
        base.setAlpha(40)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(base)
        painter.drawRoundedRect(track, 2, 2)
        if fraction > 0:
            painter.setBrush(accent)
            fill = QRectF(track.left(), track.top(), max(1.5, track.width() * float(fraction)), track.height())
            painter.drawRoundedRect(fill, 2, 2)
        if text_w:
            painter.setPen(option.palette.color(
                QPalette.ColorRole.HighlightedText if option.state & QStyle.StateFlag.State_Selected
                else QPalette.ColorRole.Text))
            text_rect = rect.adjusted(rect.width() - text_w, -4, 0, 4)
            painter.drawText(text_rect, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter,
                             str(index.data(Qt.ItemDataRole.DisplayRole) or ""))
        painter.restore()

    def sizeHint(self, option, index):
        size = super().sizeHint(option, index)
        size.setWidth(max(size.width(), BAR_MIN_WIDTH + TEXT_WIDTH + 10))
        return size
