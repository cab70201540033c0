"""Pull one artifact into the huggingface_hub cache: plan, free-space check, resumable transfer, hash check, link.

The result is the cache layout huggingface_hub itself writes (``blobs/<etag>``, ``snapshots/<commit>/<path>`` as a
relative symlink, ``refs/<revision>``), so ``hf_hub_download``, ``scan_cache_dir`` and other tools see the files.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlparse

from app.core.errors import CancelledError
from app.hub import cache, verify
from app.hub.artifacts import Artifact
from app.hub.errors import HubOfflineError, network_errors, offline_message, translate
from app.hub.listing import RepoListing
from app.hub.progress import DownloadProgress, Meter
from app.hub.safety import inside
from app.hub.settings import HubSettings
from app.hub.space import check_space
from app.hub.transfer import RetryPolicy, fetch

log = logging.getLogger(__name__)
ProgressCallback = Callable[[DownloadProgress], None]


@dataclass(frozen=True)
class PullResult:
    repo_id: str
    commit: str
    snapshot: Path  # the folder to give a backend as its model path
    artifact: Artifact
    downloaded_bytes: int  # bytes transferred by this pull
    reused_bytes: int  # bytes that were already on disk (complete files and resumed partial files)

    @property
    def load_file(self) -> str:
        """The ``file`` argument for the backend: the GGUF/ONNX file or the CT2 folder inside the snapshot."""
        return self.artifact.name


@dataclass(frozen=True)
class _Item:
    path: str
    pointer: Path
    blob: Path | None  # None: already in the snapshot
    url: str = ""
    size: int = 0
    expected: tuple[str, str] | None = None


def _headers(settings: HubSettings, url: str) -> dict[str, str]:
    from huggingface_hub.utils import build_hf_headers

    same_host = urlparse(url).netloc == urlparse(settings.endpoint).netloc
    token = settings.token if (settings.token and same_host) else False
    return build_hf_headers(token=token, library_name="rerank-playground")


def _metadata(listing: RepoListing, path: str, settings: HubSettings):
    from huggingface_hub import get_hf_file_metadata, hf_hub_url

    url = hf_hub_url(listing.repo_id, path, revision=listing.commit, endpoint=settings.endpoint)
    try:
        return get_hf_file_metadata(url, token=settings.token or False, endpoint=settings.endpoint)
    except network_errors() as exc:
        raise translate(exc, listing.repo_id, settings.endpoint, path) from exc


def plan(listing: RepoListing, artifact: Artifact, settings: HubSettings) -> list[_Item]:
    """One item per file of the artifact; files already in the snapshot need no request."""
    repo = cache.repo_dir(settings.cache_dir, listing.repo_id)
    snapshot = cache.snapshot_dir(repo, listing.commit)
    items = []
    for path in artifact.files:
        pointer = inside(snapshot, path)
        if pointer.is_file():
            items.append(_Item(path, pointer, None, size=pointer.stat().st_size))
            continue
        if listing.local or settings.offline:
            raise HubOfflineError(offline_message(settings.endpoint, "HF_HUB_OFFLINE is set") if settings.offline
                                  else f"{path} of {listing.repo_id} is not in the cache; pull it when online.")
        meta = _metadata(listing, path, settings)
        hub_file = listing.file(path)
        etag = (meta.etag or "").strip('"')
        size = meta.size if meta.size is not None else hub_file.size
        expected = verify.expected_hash(hub_file.sha256, hub_file.git_oid, etag)
        if expected is None:
            log.warning("no sha256 or git hash published for %s; it will not be verified", path)
        items.append(_Item(path, pointer, cache.blob_path(repo, etag), meta.location, size, expected))
    return items


@contextmanager
def _locked(path: Path, cancelled: Callable[[], bool]):
    """huggingface_hub's per-blob lock (so two processes never write one file), waiting cancellably."""
    from filelock import Timeout
    from huggingface_hub.utils import WeakFileLock

    path.parent.mkdir(parents=True, exist_ok=True)
    while True:
        try:
            with WeakFileLock(path, timeout=1):
                yield
                return
        except Timeout:
            if cancelled():
                raise CancelledError("Download cancelled while waiting for another download of the same file.") from None


def _fetch_item(item: _Item, listing: RepoListing, settings: HubSettings, meter: Meter,
                policy: RetryPolicy, cancelled: Callable[[], bool]) -> None:
    assert item.blob is not None
    part = item.blob.with_name(item.blob.name + ".incomplete")
    item.blob.parent.mkdir(parents=True, exist_ok=True)
    with _locked(cache.lock_path(settings.cache_dir, listing.repo_id, item.blob.name), cancelled):
        if not item.blob.is_file():
            fetch(item.url, part, item.size, _headers(settings, item.url), policy, meter.add, cancelled,
                  on_retry=meter.retrying)
            if item.expected:
                meter.state("verifying")
                verify.check(part, f"{listing.repo_id}/{item.path}", item.expected, cancelled)
            os.replace(part, item.blob)
        cache.link_into_snapshot(item.blob, item.pointer)


def pull(listing: RepoListing, artifact: Artifact, *, progress: ProgressCallback | None = None,
         cancelled: Callable[[], bool] | None = None, policy: RetryPolicy | None = None,
         settings: HubSettings | None = None) -> PullResult:
    """Download the files ``artifact`` needs (those not yet on disk) and return where it lives."""
    settings = settings or HubSettings.current()
    cancelled = cancelled or (lambda: False)
    policy = policy or RetryPolicy()
    repo = cache.repo_dir(settings.cache_dir, listing.repo_id)
    items = plan(listing, artifact, settings)
    fetches = [i for i in items if i.blob is not None and not i.blob.is_file()]
    have = {i.path: cache.partial_size(repo, i.blob.name) for i in fetches}
    total = sum(i.size for i in fetches)
    check_space(total - sum(have.values()), settings.cache_dir, f"{listing.repo_id} {artifact.label}")
    meter = Meter(listing.repo_id, artifact.name, total, sum(have.values()), len(items), progress)
    start = time.monotonic()
    for index, item in enumerate(items, start=1):
        meter.file(item.path, index)
        if item.blob is not None:
            _fetch_item(item, listing, settings, meter, policy, cancelled)
    cache.write_ref(repo, listing.revision, listing.commit)
    meter.state("done")
    log.info("pulled %s %s in %.1f s (%d bytes transferred)", listing.repo_id, artifact.name,
             time.monotonic() - start, meter.transferred)
    reused = sum(i.size for i in items if i not in fetches) + sum(have.values())
    return PullResult(listing.repo_id, listing.commit, cache.snapshot_dir(repo, listing.commit), artifact,
                      meter.transferred, reused)
