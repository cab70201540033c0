"""Hostile and malformed requests: every one is a 4xx with a message, never a 500, and slow bodies time out.

The slow-client tests speak raw HTTP/1.1 over a socket on 127.0.0.1: headers, then a body dribbled a byte
at a time, in bounded loops that stop by themselves.
"""

from __future__ import annotations

import json
import socket
import time

import pytest

from app.core.types import BackendConfig
from app.serve.app import ServeSettings, build_app
from app.serve.protocol import Limits
from app.serve.server import ServerThread
from app.serve.worker import ScoringWorker
from tests.serve.helpers import DOCS, PLUGIN, QUERY, call, start_server

DEEP = 100_000
VALID = {"query": QUERY, "documents": DOCS}


def _with(extra: str) -> bytes:
    """A valid rerank body with one more member whose value is ``extra`` (raw JSON text)."""
    return (json.dumps(VALID)[:-1] + ', "extra": ' + extra + "}").encode()


@pytest.mark.parametrize("raw, fragment", [
    (b"[" * DEEP, "nested too deeply"),
    (("[" * DEEP + "]" * DEEP).encode(), "nested too deeply"),
    (b'{"query": ' * DEEP, "nested too deeply"),
    (_with("[" * DEEP + "]" * DEEP), "nested too deeply"),
    (_with('{"a": ' * DEEP + "1" + "}" * DEEP), "nested too deeply"),
    (("9" * 5000).encode(), "integer of 5,000 digits"),
    (json.dumps({**VALID, "top_n": 0})[:-2].encode() + b"1" * 5000 + b"}", "integer of 5,000 digits"),
    (_with("-" + "7" * 5000), "integer of 5,000 digits"),
    (_with("NaN"), "NaN, which is not JSON"),
    (_with("-Infinity"), "-Infinity, which is not JSON"),
])
@pytest.mark.parametrize("path", ["/v1/rerank", "/v2/rerank", "/rerank"])
def test_deep_nesting_and_huge_integers_are_400(server, raw, fragment, path):
    code, out, _ = call("POST", server.url + path, raw=raw)
    assert code == 400, out
    message = out["error"] if path == "/rerank" else out["error"]["message"]
    assert fragment in message and "request body" in message


MALFORMED = [
    b"{", b"}", b"[", b'{"query": "q", "documents": ["a"]', b'{"query": "q",}', b"nul", b"tru", b"'single'",
    b'{"query": "q", "documents": ["a"]} trailing', b"\x00", b"\xef\xbb\xbf{}", b'"\\x41"', b'"\\ud800',
    b"1e", b"-", b"0x10", b"[1,]", b'{"a" 1}', b'{1: 2}', b"\xc3\x28", b"\xf0\x9f\x98",
    b"null", b"true", b"3", b"1e999999", b'"a string"', b"[]", b"{}",
    json.dumps({"query": ["q"], "documents": ["a"]}).encode(),
    json.dumps({"query": {"text": "q"}, "documents": ["a"]}).encode(),
    json.dumps({"query": "q", "documents": {"0": "a"}}).encode(),
    json.dumps({"query": "q", "documents": [{"nottext": "a"}]}).encode(),
    json.dumps({"query": "q", "documents": [["a"]]}).encode(),
    json.dumps({"query": "q", "documents": [None]}).encode(),
    json.dumps({"query": "q", "documents": ["a"], "top_n": 1.5}).encode(),
    json.dumps({"query": "q", "documents": ["a"], "top_n": "2"}).encode(),
    json.dumps({"query": "q", "documents": ["a"], "top_n": 1e308}).encode(),
    json.dumps({"query": "q", "documents": ["a"], "top_n": -1}).encode(),
    json.dumps({"query": "q", "documents": ["a"], "model": 5}).encode(),
    json.dumps({"query": "q", "documents": ["a"], "max_tokens_per_doc": 0}).encode(),
    json.dumps({"query": "q", "documents": ["a"], "max_tokens_per_doc": "10"}).encode(),
    json.dumps({"query": "q", "documents": ["a"], "max_tokens_per_doc": True}).encode(),
    json.dumps({"query": "q", "texts": ["a"], "raw_scores": "yes"}).encode(),
    json.dumps({"query": "q", "texts": ["a"], "truncate": 1}).encode(),
    json.dumps({"query": "", "texts": ["a"]}).encode(),
    json.dumps({"query": " \n\t", "documents": ["a"]}).encode(),
]


