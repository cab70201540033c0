"""Column settings dialog and artifact discovery on the tiny fixture models."""

from __future__ import annotations

from app.core.types import Aggregate, BackendConfig, ChunkOptions, ScoreOptions
from app.ui.columns.discover import list_artifacts
from app.ui.columns.settings_dialog import ColumnSettingsDialog
from app.ui.columns.spec import default_name, new_spec, run_options


def test_artifacts_in_a_model_folder(fixtures_dir):
    found = {(a.file, a.backend) for a in list_artifacts(fixtures_dir / "tiny-bert")}
    assert {("onnx/model.onnx", "onnx"), ("onnx/model_quantized.onnx", "onnx"), ("gguf/model-q8_0.gguf", "gguf"),
            ("ct2", "ct2"), ("ct2-int8", "ct2")} <= found


def test_dialog_round_trip_and_backend_follows_artifact(qtbot, fixtures_dir):
    spec = new_spec(BackendConfig(str(fixtures_dir / "tiny-bert"), "onnx", file="onnx/model_quantized.onnx"),
                    ScoreOptions(batch_size=8, chunk=ChunkOptions(64, 16, Aggregate.MEAN)))
    dialog = ColumnSettingsDialog(spec, ["onnx", "gguf", "ct2"])
    qtbot.addWidget(dialog)
    assert dialog.spec() == spec
    dialog.artifact.setCurrentText("ct2-int8")
    dialog.compute.setCurrentText("int8")
    edited = dialog.spec()
    assert edited.config.backend == "ct2" and edited.config.file == "ct2-int8"
    assert edited.config.compute_type == "int8"
    assert edited.name == default_name(edited.config) and "CT2" in edited.name
    assert edited.options.chunk == ChunkOptions(64, 16, Aggregate.MEAN) and edited.options.batch_size == 8


def test_dialog_keeps_the_batch_token_bound(qtbot, fixtures_dir):
    for bound in (None, 0, 300):
        spec = new_spec(BackendConfig(str(fixtures_dir / "tiny-bert"), "onnx"), ScoreOptions(batch_tokens=bound))
        dialog = ColumnSettingsDialog(spec, ["onnx", "gguf", "ct2"])
        qtbot.addWidget(dialog)
        assert dialog.batch_tokens.text() == ("device default" if bound is None else str(bound))
        assert dialog.spec().options.batch_tokens == bound
    dialog.batch_tokens.setValue(1024)
    assert dialog.spec().options.batch_tokens == 1024


def test_dialog_refuses_a_missing_model(qtbot, tmp_path):
    dialog = ColumnSettingsDialog(new_spec(BackendConfig(str(tmp_path / "nothing"), "onnx")), ["onnx"])
    qtbot.addWidget(dialog)
    dialog.accept()
    assert dialog.result() == 0 and "Model not found" in dialog.hint.text()


def test_instruction_only_overrides_when_given():
    spec = new_spec(BackendConfig("m", "onnx"))
    assert run_options(spec, None).instruction is None
    assert run_options(spec, "find answers").instruction == "find answers"


def test_dialog_keeps_the_prompt_format(qtbot, fixtures_dir):
    """A seq-cls decoder's prompt format is a column setting; it round-trips and reaches the exported command."""
    from app.core.export import score_command

    spec = new_spec(BackendConfig(str(fixtures_dir / "tiny-llama-seq-cls"), "onnx", prompt_format="dear"),
                    ScoreOptions())
    dialog = ColumnSettingsDialog(spec, ["onnx", "gguf", "ct2"])
    qtbot.addWidget(dialog)
    assert dialog.prompt_format.currentText() == "dear" and dialog.spec() == spec
    dialog.prompt_format.setCurrentIndex(0)
    assert dialog.spec().config.prompt_format is None
    assert "--prompt-format dear" in score_command(spec, "q", "docs.txt")


def test_auto_name_follows_a_newly_picked_file_and_typed_names_stay(qtbot, fixtures_dir):
    model = fixtures_dir / "tiny-bert"
    dialog = ColumnSettingsDialog(new_spec(BackendConfig(str(model), "onnx", file="onnx/model_quantized.onnx")),
                                  ["onnx", "gguf", "ct2"])
    qtbot.addWidget(dialog)
    before = dialog.name.text()
    gguf = model / "gguf" / "model-q8_0.gguf"
    dialog.path.setText(str(gguf))  # what File… does with the picked file
    dialog._refresh_artifacts()
    assert dialog.backend.currentText() == "gguf"
    assert dialog.name.text() == default_name(dialog.spec().config) != before and "GGUF" in dialog.name.text()
    qtbot.keyClicks(dialog.name, " mine")
    dialog.path.setText(str(model))
    dialog._refresh_artifacts()
    assert dialog.name.text().endswith(" mine") and dialog.spec().name.endswith(" mine")


def test_only_the_options_that_apply_are_shown(qtbot, fixtures_dir):
    from app.ui.columns.remote_fields import REMOTE

    model = fixtures_dir / "tiny-bert"
    dialog = ColumnSettingsDialog(new_spec(BackendConfig(str(model), "gguf", file="gguf/model-q8_0.gguf")),
                                  ["onnx", "gguf", "ct2", "remote"])
    qtbot.addWidget(dialog)
    form = dialog._form
    assert not form.isRowVisible(dialog.gpu_layers)  # GGUF on the CPU: no "GPU layers: all"
    dialog.device.setCurrentText("cuda")
    assert form.isRowVisible(dialog.gpu_layers) and not form.isRowVisible(dialog.compute)
    dialog.artifact.setCurrentText("ct2-int8")
    assert form.isRowVisible(dialog.compute) and not form.isRowVisible(dialog.gpu_layers)
    dialog.source.setCurrentText(REMOTE)  # a server: none of the local model's choices
    for widget in (dialog.models_row, dialog.artifact, dialog.backend, dialog.device, dialog.compute,
                   dialog.gpu_layers, dialog.threads):
        assert not form.isRowVisible(widget)
