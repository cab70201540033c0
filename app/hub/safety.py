"""File-name checks: nothing escapes the cache folder, and pickle files are never fetched or loaded."""

from __future__ import annotations

import re
from pathlib import Path, PurePosixPath

from app.hub.errors import UnsafeFileNameError

PICKLE_SUFFIXES = (".bin", ".pt", ".pth", ".ckpt", ".pkl", ".pickle", ".joblib")
CT2_WEIGHTS = "model.bin"
_DRIVE = re.compile(r"^[A-Za-z]:")


def unsafe_reason(name: str) -> str | None:
    """Why ``name`` (a path inside a repo, '/'-separated) is unsafe, or None when it is fine."""
    if not name or name.strip() != name:
        return "empty or padded with spaces"
    if "\\" in name or "\x00" in name or _DRIVE.match(name):
        return "backslash, NUL or drive letter"
    if name.startswith("/"):
        return "absolute path"
    parts = PurePosixPath(name).parts
    if any(p in ("..", ".") for p in name.split("/")) or "" in name.split("/"):
        return "'..', '.' or an empty folder name"
    if parts and parts[0] in (".git", ".cache"):
        return "inside .git or .cache"
    return None


def check_name(name: str) -> str:
    """Return ``name`` when it is a safe relative repo path; raise UnsafeFileNameError otherwise."""
    reason = unsafe_reason(name)
    if reason:
        raise UnsafeFileNameError(f"Refused file name {name!r}: {reason}. A file name must stay inside the "
                                  "model's folder in the cache.")
    return name


def inside(root: Path, name: str) -> Path:
    """``root / name``, checked to stay inside ``root`` (no '..', no absolute path)."""
    check_name(name)
    target = Path(root, *name.split("/"))
    base = Path(root).absolute()
    if not target.absolute().is_relative_to(base):
        raise UnsafeFileNameError(f"Refused file name {name!r}: it resolves outside {root}.")
    return target


def is_pickle(name: str) -> bool:
    """Pickle checkpoints (``pytorch_model.bin``, ``*.pt`` ...); CT2's ``model.bin`` is not one."""
    base = name.rsplit("/", 1)[-1].lower()
    return base.endswith(PICKLE_SUFFIXES) and base != CT2_WEIGHTS
