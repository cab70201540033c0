"""What exactly a column ran: its model's identity (Hub repo + revision + file, or local path + sha256).

Exports carry this so a result can be reproduced from the file alone. A file in the huggingface_hub cache is
named by its repo, commit and path, and an LFS file's blob is named by its sha256, so nothing is read. Any
other file is hashed once; the hash is kept in ``cache_dir()/sha256.json`` keyed by path, size and mtime, so
a multi-GB GGUF is read again only when it changes. Hashing is I/O: call these off the GUI thread.
"""

from __future__ import annotations

import json
import logging
import os
import threading
from pathlib import Path

from app.hub.verify import SHA256, sha256_of

log = logging.getLogger(__name__)
_LOCK = threading.Lock()
MAX_FOLDER_FILES = 64  # a model folder (CT2) is listed file by file; more than this is not a model artifact


def model_identity(path: str, file: str | None = None) -> dict:
    """``{"hub_repo", "revision", "file", "sha256"...}`` for a Hub-cache artifact, else ``{"path", "file",
    "sha256"}`` (a folder artifact lists ``files``: name, size and sha256 of each)."""
    base = Path(path).expanduser()
    target = base / file if file else base
    hub = _hub_location(target)
    out: dict = dict(hub) if hub else {"path": str(base.resolve() if base.exists() else base)}
    if file and not hub:
        out["file"] = file
    if not target.exists():
        out["missing"] = True
        return out
    if target.is_dir():
        out["files"] = [{"name": p.relative_to(target).as_posix(), "size": p.stat().st_size,
                         "sha256": file_sha256(p)} for p in _folder_files(target)]
    else:
        out["size"] = target.stat().st_size
        out["sha256"] = file_sha256(target)
    return out


def _hub_location(target: Path) -> dict | None:
    """Repo, commit and path in the repo when ``target`` lies in a ``models--o--n/snapshots/<commit>`` tree."""
    parts = target.absolute().parts
    for i in range(len(parts) - 2, 0, -1):
        if parts[i] == "snapshots" and parts[i - 1].startswith("models--") and i + 1 < len(parts):
            repo = parts[i - 1][len("models--"):].replace("--", "/")
            inner = "/".join(parts[i + 2:])
            return {"hub_repo": repo, "revision": parts[i + 1], "file": inner or None}
    return None


def _folder_files(folder: Path) -> list[Path]:
    files = sorted(p for p in folder.rglob("*") if p.is_file())
    return files[:MAX_FOLDER_FILES]


def file_sha256(path: Path) -> str:
    """The file's sha256: from its HF-cache blob name when it has one, else from the cache, else computed."""
    resolved = path.resolve()
    if resolved.parent.name == "blobs" and SHA256.match(resolved.name):
        return resolved.name  # huggingface_hub names LFS blobs by their sha256
    stat = resolved.stat()
    key = f"{resolved}|{stat.st_size}|{stat.st_mtime_ns}"
    with _LOCK:
        cached = _load().get(key)
    if cached:
        return cached
    digest = sha256_of(resolved)
    with _LOCK:
        table = _load()
        table = {k: v for k, v in table.items() if not k.startswith(f"{resolved}|")}  # older versions of it
        table[key] = digest
        _store(table)
    return digest


def _table_path() -> Path:
    from app.paths import cache_dir

    return cache_dir() / "sha256.json"


def _load() -> dict[str, str]:
    try:
        data = json.loads(_table_path().read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return {k: v for k, v in data.items() if isinstance(v, str) and SHA256.match(v)} if isinstance(data, dict) \
        else {}


def _store(table: dict[str, str]) -> None:
    path = _table_path()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(f".{os.getpid()}.tmp")
        tmp.write_text(json.dumps(table, indent=0), encoding="utf-8")
        os.replace(tmp, path)
    except OSError as exc:  # the hash is still returned; it is just computed again next time
        log.warning("could not keep the sha256 cache %s: %s", path, exc)
