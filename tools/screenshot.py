"""Start the app with a sample workspace, run every column, and save a screenshot (docs/screenshot.png).

Under a virtual X server (Debian: ``apt-get install xvfb libxcb-cursor0``)::

    xvfb-run -s "-screen 0 1800x1000x24" python tools/screenshot.py --out docs/screenshot.png

Uses the bundled starter model when it exists, else the tiny test models (tests/fixtures/models/tiny-xlmr).
Settings and sessions go to a temporary folder, never to your own.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TINY = ROOT / "tests" / "fixtures" / "models" / "tiny-xlmr"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=str(ROOT / "docs" / "screenshot.png"))
    parser.add_argument("--size", default="1780x960")
    args = parser.parse_args()
    os.environ.setdefault("RERANK_PLAYGROUND_HOME", tempfile.mkdtemp(prefix="rp-shot-"))
    sys.path.insert(0, str(ROOT))

    from PySide6.QtCore import QEventLoop, QTimer
    from PySide6.QtWidgets import QApplication

    from app.paths import starter_model_dir
    from app.ui.launch import STARTER_ARTIFACTS, build_window, sample_workspace

    app = QApplication([sys.argv[0]])
    window = build_window(restore=False)
    if starter_model_dir() is None:
        window.message_bar.clear()
        sample_workspace(window, TINY, STARTER_ARTIFACTS[:2] + (("ct2", "ct2-int8"),))
    width, height = (int(v) for v in args.size.split("x"))
    window.resize(width, height)
    window.move(0, 0)
    window.show()
    _wait(app, 300)
    done = QEventLoop()
    window.runFinished.connect(done.quit)
    QTimer.singleShot(120_000, done.quit)
    if window.run():
        done.exec()
    window.drift_panel.wait(10_000)
    _wait(app, 600)
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    ok = window.grab().save(str(out))
    window.close()
    print(f"saved {out}" if ok else f"could not save {out}")
    return 0 if ok else 1


def _wait(app, msecs: int) -> None:
    from PySide6.QtCore import QEventLoop, QTimer

    loop = QEventLoop()
    QTimer.singleShot(msecs, loop.quit)
    loop.exec()


if __name__ == "__main__":
    sys.exit(main())
