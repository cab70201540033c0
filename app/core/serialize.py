"""JSON-ready dicts for the core types (BackendConfig, ScoreOptions, ScoreRun) and a result column's spec.

``*_from_dict`` raise :class:`BadInputError` naming the offending field (``where``) so a damaged session file
gives a clear message, never a traceback. Non-finite floats are written as null and read back as NaN, so the
JSON stays standard. Qt-free.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field, fields
from typing import Any

from app.core.errors import BadInputError
from app.core.types import (
    Aggregate,
    BackendConfig,
    ChunkOptions,
    DocResult,
    FidelityWarning,
    ScoreOptions,
    ScoreRun,
    Timings,
)


@dataclass(frozen=True)
class ColumnSpec:
    """One result column: what to load (``config``), how to score (``options``) and its display name."""

    name: str
    config: BackendConfig
    options: ScoreOptions = field(default_factory=ScoreOptions)


def _num(x: float) -> float | None:
    return float(x) if math.isfinite(x) else None


def _float(value: Any, where: str) -> float:
    if value is None:
        return math.nan
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise BadInputError(f"{where} must be a number, not {value!r}.")
    return float(value)


def _mapping(value: Any, where: str) -> dict:
    if not isinstance(value, dict):
        raise BadInputError(f"{where} must be an object, not {type(value).__name__}.")
    return value


def _build(cls, data: Any, where: str, **converted):
    """``cls(**data)`` keeping only known fields (newer files may add fields), with a clear error."""
    data = _mapping(data, where)
    known = {f.name for f in fields(cls)}
    kwargs = {k: v for k, v in data.items() if k in known}
    kwargs.update(converted)
    try:
        obj = cls(**kwargs)
    except (TypeError, ValueError) as exc:
        raise BadInputError(f"{where} is not valid: {exc}.") from exc
    for f in fields(cls):
        _check_type(getattr(obj, f.name), str(f.type), f"{where}.{f.name}")
    return obj


_SIMPLE = {"int": int, "str": str, "bool": bool}


def _check_type(value: Any, annotation: str, where: str) -> None:
    """Check simple annotations (``int``, ``str | None``, ``bool``); ``True`` is not an int here."""
    expected = _SIMPLE.get(annotation.split(" ")[0])
    if expected is None or (value is None and "None" in annotation):
        return
    if not isinstance(value, expected) or (expected is int and isinstance(value, bool)):
        raise BadInputError(f"{where} must be {expected.__name__}, not {value!r}.")


# ---------------------------------------------------------------- options and configs


def backend_config_to_dict(config: BackendConfig) -> dict:
    """Everything but a remote column's API key: it is never written to a file in plain text."""
    out = asdict(config)
    out["api_key"] = None
    return out


def backend_config_from_dict(data: Any, where: str = "config") -> BackendConfig:
    data = _mapping(data, where)
    for required in ("path", "backend"):
        if not isinstance(data.get(required), str):
            raise BadInputError(f"{where}.{required} is missing or not text.")
    return _build(BackendConfig, data, where)


def score_options_to_dict(options: ScoreOptions) -> dict:
    out = asdict(options)
    if options.chunk is not None:
        out["chunk"] = {"size": options.chunk.size, "overlap": options.chunk.overlap,
                        "aggregate": options.chunk.aggregate.value}
    return out


def score_options_from_dict(data: Any, where: str = "options") -> ScoreOptions:
    data = _mapping(data, where)
    chunk = None
    if data.get("chunk") is not None:
        raw = _mapping(data["chunk"], f"{where}.chunk")
        try:
            aggregate = Aggregate(raw.get("aggregate", "max"))
        except ValueError as exc:
            raise BadInputError(f"{where}.chunk.aggregate must be one of "
                                f"{', '.join(a.value for a in Aggregate)}.") from exc
        chunk = _build(ChunkOptions, raw, f"{where}.chunk", aggregate=aggregate)
    return _build(ScoreOptions, data, where, chunk=chunk)


def column_to_dict(spec: ColumnSpec) -> dict:
    return {"name": spec.name, "config": backend_config_to_dict(spec.config),
            "options": score_options_to_dict(spec.options)}


def column_from_dict(data: Any, where: str = "column") -> ColumnSpec:
    data = _mapping(data, where)
    name = data.get("name")
    if not isinstance(name, str):
        raise BadInputError(f"{where}.name is missing or not text.")
    return ColumnSpec(name, backend_config_from_dict(data.get("config"), f"{where}.config"),
                      score_options_from_dict(data.get("options", {}), f"{where}.options"))


# ---------------------------------------------------------------- ScoreRun


def scorerun_to_dict(run: ScoreRun) -> dict:
    """Every field of a ScoreRun, results in input order (unlike ``ScoreRun.to_json``, which ranks)."""
    return {
        "model": run.model,
        "backend": run.backend,
        "device": run.device,
        "family": run.family,
        "score_rule": run.score_rule,
        "results": [
            {"index": r.index, "raw_score": _num(r.raw_score), "score": _num(r.score),
             "token_count": r.token_count, "truncated": r.truncated, "chunk_index": r.chunk_index,
             "chunk_count": r.chunk_count, **({"span": list(r.span)} if r.span is not None else {})}
            for r in run.results
        ],
        "timings": {k: _num(v) for k, v in asdict(run.timings).items()},
        "warnings": [{"code": w.code, "message": w.message} for w in run.warnings],
    }


def _span(value: Any, where: str) -> tuple[int, int] | None:
    if value is None:
        return None
    if (not isinstance(value, list) or len(value) != 2
            or not all(isinstance(v, int) and not isinstance(v, bool) and v >= 0 for v in value)
            or value[0] > value[1]):
        raise BadInputError(f"{where} must be [start, end] character offsets, not {value!r}.")
    return value[0], value[1]


def scorerun_from_dict(data: Any, where: str = "run") -> ScoreRun:
    data = _mapping(data, where)
    results = data.get("results")
    if not isinstance(results, list):
        raise BadInputError(f"{where}.results must be a list.")
    docs = []
    for i, r in enumerate(results):
        w = f"{where}.results[{i}]"
        r = _mapping(r, w)
        docs.append(_build(DocResult, r, w, raw_score=_float(r.get("raw_score"), f"{w}.raw_score"),
                           score=_float(r.get("score"), f"{w}.score"), span=_span(r.get("span"), f"{w}.span")))
    t = _mapping(data.get("timings", {}), f"{where}.timings")
    timings = Timings(**{f.name: _float(t.get(f.name, 0.0), f"{where}.timings.{f.name}") for f in fields(Timings)})
    warnings = tuple(_build(FidelityWarning, w, f"{where}.warnings[{i}]")
                     for i, w in enumerate(data.get("warnings", [])))
    return _build(ScoreRun, data, where, results=tuple(docs), timings=timings, warnings=warnings)
