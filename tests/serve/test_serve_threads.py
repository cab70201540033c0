"""`serve` runs one model, so llama.cpp gets the machine's cores unless --threads says otherwise."""

from __future__ import annotations

import os
import select
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from app.cli import build_parser
from app.commands import serve

ROOT = Path(__file__).resolve().parents[2]
STARTER_GGUF = ROOT / "resources" / "models" / "starter" / "gguf" / "model-q8_0.gguf"


def _config(*argv: str):
    return serve.serve_config(build_parser().parse_args(["serve", *argv]))


def test_default_threads_are_the_cores_this_process_may_use(monkeypatch):
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: set(range(16)))
    assert serve.machine_threads() == 16
    assert _config("--backend", "gguf").threads == 16
    assert _config("--backend", "ct2").threads == 0  # CTranslate2's own default
    assert _config("--backend", "gguf", "--threads", "1").threads == 1  # an explicit count is kept
    assert _config("--backend", "onnx").threads == 0  # onnxruntime's default already is the physical cores
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: {3})  # taskset -c 3 / a 1-CPU container
    assert _config("--backend", "gguf").threads == 1


@pytest.mark.skipif(not STARTER_GGUF.is_file(), reason="starter GGUF not installed")
def test_serve_gguf_reports_the_machine_threads():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen([sys.executable, "-m", "app.cli", "serve", "--backend", "gguf", "--port", str(port)],
                            cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                            env={**os.environ, "PYTHONPATH": str(ROOT)})
    line, deadline = "", time.monotonic() + 90
    try:
        while "Serving" not in line and time.monotonic() < deadline and proc.poll() is None:
            if select.select([proc.stderr], [], [], 1.0)[0]:
                line = proc.stderr.readline()
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        proc.stderr.close()
    n = serve.machine_threads()
    assert f"(gguf, cpu ({n} thread{'' if n == 1 else 's'})" in line, line


def test_busy_machine_hint(monkeypatch, capsys):
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: {0, 1})
    config = _config("--backend", "gguf")
    monkeypatch.setattr(os, "getloadavg", lambda: (12.5, 10.0, 8.0))
    serve._warn_if_busy(config)
    err = capsys.readouterr().err
    assert "load average 12.5 on 2 cores" in err and "try --threads 1" in err
    monkeypatch.setattr(os, "getloadavg", lambda: (0.3, 0.2, 0.1))
    serve._warn_if_busy(config)
    serve._warn_if_busy(_config("--backend", "gguf", "--threads", "1"))
    assert capsys.readouterr().err == ""
