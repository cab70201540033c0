"""A rerank server over HTTP as a backend: compare a deployed endpoint with local runs of the same model.

``BackendConfig(path=URL, backend="remote", api_style=..., api_key=..., remote_model=..., family=...)``;
build one with :func:`remote_config`. The server tokenizes, so there is no local tokenizer: ``score()`` is
overridden whole. What the server does not say is reported as unknown rather than invented:

* ``token_count`` is 0 and ``truncated`` is False for every document (servers do not report either);
* raw scores are logits: taken as-is from TEI (asked for ``raw_scores``), the logit of the probability that
  Cohere / Jina / vLLM / Infinity return, and for llama.cpp the logit for BERT / XLM-R models or the logit of
  the probability for Qwen3 rerankers (pass ``family="qwen3-reranker"``);
* errors (unreachable, timeout, HTTP status, malformed body) raise :class:`RemoteError` with the server's
  message, so only this column fails.

Documents go out in batches of ``options.batch_size`` (TEI refuses more than 32 per request by default), which
also gives progress and cancellation between requests.
"""

from __future__ import annotations

import http.client
import json
import socket
import time
import urllib.error
import urllib.request
from collections.abc import Sequence
from typing import Any
from urllib.parse import urlsplit

from app.backends.base import CancelFn, ProgressFn, _validate
from app.backends.remote_api import (
    STYLES,
    ApiStyle,
    RemoteError,
    detect_from_probes,
    error_message,
    parse_scores,
    request_body,
    split_url,
    style_named,
)
from app.core import fidelity
from app.core.errors import CancelledError
from app.core.scores import logit, sigmoid
from app.core.types import (
    BackendConfig,
    DocResult,
    Document,
    FidelityWarning,
    ScoreOptions,
    ScoreRun,
    Timings,
)

TIMEOUT_S = 120.0
PROBE_TIMEOUT_S = 5.0
_LOOPBACK = {"127.0.0.1", "localhost", "::1"}
KEY_ENV = "RERANK_PLAYGROUND_REMOTE_API_KEY"

__all__ = ["STYLES", "RemoteBackend", "RemoteError", "remote_config"]


def remote_config(url: str, api_style: str | None = None, api_key: str | None = None, model: str | None = None,
                  family: str | None = None) -> BackendConfig:
    """The BackendConfig of a remote column. ``api_style`` None or "auto" detects it from the server."""
    style = None if api_style in (None, "", "auto") else style_named(api_style).name
    return BackendConfig(path=url, backend="remote", api_style=style, api_key=api_key or None,
                         remote_model=model or None, family=family)


class RemoteBackend:
    """A rerank server behind HTTP, with the same surface as ``base.Backend`` (name, device, precision,
    model_name, load_ms, static_warnings, score, close) but none of its local pipeline: the server tokenizes,
    batches and runs the model, so there is no tokenizer, no family and no ``_run_batch`` here."""

    name = "remote"
    label = "Remote server (HTTP)"
    supports_cuda = False
    default_batch_size = 32

    def __init__(self, config: BackendConfig) -> None:
        self.config = config
        started = time.perf_counter()
        self._load(config)
        self.load_ms = (time.perf_counter() - started) * 1000.0
        self.static_warnings = []

    def _load(self, config: BackendConfig) -> None:
        self.base, explicit = split_url(config.path)
        self.notes: list[FidelityWarning] = []
        if config.api_style:
            self.style = style_named(config.api_style)
        else:
            self.style = self._detect(explicit)
        self.endpoint = explicit or self.base.rstrip("/") + self.style.path
        self.device = self.endpoint
        self.precision = "remote"
        self.model_name = config.remote_model or urlsplit(self.endpoint).netloc
        self.probability = self.style.scale == "probability" or (
            self.style.scale == "model" and (config.family or "").startswith("qwen3"))
        if self.style.name == "llama.cpp":
            try:  # the model list says what llama.cpp runs (an explicit style must still load offline)
                models = self._models if hasattr(self, "_models") else self._probe("/v1/models", [])
            except RemoteError:
                models = None
            self.notes += fidelity.llama_server_warnings(models, config.family)
        if self.style.scale == "model":
            kind = "a probability (Qwen3 family)" if self.probability else "a logit (BERT / XLM-R family)"
            self.notes.append(FidelityWarning("remote_score_scale", (
                f"llama.cpp returns the model's raw output; it is read as {kind}. For a Qwen3 reranker pass "
                "family qwen3-reranker, otherwise the normalized scores are wrong.")))

    def _detect(self, explicit: str | None) -> ApiStyle:
        refused: list[tuple[str, int]] = []
        info, v1_models, models, props = (self._probe(path, refused)
                                          for path in ("/info", "/v1/models", "/models", "/props"))
        self._models = v1_models or models
        found = detect_from_probes(explicit or self.base, info, v1_models or models, props)
        if found is None and refused:
            raise RemoteError(refused_message(refused, bool(self.config.api_key)))
        if found is None:
            self.notes.append(FidelityWarning("remote_style_guessed", (
                "The server's API style could not be detected; the Cohere/Jina shape is assumed. Choose the "
                "style explicitly if the results look wrong.")))
            found = "cohere"
        return STYLES[found]

    def _probe(self, path: str, refused: list[tuple[str, int]]) -> Any:
        """A GET answer as JSON, or None when the server answered with an error (401/403 are noted in
        ``refused``); unreachable raises."""
        url = self.base.rstrip("/") + path
        try:
            return self._request("GET", url, None, PROBE_TIMEOUT_S)
        except RemoteError as exc:
            if not exc.reachable:
                raise
            if exc.status in (401, 403):
                refused.append((url, exc.status))
            return None

    # -- scoring ---------------------------------------------------------------------------------------
    def score(self, query: str, documents: Sequence[Document | str], options: ScoreOptions | None = None,
              progress: ProgressFn | None = None, cancelled: CancelFn | None = None) -> ScoreRun:
        options = options or ScoreOptions()
        texts = _validate(query, documents)
        size = max(1, options.batch_size or self.default_batch_size)
        t0 = time.perf_counter()
        values: list[float] = []
        for start in range(0, len(texts), size):
            if cancelled is not None and cancelled():
                raise CancelledError()
            if progress is not None:
                progress(start, len(texts))
            batch = texts[start:start + size]
            payload = self._request("POST", self.endpoint,
                                    request_body(self.style, self.endpoint, query, batch, self.config.remote_model),
                                    TIMEOUT_S)
            try:
                values += parse_scores(payload, len(batch))
            except RemoteError as exc:
                raise RemoteError(f"{self.endpoint} answered in an unexpected shape for the {self.style.name} "
                                  f"API: {exc}") from exc
        if progress is not None:
            progress(len(texts), len(texts))
        total_ms = (time.perf_counter() - t0) * 1000.0
        return self._run(texts, values, total_ms, options)

    def _run(self, texts: list[str], values: list[float], total_ms: float, options: ScoreOptions) -> ScoreRun:
        results = []
        for i, value in enumerate(values):
            raw = float(logit(value)) if self.probability else value
            norm = value if self.probability else float(sigmoid(value))
            results.append(DocResult(i, raw, norm, 0, False))
        warnings = list(self.notes)
        if options.chunk is not None:
            warnings.append(FidelityWarning("remote_no_chunking", "Long-document mode is not applied to a remote "
                                            "server: each document is sent whole, and the server truncates it."))
        if options.max_doc_tokens:
            warnings.append(FidelityWarning("remote_no_doc_limit", f"Documents are not cut to {options.max_doc_tokens} "
                                            "tokens for a remote server: each is sent whole."))
        if options.instruction:
            warnings.append(FidelityWarning("remote_no_instruction", "The instruction is not sent: rerank APIs "
                                            "have no instruction field; the server uses its own default."))
        empty = [str(i + 1) for i, t in enumerate(texts) if not t.strip()]
        if empty:
            warnings.append(FidelityWarning("empty_documents", f"Document(s) {', '.join(empty[:10])} are empty."))
        rule = "server's probability (raw = its logit)" if self.probability else "server's logit, sigmoid"
        timings = Timings(0.0, total_ms, total_ms, self.load_ms)
        return ScoreRun(self.model_name, self.name, self.device, self.config.family or self.style.name, rule,
                        tuple(results), timings, tuple(warnings))

    def close(self) -> None:
        """Nothing to release: every request opens and closes its own connection."""

    # -- HTTP ------------------------------------------------------------------------------------------
    def _request(self, method: str, url: str, body: dict | None, timeout: float) -> Any:
        return http_json(method, url, body, self.config.api_key, timeout)


