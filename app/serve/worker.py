"""The model worker behind ``serve``: the model runs in a worker process; requests are queued and batched.

Requests arrive on the event loop and wait in an asyncio queue. The batcher takes the first one, collects
whatever else arrives within ``window_ms`` (up to ``max_batch_documents`` documents), and groups the jobs by
(query, options): each group is ONE scoring call to the model's worker process (app.runtime.ModelWorker, the
same layer as the GUI's columns), whose results are split back per request. Groups with different queries run
back-to-back. If a combined call fails, each job of the group is retried alone, so one bad request never fails
its neighbours.

A native crash of the runtime (or a worker that stops answering) ends only the worker process: the requests of
that call get ``ModelUnavailableError`` (HTTP 503, with the reason), the batcher starts a fresh worker and
loads the model again before the next group, and the server stays up. A model that no longer loads (its file
was replaced or truncated) keeps answering 503 with the load error, and the load is retried at most every
``retry_s`` seconds.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace

from app.core.errors import PlaygroundError
from app.core.fidelity import COLLAPSE_EPS
from app.core.types import BackendConfig, Document, FidelityWarning, ScoreOptions, ScoreRun
from app.runtime import ModelInfo, ModelWorker, WorkerCrashedError
from app.runtime.model_worker import describe_exit

log = logging.getLogger(__name__)

# Warnings computed from a run's results; recomputed per request after a batched call is split.
_RESULT_CODES = {"collapsed", "truncated", "empty_documents"}


class ModelUnavailableError(PlaygroundError):
    """The model's worker crashed (it is being restarted) or cannot be loaded again: HTTP 503."""


@dataclass(eq=False)
class _Job:
    query: str
    texts: tuple[str, ...]
    options: ScoreOptions
    future: asyncio.Future


@dataclass(frozen=True)
class ServedFamily:
    name: str
    max_length: int


@dataclass(frozen=True)
class ServedModel:
    """What the HTTP layer shows of the loaded model (from the worker's ``ModelInfo``)."""

    name: str  # the backend
    model_name: str
    device: str
    precision: str
    family: ServedFamily
    static_warnings: tuple[FidelityWarning, ...]

    @classmethod
    def from_info(cls, info: ModelInfo) -> ServedModel:
        return cls(info.backend, info.model, info.device, info.precision, ServedFamily(info.family, info.max_length),
                   tuple(info.warnings))


