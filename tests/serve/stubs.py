"""Recorded-shape stand-ins for text-embeddings-inference, llama.cpp and Infinity servers.

Their JSON shapes are the ones those servers send (TEI 1.x ``/info`` and ``/rerank``; llama.cpp server
``/v1/models``, ``/props`` and ``/v1/rerank``; Infinity ``/models`` and ``/rerank``, no ``/v1`` prefix, its
FastAPI 401/404 bodies); the scores are computed by the test backend so that a remote column can be compared
with a local one.
"""

from __future__ import annotations

import asyncio

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse
from starlette.routing import Route

from app.backends import registry
from tests.serve.helpers import OVERLAP

TEI_INFO = {
    "model_id": "BAAI/bge-reranker-base", "model_sha": None, "model_dtype": "float16",
    "model_type": {"reranker": {"id2label": {"0": "LABEL_0"}, "label2id": {"LABEL_0": 0}}},
    "max_concurrent_requests": 512, "max_input_length": 512, "max_batch_tokens": 16384,
    "max_batch_requests": None, "max_client_batch_size": 32, "auto_truncate": False,
    "tokenization_workers": 8, "version": "1.5.0", "sha": None, "docker_label": None,
}


def _raw_scores(query: str, docs: list[str]) -> list[float]:
    return registry.load(OVERLAP).score(query, docs).raw_scores


async def tei_info(request: Request) -> JSONResponse:
    return JSONResponse(TEI_INFO)


async def tei_rerank(request: Request) -> JSONResponse:
    body = await request.json()
    texts = body["texts"]
    if len(texts) > TEI_INFO["max_client_batch_size"]:
        return JSONResponse({"error": f"batch size {len(texts)} > maximum allowed batch size 32",
                             "error_type": "Validation"}, status_code=413)
    raw = _raw_scores(body["query"], texts)
    from app.core.scores import sigmoid

    values = raw if body.get("raw_scores") else [float(sigmoid(x)) for x in raw]
    ranked = sorted(range(len(texts)), key=lambda i: -values[i])
    return JSONResponse([{"index": i, "score": values[i], **({"text": texts[i]} if body.get("return_text") else {})}
                         for i in ranked])


def tei_app() -> Starlette:
    return Starlette(routes=[Route("/info", tei_info), Route("/rerank", tei_rerank, methods=["POST"])])


LLAMA_MODEL = "bge-reranker-v2-m3-Q8_0.gguf"


async def llama_models(request: Request) -> JSONResponse:
    return JSONResponse({"object": "list", "data": [{
        "id": LLAMA_MODEL, "object": "model", "created": 1735000000, "owned_by": "llamacpp",
        "meta": {"vocab_type": 1, "n_vocab": 250002, "n_ctx_train": 8192, "n_embd": 1024,
                 "n_params": 567754752, "size": 617554944}}]})


async def llama_props(request: Request) -> JSONResponse:
    return JSONResponse({"default_generation_settings": {"n_ctx": 8192}, "total_slots": 1,
                         "model_path": f"/models/{LLAMA_MODEL}", "build_info": "b5000-abcdef0"})


async def llama_rerank(request: Request) -> JSONResponse:
    body = await request.json()
    docs = body.get("documents")
    if not isinstance(docs, list) or not docs:
        return JSONResponse({"error": {"code": 400, "message": "\"documents\" must be a non-empty string array",
                                       "type": "invalid_request_error"}}, status_code=400)
    raw = _raw_scores(body["query"], docs)  # llama.cpp returns the model's raw output (a logit here)
    ranked = sorted(range(len(docs)), key=lambda i: -raw[i])[: body.get("top_n") or len(docs)]
    return JSONResponse({"model": body.get("model", LLAMA_MODEL), "object": "list",
                         "usage": {"prompt_tokens": 10 * len(docs), "total_tokens": 10 * len(docs)},
                         "results": [{"index": i, "relevance_score": raw[i]} for i in ranked]})


def llama_app() -> Starlette:
    return Starlette(routes=[Route("/v1/models", llama_models), Route("/props", llama_props),
                             Route("/v1/rerank", llama_rerank, methods=["POST"])])


async def broken(request: Request):
    kind = request.path_params["kind"]
    if kind == "slow":
        await asyncio.sleep(3)
        return JSONResponse({"results": []})
    if kind == "html":
        return PlainTextResponse("<html>502 Bad Gateway</html>")
    if kind == "noresults":
        return JSONResponse({"object": "list", "data": "nope"})
    if kind == "short":
        return JSONResponse({"results": [{"index": 0, "relevance_score": 0.5}]})
    if kind == "badindex":
        return JSONResponse({"results": [{"index": 7, "relevance_score": 0.5}]})
    return JSONResponse({"error": {"message": "CUDA out of memory while scoring", "type": "server_error"}},
                        status_code=500)


def broken_app() -> Starlette:
    return Starlette(routes=[Route("/{kind}/v1/rerank", broken, methods=["POST"])])


INFINITY_MODEL = "mixedbread-ai/mxbai-rerank-xsmall-v1"


def infinity_app(api_key: str | None = None, requests: list | None = None) -> Starlette:
    """Infinity (infinity_emb v2 CLI, default url prefix ""): every route but /health needs the key when one is
    set; /rerank answers sigmoid(logit) computed in float32 (torch) unless ``raw_scores`` is true."""
    import numpy as np

    def refused(request: Request) -> JSONResponse | None:
        if api_key and request.headers.get("authorization", "") != f"Bearer {api_key}":
            return JSONResponse({"detail": "Unauthorized"}, status_code=401, headers={"WWW-Authenticate": "Bearer"})
        return None

    async def models(request: Request) -> JSONResponse:
        return refused(request) or JSONResponse({"object": "list", "data": [{
            "id": INFINITY_MODEL, "stats": {"queue_fraction": 0.0, "queue_absolute": 0, "results_pending": 0,
                                            "batch_size": 32},
            "object": "model", "owned_by": "infinity", "created": 1735000000, "backend": "torch",
            "capabilities": ["rerank"]}]})

    async def rerank(request: Request) -> JSONResponse:
        if (answer := refused(request)) is not None:
            return answer
        body = await request.json()
        if requests is not None:
            requests.append(body)
        docs = body["documents"]
        raw = np.asarray(_raw_scores(body["query"], docs), dtype=np.float32)
        values = raw if body.get("raw_scores") else 1.0 / (1.0 + np.exp(-raw))
        ranked = sorted(range(len(docs)), key=lambda i: -values[i])[: body.get("top_n") or len(docs)]
        return JSONResponse({"object": "rerank", "model": INFINITY_MODEL, "id": "infinity-0", "created": 1735000000,
                             "usage": {"prompt_tokens": 10 * len(docs), "total_tokens": 10 * len(docs)},
                             "results": [{"relevance_score": float(values[i]), "index": i, "document": None}
                                         for i in ranked]})

    async def not_found(request: Request, exc) -> JSONResponse:
        return JSONResponse({"detail": "Not Found"}, status_code=404)

    async def health(request: Request) -> JSONResponse:
        return JSONResponse({"unix": 1735000000.0})

    return Starlette(routes=[Route("/models", models), Route("/rerank", rerank, methods=["POST"]),
                             Route("/health", health)], exception_handlers={404: not_found})


def refusing_app() -> Starlette:
    """A server (vLLM with --api-key, say) that answers every route 401 without the key."""

    async def refuse(request: Request) -> JSONResponse:
        return JSONResponse({"error": "Unauthorized"}, status_code=401)

    return Starlette(routes=[Route("/{path:path}", refuse, methods=["GET", "POST"])])
