"""Every endpoint over real HTTP on a loopback port: shapes, scores, limits, errors, auth."""

from __future__ import annotations

import json

import pytest

from app.backends import registry
from app.core.types import ScoreOptions
from app.serve.protocol import Limits
from tests.serve.helpers import DOCS, OVERLAP, QUERY, call, start_server


@pytest.fixture(scope="module")
def reference():
    backend = registry.load(OVERLAP)
    return backend.score(QUERY, DOCS, ScoreOptions())


def test_health_and_models(server):
    status, body, _ = call("GET", server.url + "/health")
    assert status == 200 and body["status"] == "ok" and body["backend"] == "overlap"
    status, body, _ = call("GET", server.url + "/v1/models")
    assert status == 200 and body["object"] == "list"
    assert body["data"][0]["id"] == "overlap-test" and body["data"][0]["owned_by"] == "rerank-playground"


def test_aikit_reranker_request(server, reference):
    """4D AI Kit: Reranker.new({baseURL: ".../v1"}).rerank.create(query; {model: "default"; top_n: 3})
    sends POST {baseURL}/rerank with Authorization "Bearer " (empty key) and JSON
    {model, top_n, query, documents, return_documents: true}."""
    body = {"model": "default", "top_n": 3, "query": QUERY, "documents": DOCS, "return_documents": True}
    status, out, headers = call("POST", server.url + "/v1/rerank", body, headers={"Authorization": "Bearer "})
    assert status == 200 and headers["content-type"] == "application/json"
    assert len(out["results"]) == 3
    expected = [r for r in reference.ranked()][:3]
    assert [r["index"] for r in out["results"]] == [r.index for r in expected]
    assert [r["relevance_score"] for r in out["results"]] == pytest.approx([r.score for r in expected], abs=1e-12)
    assert out["results"][0]["document"] == {"text": DOCS[expected[0].index]}
    assert out["model"] == "overlap-test" and out["usage"]["total_tokens"] > 0


def test_cohere_v2_request(server, reference):
    """Cohere v2 body: model required, documents as strings, top_n; documents are not echoed by default."""
    body = {"model": "rerank-v3.5", "query": QUERY, "documents": DOCS, "top_n": 2}
    status, out, _ = call("POST", server.url + "/v2/rerank", body)
    assert status == 200 and len(out["results"]) == 2 and "document" not in out["results"][0]
    assert out["meta"]["api_version"]["version"] == "2" and isinstance(out["id"], str)
    best = reference.ranked()[0]
    assert out["results"][0] == {"index": best.index, "relevance_score": pytest.approx(best.score, abs=1e-12)}


def test_jina_objects_as_documents(server, reference):
    body = {"model": "jina-reranker-v2", "query": QUERY, "documents": [{"text": d} for d in DOCS]}
    status, out, _ = call("POST", server.url + "/v1/rerank", body)
    assert status == 200 and len(out["results"]) == len(DOCS)
    by_index = {r["index"]: r["relevance_score"] for r in out["results"]}
    assert [by_index[i] for i in range(len(DOCS))] == pytest.approx(reference.scores, abs=1e-12)


def test_tei_request(server, reference):
    """TEI body: {query, texts, raw_scores, return_text, truncate} -> [{index, score, text?}] best first."""
    status, out, _ = call("POST", server.url + "/rerank",
                          {"query": QUERY, "texts": DOCS, "raw_scores": False, "return_text": True, "truncate": True})
    assert status == 200 and isinstance(out, list) and len(out) == len(DOCS)
    assert [o["index"] for o in out] == [r.index for r in reference.ranked()]
    assert out[0]["score"] == pytest.approx(reference.ranked()[0].score, abs=1e-12)
    assert out[0]["text"] == DOCS[out[0]["index"]]
    status, raw, _ = call("POST", server.url + "/rerank", {"query": QUERY, "texts": DOCS, "raw_scores": True})
    assert status == 200 and "text" not in raw[0]
    assert {o["index"]: o["score"] for o in raw} == {i: pytest.approx(v, abs=1e-12)
                                                     for i, v in enumerate(reference.raw_scores)}


