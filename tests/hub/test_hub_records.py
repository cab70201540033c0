"""The model manager's own files of the wrong shape, symlinked repos, /proc, FIFOs, same-named imports."""

import json
import logging
import os

import pytest

from app.core.errors import BadInputError
from app.hub import catalogue, delete, import_path, resolve
from app.hub.importer import list_imports
from app.hub.store import hub_data_dir, last_used, record_use
from tests.hub.conftest import cache_dir


def _gguf(folder):
    folder.mkdir(parents=True)
    path = folder / "model-Q8_0.gguf"
    path.write_bytes(b"GGUF" + b"0" * 100)
    return path


def _record(name, text):
    hub_data_dir().mkdir(parents=True, exist_ok=True)
    (hub_data_dir() / name).write_text(text, encoding="utf-8")


def _backups(name):
    return sorted(p for p in hub_data_dir().glob(f"{name}.damaged-*"))


@pytest.mark.parametrize("text", ["[1, 2, 3]", "5", "null", "{broken", "[" * 100_000 + "]" * 100_000])
def test_usage_json_of_the_wrong_shape_never_breaks_scoring_or_listing(tmp_path, hub_env, text, caplog):
    gguf = _gguf(tmp_path / "m")
    import_path(gguf)
    _record("usage.json", text)
    with caplog.at_level(logging.WARNING, logger="app.hub.store"):
        resolved = resolve("local/m", backend="gguf")  # records the use: the path every `score` takes
    assert resolved.path == gguf.parent
    assert [m.repo_id for m in catalogue().models] == ["local/m"]
    assert last_used("local/m:model-Q8_0.gguf") is not None  # a fresh record replaced the set-aside one
    (backup,) = _backups("usage.json")
    assert backup.read_text(encoding="utf-8") == text
    assert any("usage.json is unusable" in r.getMessage() and str(backup) in r.getMessage() for r in caplog.records)


def test_corrupt_imports_json_is_kept_as_a_backup_not_silently_replaced(tmp_path, hub_env, caplog):
    earlier = '[{"name": "local/old", "path": "/old", "file": "m.gguf"'
    _record("imports.json", earlier)
    with caplog.at_level(logging.WARNING, logger="app.hub.store"):
        import_path(_gguf(tmp_path / "new"))
    assert [i.name for i in list_imports()] == ["local/new"]
    (backup,) = _backups("imports.json")
    assert backup.read_text(encoding="utf-8") == earlier
    assert any("imports.json is unusable" in r.getMessage() for r in caplog.records)


def test_imports_entries_of_the_wrong_type_are_skipped_and_the_file_copied(hub_env, caplog):
    good = {"name": "local/a", "path": "/a", "file": "m.gguf", "format": "gguf", "quant": "Q8_0", "size": 1,
            "added": 0.0}
    _record("imports.json", json.dumps([good, {**good, "path": 5}, "junk", {**good, "size": "big"}]))
    with caplog.at_level(logging.WARNING, logger="app.hub.store"):
        assert [i.name for i in list_imports()] == ["local/a"]
    (backup,) = _backups("imports.json")
    assert '"junk"' in backup.read_text(encoding="utf-8")
    assert [m.repo_id for m in catalogue().models] == ["local/a"]
    assert len(_backups("imports.json")) == 1 and len(json.loads((hub_data_dir() / "imports.json").read_text())) == 1


def test_two_folders_with_the_same_name_get_unique_names(tmp_path, hub_env):
    (one,) = import_path(_gguf(tmp_path / "one" / "model").parent)
    (two,) = import_path(_gguf(tmp_path / "two" / "model").parent)
    assert (one.name, two.name) == ("local/model", "local/model-2")
    assert resolve("local/model-2", backend="gguf").path == tmp_path / "two" / "model"
    assert resolve("local/model", backend="gguf").path == tmp_path / "one" / "model"
    assert import_path(tmp_path / "two" / "model") == [two]  # re-import keeps its name


def test_legacy_duplicate_names_are_refused_not_silently_the_first(tmp_path, hub_env):
    entries = [{"name": "local/model", "path": str(tmp_path / p), "file": "m.gguf", "format": "gguf",
                "quant": "Q8_0", "size": 1, "added": 0.0} for p in ("one", "two")]
    _record("imports.json", json.dumps(entries))
    with pytest.raises(BadInputError, match=r"local/model names 2 imported folders .*one.*two"):
        resolve("local/model", backend="gguf")


def test_rm_of_a_symlinked_repo_folder_is_a_message(tmp_path, hub_env):
    real = tmp_path / "elsewhere" / "models--o--n"
    (real / "snapshots" / "abc").mkdir(parents=True)
    cache = cache_dir()
    os.makedirs(cache, exist_ok=True)
    os.symlink(real, os.path.join(cache, "models--o--n"))
    with pytest.raises(BadInputError, match="is a symbolic link to .*elsewhere"):
        delete("o/n")
    assert real.is_dir()


def test_import_of_proc_and_of_a_fifo_are_messages(tmp_path, hub_env):
    with pytest.raises(BadInputError, match="more than 2000 files"):
        import_path("/proc")
    fifo = tmp_path / "model.gguf"
    os.mkfifo(fifo)
    with pytest.raises(BadInputError, match="FIFO"):
        import_path(fifo)


def test_record_use_survives_a_fifo_in_place_of_usage_json(hub_env):
    hub_data_dir().mkdir(parents=True, exist_ok=True)
    os.mkfifo(hub_data_dir() / "usage.json")
    record_use("x:y")  # must not block
    assert last_used("x:y") is not None
