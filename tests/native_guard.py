"""Keep a native crash inside one test from killing the whole test run.

Tests of the backends load native runtimes in the test process, since they look inside the loaded backend.
tests/conftest.py wraps ``registry.load`` for the whole session: before a test loads an artifact on llama.cpp
or CTranslate2 (``GUARDED``: the runtimes seen to abort or segfault on a file, a CPU or an option), the
guard loads it and scores two pairs in a worker process (app.runtime.ModelWorker, the app's own crash
isolation). onnxruntime reports bad models as Python errors, so its loads are not probed (that keeps the
suite fast). If the probe crashes (a CPU-specific fault such as the q8_0 repack on AMX, an assert on one
model), the test fails with the runtime, the signal and the model, and the artifact is never loaded in the
test process; the other tests go on. Errors that the runtime raises cleanly are left to the test, which may
expect them.

One probe worker is kept for the session (a fresh one after a crash), so a probe costs one model load, not a
process start. What this cannot catch: a crash only some test's own inputs trigger.
"""

from __future__ import annotations

import pytest

from app.core.errors import PlaygroundError
from app.core.types import BackendConfig, Document, ScoreOptions
from app.runtime import ModelWorker, WorkerCrashedError


class NativeGuard:
    GUARDED = ("gguf", "ct2")

    def __init__(self, plugins: tuple[str, ...] = ()) -> None:
        self.worker = ModelWorker("native-probe", plugins=plugins, lower_priority=False)
        self._verdicts: dict[BackendConfig, str | None] = {}

    def check(self, config: BackendConfig) -> None:
        """Fail the calling test (not the run) when ``config`` crashes its runtime in a worker process."""
        if config not in self._verdicts:
            self._verdicts[config] = self._probe(config)
        if self._verdicts[config]:
            pytest.fail(self._verdicts[config], pytrace=False)

    def _probe(self, config: BackendConfig) -> str | None:
        try:
            self.worker.load(config)  # replaces the previous probe's model; starts a fresh process after a crash
            self.worker.score("what is a probe", [Document("a probe is a test"), Document("stocks fell")],
                              ScoreOptions(batch_size=1))
        except WorkerCrashedError as exc:
            return (f"{exc.summary}, in a probe worker process: not loaded in the test process, where it would "
                    "take the whole test run down")
        except PlaygroundError:
            return None  # a clean error: the test may be checking for it
        return None

    def close(self) -> None:
        self.worker.close()
