"""The parent side of bench workers: start one process per engine and talk JSON lines to it."""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from app.core.errors import PlaygroundError
from app.runtime.model_worker import WorkerCrashedError, describe_exit

log = logging.getLogger(__name__)

APP_ROOT = Path(__file__).resolve().parent.parent.parent


class BenchWorkerError(PlaygroundError):
    """A bench worker failed to load or run its engine (message names the engine)."""


def worker_command(python: str) -> list[str]:
    """How to start a bench worker: ``python -m app.bench.worker``, or the frozen app's hidden flag."""
    if getattr(sys, "frozen", False) and python == sys.executable:
        return [python, "--bench-worker"]  # a PyInstaller bundle has no -m: the app runs the worker itself
    return [python, "-m", "app.bench.worker"]


@dataclass
class Worker:
    """One engine in its own process; ``name`` is how tables and JSON refer to it."""

    name: str
    engine: str
    spec: dict
    python: str = sys.executable
    info: dict = field(default_factory=dict)
    load_ms: float = 0.0

    def start(self) -> Worker:
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join(p for p in (str(APP_ROOT), env.get("PYTHONPATH", "")) if p)
        self._log = tempfile.TemporaryFile(mode="w+", encoding="utf-8", errors="replace")
        try:
            self.proc = subprocess.Popen(worker_command(self.python), stdin=subprocess.PIPE,
                                         stdout=subprocess.PIPE, stderr=self._log, text=True, env=env,
                                         bufsize=1)
        except OSError as exc:
            raise BenchWorkerError(f"{self.name}: cannot start {self.python} ({exc}).") from exc
        reply = self.call({"op": "load", "engine": self.engine, "spec": self.spec})
        self.info, self.load_ms = reply["info"], reply["load_ms"]
        return self

    def call(self, request: dict) -> dict:
        try:
            self.proc.stdin.write(json.dumps(request) + "\n")
            self.proc.stdin.flush()
            line = self.proc.stdout.readline()
        except (BrokenPipeError, OSError):
            line = ""
        if not line:
            raise self._died(request.get("op", "?"))
        reply = json.loads(line)
        if not reply.get("ok"):
            raise BenchWorkerError(f"{self.name}: {reply.get('error')}")
        return reply

    def prepare(self, query: str, docs: list[str], max_length: int, batch_size: int) -> None:
        self.call({"op": "prepare", "query": query, "docs": list(docs), "max_length": max_length,
                   "batch_size": batch_size})

    def run(self) -> dict:
        return self.call({"op": "run"})

    def memory(self) -> dict:
        return self.call({"op": "memory"})

    def _died(self, op: str) -> WorkerCrashedError:
        """The process ended mid-request: one line naming the runtime, how it ended and the model."""
        try:
            code = self.proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            code = None
        log.info("bench worker %s ended (%s); its last output:\n%s", self.name, describe_exit(code), self._tail())
        runtime = self.spec.get("backend") if self.engine == "ours" else self.engine
        model = self.spec.get("file") or self.spec.get("path") or self.spec.get("artifact") or "?"
        doing = {"load": "loading", "run": "scoring", "prepare": "preparing inputs for"}.get(op, op)
        doing = f"{doing} {Path(str(model)).name} (bench engine {self.name})"
        cause = describe_exit(code)
        return WorkerCrashedError(f"{self.name}: the {runtime} runtime crashed ({cause}) while {doing}.",
                                  str(runtime), cause, doing)

    def _tail(self, chars: int = 1500) -> str:
        self._log.seek(0)
        return self._log.read()[-chars:].strip() or "(nothing)"

    def close(self) -> None:
        proc = getattr(self, "proc", None)
        if proc is None:
            return
        try:
            if proc.poll() is None:
                proc.stdin.write(json.dumps({"op": "quit"}) + "\n")
                proc.stdin.flush()
            proc.wait(timeout=10)
        except (OSError, subprocess.TimeoutExpired):
            proc.kill()
            proc.wait()
        self._log.close()


def python_has(python: str, module: str) -> bool:
    """Whether ``python`` can import ``module`` (checked in a subprocess: torch is slow to import)."""
    try:
        code = f"import importlib.util,sys; sys.exit(0 if importlib.util.find_spec({module!r}) else 1)"
        return subprocess.run([python, "-c", code], capture_output=True, timeout=60).returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        return False
