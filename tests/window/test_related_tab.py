"""The Models dialog's "Same model, other formats" tab (issue 15 §5): find the published conversions of a base
model on the fake Hub, download two of them in one step and get one column per artifact, scored side by side."""

from __future__ import annotations

import pytest

BASE = "fixtures/tiny-bert"


@pytest.fixture
def tree(hub_env, fixtures_dir):
    folder = fixtures_dir / "tiny-bert"
    if not (folder / "config.json").is_file():
        pytest.skip("tiny test models not generated (tests/fixtures/models)")
    hub_env.add_folder(BASE, folder, pipeline_tag="text-ranking", downloads=100)
    side = {n: (folder / n).read_bytes() for n in ("config.json", "tokenizer.json", "tokenizer_config.json")}
    hub_env.add_repo("conv/tiny-bert-onnx", {**side, "onnx/model_quantized.onnx":
                                            (folder / "onnx" / "model_quantized.onnx").read_bytes()},
                     downloads=40, tags=("onnx", f"base_model:{BASE}", f"base_model:quantized:{BASE}"))
    hub_env.add_repo("conv/tiny-bert-GGUF", {"tiny-bert-Q8_0.gguf": (folder / "gguf" / "model-q8_0.gguf").read_bytes()},
                     downloads=30, tags=("gguf", f"base_model:{BASE}", f"base_model:quantized:{BASE}"))
    return hub_env


def test_hub_tab_opens_the_related_tab_for_the_open_repo(qtbot, tree):
    from app.ui.models_dialog import RELATED_TAB, ModelsDialog

    dlg = ModelsDialog()
    qtbot.addWidget(dlg)
    try:
        with qtbot.waitSignal(dlg.hub_panel.searchDone, timeout=15_000):
            dlg.hub_panel.search("tiny-bert")
        assert not dlg.hub_panel.related_btn.isEnabled()
        row = [h.repo_id for h in dlg.hub_panel.search_model.rows()].index(BASE)
        with qtbot.waitSignal(dlg.hub_panel.listingDone, timeout=15_000):
            dlg.hub_panel.repos.selectRow(row)
        assert dlg.hub_panel.related_btn.isEnabled()
        with qtbot.waitSignal(dlg.related_panel.found, timeout=15_000) as sig:
            dlg.hub_panel.related_btn.click()
        assert dlg.tabs.currentIndex() == RELATED_TAB and sig.args[0].base == BASE
        table = dlg.related_panel.model
        cells = [tuple(table.data(table.index(r, c)) for c in (0, 1, 2)) for r in range(table.rowCount())]
        assert cells == [("GGUF", "Q8_0", "conv/tiny-bert-GGUF · tiny-bert-Q8_0.gguf"),
                         ("ONNX", "int8", "conv/tiny-bert-onnx · onnx/model_quantized.onnx")]
    finally:
        dlg.shutdown()


def test_download_and_compare_adds_one_scored_column_per_artifact(window, qtbot, tree):
    from app.backends import registry
    from app.core.types import Document
    from tests.window.uihelpers import set_input

    window.clear_columns()
    set_input(window, "what is a cat", [Document(t) for t in ("a cat is an animal", "stocks fell", "cats purr")])
    dlg = window.actions_.open_models()
    panel = dlg.related_panel
    with qtbot.waitSignal(panel.found, timeout=15_000):
        dlg.show_related(BASE)
    assert panel.model.rowCount() == 2 and not panel.compare_btn.isEnabled()
    panel.view.selectAll()
    assert panel.compare_btn.isEnabled()
    before = len(window.column_specs())
    with qtbot.waitSignal(dlg.compareRequested, timeout=60_000) as sig:
        panel.compare_btn.click()
    choices = sig.args[0]
    from app.hub import local_listing

    # the reference column comes only with the torch backend AND the base checkpoint on disk (never pulled here)
    reference = registry.unavailable_reason("torch") is None and local_listing(BASE) is not None
    assert [c.backend for c in choices] == (["torch"] if reference else []) + ["gguf", "onnx"]
    specs = window.column_specs()[before:]
    assert [(s.config.backend, s.config.file) for s in specs][-2:] == [("gguf", "tiny-bert-Q8_0.gguf"),
                                                                       ("onnx", "onnx/model_quantized.onnx")]
    assert all("models--conv--tiny-bert" in s.config.path for s in specs[-2:])
    controllers = list(window.controllers.values())[-2:]
    qtbot.waitUntil(lambda: all(c.last_run is not None for c in controllers), timeout=60_000)  # Run was pressed
    runs = [c.last_run for c in controllers]
    assert [len(r.results) for r in runs] == [3, 3]
    assert runs[0].ranked()[0].index == runs[1].ranked()[0].index  # the same model, two formats: same top document
    dlg.shutdown()
