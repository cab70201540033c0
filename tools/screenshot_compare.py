"""Five columns and 30 documents on a 1366×768 screen: the comparison view screenshot (docs/compare-1366x768.png).

Under a virtual X server at the laptop's size (Debian: ``apt-get install xvfb libxcb-cursor0``)::

    xvfb-run -s "-screen 0 1366x768x24" python tools/screenshot_compare.py --out docs/compare-1366x768.png

The window takes the whole screen, as a maximized window would; the documents are one held-out query's 20
candidates plus 10 from another (resources/eval/debian-heldout.jsonl), scored by the bundled starter model in
five columns: ONNX int8, GGUF Q8_0, CT2 int8, ONNX int8 cut at 64 tokens, CT2 int8 in 48-token chunks.
Settings and sessions go to a temporary folder, never to your own.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
HELDOUT = ROOT / "resources" / "eval" / "debian-heldout.jsonl"
QUERIES = ("HTTP library for Emacs", "simple window manager for emacs")


def _documents() -> tuple[str, list[str]]:
    rows = {r["query"]: r for r in map(json.loads, HELDOUT.read_text(encoding="utf-8").splitlines())}
    first, second = (rows[q] for q in QUERIES)
    return first["query"], first["documents"] + second["documents"][:10]


def _columns(starter: Path):
    from app.core.serialize import ColumnSpec
    from app.core.types import BackendConfig, ChunkOptions, ScoreOptions
    from app.ui.columns.spec import default_name

    onnx = BackendConfig(str(starter), "onnx", file="onnx/model_quantized.onnx")
    gguf = BackendConfig(str(starter), "gguf", file="gguf/model-q8_0.gguf")
    ct2 = BackendConfig(str(starter), "ct2", file="ct2-int8")
    return [ColumnSpec(default_name(onnx), onnx), ColumnSpec(default_name(gguf), gguf),
            ColumnSpec(default_name(ct2), ct2),
            ColumnSpec(default_name(onnx) + " · 64 tokens", onnx, ScoreOptions(max_length=64)),
            ColumnSpec(default_name(ct2) + " · 48-token chunks", ct2, ScoreOptions(chunk=ChunkOptions(48, 8)))]


def _long_document(window, skip: int) -> int:
    """The ``skip``-th document (top row first) that the 64-token column cut and the chunk column split."""
    from app.ui.compare_model import DocIndexRole

    model, controllers = window.compare.view.model, window.column_controllers()
    found = [doc for doc in (model.index(r, 0).data(DocIndexRole) for r in range(model.rowCount()))
             if controllers[3].last_run.results[doc].truncated and controllers[4].last_run.results[doc].chunk_count > 1]
    return found[min(skip, len(found) - 1)] if found else 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=str(ROOT / "docs" / "compare-1366x768.png"))
    parser.add_argument("--size", default="1366x768")
    parser.add_argument("--select", type=int, default=0,
                        help="which long document to select: 0 = the highest ranked one the 64-token column cuts")
    args = parser.parse_args()
    os.environ.setdefault("RERANK_PLAYGROUND_HOME", tempfile.mkdtemp(prefix="rp-shot-"))
    sys.path.insert(0, str(ROOT))

    from PySide6.QtCore import QEventLoop, QTimer
    from PySide6.QtWidgets import QApplication

    from app.core.types import Document
    from app.paths import starter_model_dir
    from app.ui.main_window import MainWindow

    starter = starter_model_dir()
    if starter is None:
        print("the starter model is missing (resources/models/starter)", file=sys.stderr)
        return 2
    app = QApplication([sys.argv[0]])
    window = MainWindow()
    width, height = (int(v) for v in args.size.split("x"))
    window.resize(width, height)
    window.move(0, 0)
    window.show()
    query, texts = _documents()
    window.query_panel.set_query(query)
    window.documents_panel.set_documents([Document(t) for t in texts])
    for spec in _columns(starter):
        window.add_column(spec)
    window.compare.toggle_drift.setChecked(False)  # View ▸ Drift panel: the rows get its height
    _wait(app, 300)
    done = QEventLoop()
    window.runFinished.connect(done.quit)
    QTimer.singleShot(180_000, done.quit)
    if window.run():
        done.exec()
    _wait(app, 300)
    window.compare.select(_long_document(window, args.select))
    window.compare.preview.mark.setCurrentIndex(4)  # the chunk column: its winning chunk highlighted
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
