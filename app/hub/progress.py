"""Download progress: bytes, speed and ETA, reported through a callback at most ten times a second."""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

_WINDOW_S = 5.0  # speed is measured over the last few seconds, so a stall shows quickly
_MIN_INTERVAL_S = 0.1


@dataclass(frozen=True)
class DownloadProgress:
    repo_id: str
    artifact: str
    file: str  # the file being worked on
    file_index: int  # 1-based
    file_count: int
    done_bytes: int  # bytes on disk for this pull, including resumed partial files
    total_bytes: int  # bytes this pull has to bring to disk
    speed_bps: float
    eta_s: float | None  # None while the speed is unknown
    state: str  # "downloading", "retrying", "verifying", "done"
    message: str = ""

    @property
    def fraction(self) -> float:
        return 1.0 if self.total_bytes <= 0 else min(1.0, self.done_bytes / self.total_bytes)


class Meter:
    """Counts bytes and turns them into throttled DownloadProgress events."""

    def __init__(self, repo_id: str, artifact: str, total: int, initial: int, file_count: int,
                 callback: Callable[[DownloadProgress], None] | None, clock: Callable[[], float] = time.monotonic):
        self.repo_id, self.artifact, self.total, self.done = repo_id, artifact, total, initial
        self.file_count, self.callback, self.clock = file_count, callback, clock
        self.transferred = 0
        self.current, self.index = "", 0
        self._samples: deque[tuple[float, int]] = deque([(clock(), 0)])
        self._last_emit = 0.0

    def speed(self) -> float:
        now = self.clock()
        while len(self._samples) > 1 and now - self._samples[0][0] > _WINDOW_S:
            self._samples.popleft()
        t0, b0 = self._samples[0]
        return (self.transferred - b0) / (now - t0) if now > t0 else 0.0

    def _emit(self, state: str, message: str = "", force: bool = False) -> None:
        if self.callback is None:
            return
        now = self.clock()
        if not force and now - self._last_emit < _MIN_INTERVAL_S:
            return
        self._last_emit = now
        speed = self.speed()
        eta = (self.total - self.done) / speed if speed > 0 else None
        self.callback(DownloadProgress(self.repo_id, self.artifact, self.current, self.index, self.file_count,
                                       self.done, self.total, speed, eta, state, message))

    def file(self, path: str, index: int) -> None:
        self.current, self.index = path, index
        self._emit("downloading", force=True)

    def add(self, n: int) -> None:
        """``n`` bytes written (negative when a partial file had to be dropped)."""
        self.done += n
        if n > 0:
            self.transferred += n
            self._samples.append((self.clock(), self.transferred))
        self._emit("downloading")

    def retrying(self, error: str, delay: float) -> None:
        self._emit("retrying", f"{error}; resuming in {delay:.1f} s", force=True)

    def state(self, state: str) -> None:
        self._emit(state, force=True)
