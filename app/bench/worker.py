"""A bench worker process: holds one engine (one loaded model) and answers JSON lines on stdin/stdout.

Run as ``python -m app.bench.worker``. One process per engine keeps each model's memory measurable on its own
and lets ours and the baseline take turns on the same CPU cores. Requests::

    {"op": "load", "engine": "ours", "spec": {...}}     -> {"ok": true, "info": {...}, "load_ms": ...}
    {"op": "prepare", "query": ..., "docs": [...], "max_length": 512, "batch_size": 32}
    {"op": "run"}                                       -> {"ok": true, "seconds": ..., "scores": [...]}
    {"op": "memory"}                                    -> {"ok": true, "rss_mb": ..., "peak_rss_mb": ...}
    {"op": "quit"}

Native libraries may write to file descriptor 1, so the protocol uses a private copy of stdout and fd 1 is
pointed at stderr.
"""

from __future__ import annotations

import json
import logging
import os
import sys
import time
import traceback


def memory_mb() -> tuple[float, float]:
    """(current RSS, peak RSS) of this process in MiB."""
    try:
        import psutil

        info = psutil.Process().memory_info()
        rss = info.rss
        peak = getattr(info, "peak_wset", 0)  # Windows
    except ImportError:
        with open("/proc/self/statm") as fh:
            rss = int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
        peak = 0
    if not peak:
        import resource

        maxrss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        peak = maxrss if sys.platform == "darwin" else maxrss * 1024
    return rss / 2**20, max(rss, peak) / 2**20


def _handle(state: dict, req: dict) -> dict:
    from app.bench import engines

    op = req.get("op")
    if op == "load":
        engine = engines.ENGINES[req["engine"]]()
        started = time.perf_counter()
        info = engine.load(req["spec"])
        state["engine"] = engine
        return {"info": info, "load_ms": (time.perf_counter() - started) * 1000.0}
    engine = state.get("engine")
    if engine is None:
        raise RuntimeError(f"'{op}' before 'load'")
    if op == "prepare":
        engine.prepare(req["query"], req["docs"], req["max_length"], req["batch_size"])
        return {}
    if op == "run":
        seconds, scores = engines.timed(engine)
        return {"seconds": seconds, "scores": scores, "tokens": getattr(engine, "last_tokens", None)}
    if op == "memory":
        rss, peak = memory_mb()
        return {"rss_mb": rss, "peak_rss_mb": peak}
    raise ValueError(f"unknown op {op!r}")


def _import_plugins() -> None:
    """Extra backends named in RERANK_PLAYGROUND_PLUGINS, as the app's model workers import them."""
    from app.runtime.worker_main import import_plugin, plugins_from_env

    for spec in plugins_from_env():
        try:
            import_plugin(spec)
        except Exception as exc:  # noqa: BLE001 - reported; the built-in engines still work
            logging.getLogger(__name__).warning("plugin %s failed to import: %s", spec, exc)


def main() -> int:
    out = os.fdopen(os.dup(1), "w", encoding="utf-8", buffering=1)
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)
    _import_plugins()
    state: dict = {}
    for line in sys.stdin:
        req = json.loads(line)
        if req.get("op") == "quit":
            break
        try:
            reply = {"ok": True, **_handle(state, req)}
        except Exception as exc:  # reported to the parent, which names the engine and shows the message
            from app.core.errors import PlaygroundError

            detail = str(exc) if isinstance(exc, PlaygroundError) else f"{type(exc).__name__}: {exc}"
            reply = {"ok": False, "error": detail, "trace": traceback.format_exc(limit=6)}
        out.write(json.dumps(reply) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
