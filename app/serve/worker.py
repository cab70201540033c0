"""The model worker behind ``serve``: one thread owns the loaded backend; requests are queued and batched.

Requests arrive on the event loop and wait in an asyncio queue. The batcher takes the first one, collects
whatever else arrives within ``window_ms`` (up to ``max_batch_documents`` documents), and groups the jobs by
(query, options): each group is ONE ``backend.score`` call on the model thread, whose results are split
back per request. Groups with different queries run back-to-back. If a combined call fails, each job of the
group is retried alone, so one bad request never fails its neighbours.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace

from app.core.fidelity import COLLAPSE_EPS
from app.core.types import BackendConfig, FidelityWarning, ScoreOptions, ScoreRun

log = logging.getLogger(__name__)

# Warnings computed from a run's results; recomputed per request after a batched call is split.
_RESULT_CODES = {"collapsed", "truncated", "empty_documents"}


@dataclass(eq=False)
class _Job:
    query: str
    texts: tuple[str, ...]
    options: ScoreOptions
    future: asyncio.Future


class ScoringWorker:
    """Loads one backend on its own thread and scores queued requests there, batched."""

    def __init__(self, config: BackendConfig, window_ms: float = 2.0, max_batch_documents: int = 256,
                 loader: Callable | None = None) -> None:
        self.config = config
        self.window_s = max(0.0, window_ms) / 1000.0
        self.max_batch_documents = max(1, max_batch_documents)
        self._loader = loader
        # One thread, never more: the backend's model object is only ever used by this thread.
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="rerank-model")
        self.backend = None
        self._queue: asyncio.Queue[_Job] | None = None
        self._task: asyncio.Task | None = None
        self.requests = 0  # scored requests, and the backend calls they took (batching at work)
        self.backend_calls = 0

    # -- lifecycle -------------------------------------------------------------------------------------
    def load(self) -> None:
        """Load the model on the model thread (blocking); raises the backend's PlaygroundError."""
        from app.backends import registry

        loader = self._loader or registry.load
        self.backend = self._executor.submit(loader, self.config).result()

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
        if self.backend is not None:
            backend, self.backend = self.backend, None
            self._executor.submit(backend.close).result()
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
        texts = [t for j in live for t in j.texts]
        try:
            run = await self._call(live[0].query, texts, live[0].options)
        except Exception as exc:  # noqa: BLE001 - handed to the waiting request(s)
            if len(live) == 1:
                _settle(live[0], exc=exc)
                return
            for job in live:  # retry alone: one job's bad input must not fail the others
                await self._run_group([job])
            return
        for job, part in zip(live, split_run(run, [len(j.texts) for j in live], [j.texts for j in live])):
            _settle(job, result=part)

    async def _call(self, query: str, texts: list[str], options: ScoreOptions) -> ScoreRun:
        backend = self.backend
        self.backend_calls += 1
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._executor, lambda: backend.score(query, texts, options))


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
