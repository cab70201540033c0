"""Remote columns: the remote backend against `serve` itself and against TEI / llama.cpp recorded-shape stubs."""

from __future__ import annotations

import json
import socket

import pytest

from app.backends import registry
from app.backends.remote import RemoteError, remote_config
from app.cli import main
from app.core.types import ScoreOptions
from app.serve.server import ServerThread
from tests.serve.helpers import DOCS, OVERLAP, QUERY
from tests.serve.stubs import INFINITY_MODEL, broken_app, infinity_app, llama_app, refusing_app, tei_app

MORE_DOCS = DOCS * 10  # 40 documents: more than TEI's default client batch size of 32


@pytest.fixture(scope="module")
def local():
    return registry.load(OVERLAP).score(QUERY, MORE_DOCS, ScoreOptions())


def _same(run, local, raw_tol=1e-9):
    assert run.backend == "remote" and len(run.results) == len(local.results)
    assert run.scores == pytest.approx(local.scores, abs=1e-12)
    assert run.raw_scores == pytest.approx(local.raw_scores, abs=raw_tol)
    assert [r.index for r in run.ranked()] == [r.index for r in local.ranked()]
    assert all(r.token_count == 0 and not r.truncated for r in run.results)  # unknown to a client


@pytest.mark.parametrize("style, path, endpoint", [
    ("cohere", "", "/v2/rerank"),
    ("jina", "", "/v1/rerank"),
    ("tei", "", "/rerank"),
    (None, "", "/v2/rerank"),  # detected: /v1/models says owned_by rerank-playground
    (None, "/v1", "/v1/rerank"),  # an AI Kit-style base URL
    ("cohere", "/v1/rerank", "/v1/rerank"),  # a full endpoint URL is used as given
])
def test_remote_against_serve(server, local, style, path, endpoint):
    backend = registry.load(remote_config(server.url + path, style))
    assert backend.device == server.url + endpoint
    run = backend.score(QUERY, MORE_DOCS, ScoreOptions())
    _same(run, local, raw_tol=1e-9 if backend.style.name == "tei" else 1e-6)
    assert run.device == server.url + endpoint and run.timings.total_ms > 0


def test_remote_with_api_key(local):
    from tests.serve.helpers import start_server

    srv = start_server(api_key="k1")
    try:
        with pytest.raises(RemoteError, match="HTTP 401.*Authorization: Bearer"):
            registry.load(remote_config(srv.url, "cohere")).score(QUERY, DOCS)
        run = registry.load(remote_config(srv.url, "cohere", api_key="k1")).score(QUERY, MORE_DOCS)
        _same(run, local, raw_tol=1e-6)
    finally:
        srv.stop()


def test_tei_stub_detected_batched_and_raw(local):
    with ServerThread(tei_app()) as stub:
        backend = registry.load(remote_config(stub.url))
        assert backend.style.name == "tei" and backend.endpoint == stub.url + "/rerank"
        done = []
        run = backend.score(QUERY, MORE_DOCS, ScoreOptions(batch_size=32), progress=lambda d, t: done.append(d))
        _same(run, local)
        assert done == [0, 32, 40]
        with pytest.raises(RemoteError, match="HTTP 413.*batch size 40 > maximum allowed batch size 32"):
            backend.score(QUERY, MORE_DOCS, ScoreOptions(batch_size=64))


def test_llamacpp_stub_detected_and_logits(local):
    with ServerThread(llama_app()) as stub:
        backend = registry.load(remote_config(stub.url))
        assert backend.style.name == "llama.cpp" and backend.endpoint == stub.url + "/v1/rerank"
        run = backend.score(QUERY, MORE_DOCS)
        _same(run, local)
        assert any(w.code == "remote_score_scale" for w in run.warnings)
        qwen = registry.load(remote_config(stub.url, "llama.cpp", family="qwen3-reranker"))
        assert qwen.probability  # Qwen3 rank heads already give P(yes): no second sigmoid


def test_infinity_detected_without_v1_and_asked_for_raw_scores(local):
    """Infinity's routes have no /v1; GET /models says owned_by infinity. Its default answer is sigmoid(logit)
    in float32, so the raw logits must be asked for (raw_scores), not recovered from the probability."""
    sent: list = []
    with ServerThread(infinity_app(requests=sent)) as stub:
        backend = registry.load(remote_config(stub.url))
        assert backend.style.name == "infinity" and backend.endpoint == stub.url + "/rerank"
        run = backend.score(QUERY, MORE_DOCS)
        _same(run, local)  # raw to 1e-9: logits as the model gave them
        assert sent and all(body["raw_scores"] is True and "model" not in body for body in sent)
        assert not any(w.code == "remote_style_guessed" for w in run.warnings)
        named = registry.load(remote_config(stub.url + "/rerank", "infinity", model=INFINITY_MODEL))
        _same(named.score(QUERY, MORE_DOCS), local)
        assert sent[-1]["model"] == INFINITY_MODEL