@pytest.mark.parametrize("raw, status, fragment", [
    (b"{not json", 400, "Malformed JSON"),
    (b"", 400, "empty"),
    (b"\xff\xfe", 400, "UTF-8"),
    (b"[1, 2]", 422, "JSON object"),
    (json.dumps({"documents": ["a"]}).encode(), 422, "'query'"),
    (json.dumps({"query": "q", "documents": []}).encode(), 422, "'documents'"),
    (json.dumps({"query": "q", "documents": ["a", 5]}).encode(), 422, "documents[1]"),
    (json.dumps({"query": "q", "documents": ["a"], "top_n": 0}).encode(), 422, "top_n"),
    (json.dumps({"query": "q", "documents": ["a"], "return_documents": "yes"}).encode(), 422, "return_documents"),
])
def test_bad_bodies(server, raw, status, fragment):
    code, out, _ = call("POST", server.url + "/v1/rerank", raw=raw)
    assert code == status
    assert fragment in out["error"]["message"] and out["message"] == out["error"]["message"]


def test_bad_tei_body_uses_tei_error_shape(server):
    code, out, _ = call("POST", server.url + "/rerank", {"query": "q", "texts": "not a list"})
    assert code == 422 and "'texts'" in out["error"] and out["error_type"]
    code, out, _ = call("POST", server.url + "/rerank", {"query": "q", "texts": ["a"], "truncation_direction": "Left"})
    assert code == 422 and "truncation_direction" in out["error"]


def test_wrong_method_and_path(server):
    code, out, _ = call("GET", server.url + "/v1/rerank")
    assert code == 405 and "GET /v1/rerank" in out["error"]["message"]
    code, out, _ = call("POST", server.url + "/v3/rerank", {"query": "q"})
    assert code == 404


def test_limits_give_413_naming_the_limit():
    srv = start_server(limits=Limits(max_documents=3, max_body_bytes=2048))
    try:
        code, out, _ = call("POST", srv.url + "/v1/rerank", {"query": "q", "documents": ["a"] * 4})
        assert code == 413 and out["error"]["limit"] == "max_documents" and out["error"]["max"] == 3
        code, out, _ = call("POST", srv.url + "/rerank", {"query": "q", "texts": ["a"] * 4})
        assert code == 413 and out["limit"] == "max_documents"
        code, out, _ = call("POST", srv.url + "/v1/rerank", {"query": "q", "documents": ["x" * 3000]})
        assert code == 413 and out["error"]["limit"] == "max_body_bytes" and out["error"]["max"] == 2048
        code, out, _ = call("POST", srv.url + "/v1/rerank", {"query": "deep", "documents": ["deep learning"]})
        assert code == 200  # the server still works after refusing
    finally:
        srv.stop()


def test_tei_truncate_false_refuses_long_pairs():
    srv = start_server(options=ScoreOptions(max_length=16))
    try:
        long_text = " ".join(["deep learning"] * 20)
        code, out, _ = call("POST", srv.url + "/rerank", {"query": "deep", "texts": [long_text], "truncate": False})
        assert code == 413 and out["limit"] == "max_input_length" and out["max"] == 16
        code, out, _ = call("POST", srv.url + "/rerank", {"query": "deep", "texts": [long_text], "truncate": True})
        assert code == 200 and len(out) == 1
        code, out, _ = call("POST", srv.url + "/v1/rerank", {"query": "deep", "documents": [long_text]})
        assert code == 200 and any("cut" in w for w in out["meta"]["warnings"])
    finally:
        srv.stop()


def test_api_key():
    srv = start_server(api_key="s3cret")
    try:
        body = {"query": QUERY, "documents": DOCS}
        code, out, headers = call("POST", srv.url + "/v1/rerank", body)
        assert code == 401 and "Authorization: Bearer" in out["error"]["message"]
        assert headers["www-authenticate"] == "Bearer"
        code, _, _ = call("POST", srv.url + "/v1/rerank", body, headers={"Authorization": "Bearer wrong"})
        assert code == 401
        code, _, _ = call("GET", srv.url + "/v1/models")
        assert code == 401
        code, out, _ = call("POST", srv.url + "/v1/rerank", body, headers={"Authorization": "Bearer s3cret"})
        assert code == 200 and len(out["results"]) == len(DOCS)
        code, _, _ = call("GET", srv.url + "/health")
        assert code == 200  # health stays open for load balancers
    finally:
        srv.stop()


def test_default_bind_is_loopback():
    from app.cli import build_parser

    args = build_parser().parse_args(["serve"])
    assert args.host == "127.0.0.1" and args.port == 8080 and args.api_key is None
