"""Search and repo listing through real huggingface_hub calls against the fake Hub."""

import pytest

from app.hub import GatedRepoError, HubOfflineError, RepoNotFoundError, remote_listing, search
from tests.hub.conftest import REPO, synthetic_files


def test_search_finds_rerankers_sorted_by_downloads(repo, hub_env):
    hub_env.add_repo("BAAI/bge-reranker-base", {"config.json": b"{}"}, downloads=9000, pipeline_tag="text-ranking")
    hub_env.add_repo("cross-encoder/ms-marco-MiniLM-L-6-v2", {"config.json": b"{}"}, downloads=50000)
    hub_env.add_repo("someone/sentiment-bert", {"config.json": b"{}"}, downloads=99999)
    hub_env.add_repo("gpustack/bge-reranker-v2-m3-GGUF", {"x-Q8_0.gguf": b"GGUF"}, downloads=10,
                     pipeline_tag=None, tags=("gguf",))
    result = search("")
    ids = [h.repo_id for h in result.hits]
    assert ids == ["cross-encoder/ms-marco-MiniLM-L-6-v2", "BAAI/bge-reranker-base", REPO,
                   "gpustack/bge-reranker-v2-m3-GGUF"]  # the sentiment model is not a reranker
    assert [h.downloads for h in result.hits] == sorted((h.downloads for h in result.hits), reverse=True)
    gguf = next(h for h in result.hits if h.repo_id.endswith("GGUF"))
    assert gguf.formats == ("gguf",) and not result.offline
    assert [h.repo_id for h in search("bge").hits] == ["BAAI/bge-reranker-base", "gpustack/bge-reranker-v2-m3-GGUF"]
    assert "someone/sentiment-bert" in [h.repo_id for h in search("sentiment", include_all=True).hits]


def test_search_says_plainly_when_offline(repo, monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    result = search("rerank")
    assert result.offline and result.hits == () and result.message.startswith("Offline:")
    assert "HF_HUB_OFFLINE" in result.message
    assert repo  # the server is up: offline mode alone must stop the request


def test_search_with_no_network_is_offline_not_a_traceback(monkeypatch, hub_env):
    monkeypatch.setenv("HF_ENDPOINT", "http://127.0.0.1:9")  # closed port
    result = search("rerank")
    assert result.offline and "cannot be reached" in result.message


def test_listing_groups_artifacts_with_sizes_hashes_and_notes(repo):
    listing = remote_listing(REPO)
    assert listing.commit == repo.commit
    files = synthetic_files()
    formats = [(a.format, a.quant) for a in listing.artifacts]
    assert formats == [("gguf", "F16"), ("gguf", "Q4_K_M"), ("onnx", "fp32"), ("onnx", "O4 (fp16)"),
                       ("onnx", "int8 (avx512-vnni)"), ("ct2", "int8"), ("safetensors", "weights")]
    onnx = next(a for a in listing.artifacts if a.name == "onnx/model.onnx")
    assert onnx.size == sum(len(files[f]) for f in onnx.files)
    assert listing.file("onnx/model.onnx").sha256 == repo.etag("onnx/model.onnx")
    assert listing.file("config.json").git_oid == repo.etag("config.json")
    assert any("pytorch_model.bin: pickle" in n for n in listing.notes)


def test_custom_code_repo_is_listed_with_a_note(hub_env):
    hub_env.add_repo("jinaai/jina-reranker-x", {"config.json": b"{}", "tokenizer.json": b"{}",
                                                "onnx/model.onnx": b"x" * 10, "modeling.py": b"import os"},
                     tags=("custom_code",))
    listing = remote_listing("jinaai/jina-reranker-x")
    assert listing.custom_code and "trust_remote_code" in listing.notes[0]
    assert [a.name for a in listing.artifacts] == ["onnx/model.onnx"]


def test_gated_repo_needs_the_users_token(hub_env, monkeypatch, tmp_path):
    hub_env.add_repo("org/gated-reranker", {"config.json": b"{}", "m-Q8_0.gguf": b"GGUF" + b"0" * 100}, gated=True)
    with pytest.raises(GatedRepoError, match="HF_TOKEN"):
        remote_listing("org/gated-reranker")
    monkeypatch.setenv("HF_TOKEN", hub_env.token)
    assert remote_listing("org/gated-reranker").gated
    monkeypatch.delenv("HF_TOKEN")
    token_file = tmp_path / "hf" / "token"  # the token `hf auth login` stores under HF_HOME
    token_file.parent.mkdir(parents=True, exist_ok=True)
    token_file.write_text(hub_env.token)
    assert [a.name for a in remote_listing("org/gated-reranker").artifacts] == ["m-Q8_0.gguf"]


def test_unknown_repo_and_offline_listing(hub_env, monkeypatch):
    with pytest.raises(RepoNotFoundError, match="Repository not found: nobody/nothing"):
        remote_listing("nobody/nothing")
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    with pytest.raises(HubOfflineError, match="Offline"):
        remote_listing("nobody/nothing")
