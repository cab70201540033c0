"""A remote llama.cpp server running a BERT-family model gets the same warning as a local GGUF column.

llama-server reports no architecture; its ``GET /v1/models`` gives each model's ``meta.vocab_type`` (llama.h:
3 = WPM, BERT WordPiece), which is what the remote column reads.
"""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from app.backends import registry
from app.backends.remote import remote_config
from app.serve.server import ServerThread
from tests.serve.helpers import DOCS, QUERY
from tests.serve.stubs import llama_props, llama_rerank


def _app(vocab_type: int) -> Starlette:
    async def models(request: Request) -> JSONResponse:
        return JSONResponse({"object": "list", "data": [{
            "id": "ms-marco-MiniLM-L6-v2-f16.gguf", "object": "model", "owned_by": "llamacpp",
            "meta": {"vocab_type": vocab_type, "n_vocab": 30522, "n_ctx_train": 512, "n_embd": 384}}]})

    return Starlette(routes=[Route("/v1/models", models), Route("/props", llama_props),
                             Route("/v1/rerank", llama_rerank, methods=["POST"])])


def test_bert_family_llama_server_is_warned():
    with ServerThread(_app(3)) as stub:
        for style in (None, "llama.cpp"):  # detected, and chosen explicitly
            run = registry.load(remote_config(stub.url, style)).score(QUERY, DOCS)
            warning = next(w for w in run.warnings if w.code == "remote_bert_llamacpp")
            assert "token type 0" in warning.message and "pooler" in warning.message


def test_other_vocabularies_are_not_warned():
    with ServerThread(_app(4)) as stub:  # UGM: XLM-R (bge-reranker), no token types
        run = registry.load(remote_config(stub.url)).score(QUERY, DOCS)
        assert "remote_bert_llamacpp" not in {w.code for w in run.warnings}
