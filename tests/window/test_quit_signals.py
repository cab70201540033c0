"""SIGTERM and Ctrl+C close the window like its close button: the last session is saved, workers stop."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from app.ui.quit_signals import CloseOnSignals

pytestmark = pytest.mark.skipif(not hasattr(signal, "SIGTERM") or sys.platform == "win32",
                                reason="POSIX signals")


def test_a_signal_calls_close_once_on_the_gui_thread(qtbot):
    calls = []
    router = CloseOnSignals(lambda: calls.append(1))
    try:
        assert router.active
        os.kill(os.getpid(), signal.SIGTERM)
        os.kill(os.getpid(), signal.SIGINT)
        qtbot.waitUntil(lambda: bool(calls), timeout=3000)
        qtbot.wait(100)
        assert calls == [1]
    finally:
        router.restore()
    assert signal.getsignal(signal.SIGTERM) == signal.SIG_DFL


def test_sigterm_saves_the_typed_query_and_documents(tmp_path):
    """The real app in a subprocess (offscreen): type, SIGTERM, and the last session holds what was typed."""
    home = tmp_path / "home"
    script = tmp_path / "app.py"
    script.write_text(
        "import sys\n"
        f"sys.path.insert(0, {str(Path(__file__).resolve().parents[2])!r})\n"
        "from PySide6.QtCore import QTimer\n"
        "from app.ui import launch\n"
        "real_build = launch.build_window\n"
        "def build(*a, **k):\n"
        "    w = real_build(restore=False)\n"
        "    w.first_run = False\n"
        "    for c in list(w.columns.widgets):\n"
        "        w.remove_column(c)\n"
        "    from app.core.types import Document\n"
        "    w.query_panel.set_query('a query typed before the kill')\n"
        "    w.documents_panel.model.set_documents([Document('first typed document'),\n"
        "                                            Document('second typed document')])\n"
        "    QTimer.singleShot(300, lambda: print('READY', flush=True))\n"
        "    return w\n"
        "launch.build_window = build\n"
        "sys.exit(launch.launch([]))\n")
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", RERANK_PLAYGROUND_HOME=str(home))
    proc = subprocess.Popen([sys.executable, str(script)], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)
    try:
        deadline = time.monotonic() + 60
        line = ""
        while "READY" not in line and time.monotonic() < deadline:
            line = proc.stdout.readline()
            if not line and proc.poll() is not None:
                break
        assert "READY" in line, proc.stderr.read()
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=30) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
    saved = (home / "sessions" / "last-session.json").read_text()
    assert "a query typed before the kill" in saved and "second typed document" in saved
