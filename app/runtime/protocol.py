"""Messages between the app and a model worker process (all picklable frozen dataclasses).

App -> worker: ``LoadRequest``, ``ScoreRequest``, ``Shutdown``.
Worker -> app: ``ModelInfo`` (loaded), ``Progress`` (during scoring), ``ScoreRun`` (the result), ``Failure``.
Cancellation is not a message: the app sets a shared ``multiprocessing.Event`` checked between batches.
"""

from __future__ import annotations

from dataclasses import dataclass

from app.core.types import BackendConfig, Document, FidelityWarning, ScoreOptions


@dataclass(frozen=True)
class LoadRequest:
    config: BackendConfig


@dataclass(frozen=True)
class ScoreRequest:
    query: str
    documents: tuple[Document, ...]
    options: ScoreOptions


@dataclass(frozen=True)
class Shutdown:
    pass


@dataclass(frozen=True)
class ModelInfo:
    """What the worker loaded, in the runtime's own words (the device actually used, not the one asked for)."""

    model: str
    backend: str
    family: str
    device: str
    precision: str
    load_ms: float
    instruction_aware: bool
    max_length: int
    warnings: tuple[FidelityWarning, ...] = ()


@dataclass(frozen=True)
class Progress:
    done: int
    total: int


@dataclass(frozen=True)
class Failure:
    """A typed error raised in the worker: ``kind`` is the PlaygroundError class name (or ``unexpected``)."""

    kind: str
    message: str
