"""Validate converted artifacts against the transformers reference (the `torch` backend on the checkpoint).

Per artifact: size on disk, load time, pairs/s, max and mean |Δ raw| over a built-in validation set (several
queries × documents, with an empty document and one long enough to be truncated), top-1 kept, Kendall τ, and
NDCG@10 on the bundled held-out set. Everything is scored through model worker processes (one native crash
fails one artifact, not the run), the reference first.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

from app.convert.formats import Target
from app.core.metrics import drift, ndcg_at_k
from app.core.types import BackendConfig, Document, ScoreOptions

LONG = " ".join(["The history of the printing press begins with movable type, ink and paper; it spread across "
                 "Europe within decades and changed how knowledge travelled, how churches and universities "
                 "worked, and how news reached ordinary readers."] * 40)
VALIDATION_SET: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("what is deep learning", (
        "Deep learning is a subset of machine learning that uses neural networks with many layers.",
        "Apples are red or green fruits that grow on trees.",
        "Neural networks learn representations from data by gradient descent.",
        "", LONG,
        "The stock market closed higher on Friday after strong earnings reports.")),
    ("how do I install a package on Debian", (
        "Use apt install followed by the package name to install software on Debian.",
        "The Eiffel Tower is located in Paris and was completed in 1889.",
        "dpkg -i installs a local .deb file; apt resolves the dependencies.",
        "Cats sleep for up to sixteen hours a day.")),
    ("symptoms of the flu", (
        "Influenza causes fever, cough, sore throat, muscle aches and fatigue.",
        "A balanced diet includes vegetables, grains and protein.",
        "The flu vaccine is updated every year to match circulating strains.",
        "Jupiter is the largest planet in the solar system.",
        "Colds are milder than the flu and rarely cause high fever.")),
    ("capital of Australia", (
        "Canberra is the capital city of Australia.",
        "Sydney is the largest city in Australia and home to the Opera House.",
        "Kangaroos are marsupials native to Australia.",
        "Ottawa is the capital of Canada.")),
    ("¿cómo se prepara una tortilla de patatas?", (
        "La tortilla de patatas se hace con huevos, patatas, aceite de oliva y, a veces, cebolla.",
        "Paella is a rice dish from Valencia.",
        "Fry thinly sliced potatoes slowly, then mix them with beaten eggs and cook both sides.",
        "El fútbol es el deporte más popular de España.")),
    ("python sort list of dicts by key", (
        "Use sorted(items, key=lambda d: d['name']) to sort a list of dictionaries by one key.",
        "Pythons are large non-venomous snakes found in Africa and Asia.",
        "list.sort() sorts in place; operator.itemgetter('name') is a faster key function.",
        "JavaScript arrays have a sort method that takes a compare function.")),
)
VALIDATION_OPTIONS = ScoreOptions(max_length=512)


@dataclass(frozen=True)
class Scored:
    raw: list[list[float]]  # validation set, per query
    heldout: list[list[float]]  # held-out set, per query
    pairs: int
    seconds: float
    load_ms: float
    device: str
    warnings: tuple[str, ...]


@dataclass
class ArtifactReport:
    target: str
    path: str
    size_bytes: int = 0
    load_ms: float = 0.0
    pairs_per_s: float = 0.0
    max_abs: float = float("nan")
    mean_abs: float = float("nan")
    top1_kept: bool = False
    tau: float = float("nan")
    queries_reranked: int = 0  # validation queries whose order differs from the reference
    ndcg10: float = float("nan")
    ranking_changed: bool = False
    tolerance: float | None = None
    device: str = ""
    warnings: list[str] = field(default_factory=list)
    error: str | None = None

    def as_dict(self) -> dict:
        return {k: (None if isinstance(v, float) and np.isnan(v) else v) for k, v in asdict(self).items()}


def heldout_queries(limit: int | None):
    from app.core.datasets import load_dataset
    from app.paths import resources_dir

    if limit == 0:
        return []
    return load_dataset(resources_dir() / "eval" / "debian-heldout.jsonl", max_queries=limit)


def score_all(worker, config: BackendConfig, heldout, tick: Callable[[], None]) -> Scored:
    info = worker.load(config)
    first_query, first_docs = VALIDATION_SET[0]
    worker.score(first_query, [Document(d) for d in first_docs], VALIDATION_OPTIONS)  # warm-up, not timed
    raw, held, pairs, seconds = [], [], 0, 0.0
    for query, docs in VALIDATION_SET:
        run = worker.score(query, [Document(d) for d in docs], VALIDATION_OPTIONS)
        raw.append(list(run.raw_scores))
        pairs, seconds = pairs + len(docs), seconds + run.timings.total_ms / 1000
        tick()
    for q in heldout:
        run = worker.score(q.query, [Document(d) for d in q.documents], VALIDATION_OPTIONS)
        held.append(list(run.raw_scores))
        pairs, seconds = pairs + len(q.documents), seconds + run.timings.total_ms / 1000
        tick()
    return Scored(raw, held, pairs, seconds, info.load_ms, info.device, tuple(w.code for w in info.warnings))


def _size(path: Path) -> int:
    if path.is_dir():
        return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())
    return path.stat().st_size if path.exists() else 0


def compare(report: ArtifactReport, got: Scored, ref: Scored, heldout) -> None:
    """Fill ``report``'s drift and quality numbers from the artifact's and the reference's scores."""
    drifts = [drift(a, b, k=1) for a, b in zip(ref.raw, got.raw)]
    diffs = np.abs(np.concatenate([np.subtract(b, a) for a, b in zip(ref.raw, got.raw)]))
    report.max_abs, report.mean_abs = float(np.max(diffs)), float(np.mean(diffs))
    report.top1_kept = all(d.top1_kept for d in drifts)
    report.tau = float(np.mean([d.tau for d in drifts]))
    report.queries_reranked = sum(1 for d in drifts if d.rank_changed)
    report.ranking_changed = report.queries_reranked > 0
    if heldout:
        report.ndcg10 = float(np.mean([ndcg_at_k(s, q.labels, 10) for s, q in zip(got.heldout, heldout)]))
    report.pairs_per_s = got.pairs / got.seconds if got.seconds > 0 else 0.0
    report.load_ms, report.device = got.load_ms, got.device
    report.warnings += [f"runtime warning: {code}" for code in got.warnings]
    if report.tolerance is not None and report.max_abs > report.tolerance:
        cause = ", ".join(got.warnings) or known_cause(report.target)
        report.warnings.append(f"max |Δ| {report.max_abs:.2g} exceeds the {report.tolerance:g} expected of "
                               f"{report.target} (cause: {cause})")


