"""The backend interface: load once, ``score(query, documents) -> ScoreRun``.

Only ``_run_batch`` (and loading) is runtime-specific; validation, chunking, length-sorted batching,
aggregation, normalization and fidelity warnings are shared here.
"""

from __future__ import annotations

import time
from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import ClassVar

import numpy as np

from app.backends.batching import default_batch_tokens, run_sorted
from app.core import fidelity
from app.core.chunking import aggregate, chunk_spans
from app.core.errors import BadInputError, CancelledError, ModelLoadError
from app.core.families import ModelFamily
from app.core.pairs import EncodedPair, PairTokenizer, clean_text, cut_at_tokens
from app.core.scores import sigmoid
from app.core.types import (
    BackendConfig,
    DocResult,
    Document,
    FidelityWarning,
    ScoreOptions,
    ScoreRun,
    Timings,
)

ProgressFn = Callable[[int, int], None]
CancelFn = Callable[[], bool]

MAX_DOCUMENTS = 100_000


class Backend(ABC):
    """One loaded artifact on one runtime and device."""

    name: ClassVar[str]
    label: ClassVar[str]
    supports_cuda: ClassVar[bool] = True
    default_batch_size: ClassVar[int] = 32

    family: ModelFamily
    tokenizer: PairTokenizer
    device: str  # the device actually used, in the runtime's words
    precision: str  # fp32, int8, f16, q8_0, ...
    model_name: str
    load_ms: float = 0.0
    artifact: str = ""  # the file or folder that actually runs (e.g. a fused ONNX graph)
    notes: tuple[str, ...] = ()  # how the runtime was set up, in words (graph fusion, threads, ...)
    # True when a pair's score depends on the other pairs in its runtime call (ONNX dynamic int8: one activation
    # scale per batch tensor; CT2 int8 on CPU, measured); such a backend scores one pair per call unless
    # options.batch_dynamic_quant
    batch_dependent: bool = False

    def __init__(self, config: BackendConfig) -> None:
        self.config = config
        started = time.perf_counter()
        self._load(config)
        self.load_ms = (time.perf_counter() - started) * 1000.0
        self.static_warnings = fidelity.static_warnings(self.family, self.name, self.precision)

    @abstractmethod
    def _load(self, config: BackendConfig) -> None:
        """Load the artifact; set family, tokenizer, device, precision, model_name."""

    @abstractmethod
    def _run_batch(self, pairs: list[EncodedPair]) -> np.ndarray:
        """Raw score (a logit) per pair, same order as ``pairs``."""

    def close(self) -> None:  # noqa: B027 - optional hook, most runtimes free memory on garbage collection
        """Release native resources."""

    # -- shared pipeline --------------------------------------------------------------------------
    def score(self, query: str, documents: Sequence[Document | str], options: ScoreOptions | None = None,
              progress: ProgressFn | None = None, cancelled: CancelFn | None = None) -> ScoreRun:
        options = options or ScoreOptions()
        texts = _validate(query, documents)
        max_length = min(options.max_length or self.family.max_length, self.family.max_length)
        t0 = time.perf_counter()
        limited, cut_docs = self._limit_documents(texts, options.max_doc_tokens)
        owners, items, chunk_counts, windows = self._items(limited, options)
        pairs = self.tokenizer.encode_pairs(query, items, max_length, options.instruction,
                                            options.use_template)
        t1 = time.perf_counter()

        def on_batch(done: int) -> None:
            if cancelled is not None and cancelled():
                raise CancelledError()
            if progress is not None:
                progress(done, len(pairs))

        if progress is not None:
            progress(0, len(pairs))
        tokens = options.batch_tokens
        if tokens is None:
            tokens = default_batch_tokens(self.config.device, self.name)
        batch_size = options.batch_size or self.default_batch_size
        if self.batch_dependent and not options.batch_dynamic_quant:
            batch_size = 1  # batch-invariant scores: measured 9 % slower on the int8 starter (docs/bench.md)
        raw = run_sorted(pairs, batch_size, self._run_batch, on_batch, tokens)
        t2 = time.perf_counter()
        _check_finite(raw, len(pairs), self.model_name)
        results = self._collect(texts, owners, pairs, raw, chunk_counts, windows, options)
        if cut_docs:  # read only up to max_doc_tokens: the span says where, unless a chunk or cut says more
            results = [replace(r, span=(0, len(limited[r.index]))) if r.index in cut_docs and r.span is None
                       else r for r in results]
        warnings = [*self.static_warnings, *fidelity.option_warnings(self.family, options),
                    *fidelity.batching_warnings(self.batch_dependent and batch_size > 1 and len(pairs) > 1,
                                                 self.name),
                    *fidelity.doc_limit_warnings(options.max_doc_tokens, len(cut_docs)),
                    *fidelity.result_warnings([r.score for r in results], pairs, max_length,
                                              [i for i, t in enumerate(texts) if not t.strip()])]
        timings = Timings((t1 - t0) * 1000, (t2 - t1) * 1000, (time.perf_counter() - t0) * 1000, self.load_ms)
        return ScoreRun(self.model_name, self.name, self.device, self.family.name,
                        self.family.describe_rule(), tuple(results), timings, tuple(_dedupe(warnings)))

    def _limit_documents(self, texts: list[str], limit: int | None) -> tuple[list[str], set[int]]:
        """Each document cut to its first ``limit`` tokens (``max_doc_tokens``); the indices that were cut."""
        if not limit:
            return texts, set()
        out, cut = [], set()
        for i, text in enumerate(texts):
            short, was_cut = cut_at_tokens(text, self.tokenizer.token_spans(text), limit)
            out.append(short)
            if was_cut:
                cut.add(i)
        return out, cut

    def _items(self, texts: list[str], options: ScoreOptions
               ) -> tuple[list[int], list[str], list[int], list[tuple[int, int]]]:
        """Flatten documents into scored items (whole documents, or chunks in long-document mode): each
        item's document, its text, the number of items per document, and each item's characters
        [start, end) in its document's text."""
        if options.chunk is None:
            return list(range(len(texts))), texts, [1] * len(texts), [(0, len(t)) for t in texts]
        owners, items, counts, spans = [], [], [], []
        for i, text in enumerate(texts):
            windows = chunk_spans(text, self.tokenizer.token_spans(text), options.chunk.size,
                                  options.chunk.overlap)
            owners += [i] * len(windows)
            items += [text[a:b] for a, b in windows]
            spans += windows
            counts.append(len(windows))
        return owners, items, counts, spans

    def _collect(self, texts: list[str], owners: list[int], pairs: list[EncodedPair], raw: np.ndarray,
                 chunk_counts: list[int], windows: list[tuple[int, int]], options: ScoreOptions
                 ) -> list[DocResult]:
        per_doc: dict[int, list[int]] = {}
        for pos, owner in enumerate(owners):
            per_doc.setdefault(owner, []).append(pos)
        results = []
        for i in range(len(texts)):
            positions = per_doc[i]
            if options.chunk is None:
                value, chunk = float(raw[positions[0]]), None
            else:
                value, chunk = aggregate([raw[p] for p in positions], options.chunk.aggregate)
            first = pairs[positions[0]]
            tokens = sum(len(pairs[p]) for p in positions) if len(positions) > 1 else first.full_length
            best = positions[chunk or 0]
            span = _span(pairs[best], windows[best], chunked=len(positions) > 1)
            results.append(DocResult(i, value, float(sigmoid(value)), tokens,
                                     any(pairs[p].truncated for p in positions), chunk, chunk_counts[i], span))
        return results


