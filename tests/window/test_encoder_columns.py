"""Column settings for the encoder runtime options, and a corrupt model's column failing with the reason."""

from __future__ import annotations

import shutil

import numpy as np
from uihelpers import group, run_and_wait, set_input

from app.core.types import BackendConfig, ScoreOptions
from app.ui.columns import controller as states
from app.ui.columns.settings_dialog import ColumnSettingsDialog
from app.ui.columns.spec import new_spec


def test_checkpoint_and_batch_dynamic_int8_round_trip(qtbot, fixtures_dir):
    ckpt = str(fixtures_dir / "tiny-distilbert")
    spec = new_spec(BackendConfig("/elsewhere/ct2", "ct2", checkpoint=ckpt), ScoreOptions())
    dialog = ColumnSettingsDialog(spec, ["onnx", "gguf", "ct2"])
    qtbot.addWidget(dialog)
    assert dialog.checkpoint.text() == ckpt and dialog.checkpoint.isEnabled()
    assert not dialog.batch_dynamic.isEnabled()  # an ONNX-only option
    assert dialog.spec().config.checkpoint == ckpt
    spec = new_spec(BackendConfig(str(fixtures_dir / "tiny-bert"), "onnx", file="onnx/model_quantized.onnx"))
    dialog = ColumnSettingsDialog(spec, ["onnx", "gguf", "ct2"])
    qtbot.addWidget(dialog)
    assert not dialog.batch_dynamic.isChecked() and dialog.batch_dynamic.isEnabled()
    dialog.batch_dynamic.setChecked(True)
    assert dialog.spec().options.batch_dynamic_quant is True
    assert dialog.spec().config.checkpoint is None


def _nan_gguf(fixtures_dir, folder):
    from gguf import GGUFReader

    src = fixtures_dir / "tiny-xlmr" / "gguf" / "model-f16.gguf"
    folder.mkdir()
    bad = folder / "model.gguf"
    shutil.copy(src, bad)
    tensor = next(t for t in GGUFReader(str(src)).tensors
                  if t.name.endswith("norm.weight") and t.tensor_type.name == "F32")
    with bad.open("r+b") as fh:
        fh.seek(tensor.data_offset)
        fh.write(np.full(int(tensor.n_elements), np.nan, dtype=np.float32).tobytes())
    return bad


def test_nan_scores_turn_the_column_red_with_the_reason(qtbot, window, fixtures_dir, references, tmp_path):
    bad = window.add_column(BackendConfig(str(_nan_gguf(fixtures_dir, tmp_path / "nan")), "gguf"))
    good = window.add_column(BackendConfig(str(fixtures_dir / "tiny-xlmr"), "onnx", file="onnx/model.onnx"))
    query, docs, _ = group(references, 0)
    set_input(window, query, docs)
    run_and_wait(qtbot, window)
    assert good.controller.state == states.DONE
    assert bad.controller.state == states.FAILED and bad.property("failed") is True
    assert "non-finite scores" in bad.error.text() and bad.error.isVisibleTo(window)
