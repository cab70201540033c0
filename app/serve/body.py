"""Reading a request body: bounded in size (413), in time (408) and parsed as strict JSON (400).

uvicorn times out idle keep-alive connections but not a client that sends its headers and then dribbles the
body a byte at a time: without a deadline such a request holds its connection (and a coroutine) forever.
"""

from __future__ import annotations

import asyncio
from typing import Any

from starlette.requests import ClientDisconnect, Request

from app.serve.json_body import JsonInputError, loads
from app.serve.protocol import ApiError, Limits, too_large

CLOSE = {"Connection": "close"}  # the rest of an unread body must not be parsed as the next request


async def read_json(request: Request, limits: Limits) -> Any:
    """The body as JSON: 413 past ``max_body_bytes`` (checked while reading), 408 when the whole body has not
    arrived within ``body_timeout_s``, 400 when it is empty or not acceptable JSON."""
    raw = await read_body(request, limits)
    if not raw.strip():
        raise ApiError(400, "The request body is empty: send a JSON object.", "invalid_json")
    try:
        return loads(raw, what="the request body")
    except JsonInputError as exc:
        raise ApiError(400, str(exc), "invalid_json") from exc


async def read_body(request: Request, limits: Limits) -> bytes:
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limits.max_body_bytes:
        raise _body_too_large(int(declared), limits)
    loop = asyncio.get_running_loop()
    deadline = loop.time() + limits.body_timeout_s
    chunks, size = [], 0
    stream = request.stream()
    try:
        while True:
            try:
                chunk = await asyncio.wait_for(stream.__anext__(), max(0.0, deadline - loop.time()))
            except StopAsyncIteration:
                break
            except asyncio.TimeoutError:
                raise _too_slow(size, limits) from None
            size += len(chunk)
            if size > limits.max_body_bytes:
                raise _body_too_large(size, limits)
            chunks.append(chunk)
    except ClientDisconnect:
        raise ApiError(400, "The client closed the connection before the request body was complete.",
                       "invalid_request_error") from None
    finally:
        await stream.aclose()
    return b"".join(chunks)


def _too_slow(size: int, limits: Limits) -> ApiError:
    return ApiError(408, f"The request body did not arrive within {limits.body_timeout_s:g} s ({size:,} bytes "
                         "received); send it at once, or ask for a longer --body-timeout.", "request_timeout",
                    headers=CLOSE, limit="body_timeout_s", max=limits.body_timeout_s)


def _body_too_large(size: int, limits: Limits) -> ApiError:
    error = too_large(f"The request body ({size:,} bytes or more) is larger than this server's limit of "
                      f"{limits.max_body_bytes:,} bytes; send fewer or shorter documents.",
                      "max_body_bytes", limits.max_body_bytes)
    error.headers = CLOSE
    return error