def key_hint(key_sent: bool) -> str:
    if key_sent:
        return "The API key was refused: check it (it is sent as 'Authorization: Bearer <key>')."
    return ("No API key was sent and the server needs one: set the column's API key (CLI: --api-key or "
            f"${KEY_ENV}).")


def refused_message(refused: list[tuple[str, int]], key_sent: bool) -> str:
    """Nothing identified the server and probes were answered 401/403: the key, not the API style, is the
    problem, so say that (and where) rather than guess an endpoint."""
    where = ", ".join(f"{url} (HTTP {status})" for url, status in refused)
    what = "refused the API key" if key_sent else "needs an API key"
    return f"The server {what}: {where}. {key_hint(key_sent)}"


def _opener(url: str) -> urllib.request.OpenerDirector:
    host = (urlsplit(url).hostname or "").lower()
    # Loopback never goes through an HTTP proxy from the environment.
    return urllib.request.build_opener(urllib.request.ProxyHandler({} if host in _LOOPBACK else None))


def http_json(method: str, url: str, body: dict | None, api_key: str | None, timeout: float) -> Any:
    """One JSON request; every failure becomes a RemoteError naming the URL and, if any, the server's message."""
    data = json.dumps(body).encode("utf-8") if body is not None else None
    headers = {"Accept": "application/json", "User-Agent": "rerank-playground"}
    if data is not None:
        headers["Content-Type"] = "application/json"
    if api_key:
        headers["Authorization"] = f"Bearer {api_key}"
    req = urllib.request.Request(url, data=data, headers=headers, method=method)
    try:
        with _opener(url).open(req, timeout=timeout) as resp:
            raw = resp.read()
    except urllib.error.HTTPError as exc:
        message = f"{url} answered HTTP {exc.code} {exc.reason}: {error_message(exc.read())}"
        if exc.code in (401, 403):
            message += " " + key_hint(bool(api_key))
        raise RemoteError(message, status=exc.code) from exc
    except urllib.error.URLError as exc:
        if isinstance(exc.reason, (TimeoutError, socket.timeout)):
            raise RemoteError(f"{url} did not answer within {timeout:g} s.", reachable=False) from exc
        raise RemoteError(f"Cannot reach {url}: {exc.reason}. Check the URL and that the server is running.",
                          reachable=False) from exc
    except TimeoutError as exc:
        raise RemoteError(f"{url} did not answer within {timeout:g} s.", reachable=False) from exc
    except (http.client.HTTPException, OSError) as exc:
        raise RemoteError(f"The connection to {url} failed: {exc or type(exc).__name__}.",
                          reachable=False) from exc
    try:
        return json.loads(raw)
    except ValueError as exc:
        snippet = raw[:200].decode("utf-8", "replace")
        raise RemoteError(f"{url} answered with something that is not JSON: {snippet!r}") from exc
