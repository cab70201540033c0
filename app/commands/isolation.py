"""Every command that scores runs its model in a worker process (app.runtime), as the GUI does.

A native crash of a runtime (a llama.cpp assert, a segfault) then ends only that process: the command prints
one line naming the runtime, the signal and the model, keeps what other backends finished, and exits with
``EXIT_CRASH``.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from app.core.types import BackendConfig
from app.runtime import ModelInfo, ModelWorker

# Exit status of a command whose runtime crashed or stopped answering (documented in README and --help).
EXIT_CRASH = 3


@contextmanager
def loaded(config: BackendConfig, name: str | None = None) -> Iterator[tuple[ModelWorker, ModelInfo]]:
    """A worker process with ``config`` loaded; closed on leaving, whatever happened."""
    worker = ModelWorker(name or config.backend, lower_priority=False)
    try:
        info = worker.load(config)
        yield worker, info
    finally:
        worker.close()
