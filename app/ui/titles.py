"""Column titles that fit their width and still say what the column is.

A title such as "starter · ONNX model_quantized · CPU" is cut part by part: the longest part loses its middle
first ("ONNX mo…ized"), so the model, the runtime and the device all stay visible; only when every part is
short is the end cut. ``ElidedLabel`` shows a title that way and keeps the full text in its tooltip.
"""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QFontMetrics, QPainter
from PySide6.QtWidgets import QLabel, QSizePolicy, QStyledItemDelegate, QWidget

SEP = " · "
MIN_PART = 3  # characters a part keeps (plus "…") before the whole title is cut at the end


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
        longest = max(range(len(parts)), key=lambda i: keep[i] - _protected(parts[i]))
        if keep[longest] - _protected(parts[longest]) <= MIN_PART:
            return metrics.elidedText(candidate, Qt.TextElideMode.ElideRight, width)
        keep[longest] -= 1


def fit_lines(text: str, metrics: QFontMetrics, width: int, lines: int = 2) -> list[str]:
    """``text`` on up to ``lines`` lines of ``width`` pixels, broken between words where that keeps the
    most characters (never leaving a lone "·" at a break); a line that is still too long is cut part by
    part with ``fit_title``."""
    words = text.split(" ")
    if lines <= 1 or len(words) == 1 or metrics.horizontalAdvance(text) <= width:
        return [fit_title(text, metrics, width)]
    best: list[str] = []
    for i in range(1, len(words)):
        head = " ".join(words[:i]).removesuffix(" ·")
        tail = " ".join(words[i:]).removeprefix("· ")
        fitted = [fit_title(head, metrics, width), *fit_lines(tail, metrics, width, lines - 1)]
        if _kept(fitted) > _kept(best):
            best = fitted
    return best


def _kept(lines: list[str]) -> int:
    return sum(len(line) - 2 * line.count("…") for line in lines)


def distinct_names(names: list[str]) -> tuple[list[str], str]:
    """Each name without the parts every name shares, and the shared parts: "starter · ONNX int8 · CPU" and
    "starter · GGUF Q8_0 · CPU" become "ONNX int8", "GGUF Q8_0" and "starter · CPU". A name left empty
    (all names equal) is kept whole."""
    split = [n.split(SEP) for n in names]
    if len(split) < 2:
        return list(names), ""
    common = set(split[0]).intersection(*split[1:])
    out = [SEP.join(p for p in parts if p not in common) or name for parts, name in zip(split, names)]
    shared = SEP.join(p for p in split[0] if p in common)
    return out, shared


def _protected(part: str) -> int:
    """Characters of ``part`` that ``_middle`` keeps whole (its first word and a space)."""
    word, space, rest = part.partition(" ")
    return len(word) + 1 if space and rest else 0


def _middle(part: str, keep: int) -> str:
    """``part`` cut to about ``keep`` characters by removing its middle; a first word (the runtime in
    "ONNX model_quantized") stays whole when there is more after it."""
    if keep >= len(part):
        return part
    word, space, rest = part.partition(" ")
    if space and rest and keep > len(word) + 2:
        return f"{word} {_middle(rest, keep - len(word) - 1)}"
    head = (keep + 1) // 2
    tail = keep - head
    return part[:head] + "…" + (part[len(part) - tail:] if tail else "")


class ElidedLabel(QLabel):
    """A one-line label that shortens its text with ``fit_title`` to the width it gets (full text in the
    tooltip, unless a tooltip is set explicitly)."""

    def __init__(self, text: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._full = self._short = ""
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.setText(text)

    def setText(self, text: str) -> None:  # noqa: N802 - Qt's name
        self._full = text
        super().setText(text)
        self.update()

    def set_short_text(self, text: str) -> None:
        """A shorter title to fall back on when the full one does not fit (e.g. without the parts every
        column shares)."""
        self._short = text
        self.update()

    def full_text(self) -> str:
        return self._full

    def shown_text(self) -> str:
        fm, width = self.fontMetrics(), self.contentsRect().width()
        if fm.horizontalAdvance(self._full) <= width or not self._short:
            return fit_title(self._full, fm, width)
        return fit_title(self._short, fm, width)

    def minimumSizeHint(self) -> QSize:  # noqa: N802
        return QSize(self.fontMetrics().horizontalAdvance("…" * 3), super().minimumSizeHint().height())

    def paintEvent(self, _event) -> None:  # noqa: N802
        p = QPainter(self)
        p.setPen(self.palette().windowText().color())
        p.setFont(self.font())
        p.drawText(self.contentsRect(), int(self.alignment() | Qt.AlignmentFlag.AlignVCenter), self.shown_text())
        p.end()


class TitleDelegate(QStyledItemDelegate):
    """Table cells holding column titles, cut part by part (``fit_title``) instead of at the end."""

    def initStyleOption(self, option, index) -> None:  # noqa: N802 - Qt's name
        super().initStyleOption(option, index)
        option.text = fit_title(option.text, option.fontMetrics, option.rect.width() - 8)
