"""The app's side of one model worker process: start, load, score with progress, cancel, stop.

One ``ModelWorker`` per column holds one loaded model warm across runs. Calls block, so the GUI runs them in
a thread pool; a process that dies mid-call (exit by signal, e.g. SIGABRT from a llama.cpp assert) raises
``WorkerCrashedError`` naming what it was doing, and the next ``load`` starts a fresh process.

A worker that stops answering because its process is stopped (SIGSTOP, a debugger) fails the call with
``WorkerStalledError`` once it has stayed stopped for ``stopped_grace_s``, and is killed. The check reads the
process state instead of waiting for heartbeats: a runtime that loads or scores for minutes while holding the
GIL is busy, not hung, and must not be failed for it.
"""

from __future__ import annotations

import logging
import multiprocessing as mp
import os
import signal
import threading
import time
from collections.abc import Callable, Sequence
from multiprocessing.connection import wait

from app.core import errors
from app.core.errors import PlaygroundError
from app.core.types import BackendConfig, Document, ScoreOptions, ScoreRun
from app.runtime.protocol import Failure, LoadRequest, ModelInfo, Progress, ScoreRequest, Shutdown
from app.runtime.worker_main import plugins_from_env, serve

log = logging.getLogger(__name__)

ProgressFn = Callable[[int, int], None]

# Workers run below the app's priority so that, on a busy CPU, the window stays responsive while models load
# and score; with an otherwise idle CPU, inference speed is unchanged.
WORKER_NICENESS = 10


class WorkerCrashedError(PlaygroundError):
    """The worker process died (native crash, killed, out of memory); only its column is affected.

    ``runtime`` (backend name), ``cause`` ('signal 11, SIGSEGV') and ``doing`` ('scoring 3 documents with X')
    make ``summary``, the one line the command line prints.
    """

    def __init__(self, message: str, runtime: str = "model", cause: str = "", doing: str = "") -> None:
        super().__init__(message)
        self.runtime, self.cause, self.doing = runtime, cause, doing

    @property
    def summary(self) -> str:
        return f"the {self.runtime} runtime crashed ({self.cause}) while {self.doing}"


class WorkerStalledError(WorkerCrashedError):
    """The worker process stopped answering (its process was stopped) and was ended."""

    @property
    def summary(self) -> str:
        return f"the {self.runtime} runtime stopped answering ({self.cause}) while {self.doing}; it was ended"


def process_stopped(pid: int | None) -> bool:
    """Whether process ``pid`` is stopped (SIGSTOP/SIGTSTP, or held by a tracer)."""
    if pid is None:
        return False
    import psutil

    try:
        return psutil.Process(pid).status() in (psutil.STATUS_STOPPED, psutil.STATUS_TRACING_STOP)
    except psutil.Error:  # gone: the sentinel reports it
        return False


def describe_exit(exitcode: int | None) -> str:
    """'signal 6, SIGABRT' for a signal death, else 'exit code N'."""
    if exitcode is None:
        return "no exit code"
    if exitcode < 0:
        try:
            name = signal.Signals(-exitcode).name
        except ValueError:
            name = "unknown signal"
        return f"signal {-exitcode}, {name}"
    return f"exit code {exitcode}"


def _error_from(failure: Failure) -> PlaygroundError:
    cls = getattr(errors, failure.kind, None)
    if isinstance(cls, type) and issubclass(cls, PlaygroundError):
        return cls(failure.message)
    return PlaygroundError(f"Unexpected error in the runtime: {failure.message}")


