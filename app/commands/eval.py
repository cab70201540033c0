"""``rerank-playground eval``: NDCG@k, MRR@k, Recall@k and latency per backend on a labelled dataset."""

from __future__ import annotations

import argparse
import json
import sys

from app.commands.common import LOCAL_BACKENDS, add_model_args, progress_bar, resolve_model
from app.core.datasets import load_dataset
from app.core.errors import BadInputError, CancelledError, PlaygroundError
from app.core.evaluation import BM25_NAME, EvalReport, bm25_reference, evaluate, mean_tau
from app.core.types import BackendConfig, Document, ScoreOptions
from app.paths import resources_dir


def add_parser(sub) -> None:
    p = sub.add_parser("eval", help="evaluate rerankers on labelled data", description=__doc__)
    add_model_args(p, backend_list=True)
    p.add_argument("--dataset", default=None, help="JSONL file ({query, documents, labels} per line) or a BEIR "
                   "folder (corpus.jsonl, queries.jsonl, qrels/test.tsv); default: the bundled held-out set")
    p.add_argument("--candidates", help="BEIR: TREC run file with the candidates per query (default: BM25 top-k)")
    p.add_argument("--bm25-k", type=int, default=100, help="BEIR: BM25 candidates per query")
    p.add_argument("--k", type=int, default=10)
    p.add_argument("--max-queries", type=int, default=None)
    p.add_argument("--batch-size", type=int, default=32)
    p.add_argument("--no-bm25", action="store_true", help="skip the BM25 reference row")
    p.add_argument("--json", action="store_true")
    p.set_defaults(run=run)


def _backends(arg: str) -> list[tuple[str, str | None]]:
    """``onnx,gguf:gguf/model-f16.gguf,ct2:ct2`` -> [(backend, file or None), ...]."""
    out = []
    for item in (b.strip() for b in arg.split(",")):
        if not item:
            continue
        name, _, file = item.partition(":")
        if name not in LOCAL_BACKENDS:
            raise BadInputError(f"--backend: unknown backend '{name}'; use onnx, gguf, ct2, torch, a comma-separated list "
                                "such as onnx,gguf,ct2, or BACKEND:FILE to pick an artifact (ct2:ct2-int8).")
        out.append((name, file or None))
    if not out:
        raise BadInputError("--backend: name at least one backend.")
    return out


def _configs(args: argparse.Namespace) -> list[BackendConfig]:
    """Every backend's config, resolved before any model runs (bad input is refused up front)."""
    backends = _backends(args.backend)
    if len(backends) > 1 and args.file:
        raise BadInputError("--file picks one artifact; with several backends use BACKEND:FILE in --backend.")
    out = []
    for backend, file in backends:
        path, file = resolve_model(args.model, file or args.file, backend)
        out.append(BackendConfig(path, backend, device=args.device, file=file, threads=args.threads,
                                 compute_type=args.compute_type, n_gpu_layers=args.n_gpu_layers, family=args.family,
                                 prompt_format=args.prompt_format, checkpoint=args.checkpoint))
    return out


def _model_report(args: argparse.Namespace, config: BackendConfig, queries) -> EvalReport:
    """One backend's metrics, its model in a worker process (a native crash raises WorkerCrashedError)."""
    from app.commands.isolation import loaded

    options = ScoreOptions(batch_size=args.batch_size, batch_dynamic_quant=args.batch_dynamic_int8)
    bar = progress_bar(f"eval {config.backend}", unit="query")
    try:
        with loaded(config) as (worker, info):
            def scorer(query: str, texts) -> list[float]:
                return worker.score(query, [Document(t) for t in texts], options).scores

            return evaluate(f"{config.backend} · {info.model}", scorer, queries, args.k, progress=bar)
    finally:
        bar.close()


def _reports(args: argparse.Namespace, configs: list[BackendConfig], queries):
    """Reports of the backends that finished, and (backend, one-line reason, crashed) for the others."""
    from app.runtime import WorkerCrashedError

    reports, failed = [], []
    for config in configs:
        try:
            reports.append(_model_report(args, config, queries))
        except WorkerCrashedError as exc:
            failed.append((config.backend, exc.summary, True))
            print(f"error: {config.backend}: {exc.summary}", file=sys.stderr)
        except CancelledError:
            raise
        except PlaygroundError as exc:  # e.g. the model does not load: the other backends still run
            failed.append((config.backend, str(exc), False))
            print(f"error: {config.backend}: {exc}", file=sys.stderr)
    return reports, failed


def run(args: argparse.Namespace) -> int:
    from app.commands.isolation import EXIT_CRASH

    if args.k < 1:
        raise BadInputError("--k must be at least 1.")
    dataset = args.dataset or str(resources_dir() / "eval" / "debian-heldout.jsonl")
    queries = load_dataset(dataset, args.candidates, args.bm25_k, args.max_queries)
    reports, failed = _reports(args, _configs(args), queries)
    if not args.no_bm25:
        reports.append(evaluate(BM25_NAME, bm25_reference(queries), queries, args.k))
    status = EXIT_CRASH if any(c for _, _, c in failed) else 2 if failed else 0
    if args.json:
        out = {"dataset": dataset, "queries": len(queries), "k": args.k,
               "reports": [r.as_dict() for r in reports],
               "agreement_tau": {r.name: round(mean_tau(reports[0], r), 4) for r in reports[1:]},
               "failed": [{"backend": b, "error": e, "crashed": c} for b, e, c in failed]}
        json.dump(out, sys.stdout, indent=2)
        sys.stdout.write("\n")
        return status
    k = args.k
    print(f"{dataset}: {len(queries)} queries")
    print(f"{'scorer':<48} {'NDCG@' + str(k):>8} {'MRR@' + str(k):>8} {'R@' + str(k):>7} {'p50 ms':>8} "
          f"{'p95 ms':>8} {'τ vs 1st':>8}")
    for r in reports:
        print(f"{r.name[:48]:<48} {r.ndcg:>8.4f} {r.mrr:>8.4f} {r.recall:>7.3f} {r.latency_p50_ms:>8.1f} "
              f"{r.latency_p95_ms:>8.1f} {mean_tau(reports[0], r):>8.3f}")
    for backend, reason, crashed in failed:
        print(f"{backend:<48} {'CRASHED' if crashed else 'FAILED'} — {reason}")
    return status
