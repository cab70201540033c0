"""Small JSON records the model manager keeps beside the app's data: last-used times and imported models."""

from __future__ import annotations

import json
import logging
import os
import tempfile
import time
from pathlib import Path

from app.paths import app_home

log = logging.getLogger(__name__)


def hub_data_dir() -> Path:
    return app_home() / "hub"


def read_json(name: str, default):
    path = hub_data_dir() / name
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return default
    except (OSError, ValueError) as exc:
        log.warning("ignoring unreadable %s (%s)", path, exc)
        return default


def write_json(name: str, data) -> None:
    """Atomic write: a crash never leaves half a file."""
    folder = hub_data_dir()
    folder.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=f".{name}.", suffix=".tmp")
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        json.dump(data, fh, indent=1, ensure_ascii=False)
    os.replace(tmp, folder / name)


def usage_key(repo_id: str, artifact_name: str) -> str:
    return f"{repo_id}:{artifact_name}"


def record_use(key: str) -> None:
    data = read_json("usage.json", {})
    data[key] = time.time()
    try:
        write_json("usage.json", data)
    except OSError as exc:  # a read-only home must not stop a model from loading
        log.warning("could not record model use: %s", exc)


def last_used(key: str) -> float | None:
    value = read_json("usage.json", {}).get(key)
    return float(value) if isinstance(value, (int, float)) else None
