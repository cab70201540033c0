"""Drift as a picture: each document a dot at (score in column A, score in column B), the diagonal where the two
runtimes agree, dots whose rank differs in another colour. QPainter only; the dots are drawn once into a pixmap
per data change or resize, so 10,000 documents repaint as fast as 4. Hover a dot for its document and scores."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from PySide6.QtCore import QPoint, QPointF, QRectF, QSize, Qt, Signal
from PySide6.QtGui import (
    QColor,
    QMouseEvent,
    QPainter,
    QPaintEvent,
    QPen,
    QPixmap,
    QPolygonF,
    QResizeEvent,
)
from PySide6.QtWidgets import QSizePolicy, QToolTip, QWidget

SAME, DIFFERS = QColor("#0969da"), QColor("#d1242f")
PAD, AXIS = 6, 16  # outer padding; room for the axis labels (one text line)
HIT_PX = 8


class DriftScatter(QWidget):
    """``set_rows(rows, kind)`` with the drift table's rows
    ``(text, rank_a, rank_b, score_a, score_b, delta)``; ``clear()`` empties it. ``picked(index)`` on a click
    on a dot (index into ``rows``)."""

    picked = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.rows: list[tuple] = []
        self.kind = "normalized"
        self.lo, self.hi = 0.0, 1.0
        self._scores = self._xy = np.zeros((0, 2))  # (score A, score B) per row; the same in pixels
        self._changed = np.zeros(0, dtype=bool)  # rank A != rank B per row
        self._pixmap: QPixmap | None = None
        self.selected: int | None = None  # a row drawn ringed (the document selected elsewhere)
        self.setMouseTracking(True)
        self.setMinimumSize(150, 120)
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Expanding)
        self.setToolTip("Each dot is a document: its score in column A (across) and in column B (up). On the "
                        "diagonal both runtimes agree; red dots change rank. Click a dot to find it in the table.")

    def sizeHint(self) -> QSize:
        return QSize(240, 180)

    # ---------------------------------------------------------------- data
    def set_rows(self, rows: Sequence[tuple], kind: str) -> None:
        self.rows, self.kind = list(rows), kind
        scores = np.array([(r[3], r[4]) for r in self.rows], dtype=float).reshape(-1, 2)
        self._changed = np.array([r[1] != r[2] for r in self.rows], dtype=bool)
        if kind == "normalized":
            self.lo, self.hi = 0.0, 1.0
        elif len(scores):
            lo, hi = float(scores.min()), float(scores.max())
            if hi - lo < 1e-9:
                lo, hi = lo - 0.5, hi + 0.5
            margin = (hi - lo) * 0.05
            self.lo, self.hi = lo - margin, hi + margin
        self._scores = scores
        self._invalidate()

    def clear(self) -> None:
        self.set_rows([], self.kind)

    def set_selected(self, index: int | None) -> None:
        """Ring the dot of row ``index`` (None: no ring); drawn over the cached dots, so it costs nothing."""
        if index != self.selected:
            self.selected = index
            self.update()

    @property
    def changed(self) -> int:
        return int(self._changed.sum())

    # ---------------------------------------------------------------- geometry
    def plot_rect(self) -> QRectF:
        """The square where the dots go (same scale on both axes, so the diagonal is the 45° line)."""
        side = max(10.0, min(self.width() - 2 * PAD - AXIS, self.height() - 2 * PAD - AXIS))
        left = PAD + AXIS + max(0.0, (self.width() - 2 * PAD - AXIS - side) / 2)  # centred in the free width
        return QRectF(left, PAD, side, side)

    def _to_px(self, scores: np.ndarray) -> np.ndarray:
        rect, span = self.plot_rect(), (self.hi - self.lo) or 1.0
        x = rect.left() + (scores[:, 0] - self.lo) / span * rect.width()
        y = rect.bottom() - (scores[:, 1] - self.lo) / span * rect.height()
        return np.stack([x, y], axis=1) if len(scores) else np.zeros((0, 2))

    def point_at(self, pos: QPoint | QPointF) -> int | None:
        """Index (in ``rows``) of the dot under ``pos``, or None."""
        if not len(self._xy):
            return None
        d = np.hypot(self._xy[:, 0] - pos.x(), self._xy[:, 1] - pos.y())
        i = int(d.argmin())
        return i if d[i] <= HIT_PX else None

    # ---------------------------------------------------------------- painting
    def _invalidate(self) -> None:
        self._pixmap = None
        self._xy = self._to_px(self._scores)
        self.update()

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._invalidate()

    def paintEvent(self, event: QPaintEvent) -> None:
        if self._pixmap is None or self._pixmap.size() != self.size() * self.devicePixelRatioF():
            self._pixmap = self._render()
        p = QPainter(self)
        p.drawPixmap(0, 0, self._pixmap)
        if self.selected is not None and 0 <= self.selected < len(self._xy):
            x, y = self._xy[self.selected]
            p.setRenderHint(QPainter.RenderHint.Antialiasing)
            p.setPen(QPen(self.palette().windowText().color(), 2))
            p.setBrush(Qt.BrushStyle.NoBrush)
            p.drawEllipse(QPointF(x, y), 6.5, 6.5)
        p.end()

    def _render(self) -> QPixmap:
        ratio = self.devicePixelRatioF()
        pixmap = QPixmap(self.size() * ratio)
        pixmap.setDevicePixelRatio(ratio)
        pixmap.fill(Qt.GlobalColor.transparent)
        p = QPainter(pixmap)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        text = self.palette().windowText().color()
        rect = self.plot_rect()
        faint = QColor(text)
        faint.setAlpha(40)
        p.setPen(QPen(faint, 1))
        p.drawRect(rect)
        p.setPen(QPen(QColor(text.red(), text.green(), text.blue(), 110), 1, Qt.PenStyle.DashLine))
        p.drawLine(rect.bottomLeft(), rect.topRight())  # where A and B agree
        p.setPen(text)
        small = p.font()
        small.setPointSizeF(max(6.0, small.pointSizeF() * 0.85))
        p.setFont(small)
        # axis labels: the combo boxes above name the columns A and B; the tooltip explains the axes
        self._axis_labels(p, QRectF(rect.left(), rect.bottom() + 1, rect.width(), AXIS), "A →")
        p.save()
        p.translate(rect.left() - AXIS, rect.bottom())
        p.rotate(-90)
        self._axis_labels(p, QRectF(0, 0, rect.height(), AXIS), "B →")
        p.restore()
        if len(self._xy):
            diameter = 6.0 if len(self._xy) <= 500 else 4.0 if len(self._xy) <= 3000 else 2.6
            # one drawPoints call per colour (round pen caps make the dots); rank-changed dots last, on top
            for mask, base in ((~self._changed, SAME), (self._changed, DIFFERS)):
                if not mask.any():
                    continue
                color = QColor(base)
                color.setAlpha(200)
                pen = QPen(color, diameter)
                pen.setCapStyle(Qt.PenCapStyle.RoundCap)
                p.setPen(pen)
                p.drawPoints(QPolygonF([QPointF(x, y) for x, y in self._xy[mask].tolist()]))
        p.end()
        return pixmap

    def _axis_labels(self, p: QPainter, band: QRectF, name: str) -> None:
        """The low end, the axis name and the high end along ``band``."""
        p.drawText(band, Qt.AlignmentFlag.AlignLeft, _fmt(self.lo))
        p.drawText(band, Qt.AlignmentFlag.AlignHCenter, name)
        p.drawText(band, Qt.AlignmentFlag.AlignRight, _fmt(self.hi))

    # ---------------------------------------------------------------- hover and click
    def mousePressEvent(self, event: QMouseEvent) -> None:
        i = self.point_at(event.position())
        if i is not None and event.button() == Qt.MouseButton.LeftButton:
            self.picked.emit(i)
        super().mousePressEvent(event)

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        i = self.point_at(event.position())
        if i is None:
            QToolTip.hideText()
        else:
            text, rank_a, rank_b, a, b, delta = self.rows[i]
            shown = text if len(text) <= 120 else text[:117] + "…"
            QToolTip.showText(event.globalPosition().toPoint(),
                              f"{shown}\nA: {a:.4f} (rank {rank_a}) · B: {b:.4f} (rank {rank_b}) · |Δ| {delta:.4f}",
                              self)
        super().mouseMoveEvent(event)


def _fmt(value: float) -> str:
    return f"{value:.2f}" if abs(value) < 100 else f"{value:.0f}"
