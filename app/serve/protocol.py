"""Request parsing and response shapes of the rerank APIs that ``serve`` speaks.

* Cohere / Jina (``POST /v1/rerank``, ``/v2/rerank``): ``{model, query, documents, top_n, return_documents,
  max_tokens_per_doc}``
  -> ``{id, model, results: [{index, relevance_score, document?: {text}}], usage, meta}``.
* text-embeddings-inference (``POST /rerank``): ``{query, texts, raw_scores, return_text, truncate}``
  -> ``[{index, score, text?}]``.

Bad fields raise :class:`ApiError` with the HTTP status and a message naming the field.
"""

from __future__ import annotations

import math
import uuid
from dataclasses import dataclass
from typing import Any

from app.core.types import ScoreRun


@dataclass(frozen=True)
class Limits:
    """Request limits; exceeding a size gives 413, a body slower than ``body_timeout_s`` 408, with the limit's
    name and value in the body."""

    max_documents: int = 1000
    max_body_bytes: int = 4 * 1024 * 1024
    body_timeout_s: float = 30.0  # the whole body, from the end of the headers


class ApiError(Exception):
    """An HTTP error with a JSON body; ``extra`` is merged into the body (e.g. the limit that was hit),
    ``headers`` are sent with it."""

    def __init__(self, status: int, message: str, kind: str = "invalid_request_error",
                 headers: dict[str, str] | None = None, **extra: Any) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.kind = kind
        self.headers = dict(headers or {})
        self.extra = extra

    def body(self, tei: bool = False) -> Any:
        if tei:  # text-embeddings-inference's own error shape
            return {"error": self.message, "error_type": self.kind, **self.extra}
        return {"error": {"message": self.message, "type": self.kind, **self.extra}, "message": self.message}


def too_large(message: str, limit: str, value: int) -> ApiError:
    return ApiError(413, message, "payload_too_large", limit=limit, max=value)


@dataclass(frozen=True)
class RerankRequest:
    """A Cohere/Jina-shaped request."""

    query: str
    documents: tuple[str, ...]
    top_n: int | None = None
    return_documents: bool = False
    model: str | None = None
    max_tokens_per_doc: int | None = None  # Cohere v2: each document is cut to this many tokens


@dataclass(frozen=True)
class TeiRequest:
    """A text-embeddings-inference ``/rerank`` request."""

    query: str
    texts: tuple[str, ...]
    raw_scores: bool = False
    return_text: bool = False
    truncate: bool | None = None


def _require_object(body: Any) -> dict:
    if not isinstance(body, dict):
        raise ApiError(422, f"The request body must be a JSON object, not {type(body).__name__}.")
    return body


def _query(body: dict) -> str:
    query = body.get("query")
    if not isinstance(query, str) or not query.strip():
        raise ApiError(422, "Field 'query' is required and must be a non-empty string.")
    return query


def _texts(body: dict, name: str, limits: Limits, allow_objects: bool) -> tuple[str, ...]:
    items = body.get(name)
    if not isinstance(items, list) or not items:
        raise ApiError(422, f"Field '{name}' is required and must be a non-empty list of strings.")
    if len(items) > limits.max_documents:
        raise too_large(f"{len(items)} documents is more than this server's limit of {limits.max_documents} "
                        "per request; split them into several requests.", "max_documents", limits.max_documents)
    out = []
    for i, item in enumerate(items):
        if allow_objects and isinstance(item, dict):
            item = item.get("text")
        if not isinstance(item, str):
            shape = "a string or an object with a 'text' string" if allow_objects else "a string"
            raise ApiError(422, f"{name}[{i}] must be {shape}.")
        out.append(item)
    return tuple(out)


def _flag(body: dict, name: str, default: bool | None) -> bool | None:
    value = body.get(name, default)
    if value is not None and not isinstance(value, bool):
        raise ApiError(422, f"Field '{name}' must be true or false.")
    return value


def parse_rerank(body: Any, limits: Limits) -> RerankRequest:
    body = _require_object(body)
    query = _query(body)
    documents = _texts(body, "documents", limits, allow_objects=True)
    top_n = _positive(body, "top_n")
    model = body.get("model")
    if model is not None and not isinstance(model, str):
        raise ApiError(422, "Field 'model' must be a string.")
    return RerankRequest(query, documents, top_n, bool(_flag(body, "return_documents", False)), model,
                         _positive(body, "max_tokens_per_doc"))


def _positive(body: dict, name: str) -> int | None:
    value = body.get(name)
    if value is not None and (isinstance(value, bool) or not isinstance(value, int) or value < 1):
        raise ApiError(422, f"Field '{name}' must be a positive integer.")
    return value


def parse_tei(body: Any, limits: Limits) -> TeiRequest:
    body = _require_object(body)
    query = _query(body)
    texts = _texts(body, "texts", limits, allow_objects=False)
    direction = body.get("truncation_direction", "Right")
    if direction not in ("Right", "right"):
        raise ApiError(422, "Field 'truncation_direction': only 'Right' is supported (the end of each text "
                            "is cut when a pair is longer than the model's limit).")
    return TeiRequest(query, texts, bool(_flag(body, "raw_scores", False)),
                      bool(_flag(body, "return_text", False)), _flag(body, "truncate", None))


def _number(x: float) -> float | None:
    """JSON has no NaN/Infinity: a non-finite score (a broken model) is sent as null."""
    return float(x) if math.isfinite(x) else None


def rerank_response(run: ScoreRun, req: RerankRequest, model_id: str, version: str) -> dict:
    ranked = run.ranked()[: req.top_n or None]
    results = []
    for r in ranked:
        item: dict[str, Any] = {"index": r.index, "relevance_score": _number(r.score)}
        if req.return_documents:
            item["document"] = {"text": req.documents[r.index]}
        results.append(item)
    tokens = sum(r.token_count for r in run.results)
    return {
        "id": str(uuid.uuid4()),
        "model": model_id,
        "object": "list",
        "results": results,
        "usage": {"prompt_tokens": tokens, "total_tokens": tokens},
        "meta": {"api_version": {"version": version}, "billed_units": {"search_units": 1},
                 "warnings": [w.message for w in run.warnings]},
    }


def tei_response(run: ScoreRun, req: TeiRequest) -> list[dict]:
    out = []
    for r in run.ranked():
        item: dict[str, Any] = {"index": r.index, "score": _number(r.raw_score if req.raw_scores else r.score)}
        if req.return_text:
            item["text"] = req.texts[r.index]
        out.append(item)
    return out
