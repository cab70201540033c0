"""The starter model shipped inside the app, listed with the downloaded and imported ones (it cannot be
deleted), and "last used" for models a column loaded by path rather than by repo name."""

from __future__ import annotations

import logging
import os
from dataclasses import replace
from pathlib import Path

from app.hub.artifacts import group
from app.hub.store import last_used, record_use

log = logging.getLogger(__name__)

BUNDLED_REPO = "bundled/starter"
BUNDLED = "bundled"  # LocalModel.source


def path_key(path: str | os.PathLike, file: str | None = None) -> str:
    """The usage key of an artifact by where it is (a column names its model by path)."""
    return "path:" + os.path.abspath(os.path.join(os.fspath(path), file) if file else os.fspath(path))


def record_path_use(path: str | os.PathLike, file: str | None = None) -> None:
    """Note that a column loaded this artifact now (shown as "Last used" in the Models dialog)."""
    record_use(path_key(path, file))


def bundled_models() -> list:
    """The starter model's runnable artifacts (none when this build ships without it)."""
    from app.hub.catalogue import LocalModel
    from app.hub.importer import _scan
    from app.paths import starter_model_dir

    folder = starter_model_dir()
    if folder is None:
        return []
    try:
        artifacts = [a for a in group(_scan(folder)).artifacts if a.runnable]
    except OSError as exc:
        log.warning("could not list the bundled starter model in %s: %s", folder, exc)
        return []
    return [LocalModel(BUNDLED_REPO, BUNDLED, None, a, folder, a.size, last_used(path_key(folder, a.name)),
                       BUNDLED) for a in artifacts]


def with_path_use(models: list) -> list:
    """Each model's last use, whether it was loaded by name (``resolve``) or by path (a column)."""
    out = []
    for m in models:
        by_path = last_used(path_key(Path(m.path), m.artifact.name or None))
        newest = max((t for t in (m.last_used, by_path) if t is not None), default=None)
        out.append(replace(m, last_used=newest) if newest != m.last_used else m)
    return out
