"""``rerank-playground bench``: pairs/s, latency, load time and memory per backend, optionally against the raw
runtime (``--baseline``), sentence-transformers (``--sweep`` with ``--torch-python``) and over a sweep of input
sizes (``--sweep``, ``--plot FILE.png``). Each backend runs in its own worker process. See docs/bench.md."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from app.commands.common import add_runtime_args
from app.core.errors import BadInputError
from app.core.types import BackendConfig

BACKENDS = ("onnx", "gguf", "ct2", "torch")
ALL = ("onnx", "gguf", "ct2")  # 'all': the exported-format runtimes (torch needs the convert extra; name it)


def add_parser(sub) -> None:
    p = sub.add_parser("bench", help="measure speed and memory of backends", description=__doc__)
    p.add_argument("--model", help="model folder or file (default: the bundled starter model)")
    p.add_argument("--backend", default="onnx", help="onnx, gguf, ct2, torch (the transformers reference), a comma-separated list, "
                   "or 'all' (onnx,gguf,ct2)")
    p.add_argument("--device", choices=["cpu", "cuda"], default="cpu")
    p.add_argument("--file", help="artifact inside the model folder (one backend only)")
    p.add_argument("--threads", type=int, default=0, help="runtime threads, the same for ours and the baseline")
    p.add_argument("--compute-type", help="CT2 compute type: int8, float32, ...")
    p.add_argument("--n-gpu-layers", type=int, default=-1)
    p.add_argument("--docs", default="200", help="number of synthetic documents, or a documents FILE")
    p.add_argument("--query", help="query for --docs FILE (default: a fixed sentence)")
    p.add_argument("--doc-tokens", type=int, default=128, help="mean tokens per synthetic document")
    p.add_argument("--batch-size", type=int, default=32, help="the most pairs per runtime call")
    p.add_argument("--batch-tokens", type=int, default=None, help="the most padded tokens per runtime call "
                   "(default on CPU: 512 ONNX, 256 CT2; 16384 on CUDA; 0 = no bound, fixed --batch-size batches)")
    p.add_argument("--max-length", type=int, default=None, help="tokens per pair (default: the model's limit)")
    add_runtime_args(p)
    p.add_argument("--reps", type=int, default=5, help="timed repetitions per engine (medians are reported)")
    p.add_argument("--latency-queries", type=int, default=8, help="queries for p50/p95 latency, each of --docs "
                   "documents (at most 100)")
    p.add_argument("--seed", type=int, default=0, help="seed of the synthetic inputs")
    p.add_argument("--baseline", action="store_true", help="also time the raw runtime loop, interleaved")
    p.add_argument("--sweep", action="store_true", help="documents 10/100/1000 and length 32/128/512 tokens")
    p.add_argument("--torch-python", default=sys.executable,
                   help="Python with sentence-transformers for the torch comparison in --sweep")
    fuse = p.add_mutually_exclusive_group()
    fuse.add_argument("--optimize", action="store_true", help="ONNX fp32 BERT-family: run the attention-fused "
                      "graph (default on CUDA only) and compare it with the plain export under --baseline")
    fuse.add_argument("--no-optimize", action="store_true", help="ONNX: run the file as it is (no fused graph)")
    p.add_argument("--json", action="store_true", help="print the results as JSON")
    p.add_argument("--plot", metavar="FILE.png", help="with --sweep: write a chart of the sweep")
    p.set_defaults(run=run)


def backends_from(value: str, file: str | None) -> list[str]:
    names = list(ALL) if value == "all" else [v.strip() for v in value.split(",") if v.strip()]
    unknown = [n for n in names if n not in BACKENDS]
    if unknown or not names:
        raise BadInputError(f"--backend {value}: choose from {', '.join(BACKENDS)}, a comma-separated list or all.")
    if file and len(names) > 1:
        raise BadInputError("--file picks one artifact, so it needs a single --backend.")
    return names


def _docs_arg(value: str) -> tuple[int, str | None]:
    if value.isdigit():
        n = int(value)
        if not 1 <= n <= 100_000:
            raise BadInputError("--docs N: give between 1 and 100,000 documents.")
        return n, None
    if not Path(value).expanduser().is_file():
        raise BadInputError(f"--docs {value}: not a number of documents and not a file.")
    return 0, value


def default_file(model: str, backend: str) -> str | None:
    """With several backends on one model folder, the starter layout's artifact for each (when present)."""
    from app.commands.common import STARTER_FILES

    rel = STARTER_FILES.get(backend)
    if rel is None:  # torch: the folder itself (its safetensors checkpoint)
        return None
    return rel if (Path(model).expanduser() / rel).exists() else None


