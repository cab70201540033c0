"""Crashes, cancels, failed loads and bad input: a message in the window, nothing entered is lost."""

from __future__ import annotations

from uihelpers import group, run_and_wait, set_input, view_rows

from app.core.types import BackendConfig, Document
from app.ui.columns import controller as states


def test_native_abort_fails_only_its_column(qtbot, window, fixtures_dir, references):
    model = str(fixtures_dir / "tiny-bert")
    good = window.add_column(BackendConfig(model, "onnx", file="onnx/model_quantized.onnx"))
    bad = window.add_column(BackendConfig(model, "abort", file="onnx/model_quantized.onnx"))
    query, docs, _ = group(references, 0)
    set_input(window, query, docs)
    run_and_wait(qtbot, window)
    assert good.controller.state == states.DONE and len(view_rows(good)) == 3
    assert bad.controller.state == states.FAILED
    assert "crashed (signal 6, SIGABRT)" in bad.error.text() and bad.error.isVisibleTo(window)
    assert bad.property("failed") is True
    assert "failed" in window.message_bar.text()
    # the app and the good column keep working; the crashed column restarts (and crashes again) on Run
    run_and_wait(qtbot, window)
    assert good.controller.state == states.DONE and bad.controller.state == states.FAILED
    assert window.query_panel.query() == query and window.documents_panel.documents() == docs


def test_cancel_mid_run(qtbot, window, fixtures_dir):
    model = str(fixtures_dir / "tiny-bert")
    slow = window.add_column(BackendConfig(model, "slow-onnx", file="onnx/model_quantized.onnx"))
    slow.controller.set_spec(slow.controller.spec.__class__(
        slow.controller.spec.name, slow.controller.spec.config,
        slow.controller.spec.options.__class__(batch_size=2)))
    docs = [Document(f"document {i} about nothing in particular") for i in range(300)]
    set_input(window, "anything", docs)
    progress = []
    slow.controller.progressChanged.connect(lambda d, t: progress.append((d, t)))
    with qtbot.waitSignal(window.runFinished, timeout=60_000):
        window.run()
        qtbot.waitUntil(lambda: any(d > 0 for d, _ in progress), timeout=30_000)
        assert window.actions_.cancel.isEnabled()
        window.cancel()
    assert slow.controller.state == states.CANCELLED
    assert max(d for d, _ in progress) < 300
    assert slow.footer.text() == "Cancelled."
    assert window.actions_.run.isEnabled() and not window.actions_.cancel.isEnabled()


def test_model_that_fails_to_load(qtbot, window, tmp_path, references):
    widget = window.add_column(BackendConfig(str(tmp_path / "no-such-model"), "onnx"))
    query, docs, _ = group(references, 0)
    set_input(window, query, docs)
    run_and_wait(qtbot, window)
    assert widget.controller.state == states.FAILED
    assert "Model not found" in widget.error.text() and "no-such-model" in widget.error.text()
    assert window.query_panel.query() == query and window.documents_panel.documents() == docs


def test_bad_input_messages_keep_what_was_entered(qtbot, window, fixtures_dir):
    assert not window.run()
    assert "no columns" in window.message_bar.text()
    widget = window.add_column(BackendConfig(str(fixtures_dir / "tiny-bert"), "onnx",
                                             file="onnx/model_quantized.onnx"))
    set_input(window, "   ", [Document("kept document")])
    assert not window.run()
    assert "query is empty" in window.message_bar.text()
    assert window.documents_panel.documents() == [Document("kept document")]
    set_input(window, "kept query", [])
    assert not window.run()
    assert "no documents" in window.message_bar.text()
    assert window.query_panel.query() == "kept query"
    assert widget.controller.state == states.IDLE and not window.busy
