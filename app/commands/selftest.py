"""``rerank-playground --self-test``: the bundled starter model on every backend must agree on the top document."""

from __future__ import annotations

import argparse
import json
import sys

from app.commands.common import STARTER_FILES
from app.core.errors import PlaygroundError
from app.core.types import BackendConfig, Document, ScoreOptions
from app.paths import resources_dir, starter_model_dir


def sample() -> tuple[str, list[str]]:
    data = json.loads((resources_dir() / "samples" / "sample.json").read_text(encoding="utf-8"))
    return data["query"], data["documents"]


def _score(backend: str, file: str, starter, query: str, docs: list[str]):
    """The starter on ``backend`` in a worker process: (run, None), or (None, (one-line reason, crashed))."""
    from app.commands.isolation import loaded
    from app.runtime import WorkerCrashedError

    try:
        with loaded(BackendConfig(str(starter), backend, file=file)) as (worker, _info):
            return worker.score(query, [Document(d) for d in docs], ScoreOptions()), None
    except WorkerCrashedError as exc:
        return None, (exc.summary, True)
    except PlaygroundError as exc:
        return None, (str(exc), False)


def run(args: argparse.Namespace) -> int:
    from app.backends.devices import device_report
    from app.commands.isolation import EXIT_CRASH

    for d in device_report():
        print(f"{d.backend:>5}: CUDA {'yes' if d.cuda else 'no '} — {d.detail}")
    starter = starter_model_dir()
    if starter is None:
        print("self-test: the starter model is missing from resources/models/starter", file=sys.stderr)
        return 2
    query, docs = sample()
    tops, failed, crashed = {}, False, False
    print(f"query: {query}")
    for backend, file in STARTER_FILES.items():
        result, failure = _score(backend, file, starter, query, docs)
        if failure is not None:
            print(f"{backend:>5}: FAILED — {failure[0]}")
            failed, crashed = True, crashed or failure[1]
            continue
        ranked = result.ranked()
        tops[backend] = ranked[0].index
        order = " > ".join(f"#{r.index + 1} ({r.score:.3f})" for r in ranked)
        print(f"{backend:>5} [{result.device}]: {order}")
        for w in result.warnings:
            print(f"       warning {w.code}: {w.message}")
    agree = not failed and len(set(tops.values())) == 1
    print("self-test:", "OK — all backends agree on the top document" if agree else "FAILED")
    return 0 if agree else EXIT_CRASH if crashed else 1