@pytest.mark.parametrize("path", ["/v1/rerank", "/v2/rerank", "/rerank"])
def test_any_malformed_body_is_4xx_with_a_message(server, path):
    for raw in MALFORMED:
        code, out, _ = call("POST", server.url + path, raw=raw)
        assert 400 <= code < 500, (raw[:60], code, out)
        message = out["error"] if path == "/rerank" else out["error"]["message"]
        assert isinstance(message, str) and message and "Internal" not in message, (raw[:60], out)
    code, out, _ = call("POST", server.url + "/v1/rerank", VALID)
    assert code == 200  # and the server still answers


def test_odd_but_valid_text_is_scored(server):
    """Lone surrogates, NUL and control characters are text a client may send: scored, not a 500."""
    body = {"query": "deep \ud800 learning", "documents": ["deep\x00learning", "\udfff", "\u202e\ufeff a", ""]}
    code, out, _ = call("POST", server.url + "/v1/rerank", raw=json.dumps(body).encode())
    assert code == 200 and len(out["results"]) == 4


# -- slow clients ------------------------------------------------------------------------------------------
def _dribble(port: int, head: bytes, pieces: list[bytes], interval: float, limit_s: float) -> tuple[bytes, float]:
    """Send ``head``, then one piece every ``interval`` s while reading; stops at the server's full answer
    (it closes the connection), after ``limit_s``, or when the pieces run out. Returns (answer, seconds)."""
    started = time.monotonic()
    answer = b""
    with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
        sock.sendall(head)
        sock.settimeout(interval)
        pending = list(pieces)
        while time.monotonic() - started < limit_s:
            try:
                data = sock.recv(65536)
                if not data:
                    break  # the server closed the connection
                answer += data
                continue
            except TimeoutError:
                pass
            if pending:
                try:
                    sock.sendall(pending.pop(0))
                except OSError:
                    pending.clear()  # the server hung up; keep reading what it said
            elif answer:
                break
    return answer, time.monotonic() - started


def _status_and_json(answer: bytes) -> tuple[int, dict, str]:
    head, _, body = answer.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    return int(lines[0].split()[1]), json.loads(body), "\r\n".join(lines[1:]).lower()


@pytest.fixture(scope="module")
def strict():
    srv = start_server(limits=Limits(max_body_bytes=4096, body_timeout_s=1.0))
    yield srv
    srv.stop()


def _head(path: str, length: int | None, extra: str = "") -> bytes:
    framing = f"Content-Length: {length}\r\n" if length is not None else "Transfer-Encoding: chunked\r\n"
    return (f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n{framing}{extra}"
            "\r\n").encode()


@pytest.mark.parametrize("path", ["/v1/rerank", "/rerank"])
def test_dribbled_body_times_out_with_408(strict, path):
    body = json.dumps(VALID).encode()
    pieces = [body[i:i + 1] for i in range(len(body))]  # ~0.2 s apart: 40+ s for the whole body
    answer, took = _dribble(strict.port, _head(path, len(body)), pieces, interval=0.2, limit_s=6.0)
    assert answer, "no answer within 6 s: the slow body was never timed out"
    status, out, headers = _status_and_json(answer)
    assert status == 408 and 0.9 < took < 4.0
    message = out["error"] if path == "/rerank" else out["error"]["message"]
    assert "did not arrive within 1 s" in message and "connection: close" in headers
    code, _, _ = call("POST", strict.url + path, VALID if path != "/rerank" else {"query": QUERY, "texts": DOCS})
    assert code == 200  # the server is fine, and a prompt body still works


def test_dribbled_chunked_body_times_out(strict):
    pieces = [b"1\r\n" + bytes([c]) + b"\r\n" for c in json.dumps(VALID).encode()]
    answer, took = _dribble(strict.port, _head("/v1/rerank", None), pieces, interval=0.2, limit_s=6.0)
    assert answer and _status_and_json(answer)[0] == 408 and took < 4.0


def test_headers_then_silence_times_out(strict):
    answer, took = _dribble(strict.port, _head("/v2/rerank", 500), [], interval=0.2, limit_s=6.0)
    assert answer and _status_and_json(answer)[0] == 408 and took < 4.0


