"""Start the app with the sample columns, run the Evaluate view on a small labelled set, save a screenshot.

Under a virtual X server::

    xvfb-run -s "-screen 0 1800x1000x24" python tools/evaluate_screenshot.py --out docs/evaluate.png

The dataset is the bundled held-out set when this build has it, else a few labelled queries made from the tiny
test models' reference groups (tests/fixtures/models/references.json). Settings go to a temporary folder.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TINY = ROOT / "tests" / "fixtures" / "models" / "tiny-xlmr"


def _fallback_dataset(folder: Path) -> Path:
    groups = json.loads((ROOT / "tests" / "fixtures" / "models" / "references.json").read_text())["groups"]
    lines = []
    for g in groups:
        labels = [0] * len(g["documents"])
        labels[g["relevant"]] = 3
        lines.append(json.dumps({"query": g["query"], "documents": g["documents"], "labels": labels}))
    path = folder / "mini-eval.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=str(ROOT / "docs" / "evaluate.png"))
    parser.add_argument("--queries", type=int, default=0, help="use only the first N queries (0: all)")
    args = parser.parse_args()
    home = tempfile.mkdtemp(prefix="rp-eval-shot-")
    os.environ.setdefault("RERANK_PLAYGROUND_HOME", home)
    sys.path.insert(0, str(ROOT))

    from PySide6.QtWidgets import QApplication

    from app.paths import starter_model_dir
    from app.ui.evaluate_view import bundled_dataset
    from app.ui.launch import STARTER_ARTIFACTS, build_window, sample_workspace

    app = QApplication([sys.argv[0]])
    window = build_window(restore=False)
    if starter_model_dir() is None:
        window.message_bar.clear()
        sample_workspace(window, TINY, STARTER_ARTIFACTS[:2] + (("ct2", "ct2-int8"),))
    window.show()
    view = window.actions_.open_evaluate()
    view.move(40, 40)
    if not bundled_dataset().is_file():
        view.set_dataset(_fallback_dataset(Path(home)))
    view.max_queries.setValue(args.queries)
    _wait(app, 300)
    if view.start():
        _wait_until(app, lambda: view.run_ is not None and not view.busy, 900_000)
    view.tabs.setCurrentIndex(1)  # the per-query drill-down, its worst query for the first column picked
    view.per_query.sortItems(2)
    view.per_query.selectRow(0)
    _wait(app, 500)
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    ok = view.grab().save(str(out))
    print(view.status.text())
    window.close()
    print(f"saved {out}" if ok else f"could not save {out}")
    return 0 if ok else 1


def _wait(app, msecs: int) -> None:
    from PySide6.QtCore import QEventLoop, QTimer

    loop = QEventLoop()
    QTimer.singleShot(msecs, loop.quit)
    loop.exec()


def _wait_until(app, condition, msecs: int) -> None:
    waited = 0
    while not condition() and waited < msecs:
        _wait(app, 100)
        waited += 100


if __name__ == "__main__":
    sys.exit(main())
