"""Column titles that fit their width and still say what the column is.

A title such as "starter · ONNX model_quantized · CPU" is cut part by part: the longest part loses its middle
first ("ONNX mo…ized"), so the model, the runtime and the device all stay visible; only when every part is
short is the end cut. ``ElidedLabel`` shows a title that way and keeps the full text in its tooltip.
"""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QFontMetrics, QPainter
from PySide6.QtWidgets import QLabel, QSizePolicy, QWidget

SEP = " · "
MIN_PART = 4  # characters a part keeps (plus "…") before the whole title is cut at the end


def fit_title(text: str, metrics: QFontMetrics, width: int) -> str:
    """``text`` shortened to ``width`` pixels, part by part (parts are separated by " · ")."""
    if width <= 0:
        return ""
    if metrics.horizontalAdvance(text) <= width:
        return text
    parts = text.split(SEP)
    keep = [len(p) for p in parts]
    while True:
        candidate = SEP.join(_middle(p, n) for p, n in zip(parts, keep))
        if metrics.horizontalAdvance(candidate) <= width:
            return candidate
        longest = max(range(len(parts)), key=lambda i: keep[i])
        if keep[longest] <= MIN_PART:
            return metrics.elidedText(candidate, Qt.TextElideMode.ElideRight, width)
        keep[longest] -= 1


def fit_lines(text: str, metrics: QFontMetrics, width: int, lines: int = 2) -> list[str]:
    """Up to ``lines`` lines: whole parts packed greedily, the last line holding the rest, each fitted."""
    parts = text.split(SEP)
    out: list[str] = []
    while parts and len(out) < lines - 1:
        line = parts.pop(0)
        while parts and metrics.horizontalAdvance(line + SEP + parts[0]) <= width:
            line += SEP + parts.pop(0)
        out.append(line)
    if parts:
        out.append(SEP.join(parts))
    return [fit_title(line, metrics, width) for line in out]


def _middle(part: str, keep: int) -> str:
    if keep >= len(part):
        return part
    head = (keep + 1) // 2
    return part[:head] + "…" + part[len(part) - (keep - head):] if keep - head else part[:head] + "…"


class ElidedLabel(QLabel):
    """A one-line label that shortens its text with ``fit_title`` to the width it gets (full text in the
    tooltip, unless a tooltip is set explicitly)."""

    def __init__(self, text: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._full = ""
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.setText(text)

    def setText(self, text: str) -> None:  # noqa: N802 - Qt's name
        self._full = text
        super().setText(text)
        self.update()

    def full_text(self) -> str:
        return self._full

    def shown_text(self) -> str:
        return fit_title(self._full, self.fontMetrics(), self.contentsRect().width())

    def minimumSizeHint(self) -> QSize:  # noqa: N802
        return QSize(self.fontMetrics().horizontalAdvance("…" * 3), super().minimumSizeHint().height())

    def paintEvent(self, _event) -> None:  # noqa: N802
        p = QPainter(self)
        p.setPen(self.palette().windowText().color())
        p.setFont(self.font())
        p.drawText(self.contentsRect(), int(self.alignment() | Qt.AlignmentFlag.AlignVCenter), self.shown_text())
        p.end()
