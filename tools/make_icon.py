"""Draw the app icon (score bars) with Qt and save resources/icons/rerank-playground.png (256 px).

Run once: QT_QPA_PLATFORM=offscreen python tools/make_icon.py
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QRectF, Qt  # noqa: E402
from PySide6.QtGui import QColor, QGuiApplication, QImage, QPainter  # noqa: E402

OUT = Path(__file__).resolve().parent.parent / "resources" / "icons" / "rerank-playground.png"


def draw(size: int = 256) -> QImage:
    img = QImage(size, size, QImage.Format.Format_ARGB32)
    img.fill(Qt.GlobalColor.transparent)
    p = QPainter(img)
    p.setRenderHint(QPainter.RenderHint.Antialiasing)
    p.setBrush(QColor("#1f2937"))
    p.setPen(Qt.PenStyle.NoPen)
    p.drawRoundedRect(QRectF(8, 8, size - 16, size - 16), 40, 40)
    colors = ["#22c55e", "#84cc16", "#eab308", "#f97316"]
    widths = [0.78, 0.6, 0.38, 0.18]
    for i, (c, w) in enumerate(zip(colors, widths)):
        p.setBrush(QColor(c))
        y = 48 + i * 44
        p.drawRoundedRect(QRectF(40, y, (size - 80) * w, 30), 10, 10)
    p.end()
    return img


if __name__ == "__main__":
    app = QGuiApplication(sys.argv)
    OUT.parent.mkdir(parents=True, exist_ok=True)
    draw().save(str(OUT))
    print(OUT)
