"""Run one backend's bench: start the workers, time them in turns on the same inputs, collect a report.

Timings on a shared machine are noisy, so engines are never timed in separate phases: each repetition runs
every engine once on the same inputs, the order rotating between repetitions, and medians are reported.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

from app.bench import synthetic
from app.bench.pool import Worker, python_has
from app.bench.results import BackendReport, Cell, EngineInfo, Latency, Measurement
from app.core.types import BackendConfig

SWEEP_DOCS = (10, 100, 1000)
SWEEP_TOKENS = (32, 128, 512)
SWEEP_BASE_TOKENS = 128
SWEEP_BASE_DOCS = 100
LATENCY_DOCS = 100
RAW_ENGINES = {"onnx": "raw-onnx", "ct2": "raw-ct2", "gguf": "raw-llama"}


@dataclass(frozen=True)
class BenchSetup:
    config: BackendConfig
    n_docs: int = 200
    doc_tokens: int = 128
    reps: int = 5
    latency_queries: int = 8
    batch_size: int = 32
    batch_tokens: int | None = None  # None: the device's default (app.backends.batching), for every engine
    batch_dynamic_quant: bool = False  # ONNX dynamic int8: batch pairs (ScoreOptions.batch_dynamic_quant)
    max_length: int | None = None
    baseline: bool = False
    sweep: bool = False
    torch_python: str | None = None  # a Python with sentence-transformers, for the torch comparison
    docs_file: str | None = None
    query: str | None = None
    seed: int = 0


def plan_cells(setup: BenchSetup) -> list[tuple[int, int]]:
    """(documents, tokens per document) per input set: one, or the sweep (documents x, then length x)."""
    if not setup.sweep:
        return [(setup.n_docs, setup.doc_tokens)]
    cells = [(n, SWEEP_BASE_TOKENS) for n in SWEEP_DOCS]
    cells += [(SWEEP_BASE_DOCS, t) for t in SWEEP_TOKENS if t != SWEEP_BASE_TOKENS]
    return cells


def reps_for(setup: BenchSetup, n_docs: int) -> int:
    """Fewer repetitions for big input sets in a sweep (about 400 pairs per engine and cell)."""
    return setup.reps if not setup.sweep else min(setup.reps, max(1, math.ceil(400 / n_docs)))


def start_workers(setup: BenchSetup, notes: list[str]) -> list[Worker]:
    """Ours first (its artifact decides what the baselines load), then the comparisons asked for."""
    from dataclasses import asdict

    from app.backends.batching import default_batch_tokens

    cfg = setup.config

    def plan(device: str) -> dict:  # the same batch plan for ours and the raw loops it is compared with
        tokens = setup.batch_tokens
        if tokens is None:
            tokens = default_batch_tokens(device, cfg.backend)
        return {"batch_tokens": tokens}

    ours = Worker("ours", "ours", {**asdict(cfg), **plan(cfg.device),
                                   "batch_dynamic_quant": setup.batch_dynamic_quant}).start()
    workers = [ours]
    artifact = ours.info["artifact"]
    common = {"artifact": artifact, "threads": cfg.threads, "device": cfg.device,
              "compute_type": cfg.compute_type, "n_gpu_layers": cfg.n_gpu_layers, **plan(cfg.device)}
    if ours.info.get("batch_dependent") and not setup.batch_dynamic_quant:
        common["max_batch"] = 1  # the raw loop does what ours does: one pair per run on a dynamic int8 graph
    if setup.baseline:
        if cfg.backend not in RAW_ENGINES:
            notes.append(f"raw baseline: none for the {cfg.backend} backend; skipped")
        elif ours.info.get("kind") != "encoder" and cfg.backend != "gguf":
            notes.append("raw baseline: only for encoder cross-encoders; skipped")
        else:
            workers.append(_raw_worker(cfg.backend, common, ours.info))
        if cfg.backend == "gguf":
            workers.append(Worker("embed-list", "llama-embed-list", {**common, "n_ctx": 512}).start())
        if cfg.backend == "onnx" and artifact.endswith(".fused"):
            workers.append(Worker("ours-unfused", "ours",
                                  {**asdict(replace(cfg, optimize=False)), **plan(cfg.device)}).start())
    if cfg.device == "cuda":  # the GPU's speed-up over the CPU, same inputs, interleaved
        workers.append(Worker("ours-cpu", "ours", {**asdict(replace(cfg, device="cpu")), **plan("cpu")}).start())
    if setup.sweep:
        torch_worker = _torch_worker(setup, ours.info, notes)
        if torch_worker is not None:
            workers.append(torch_worker)
    return workers


def _raw_worker(backend: str, common: dict, info: dict) -> Worker:
    spec = {**common, "tokenizer_dir": info.get("tokenizer_dir"), "n_ctx": info.get("n_ctx")}
    return Worker("raw", RAW_ENGINES[backend], spec).start()


def _torch_worker(setup: BenchSetup, info: dict, notes: list[str]) -> Worker | None:
    python = setup.torch_python
    root = info.get("model_root")
    if not python or not python_has(python, "sentence_transformers"):
        notes.append(f"torch comparison skipped: sentence-transformers is not importable by {python or 'python'}"
                     " (install it, or point --torch-python at a Python that has it)")
        return None
    if not root or not any((Path(root) / f).is_file() for f in ("model.safetensors", "pytorch_model.bin")):
        notes.append("torch comparison skipped: no model.safetensors / pytorch_model.bin beside config.json")
        return None
    spec = {"artifact": root, "threads": setup.config.threads, "device": setup.config.device,
            "max_length": info.get("max_length", 512)}
    return Worker("torch", "st-cross-encoder", spec, python=python).start()


def measure_cell(workers: list[Worker], inputs: synthetic.Inputs, doc_tokens: int, reps: int, max_length: int,
                 batch_size: int, tick: Callable[[], None]) -> Cell:
    for w in workers:
        w.prepare(inputs.query, list(inputs.documents), max_length, batch_size)
    times: dict[str, list[float]] = {w.name: [] for w in workers}
    scores: dict[str, list[float] | None] = {}
    tokens = 0
    for rep in range(reps):
        k = rep % len(workers)
        for w in workers[k:] + workers[:k]:  # rotate the order: no engine always runs first
            reply = w.run()
            times[w.name].append(reply["seconds"])
            scores[w.name] = reply["scores"]
            tokens = reply["tokens"] or tokens if w.name == "ours" else tokens
            tick()
    n = len(inputs.documents)
    measurements = tuple(Measurement(name, n, tuple(t)) for name, t in times.items())
    return Cell(n, doc_tokens, tokens / n if n else 0.0, measurements, _diffs(scores))


def _diffs(scores: dict[str, list[float] | None]) -> dict[str, float]:
    ours = scores.get("ours")
    out = {}
    for name, other in scores.items():
        if name != "ours" and ours and other and len(other) == len(ours):
            out[name] = max(abs(a - b) for a, b in zip(ours, other))
    return out


def measure_latency(ours: Worker, setup: BenchSetup, tokenizer, max_length: int,
                    tick: Callable[[], None]) -> Latency:
    samples = []
    docs = latency_docs(setup)
    for q in range(setup.latency_queries):
        inputs = synthetic.synthetic(docs, setup.doc_tokens, seed=setup.seed + 1 + q, tokenizer=tokenizer)
        ours.prepare(inputs.query, list(inputs.documents), max_length, setup.batch_size)
        samples.append(ours.run()["seconds"] * 1000.0)
        tick()
    samples.sort()
    p95 = samples[min(len(samples) - 1, math.ceil(0.95 * len(samples)) - 1)]
    return Latency(docs, len(samples), statistics.median(samples), p95)


def latency_docs(setup: BenchSetup) -> int:
    """Documents per latency query: the run's own count, at most LATENCY_DOCS (``--docs 50``: queries of 50)."""
    return max(1, min(setup.n_docs, LATENCY_DOCS))


