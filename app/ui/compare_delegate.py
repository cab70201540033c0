"""Painting for the comparison view: one cell per (document, column) with rank, Δrank, score bar and score;
a header whose column titles are cut part by part over two lines (``app.ui.titles``)."""

from __future__ import annotations

from PySide6.QtCore import QRect, QSize, Qt
from PySide6.QtGui import QColor, QFont, QPainter, QPalette
from PySide6.QtWidgets import (
    QHeaderView,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionHeader,
    QStyleOptionViewItem,
)

from app.ui.columns.results_model import DOWN, UP, arrow
from app.ui.compare_model import FIRST_RUN_COL, CellRole, RefRole
from app.ui.titles import fit_lines

RANK_CHARS, MOVE_CHARS, SCORE_CHARS = 4, 4, 7
MIN_BAR = 16
RIGHT = int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
LEFT = int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)


class CompareCellDelegate(QStyledItemDelegate):
    """Result cells: ``rank`` (bold) · ``Δ`` (green up / red down) · bar · score; drops the score text, then
    the Δ, when the cell is too narrow (the tooltip has everything). Other columns: ordinary text."""

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index) -> None:
        if index.column() < FIRST_RUN_COL:  # the number and the text: ordinary (wrapping) text
            super().paint(painter, option, index)
            return
        rank, fraction, move, score, is_ref = index.data(CellRole)  # one model call per cell
        selected = bool(option.state & QStyle.StateFlag.State_Selected)
        palette = option.palette
        accent = palette.color(QPalette.ColorRole.Highlight)
        if selected:
            painter.fillRect(option.rect, accent)
        elif is_ref:
            painter.fillRect(option.rect, QColor(accent.red(), accent.green(), accent.blue(), 18))
        text_color = palette.color(QPalette.ColorRole.HighlightedText if selected else QPalette.ColorRole.Text)
        fm = option.fontMetrics
        char = self._char_width(fm)
        rect = option.rect.adjusted(3, 0, -3, 0)
        top, height = rect.top(), rect.height()
        rank_w, move_w, score_w = char * RANK_CHARS, char * MOVE_CHARS, char * SCORE_CHARS
        painter.setFont(self._bold(option.font))
        painter.setPen(text_color)
        painter.drawText(QRect(rect.left(), top, rank_w - 4, height), RIGHT, rank)
        painter.setFont(option.font)
        if fraction is None:  # no result in this column
            return
        left = rect.left() + rank_w
        free = rect.right() - left
        show_score = free >= move_w + MIN_BAR + score_w
        if free >= move_w + MIN_BAR:
            painter.setPen(text_color if selected or not move else (UP if move > 0 else DOWN))
            painter.drawText(QRect(left, top, move_w - 4, height), LEFT, arrow(move))
            left += move_w
        right = rect.right() - (score_w if show_score else 0)
        bar_h = min(12, max(6, fm.height() - 4))
        bar_top = rect.center().y() - bar_h // 2 + 1
        width = max(0, right - left - 4)
        bar = text_color if selected else accent
        painter.fillRect(QRect(left, bar_top, width, bar_h), QColor(bar.red(), bar.green(), bar.blue(), 45))
        if fraction > 0 and width > 0:
            painter.fillRect(QRect(left, bar_top, max(2, round(width * fraction)), bar_h), bar)
        if show_score:
            painter.setPen(text_color)
            painter.drawText(QRect(right, top, score_w, height), RIGHT, score)

    def _bold(self, font: QFont) -> QFont:
        """``font`` in bold, made once per font."""
        key = font.key()
        if getattr(self, "_bold_font", (None,))[0] != key:
            bold = QFont(font)
            bold.setBold(True)
            self._bold_font = (key, bold)
        return self._bold_font[1]

    def _char_width(self, fm) -> int:
        """The width of "0" in ``fm`` (asked once per font, not once per painted cell)."""
        key = (fm.height(), fm.averageCharWidth())
        if getattr(self, "_char", (None,))[0] != key:
            self._char = (key, fm.horizontalAdvance("0"))
        return self._char[1]

    def sizeHint(self, option, index) -> QSize:
        char = self._char_width(option.fontMetrics)
        return QSize(char * (RANK_CHARS + MOVE_CHARS + SCORE_CHARS) + MIN_BAR * 3, option.fontMetrics.height() + 6)


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