class ModelWorker:
    """A spawned process holding one loaded backend. One call at a time (guarded by a lock)."""

    # While a call waits, the worker's process state is checked this often (seconds).
    POLL_S = 0.5

    def __init__(self, name: str = "worker", plugins: Sequence[str] | None = None,
                 stopped_grace_s: float = 5.0, lower_priority: bool = True) -> None:
        self.name = name
        self.lower_priority = lower_priority  # the GUI's workers yield to its window; a CLI's need not
        self.stopped_grace_s = stopped_grace_s
        self.plugins = tuple(plugins) if plugins is not None else plugins_from_env()
        self._ctx = mp.get_context("spawn")
        self._cancel = self._ctx.Event()
        self._lock = threading.Lock()
        self._proc = None
        self._conn = None
        self.info: ModelInfo | None = None
        self.config: BackendConfig | None = None
        self._runtime = "model"  # backend name of the current request, for crash messages
        self._closing = False

    # -- lifecycle --------------------------------------------------------------------------------
    @property
    def alive(self) -> bool:
        return self._proc is not None and self._proc.is_alive()

    @property
    def pid(self) -> int | None:
        return self._proc.pid if self._proc is not None else None

    @property
    def exitcode(self) -> int | None:
        """How the process ended (negative: the signal); None while it runs or before the first start."""
        return self._proc.exitcode if self._proc is not None else None

    def _start(self) -> None:
        self._discard()
        parent, child = self._ctx.Pipe(duplex=True)
        proc = self._ctx.Process(target=serve, args=(child, self._cancel, self.plugins), daemon=True,
                                 name=f"rerank-playground-{self.name}")
        proc.start()
        if self.lower_priority:
            _lower_priority(proc.pid)
        child.close()
        self._proc, self._conn = proc, parent
        log.debug("worker %s started (pid %s)", self.name, proc.pid)

    def _discard(self) -> None:
        if self._conn is not None:
            self._conn.close()
        self._proc, self._conn = None, None
        self.info, self.config = None, None

    def close(self, timeout: float = 3.0) -> None:
        """Stop the process: ask nicely (after cancelling any run), then terminate, then kill."""
        proc, conn = self._proc, self._conn
        if proc is None:
            return
        self._closing = True
        self._cancel.set()
        try:
            if proc.is_alive() and conn is not None:
                conn.send(Shutdown())
        except (OSError, ValueError):
            pass
        proc.join(timeout)
        if proc.is_alive():
            log.warning("worker %s did not stop in %.0f s; terminating it", self.name, timeout)
            proc.terminate()
            proc.join(1.0)
        if proc.is_alive():
            proc.kill()
            proc.join(1.0)
        with self._lock:
            self._discard()
        self._closing = False

    def cancel(self) -> None:
        """Ask the running job to stop at the next batch boundary (safe from any thread)."""
        self._cancel.set()

    # -- requests ---------------------------------------------------------------------------------
    def load(self, config: BackendConfig) -> ModelInfo:
        """Load ``config`` (reusing the process; a dead one is replaced). Returns what was loaded."""
        with self._lock:
            if not self.alive:
                self._start()
            self.info, self.config = None, None
            self._runtime = config.backend
            reply = self._request(LoadRequest(config), f"loading {_describe(config)}")
            self.info, self.config = reply, config
            return reply

    def ensure_loaded(self, config: BackendConfig) -> ModelInfo:
        """The warm model when ``config`` is unchanged and the process is alive, else a fresh load."""
        if self.alive and self.info is not None and self.config == config:
            return self.info
        return self.load(config)

    def score(self, query: str, documents: Sequence[Document], options: ScoreOptions,
              progress: ProgressFn | None = None) -> ScoreRun:
        with self._lock:
            if not self.alive or self.info is None:
                raise errors.ModelLoadError("No model is loaded in this column: run it again to load one.")
            self._cancel.clear()
            doing = f"scoring {len(documents)} documents with {self.info.model}"
            return self._request(ScoreRequest(query, tuple(documents), options), doing, progress)

    def _request(self, msg, doing: str, progress: ProgressFn | None = None):
        proc, conn = self._proc, self._conn
        try:
            conn.send(msg)
        except (OSError, ValueError) as exc:
            raise self._crashed(doing) from exc
        stopped_since: float | None = None
        while True:
            ready = wait([conn, proc.sentinel], timeout=self.POLL_S)
            if not ready:
                stopped_since = self._check_stopped(stopped_since, doing)
                continue
            stopped_since = None
            if conn in ready:
                try:
                    reply = conn.recv()
                except (EOFError, OSError) as exc:
                    raise self._crashed(doing) from exc
                if isinstance(reply, Progress):
                    if progress is not None:
                        progress(reply.done, reply.total)
                    continue
                if isinstance(reply, Failure):
                    raise _error_from(reply)
                return reply
            if not conn.poll():
                raise self._crashed(doing)

    def _check_stopped(self, since: float | None, doing: str) -> float | None:
        """None while the worker runs; the time it was first seen stopped; raises once stopped too long."""
        if not process_stopped(self.pid):
            return None
        now = time.monotonic()
        if since is None:
            log.info("worker %s (pid %s) is stopped while %s", self.name, self.pid, doing)
            return now
        if now - since < self.stopped_grace_s:
            return since
        proc, pid = self._proc, self.pid
        proc.kill()  # SIGKILL ends a stopped process too
        proc.join(2.0)
        self._discard()
        cause = f"its process {pid} was stopped for {self.stopped_grace_s:.0f} s"
        raise WorkerStalledError(
            f"The {self._runtime} runtime stopped answering while {doing}: {cause} (SIGSTOP or a debugger), "
            "so it was ended. Run again to start a fresh one.", self._runtime, cause, doing)

    def _crashed(self, doing: str) -> WorkerCrashedError:
        proc = self._proc
        proc.join(2.0)
        code = describe_exit(proc.exitcode)
        self._discard()
        if self._closing:
            return errors.CancelledError("Stopped: the column or the window was closed.")
        return WorkerCrashedError(f"The {self._runtime} runtime crashed ({code}) while {doing}. The other columns "
                                  "are unaffected; run again to restart this column, or choose another "
                                  "artifact or backend.", self._runtime, code, doing)


def _lower_priority(pid: int) -> None:
    """Renice the new worker at once (its start-up imports included); never fails the worker over it."""
    try:
        if hasattr(os, "setpriority"):
            os.setpriority(os.PRIO_PROCESS, pid, WORKER_NICENESS)
        else:  # Windows
            import psutil

            psutil.Process(pid).nice(psutil.BELOW_NORMAL_PRIORITY_CLASS)
    except Exception as exc:  # noqa: BLE001 -
        log.debug("could not lower the priority of worker %s: %s", pid, exc)


def _describe(config: BackendConfig) -> str:
    target = f"{config.path}/{config.file}" if config.file else config.path
    return f"{target} on {config.backend} ({config.device})"
