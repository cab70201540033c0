"""Painting for the comparison view: one cell per (document, column) with rank, Δrank, score bar and score;
a header whose column titles are cut part by part over two lines (``app.ui.titles``)."""

from __future__ import annotations

from PySide6.QtCore import QRect, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QFont, QPainter, QPalette
from PySide6.QtWidgets import (
    QHeaderView,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionHeader,
    QStyleOptionViewItem,
)

from app.ui.columns.results_model import DOWN, UP, arrow
from app.ui.compare_model import FIRST_RUN_COL, BarRole, MoveRole, RefRole, ScoreTextRole
from app.ui.titles import fit_lines

RANK_CHARS, MOVE_CHARS, SCORE_CHARS = 4, 4, 7
MIN_BAR = 16


class CompareCellDelegate(QStyledItemDelegate):
    """Result cells: ``rank`` (bold) · ``Δ`` (green up / red down) · bar · score; drops the score text, then
    the Δ, when the cell is too narrow (the tooltip has everything). Other columns: ordinary text."""

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index) -> None:
        if index.column() < FIRST_RUN_COL:  # the number and the text: ordinary (wrapping) text
            super().paint(painter, option, index)
            return
        fraction = index.data(BarRole)
        selected = bool(option.state & QStyle.StateFlag.State_Selected)
        painter.save()
        if selected:
            painter.fillRect(option.rect, option.palette.color(QPalette.ColorRole.Highlight))
        elif index.data(RefRole):
            shade = QColor(option.palette.color(QPalette.ColorRole.Highlight))
            shade.setAlpha(18)
            painter.fillRect(option.rect, shade)
        text_color = option.palette.color(QPalette.ColorRole.HighlightedText if selected
                                          else QPalette.ColorRole.Text)
        fm = option.fontMetrics
        char = self._char_width(fm)
        rect = option.rect.adjusted(3, 0, -3, 0)
        rank_w, move_w, score_w = char * RANK_CHARS, char * MOVE_CHARS, char * SCORE_CHARS
        bold = QFont(option.font)
        bold.setBold(True)
        painter.setFont(bold)
        painter.setPen(text_color)
        rank_rect = QRect(rect.left(), rect.top(), rank_w - 4, rect.height())
        painter.drawText(rank_rect, int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter),
                         str(index.data(Qt.ItemDataRole.DisplayRole) or ""))
        painter.setFont(option.font)
        if fraction is None:  # no result in this column
            painter.restore()
            return
        left = rect.left() + rank_w
        free = rect.right() - left
        show_move = free >= move_w + MIN_BAR
        show_score = free >= move_w + MIN_BAR + score_w
        move = index.data(MoveRole)
        if show_move:
            color = text_color if selected or not move else (UP if move > 0 else DOWN)
            painter.setPen(color)
            painter.drawText(QRect(left, rect.top(), move_w - 4, rect.height()),
                             int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter), arrow(move))
            left += move_w
        right = rect.right() - (score_w if show_score else 0)
        bar_h = min(12, max(6, fm.height() - 4))
        track = QRectF(left, rect.center().y() - bar_h / 2 + 1, max(0, right - left - 4), bar_h)
        _bar(painter, option, track, float(fraction), selected)
        if show_score:
            painter.setPen(text_color)
            painter.drawText(QRect(right, rect.top(), score_w, rect.height()),
                             int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter),
                             str(index.data(ScoreTextRole) or ""))
        painter.restore()

    def _char_width(self, fm) -> int:
        """The width of "0" in ``fm`` (asked once per font, not once per painted cell)."""
        key = (fm.height(), fm.averageCharWidth())
        if getattr(self, "_char", (None,))[0] != key:
            self._char = (key, fm.horizontalAdvance("0"))
        return self._char[1]

    def sizeHint(self, option, index) -> QSize:
        char = self._char_width(option.fontMetrics)
        return QSize(char * (RANK_CHARS + MOVE_CHARS + SCORE_CHARS) + MIN_BAR * 3, option.fontMetrics.height() + 6)


def _bar(painter: QPainter, option, track: QRectF, fraction: float, selected: bool) -> None:
    accent = QColor(option.palette.color(QPalette.ColorRole.HighlightedText if selected
                                         else QPalette.ColorRole.Highlight))
    base = QColor(accent)
    base.setAlpha(45)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(base)
    painter.drawRoundedRect(track, 2, 2)
    if fraction > 0 and track.width() > 0:
        painter.setBrush(accent)
        painter.drawRoundedRect(QRectF(track.left(), track.top(), max(1.5, track.width() * fraction),
                                       track.height()), 2, 2)


class CompareHeader(QHeaderView):
    """Horizontal header: a result column's title on up to two lines, each cut part by part to fit;
    the reference column's title is bold. The full title is in the model's tooltip."""

    LINES = 2

    def __init__(self, parent=None) -> None:
        super().__init__(Qt.Orientation.Horizontal, parent)
        self.setSectionsClickable(True)
        self.setHighlightSections(False)

    def sizeHint(self) -> QSize:
        size = super().sizeHint()
        size.setHeight(self.fontMetrics().lineSpacing() * self.LINES + 10)
        return size

    def section_lines(self, logical: int) -> list[str]:
        """The lines drawn for section ``logical`` at its current width."""
        model = self.model()
        text = str(model.headerData(logical, Qt.Orientation.Horizontal) or "") if model else ""
        if logical < FIRST_RUN_COL:
            return [text]
        indicator = 14 if self.isSortIndicatorShown() else 0
        return fit_lines(text, self.fontMetrics(), self.sectionSize(logical) - 10 - indicator, self.LINES)

    def paintSection(self, painter: QPainter, rect: QRect, logical: int) -> None:  # noqa: N802
        if not rect.isValid():
            return
        opt = QStyleOptionHeader()
        self.initStyleOption(opt)
        opt.rect = rect
        opt.section = logical
        opt.text = ""
        opt.textAlignment = Qt.AlignmentFlag.AlignLeft
        if self.isSortIndicatorShown() and self.sortIndicatorSection() == logical:
            opt.sortIndicator = (QStyleOptionHeader.SortIndicator.SortDown
                                 if self.sortIndicatorOrder() == Qt.SortOrder.AscendingOrder
                                 else QStyleOptionHeader.SortIndicator.SortUp)
        else:
            opt.sortIndicator = QStyleOptionHeader.SortIndicator.None_
        painter.save()
        self.style().drawControl(QStyle.ControlElement.CE_Header, opt, painter, self)
        painter.setPen(self.palette().color(QPalette.ColorRole.ButtonText))
        if self.model() is not None and self.model().headerData(logical, Qt.Orientation.Horizontal, RefRole):
            bold = QFont(self.font())  # the reference column (Δ is against it; its cells are shaded)
            bold.setBold(True)
            painter.setFont(bold)
        painter.drawText(rect.adjusted(5, 2, -5, -2), int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter),
                         "\n".join(self.section_lines(logical)))
        painter.restore()