def total_runs(setup: BenchSetup, n_workers: int) -> int:
    cells = 1 if setup.docs_file else len(plan_cells(setup))
    runs = sum(reps_for(setup, n) for n, _ in plan_cells(setup)[:cells]) * n_workers
    return runs + n_workers + setup.latency_queries


def run_backend(setup: BenchSetup, progress: Callable[[int, int], None] | None = None) -> BackendReport:
    notes: list[str] = []
    workers = start_workers(setup, notes)
    try:
        return _measure(setup, workers, notes, progress or (lambda done, total: None))
    finally:
        for w in workers:
            w.close()


def _measure(setup: BenchSetup, workers: list[Worker], notes: list[str],
             progress: Callable[[int, int], None]) -> BackendReport:
    ours = workers[0]
    total, done = total_runs(setup, len(workers)), 0

    def tick() -> None:
        nonlocal done
        done += 1
        progress(done, total)

    tokenizer = synthetic.find_tokenizer(ours.info.get("tokenizer_dir") or setup.config.path)
    max_length = min(setup.max_length or 10**9, ours.info.get("max_length", 512))
    warm = synthetic.synthetic(16, setup.doc_tokens, seed=setup.seed + 99, tokenizer=tokenizer)
    measure_cell(workers, warm, setup.doc_tokens, 1, max_length, setup.batch_size, tick)  # warm-up, dropped
    cells = []
    if setup.docs_file:
        inputs = synthetic.from_file(setup.docs_file, setup.query)
        cells.append(measure_cell(workers, inputs, 0, setup.reps, max_length, setup.batch_size, tick))
    else:
        for n, t in plan_cells(setup):
            inputs = synthetic.synthetic(n, t, seed=setup.seed, tokenizer=tokenizer)
            cells.append(measure_cell(workers, inputs, t, reps_for(setup, n), max_length, setup.batch_size, tick))
    latency = measure_latency(ours, setup, tokenizer, max_length, tick) if setup.latency_queries else None
    engines = tuple(_engine_info(w) for w in workers)
    label = Path(setup.docs_file).name if setup.docs_file else f"synthetic (seed {setup.seed})"
    return BackendReport(setup.config.backend, label, setup.config.threads, engines, tuple(cells), latency,
                         tuple(notes))


def _engine_info(w: Worker) -> EngineInfo:
    mem = w.memory()
    i = w.info
    return EngineInfo(w.name, i.get("label", w.name), i.get("device", "?"), i.get("artifact", ""), w.load_ms,
                      mem["rss_mb"], mem["peak_rss_mb"], tuple(i.get("notes", ())))
