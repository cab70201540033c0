"""Frozen results of a bench run (what the table, the JSON and the chart are made from)."""

from __future__ import annotations

import statistics
from dataclasses import asdict, dataclass, field


@dataclass(frozen=True)
class EngineInfo:
    """One loaded engine: what ran, where, how long it took to load and how much memory its process holds."""

    name: str  # "ours", "raw", "embed-list", "torch", "ours-unfused"
    label: str
    device: str
    artifact: str
    load_ms: float
    rss_mb: float = 0.0
    peak_rss_mb: float = 0.0
    notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class Measurement:
    """Repeated timings of one engine on one input set (interleaved with the other engines)."""

    name: str
    pairs: int
    seconds: tuple[float, ...]

    @property
    def median_s(self) -> float:
        return statistics.median(self.seconds)

    @property
    def pairs_per_s(self) -> float:
        return self.pairs / self.median_s if self.median_s > 0 else 0.0


@dataclass(frozen=True)
class Cell:
    """All engines on one input set (``n_docs`` documents of ``doc_tokens`` tokens on average)."""

    n_docs: int
    doc_tokens: int
    tokens_per_pair: float
    measurements: tuple[Measurement, ...]
    max_abs_diff: dict[str, float] = field(default_factory=dict)  # ours vs each raw engine, raw logits

    def get(self, name: str) -> Measurement | None:
        return next((m for m in self.measurements if m.name == name), None)

    def ratio(self, name: str, to: str) -> float | None:
        a, b = self.get(name), self.get(to)
        return a.pairs_per_s / b.pairs_per_s if a and b and b.pairs_per_s else None


@dataclass(frozen=True)
class Latency:
    """Wall time of whole queries of ``docs_per_query`` documents, ours only."""

    docs_per_query: int
    queries: int
    p50_ms: float
    p95_ms: float


@dataclass(frozen=True)
class BackendReport:
    backend: str
    inputs: str
    threads: int
    engines: tuple[EngineInfo, ...]
    cells: tuple[Cell, ...]
    latency: Latency | None
    notes: tuple[str, ...] = ()

    def engine(self, name: str) -> EngineInfo | None:
        return next((e for e in self.engines if e.name == name), None)

    def to_json(self) -> dict:
        data = asdict(self)
        for cell, raw in zip(self.cells, data["cells"]):
            for m, mraw in zip(cell.measurements, raw["measurements"]):
                mraw["pairs_per_s"] = round(m.pairs_per_s, 3)
            raw["ratios_to_ours"] = {m.name: cell.ratio("ours", m.name) for m in cell.measurements
                                     if m.name != "ours"}
        return data
