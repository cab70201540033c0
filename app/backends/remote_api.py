"""Wire formats of rerank servers: request bodies, response parsing, endpoint paths and style detection.

| style     | default path  | request                                           | response                            |
|-----------|---------------|---------------------------------------------------|-------------------------------------|
| cohere    | /v2/rerank    | model, query, documents, top_n                    | {results: [{index, relevance_score}]} |
| jina      | /v1/rerank    | model, query, documents, top_n, return_documents  | {results: [...], usage}             |
| tei       | /rerank       | query, texts, raw_scores, return_text, truncate   | [{index, score}]                    |
| llama.cpp | /v1/rerank    | model, query, documents, top_n                    | {results: [...], model, usage}      |
| vllm      | /v1/rerank    | model, query, documents, top_n                    | {results: [...]}; /score: {data: [{index, score}]} |
| infinity  | /rerank       | model, query, documents, top_n, return_documents, raw_scores | {results: [...]}         |

Score scales: TEI and Infinity are asked for raw scores (logits; both otherwise answer sigmoid(logit), which
Infinity computes in float32, so the logit recovered from it is off by ~1e-5 and saturates past ~17).
Cohere, Jina and vLLM return a probability.
llama.cpp returns the model's raw output: a logit for BERT / XLM-R cross-encoders, already a probability for
Qwen3 rerankers (rank pooling), so the scale depends on the model, not on the server.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from app.core.errors import PlaygroundError


class RemoteError(PlaygroundError):
    """A remote rerank server could not be reached, refused the request, or answered something unusable.

    ``reachable`` is False when no HTTP answer came at all (connection refused, DNS, timeout); ``status`` is
    the HTTP status of an error answer (None otherwise).
    """

    def __init__(self, message: str, reachable: bool = True, status: int | None = None) -> None:
        super().__init__(message)
        self.reachable = reachable
        self.status = status


@dataclass(frozen=True)
class ApiStyle:
    name: str
    path: str
    scale: str  # "logit" | "probability" | "model" (llama.cpp: depends on the model family)


STYLES: dict[str, ApiStyle] = {
    "cohere": ApiStyle("cohere", "/v2/rerank", "probability"),
    "jina": ApiStyle("jina", "/v1/rerank", "probability"),
    "tei": ApiStyle("tei", "/rerank", "logit"),
    "llama.cpp": ApiStyle("llama.cpp", "/v1/rerank", "model"),
    "vllm": ApiStyle("vllm", "/v1/rerank", "probability"),
    "infinity": ApiStyle("infinity", "/rerank", "logit"),  # asked for raw_scores
}
ALIASES = {"llamacpp": "llama.cpp", "llama-cpp": "llama.cpp", "text-embeddings-inference": "tei",
           "cohere/jina": "cohere"}
# Endpoint suffixes recognised when the user pastes a full endpoint URL rather than a base URL.
ENDPOINT_SUFFIXES = ("/v1/rerank", "/v2/rerank", "/v1/reranking", "/rerank", "/reranking", "/v1/score", "/score")


def style_named(name: str) -> ApiStyle:
    key = ALIASES.get(name.lower(), name.lower())
    if key not in STYLES:
        raise RemoteError(f"Unknown API style '{name}'. Choose one of: {', '.join(STYLES)} (or auto).")
    return STYLES[key]


def split_url(url: str) -> tuple[str, str | None]:
    """(base URL for probes, explicit endpoint or None). A base ending in /v1 or /v2 gets ``/rerank``."""
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise RemoteError(f"'{url}' is not an http(s) URL; give e.g. http://127.0.0.1:8080 or "
                          "http://127.0.0.1:8080/v1/rerank.")
    path = parts.path.rstrip("/")
    for suffix in ENDPOINT_SUFFIXES:
        if path.endswith(suffix):
            base = urlunsplit((parts.scheme, parts.netloc, path[: -len(suffix)], "", ""))
            return base, urlunsplit((parts.scheme, parts.netloc, path, parts.query, ""))
    if path.endswith(("/v1", "/v2")):
        base = urlunsplit((parts.scheme, parts.netloc, path[:-3], "", ""))
        return base, urlunsplit((parts.scheme, parts.netloc, path + "/rerank", parts.query, ""))
    return urlunsplit((parts.scheme, parts.netloc, path, "", "")), None


def request_body(style: ApiStyle, endpoint: str, query: str, documents: Sequence[str],
                 model: str | None) -> dict[str, Any]:
    docs = list(documents)
    if style.name == "tei":
        return {"query": query, "texts": docs, "raw_scores": True, "return_text": False, "truncate": True}
    if style.name == "vllm" and endpoint.rstrip("/").endswith("/score"):
        body: dict[str, Any] = {"text_1": query, "text_2": docs}
    else:
        body = {"query": query, "documents": docs, "top_n": len(docs)}
    if style.name in ("jina", "infinity"):
        body["return_documents"] = False
    if style.name == "infinity":  # else Infinity answers sigmoid(logit), computed in float32
        body["raw_scores"] = True
    if model:
        body["model"] = model
    return body


def parse_scores(payload: Any, count: int) -> list[float]:
    """One score per input document, in input order; RemoteError naming what is wrong otherwise."""
    if isinstance(payload, list):
        items = payload  # TEI
    elif isinstance(payload, dict) and isinstance(payload.get("results"), list):
        items = payload["results"]
    elif isinstance(payload, dict) and isinstance(payload.get("data"), list):
        items = payload["data"]  # vLLM /score
    else:
        keys = ", ".join(sorted(payload)) if isinstance(payload, dict) else type(payload).__name__
        raise RemoteError(f"The response has no 'results' (or 'data') list of scores; it has: {keys or 'nothing'}.")
    scores: list[float | None] = [None] * count
    for pos, item in enumerate(items):
        if not isinstance(item, dict):
            raise RemoteError(f"Result {pos} in the response is not an object.")
        index = item.get("index")
        value = item.get("relevance_score", item.get("score"))
        if isinstance(index, bool) or not isinstance(index, int) or not 0 <= index < count:
            raise RemoteError(f"Result {pos} has index {index!r}; expected 0..{count - 1}.")
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise RemoteError(f"Result {pos} (document {index}) has no numeric 'relevance_score' or 'score'.")
        if scores[index] is not None:
            raise RemoteError(f"The response scores document {index} twice.")
        scores[index] = float(value)
    missing = [i for i, s in enumerate(scores) if s is None]
    if missing:
        raise RemoteError(f"The response scored {count - len(missing)} of {count} documents (missing: "
                          f"{', '.join(map(str, missing[:10]))}); the server may cap top_n or the batch size.")
    return [float(s) for s in scores]  # type: ignore[arg-type]


def error_message(body: bytes) -> str:
    """The server's own message from an error body (JSON shapes of TEI, OpenAI, Cohere, FastAPI), else text."""
    import json

    text = body.decode("utf-8", "replace").strip()
    try:
        data = json.loads(text)
    except ValueError:
        return text[:300] or "(empty body)"
    if isinstance(data, dict):
        for key in ("error", "message", "detail"):
            value = data.get(key)
            if isinstance(value, dict) and isinstance(value.get("message"), str):
                return value["message"]
            if isinstance(value, str):
                return value
            if isinstance(value, list) and value:  # FastAPI validation errors
                first = value[0]
                return str(first.get("msg", first)) if isinstance(first, dict) else str(first)
    return text[:300]


def detect_from_probes(url: str, info: Any, models: Any, props: Any) -> str | None:
    """The style from what ``/info``, ``/v1/models`` (or ``/models``, Infinity's route) and ``/props``
    answered (None = no idea)."""
    host_path = url.lower()
    if "api.cohere" in host_path or host_path.rstrip("/").endswith("/v2/rerank"):
        return "cohere"
    if "jina.ai" in host_path:
        return "jina"
    if isinstance(info, dict) and "model_id" in info and ("max_client_batch_size" in info or "model_type" in info):
        return "tei"
    data = models.get("data") if isinstance(models, dict) else None
    if isinstance(data, dict):  # some Infinity versions answer one object, not a list
        data = [data]
    owners = {str(m.get("owned_by", "")).lower() for m in data or [] if isinstance(m, dict)}
    for owner, style in (("vllm", "vllm"), ("llamacpp", "llama.cpp"), ("infinity", "infinity"),
                         ("rerank-playground", "cohere")):
        if owner in owners:
            return style
    if isinstance(props, dict) and ("default_generation_settings" in props or "build_info" in props):
        return "llama.cpp"
    if host_path.rstrip("/").endswith("/score"):
        return "vllm"
    return None
