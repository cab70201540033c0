"""Model identity for exports: Hub repo/revision/file from the HF cache layout, sha256 from the blob name or
hashed once and kept by path + size + mtime."""

from __future__ import annotations

import hashlib
import os

from app.hub import identity
from app.hub.identity import file_sha256, model_identity


def test_hub_cache_file_is_named_by_repo_revision_and_blob(tmp_path):
    commit = "a" * 40
    repo = tmp_path / "hub" / "models--org--reranker"
    blob = repo / "blobs" / ("e" * 64)  # an LFS blob is named by its sha256: the name is taken, not the bytes
    blob.parent.mkdir(parents=True)
    blob.write_bytes(b"weights")
    snap = repo / "snapshots" / commit / "onnx"
    snap.mkdir(parents=True)
    (snap / "model.onnx").symlink_to(os.path.relpath(blob, snap))
    ident = model_identity(str(repo / "snapshots" / commit), "onnx/model.onnx")
    assert ident == {"hub_repo": "org/reranker", "revision": commit, "file": "onnx/model.onnx", "size": 7,
                     "sha256": "e" * 64}


def test_local_file_hashed_once_and_again_when_it_changes(tmp_path, monkeypatch):
    path = tmp_path / "model.gguf"
    path.write_bytes(b"one")
    assert file_sha256(path) == hashlib.sha256(b"one").hexdigest()
    calls = []
    real = identity.sha256_of
    monkeypatch.setattr(identity, "sha256_of", lambda p: calls.append(p) or real(p))
    assert file_sha256(path) == hashlib.sha256(b"one").hexdigest() and calls == []  # from the cache
    path.write_bytes(b"two!")
    os.utime(path, ns=(1, 1))
    assert file_sha256(path) == hashlib.sha256(b"two!").hexdigest() and len(calls) == 1
    ident = model_identity(str(tmp_path), "model.gguf")
    assert ident["path"] == str(tmp_path.resolve()) and ident["file"] == "model.gguf" and ident["size"] == 4


def test_folder_artifact_lists_its_files_and_missing_is_said(tmp_path):
    folder = tmp_path / "ct2"
    folder.mkdir()
    (folder / "model.bin").write_bytes(b"x")
    (folder / "config.json").write_text("{}")
    ident = model_identity(str(tmp_path), "ct2")
    assert [f["name"] for f in ident["files"]] == ["config.json", "model.bin"]
    assert ident["files"][1]["sha256"] == hashlib.sha256(b"x").hexdigest()
    assert model_identity(str(tmp_path / "gone"))["missing"] is True
