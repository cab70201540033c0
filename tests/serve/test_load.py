"""A bounded load test over loopback: 8 clients x 50 requests, no errors, batching at work, one model thread."""

from __future__ import annotations

import http.client
import json
import os
import threading
import time

import pytest

from app.backends import registry
from app.core.types import ScoreOptions
from tests.serve.helpers import DOCS, OVERLAP, QUERY, start_server

CLIENTS = 8
REQUESTS = 50
QUERIES = [QUERY, "capital of France", "neural networks brain"]


def _client(port: int, k: int, latencies: list, errors: list, answers: dict) -> None:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)  # keep-alive, like a real client pool
    try:
        for i in range(REQUESTS):
            query = QUERIES[(k + i) % len(QUERIES)]
            docs = DOCS[: 1 + (k + i) % len(DOCS)]  # different sizes, so a batch split at the wrong place fails
            body = json.dumps({"query": query, "documents": docs})
            t0 = time.perf_counter()
            conn.request("POST", "/v1/rerank", body, {"Content-Type": "application/json"})
            resp = conn.getresponse()
            data = resp.read()
            latencies.append(time.perf_counter() - t0)
            if resp.status != 200:
                errors.append((resp.status, data[:200]))
                continue
            scores = {r["index"]: r["relevance_score"] for r in json.loads(data)["results"]}
            answers.setdefault((query, len(docs)), []).append([scores[j] for j in range(len(docs))])
    except Exception as exc:  # noqa: BLE001 - reported by the test
        errors.append(repr(exc))
    finally:
        conn.close()


def test_concurrent_clients(capsys):
    srv = start_server()
    try:
        latencies: list[float] = []
        errors: list = []
        answers: dict[tuple, list] = {}
        threads = [threading.Thread(target=_client, args=(srv.port, k, latencies, errors, answers), daemon=True)
                   for k in range(CLIENTS)]
        t0 = time.perf_counter()
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=120)
        elapsed = time.perf_counter() - t0
        assert not any(t.is_alive() for t in threads), "load test clients did not finish"
        assert errors == []
        assert len(latencies) == CLIENTS * REQUESTS
        backend = registry.load(OVERLAP)
        for (query, n), runs in answers.items():  # batching never mixes up documents between requests
            expected = backend.score(query, DOCS[:n], ScoreOptions()).scores
            for scores in runs:
                assert scores == pytest.approx(expected, abs=1e-12)
        worker = srv.worker
        assert worker.requests == CLIENTS * REQUESTS
        assert worker.backend_calls < worker.requests  # concurrent same-query requests were batched
        assert worker.restarts == 0 and worker.pid not in (None, os.getpid())  # one worker process owns it
        p95 = sorted(latencies)[int(0.95 * len(latencies)) - 1] * 1000
        with capsys.disabled():
            print(f"\n[serve load test] {CLIENTS} clients x {REQUESTS} requests: "
                  f"{len(latencies) / elapsed:.0f} requests/s, p95 {p95:.1f} ms, "
                  f"{worker.backend_calls} backend calls for {worker.requests} requests")
    finally:
        srv.stop()


TINY_BERT = "tests/fixtures/models/tiny-bert"


def test_batched_requests_score_like_single_calls_on_a_real_model():
    """Concurrent same-query requests share one padded ONNX batch; each still gets its single-call scores."""
    from app.core.types import BackendConfig

    if not os.path.isfile(f"{TINY_BERT}/onnx/model.onnx"):
        pytest.skip("tiny fixture models not generated (tests/fixtures/models)")
    config = BackendConfig(path=TINY_BERT, backend="onnx", file="onnx/model.onnx")
    srv = start_server(config, window_ms=50.0)
    try:
        subsets = [DOCS[i:] + DOCS[:i] for i in range(len(DOCS))] + [DOCS[:1], DOCS[2:]]
        results: dict[int, list] = {}

        def one(k: int) -> None:
            conn = http.client.HTTPConnection("127.0.0.1", srv.port, timeout=30)
            conn.request("POST", "/rerank", json.dumps({"query": QUERY, "texts": subsets[k], "raw_scores": True}),
                         {"Content-Type": "application/json"})
            results[k] = json.loads(conn.getresponse().read())
            conn.close()

        threads = [threading.Thread(target=one, args=(k,)) for k in range(len(subsets))]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=60)
        assert srv.worker.backend_calls < len(subsets)  # at least some requests shared a model call
        backend = registry.load(config)
        for k, docs in enumerate(subsets):
            expected = backend.score(QUERY, docs, ScoreOptions()).raw_scores
            got = {o["index"]: o["score"] for o in results[k]}
            assert [got[i] for i in range(len(docs))] == pytest.approx(expected, abs=1e-5)
    finally:
        srv.stop()
