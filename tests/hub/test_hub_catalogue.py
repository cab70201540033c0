"""Local catalogue: list, reuse of the user's existing HF cache, delete, import without copying, resolve."""

import os
from pathlib import Path

import pytest

from app.core.errors import BadInputError
from app.hub import HubOfflineError, catalogue, choose, delete, import_path, pull, remote_listing, resolve
from tests.hub.conftest import REPO, cache_dir, synthetic_files

ONNX = "onnx/model.onnx"
GGUF = "gguf/tiny-reranker-Q4_K_M.gguf"


def _pull(*names):
    listing = remote_listing(REPO)
    return [pull(listing, choose(listing.artifacts, file=n)) for n in names]


def test_catalogue_lists_artifacts_with_size_and_last_use(repo):
    _pull(ONNX, GGUF)
    cat = catalogue()
    rows = {(m.repo_id, m.artifact.name, m.format, m.quant, m.revision) for m in cat.models}
    assert rows == {(REPO, ONNX, "onnx", "fp32", "main"), (REPO, GGUF, "gguf", "Q4_K_M", "main")}
    files = synthetic_files()
    onnx = next(m for m in cat.models if m.artifact.name == ONNX)
    assert onnx.size == sum(len(files[f]) for f in onnx.artifact.files) and onnx.last_used is None
    assert cat.cache_bytes == sum(len(files[f]) for f in {*onnx.artifact.files, GGUF})  # shared blobs once
    resolve(f"{REPO}:{ONNX}", backend="onnx")
    assert next(m for m in catalogue().models if m.artifact.name == ONNX).last_used is not None


def test_models_already_in_the_users_hf_cache_are_picked_up(repo):
    from huggingface_hub import hf_hub_download

    for name in ("config.json", "tokenizer.json", "onnx/model_O4.onnx"):  # fetched by another tool
        hf_hub_download(REPO, name, cache_dir=cache_dir(), endpoint=os.environ["HF_ENDPOINT"])
    models = catalogue().models
    assert [(m.artifact.name, m.quant) for m in models] == [("onnx/model_O4.onnx", "O4 (fp16)")]
    resolved = resolve(REPO, backend="onnx", allow_download=False)
    assert resolved.source == "cache" and resolved.file == "onnx/model_O4.onnx"


def test_delete_one_artifact_keeps_what_others_share(repo):
    onnx, _ = _pull(ONNX, "onnx/model_qint8_avx512_vnni.onnx")
    files = synthetic_files()
    freed = delete(REPO, ONNX)
    assert freed == len(files[ONNX])
    snap = onnx.snapshot
    assert not (snap / ONNX).exists() and (snap / "config.json").is_file() and (snap / "tokenizer.json").is_file()
    assert [m.artifact.name for m in catalogue().models] == ["onnx/model_qint8_avx512_vnni.onnx"]
    with pytest.raises(BadInputError, match="No artifact 'onnx/model.onnx'"):
        delete(REPO, ONNX)


def test_delete_last_artifact_and_whole_repo_reclaim_everything(repo):
    _pull(GGUF)
    repo_dir = Path(cache_dir()) / "models--acme--tiny-reranker"
    assert delete(REPO, GGUF) == len(synthetic_files()[GGUF])
    assert not repo_dir.exists()
    _pull(ONNX)
    assert delete(REPO) > len(synthetic_files()[ONNX]) and not repo_dir.exists()
    assert catalogue().models == ()
    with pytest.raises(BadInputError, match="not in the cache"):
        delete(REPO)


def test_import_registers_files_where_they_are(tmp_path, hub_env):
    folder = tmp_path / "my-model"
    (folder / "onnx").mkdir(parents=True)
    for name, data in synthetic_files().items():
        if name.startswith(("onnx/model.onnx", "config", "tokenizer")):
            (folder / name).write_bytes(data)
    gguf = tmp_path / "loose-Q8_0.gguf"
    gguf.write_bytes(b"GGUF" + b"0" * 100)
    (imported_onnx,) = import_path(folder)
    (imported_gguf,) = import_path(gguf)
    assert (imported_onnx.name, imported_onnx.file, imported_onnx.format) == ("local/my-model", ONNX, "onnx")
    assert (imported_gguf.path, imported_gguf.file, imported_gguf.quant) == (str(tmp_path), gguf.name, "Q8_0")
    assert not list(Path(cache_dir()).parent.rglob("*.gguf"))  # nothing copied into the HF cache
    cat = catalogue()
    assert {(m.repo_id, m.source) for m in cat.models} == {("local/my-model", "imported"),
                                                          (f"local/{tmp_path.name}", "imported")}
    resolved = resolve(f"local/my-model:{ONNX}", backend="onnx")
    assert resolved.path == folder and resolved.file == ONNX and resolved.source == "imported"
    assert import_path(folder) == [imported_onnx]  # importing twice registers once
    assert delete("local/my-model") == 0 and (folder / ONNX).is_file()  # forgotten, files kept
    gguf.unlink()
    assert [m.missing for m in catalogue().models] == [True]


def test_import_ct2_folder_and_reject_junk(tmp_path, hub_env):
    model = tmp_path / "m"
    for name, data in synthetic_files().items():
        if name.startswith("ct2-int8/") or name in ("tokenizer.json", "config.json"):
            (model / name).parent.mkdir(parents=True, exist_ok=True)
            (model / name).write_bytes(data)
    (item,) = import_path(model / "ct2-int8")  # the CT2 folder itself; its tokenizer.json sits above it
    assert (item.path, item.file, item.format, item.quant) == (str(model), "ct2-int8", "ct2", "int8")
    fake = tmp_path / "fake.gguf"
    fake.write_bytes(b"NOPE")
    with pytest.raises(BadInputError, match="not a GGUF file"):
        import_path(fake)
    (tmp_path / "w").mkdir()
    (tmp_path / "w" / "pytorch_model.bin").write_bytes(b"pickle")
    with pytest.raises(BadInputError, match="No runnable model"):
        import_path(tmp_path / "w")
    with pytest.raises(BadInputError, match="does not exist"):
        import_path(tmp_path / "nope")


def test_resolve_uses_the_cache_offline_and_pulls_when_online(repo, hub_env, monkeypatch):
    first = resolve(f"{REPO}:{GGUF}", backend="gguf")
    assert first.source == "download" and (first.path / GGUF).read_bytes() == synthetic_files()[GGUF]
    hub_env.stop()  # no network at all
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    again = resolve(REPO, backend="gguf")
    assert (again.source, again.path, again.file) == ("cache", first.path, GGUF)
    with pytest.raises(HubOfflineError, match="not in the cache.*models pull"):
        resolve(REPO, backend="onnx")
    with pytest.raises(BadInputError, match="GGUF artifact: the 'gguf' backend can run it, not 'onnx'"):
        resolve(f"{REPO}:{GGUF}", backend="onnx")
