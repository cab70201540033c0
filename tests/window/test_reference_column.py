"""A Reference (transformers) column: offered for safetensors checkpoints, marked, and compared with by default.

These need no torch: they check what the window does with a reference column's spec, not its scores.
"""

from __future__ import annotations

from app.core.types import BackendConfig, Document
from app.ui.columns.discover import list_artifacts
from app.ui.columns.settings_dialog import ColumnSettingsDialog
from app.ui.columns.spec import default_name, new_spec
from app.ui.drift_panel import DriftPanel
from tests.window.test_drift_panel import run_of


def test_safetensors_checkpoint_is_offered_to_the_reference_backend(qtbot, fixtures_dir):
    assert ("model.safetensors", "torch") in {(a.file, a.backend) for a in list_artifacts(fixtures_dir / "tiny-bert")}
    spec = new_spec(BackendConfig(str(fixtures_dir / "tiny-bert"), "onnx", file="onnx/model.onnx"))
    dialog = ColumnSettingsDialog(spec, ["onnx", "gguf", "ct2", "torch"])
    qtbot.addWidget(dialog)
    dialog.artifact.setCurrentText("model.safetensors")
    edited = dialog.spec()
    assert edited.config.backend == "torch"
    assert edited.name == default_name(edited.config) == "tiny-bert · Reference (transformers) · CPU"


def test_reference_column_is_marked_and_chosen_as_the_reference(window, fixtures_dir):
    onnx = window.add_column(BackendConfig(str(fixtures_dir / "tiny-bert"), "onnx", file="onnx/model.onnx"))
    assert window.reference_index() == 0
    ref = window.add_column(BackendConfig(str(fixtures_dir / "tiny-bert"), "torch", file="model.safetensors"))
    assert window.reference_index() == 1  # the reference column, not the first one
    assert ref.title.text().startswith("★ ") and "Reference column" in ref.title.toolTip()
    assert not onnx.title.text().startswith("★")
    window.add_column(BackendConfig(str(fixtures_dir / "tiny-bert"), "ct2", file="ct2"))
    assert window.reference_index() == 1  # stays on it when more columns come
    window.set_reference_index(2)  # the user's choice is kept until the columns change
    assert window.reference_index() == 2


def test_drift_panel_compares_with_the_reference_by_default(qtbot):
    panel = DriftPanel()
    qtbot.addWidget(panel)
    docs = [Document(f"doc {i}") for i in range(3)]
    a, b, c = run_of([1.0, 0.0, -1.0]), run_of([1.1, 0.1, -1.0]), run_of([0.9, 0.2, -1.2])
    panel.set_columns([("onnx", a, docs), ("gguf", b, docs), ("ref", c, docs)], reference="ref")
    assert (panel.a.currentText(), panel.b.currentText()) == ("ref", "gguf")
    panel.b.setCurrentText("onnx")  # the user's pick of B stays when results come in again
    panel.set_columns([("onnx", a, docs), ("gguf", b, docs), ("ref", c, docs)], reference="ref")
    assert (panel.a.currentText(), panel.b.currentText()) == ("ref", "onnx")
    panel.set_columns([("onnx", a, docs), ("gguf", b, docs)], reference=None)
    assert panel.a.currentText() == "onnx"
