"""``rerank-playground --self-test``: the bundled starter model on every backend must agree on the top document."""

from __future__ import annotations

import argparse
import json
import sys

from app.commands.common import STARTER_FILES
from app.core.errors import PlaygroundError
from app.core.types import BackendConfig
from app.paths import resources_dir, starter_model_dir


def sample() -> tuple[str, list[str]]:
    data = json.loads((resources_dir() / "samples" / "sample.json").read_text(encoding="utf-8"))
    return data["query"], data["documents"]


def run(args: argparse.Namespace) -> int:
    from app.backends import registry
    from app.backends.devices import device_report

    for d in device_report():
        print(f"{d.backend:>5}: CUDA {'yes' if d.cuda else 'no '} — {d.detail}")
    starter = starter_model_dir()
    if starter is None:
        print("self-test: the starter model is missing from resources/models/starter", file=sys.stderr)
        return 2
    query, docs = sample()
    tops, failed = {}, False
    print(f"query: {query}")
    for backend, file in STARTER_FILES.items():
        try:
            model = registry.load(BackendConfig(str(starter), backend, file=file))
            result = model.score(query, docs)
            model.close()
        except PlaygroundError as exc:
            print(f"{backend:>5}: FAILED — {exc}")
            failed = True
            continue
        ranked = result.ranked()
        tops[backend] = ranked[0].index
        order = " > ".join(f"#{r.index + 1} ({r.score:.3f})" for r in ranked)
        print(f"{backend:>5} [{result.device}]: {order}")
        for w in result.warnings:
            print(f"       warning {w.code}: {w.message}")
    agree = not failed and len(set(tops.values())) == 1
    print("self-test:", "OK — all backends agree on the top document" if agree else "FAILED")
    return 0 if agree else 1
