"""A native crash of a runtime in a command-line run: one line, exit status 3, the other backends' results kept.

The crash is real: tests/runtime/backends_plugin.py (imported by the worker processes through
RERANK_PLAYGROUND_PLUGINS) replaces one real backend by one that kills its own process with a signal.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from app.cli import main
from app.commands.isolation import EXIT_CRASH
from app.core.evaluation import BM25_NAME

ROOT = Path(__file__).resolve().parent.parent
PLUGIN = str(Path(__file__).parent / "runtime" / "backends_plugin.py")


@pytest.fixture
def crash(monkeypatch):
    """crash("gguf:SIGSEGV") makes that runtime kill its worker process when it scores."""
    monkeypatch.setenv("RERANK_PLAYGROUND_PLUGINS", PLUGIN)

    def arm(spec: str) -> dict:
        monkeypatch.setenv("RP_TEST_CRASH", spec)
        return dict(os.environ)

    return arm


@pytest.mark.parametrize("spec,signal", [("gguf:SIGSEGV", "signal 11, SIGSEGV"),
                                         ("gguf:SIGABRT:load", "signal 6, SIGABRT")])
def test_score_crash_is_one_line_and_status_3(crash, fixtures_dir, spec, signal):
    env = crash(spec)
    gguf = fixtures_dir / "tiny-xlmr" / "gguf" / "model-f16.gguf"
    proc = subprocess.run([sys.executable, "-m", "app.cli", "score", "--model", str(gguf), "--backend", "gguf",
                           "--query", "q", "--doc", "a", "--doc", "b"],
                          capture_output=True, text=True, cwd=ROOT, timeout=120, env=env)
    assert proc.returncode == EXIT_CRASH, proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    assert lines[0].startswith(f"error: the gguf runtime crashed ({signal}) while ")
    assert "model-f16.gguf" in lines[0]


def _dataset(tmp_path) -> str:
    p = tmp_path / "set.jsonl"
    rows = [{"query": "what is a cat", "documents": ["a cat is an animal", "stocks fell", "dogs"], "labels": [2, 0, 1]},
            {"query": "stock market", "documents": ["stocks fell", "a cat"], "labels": [1, 0]}]
    p.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return str(p)


def test_eval_keeps_the_finished_backends_when_one_crashes(crash, fixtures_dir, tmp_path, capsys):
    crash("gguf:SIGSEGV")
    rc = main(["eval", "--model", str(fixtures_dir / "tiny-xlmr"), "--backend",
               "onnx:onnx/model.onnx,gguf:gguf/model-f16.gguf,ct2:ct2", "--dataset", _dataset(tmp_path), "--json"])
    assert rc == EXIT_CRASH
    captured = capsys.readouterr()
    out = json.loads(captured.out)
    names = [r["name"] for r in out["reports"]]
    assert names[0].startswith("onnx") and names[1].startswith("ct2") and names[2] == BM25_NAME
    (failed,) = out["failed"]
    assert failed["backend"] == "gguf" and failed["crashed"]
    assert failed["error"].startswith("the gguf runtime crashed (signal 11, SIGSEGV) while scoring")
    assert "error: gguf: the gguf runtime crashed (signal 11, SIGSEGV)" in captured.err


def test_eval_table_marks_the_crashed_backend(crash, fixtures_dir, tmp_path, capsys):
    crash("onnx:SIGABRT")
    rc = main(["eval", "--model", str(fixtures_dir / "tiny-xlmr"), "--backend", "onnx:onnx/model.onnx,ct2:ct2",
               "--dataset", _dataset(tmp_path), "--no-bm25"])
    assert rc == EXIT_CRASH
    rows = capsys.readouterr().out.splitlines()
    assert rows[2].startswith("ct2 · ")
    assert rows[3].startswith("onnx") and "CRASHED — the onnx runtime crashed (signal 6, SIGABRT)" in rows[3]


def test_self_test_reports_the_crashed_backend_and_goes_on(crash, capsys):
    from app.paths import starter_model_dir

    if starter_model_dir() is None:
        pytest.skip("the starter model is not in resources/models/starter")
    crash("gguf:SIGSEGV")
    assert main(["--self-test"]) == EXIT_CRASH
    out = capsys.readouterr().out
    results = out.split("query:", 1)[1].splitlines()[1:]  # after the device lines and the query
    assert [line.split()[0] for line in results] == ["onnx", "gguf:", "ct2", "self-test:"], out
    onnx, gguf, ct2, verdict = results
    assert gguf.startswith(" gguf: FAILED — the gguf runtime crashed (signal 11, SIGSEGV) while scoring")
    assert onnx.startswith(" onnx [") and ct2.startswith("  ct2 [") and "#1" in onnx and "#1" in ct2
    assert verdict == "self-test: FAILED"
