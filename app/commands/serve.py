"""``rerank-playground serve``: serve one model over HTTP with the Cohere/Jina and TEI rerank APIs.

Endpoints: POST /v1/rerank and /v2/rerank (Cohere/Jina shape), POST /rerank (text-embeddings-inference
shape), GET /health, GET /v1/models. Binds to 127.0.0.1 unless --host says otherwise.
"""

from __future__ import annotations

import argparse
import os
import sys
from dataclasses import replace

from app.commands.common import add_model_args
from app.core.errors import BadInputError
from app.core.types import BackendConfig, ScoreOptions

API_KEY_ENV = "RERANK_PLAYGROUND_API_KEY"


def add_parser(sub) -> None:
    p = sub.add_parser("serve", help="serve a model over HTTP (Cohere/Jina and TEI rerank APIs)",
                       description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    add_model_args(p)
    p.add_argument("--host", default="127.0.0.1", help="address to bind (default: 127.0.0.1, this machine only)")
    p.add_argument("--port", type=int, default=8080)
    p.add_argument("--api-key", default=None,
                   help=f"require 'Authorization: Bearer KEY' (default: ${API_KEY_ENV} if set, else no key)")
    p.add_argument("--model-id", help="model name reported in responses (default: the model's name)")
    p.add_argument("--max-documents", type=int, default=1000, help="documents per request (default: 1000)")
    p.add_argument("--max-body-bytes", type=int, default=4 * 1024 * 1024,
                   help="request body size limit in bytes (default: 4 MiB)")
    p.add_argument("--body-timeout", type=float, default=30.0,
                   help="seconds a client may take to send a request's headers, and again its body; slower "
                   "ones get 408 and are disconnected (default: 30)")
    p.add_argument("--max-length", type=int, default=None, help="tokens per pair (default: the model's limit)")
    p.add_argument("--batch-size", type=int, default=32, help="pairs per runtime batch")
    p.add_argument("--batch-window-ms", type=float, default=0.0,
                   help="extra wait (ms) to gather concurrent same-query requests into one model call; "
                   "requests that queue while the model is busy are batched anyway (default: 0)")
    p.add_argument("--instruction", default=None, help="instruction for instruction-aware rerankers (Qwen3)")
    p.set_defaults(run=run)


def _check(args: argparse.Namespace) -> None:
    if not 0 <= args.port <= 65535:
        raise BadInputError(f"--port {args.port} is not a TCP port (0-65535).")
    if args.max_documents < 1 or args.max_body_bytes < 1024:
        raise BadInputError("--max-documents must be at least 1 and --max-body-bytes at least 1024.")
    if args.max_length is not None and args.max_length < 8:
        raise BadInputError("--max-length must be at least 8 tokens.")
    if args.batch_size < 1:
        raise BadInputError("--batch-size must be at least 1.")
    if not 0.1 <= args.body_timeout <= 3600:
        raise BadInputError(f"--body-timeout {args.body_timeout:g} is out of range: give 0.1 to 3600 seconds.")


# llama.cpp's default here is half the logical cores (llamacpp.default_threads, chosen for the GUI's several
# columns: 1 on 2 cores); a server runs one model and should use the machine. On a quiet 2-core Zen 4, f16
# scored 18.3 pairs/s on 1 thread and 27-34 on 2 (docs/bench.md). onnxruntime's default already is the
# physical cores; CTranslate2's is left as it is (unmeasured here).
MACHINE_THREAD_BACKENDS = ("gguf",)


def machine_threads() -> int:
    """The cores this process may run on (its CPU affinity, which containers and taskset narrow)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):
        return max(1, os.cpu_count() or 1)


def serve_config(args: argparse.Namespace) -> BackendConfig:
    """The model's config; a server runs one model, so without --threads it gets the machine's cores."""
    from app.commands.score import config_from

    config = config_from(args)
    if not config.threads and config.backend in MACHINE_THREAD_BACKENDS and config.device == "cpu":
        config = replace(config, threads=machine_threads())
    return config


def _warn_if_busy(config: BackendConfig) -> None:
    """llama.cpp's threads meet at a spin barrier after every op: on a machine already busy, one descheduled
    thread stalls them all (measured on 2 busy cores: 0.8 pairs/s on 2 threads against 8.2 on 1)."""
    if config.backend != "gguf" or config.threads <= 1 or not hasattr(os, "getloadavg"):
        return
    load = os.getloadavg()[0]
    if load >= machine_threads():
        print(f"⚠ the machine is busy (load average {load:.1f} on {machine_threads()} cores): llama.cpp on "
              f"{config.threads} threads slows down sharply when its threads are descheduled; if requests are "
              "slow, try --threads 1.", file=sys.stderr)


def run(args: argparse.Namespace) -> int:
    from app.serve.app import ServeSettings, build_app
    from app.serve.protocol import Limits
    from app.serve.server import bind, serve_forever
    from app.serve.worker import ScoringWorker

    _check(args)
    api_key = args.api_key or os.environ.get(API_KEY_ENV) or None
    config = serve_config(args)
    sock = bind(args.host, args.port)  # a port in use is reported before the (slow) model load
    worker = ScoringWorker(config, window_ms=args.batch_window_ms)
    try:
        worker.load()  # a model that cannot load is a clear error, not a half-started server
    except BaseException:
        sock.close()
        worker.close()
        raise
    backend = worker.backend
    settings = ServeSettings(
        model_id=args.model_id or backend.model_name,
        api_key=api_key,
        limits=Limits(args.max_documents, args.max_body_bytes, args.body_timeout),
        options=ScoreOptions(max_length=args.max_length, batch_size=args.batch_size, instruction=args.instruction,
                             batch_dynamic_quant=args.batch_dynamic_int8),
    )
    where = f"http://{args.host}:{sock.getsockname()[1]}"
    print(f"Serving {settings.model_id} ({backend.name}, {backend.device}, {backend.family.name}) on {where}"
          f"  — POST /v1/rerank, /v2/rerank, /rerank · GET /health, /v1/models"
          f"{'' if api_key else '  (no API key)'}", file=sys.stderr)
    for w in backend.static_warnings:
        print(f"⚠ {w.code}: {w.message}", file=sys.stderr)
    _warn_if_busy(config)
    if args.host not in ("127.0.0.1", "localhost", "::1") and not api_key:
        print("⚠ listening beyond this machine without --api-key: anyone on the network can use it.",
              file=sys.stderr)
    serve_forever(build_app(worker, settings), sock, log_level="debug" if args.debug else "info",
                  header_timeout_s=args.body_timeout)
    return 0
