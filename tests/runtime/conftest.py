from __future__ import annotations

from pathlib import Path

import pytest

PLUGIN = str(Path(__file__).with_name("backends_plugin.py"))


@pytest.fixture(scope="session")
def plugin_path() -> str:
    return PLUGIN


@pytest.fixture(scope="session")
def tiny_bert(fixtures_dir) -> Path:
    return fixtures_dir / "tiny-bert"
