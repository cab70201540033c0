"""Pulls through real HTTP against the fake Hub: layout, progress, cancel, resume, retries, hashes, disk space."""

import os
import shutil
from pathlib import Path

import pytest

from app.core.errors import CancelledError
from app.hub import (
    CancelToken,
    HashMismatchError,
    HubOfflineError,
    InsufficientSpaceError,
    UnsafeFileNameError,
    choose,
    pull,
    remote_listing,
)
from app.hub.artifacts import Artifact
from app.hub.space import RESERVE
from tests.hub.conftest import REPO, cache_dir, synthetic_files

ONNX = "onnx/model.onnx"


def _repo_dir() -> Path:
    return Path(cache_dir()) / "models--acme--tiny-reranker"


def _leftovers() -> list[str]:
    return sorted(p.name for p in (_repo_dir() / "blobs").glob("*")) if (_repo_dir() / "blobs").exists() else []


@pytest.mark.parametrize("fmt,name", [("onnx", ONNX), ("gguf", "gguf/tiny-reranker-Q4_K_M.gguf"),
                                      ("ct2", "ct2-int8")])
def test_pull_each_format_into_the_standard_cache(repo, fmt, name):
    from huggingface_hub import hf_hub_download, scan_cache_dir

    listing = remote_listing(REPO)
    art = choose(listing.artifacts, file=name)
    assert art.format == fmt
    result = pull(listing, art)
    files = synthetic_files()
    for f in art.files:
        local = result.snapshot / f
        assert local.is_symlink() and local.read_bytes() == files[f]
    assert result.downloaded_bytes == art.size and result.reused_bytes == 0
    assert (_repo_dir() / "refs" / "main").read_text() == repo.commit
    # huggingface_hub itself finds the files offline: this is its cache, in its layout
    cached = hf_hub_download(REPO, art.files[0], cache_dir=cache_dir(), local_files_only=True,
                             endpoint=os.environ["HF_ENDPOINT"])
    assert Path(cached).read_bytes() == files[art.files[0]]
    info = scan_cache_dir(cache_dir())
    assert {f.file_name for r in info.repos for rev in r.revisions for f in rev.files} == {
        Path(f).name for f in art.files}
    again = pull(listing, art)  # everything on disk: nothing transferred
    assert again.downloaded_bytes == 0 and again.reused_bytes == art.size


def test_progress_reports_bytes_speed_and_eta(repo, hub_env):
    hub_env.faults.chunk = 16_384
    hub_env.throttle_s = 0.01
    listing = remote_listing(REPO)
    art = choose(listing.artifacts, file=ONNX)
    events = []
    pull(listing, art, progress=events.append)
    done = [e.done_bytes for e in events]
    assert done == sorted(done) and events[-1].state == "done"
    assert events[-1].done_bytes == events[-1].total_bytes == art.size
    assert {e.file for e in events} == set(art.files) and events[0].file_count == len(art.files)
    moving = [e for e in events if e.state == "downloading" and e.speed_bps > 0]
    assert moving and all(e.eta_s is not None and e.eta_s >= 0 for e in moving)
    assert any(0 < e.fraction < 1 for e in events)


def test_cancel_keeps_the_partial_file_and_the_next_pull_resumes_it(repo, hub_env):
    hub_env.faults.chunk = 8192
    hub_env.throttle_s = 0.005
    listing = remote_listing(REPO)
    art = choose(listing.artifacts, file=ONNX)
    token = CancelToken()

    def on_progress(p):
        if p.file == ONNX and p.done_bytes > 100_000:
            token.cancel()

    with pytest.raises(CancelledError, match="resumes"):
        pull(listing, art, progress=on_progress, cancelled=token)
    partial = _repo_dir() / "blobs" / f"{repo.etag(ONNX)}.incomplete"
    kept = partial.stat().st_size
    assert 100_000 <= kept < len(repo.files[ONNX])
    assert not (_repo_dir() / "snapshots" / repo.commit / ONNX).exists()
    hub_env.throttle_s = 0
    result = pull(listing, art)
    gets = hub_env.gets(ONNX)
    assert gets[-1].range == f"bytes={kept}-" and gets[-1].status == 206
    assert hub_env.body_bytes(ONNX) - sum(g.body_bytes for g in gets[:-1]) == len(repo.files[ONNX]) - kept
    assert (result.snapshot / ONNX).read_bytes() == repo.files[ONNX]
    assert result.reused_bytes >= kept and not partial.exists()


def test_dropped_connection_is_resumed_without_downloading_bytes_twice(repo, hub_env, fast_retry):
    hub_env.faults.drop_once[ONNX] = 123_457
    listing = remote_listing(REPO)
    art = choose(listing.artifacts, file=ONNX)
    events = []
    result = pull(listing, art, policy=fast_retry, progress=events.append)
    gets = hub_env.gets(ONNX)
    assert [g.range for g in gets] == [None, "bytes=123457-"]
    assert [g.body_bytes for g in gets] == [123_457, len(repo.files[ONNX]) - 123_457]
    assert hub_env.body_bytes(ONNX) == len(repo.files[ONNX])  # no byte sent twice
    assert (result.snapshot / ONNX).read_bytes() == repo.files[ONNX]
    assert any(e.state == "retrying" for e in events)


