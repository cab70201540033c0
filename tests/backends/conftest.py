from __future__ import annotations

import pytest

from app.backends import registry
from app.core.types import BackendConfig

_cache: dict = {}


@pytest.fixture(scope="session")
def load_backend(fixtures_dir):
    """Load (once per session) a fixture model: load_backend("tiny-bert", "onnx", "onnx/model.onnx")."""

    def load(model: str, backend: str, file: str | None = None, **kw):
        key = (model, backend, file, tuple(sorted(kw.items())))
        if key not in _cache:
            _cache[key] = registry.load(BackendConfig(str(fixtures_dir / model), backend, file=file, **kw))
        return _cache[key]

    yield load
    for b in _cache.values():
        b.close()
    _cache.clear()
