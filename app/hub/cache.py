"""The huggingface_hub cache layout: ``models--owner--name/{blobs,snapshots/<commit>,refs}``, read and written."""

from __future__ import annotations

import logging
import os
import re
import shutil
from pathlib import Path

from app.hub.artifacts import HubFile
from app.hub.safety import inside

log = logging.getLogger(__name__)
COMMIT = re.compile(r"^[0-9a-f]{40}$")


def repo_dir(cache_dir: Path, repo_id: str) -> Path:
    from huggingface_hub.file_download import repo_folder_name

    return Path(cache_dir) / repo_folder_name(repo_id=repo_id, repo_type="model")


def lock_path(cache_dir: Path, repo_id: str, etag: str) -> Path:
    return Path(cache_dir) / ".locks" / repo_dir(cache_dir, repo_id).name / f"{etag}.lock"


def blob_path(repo: Path, etag: str) -> Path:
    if not re.fullmatch(r"[0-9A-Za-z_\-]{8,128}", etag):
        raise ValueError(f"unexpected etag {etag!r}")
    return repo / "blobs" / etag


def partial_path(repo: Path, etag: str) -> Path:
    """Where an interrupted download waits to be resumed (huggingface_hub's ``<etag>.incomplete`` name)."""
    return blob_path(repo, etag).with_name(f"{etag}.incomplete")


def snapshot_dir(repo: Path, commit: str) -> Path:
    if not COMMIT.match(commit):
        raise ValueError(f"not a commit hash: {commit!r}")
    return repo / "snapshots" / commit


def read_ref(repo: Path, revision: str) -> str | None:
    if COMMIT.match(revision):
        return revision if (repo / "snapshots" / revision).is_dir() else None
    try:
        commit = (inside(repo / "refs", revision)).read_text(encoding="utf-8").strip()
    except OSError:
        return None
    return commit if COMMIT.match(commit) else None


def write_ref(repo: Path, revision: str, commit: str) -> None:
    if COMMIT.match(revision) or revision == commit:
        return
    ref = inside(repo / "refs", revision)
    ref.parent.mkdir(parents=True, exist_ok=True)
    if not ref.is_file() or ref.read_text(encoding="utf-8").strip() != commit:
        ref.write_text(commit, encoding="utf-8")


def local_commit(repo: Path, revision: str = "main") -> str | None:
    """The snapshot for ``revision``: its ref, else the most recently modified snapshot."""
    commit = read_ref(repo, revision)
    if commit and (repo / "snapshots" / commit).is_dir():
        return commit
    snaps = [p for p in (repo / "snapshots").glob("*") if p.is_dir() and COMMIT.match(p.name)]
    return max(snaps, key=lambda p: p.stat().st_mtime).name if snaps else None


def link_into_snapshot(blob: Path, pointer: Path) -> None:
    """A relative symlink snapshot -> blob, as huggingface_hub makes; a hard link or copy where symlinks fail."""
    pointer.parent.mkdir(parents=True, exist_ok=True)
    if pointer.is_symlink() or pointer.exists():
        pointer.unlink()
    try:
        os.symlink(os.path.relpath(blob, pointer.parent), pointer)
        return
    except (OSError, NotImplementedError) as exc:  # os.symlink raises NotImplementedError where unsupported
        log.debug("symlink failed (%s); trying a hard link", exc)
    try:
        os.link(blob, pointer)
    except OSError:
        shutil.copy2(blob, pointer)


def snapshot_files(snapshot: Path) -> list[HubFile]:
    """Files present in a snapshot (broken links skipped), as repo-relative '/' paths."""
    out = []
    for path in sorted(snapshot.rglob("*")):
        if path.is_file():  # follows the symlink; a dangling link is not a file
            out.append(HubFile(path.relative_to(snapshot).as_posix(), path.stat().st_size))
    return out


def partial_size(repo: Path, etag: str) -> int:
    try:
        return partial_path(repo, etag).stat().st_size
    except OSError:
        return 0
