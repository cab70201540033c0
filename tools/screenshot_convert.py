"""Screenshot of the Convert → report → Compare all flow (docs/convert.png), on the tiny BERT test model.

Needs the convert extra (torch, transformers, onnx) and a virtual X server::

    xvfb-run -s "-screen 0 2500x1100x24" .venv-convert/bin/python tools/screenshot_convert.py

Converts tests/fixtures/models/tiny-bert to onnx:fp32, onnx:int8 and ct2:int8 through the Convert dialog (the real
CLI subprocess), then clicks Compare all and saves the main window with its new columns beside the dialog's
validation report. Settings, sessions and the converted files go to a temporary folder.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TINY = ROOT / "tests" / "fixtures" / "models" / "tiny-bert"
FORMATS = ("onnx:fp32", "onnx:int8", "ct2:int8")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=str(ROOT / "docs" / "convert.png"))
    args = parser.parse_args()
    os.environ.setdefault("RERANK_PLAYGROUND_HOME", tempfile.mkdtemp(prefix="rp-shot-"))
    sys.path.insert(0, str(ROOT))

    from PySide6.QtCore import QPoint
    from PySide6.QtGui import QColor, QPainter, QPixmap
    from PySide6.QtWidgets import QApplication

    from app.ui.launch import build_window, sample_workspace

    app = QApplication([sys.argv[0]])
    window = build_window(restore=False)
    window.message_bar.clear()
    window.clear_columns()  # only the Compare all columns
    sample_workspace(window, TINY, ())
    window.resize(1560, 760)
    window.move(0, 0)
    window.show()
    models = window.actions_.open_models()
    models.hide()
    dialog = models.converts.open(str(TINY), TINY, TINY.name)
    dialog.move(1570, 0)
    for name, box in dialog.boxes.items():
        box.setChecked(name in FORMATS)
    if not dialog.start():
        print(f"could not start: {dialog.notice.text()}")
        return 1
    _until(app, lambda: not dialog.running(), 300_000)
    if dialog.result is None:
        print(f"conversion failed: {dialog.notice.text()}")
        return 1
    report = dialog.grab()
    dialog.compare_all()
    _until(app, lambda: not window.busy, 120_000)
    window.drift_panel.wait(10_000)
    _wait(app, 800)
    shot = window.grab()
    canvas = QPixmap(shot.width() + report.width() + 10, max(shot.height(), report.height()))
    canvas.fill(QColor("#d0d7de"))
    painter = QPainter(canvas)
    painter.drawPixmap(QPoint(0, 0), shot)
    painter.drawPixmap(QPoint(shot.width() + 10, 0), report)
    painter.end()
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    ok = canvas.save(str(out))
    dialog.close()
    window.close()
    print(f"saved {out}" if ok else f"could not save {out}")
    return 0 if ok else 1


def _until(app, done, msecs: int) -> None:
    import time

    end = time.monotonic() + msecs / 1000
    while not done() and time.monotonic() < end:
        _wait(app, 100)


def _wait(app, msecs: int) -> None:
    from PySide6.QtCore import QEventLoop, QTimer

    loop = QEventLoop()
    QTimer.singleShot(msecs, loop.quit)
    loop.exec()


if __name__ == "__main__":
    sys.exit(main())