def setups_from(args: argparse.Namespace):
    from app.bench.runner import BenchSetup
    from app.commands.common import resolve_model

    n_docs, docs_file = _docs_arg(str(args.docs))
    if args.doc_tokens < 1 or args.reps < 1 or args.batch_size < 1 or args.latency_queries < 0:
        raise BadInputError("--doc-tokens, --reps and --batch-size must be at least 1.")
    names = backends_from(args.backend, args.file)
    out = []
    for name in names:
        path, file = resolve_model(args.model, args.file, name)
        if file is None and len(names) > 1 and Path(path).is_dir():
            file = default_file(path, name)
        cfg = BackendConfig(path=path, backend=name, device=args.device, file=file, threads=args.threads,
                            compute_type=args.compute_type if name == "ct2" else None,
                            n_gpu_layers=args.n_gpu_layers, optimize=True if args.optimize else False if args.no_optimize else None,
                            checkpoint=args.checkpoint if name == "ct2" else None)
        out.append(BenchSetup(cfg, n_docs=n_docs or 200, doc_tokens=args.doc_tokens, reps=args.reps,
                              latency_queries=args.latency_queries, batch_size=args.batch_size,
                              batch_tokens=args.batch_tokens, batch_dynamic_quant=args.batch_dynamic_int8,
                              max_length=args.max_length, baseline=args.baseline, sweep=args.sweep,
                              torch_python=args.torch_python, docs_file=docs_file, query=args.query,
                              seed=args.seed))
    return out


def run(args: argparse.Namespace) -> int:
    from app.bench import report as fmt
    from app.bench.runner import run_backend
    from app.commands.common import progress_bar
    from app.commands.isolation import EXIT_CRASH
    from app.runtime import WorkerCrashedError

    if args.plot and not args.sweep:
        raise BadInputError("--plot draws the sweep: add --sweep.")
    from app.bench.machine import describe, format_machine

    setups = setups_from(args)  # bad arguments are refused before anything is printed
    machine = describe()  # before the run: the load average says whether the machine was quiet
    if not args.json:
        print(format_machine(machine) + "\n", flush=True)
    reports, crashed = [], []
    for setup in setups:
        bar = progress_bar(f"bench {setup.config.backend}", unit="run")
        try:
            reports.append(run_backend(setup, progress=bar))
        except WorkerCrashedError as exc:  # one backend's runtime crashed: report it, bench the others
            crashed.append({"backend": setup.config.backend, "error": exc.summary})
            print(f"error: {exc.summary}", file=sys.stderr, flush=True)
            continue
        finally:
            bar.close()
        if not args.json:
            print("\n".join(fmt.format_report(reports[-1])) + "\n", flush=True)
    if args.json:
        data = {"machine": machine, "reports": [r.to_json() for r in reports],
                "targets": [{"backend": r.backend, "what": w, "ratio": x, "goal": g, "met": m}
                            for r in reports for w, x, g, m in fmt.target_checks(r)],
                "failed": crashed}
        json.dump(data, sys.stdout, indent=2)
        sys.stdout.write("\n")
    elif len(reports) > 1:
        print(fmt.memory_summary(reports))
    if args.plot:
        from app.bench.plot import plot

        print(f"chart: {plot(reports, args.plot)}", file=sys.stderr)
    return EXIT_CRASH if crashed else 0
