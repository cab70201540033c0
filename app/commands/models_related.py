"""``rerank-playground models related REPO``: published quantizations and conversions of the same model.

Lists the Hub repos whose model tree names REPO as their base model, grouped by format and quantization with
size and downloads; ``--pull gguf:Q8_0 --pull onnx:int8`` downloads the most downloaded match of each (through
the same model manager as ``models pull``) and prints the command that scores each. In the window, Models… >
Related does the same and opens the downloads as columns side by side.
"""

from __future__ import annotations

import argparse
import json
import sys

from app.core.errors import BadInputError


def add_parser(msub) -> None:
    r = msub.add_parser("related", help="published quantizations/conversions of a model (Hub model tree)",
                        description=__doc__)
    r.add_argument("repo", help="owner/name of the base model, e.g. BAAI/bge-reranker-v2-m3")
    r.add_argument("--limit", type=int, default=20, help="child repos to look at, most downloaded first")
    r.add_argument("--pull", action="append", default=[], metavar="FORMAT[:QUANT]",
                   help="download the most downloaded artifact of this format/quantization (repeat)")
    r.add_argument("--json", action="store_true")
    r.set_defaults(run=run_related)


def _size(n: int) -> str:
    from app.hub.space import human

    return human(n)


def _bar():
    from app.commands.common import progress_bar

    return progress_bar("listing related repos", unit="repo")


def run_related(args: argparse.Namespace) -> int:
    from app.hub.related import related

    if args.limit < 1:
        raise BadInputError("--limit must be at least 1.")
    specs = [_parse(s) for s in args.pull]
    bar = _bar()
    try:
        result = related(args.repo, limit=args.limit, progress=bar)
    finally:
        bar.close()
    if result.offline:
        print(result.message, file=sys.stderr)
        return 3
    if args.json:
        _print_json(result)
    else:
        _print_table(result)
    if specs:
        return _pull(result, specs)
    return 0


def _parse(spec: str) -> tuple[str, str | None]:
    fmt, _, quant = spec.partition(":")
    fmt = fmt.strip().lower()
    if fmt not in ("gguf", "onnx", "ct2"):
        raise BadInputError(f"--pull {spec}: the format must be gguf, onnx or ct2 (e.g. gguf:Q8_0, onnx:int8).")
    return fmt, quant.strip() or None


def _print_json(result) -> None:
    rows = [{"repo": x.repo.repo_id, "relation": x.repo.relation or None, "downloads": x.repo.downloads,
             "commit": x.repo.commit, "format": x.format, "quant": x.quant, "artifact": x.artifact.name,
             "size": x.artifact.size, "backends": list(x.artifact.backends)} for x in result.artifacts()]
    out = {"base": result.base, "message": result.message, "artifacts": rows,
           "unlisted": [{"repo": r.repo_id, "error": r.error} for r in result.repos if r.error],
           "other_models": [{"repo": r.repo_id, "relation": r.relation, "downloads": r.downloads}
                            for r in result.others]}
    json.dump(out, sys.stdout, indent=2)
    sys.stdout.write("\n")


def _print_table(result) -> None:
    rows = result.artifacts()
    print(f"Published artifacts of {result.base}: {len(rows)} in {len(result.repos)} repos")
    if result.message:
        print(f"  {result.message}")
    current = None
    for x in rows:
        if x.format != current:
            current = x.format
            print(f"\n{current.upper()}")
        print(f"  {x.quant:<20} {x.repo.repo_id + ':' + (x.artifact.name or '(root)'):<72} "
              f"{_size(x.artifact.size):>10} {x.repo.downloads:>10} dl  {x.repo.relation or 'conversion'}")
    for r in result.repos:
        if r.error:
            print(f"  ⚠ {r.repo_id}: files not listed — {r.error}")
    if result.others:
        names = ", ".join(f"{r.repo_id} ({r.relation})" for r in result.others[:8])
        print(f"\nOther models built on it (not the same weights, not compared): {names}")


def _pull(result, specs: list[tuple[str, str | None]]) -> int:
    from app.commands.models import pull_with_bar

    rows = result.artifacts()
    chosen = []
    for fmt, quant in specs:
        match = next((x for x in rows if x.format == fmt and (quant is None or x.quant.lower() == quant.lower())),
                     None)
        if match is None:
            have = sorted({x.quant for x in rows if x.format == fmt}) or ["none"]
            raise BadInputError(f"--pull {fmt}{':' + quant if quant else ''}: no such artifact is published for "
                                f"{result.base} (published {fmt} quantizations: {', '.join(have)}).")
        chosen.append(match)
    for x in chosen:
        pull_with_bar(x.repo.listing, x.artifact)
        print(f"downloaded {x.format.upper()} {x.quant}: {x.repo.repo_id}:{x.artifact.name}")
    print("\nCompare them side by side (one worker per artifact):")
    for x in chosen:
        target = f"{x.repo.repo_id}:{x.artifact.name}" if x.artifact.name else x.repo.repo_id
        print(f"  rerank-playground score --model {target} --backend {x.artifact.backends[0]} --query ... --docs ...")
    return 0
