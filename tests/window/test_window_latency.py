"""The GUI thread stays responsive while 1,000 documents score in three columns (ONNX, GGUF, CT2).

Two measures per timer gap: the GUI thread's own CPU time (work that kept the event loop from running: this
must stay under 50 ms always), and wall-clock time. The wall-clock bound is asserted when the machine is not
oversubscribed (1-minute load average below the CPU count); on a shared, overloaded machine the OS scheduler
alone produces gaps over 50 ms even in an idle Qt app, which says nothing about this code.
"""

from __future__ import annotations

import gc
import os
import time
from itertools import pairwise

from PySide6.QtCore import QTimer
from uihelpers import RUN_TIMEOUT_MS, set_input, view_rows

from app.core.types import BackendConfig, Document
from app.ui.columns import controller as states

TICK_MS = 5
MAX_GAP_MS = 50


def test_event_loop_never_blocks_over_50ms(qtbot, window, fixtures_dir):
    model = str(fixtures_dir / "tiny-bert")
    columns = [window.add_column(BackendConfig(model, "onnx", file="onnx/model_quantized.onnx")),
               window.add_column(BackendConfig(model, "gguf", file="gguf/model-q8_0.gguf")),
               window.add_column(BackendConfig(model, "ct2", file="ct2-int8"))]
    docs = [Document(f"Document {i}: the quick brown fox {i % 7} jumps over the lazy dog {i % 13}.")
            for i in range(1000)]
    set_input(window, "which fox jumps", docs)
    qtbot.wait(50)
    # Objects left by earlier tests would make the cyclic GC's full passes (run on whatever thread allocates)
    # far longer than in the app's own process: move them out of the collector's way for this measurement.
    gc.collect()
    gc.freeze()
    ticks: list[tuple[float, float]] = []
    timer = QTimer()
    timer.setInterval(TICK_MS)
    timer.timeout.connect(lambda: ticks.append((time.perf_counter(), time.thread_time())))
    timer.start()
    with qtbot.waitSignal(window.runFinished, timeout=RUN_TIMEOUT_MS):
        assert window.run()
    qtbot.wait(100)  # the results are drawn after the last job ends
    timer.stop()
    gc.unfreeze()
    for widget in columns:
        assert widget.controller.state == states.DONE, widget.controller.message
        assert len(view_rows(widget)) == 1000
    wall = [(b[0] - a[0]) * 1000 for a, b in pairwise(ticks)]
    busy = [(b[1] - a[1]) * 1000 for a, b in pairwise(ticks)]
    assert len(wall) > 20
    print("worst wall (wall, cpu):", sorted(zip(wall, busy))[-3:])
    assert max(busy) < MAX_GAP_MS, f"the GUI thread worked {max(busy):.1f} ms without returning to the loop"
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else 0.0
    if load < (os.cpu_count() or 1):
        assert max(wall) < MAX_GAP_MS, f"event loop blocked for {max(wall):.1f} ms (worst: {sorted(wall)[-5:]})"
