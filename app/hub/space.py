"""Free-space check before a download starts."""

from __future__ import annotations

import shutil
from pathlib import Path

from app.hub.errors import InsufficientSpaceError

RESERVE = 50 * 1024 * 1024  # leave this much free after the download, so the disk is never filled to the brim


def human(n: float) -> str:
    """1234567 -> '1.2 MB': decimal units, like the Hub's own pages. The one size format of the app (CLI and
    GUI), so a model is never "74 MB" in one place and "70.6 MiB" in another."""
    value = float(n)
    for unit in ("B", "kB", "MB", "GB"):
        if abs(value) < 1000:
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1000
    return f"{value:.1f} TB"


def free_space(path: Path) -> int:
    """Free bytes on the volume holding ``path`` (or its nearest existing parent)."""
    for candidate in (Path(path), *Path(path).absolute().parents):
        if candidate.exists():
            return shutil.disk_usage(candidate).free
    return shutil.disk_usage(Path.cwd()).free


def check_space(needed: int, path: Path, what: str) -> None:
    available = free_space(path)
    if needed + RESERVE > available:
        raise InsufficientSpaceError(
            f"Not enough disk space for {what}: it needs {human(needed)} (plus {human(RESERVE)} kept free) but "
            f"{path} has {human(available)} available. Free some space (e.g. 'rerank-playground models rm') or "
            "point HF_HOME at a larger disk.", needed, available)
