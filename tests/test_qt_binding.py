"""Guard against a Qt binding that corrupts reference counts (PySide6 6.12.0 on Python 3.11 aborts the app).

pytest itself holds thousands of references to True/None, which hides the bug in-process; a fresh interpreter
shows it within a few hundred signal emits.
"""

import subprocess
import sys

CODE = """
from PySide6.QtCore import QCoreApplication, QObject, QStringListModel, Qt, Signal
app = QCoreApplication([])
class S(QObject):
    s = Signal(int)
o = S()
o.s.connect(lambda v: None)
for i in range(20000):
    o.s.emit(i)
model = QStringListModel(["a"])  # keep the model alive: an index does not own it
index = model.index(0, 0)
for _ in range(20000):
    index.data(Qt.DecorationRole)
print("ok")
"""


def test_signals_and_models_do_not_leak_singletons():
    out = subprocess.run([sys.executable, "-c", CODE], capture_output=True, text=True, timeout=120,
                         env={"QT_QPA_PLATFORM": "offscreen", "PATH": "/usr/bin:/bin"})
    assert out.returncode == 0 and out.stdout.strip() == "ok", out.stderr[-500:]
