"""The Models dialog against the fake Hub (tests/fakehub.py) with real huggingface_hub, real Qt offscreen and,
for the last test, a real runtime on the tiny fixture model downloaded through the dialog."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.hub.conftest import (
    REPO,  # the fixtures fake_hub, hub_env and repo come via tests/window/conftest.py
)

ONNX = "onnx/model.onnx"
DOCS = ["a cat is an animal", "stocks fell sharply today", "cats purr"]


@pytest.fixture
def dialog_factory(qtbot):
    made = []

    def make(**kwargs):
        from app.ui.models_dialog import ModelsDialog

        dlg = ModelsDialog(**kwargs)
        qtbot.addWidget(dlg)
        made.append(dlg)
        return dlg

    yield make
    for dlg in made:
        dlg.shutdown()


def _search(qtbot, dlg, text: str):
    with qtbot.waitSignal(dlg.hub_panel.searchDone, timeout=15_000) as sig:
        dlg.hub_panel.search(text)
    return sig.args[0]


def _open_repo(qtbot, dlg, repo_id: str):
    panel = dlg.hub_panel
    row = [h.repo_id for h in panel.search_model.rows()].index(repo_id)
    with qtbot.waitSignal(panel.listingDone, timeout=15_000) as sig:
        panel.repos.selectRow(row)
    assert sig.args[0] is not None, panel.repo_label.text()
    return sig.args[0]


def _artifact_row(dlg, name: str) -> int:
    return [a.name for a in dlg.hub_panel.artifact_model.rows()].index(name)


def _partials(home: Path) -> list[Path]:
    return list((home / "hub").glob("models--*/blobs/*.incomplete"))


def test_search_shows_repos_and_grouped_artifacts(qtbot, repo, hub_env, dialog_factory):
    hub_env.add_repo("acme/not-a-model-for-ranking", {"config.json": b"{}"}, pipeline_tag="text-generation")
    dlg = dialog_factory()
    with qtbot.waitSignal(dlg.hub_panel.searchDone, timeout=15_000) as sig:
        dlg.hub_panel.search("tiny")
        assert not dlg.hub_panel.search_btn.isEnabled()  # the search runs in a pool thread, not in this call
        assert dlg.hub_panel.search_model.rowCount() == 0
    result = sig.args[0]
    assert [h.repo_id for h in result.hits] == [REPO] and dlg.hub_panel.search_btn.isEnabled()
    assert dlg.hub_panel.search_model.data(dlg.hub_panel.search_model.index(0, 1)) == "1,234"
    _open_repo(qtbot, dlg, REPO)
    table = dlg.hub_panel.artifact_model
    rows = [tuple(table.data(table.index(r, c)) for c in range(table.columnCount())) for r in range(table.rowCount())]
    formats = [r[0] for r in rows]
    assert formats == sorted(formats, key=lambda f: ["ONNX", "GGUF", "CT2", "SAFETENSORS"].index(f))
    by_name = {r[2]: r for r in rows}
    assert by_name[ONNX][1:] == ("fp32", ONNX, "300.1 kB", "ONNX", "")  # weights + config and tokenizer
    assert by_name["gguf/tiny-reranker-Q4_K_M.gguf"][1] == "Q4_K_M"
    assert by_name["ct2-int8"][4] == "CT2"
    assert by_name["model.safetensors"][4] == "convert first"
    assert "pytorch_model.bin" not in by_name  # pickle: never offered
    assert not dlg.hub_panel.notice.isVisible()


def test_gated_repo_says_what_to_do(qtbot, hub_env, dialog_factory):
    hub_env.add_repo("org/gated-reranker", {"config.json": b"{}", "m-Q8_0.gguf": b"GGUF" + b"0" * 100}, gated=True)
    dlg = dialog_factory()
    result = _search(qtbot, dlg, "gated")
    assert dlg.hub_panel.search_model.data(dlg.hub_panel.search_model.index(0, 0)) == "org/gated-reranker 🔒"
    panel = dlg.hub_panel
    with qtbot.waitSignal(panel.listingDone, timeout=15_000) as sig:
        panel.repos.selectRow(0)
    assert sig.args[0] is None and result.hits[0].gated
    assert "token" in panel.repo_label.text().lower() and not panel.download_btn.isEnabled()


def test_download_progress_cancel_and_resume(qtbot, repo, hub_env, dialog_factory, tmp_path):
    from app.ui import hub_downloads as dl

    dlg = dialog_factory()
    _search(qtbot, dlg, "")
    _open_repo(qtbot, dlg, REPO)
    hub_env.throttle_s = 0.02  # 300 kB in 4 kB chunks: about 1.5 s, so the cancel lands mid-file
    task = dlg.hub_panel.download(_artifact_row(dlg, ONNX))
    qtbot.waitUntil(lambda: task.last is not None and task.last.done_bytes > 40_000, timeout=15_000)
    row = dlg.hub_panel.downloads.findChild(dl.DownloadRow)
    assert "kB / " in row.detail.text() and row.bar.value() > 0
    with qtbot.waitSignal(task.finished, timeout=10_000):
        row.cancel_btn.click()
    assert task.state == dl.CANCELLED and row.resume_btn.isVisibleTo(row)
    partial = _partials(tmp_path / "hf")
    assert len(partial) == 1 and 0 < partial[0].stat().st_size < 300_000
    kept = partial[0].stat().st_size
    assert not [m for m in dlg.catalogue.models if m.artifact.name == ONNX]

    hub_env.throttle_s = 0.0
    with qtbot.waitSignal(dlg.catalogueRefreshed, timeout=15_000):
        row.resume_btn.click()
    assert task.state == dl.DONE, task.message
    assert hub_env.gets(ONNX)[-1].range == f"bytes={kept}-"
    assert task.result.reused_bytes >= kept and task.events >= 3
    assert row.bar.value() == 1000 and not _partials(tmp_path / "hf")
    names = [(m.repo_id, m.artifact.name) for m in dlg.catalogue.models]
    assert (REPO, ONNX) in names
    assert dlg.local_model.rowCount() == len(names)
    assert dlg.hub_panel.artifact_model.data(dlg.hub_panel.artifact_model.index(_artifact_row(dlg, ONNX), 5)) == "✓"


def _pull_directly(repo_id: str, file: str):
    from app import hub

    listing = hub.remote_listing(repo_id)
    return hub.pull(listing, hub.choose(listing.artifacts, file=file))


def test_offline_shows_notice_catalogue_works_and_delete(qtbot, repo, hub_env, monkeypatch, dialog_factory,
                                                         tmp_path):
    _pull_directly(REPO, "gguf/tiny-reranker-Q4_K_M.gguf")
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    requests = len(hub_env.log)
    asked = []
    dlg = dialog_factory(confirm=lambda _parent, text: asked.append(text) or len(asked) > 1)
    qtbot.waitUntil(lambda: dlg.hub_panel.offline, timeout=10_000)
    assert "Offline" in dlg.hub_panel.notice.text() and dlg.hub_panel.notice.isVisibleTo(dlg)
    result = _search(qtbot, dlg, "tiny")
    assert result.offline and result.hits == () and "Offline" in dlg.hub_panel.notice.text()
    assert len(hub_env.log) == requests  # offline: not a single request to the Hub

    assert [m.artifact.name for m in dlg.catalogue.models] == ["gguf/tiny-reranker-Q4_K_M.gguf"]
    assert dlg.local_model.data(dlg.local_model.index(0, 4)) == "60.0 kB"
    assert dlg.usage.text().startswith("<b>1 artifact</b> · Hub cache 60.0 kB in")
    dlg.local_view.selectRow(0)
    assert dlg.choice().backend == "gguf"  # resolved from the cache, offline
    before = dlg.catalogue.cache_bytes
    assert dlg.delete_selected() == 0 and dlg.local_model.rowCount() == 1  # declined
    freed = dlg.delete_selected()
    assert "Q4_K_M" in asked[1] and freed >= 60_000
    assert dlg.local_model.rowCount() == 0 and dlg.catalogue.cache_bytes <= before - 60_000
    assert "reclaimed" in dlg.local_notice.text()


def test_import_from_disk(qtbot, hub_env, fixtures_dir, dialog_factory):
    gguf = fixtures_dir / "tiny-bert" / "gguf" / "model-q8_0.gguf"
    if not gguf.is_file():
        pytest.skip("tiny test models not generated (tests/fixtures/models)")
    picks = [None, str(gguf), str(fixtures_dir / "tiny-bert" / "model.safetensors"), None]
    kinds = []
    dlg = dialog_factory(pick=True, pick_import=lambda _parent, kind: kinds.append(kind) or picks.pop(0))
    assert [a.text() for a in dlg.import_btn.menu().actions()] == ["A model file (.gguf, .onnx)…",
                                                                  "A model folder (ONNX or CTranslate2)…"]
    assert dlg.import_from_disk() == [] and dlg.local_model.rowCount() == 0  # the user cancelled
    added = dlg.import_from_disk()
    assert [a.file for a in added] == ["model-q8_0.gguf"]
    assert dlg.local_model.data(dlg.local_model.index(0, 6)) == "imported"
    assert dlg.choice().path == str(gguf.parent) and dlg.use_btn.isEnabled()
    assert dlg.import_from_disk() == [] and "not a model" in dlg.local_notice.text()
    assert dlg.local_model.rowCount() == 1 and gguf.is_file()
    dlg.import_btn.menu().actions()[1].trigger()  # the folder entry asks for a folder (and nothing else)
    assert kinds == ["file", "file", "file", "folder"]


def test_chosen_download_fills_a_column_that_loads_and_scores(qtbot, hub_env, fixtures_dir, dialog_factory):
    folder = fixtures_dir / "tiny-bert"
    if not (folder / "config.json").is_file():
        pytest.skip("tiny test models not generated (tests/fixtures/models)")
    hub_env.add_folder("fixtures/tiny-bert", folder, pipeline_tag="text-ranking")
    from app.backends import registry
    from app.core.types import BackendConfig
    from app.ui.columns.settings_dialog import ColumnSettingsDialog
    from app.ui.columns.spec import new_spec
    from app.ui.models_dialog import LOCAL_TAB

    dlg = dialog_factory(pick=True)
    _search(qtbot, dlg, "tiny")
    _open_repo(qtbot, dlg, "fixtures/tiny-bert")
    with qtbot.waitSignal(dlg.catalogueRefreshed, timeout=30_000):
        dlg.hub_panel.download(_artifact_row(dlg, "onnx/model_quantized.onnx"))
    assert dlg.tabs.currentIndex() == LOCAL_TAB and dlg.selected_model().artifact.name == "onnx/model_quantized.onnx"
    dlg.use_btn.click()
    choice = dlg.chosen()
    assert choice is not None and choice.backend == "onnx" and "models--fixtures--tiny-bert" in choice.path

    settings = ColumnSettingsDialog(new_spec(BackendConfig(path="", backend="gguf")), registry.names())
    qtbot.addWidget(settings)
    settings.apply_choice(choice)
    cfg = settings.spec().config
    assert (cfg.path, cfg.file, cfg.backend) == (choice.path, "onnx/model_quantized.onnx", "onnx")
    assert "tiny-bert" not in settings.spec().name or "ONNX" in settings.spec().name
    pulled = registry.load(cfg).score("what is a cat", DOCS)
    local = registry.load(BackendConfig(path=str(folder), file=cfg.file, backend="onnx")).score("what is a cat", DOCS)
    assert [r.score for r in pulled.results] == pytest.approx([r.score for r in local.results], abs=1e-6)


def test_models_action_opens_the_dialog_and_adds_a_column(window, qtbot, fixtures_dir, monkeypatch, tmp_path):
    gguf = fixtures_dir / "tiny-bert" / "gguf" / "model-q8_0.gguf"
    if not gguf.is_file():
        pytest.skip("tiny test models not generated (tests/fixtures/models)")
    monkeypatch.setenv("HF_HOME", str(tmp_path / "hf"))
    from app import hub

    hub.import_path(gguf)
    action = window.actions_.models
    assert action in window.menuBar().actions()[0].menu().actions()
    action.trigger()
    dlg = window.actions_.models_dialog
    assert dlg is not None and dlg.isVisible() and not dlg.pick
    qtbot.waitUntil(lambda: dlg.hub_panel.offline, timeout=10_000)  # HF_ENDPOINT is a closed port in tests
    assert "Offline" in dlg.hub_panel.notice.text()
    dlg.local_view.selectRow(0)
    dlg.use_btn.click()
    cfg = window.column_specs()[-1].config
    assert (cfg.path, cfg.file, cfg.backend) == (str(gguf.parent), "model-q8_0.gguf", "gguf")
    action.trigger()
    assert window.actions_.models_dialog is dlg
