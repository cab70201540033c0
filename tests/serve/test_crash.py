"""serve survives its model's crash: the model runs in a worker process; a crash answers 503 with the reason,
the worker is started again, and the next request is answered. Real signals on the real worker process."""

from __future__ import annotations

import os
import shutil
import signal
import threading
import time

import pytest

from app.core.types import BackendConfig
from tests.serve.helpers import DOCS, QUERY, call, start_server


@pytest.fixture
def server():
    srv = start_server()
    yield srv
    srv.stop()


def _rerank(srv, query=QUERY, docs=DOCS, path="/v1/rerank"):
    return call("POST", srv.url + path, {"query": query, "documents": list(docs)})


def test_crash_in_a_request_is_503_then_the_server_recovers(server):
    assert _rerank(server)[0] == 200
    first_pid = server.worker.pid
    status, body, headers = _rerank(server, query="CRASH:SIGSEGV")
    assert status == 503 and headers.get("retry-after") == "1"
    assert body["error"]["type"] == "service_unavailable"
    assert body["message"].startswith("The overlap runtime crashed (signal 11, SIGSEGV) while scoring 4 documents")
    status, body, _ = _rerank(server)
    assert status == 200 and len(body["results"]) == len(DOCS)
    assert server.worker.pid != first_pid and server.worker.restarts == 1
    health = call("GET", server.url + "/health")
    assert health[0] == 200 and health[1]["status"] == "ok" and health[1]["restarts"] == 1


def test_worker_killed_during_a_request(server):
    outcome = {}
    thread = threading.Thread(target=lambda: outcome.update(r=_rerank(server, query="SLEEP:1.5")))
    thread.start()
    time.sleep(0.5)
    os.kill(server.worker.pid, signal.SIGKILL)
    thread.join(30)
    status, body, _ = outcome["r"]
    assert status == 503 and "crashed (signal 9, SIGKILL)" in body["message"]
    assert call("POST", server.url + "/rerank", {"query": QUERY, "texts": DOCS})[0] == 200


def test_worker_killed_between_requests_is_replaced_before_the_next(server):
    assert _rerank(server)[0] == 200
    pid = server.worker.pid
    os.kill(pid, signal.SIGKILL)
    time.sleep(0.3)
    status, body, _ = _rerank(server)
    assert status == 200 and server.worker.pid != pid and server.worker.restarts == 1


def test_stopped_worker_is_503_then_replaced(server):
    server.worker._model.stopped_grace_s = 1.0
    outcome = {}
    thread = threading.Thread(target=lambda: outcome.update(r=_rerank(server, query="SLEEP:1.0")))
    thread.start()
    time.sleep(0.4)
    os.kill(server.worker.pid, signal.SIGSTOP)
    thread.join(30)
    status, body, _ = outcome["r"]
    assert status == 503 and "stopped answering" in body["message"]
    assert _rerank(server)[0] == 200


def test_gguf_truncated_in_place_is_503_and_the_server_stays_up(fixtures_dir, tmp_path):
    """The model file is cut while served: SIGBUS in the worker, 503s naming the load error, then recovery."""
    gguf = tmp_path / "model-f16.gguf"
    shutil.copy(fixtures_dir / "tiny-xlmr" / "gguf" / "model-f16.gguf", gguf)
    original = gguf.read_bytes()
    srv = start_server(BackendConfig(str(gguf), "gguf"))
    srv.worker.retry_s = 0.5
    try:
        assert _rerank(srv)[0] == 200
        with open(gguf, "r+b") as fh:
            fh.truncate(4096)
        status, body, _ = _rerank(srv)
        assert status == 503 and "gguf runtime crashed (signal 7, SIGBUS)" in body["message"], body
        status, body, _ = _rerank(srv)
        assert status == 503 and "Loading it again failed" in body["message"], body
        health = call("GET", srv.url + "/health")
        assert health[0] == 503 and health[1]["status"] == "unavailable" and "failed" in health[1]["problem"]
        gguf.write_bytes(original)
        time.sleep(0.6)
        status, body, _ = _rerank(srv)
        assert status == 200 and len(body["results"]) == len(DOCS)
    finally:
        srv.stop()


def test_serve_command_stays_up_when_its_runtime_crashes(fixtures_dir):
    """`serve` as users run it, its ONNX runtime segfaulting on every call (tests/runtime/backends_plugin.py)."""
    import re
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    env = {**os.environ, "RERANK_PLAYGROUND_PLUGINS": str(root / "tests" / "runtime" / "backends_plugin.py"),
           "RP_TEST_CRASH": "onnx:SIGSEGV"}
    proc = subprocess.Popen([sys.executable, "-m", "app.cli", "serve", "--model", str(fixtures_dir / "tiny-bert"),
                             "--backend", "onnx", "--file", "onnx/model.onnx", "--port", "0"],
                            cwd=root, env=env, stderr=subprocess.PIPE, text=True)
    try:
        line = proc.stderr.readline()
        match = re.search(r" on (http://127\.0\.0\.1:\d+)", line)
        assert match, line
        url = match.group(1)
        for _ in range(2):  # crashed, restarted, crashed again: each time a 503, never a dead server
            deadline = time.monotonic() + 30
            while True:
                try:
                    status, body, _ = call("POST", url + "/v1/rerank", {"query": QUERY, "documents": DOCS})
                    break
                except OSError:  # uvicorn still starting
                    assert time.monotonic() < deadline
                    time.sleep(0.2)
            assert status == 503 and "The onnx runtime crashed (signal 11, SIGSEGV)" in body["message"], body
            assert proc.poll() is None
        assert call("GET", url + "/health")[1]["model"]
    finally:
        proc.terminate()
        proc.wait(15)
