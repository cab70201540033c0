"""Test-only backends, imported INSIDE worker processes (RERANK_PLAYGROUND_PLUGINS / ModelWorker(plugins=)).

- ``abort``: the real ONNX backend that calls ``os.abort()`` when asked to score (a native crash stand-in:
  SIGABRT, exactly what a llama.cpp assert does).
- ``segv``: the real ONNX backend that raises SIGSEGV on itself when asked to score (a segfault stand-in).
- ``slow-onnx``: the real ONNX backend, sleeping ``SLOW_BATCH_S`` per batch so a test can cancel mid-run.
- ``sleepy``: the real ONNX backend, silent for ``SLEEPY_S`` before its first batch (a long native call).
- ``RP_TEST_CRASH=BACKEND:SIGNAL[:load]`` (e.g. ``gguf:SIGSEGV``) replaces the real backend BACKEND by one that
  kills its own process with SIGNAL when it scores (or, with ``:load``, when it loads): the way to crash one
  runtime of a command-line run (``score``, ``eval``, ``--self-test``, ``serve``) that names real backends.
"""

from __future__ import annotations

import os
import signal
import time

from app.backends import registry
from app.backends.onnx import OnnxBackend

SLOW_BATCH_S = 0.05
SLEEPY_S = 1.5
CRASH_ENV = "RP_TEST_CRASH"


def crash(signame: str) -> None:
    if signame == "SIGABRT":
        os.abort()
    os.kill(os.getpid(), getattr(signal, signame))
    time.sleep(10)  # the signal is delivered at once; never return a result


class AbortingBackend(OnnxBackend):
    name = "abort"
    label = "ONNX that aborts (test)"

    def _run_batch(self, pairs):
        os.abort()


class SegfaultingBackend(OnnxBackend):
    name = "segv"
    label = "ONNX that segfaults (test)"

    def _run_batch(self, pairs):
        crash("SIGSEGV")


class SlowOnnxBackend(OnnxBackend):
    name = "slow-onnx"
    label = "ONNX, slowed down (test)"

    def _run_batch(self, pairs):
        time.sleep(SLOW_BATCH_S)
        return super()._run_batch(pairs)


class SleepyOnnxBackend(OnnxBackend):
    name = "sleepy"
    label = "ONNX, silent for a while (test)"

    def _run_batch(self, pairs):
        time.sleep(SLEEPY_S)
        return super()._run_batch(pairs)


def _crashing(backend: str, signame: str, phase: str) -> type:
    base = registry.backend_class(backend)

    class Crashing(base):
        if phase == "load":
            def _load(self, *args, **kwargs):
                crash(signame)
        else:
            def _run_batch(self, pairs):
                crash(signame)

    Crashing.__name__ = f"Crashing{base.__name__}"
    return Crashing


registry.register("abort", AbortingBackend)
registry.register("segv", SegfaultingBackend)
registry.register("slow-onnx", SlowOnnxBackend)
registry.register("sleepy", SleepyOnnxBackend)
if os.environ.get(CRASH_ENV):
    _name, _sig, *_phase = os.environ[CRASH_ENV].split(":")
    registry.register(_name, _crashing(_name, _sig, _phase[0] if _phase else "score"))
