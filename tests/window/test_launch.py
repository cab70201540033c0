"""Start-up: the window shows fast, without importing any inference runtime in the GUI process."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from app.ui.launch import SAMPLE_DOCUMENTS, SAMPLE_QUERY, sample_workspace

ROOT = Path(__file__).parents[2]
PROBE = """
import json, sys, time
t0 = time.perf_counter()
from PySide6.QtWidgets import QApplication
app = QApplication([])
from app.ui.launch import build_window
w = build_window()
w.show()
app.processEvents()
shown = time.perf_counter() - t0
heavy = sorted(m for m in ("onnxruntime", "llama_cpp", "ctranslate2", "torch") if m in sys.modules)
print(json.dumps({"shown_s": shown, "heavy": heavy, "columns": len(w.columns.widgets),
                  "message": w.message_bar.text()}))
w.shutdown()
"""


def test_window_shows_fast_without_runtimes(tmp_path):
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "RERANK_PLAYGROUND_HOME": str(tmp_path),
           "PYTHONPATH": str(ROOT)}
    out = subprocess.run([sys.executable, "-c", PROBE], cwd=ROOT, env=env, capture_output=True, text=True,
                         timeout=60, check=False)
    assert out.returncode == 0, out.stderr
    result = json.loads(out.stdout.strip().splitlines()[-1])
    assert result["heavy"] == []
    assert result["shown_s"] < 2.0, result
    if result["columns"] == 0:  # no starter model: an empty window that says what to do
        assert "Add column" in result["message"]


def test_sample_workspace_on_the_tiny_models(qtbot, window, fixtures_dir):
    artifacts = (("onnx", "onnx/model_quantized.onnx"), ("gguf", "gguf/model-q8_0.gguf"), ("ct2", "ct2-int8"))
    sample_workspace(window, fixtures_dir / "tiny-xlmr", artifacts)
    assert window.query_panel.query() == SAMPLE_QUERY
    assert [d.text for d in window.documents_panel.documents()] == list(SAMPLE_DOCUMENTS)
    assert [c.config.backend for c in window.column_specs()] == ["onnx", "gguf", "ct2"]
