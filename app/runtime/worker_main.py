"""The body of a model worker process: load one backend, score on request, until told to stop.

Runs in a ``spawn``-ed child, so the heavy runtimes (onnxruntime, llama_cpp, ctranslate2) are imported here
and never in the GUI process.
"""

from __future__ import annotations

import importlib
import importlib.util
import logging
import os
import signal
import sys
from multiprocessing.connection import Connection
from pathlib import Path

from app.core.errors import PlaygroundError
from app.runtime.protocol import Failure, LoadRequest, ModelInfo, Progress, ScoreRequest, Shutdown

log = logging.getLogger(__name__)

PLUGINS_ENV = "RERANK_PLAYGROUND_PLUGINS"


def plugins_from_env() -> tuple[str, ...]:
    """Extra backend modules (module names or .py files) listed in ``RERANK_PLAYGROUND_PLUGINS``."""
    raw = os.environ.get(PLUGINS_ENV, "")
    return tuple(p for p in raw.split(os.pathsep) if p.strip())


def import_plugin(spec: str) -> None:
    """Import a module by name or from a .py file; it registers backends via ``registry.register``."""
    if spec.endswith(".py"):
        path = Path(spec)
        mod_spec = importlib.util.spec_from_file_location(f"rp_plugin_{path.stem}", path)
        if mod_spec is None or mod_spec.loader is None:
            raise ImportError(f"cannot import plugin file {path}")
        module = importlib.util.module_from_spec(mod_spec)
        sys.modules[mod_spec.name] = module
        mod_spec.loader.exec_module(module)
    else:
        importlib.import_module(spec)


def serve(conn: Connection, cancel_event, plugins: tuple[str, ...] = ()) -> None:
    """Process entry point: answer requests on ``conn`` until ``Shutdown`` or the pipe closes."""
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s worker %(name)s: %(message)s")
    # Ctrl+C in a terminal reaches the whole process group: the app decides, and closes this worker itself.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    for spec in plugins:
        try:
            import_plugin(spec)
        except Exception as exc:  # noqa: BLE001 -  # a broken plugin must not take the worker down silently
            log.warning("plugin %s failed to import: %s", spec, exc)
    backend = None
    try:
        while True:
            try:
                msg = conn.recv()
            except (EOFError, OSError):
                break
            if isinstance(msg, Shutdown):
                break
            if isinstance(msg, LoadRequest):
                backend = _close(backend)
                backend, reply = _load(msg)
                conn.send(reply)
            elif isinstance(msg, ScoreRequest):
                conn.send(_score(backend, msg, conn, cancel_event))
            else:
                conn.send(Failure("unexpected", f"unknown request {type(msg).__name__}"))
    finally:
        _close(backend)
        conn.close()


def _load(msg: LoadRequest):
    from app.backends import registry

    try:
        backend = registry.load(msg.config)
        return backend, _model_info(backend, msg.config)
    except PlaygroundError as exc:
        return None, Failure(_kind(exc), str(exc))
    except Exception as exc:  # runtimes raise their own exception types
        log.exception("load failed")
        return None, Failure("unexpected", f"{type(exc).__name__}: {exc}")


def _kind(exc: PlaygroundError) -> str:
    """The nearest class of ``app.core.errors`` (known on the app's side), so a backend's own subclass such as
    RemoteError keeps its plain message instead of reading as an unexpected error."""
    from app.core import errors

    for cls in type(exc).__mro__:
        if getattr(errors, cls.__name__, None) is cls:
            return cls.__name__
    return "PlaygroundError"


def _model_info(backend, config) -> ModelInfo:
    family = getattr(backend, "family", None)
    if family is None:  # a remote server tokenizes itself: no local family, no instruction, its own limit
        style = getattr(getattr(backend, "style", None), "name", "remote")
        return ModelInfo(backend.model_name, backend.name, config.family or f"{style} API", backend.device,
                         backend.precision, backend.load_ms, False, 0, tuple(backend.static_warnings))
    return ModelInfo(backend.model_name, backend.name, family.name, backend.device, backend.precision,
                     backend.load_ms, family.instruction_aware, family.max_length,
                     tuple(backend.static_warnings))


def _score(backend, msg: ScoreRequest, conn: Connection, cancel_event):
    if backend is None:
        return Failure("ModelLoadError", "No model is loaded in this column: load one first.")

    def progress(done: int, total: int) -> None:
        conn.send(Progress(done, total))

    try:
        return backend.score(msg.query, list(msg.documents), msg.options, progress=progress,
                             cancelled=cancel_event.is_set)
    except PlaygroundError as exc:
        return Failure(_kind(exc), str(exc))
    except Exception as exc:
        log.exception("scoring failed")
        return Failure("unexpected", f"{type(exc).__name__}: {exc}")


def _close(backend) -> None:
    if backend is not None:
        try:
            backend.close()
        except Exception:  # releasing a native handle must not stop the worker
            log.exception("closing the backend failed")
