"""A repo's files and artifacts: from the Hub (model info + recursive tree) or from its snapshot on disk."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

from app.core.errors import BadInputError
from app.hub import cache
from app.hub.artifacts import Artifact, HubFile, group
from app.hub.errors import HubOfflineError, RepoNotFoundError, network_errors, offline_message, translate
from app.hub.settings import HubSettings

log = logging.getLogger(__name__)
CUSTOM_CODE_NOTE = ("custom code (trust_remote_code): listed only; this app never runs a repo's code, and runs "
                    "the model only where a standard loader understands it")


@dataclass(frozen=True)
class RepoListing:
    repo_id: str
    revision: str  # what was asked for (branch, tag or commit)
    commit: str  # the commit it resolved to
    files: tuple[HubFile, ...]
    artifacts: tuple[Artifact, ...]
    notes: tuple[str, ...] = ()
    gated: bool = False
    custom_code: bool = False
    pipeline_tag: str | None = None
    local: bool = False  # built from the cache, not from the Hub

    def file(self, path: str) -> HubFile:
        for f in self.files:
            if f.path == path:
                return f
        raise RepoNotFoundError(f"{path} is not a file of {self.repo_id}@{self.commit[:8]}.")


def check_repo_id(repo_id: str) -> str:
    from huggingface_hub.errors import HFValidationError
    from huggingface_hub.utils import validate_repo_id

    try:
        validate_repo_id(repo_id)
    except HFValidationError as exc:
        raise BadInputError(f"'{repo_id}' is not a Hub repo id (expected owner/name): {exc}") from exc
    if "/" not in repo_id:
        raise BadInputError(f"'{repo_id}' is not a Hub repo id: use owner/name, e.g. BAAI/bge-reranker-base.")
    return repo_id


def _listing(repo_id: str, revision: str, commit: str, files: list[HubFile], **meta) -> RepoListing:
    grouping = group(files)
    notes = list(grouping.skipped)
    if meta.get("custom_code"):
        notes.insert(0, CUSTOM_CODE_NOTE)
    return RepoListing(repo_id, revision, commit, tuple(files), grouping.artifacts, tuple(notes), **meta)


def remote_listing(repo_id: str, revision: str = "main", settings: HubSettings | None = None) -> RepoListing:
    """Ask the Hub for the repo's commit, tags and full file tree (with LFS sha256s)."""
    from huggingface_hub.hf_api import RepoFile

    settings = settings or HubSettings.current()
    check_repo_id(repo_id)
    if settings.offline:
        raise HubOfflineError(offline_message(settings.endpoint, "HF_HUB_OFFLINE is set"))
    api = settings.api()
    try:
        info = api.model_info(repo_id, revision=revision)
        commit = info.sha or revision
        entries = list(api.list_repo_tree(repo_id, revision=commit, recursive=True))
    except network_errors() as exc:  # HTTP errors, no network, offline guard
        raise translate(exc, repo_id, settings.endpoint) from exc
    files = [HubFile(e.path, int(e.size or 0), e.lfs.sha256 if e.lfs else None, e.blob_id)
             for e in entries if isinstance(e, RepoFile)]
    tags = list(info.tags or [])
    return _listing(repo_id, revision, commit, files, gated=bool(info.gated), custom_code="custom_code" in tags,
                    pipeline_tag=info.pipeline_tag)


def local_listing(repo_id: str, revision: str = "main", settings: HubSettings | None = None) -> RepoListing | None:
    """What the cache holds for the repo at ``revision`` (or its newest snapshot); None when nothing."""
    settings = settings or HubSettings.current()
    check_repo_id(repo_id)
    repo = cache.repo_dir(settings.cache_dir, repo_id)
    commit = cache.local_commit(repo, revision)
    if commit is None:
        return None
    snapshot = cache.snapshot_dir(repo, commit)
    return _listing(repo_id, revision, commit, cache.snapshot_files(snapshot), local=True)


def snapshot_path(repo_id: str, commit: str, settings: HubSettings | None = None) -> Path:
    settings = settings or HubSettings.current()
    return cache.snapshot_dir(cache.repo_dir(settings.cache_dir, repo_id), commit)
