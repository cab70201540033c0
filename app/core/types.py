"""Frozen result and option types shared by every layer."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from enum import Enum


class Aggregate(str, Enum):
    """How chunk scores of one long document become the document's score."""

    MAX = "max"
    MEAN = "mean"
    FIRST = "first"


@dataclass(frozen=True)
class Document:
    """One document; ``source`` names the file it came from (empty when typed)."""

    text: str
    source: str = ""


@dataclass(frozen=True)
class ChunkOptions:
    """Long-document mode: windows of ``size`` document tokens overlapping by ``overlap``."""

    size: int
    overlap: int = 0
    aggregate: Aggregate = Aggregate.MAX

    def __post_init__(self) -> None:
        if self.size < 8:
            raise ValueError("chunk size must be at least 8 tokens")
        if not 0 <= self.overlap < self.size:
            raise ValueError("chunk overlap must be >= 0 and smaller than the chunk size")


@dataclass(frozen=True)
class ScoreOptions:
    """Per-run options. ``max_length`` None means the model family's default limit."""

    max_length: int | None = None
    batch_size: int = 32  # the most pairs in one runtime call
    # the most padded tokens (pairs x longest pair) in one runtime call; None: the device's default, 0: no bound
    # (app.backends.batching.DEFAULT_BATCH_TOKENS: small on CPU, where big batches thrash the caches)
    batch_tokens: int | None = None
    chunk: ChunkOptions | None = None
    instruction: str | None = None
    use_template: bool = True
    # Dynamically quantized ONNX graphs (DynamicQuantizeLinear) quantize activations with one scale per batch
    # tensor, so a pair's score depends on its batch neighbours: such graphs run one pair per call unless this
    # speed option is on (then every run carries a warning).
    batch_dynamic_quant: bool = False
    # cut each document to its first N tokens before pairing (Cohere's max_tokens_per_doc); None: no cut
    max_doc_tokens: int | None = None


@dataclass(frozen=True)
class BackendConfig:
    """What to load and where: one artifact on one runtime and device."""

    path: str
    backend: str
    device: str = "cpu"
    file: str | None = None
    threads: int = 0  # 0: the runtime's default
    compute_type: str | None = None  # CT2: int8, int8_float16, float16, float32
    n_gpu_layers: int = -1  # llama.cpp, used only when device == "cuda"
    family: str | None = None  # override automatic family detection
    prompt_format: str | None = None  # decoders: a declared prompt format (app.core.families.PROMPT_FORMATS)
    # ONNX: run the attention-fused graph of BERT-family fp32 files (cached). None = auto: on for CUDA, off on
    # CPU, where onnxruntime 1.31 ran it slower than the plain export (0.87-0.97x, docs/bench.md).
    optimize: bool | None = None
    api_style: str | None = None  # remote: cohere, jina, tei, llama.cpp, vllm, infinity; None = detect
    api_key: str | None = None  # remote: sent as "Authorization: Bearer <key>"
    remote_model: str | None = None  # remote: the "model" field sent in each request
    # CT2: the original transformers checkpoint (config.json, tokenizer.json, model.safetensors) of a folder made
    # by ct2-transformers-converter that does not sit inside it; None: look in the folder and two above
    checkpoint: str | None = None


@dataclass(frozen=True)
class FidelityWarning:
    """A reason the scores may not match the reference implementation."""

    code: str
    message: str


@dataclass(frozen=True)
class Timings:
    """Milliseconds spent per stage of one scoring run."""

    tokenize_ms: float = 0.0
    inference_ms: float = 0.0
    total_ms: float = 0.0
    load_ms: float = 0.0

    def as_dict(self) -> dict[str, float]:
        return {k: round(v, 3) for k, v in self.__dict__.items()}


@dataclass(frozen=True)
class DocResult:
    """The score of one input document, in input order (``index``)."""

    index: int
    raw_score: float
    score: float
    token_count: int
    truncated: bool
    chunk_index: int | None = None
    chunk_count: int = 1
    # Characters [start, end) of the document that decided the score: the winning chunk in long-document mode,
    # the part read before the cut when truncated; None when the whole document was read (or it is unknown).
    span: tuple[int, int] | None = None


@dataclass(frozen=True)
class ScoreRun:
    """One query scored against all documents by one backend."""

    model: str
    backend: str
    device: str
    family: str
    score_rule: str
    results: tuple[DocResult, ...]
    timings: Timings
    warnings: tuple[FidelityWarning, ...] = field(default_factory=tuple)

    @property
    def raw_scores(self) -> list[float]:
        return [r.raw_score for r in self.results]

    @property
    def scores(self) -> list[float]:
        return [r.score for r in self.results]

    def ranked(self) -> list[DocResult]:
        """Results best first; ties keep input order."""
        return sorted(self.results, key=lambda r: (-_sort_key(r.score), r.index))

    def pairs_per_second(self) -> float:
        n = sum(r.chunk_count for r in self.results)
        return n / (self.timings.total_ms / 1000.0) if self.timings.total_ms > 0 else 0.0

    def to_json(self, top_n: int | None = None) -> dict:
        """Cohere/Jina-shaped object, results sorted by score."""
        ranked = self.ranked()[: top_n if top_n else None]
        return {
            "model": self.model,
            "backend": self.backend,
            "device": self.device,
            "family": self.family,
            "score_rule": self.score_rule,
            "results": [
                {
                    "index": r.index,
                    "relevance_score": _finite(r.score),
                    "raw_score": _finite(r.raw_score),
                    "truncated": r.truncated,
                    "tokens": r.token_count,
                    **({"chunk": r.chunk_index, "chunks": r.chunk_count} if r.chunk_count > 1 else {}),
                    **({"span": list(r.span)} if r.span is not None else {}),
                }
                for r in ranked
            ],
            "warnings": [{"code": w.code, "message": w.message} for w in self.warnings],
            "timings_ms": self.timings.as_dict(),
        }


def _finite(x: float) -> float | None:
    """JSON has no NaN or Infinity: a non-finite score is written as null (the run also carries an error)."""
    return x if math.isfinite(x) else None


def _sort_key(x: float) -> float:
    return -math.inf if math.isnan(x) else x