class ScoringWorker:
    """Loads one model in a worker process and scores queued requests there, batched; restarts it on a crash."""

    def __init__(self, config: BackendConfig, window_ms: float = 2.0, max_batch_documents: int = 256,
                 plugins: Sequence[str] | None = None, retry_s: float = 5.0) -> None:
        self.config = config
        self.window_s = max(0.0, window_ms) / 1000.0
        self.max_batch_documents = max(1, max_batch_documents)
        self.retry_s = retry_s
        self._model = ModelWorker("serve", plugins=plugins, lower_priority=False)
        # One thread, never more: only it talks to the worker process, one call at a time.
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="rerank-model")
        self.backend: ServedModel | None = None
        self._queue: asyncio.Queue[_Job] | None = None
        self._task: asyncio.Task | None = None
        self.requests = 0  # scored requests, and the model calls they took (batching at work)
        self.backend_calls = 0
        self.restarts = 0
        self._down: str | None = None  # why the model went down (a crash), until it is loaded again
        self._reload_error: str | None = None  # why loading it again failed
        self._last_attempt = 0.0

    @property
    def pid(self) -> int | None:
        """The worker process holding the model (tests kill it to check the recovery)."""
        return self._model.pid

    @property
    def status(self) -> str:
        return "ok" if self.problem is None else "unavailable"

    # -- lifecycle -------------------------------------------------------------------------------------
    def load(self) -> None:
        """Load the model in the worker process (blocking); raises the backend's PlaygroundError."""
        self._executor.submit(self._load).result()

    def _load(self) -> None:  # on the model thread
        self.backend = ServedModel.from_info(self._model.load(self.config))

    async def start(self) -> None:
        if self.backend is None:
            await asyncio.get_running_loop().run_in_executor(None, self.load)
        self._queue = asyncio.Queue()
        self._task = asyncio.create_task(self._batcher(), name="rerank-batcher")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            try:
                await self._task
            except asyncio.CancelledError:
                pass
        self.close()

    def close(self) -> None:
        self._executor.submit(self._model.close).result()
        self._executor.shutdown(wait=True)

    # -- scoring ---------------------------------------------------------------------------------------
    async def score(self, query: str, texts: tuple[str, ...], options: ScoreOptions) -> ScoreRun:
        if self._queue is None:
            raise RuntimeError("ScoringWorker.start() was not awaited")
        self.requests += 1
        future = asyncio.get_running_loop().create_future()
        await self._queue.put(_Job(query, tuple(texts), options, future))
        return await future

    async def _batcher(self) -> None:
        assert self._queue is not None
        while True:
            batch = await self._collect(await self._queue.get())
            for group in _group(batch):
                await self._run_group(group)

    async def _collect(self, first: _Job) -> list[_Job]:
        assert self._queue is not None
        loop = asyncio.get_running_loop()
        batch, count = [first], len(first.texts)
        deadline = loop.time() + self.window_s
        while count < self.max_batch_documents:
            try:
                if self._queue.empty():
                    remaining = deadline - loop.time()
                    if remaining <= 0:
                        break
                    job = await asyncio.wait_for(self._queue.get(), remaining)
                else:
                    job = self._queue.get_nowait()
            except asyncio.TimeoutError:
                break
            batch.append(job)
            count += len(job.texts)
        return batch

    async def _run_group(self, group: list[_Job]) -> None:
        live = [j for j in group if not j.future.done()]  # a client that went away cancels its future
        if not live:
            return
        try:
            await self._ensure_model()
        except ModelUnavailableError as exc:
            for job in live:
                _settle(job, exc=exc)
            return
        texts = [t for j in live for t in j.texts]
        try:
            run = await self._call(live[0].query, texts, live[0].options)
        except WorkerCrashedError as exc:  # the call took the whole group down with it: 503, then restart
            error = self._crashed(exc.summary)
            for job in live:
                _settle(job, exc=error)
            return
        except Exception as exc:  # noqa: BLE001 - handed to the waiting request(s)
            if len(live) == 1:
                _settle(live[0], exc=exc)
                return
            for job in live:  # retry alone: one job's bad input must not fail the others
                await self._run_group([job])
            return
        for job, part in zip(live, split_run(run, [len(j.texts) for j in live], [j.texts for j in live])):
            _settle(job, result=part)

    def _crashed(self, summary: str) -> ModelUnavailableError:
        log.error("%s; restarting the model's worker", summary)
        self._down, self._reload_error = f"{summary[0].upper()}{summary[1:]}", None
        self._last_attempt = 0.0  # restart at once, before the next request
        return ModelUnavailableError(f"{self._down}. The server restarts the model: retry the request.")

    @property
    def problem(self) -> str | None:
        """Why the model is unavailable now (None: it is up)."""
        if self._down is None:
            return None
        return self._down + (f". Loading it again failed: {self._reload_error}" if self._reload_error else "")

    async def _ensure_model(self) -> None:
        """Before a call: a worker that died since the last one is noted; a missing model is loaded again."""
        if self._down is None and not self._model.alive:
            code = describe_exit(self._model.exitcode)
            self._crashed(f"the {self.config.backend} runtime's worker process ended ({code}) between requests")
        if self._down is None:
            return
        if time.monotonic() - self._last_attempt < self.retry_s:
            raise ModelUnavailableError(f"{self.problem}. The server tries again within {self.retry_s:.0f} s.")
        self._last_attempt = time.monotonic()
        try:
            await asyncio.get_running_loop().run_in_executor(self._executor, self._load)
        except PlaygroundError as exc:
            self._reload_error = exc.summary if isinstance(exc, WorkerCrashedError) else str(exc)
            log.error("the model could not be loaded again: %s", self._reload_error)
            raise ModelUnavailableError(f"{self.problem}. The server tries again within {self.retry_s:.0f} s.") \
                from exc
        self.restarts += 1
        log.warning("model loaded again in a fresh worker (pid %s) after: %s", self.pid, self._down)
        self._down, self._reload_error = None, None

    async def _call(self, query: str, texts: list[str], options: ScoreOptions) -> ScoreRun:
        self.backend_calls += 1
        docs = [Document(t) for t in texts]
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._executor, lambda: self._model.score(query, docs, options))


def _settle(job: _Job, result: ScoreRun | None = None, exc: BaseException | None = None) -> None:
    if job.future.done():
        return
    if exc is not None:
        job.future.set_exception(exc)
    else:
        job.future.set_result(result)


def _group(batch: list[_Job]) -> list[list[_Job]]:
    """Jobs with the same query and options, in order of first arrival."""
    groups: dict[tuple, list[_Job]] = {}
    for job in batch:
        groups.setdefault((job.query, job.options), []).append(job)
    return list(groups.values())


def split_run(run: ScoreRun, sizes: list[int], texts: list[tuple[str, ...]]) -> list[ScoreRun]:
    """Cut a run over concatenated documents back into one run per request, indices renumbered."""
    if len(sizes) == 1:
        return [run]
    kept = [w for w in run.warnings if w.code not in _RESULT_CODES]
    out, start = [], 0
    for n, job_texts in zip(sizes, texts):
        results = tuple(replace(r, index=r.index - start) for r in run.results[start:start + n])
        warnings = (*kept, *_result_warnings(results, job_texts))
        out.append(replace(run, results=results, warnings=warnings))
        start += n
    return out


def _result_warnings(results, texts: tuple[str, ...]) -> list[FidelityWarning]:
    out = []
    scores = [r.score for r in results]
    if len(scores) >= 3 and max(scores) - min(scores) < COLLAPSE_EPS:
        out.append(FidelityWarning("collapsed", f"All {len(scores)} scores lie within {COLLAPSE_EPS:g} of each "
                                   "other: the model's output has collapsed; the ranking means nothing."))
    cut = sum(1 for r in results if r.truncated)
    if cut:
        out.append(FidelityWarning("truncated", f"{cut} of {len(results)} documents were cut at the model's "
                                   "token limit (the document end was not scored)."))
    empty = [str(i + 1) for i, t in enumerate(texts) if not t.strip()]
    if empty:
        out.append(FidelityWarning("empty_documents", f"Document(s) {', '.join(empty[:10])} are empty; they "
                                   "were scored as an empty passage."))
    return out
