"""``rerank-playground score``: rank documents for a query with one backend, headless."""

from __future__ import annotations

import argparse
import json
import sys

from app.commands.common import add_model_args, progress_bar, resolve_model
from app.core.docsio import read_documents_with_warnings
from app.core.errors import BadInputError
from app.core.types import Aggregate, BackendConfig, ChunkOptions, Document, ScoreOptions, ScoreRun

BATCH_TOKENS_HELP = ("the most padded tokens per runtime call (default: 512 ONNX / 256 CT2 on CPU, 16384 on "
                     "CUDA; 0: no bound)")


def add_parser(sub) -> None:
    p = sub.add_parser("score", help="rank documents for a query", description=__doc__)
    add_model_args(p, extra_backends=("remote",))
    add_remote_args(p)
    p.add_argument("--query", required=True)
    src = p.add_mutually_exclusive_group(required=True)
    src.add_argument("--docs", help="documents file or folder, read like the GUI reads dropped files: .txt/.md "
                     "(one document per line), .jsonl ({\"text\": ...} per line), .csv/.tsv (one per row), "
                     ".pdf (one per page), .docx (one per paragraph)")
    src.add_argument("--doc", action="append", help="a document (repeat for several)")
    p.add_argument("--docs-column", default=None, help="CSV/TSV column or JSONL field holding the text (default: "
                   "text/document/passage/content, else the one with the most text)")
    p.add_argument("--docs-split", choices=["lines", "paragraphs"], default="lines",
                   help="text files: one document per line (default) or per blank-line-separated paragraph")
    p.add_argument("--top-n", type=int, default=None, help="show only the N best documents (N >= 1)")
    p.add_argument("--raw", action="store_true", help="show raw scores (logits) instead of normalized ones")
    p.add_argument("--max-length", type=int, default=None, help="tokens per pair (default: the model's limit)")
    p.add_argument("--batch-size", type=int, default=32)
    p.add_argument("--batch-tokens", type=int, default=None, help=BATCH_TOKENS_HELP)
    p.add_argument("--chunk", type=int, default=None, help="long-document mode: chunk size in tokens")
    p.add_argument("--overlap", type=int, default=0, help="chunk overlap in tokens")
    p.add_argument("--aggregate", choices=[a.value for a in Aggregate], default="max")
    p.add_argument("--instruction", default=None, help="instruction for instruction-aware rerankers (Qwen3)")
    p.add_argument("--json", action="store_true", help="print a Cohere/Jina-shaped JSON object")
    p.set_defaults(run=run)


def options_from(args: argparse.Namespace) -> ScoreOptions:
    chunk = None
    if args.chunk:
        try:
            chunk = ChunkOptions(args.chunk, args.overlap, Aggregate(args.aggregate))
        except ValueError as exc:
            raise BadInputError(f"--chunk/--overlap: {exc}") from exc
    if args.max_length is not None and args.max_length < 8:
        raise BadInputError("--max-length must be at least 8 tokens.")
    if args.batch_size < 1:
        raise BadInputError("--batch-size must be at least 1.")
    if args.batch_tokens is not None and args.batch_tokens < 0:
        raise BadInputError("--batch-tokens must be 0 (no bound) or more.")
    return ScoreOptions(max_length=args.max_length, batch_size=args.batch_size, batch_tokens=args.batch_tokens,
                        chunk=chunk, instruction=args.instruction, batch_dynamic_quant=args.batch_dynamic_int8)


def add_remote_args(p: argparse.ArgumentParser) -> None:
    from app.backends.remote_api import STYLES

    g = p.add_argument_group("remote server (--backend remote)")
    g.add_argument("--url", help="rerank server: base URL or endpoint, e.g. http://127.0.0.1:8080/v1/rerank")
    g.add_argument("--api", choices=["auto", *STYLES], default="auto", help="API style (default: detect)")
    g.add_argument("--api-key", default=None, help="Bearer key (default: $RERANK_PLAYGROUND_REMOTE_API_KEY)")
    g.add_argument("--remote-model", default=None, help="\"model\" field sent to the server")


def config_from(args: argparse.Namespace) -> BackendConfig:
    if args.backend == "remote":
        import os

        from app.backends.remote import remote_config

        if not args.url:
            raise BadInputError("--backend remote needs --url (the rerank server's URL).")
        key = args.api_key or os.environ.get("RERANK_PLAYGROUND_REMOTE_API_KEY")
        return remote_config(args.url, args.api, key, args.remote_model, args.family)
    path, file = resolve_model(args.model, args.file, args.backend)
    return BackendConfig(path=path, backend=args.backend, device=args.device, file=file, threads=args.threads,
                         compute_type=args.compute_type, n_gpu_layers=args.n_gpu_layers, family=args.family,
                         prompt_format=args.prompt_format, checkpoint=args.checkpoint)


def read_docs(args: argparse.Namespace) -> list[Document]:
    """``--docs`` through the GUI's importers (warnings on stderr), or the ``--doc`` texts."""
    if not args.docs:
        if args.docs_column:
            raise BadInputError("--docs-column applies to a --docs file (CSV/TSV or JSONL), not to --doc.")
        return [Document(d) for d in args.doc]
    docs, warnings = read_documents_with_warnings(args.docs, args.docs_column, args.docs_split)
    for w in warnings:
        print(f"warning: {w}", file=sys.stderr)
    return docs


def run(args: argparse.Namespace) -> int:
    from app.commands.isolation import loaded

    if args.top_n is not None and args.top_n < 1:
        raise BadInputError(f"--top-n must be 1 or more (got {args.top_n}); leave it out to show every document.")
    docs = read_docs(args)
    options = options_from(args)
    config = config_from(args)
    bar = progress_bar("scoring")
    try:
        with loaded(config) as (worker, _info):  # the model runs in a worker process: a crash is a message
            result = worker.score(args.query, docs, options, progress=bar)
    finally:
        bar.close()
    if args.json:
        json.dump(result.to_json(args.top_n), sys.stdout, ensure_ascii=False, indent=2, allow_nan=False)
        sys.stdout.write("\n")
    else:
        print_table(result, docs, args.top_n, args.raw)
    return 0


def print_table(result: ScoreRun, docs: list[Document], top_n: int | None, raw: bool) -> None:
    width = 30
    ranked = result.ranked()[: top_n or None]
    values = [r.raw_score if raw else r.score for r in ranked]
    lo, hi = (min(values), max(values)) if raw and values else (0.0, 1.0)
    print(f"{result.model} · {result.backend} · {result.device} · {result.family} ({result.score_rule})")
    for rank, (r, v) in enumerate(zip(ranked, values), start=1):
        frac = (v - lo) / (hi - lo) if hi > lo else 1.0
        bar = "█" * int(round(max(0.0, min(1.0, frac)) * width))
        text = docs[r.index].text.replace("\n", " ")
        preview = text[:60] + ("…" if len(text) > 60 else "")
        cut = " ✂" if r.truncated else ""
        print(f"{rank:>3}. [{r.index:>3}] {bar:<{width}} {v:>9.4f}  {r.token_count:>5} tok{cut}  {preview}")
    t = result.timings
    print(f"{len(result.results)} docs · {t.total_ms:.1f} ms · {result.pairs_per_second():.1f} pairs/s "
          f"· load {t.load_ms:.0f} ms")
    for w in result.warnings:
        print(f"⚠ {w.code}: {w.message}")
