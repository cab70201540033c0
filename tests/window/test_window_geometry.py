"""The window comes back where it was left: no creep by a title bar per launch, kept on the screen."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from app.ui.main_window import MainWindow
from app.ui.settings_bridge import GEOMETRY_MARK, apply_geometry, geometry_bytes

ROOT = Path(__file__).parents[2]


def test_round_trip_and_clamped_to_the_screen(qtbot):
    first = MainWindow()
    qtbot.addWidget(first)
    first.resize(600, 400)
    first.move(123, 77)
    saved = geometry_bytes(first)
    assert saved.startswith(GEOMETRY_MARK)
    assert json.loads(saved[len(GEOMETRY_MARK):]) == {"x": 123, "y": 77, "width": 600, "height": 400,
                                                      "maximized": False}
    again = MainWindow()
    qtbot.addWidget(again)
    assert apply_geometry(again, saved)
    assert (again.frameGeometry().x(), again.frameGeometry().y(), again.width(), again.height()) == \
        (123, 77, 600, 400)
    far = GEOMETRY_MARK + json.dumps({"x": 50_000, "y": -9_000, "width": 90_000, "height": 700}).encode()
    assert apply_geometry(again, far)
    screen = again.screen().availableGeometry()
    assert screen.contains(again.frameGeometry().topLeft()) and again.width() <= screen.width()
    assert not apply_geometry(again, GEOMETRY_MARK + b"{broken")


PROBE = """
import json, os, sys
from PySide6.QtCore import QEventLoop, QTimer
from PySide6.QtWidgets import QApplication
app = QApplication([sys.argv[0]])
from app.ui.main_window import MainWindow
from app.ui.settings_bridge import restore_geometry, save_geometry
w = MainWindow()
restore_geometry(w)
w.show()
def wait(ms):
    loop = QEventLoop(); QTimer.singleShot(ms, loop.quit); loop.exec()
wait(800)
if os.environ.get("MOVE"):
    w.move(200, 150)
    wait(500)
f = w.frameGeometry()
print(json.dumps([f.x(), f.y()]))
save_geometry(w)
w.shutdown()
"""


@pytest.mark.skipif(not (shutil.which("Xvfb") and shutil.which("openbox")),
                    reason="needs Xvfb and a window manager that draws title bars (openbox)")
def test_no_creep_under_a_real_window_manager(tmp_path):
    display = ":93"
    xvfb = subprocess.Popen(["Xvfb", display, "-screen", "0", "1600x1000x24"], stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    env = {**os.environ, "DISPLAY": display, "QT_QPA_PLATFORM": "xcb", "PYTHONPATH": str(ROOT),
           "RERANK_PLAYGROUND_HOME": str(tmp_path)}
    time.sleep(1)
    wm = subprocess.Popen(["openbox"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(1)
    try:
        spots = []
        for move in ("1", "", "", ""):
            out = subprocess.run([sys.executable, "-c", PROBE], env={**env, "MOVE": move}, capture_output=True,
                                 text=True, timeout=60, check=True)
            spots.append(json.loads(out.stdout.strip().splitlines()[-1]))
    finally:
        wm.terminate()
        xvfb.terminate()
    assert spots == [[200, 150]] * 4
