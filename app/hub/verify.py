"""Hash checks against what the Hub publishes: sha256 for LFS files, the git blob sha1 for the others."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from pathlib import Path

from app.core.errors import CancelledError
from app.hub.errors import HashMismatchError

_BLOCK = 1 << 20
SHA256 = re.compile(r"^[0-9a-f]{64}$")
SHA1 = re.compile(r"^[0-9a-f]{40}$")


def _digest(h, path: Path, cancelled: Callable[[], bool] | None) -> str:
    with path.open("rb") as fh:
        while block := fh.read(_BLOCK):
            if cancelled and cancelled():
                raise CancelledError("Verification cancelled; the downloaded file is kept and checked next time.")
            h.update(block)
    return h.hexdigest()


def sha256_of(path: Path, cancelled: Callable[[], bool] | None = None) -> str:
    return _digest(hashlib.sha256(), path, cancelled)


def git_sha1_of(path: Path, cancelled: Callable[[], bool] | None = None) -> str:
    h = hashlib.sha1(usedforsecurity=False)
    h.update(f"blob {path.stat().st_size}\0".encode())
    return _digest(h, path, cancelled)


def expected_hash(sha256: str | None, git_oid: str | None, etag: str | None) -> tuple[str, str] | None:
    """('sha256'|'git-sha1', hex) to check against, from the tree listing or the file's ETag."""
    for kind, value, pattern in (("sha256", sha256, SHA256), ("sha256", etag, SHA256),
                                 ("git-sha1", git_oid, SHA1), ("git-sha1", etag, SHA1)):
        if value and pattern.match(value.lower()):
            return kind, value.lower()
    return None


def check(path: Path, name: str, expected: tuple[str, str], cancelled: Callable[[], bool] | None = None) -> None:
    """Raise HashMismatchError (after deleting ``path``) when the content does not match."""
    kind, want = expected
    got = sha256_of(path, cancelled) if kind == "sha256" else git_sha1_of(path, cancelled)
    if got != want:
        path.unlink(missing_ok=True)
        raise HashMismatchError(f"{name} failed its {kind} check (expected {want[:16]}…, got {got[:16]}…); the "
                                "corrupt file was removed. Pull again; if it repeats, the server at HF_ENDPOINT "
                                "serves a damaged file.")
