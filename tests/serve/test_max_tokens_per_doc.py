"""Cohere v2 ``max_tokens_per_doc``: each document is cut to that many tokens before it is scored."""

from __future__ import annotations

import pytest

from app.backends import registry
from app.core.types import ScoreOptions
from tests.serve.helpers import OVERLAP, call

QUERY = "deep learning networks"
# The query words sit at the end of the first document: cut to 4 tokens, it matches nothing.
DOCS = ["apples are red and sweet fruits deep learning networks", "deep learning is neural", "paris"]


@pytest.mark.parametrize("path", ["/v2/rerank", "/v1/rerank"])
def test_documents_are_cut_to_max_tokens_per_doc(server, path):
    body = {"model": "m", "query": QUERY, "documents": DOCS, "max_tokens_per_doc": 4}
    code, out, _ = call("POST", server.url + path, body)
    assert code == 200, out
    local = registry.load(OVERLAP)
    cut = [" ".join(d.split()[:4]) for d in DOCS]
    expected = local.score(QUERY, cut, ScoreOptions())
    by_index = {r["index"]: r["relevance_score"] for r in out["results"]}
    assert [by_index[i] for i in range(len(DOCS))] == pytest.approx(expected.scores, abs=1e-12)
    whole = local.score(QUERY, DOCS, ScoreOptions())
    assert whole.scores[0] > expected.scores[0]  # the cut changed the score: the option is not ignored
    assert out["results"][0]["index"] == 1
    assert any("cut to their first 4 tokens" in w for w in out["meta"]["warnings"])
    code, out, _ = call("POST", server.url + path, {**body, "max_tokens_per_doc": 4096})
    assert code == 200 and out["results"][0]["index"] == 0 and not any("first 4096" in w
                                                                       for w in out["meta"]["warnings"])


def test_backend_option_keeps_short_documents_whole():
    backend = registry.load(OVERLAP)
    run = backend.score(QUERY, DOCS, ScoreOptions(max_doc_tokens=4))
    assert run.raw_scores[1:] == backend.score(QUERY, DOCS[1:], ScoreOptions()).raw_scores
    assert run.raw_scores[0] == backend.score(QUERY, ["apples are red and"], ScoreOptions()).raw_scores[0]
    assert [w.code for w in run.warnings].count("doc_token_limit") == 1
    assert run.results[0].token_count < backend.score(QUERY, DOCS, ScoreOptions()).results[0].token_count


@pytest.mark.parametrize("value", [0, -3, "8", 2.5, True])
def test_bad_max_tokens_per_doc_is_422(server, value):
    code, out, _ = call("POST", server.url + "/v2/rerank",
                        {"model": "m", "query": QUERY, "documents": DOCS, "max_tokens_per_doc": value})
    assert code == 422 and "max_tokens_per_doc" in out["error"]["message"]
