"""Every path the app uses, in one place (platformdirs; RERANK_PLAYGROUND_HOME overrides). Nothing at import."""

from __future__ import annotations

import os
import sys
from pathlib import Path

APP_NAME = "rerank-playground"


def app_home() -> Path:
    override = os.environ.get("RERANK_PLAYGROUND_HOME")
    if override:
        return Path(override).expanduser()
    from platformdirs import user_data_path

    return user_data_path(APP_NAME, appauthor=False)


def resources_dir() -> Path:
    """``resources/`` beside the package, or inside a PyInstaller bundle."""
    bundle = getattr(sys, "_MEIPASS", None)
    if bundle:
        return Path(bundle) / "resources"
    return Path(__file__).resolve().parent.parent / "resources"


def starter_model_dir() -> Path | None:
    path = resources_dir() / "models" / "starter"
    return path if (path / "config.json").is_file() else None


def sessions_dir() -> Path:
    return app_home() / "sessions"


def cache_dir() -> Path:
    """Derived files the app can rebuild (e.g. fused ONNX graphs of read-only models)."""
    return app_home() / "cache"
