"""A deadline for a request's headers, which uvicorn does not have.

uvicorn closes a keep-alive connection that stays idle after a response, but a connection that never sends a
complete request (opened and left silent, or headers dribbled a byte at a time) is kept forever. The protocol
class made here arms a timer when a connection opens and after each response; the timer is disarmed as soon as
a request's headers are complete (uvicorn then has a request cycle running). When it fires, the client gets
408 and the connection is closed. The body has its own deadline (app/serve/body.py).

It subclasses uvicorn's own HTTP protocol (h11 or httptools, whichever ``auto`` picks) and relies on two of its
attributes, ``cycle`` (with ``response_complete``) and ``on_response_complete``; if a uvicorn version lacks
them, :func:`protocol_class` answers None and uvicorn's plain protocol is used.
"""

from __future__ import annotations

import asyncio
import json
import logging

log = logging.getLogger(__name__)


def _timeout_response(seconds: float) -> bytes:
    message = (f"The request headers did not arrive within {seconds:g} s; the connection is closed. Send the "
               "whole request at once.")
    body = json.dumps({"error": {"message": message, "type": "request_timeout", "limit": "header_timeout_s",
                                 "max": seconds}, "message": message}).encode()
    return (b"HTTP/1.1 408 Request Timeout\r\nContent-Type: application/json\r\nConnection: close\r\n"
            b"Content-Length: " + str(len(body)).encode() + b"\r\n\r\n" + body)


def protocol_class(header_timeout_s: float) -> type[asyncio.Protocol] | None:
    """uvicorn's auto HTTP protocol with a header deadline, or None when this uvicorn cannot take one."""
    from uvicorn.config import HTTP_PROTOCOLS
    from uvicorn.importer import import_from_string

    base = import_from_string(HTTP_PROTOCOLS["auto"])
    if not all(hasattr(base, name) for name in ("on_response_complete", "data_received", "connection_made")):
        log.warning("uvicorn %s: no request-header deadline (its protocol changed)", base.__name__)
        return None
    response = _timeout_response(header_timeout_s)

    class HeaderDeadline(base):  # type: ignore[misc, valid-type]
        _deadline: asyncio.TimerHandle | None = None

        def connection_made(self, transport) -> None:  # type: ignore[override]
            super().connection_made(transport)
            self._arm()

        def connection_lost(self, exc) -> None:
            self._disarm()
            super().connection_lost(exc)

        def data_received(self, data: bytes) -> None:
            super().data_received(data)
            if self._in_request():
                self._disarm()

        def on_response_complete(self) -> None:
            super().on_response_complete()
            if not self._in_request():  # a pipelined request may already have started
                self._arm()

        def _in_request(self) -> bool:
            cycle = getattr(self, "cycle", None)
            return cycle is not None and not getattr(cycle, "response_complete", True)

        def _arm(self) -> None:
            self._disarm()
            self._deadline = asyncio.get_running_loop().call_later(header_timeout_s, self._expired)

        def _disarm(self) -> None:
            if self._deadline is not None:
                self._deadline.cancel()
                self._deadline = None

        def _expired(self) -> None:
            self._deadline = None
            transport = getattr(self, "transport", None)
            if transport is None or transport.is_closing() or self._in_request():
                return
            transport.write(response)
            transport.close()

    HeaderDeadline.__name__ = f"HeaderDeadline{base.__name__}"
    return HeaderDeadline
