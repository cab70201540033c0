"""ModelWorker against real worker processes and the real ONNX runtime on the tiny BERT fixture."""

from __future__ import annotations

import threading

import pytest

from app.core.errors import BadInputError, CancelledError, ModelLoadError
from app.core.types import BackendConfig, Document, ScoreOptions
from app.runtime import ModelWorker, WorkerCrashedError


@pytest.fixture
def worker(plugin_path):
    w = ModelWorker("test", plugins=[plugin_path])
    yield w
    w.close()


def _france(references):
    pairs = references["pairs"]
    picked = [i for i, p in enumerate(pairs) if p["query"] == pairs[0]["query"]]
    return pairs[0]["query"], [Document(pairs[i]["document"]) for i in picked], picked


def test_scores_match_reference_and_report_progress(worker, tiny_bert, references):
    info = worker.load(BackendConfig(str(tiny_bert), "onnx", file="onnx/model.onnx"))
    assert info.backend == "onnx" and info.family == "bert" and "CPUExecutionProvider" in info.device
    query, docs, picked = _france(references)
    seen = []
    run = worker.score(query, docs, ScoreOptions(batch_size=1), progress=lambda d, t: seen.append((d, t)))
    expected = [references["models"]["tiny-bert"]["normalized"][i] for i in picked]
    assert run.scores == pytest.approx(expected, abs=1e-4)
    assert seen[0] == (0, len(docs)) and seen[-1] == (len(docs), len(docs))


def test_warm_model_is_reused(worker, tiny_bert):
    config = BackendConfig(str(tiny_bert), "onnx", file="onnx/model_quantized.onnx")
    first = worker.ensure_loaded(config)
    pid = worker.pid
    assert worker.ensure_loaded(config) is first and worker.pid == pid


def test_load_error_keeps_worker_usable(worker, tiny_bert, tmp_path):
    with pytest.raises(ModelLoadError, match="Model not found"):
        worker.load(BackendConfig(str(tmp_path / "missing"), "onnx"))
    assert worker.alive
    worker.load(BackendConfig(str(tiny_bert), "onnx", file="onnx/model_quantized.onnx"))
    with pytest.raises(BadInputError, match="query is empty"):
        worker.score("  ", [Document("x")], ScoreOptions())
    assert len(worker.score("q", [Document("x")], ScoreOptions()).results) == 1


def test_native_abort_is_reported_and_worker_restarts(worker, tiny_bert):
    config = BackendConfig(str(tiny_bert), "abort", file="onnx/model_quantized.onnx")
    worker.load(config)
    with pytest.raises(WorkerCrashedError, match=r"abort runtime crashed \(signal 6, SIGABRT\) while scoring"):
        worker.score("q", [Document("a"), Document("b")], ScoreOptions())
    assert not worker.alive
    worker.load(BackendConfig(str(tiny_bert), "onnx", file="onnx/model_quantized.onnx"))
    assert worker.score("q", [Document("a")], ScoreOptions()).results[0].index == 0


def test_cancel_stops_at_next_batch_and_model_stays_warm(worker, tiny_bert):
    worker.load(BackendConfig(str(tiny_bert), "slow-onnx", file="onnx/model_quantized.onnx"))
    docs = [Document(f"document number {i}") for i in range(200)]
    started, outcome = threading.Event(), {}

    def progress(done, total):
        if done > 0:
            started.set()

    def job():
        try:
            outcome["run"] = worker.score("q", docs, ScoreOptions(batch_size=4), progress=progress)
        except CancelledError as exc:
            outcome["error"] = exc

    thread = threading.Thread(target=job)
    thread.start()
    assert started.wait(30)
    worker.cancel()
    thread.join(10)
    assert "error" in outcome and "run" not in outcome
    assert worker.alive
    assert len(worker.score("q", docs[:3], ScoreOptions()).results) == 3


def test_close_stops_the_process(tiny_bert):
    w = ModelWorker("closing")
    w.load(BackendConfig(str(tiny_bert), "onnx", file="onnx/model_quantized.onnx"))
    proc = w._proc
    w.close()
    assert not proc.is_alive() and proc.exitcode == 0


def test_segfault_is_reported_with_its_signal(worker, tiny_bert):
    worker.load(BackendConfig(str(tiny_bert), "segv", file="onnx/model_quantized.onnx"))
    with pytest.raises(WorkerCrashedError) as caught:
        worker.score("q", [Document("a")], ScoreOptions())
    assert caught.value.runtime == "segv" and caught.value.cause == "signal 11, SIGSEGV"
    assert caught.value.summary.startswith("the segv runtime crashed (signal 11, SIGSEGV) while scoring 1 documents")


def test_stopped_worker_fails_the_call_and_is_replaced(plugin_path, tiny_bert):
    """SIGSTOP on the worker mid-run: the call fails within the grace period instead of waiting forever."""
    import os
    import signal
    import time

    from app.runtime import WorkerStalledError

    w = ModelWorker("stopped", plugins=[plugin_path], stopped_grace_s=1.0)
    try:
        w.load(BackendConfig(str(tiny_bert), "slow-onnx", file="onnx/model_quantized.onnx"))
        pid = w.pid

        def progress(done, total):
            if done > 0 and w.pid == pid:
                os.kill(pid, signal.SIGSTOP)

        started = time.monotonic()
        with pytest.raises(WorkerStalledError, match="stopped answering while scoring"):
            w.score("q", [Document(f"doc {i}") for i in range(100)], ScoreOptions(batch_size=4), progress=progress)
        assert time.monotonic() - started < 15
        assert not w.alive
        w.load(BackendConfig(str(tiny_bert), "onnx", file="onnx/model_quantized.onnx"))
        assert w.pid != pid and len(w.score("q", [Document("a")], ScoreOptions()).results) == 1
    finally:
        w.close()


def test_a_long_silent_call_is_not_a_stall(plugin_path, tiny_bert):
    """A worker that computes for longer than the grace period without a word is busy, not stopped."""
    w = ModelWorker("busy", plugins=[plugin_path], stopped_grace_s=0.2)
    try:
        w.load(BackendConfig(str(tiny_bert), "sleepy", file="onnx/model.onnx"))  # fp32: both pairs in one batch
        seen = []
        run = w.score("q", [Document("a"), Document("b")], ScoreOptions(batch_size=2),
                      progress=lambda d, t: seen.append(d))
        assert len(run.results) == 2 and seen == [0, 2]  # nothing arrived during the 1.5 s batch
    finally:
        w.close()