def _span(pair: EncodedPair, window: tuple[int, int], chunked: bool) -> tuple[int, int] | None:
    """The characters of the document that decided its score (see ``DocResult.span``): the winning window,
    shortened to what its pair kept when it was cut; None for a document read whole (or cut at an unknown
    place)."""
    start, end = window
    if pair.truncated and pair.kept_chars is not None:
        end = min(end, start + pair.kept_chars)
    elif not chunked:
        return None
    return start, end


def _validate(query: str, documents: Sequence[Document | str]) -> list[str]:
    if not isinstance(query, str) or not query.strip():
        raise BadInputError("The query is empty: type a query to rank the documents against.")
    if not documents:
        raise BadInputError("There are no documents to rank: add at least one document.")
    if len(documents) > MAX_DOCUMENTS:
        raise BadInputError(f"{len(documents):,} documents is more than the limit of {MAX_DOCUMENTS:,} per run; "
                            "split them into several runs.")
    return [clean_text(d.text if isinstance(d, Document) else str(d)) for d in documents]


def _check_finite(raw: np.ndarray, n: int, model: str) -> None:
    """NaN or infinite scores are an error, never a ranking (corrupt weights, or an fp16 overflow)."""
    bad = int(np.count_nonzero(~np.isfinite(raw)))
    if bad:
        raise ModelLoadError(
            f"{model} produced non-finite scores (NaN or infinity) for {bad} of {n} pairs: its weights hold NaN/inf "
            "values (a corrupt or badly converted file) or its precision overflowed. Re-download or re-convert it, "
            "or try an fp32 artifact.")


def _dedupe(warnings: list[FidelityWarning]) -> list[FidelityWarning]:
    seen, out = set(), []
    for w in warnings:
        if w.code not in seen:
            seen.add(w.code)
            out.append(w)
    return out

