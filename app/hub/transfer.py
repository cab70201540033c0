"""One file over HTTP into a resumable ``.incomplete`` file: Range resume, stall timeout, retries with back-off.

Uses huggingface_hub's shared HTTP session (proxy settings, offline guard, request ids) and its error mapping
(``hf_raise_for_status``). huggingface_hub's own ``hf_hub_download`` deletes its partial file on any failure, so a
cancelled or crashed download would start again from zero; this loop keeps it and resumes with a Range request.
"""

from __future__ import annotations

import logging
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from app.core.errors import CancelledError
from app.hub.errors import DownloadError

log = logging.getLogger(__name__)
RETRY_STATUS = {408, 429, 500, 502, 503, 504}


@dataclass(frozen=True)
class RetryPolicy:
    """How hard to try: ``attempts`` failures in a row without a new byte, then give up."""

    attempts: int = 6
    backoff_s: float = 1.0  # first wait; doubles after each failure in a row
    max_backoff_s: float = 30.0
    stall_timeout_s: float = 30.0  # no byte for this long: drop the connection and resume
    connect_timeout_s: float = 15.0


class CancelToken:
    """A thread-safe cancel flag; calling it answers 'cancelled?'. ``cancel()`` also aborts a blocked read."""

    def __init__(self) -> None:
        self._event = threading.Event()
        self._lock = threading.Lock()
        self._closers: list[Callable[[], None]] = []

    def __call__(self) -> bool:
        return self._event.is_set()

    def cancel(self) -> None:
        self._event.set()
        with self._lock:
            closers = list(self._closers)
        for close in closers:
            try:
                close()
            except Exception:  # closing a response another thread reads may fail; the flag is what counts
                log.debug("closing an active transfer failed", exc_info=True)

    def _register(self, close: Callable[[], None]) -> None:
        with self._lock:
            self._closers.append(close)

    def _unregister(self, close: Callable[[], None]) -> None:
        with self._lock:
            if close in self._closers:
                self._closers.remove(close)


class _Retry(Exception):
    """A transient failure: reconnect and resume."""


def _cancelled_error() -> CancelledError:
    return CancelledError("Download cancelled; the partial file is kept and the next pull resumes it.")


def _stream_once(url: str, part: Path, headers: dict[str, str], policy: RetryPolicy,
                 on_bytes: Callable[[int], None], cancelled: Callable[[], bool]) -> None:
    import httpx2
    from huggingface_hub.utils import get_session, hf_raise_for_status

    have = part.stat().st_size if part.exists() else 0
    request_headers = {**headers, "Accept-Encoding": "identity"}
    if have:
        request_headers["Range"] = f"bytes={have}-"
    timeout = httpx2.Timeout(policy.stall_timeout_s, connect=policy.connect_timeout_s)
    with get_session().stream("GET", url, headers=request_headers, timeout=timeout) as response:
        closer = _closer(response)
        if isinstance(cancelled, CancelToken):
            cancelled._register(closer)
        try:
            _write_body(response, part, have, on_bytes, cancelled, hf_raise_for_status)
        finally:
            if isinstance(cancelled, CancelToken):
                cancelled._unregister(closer)


def _closer(response) -> Callable[[], None]:
    """Abort the transfer from another thread: shut the socket down (a blocked read returns at once)."""

    def close() -> None:
        stream = response.extensions.get("network_stream")
        sock = stream.get_extra_info("socket") if stream is not None else None
        if sock is not None:
            sock.shutdown(socket.SHUT_RDWR)
        else:
            response.close()

    return close


def _write_body(response, part: Path, have: int, on_bytes, cancelled, raise_for_status) -> None:
    if response.status_code == 416 and have:  # asked past the end: the partial file is not this blob
        log.warning("server refused the resume range for %s; starting the file again", part.name)
        part.unlink(missing_ok=True)
        on_bytes(-have)
        raise _Retry("range not satisfiable")
    if response.status_code >= 400:
        response.read()
        if response.status_code in RETRY_STATUS:
            raise _Retry(f"HTTP {response.status_code}")
        raise_for_status(response)
    resumed = have and response.status_code == 206 and response.headers.get(
        "Content-Range", "").startswith(f"bytes {have}-")
    if have and not resumed:  # the server ignored the Range header: start over
        on_bytes(-have)
    with part.open("ab" if resumed else "wb") as fh:
        for chunk in response.iter_bytes():
            if cancelled():
                raise _cancelled_error()
            fh.write(chunk)
            on_bytes(len(chunk))


def _wait(seconds: float, cancelled: Callable[[], bool]) -> None:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        if cancelled():
            raise _cancelled_error()
        time.sleep(min(0.05, max(0.0, end - time.monotonic())))


def fetch(url: str, part: Path, expected_size: int | None, headers: dict[str, str], policy: RetryPolicy,
          on_bytes: Callable[[int], None], cancelled: Callable[[], bool],
          on_retry: Callable[[str, float], None] | None = None) -> None:
    """Download ``url`` into ``part``, resuming from its current length, until it holds ``expected_size`` bytes."""
    import httpx2

    failures = 0
    while True:
        if cancelled():
            raise _cancelled_error()
        before = part.stat().st_size if part.exists() else 0
        if expected_size is not None and before > expected_size:
            log.warning("%s is longer than the file on the Hub; starting it again", part.name)
            part.unlink()
            on_bytes(-before)
            continue
        if expected_size is not None and before == expected_size:
            return
        try:
            _stream_once(url, part, headers, policy, on_bytes, cancelled)
            size = part.stat().st_size if part.exists() else 0
            if expected_size is None or size == expected_size:
                return
            error = f"the server ended the file at {size} of {expected_size} bytes"
        except (httpx2.TransportError, _Retry) as exc:
            if cancelled():
                raise _cancelled_error() from exc
            error = f"{type(exc).__name__}: {exc}"
        after = part.stat().st_size if part.exists() else 0
        failures = 0 if after > before else failures + 1
        if failures >= policy.attempts:
            raise DownloadError(f"Download of {url} failed {failures} times in a row ({error}). The partial file "
                                "is kept: pull again later to resume it.")
        delay = min(policy.max_backoff_s, policy.backoff_s * (2 ** max(0, failures - 1)))
        log.warning("transfer interrupted (%s); resuming at byte %d in %.1f s", error, after, delay)
        if on_retry:
            on_retry(error, delay)
        _wait(delay, cancelled)
