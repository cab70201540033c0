"""What is on disk: every artifact in the huggingface_hub cache (ours or downloaded by any other tool) and every
imported model; delete one artifact or a whole repo and reclaim its space."""

from __future__ import annotations

import logging
import os
import shutil
from dataclasses import dataclass
from pathlib import Path

from app.core.errors import BadInputError
from app.hub import cache
from app.hub.artifacts import Artifact, HubFile, group
from app.hub.importer import list_imports, remove_import
from app.hub.listing import check_repo_id
from app.hub.safety import check_name, inside
from app.hub.settings import HubSettings
from app.hub.store import last_used, usage_key

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class LocalModel:
    repo_id: str  # owner/name, or local/<folder> for an import
    revision: str  # the refs pointing at this snapshot ("main"), else the short commit
    commit: str | None
    artifact: Artifact
    path: Path  # folder to hand to a backend (with artifact.name as its file)
    size: int
    last_used: float | None
    source: str  # "hub-cache" or "imported"
    missing: bool = False  # an import whose files were moved or deleted

    @property
    def format(self) -> str:
        return self.artifact.format

    @property
    def quant(self) -> str:
        return self.artifact.quant


@dataclass(frozen=True)
class Catalogue:
    models: tuple[LocalModel, ...]
    cache_dir: Path
    cache_bytes: int  # everything the cache holds on disk (blobs shared between snapshots counted once)
    partial_bytes: int  # interrupted downloads waiting to be resumed
    other_repos: tuple[str, ...]  # repos in the cache without any model artifact
    warnings: tuple[str, ...] = ()

    @property
    def imported_bytes(self) -> int:
        return sum(m.size for m in self.models if m.source == "imported" and not m.missing)


def _revision_models(repo_id: str, revision) -> list[LocalModel]:
    snapshot = Path(revision.snapshot_path)
    files = [HubFile(Path(f.file_path).relative_to(snapshot).as_posix(), f.size_on_disk) for f in revision.files]
    label = ",".join(sorted(revision.refs)) or revision.commit_hash[:8]
    return [LocalModel(repo_id, label, revision.commit_hash, art, snapshot, art.size,
                       last_used(usage_key(repo_id, art.name)), "hub-cache")
            for art in group(files).artifacts]


def _imported() -> list[LocalModel]:
    out = []
    for item in list_imports():
        art = Artifact(item.format, item.file, item.quant, (item.file,), (), item.size, (item.format,))
        out.append(LocalModel(item.name, "imported", None, art, Path(item.path), item.size,
                              last_used(usage_key(item.name, item.file)), "imported", missing=not item.exists))
    return out


def catalogue(settings: HubSettings | None = None) -> Catalogue:
    """Scan the cache (huggingface_hub's ``scan_cache_dir``) and the import registry."""
    from huggingface_hub import scan_cache_dir
    from huggingface_hub.errors import CacheNotFound

    settings = settings or HubSettings.current()
    models: list[LocalModel] = []
    others: list[str] = []
    from app.hub.bundled import bundled_models, with_path_use

    try:
        info = scan_cache_dir(settings.cache_dir)
    except CacheNotFound:
        return Catalogue(tuple(with_path_use(_imported() + bundled_models())), settings.cache_dir, 0, 0, ())
    for repo in sorted(info.repos, key=lambda r: r.repo_id):
        if repo.repo_type != "model":
            continue
        found = [m for rev in repo.revisions for m in _revision_models(repo.repo_id, rev)]
        models += found
        if not found:
            others.append(repo.repo_id)
    warnings = tuple(str(w) for w in info.warnings)
    return Catalogue(tuple(with_path_use(models + _imported() + bundled_models())), settings.cache_dir,
                     info.size_on_disk,
                     info.incomplete_size_on_disk, tuple(others), warnings)


def _tree_size(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file() and not p.is_symlink())


def _remove_pointers(snapshot: Path, artifact: Artifact, keep: set[str]) -> None:
    for name in artifact.files:
        if name in keep:
            continue
        pointer = inside(snapshot, name)
        if pointer.is_symlink() or pointer.exists():
            pointer.unlink()
    for folder in sorted((p for p in snapshot.rglob("*") if p.is_dir()), key=lambda p: -len(p.parts)):
        if not any(folder.iterdir()):
            folder.rmdir()


def _collect_garbage(repo: Path) -> int:
    """Delete blobs no snapshot points to; drop empty snapshots and their refs. Returns the bytes freed."""
    for snapshot in [p for p in (repo / "snapshots").glob("*") if p.is_dir()]:
        if not any(p.is_file() or p.is_symlink() for p in snapshot.rglob("*")):
            shutil.rmtree(snapshot)
            for ref in (repo / "refs").rglob("*"):
                if ref.is_file() and ref.read_text(encoding="utf-8").strip() == snapshot.name:
                    ref.unlink()
    used = {p.resolve() for p in (repo / "snapshots").rglob("*") if p.is_symlink()}
    freed = 0
    for blob in (repo / "blobs").glob("*"):
        if blob.is_file() and not blob.name.endswith(".incomplete") and blob.resolve() not in used:
            freed += blob.stat().st_size
            blob.unlink()
    return freed


def delete(repo_id: str, file: str | None = None, settings: HubSettings | None = None) -> int:
    """Delete a repo (all revisions, partial downloads included) or one artifact of it; returns bytes freed.

    Imported models are only forgotten: their files are the user's and are never deleted.
    """
    settings = settings or HubSettings.current()
    if file is not None:
        check_name(file)
    if repo_id == "bundled/starter":
        raise BadInputError("The bundled starter model is part of the app and cannot be deleted.")
    if remove_import(repo_id, file):
        return 0
    check_repo_id(repo_id)
    repo = cache.repo_dir(settings.cache_dir, repo_id)
    if repo.is_symlink():
        raise BadInputError(f"{repo} is a symbolic link to {os.path.realpath(repo)}, which is outside what this app "
                            "manages: remove the link yourself (rm) or delete the files it points to.")
    if not repo.is_dir():
        raise BadInputError(f"{repo_id} is not in the cache ({settings.cache_dir}); 'rerank-playground models list' "
                            "shows what is on disk.")
    if file is None:
        freed = _tree_size(repo)
        shutil.rmtree(repo)
        shutil.rmtree(settings.cache_dir / ".locks" / repo.name, ignore_errors=True)
        return freed
    matched = False
    for snapshot in [p for p in (repo / "snapshots").glob("*") if p.is_dir()]:
        artifacts = group(cache.snapshot_files(snapshot)).artifacts
        for art in [a for a in artifacts if a.matches(file)]:
            matched = True
            keep = {f for other in artifacts if other != art for f in other.files}
            _remove_pointers(snapshot, art, keep)
    if not matched:
        raise BadInputError(f"No artifact '{file}' of {repo_id} on disk; 'rerank-playground models list' shows "
                            "the artifacts there.")
    freed = _collect_garbage(repo)
    if not any((repo / "snapshots").glob("*")):
        shutil.rmtree(repo)
    return freed
