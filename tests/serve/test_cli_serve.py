"""`rerank-playground serve` as a real process on a free loopback port, against `score` on the same model."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.serve.helpers import DOCS, QUERY, call

ROOT = Path(__file__).resolve().parents[2]
TINY_BERT = ROOT / "tests" / "fixtures" / "models" / "tiny-bert"
MODEL_ARGS = ["--model", str(TINY_BERT), "--backend", "onnx", "--file", "onnx/model.onnx"]

pytestmark = pytest.mark.skipif(not (TINY_BERT / "onnx" / "model.onnx").is_file(),
                                reason="tiny fixture models not generated (tests/fixtures/models)")


def _cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "app.cli", *args], check=False, capture_output=True, text=True, cwd=ROOT,
                          timeout=120, env={**os.environ, "PYTHONPATH": str(ROOT)})


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def served():
    port = _free_port()
    proc = subprocess.Popen([sys.executable, "-m", "app.cli", "serve", *MODEL_ARGS, "--port", str(port)],
                            cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env={**os.environ, "PYTHONPATH": str(ROOT)})
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 90
    try:
        while True:
            if proc.poll() is not None:
                pytest.fail(f"serve exited with {proc.returncode}: {proc.stderr.read()}")
            try:
                if call("GET", url + "/health", timeout=2)[0] == 200:
                    break
            except OSError:
                pass
            if time.monotonic() > deadline:
                pytest.fail("serve did not come up within 90 s")
            time.sleep(0.2)
        yield url
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        proc.stdout.close()
        proc.stderr.close()


@pytest.fixture(scope="module")
def cli_scores():
    args = ["score", *MODEL_ARGS, "--query", QUERY, "--json", *[a for d in DOCS for a in ("--doc", d)]]
    out = _cli(*args)
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    return ({r["index"]: r["relevance_score"] for r in data["results"]},
            {r["index"]: r["raw_score"] for r in data["results"]})


def test_every_endpoint_matches_the_cli(served, cli_scores):
    norm, raw = cli_scores
    body = {"model": "default", "query": QUERY, "documents": DOCS, "top_n": len(DOCS)}
    for path in ("/v1/rerank", "/v2/rerank"):
        status, out, _ = call("POST", served + path, body)
        assert status == 200
        assert {r["index"]: r["relevance_score"] for r in out["results"]} == pytest.approx(norm, abs=1e-6)
    status, out, _ = call("POST", served + "/rerank", {"query": QUERY, "texts": DOCS, "raw_scores": True})
    assert status == 200 and {o["index"]: o["score"] for o in out} == pytest.approx(raw, abs=1e-5)
    status, out, _ = call("GET", served + "/v1/models")
    assert status == 200 and out["data"][0]["backend"] == "onnx" and out["data"][0]["family"] == "bert"


def test_remote_column_matches_local(served, cli_scores):
    norm, _ = cli_scores
    args = ["score", "--backend", "remote", "--url", served + "/v1", "--query", QUERY, "--json",
            *[a for d in DOCS for a in ("--doc", d)]]
    out = _cli(*args)
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    assert data["device"] == served + "/v1/rerank"
    assert {r["index"]: r["relevance_score"] for r in data["results"]} == pytest.approx(norm, abs=1e-6)


def test_serve_refuses_a_missing_model():
    out = _cli("serve", "--model", str(TINY_BERT / "nope"), "--backend", "onnx", "--port", str(_free_port()))
    assert out.returncode == 2 and out.stderr.startswith("error: ") and "Traceback" not in out.stderr


def test_serve_refuses_a_port_in_use():
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        out = _cli("serve", *MODEL_ARGS, "--port", str(taken.getsockname()[1]))
    assert out.returncode == 2 and "--port" in out.stderr and "Traceback" not in out.stderr
