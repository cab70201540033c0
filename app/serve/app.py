"""The ASGI app (Starlette): rerank endpoints in the Cohere/Jina and text-embeddings-inference shapes.

Routes: ``POST /v1/rerank``, ``POST /v2/rerank``, ``POST /rerank`` (TEI), ``GET /health``, ``GET /v1/models``.
Every error is a JSON body with a message; ``/rerank`` uses TEI's ``{error, error_type}`` shape.
"""

from __future__ import annotations

import hmac
import logging
import time
from contextlib import asynccontextmanager
from dataclasses import dataclass, field, replace

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from app.core.errors import BadInputError, PlaygroundError
from app.core.types import ScoreOptions, ScoreRun
from app.serve.body import read_json
from app.serve.protocol import (
    ApiError,
    Limits,
    parse_rerank,
    parse_tei,
    rerank_response,
    tei_response,
)
from app.serve.worker import ModelUnavailableError, ScoringWorker

log = logging.getLogger(__name__)

TEI_PATHS = ("/rerank",)


@dataclass(frozen=True)
class ServeSettings:
    """What the HTTP layer needs besides the worker."""

    model_id: str
    api_key: str | None = None
    limits: Limits = field(default_factory=Limits)
    options: ScoreOptions = field(default_factory=ScoreOptions)


def build_app(worker: ScoringWorker, settings: ServeSettings) -> Starlette:
    started = int(time.time())

    def authorize(request: Request) -> None:
        if not settings.api_key:
            return
        scheme, _, token = request.headers.get("authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not hmac.compare_digest(token.strip().encode(), settings.api_key.encode()):
            raise ApiError(401, "Missing or wrong API key: send the header 'Authorization: Bearer <key>'.",
                           "authentication_error")

    async def score(query: str, texts: tuple[str, ...], options: ScoreOptions | None = None) -> ScoreRun:
        try:
            return await worker.score(query, texts, options or settings.options)
        except ModelUnavailableError as exc:  # the model's worker crashed (restarting) or does not load
            raise ApiError(503, str(exc), "service_unavailable", headers={"Retry-After": "1"}) from exc
        except BadInputError as exc:
            raise ApiError(422, str(exc)) from exc
        except PlaygroundError as exc:
            raise ApiError(500, str(exc), "server_error") from exc

    async def rerank(request: Request) -> JSONResponse:
        authorize(request)
        req = parse_rerank(await read_json(request, settings.limits), settings.limits)
        options = settings.options
        if req.max_tokens_per_doc is not None:  # Cohere: documents are cut to that many tokens
            options = replace(options, max_doc_tokens=req.max_tokens_per_doc)
        run = await score(req.query, req.documents, options)
        version = "2" if request.url.path.startswith("/v2") else "1"
        return JSONResponse(rerank_response(run, req, settings.model_id, version))

    async def tei_rerank(request: Request) -> JSONResponse:
        authorize(request)
        req = parse_tei(await read_json(request, settings.limits), settings.limits)
        run = await score(req.query, req.texts)
        if req.truncate is False and any(r.truncated for r in run.results):
            limit = max_length(worker, settings.options)
            raise ApiError(413, f"Input validation error: a query/text pair is longer than the model's limit of "
                                f"{limit} tokens and 'truncate' is false. Send shorter texts or 'truncate': true.",
                           "Validation", limit="max_input_length", max=limit)
        return JSONResponse(tei_response(run, req))

    async def health(request: Request) -> JSONResponse:
        backend = worker.backend
        body = {"status": worker.status, "model": settings.model_id,
                "backend": getattr(backend, "name", None), "device": getattr(backend, "device", None),
                "requests": worker.requests, "backend_calls": worker.backend_calls, "restarts": worker.restarts}
        if worker.problem:
            body["problem"] = worker.problem
        return JSONResponse(body, status_code=200 if worker.problem is None else 503)

    async def models(request: Request) -> JSONResponse:
        authorize(request)
        backend = worker.backend
        family = getattr(getattr(backend, "family", None), "name", None)
        return JSONResponse({"object": "list", "data": [{
            "id": settings.model_id, "object": "model", "created": started, "owned_by": "rerank-playground",
            "backend": getattr(backend, "name", None), "device": getattr(backend, "device", None),
            "family": family, "limits": {"max_documents": settings.limits.max_documents,
                                         "max_body_bytes": settings.limits.max_body_bytes}}]})

    @asynccontextmanager
    async def lifespan(app: Starlette):
        await worker.start()
        try:
            yield
        finally:
            await worker.stop()

    routes = [
        Route("/v1/rerank", rerank, methods=["POST"]),
        Route("/v2/rerank", rerank, methods=["POST"]),
        Route("/rerank", tei_rerank, methods=["POST"]),
        Route("/health", health, methods=["GET"]),
        Route("/v1/models", models, methods=["GET"]),
    ]
    handlers = {ApiError: api_error, HTTPException: http_error, Exception: internal_error}
    return Starlette(routes=routes, lifespan=lifespan, exception_handlers=handlers)


def max_length(worker: ScoringWorker, options: ScoreOptions) -> int:
    family_limit = worker.backend.family.max_length
    return min(options.max_length or family_limit, family_limit)


def _is_tei(request: Request) -> bool:
    return request.url.path in TEI_PATHS


async def api_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, ApiError)
    headers = {"WWW-Authenticate": "Bearer", **exc.headers} if exc.status == 401 else exc.headers
    return JSONResponse(exc.body(tei=_is_tei(request)), status_code=exc.status, headers=headers or None)


async def http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, HTTPException)
    error = ApiError(exc.status_code, f"{exc.detail}: {request.method} {request.url.path}", "not_found"
                     if exc.status_code == 404 else "invalid_request_error")
    return JSONResponse(error.body(tei=_is_tei(request)), status_code=exc.status_code, headers=exc.headers)


async def internal_error(request: Request, exc: Exception) -> JSONResponse:
    # Starlette re-raises after this response, so the server logs the traceback once.
    error = ApiError(500, f"Internal error ({type(exc).__name__}); the server log has the details.", "server_error")
    return JSONResponse(error.body(tei=_is_tei(request)), status_code=500)