def test_stalled_transfer_is_dropped_and_resumed(repo, hub_env, fast_retry):
    hub_env.faults.stall_once[ONNX] = (50_000, 2.0)
    listing = remote_listing(REPO)
    result = pull(listing, choose(listing.artifacts, file=ONNX), policy=fast_retry)
    gets = hub_env.gets(ONNX)
    assert len(gets) == 2 and gets[1].range.startswith("bytes=") and int(gets[1].range[6:-1]) >= 50_000
    assert (result.snapshot / ONNX).read_bytes() == repo.files[ONNX]


def test_corrupted_byte_is_caught_and_nothing_broken_is_left(repo, hub_env):
    hub_env.faults.corrupt[ONNX] = 4242
    listing = remote_listing(REPO)
    art = choose(listing.artifacts, file=ONNX)
    with pytest.raises(HashMismatchError, match="sha256 check.*removed"):
        pull(listing, art)
    assert repo.etag(ONNX) not in _leftovers()
    assert not any(n.endswith(".incomplete") for n in _leftovers())
    assert not (_repo_dir() / "snapshots" / repo.commit / ONNX).exists()
    del hub_env.faults.corrupt[ONNX]
    assert (pull(listing, art).snapshot / ONNX).read_bytes() == repo.files[ONNX]


def test_corrupted_small_file_fails_its_git_hash(repo, hub_env):
    hub_env.faults.corrupt["config.json"] = 3
    listing = remote_listing(REPO)
    with pytest.raises(HashMismatchError, match="config.json failed its git-sha1 check"):
        pull(listing, choose(listing.artifacts, file=ONNX))
    assert repo.etag("config.json") not in _leftovers()


def test_not_enough_disk_space_is_refused_before_downloading(repo, hub_env, monkeypatch):
    listing = remote_listing(REPO)
    art = choose(listing.artifacts, file=ONNX)
    real = shutil.disk_usage
    free = RESERVE + 100_000  # the artifact (~293 KB) does not fit beside the reserve
    monkeypatch.setattr(shutil, "disk_usage", lambda p: real(p)._replace(free=free))
    with pytest.raises(InsufficientSpaceError, match=r"needs 3\d\d\.\d kB .* has 52\.5 MB available") as err:
        pull(listing, art)
    assert err.value.needed == art.size and err.value.available == free
    assert hub_env.downloads_started() == 0 and _leftovers() == []


def test_file_names_escaping_the_cache_are_rejected(repo, hub_env):
    hub_env.add_repo("evil/repo", {"config.json": b"{}", "ok-Q8_0.gguf": b"GGUF" + b"1" * 64},
                     listed_only=("../../../outside-Q8_0.gguf",))
    listing = remote_listing("evil/repo")
    assert [a.name for a in listing.artifacts] == ["ok-Q8_0.gguf"]
    assert any("unsafe file name" in n for n in listing.notes)
    crafted = Artifact("gguf", "../../../outside-Q8_0.gguf", "Q8_0", ("../../../outside-Q8_0.gguf",), (), 9, ("gguf",))
    with pytest.raises(UnsafeFileNameError, match="Refused file name"):
        pull(listing, crafted)
    assert hub_env.downloads_started() == 0
    assert not list(Path(cache_dir()).parent.glob("**/outside-Q8_0.gguf"))


def test_offline_pull_uses_the_cache_or_says_why_not(repo, hub_env, monkeypatch):
    listing = remote_listing(REPO)
    gguf = choose(listing.artifacts, file="gguf/tiny-reranker-Q4_K_M.gguf")
    pull(listing, gguf)
    requests = len(hub_env.log)
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    assert pull(listing, gguf).downloaded_bytes == 0
    with pytest.raises(HubOfflineError, match="HF_HUB_OFFLINE"):
        pull(listing, choose(listing.artifacts, file=ONNX))
    assert len(hub_env.log) == requests  # offline: not a single request
    assert os.environ["HF_HUB_OFFLINE"] == "1"


def test_cancel_from_another_thread_interrupts_a_stalled_read(repo, hub_env):
    import threading
    import time

    hub_env.faults.stall_once[ONNX] = (20_000, 5.0)  # longer than the test may take
    listing = remote_listing(REPO)
    token = CancelToken()
    threading.Timer(0.5, token.cancel).start()  # what the GUI's Cancel button does
    start = time.monotonic()
    with pytest.raises(CancelledError):
        pull(listing, choose(listing.artifacts, file=ONNX), cancelled=token)
    assert time.monotonic() - start < 3.0
    assert (_repo_dir() / "blobs" / f"{repo.etag(ONNX)}.incomplete").stat().st_size >= 20_000
