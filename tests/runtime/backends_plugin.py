"""Test-only backends, imported INSIDE worker processes (RERANK_PLAYGROUND_PLUGINS / ModelWorker(plugins=)).

- ``abort``: the real ONNX backend that calls ``os.abort()`` when asked to score (a native crash stand-in:
  SIGABRT, exactly what a llama.cpp assert does).
- ``slow-onnx``: the real ONNX backend, sleeping ``SLOW_BATCH_S`` per batch so a test can cancel mid-run.
"""

from __future__ import annotations

import os
import time

from app.backends import registry
from app.backends.onnx import OnnxBackend

SLOW_BATCH_S = 0.05


class AbortingBackend(OnnxBackend):
    name = "abort"
    label = "ONNX that aborts (test)"

    def _run_batch(self, pairs):
        os.abort()


class SlowOnnxBackend(OnnxBackend):
    name = "slow-onnx"
    label = "ONNX, slowed down (test)"

    def _run_batch(self, pairs):
        time.sleep(SLOW_BATCH_S)
        return super()._run_batch(pairs)


registry.register("abort", AbortingBackend)
registry.register("slow-onnx", SlowOnnxBackend)