GGUF_CAUSE = ("llama.cpp rounds an encoder's attention K/V to f16 even in an f32 file (flash attention casts them, "
              "src/llama-graph.cpp) and computes GELU through an f16 lookup table (ggml-cpu/vec.h)")


def known_cause(target: str) -> str:
    """Why a faithful export still drifts past its tolerance, where the runtime is known to do it."""
    if target == "gguf:f16":
        return "half-precision weights (and, in encoders: " + GGUF_CAUSE.removeprefix("llama.cpp ") + ")"
    if target.startswith("gguf:"):
        return GGUF_CAUSE
    if target.endswith(("fp16", "f16")):
        return "half-precision rounding of weights and activations"
    return "not known: the runtime computes this model differently"


@dataclass
class Validation:
    reference: dict
    artifacts: list[ArtifactReport]
    validation_pairs: int
    heldout_queries: int
    seconds: float

    def as_dict(self) -> dict:
        return {"reference": self.reference, "validation_pairs": self.validation_pairs,
                "heldout_queries": self.heldout_queries, "seconds": round(self.seconds, 2),
                "artifacts": [a.as_dict() for a in self.artifacts]}


def validate(folder: Path, reference_folder: Path, targets: list[Target], family: str | None = None,
             heldout_limit: int | None = 8, threads: int = 0, progress: Callable[[int, int], None] | None = None,
             ) -> Validation:
    """Score the reference and every target present in ``folder``; one worker process, reloaded per artifact."""
    from app.runtime.model_worker import ModelWorker

    started = time.perf_counter()
    heldout = heldout_queries(heldout_limit)
    steps = (len(targets) + 1) * (len(VALIDATION_SET) + len(heldout))
    done = [0]

    def tick() -> None:
        done[0] += 1
        if progress is not None:
            progress(done[0], steps)

    worker = ModelWorker("validate")
    try:
        ref = score_all(worker, BackendConfig(str(reference_folder), "torch", threads=threads, family=family),
                        heldout, tick)
        ref_ndcg = float(np.mean([ndcg_at_k(s, q.labels, 10) for s, q in zip(ref.heldout, heldout)])) \
            if heldout else None
        reports = []
        for target in targets:
            report = ArtifactReport(target.name, target.path, _size(folder / target.path), tolerance=target.tolerance)
            try:
                got = score_all(worker, BackendConfig(str(folder), target.backend, file=target.path,
                                                      threads=threads, family=family), heldout, tick)
                compare(report, got, ref, heldout)
            except Exception as exc:  # noqa: BLE001 - one artifact failing is a row of the report, not the end
                report.error = f"{type(exc).__name__}: {exc}"
            reports.append(report)
    finally:
        worker.close(timeout=15.0)  # a loaded machine can take a while to free a model
    reference = {"backend": "torch", "path": str(reference_folder), "load_ms": round(ref.load_ms, 1),
                 "pairs_per_s": round(ref.pairs / ref.seconds, 1) if ref.seconds else None, "ndcg10": ref_ndcg,
                 "device": ref.device}
    pairs = sum(len(d) for _, d in VALIDATION_SET)
    return Validation(reference, reports, pairs, len(heldout), time.perf_counter() - started)