def test_oversized_bodies_are_413_before_they_are_read(strict):
    answer, took = _dribble(strict.port, _head("/v1/rerank", 10_000_000), [b"x"] * 20, interval=0.1, limit_s=5.0)
    status, out, headers = _status_and_json(answer)
    assert status == 413 and out["error"]["limit"] == "max_body_bytes" and took < 0.9
    chunk = b"400\r\n" + b" " * 1024 + b"\r\n"  # chunked: no declared length, refused once past the limit
    answer, _ = _dribble(strict.port, _head("/v1/rerank", None), [chunk] * 8, interval=0.05, limit_s=5.0)
    status, out, headers = _status_and_json(answer)
    assert status == 413 and out["error"]["max"] == 4096 and "connection: close" in headers


def test_prompt_clients_unaffected_by_the_timeout(strict):
    body = json.dumps(VALID).encode()
    answer, _ = _dribble(strict.port, _head("/v1/rerank", len(body)), [body[:10], body[10:]], interval=0.3,
                         limit_s=5.0)
    status, out, _ = _status_and_json(answer)
    assert status == 200 and len(out["results"]) == len(DOCS)  # 0.6 s of pauses, inside the 1 s budget


@pytest.mark.parametrize("value", ["0", "-1", "1e9"])
def test_body_timeout_option_is_checked(value, capsys):
    from app.cli import main

    assert main(["serve", "--body-timeout", value]) == 2
    err = capsys.readouterr().err
    assert "--body-timeout" in err and "Traceback" not in err


# -- slow headers (uvicorn has no deadline for them) -------------------------------------------------------
@pytest.fixture(scope="module")
def headers_strict():
    # helpers.SlowOverlapBackend: each batch takes 1.5 s, longer than the header deadline below
    worker = ScoringWorker(BackendConfig(path="", backend="slow-overlap"), plugins=[PLUGIN])
    srv = ServerThread(build_app(worker, ServeSettings("slow", limits=Limits(body_timeout_s=5.0))),
                       header_timeout_s=1.0)
    srv.start()
    yield srv
    srv.stop()


def test_dribbled_headers_time_out_with_408(headers_strict):
    head = b"POST /v1/rerank HTTP/1.1\r\nHost: 127.0.0.1\r\n"
    pieces = [bytes([c]) for c in b"X-Padding: " + b"a" * 200]  # never reaches the blank line
    answer, took = _dribble(headers_strict.port, head, pieces, interval=0.1, limit_s=6.0)
    assert answer, "no answer within 6 s: dribbled headers were never timed out"
    status, out, headers = _status_and_json(answer)
    assert status == 408 and "headers did not arrive within 1 s" in out["error"]["message"]
    assert "connection: close" in headers and 0.9 < took < 4.0


def test_silent_connection_is_closed(headers_strict):
    answer, took = _dribble(headers_strict.port, b"", [], interval=0.2, limit_s=6.0)
    assert answer, "a connection that sends nothing was kept open"
    assert _status_and_json(answer)[0] == 408 and took < 4.0


def test_requests_longer_than_the_header_deadline_still_answer(headers_strict):
    """The deadline covers the headers only: a request whose scoring takes 1.5 s (and a second one on the same
    keep-alive connection) is answered, not cut at 1 s."""
    body = json.dumps({"query": QUERY, "documents": DOCS[:2]}).encode()
    request = _head("/v1/rerank", len(body)) + body
    with socket.create_connection(("127.0.0.1", headers_strict.port), timeout=10) as sock:
        for _ in range(2):
            sock.sendall(request)
            answer, deadline = b"", time.monotonic() + 10
            while b"\r\n\r\n" not in answer or len(answer.partition(b"\r\n\r\n")[2]) < _length(answer):
                assert time.monotonic() < deadline, answer
                answer += sock.recv(65536)
            status, out, _ = _status_and_json(answer)
            assert status == 200 and len(out["results"]) == 2


def _length(answer: bytes) -> int:
    for line in answer.partition(b"\r\n\r\n")[0].split(b"\r\n"):
        if line.lower().startswith(b"content-length:"):
            return int(line.split(b":")[1])
    return 1 << 30
