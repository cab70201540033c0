"""Ctrl+C in the terminal and SIGTERM (``kill``, a service manager, some logouts) close the window the way its
close button does: the workspace is saved as the last session and the worker processes stop.

Qt's event loop runs in C++, where Python signal handlers never get a turn; ``signal.set_wakeup_fd`` makes the
interpreter write a byte to a socket that a QSocketNotifier watches, so the loop wakes up, runs a little Python,
and with it the handler, which schedules ``close`` on the GUI thread.
"""

from __future__ import annotations

import signal
import socket
from collections.abc import Callable

from PySide6.QtCore import QObject, QSocketNotifier, QTimer

SIGNALS = tuple(s for s in (getattr(signal, "SIGINT", None), getattr(signal, "SIGTERM", None)) if s is not None)


class CloseOnSignals(QObject):
    """Routes SIGINT / SIGTERM to ``close()`` (once). ``active`` is False where signals cannot be routed (not the
    main thread); ``restore()`` puts the previous handlers back (tests)."""

    def __init__(self, close: Callable[[], object], parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._close, self._closing = close, False
        self._receive, self._send = socket.socketpair()
        self._receive.setblocking(False)
        self._send.setblocking(False)
        self._previous: dict[int, object] = {}
        try:
            self._previous_fd = signal.set_wakeup_fd(self._send.fileno())
        except ValueError:  # only the main thread may route signals
            self.active = False
            self._receive.close()
            self._send.close()
            return
        self.active = True
        for number in SIGNALS:
            self._previous[number] = signal.signal(number, self._on_signal)
        self._notifier = QSocketNotifier(self._receive.fileno(), QSocketNotifier.Type.Read, self)
        self._notifier.activated.connect(self._drain)

    def _on_signal(self, _signum, _frame) -> None:  # runs on the main thread, inside _drain or any Python slot
        if not self._closing:
            self._closing = True
            QTimer.singleShot(0, self._close)

    def _drain(self) -> None:
        try:
            while self._receive.recv(64):
                pass
        except OSError:
            pass

    def restore(self) -> None:
        if self.active:
            for number, handler in self._previous.items():
                signal.signal(number, handler)
            signal.set_wakeup_fd(self._previous_fd)
            self._notifier.setEnabled(False)
            self.active = False
            self._receive.close()
            self._send.close()
