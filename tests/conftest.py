"""Shared test setup: Qt offscreen, no network to the real Hub, paths to the tiny fixture models."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")
# No test may reach the real Hub: point huggingface_hub at a closed local port unless a test overrides it.
os.environ.setdefault("HF_ENDPOINT", "http://127.0.0.1:9")

FIXTURES = Path(__file__).parent / "fixtures" / "models"


@pytest.fixture(scope="session")
def fixtures_dir() -> Path:
    return FIXTURES


@pytest.fixture(scope="session")
def references() -> dict:
    return json.loads((FIXTURES / "references.json").read_text(encoding="utf-8"))


@pytest.fixture(autouse=True)
def _isolated_home(tmp_path_factory, monkeypatch):
    """Settings, sessions and caches of the app go to a temporary folder in every test."""
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("RERANK_PLAYGROUND_HOME", str(home))


@pytest.fixture(scope="session")
def native_guard():
    """``native_guard.check(config)``: try an artifact in a worker process first (tests/native_guard.py)."""
    from tests.native_guard import NativeGuard

    guard = NativeGuard()
    yield guard
    guard.close()


@pytest.fixture(scope="session", autouse=True)
def _native_loads_guarded(native_guard):
    """Every ``registry.load`` of a test in the test process tries the artifact in a worker process first, so a
    runtime that crashes on it fails that test instead of killing the whole run (tests/native_guard.py)."""
    from app.backends import registry

    real = registry.load

    def load(config):
        if config.backend in native_guard.GUARDED:
            native_guard.check(config)
        return real(config)

    registry.load = load
    yield
    registry.load = real


def pytest_collection_modifyitems(config, items):
    """Tests marked ``convert`` need the convert extra (torch, transformers, onnx): skipped, with the reason,
    where it is missing (the base venv). CI runs them in a second venv with ``.[test,convert]``."""
    marked = [item for item in items if item.get_closest_marker("convert")]
    if not marked:
        return
    from app.backends.registry import unavailable_reason

    reason = unavailable_reason("torch")
    if reason is None:
        try:
            import onnx  # noqa: F401 - the ONNX exporter's dependency
        except ImportError as exc:
            reason = f"onnx is not installed ({exc})"
    if reason:
        skip = pytest.mark.skip(reason=f"needs the convert extra (pip install -e '.[test,convert]'): {reason}")
        for item in marked:
            item.add_marker(skip)
