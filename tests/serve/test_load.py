"""A bounded load test over loopback: 8 clients x 50 requests, no errors, batching at work, one model thread."""

from __future__ import annotations

import http.client
import json
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
        assert len(worker.backend.thread_ids) == 1  # one thread owns the model
        p95 = sorted(latencies)[int(0.95 * len(latencies)) - 1] * 1000
        with capsys.disabled():
            print(f"\n[serve load test] {CLIENTS} clients x {REQUESTS} requests: "
                  f"{len(latencies) / elapsed:.0f} requests/s, p95 {p95:.1f} ms, "
                  f"{worker.backend_calls} backend calls for {worker.requests} requests")
    finally:
        srv.stop()
