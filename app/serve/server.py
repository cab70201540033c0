"""Running the ASGI app with uvicorn: in the foreground (CLI) or on a background thread (tests, GUI)."""

from __future__ import annotations

import logging
import socket
import threading
import time

log = logging.getLogger(__name__)


HEADER_TIMEOUT_S = 30.0  # a client's request headers must be complete within this (uvicorn has no such limit)


def _config(app, host: str, port: int, log_level: str, header_timeout_s: float = HEADER_TIMEOUT_S):
    import uvicorn

    from app.serve.header_timeout import protocol_class

    # lifespan "on": the model worker starts with the server and stops with it.
    return uvicorn.Config(app, host=host, port=port, log_level=log_level, lifespan="on", access_log=False,
                          timeout_graceful_shutdown=5, http=protocol_class(header_timeout_s) or "auto")


def bind(host: str, port: int) -> socket.socket:
    """A listening-ready socket on host:port; a clear BadInputError when the address cannot be used."""
    from app.core.errors import BadInputError

    sock = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        raise BadInputError(f"Cannot listen on {host}:{port} ({exc.strerror or exc}); the port may be in use: "
                            "choose another with --port, or check --host.") from exc
    return sock


def serve_forever(app, sock: socket.socket, log_level: str = "info",
                  header_timeout_s: float = HEADER_TIMEOUT_S) -> None:
    """Serve on an already bound socket until Ctrl+C (uvicorn handles the signals)."""
    import uvicorn

    host, port = sock.getsockname()[:2]
    try:
        uvicorn.Server(_config(app, host, port, log_level, header_timeout_s)).run(sockets=[sock])
    finally:
        sock.close()


class ServerThread:
    """uvicorn on a daemon thread, bound to a socket we open first (port 0 = a free port)."""

    def __init__(self, app, host: str = "127.0.0.1", port: int = 0, log_level: str = "warning",
                 header_timeout_s: float = HEADER_TIMEOUT_S) -> None:
        import uvicorn

        self._sock = bind(host, port)
        self.host, self.port = host, self._sock.getsockname()[1]
        self.server = uvicorn.Server(_config(app, host, self.port, log_level, header_timeout_s))
        self._thread = threading.Thread(target=self.server.run, kwargs={"sockets": [self._sock]},
                                        name="rerank-serve", daemon=True)

    @property
    def url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    def start(self, timeout: float = 60.0) -> str:
        """Start and wait until the app (and its model) is up; returns the base URL."""
        self._thread.start()
        deadline = time.monotonic() + timeout
        while not self.server.started:
            if not self._thread.is_alive():
                raise RuntimeError("the server stopped during start-up (see the log above)")
            if time.monotonic() > deadline:
                self.stop()
                raise TimeoutError(f"the server did not start within {timeout:.0f} s")
            time.sleep(0.02)
        return self.url

    def stop(self, timeout: float = 15.0) -> None:
        self.server.should_exit = True
        if self._thread.is_alive():
            self._thread.join(timeout)
        self._sock.close()

    def __enter__(self) -> ServerThread:
        self.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop()
