"""Open the Models dialog against the local fake Hub (tests/fakehub.py) and save a screenshot (docs/models-dialog.png).

Under a virtual X server (Debian: ``apt-get install xvfb libxcb-cursor0``)::

    xvfb-run -s "-screen 0 1400x900x24" python tools/screenshot_models.py --out docs/models-dialog.png

Serves the tiny test models and a synthetic repo with every format from 127.0.0.1 (never the real Hub), downloads
one artifact, leaves a second one half-way (throttled), and grabs the dialog. ``--tab downloaded`` shows the
local catalogue instead. Caches and settings go to a temporary folder.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _serve():
    sys.path.insert(0, str(ROOT))
    from tests.fakehub import FakeHub
    from tests.hub.conftest import synthetic_files

    fake = FakeHub().start()
    fake.add_repo("acme/tiny-reranker-gguf-onnx-ct2", synthetic_files(), downloads=48_213, likes=120,
                  pipeline_tag="text-ranking", tags=("gguf", "onnx", "ctranslate2"))
    for i, name in enumerate(("tiny-bert", "tiny-xlmr", "tiny-qwen3-reranker")):
        folder = ROOT / "tests" / "fixtures" / "models" / name
        if folder.is_dir():
            fake.add_folder(f"fixtures/{name}", folder, downloads=9000 - 3000 * i, likes=7 - i,
                            pipeline_tag="text-ranking", tags=("onnx", "gguf"))
    return fake


def _wait_until(app, condition, timeout_s: float) -> None:
    end = time.monotonic() + timeout_s
    while not condition() and time.monotonic() < end:
        app.processEvents()
        time.sleep(0.02)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=str(ROOT / "docs" / "models-dialog.png"))
    parser.add_argument("--tab", choices=("hub", "downloaded"), default="hub")
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="rp-models-shot-"))
    os.environ["RERANK_PLAYGROUND_HOME"] = str(tmp / "home")
    os.environ["HF_HOME"] = str(tmp / "hf")
    fake = _serve()
    os.environ["HF_ENDPOINT"] = fake.endpoint

    from PySide6.QtWidgets import QApplication

    from app.ui.models_dialog import LOCAL_TAB, ModelsDialog

    app = QApplication([sys.argv[0]])
    dlg = ModelsDialog()
    dlg.show()
    panel = dlg.hub_panel
    panel.query.setText("tiny")
    panel.search("tiny")
    _wait_until(app, lambda: panel.search_model.rowCount() > 0, 15)
    repo_ids = [h.repo_id for h in panel.search_model.rows()]
    for target in ("fixtures/tiny-bert", repo_ids[0]):
        panel.repos.selectRow(repo_ids.index(target) if target in repo_ids else 0)
        _wait_until(app, lambda t=target: panel.listing is not None and panel.listing.repo_id == t, 15)
        names = [a.name for a in panel.artifact_model.rows()]
        wanted = "onnx/model_quantized.onnx" if target.startswith("fixtures/") else "onnx/model.onnx"
        if target.startswith("fixtures/"):
            task = panel.download(names.index(wanted))
            _wait_until(app, lambda t=task: not t.active, 30)
        else:
            fake.throttle_s = 0.1  # keep this one running for the picture
            row = names.index(wanted)
            panel.artifacts.selectRow(row)
            task = panel.download(row)
            _wait_until(app, lambda t=task: t.last is not None and t.last.done_bytes > 120_000, 30)
            _wait_until(app, lambda: False, 1.2)  # let the speed and ETA settle
    if args.tab == "downloaded":
        dlg.tabs.setCurrentIndex(LOCAL_TAB)
        dlg.local_view.selectRow(0)
    _wait_until(app, lambda: False, 0.4)
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    ok = dlg.grab().save(str(out))
    dlg.shutdown()
    fake.stop()
    print(f"saved {out}" if ok else f"could not save {out}")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
