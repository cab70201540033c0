"""Main-window tests: real Qt offscreen, real worker processes, real runtimes on the tiny fixture models."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.hub.conftest import fake_hub, hub_env, repo  # noqa: F401 - the fake Hub, for the Models dialog tests

PLUGIN = str(Path(__file__).parents[1] / "runtime" / "backends_plugin.py")


@pytest.fixture
def window(qtbot, monkeypatch):
    """A MainWindow whose workers also know the test backends (abort, slow-onnx)."""
    monkeypatch.setenv("RERANK_PLAYGROUND_PLUGINS", PLUGIN)
    from app.ui.main_window import MainWindow

    win = MainWindow()
    qtbot.addWidget(win)
    win.show()
    yield win
    win.close()
