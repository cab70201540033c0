"""Small JSON records the model manager keeps beside the app's data: last-used times and imported models."""

from __future__ import annotations

import json
import logging
import os
import tempfile
import time
from pathlib import Path

from app.core.errors import BadInputError
from app.core.safe_json import load_file
from app.paths import app_home

log = logging.getLogger(__name__)


def hub_data_dir() -> Path:
    return app_home() / "hub"


def read_json(name: str, default):
    """The record ``name``, or ``default`` when there is none.

    A record that cannot be used (damaged JSON, nested too deep, a list where an object belongs, a FIFO...)
    is never silently replaced: it is moved aside to ``NAME.damaged-YYYYmmdd-HHMMSS`` with a warning naming
    both files, and ``default`` is returned, so the user's earlier data is kept for them to recover.
    """
    path = hub_data_dir() / name
    if not path.exists() and not path.is_symlink():
        return default
    try:
        data = load_file(path, "Model manager record")
    except BadInputError as exc:
        return set_aside(path, str(exc), default)
    if not isinstance(data, type(default)):
        wanted = "a JSON object" if isinstance(default, dict) else "a JSON list"
        return set_aside(path, f"{path} holds {type(data).__name__} where {wanted} belongs", default)
    return data


def set_aside(path: Path, why: str, default=None, move: bool = True):
    """Keep a damaged record as ``NAME.damaged-<time>`` (moved, or copied when ``move`` is False) and warn."""
    backup = path.with_name(f"{path.name}.damaged-{time.strftime('%Y%m%d-%H%M%S')}")
    try:
        if move:
            os.replace(path, backup)
        else:
            import shutil

            shutil.copyfile(path, backup)
    except OSError as exc:
        log.warning("%s is unusable (%s) and could not be set aside (%s); fix or delete it.", path, why,
                    exc.strerror or exc)
        return default
    log.warning("%s is unusable (%s); kept it as %s and started afresh.", path.name, why.rstrip("."), backup)
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