def test_infinity_with_api_key(local):
    with ServerThread(infinity_app(api_key="k2")) as stub:
        backend = registry.load(remote_config(stub.url, api_key="k2"))
        assert backend.style.name == "infinity"
        _same(backend.score(QUERY, MORE_DOCS), local)
        with pytest.raises(RemoteError) as caught:
            registry.load(remote_config(stub.url, api_key="wrong"))
        message = str(caught.value)
        assert message.startswith("The server refused the API key") and f"{stub.url}/models (HTTP 401)" in message
        assert "guess" not in message and "/v2/rerank" not in message


@pytest.mark.parametrize("key, says", [
    (None, "The server needs an API key: "),
    ("k", "The server refused the API key: "),
])
def test_every_probe_401_names_the_key_not_a_guessed_endpoint(key, says):
    with ServerThread(refusing_app()) as stub:
        with pytest.raises(RemoteError) as caught:
            registry.load(remote_config(stub.url, api_key=key))
        message = str(caught.value)
        assert message.startswith(says)
        for path in ("/info", "/v1/models", "/models", "/props"):
            assert f"{stub.url}{path} (HTTP 401)" in message
        assert ("--api-key" in message) == (key is None)
        backend = registry.load(remote_config(stub.url, "cohere", api_key=key))  # explicit style: at scoring
        with pytest.raises(RemoteError, match="/v2/rerank answered HTTP 401.*API key"):
            backend.score(QUERY, DOCS)


def _closed_port() -> int:
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def test_unreachable_server():
    url = f"http://127.0.0.1:{_closed_port()}"
    with pytest.raises(RemoteError, match="Cannot reach"):
        registry.load(remote_config(url))  # detection needs the server
    backend = registry.load(remote_config(url, "tei"))  # an explicit style loads without the network
    with pytest.raises(RemoteError, match="Cannot reach .*server is running"):
        backend.score(QUERY, DOCS)


@pytest.mark.parametrize("kind, message", [
    ("error", "HTTP 500 Internal Server Error: CUDA out of memory while scoring"),
    ("html", "not JSON: '<html>502 Bad Gateway</html>'"),
    ("noresults", "no 'results' \\(or 'data'\\) list"),
    ("short", "scored 1 of 4 documents"),
    ("badindex", "index 7; expected 0..3"),
])
def test_server_errors_carry_the_message(kind, message):
    with ServerThread(broken_app()) as stub:
        backend = registry.load(remote_config(f"{stub.url}/{kind}/v1/rerank", "jina"))
        with pytest.raises(RemoteError, match=message):
            backend.score(QUERY, DOCS)


def test_timeout(monkeypatch):
    from app.backends import remote

    monkeypatch.setattr(remote, "TIMEOUT_S", 0.5)
    with ServerThread(broken_app()) as stub:
        backend = registry.load(remote_config(f"{stub.url}/slow/v1/rerank", "jina"))
        with pytest.raises(RemoteError, match="did not answer within 0.5 s"):
            backend.score(QUERY, DOCS)


def test_bad_url_and_style():
    with pytest.raises(RemoteError, match="not an http"):
        registry.load(remote_config("ftp://example/x", "tei"))
    with pytest.raises(RemoteError, match="Unknown API style"):
        remote_config("http://127.0.0.1:1", "grpc")


def test_registry_offers_remote():
    assert "remote" in registry.names() and registry.unavailable_reason("remote") is None
    assert registry.BACKENDS["remote"].runtime_module == "urllib.request"


def test_score_cli_remote(server, local, capsys):
    args = ["score", "--backend", "remote", "--url", server.url + "/rerank", "--api", "tei", "--query", QUERY,
            "--json", *[a for d in MORE_DOCS for a in ("--doc", d)]]
    assert main(args) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["backend"] == "remote" and out["device"] == server.url + "/rerank"
    by_index = {r["index"]: r["relevance_score"] for r in out["results"]}
    assert [by_index[i] for i in range(len(MORE_DOCS))] == pytest.approx(local.scores, abs=1e-12)


def test_score_cli_remote_errors_are_messages(capsys):
    url = f"http://127.0.0.1:{_closed_port()}"
    assert main(["score", "--backend", "remote", "--url", url, "--api", "cohere", "--query", "q", "--doc", "d"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: Cannot reach") and "Traceback" not in err
    assert main(["score", "--backend", "remote", "--query", "q", "--doc", "d"]) == 2
    assert "--url" in capsys.readouterr().err


def test_remote_says_documents_are_not_cut(local):
    with ServerThread(tei_app()) as stub:
        run = registry.load(remote_config(stub.url, "tei")).score(QUERY, MORE_DOCS, ScoreOptions(max_doc_tokens=4))
        _same(run, local)  # sent whole
        assert any(w.code == "remote_no_doc_limit" and "not cut to 4 tokens" in w.message for w in run.warnings)
