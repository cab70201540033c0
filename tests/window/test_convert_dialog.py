"""The Convert… dialog: format checkboxes from the family rules, size estimate and disk-space refusal, the
missing-extra message, and (with the convert extra) a real conversion through the CLI subprocess with its
report, Cancel mid-way, and Compare all adding and running the columns. Real Qt offscreen."""

from __future__ import annotations

import json
import struct
import sys
from pathlib import Path

import pytest
from uihelpers import group, set_input

from app.backends.registry import convert_hint
from app.convert.formats import TARGETS
from app.ui import convert_plan as cp
from app.ui.columns import controller as states
from app.ui.convert_dialog import FORMATS_PAGE, REPORT_PAGE, ConvertDialog
from app.ui.convert_report import ReportTable
from app.ui.models_dialog import ModelsDialog

QUICK = ("onnx:fp32", "ct2:int8")  # no llama.cpp converter needed: quick on 2 cores


def _dialog(qtbot, folder: Path, tmp_path: Path, **kw) -> ConvertDialog:
    kw.setdefault("missing", lambda: None)
    dlg = ConvertDialog(str(folder), folder, folder.name, out=tmp_path / "out", **kw)
    qtbot.addWidget(dlg)
    return dlg


def _only(dlg: ConvertDialog, names) -> None:
    for name, box in dlg.boxes.items():
        box.setChecked(name in names)


def _safetensors_params(path: Path) -> int:
    with path.open("rb") as fh:
        (n,) = struct.unpack("<Q", fh.read(8))
        header = json.loads(fh.read(n))
    sizes = {"F32": 4, "F16": 2, "BF16": 2, "I64": 8}
    return sum((v["data_offsets"][1] - v["data_offsets"][0]) // sizes[v["dtype"]]
               for k, v in header.items() if k != "__metadata__")


def test_format_checkboxes_follow_the_family_rules(qtbot, fixtures_dir, tmp_path):
    bert = _dialog(qtbot, fixtures_dir / "tiny-bert", tmp_path)
    assert set(bert.boxes) == set(TARGETS)
    checked = {n for n, b in bert.boxes.items() if b.isChecked()}
    assert checked == {"onnx:fp32", "onnx:fp16", "onnx:int8", "ct2:fp32", "ct2:int8", "ct2:int8_float16"}
    # GGUF runs BERT but feeds token type 0: allowed, not pre-checked, with the reason
    assert bert.boxes["gguf:q8_0"].isEnabled() and "token type" in bert.boxes["gguf:q8_0"].toolTip()
    qwen = _dialog(qtbot, fixtures_dir / "tiny-qwen3-reranker", tmp_path)
    assert qwen.boxes["onnx:fp32"].isChecked() and qwen.boxes["gguf:q8_0"].isChecked()
    if not qwen.boxes["ct2:int8"].isEnabled():  # a seq-cls decoder: disabled, the reason as tooltip
        assert "CTranslate2" in qwen.boxes["ct2:int8"].toolTip()


def test_unfaithful_formats_are_disabled_with_the_reason():
    from app.core.families import detect_from_config

    config = {"model_type": "distilbert", "architectures": ["DistilBertForSequenceClassification"], "num_labels": 1}
    rows = {c.target.name: c for c in cp.choices(detect_from_config(config), config)}
    assert not rows["gguf:f16"].enabled and not rows["gguf:f16"].checked
    assert "tanh" in rows["gguf:f16"].reason
    assert rows["onnx:fp32"].enabled and rows["onnx:fp32"].checked


def test_size_estimate_and_disk_space_refusal(qtbot, fixtures_dir, tmp_path):
    folder = fixtures_dir / "tiny-bert"
    params = _safetensors_params(folder / "model.safetensors")
    assert cp.parameter_count(folder) == params > 10_000
    free = [10**9]
    dlg = _dialog(qtbot, folder, tmp_path, free_space=lambda _p: free[0])
    _only(dlg, ("onnx:int8",))  # quantized from an fp32 export that is not kept: both count
    needed, _ = dlg.space()
    assert needed == int(params * 1.0 * cp.HEADROOM) + int(params * 4.0 * cp.HEADROOM)
    assert cp.human(needed) in dlg.estimate_label.text()
    assert "onnx:int8  (~" in dlg.boxes["onnx:int8"].text()
    free[0] = needed - 1
    assert dlg.start() is False
    assert dlg.process is None and dlg.pages.currentIndex() == FORMATS_PAGE
    assert "Not enough disk space" in dlg.notice.text() and cp.human(needed) in dlg.notice.text()
    _only(dlg, ())
    assert dlg.start() is False and "at least one format" in dlg.notice.text()


def test_missing_convert_extra_says_how_to_get_it(qtbot, fixtures_dir, tmp_path):
    reason = cp.missing_extra(find=lambda m: None if m == "torch" else object())
    assert reason.endswith(convert_hint()) and "torch not installed" in reason
    assert cp.missing_extra(find=lambda m: object()) is None
    dlg = _dialog(qtbot, fixtures_dir / "tiny-bert", tmp_path, missing=lambda: reason)
    assert not dlg.convert_btn.isEnabled()
    assert convert_hint() in dlg.notice.text()


def test_report_table_marks_ranking_changes_red(qtbot):
    table = ReportTable()
    qtbot.addWidget(table)
    ok = {"target": "onnx:fp32", "path": "onnx/model.onnx", "size_bytes": 2048, "load_ms": 5.0,
          "pairs_per_s": 100.0, "max_abs": 1e-5, "mean_abs": 1e-6, "top1_kept": True, "tau": 1.0, "ndcg10": 0.5}
    bad = dict(ok, target="gguf:q4_k", path="gguf/model-q4_k_m.gguf", top1_kept=False, tau=0.4,
               queries_reranked=3, ranking_changed=True)
    table.set_report({"reference": {"load_ms": 9.0, "pairs_per_s": 50.0, "ndcg10": 0.5}, "validation_pairs": 30,
                      "heldout_queries": 8, "artifacts": [ok, bad]})
    assert table.rowCount() == 3 and table.item(1, 0).text() == "onnx:fp32"
    assert table.red_rows() == ["gguf:q4_k"]
    assert table.item(2, 6).text() == "CHANGED" and "ranking changed" in table.item(2, 9).text()


def test_models_dialog_offers_convert_for_a_local_folder(qtbot, hub_env, fixtures_dir):
    dlg = ModelsDialog()
    qtbot.addWidget(dlg)
    dlg.converts.pick = lambda _parent: str(fixtures_dir / "tiny-bert")
    convert = dlg.converts.local_folder()
    qtbot.addWidget(convert)
    assert convert.folder == fixtures_dir / "tiny-bert" and convert.boxes["onnx:fp32"].isChecked()
    assert not dlg.convert_btn.isEnabled()  # nothing selected on the Downloaded tab


def _wait_report(qtbot, dlg, timeout=300_000):
    qtbot.waitUntil(lambda: not dlg.running(), timeout=timeout)
    assert dlg.pages.currentIndex() == REPORT_PAGE, dlg.notice.text() + "\n" + dlg.log.toPlainText()[-2000:]


@pytest.mark.convert
def test_real_conversion_report_and_compare_all(qtbot, window, fixtures_dir, references):
    models = window.actions_.open_models()
    dlg = models.converts.open(str(fixtures_dir / "tiny-bert"), fixtures_dir / "tiny-bert", "tiny-bert")
    _only(dlg, QUICK)
    assert dlg.start()
    _wait_report(qtbot, dlg)
    out = Path(dlg.result["out"])
    assert (out / "onnx/model.onnx").is_file() and (out / "ct2-int8/model.bin").is_file()
    assert (out / "validation.json").is_file()
    assert [dlg.table.item(r, 0).text() for r in range(dlg.table.rowCount())][1:] == list(QUICK)
    report = json.loads((out / "validation.json").read_text())
    changed = [a["target"] for a in report["artifacts"] if a["ranking_changed"] or not a["top1_kept"]]
    assert dlg.table.red_rows() == changed and "onnx:fp32" not in changed  # fp32 keeps the rankings
    query, docs, _ = group(references, 1)
    set_input(window, query, docs)
    before = len(window.column_controllers())
    choices = dlg.compare_all()
    assert [c.backend for c in choices] == ["torch", "onnx", "ct2"]
    controllers = window.column_controllers()[before:]
    assert len(controllers) == 3
    qtbot.waitUntil(lambda: all(c.state in (states.DONE, states.FAILED) for c in controllers), timeout=120_000)
    assert all(c.state == states.DONE for c in controllers), [c.message for c in controllers]
    assert window.reference_index() == before  # the Reference column is the one compared with


@pytest.mark.convert
def test_cancel_midway_leaves_no_half_written_artifact(qtbot, fixtures_dir, tmp_path):
    dlg = _dialog(qtbot, fixtures_dir / "tiny-bert", tmp_path, missing=cp.missing_extra, grace_ms=20_000)
    _only(dlg, ("onnx:fp32", "onnx:fp16", "onnx:int8", "ct2:fp32", "ct2:int8"))
    assert dlg.start()
    qtbot.waitUntil(lambda: dlg.phase_label.text().startswith("Converting"), timeout=120_000)
    dlg.cancel()
    qtbot.waitUntil(lambda: not dlg.running(), timeout=60_000)
    assert dlg.process.exitCode() == 130  # SIGINT handled: the converter cleaned up, not killed
    assert "cancelled" in dlg.notice.text() and dlg.pages.currentIndex() == FORMATS_PAGE
    out = tmp_path / "out"
    leftovers = [p.name for p in out.iterdir()] if out.exists() else []
    assert not [n for n in leftovers if n.startswith(".convert-")]
    assert not (out / "validation.json").exists()
    # artifacts are renamed into place only after their step: the CT2 steps (after every ONNX one) never ran
    for name in ("ct2-float32", "ct2-int8"):
        assert not (out / name).exists(), name
    # closing the dialog while it converts cancels the same way and waits for the cleanup
    assert dlg.start()
    qtbot.waitUntil(lambda: dlg.phase_label.text().startswith("Converting"), timeout=120_000)
    dlg.reject()
    assert not dlg.running() and dlg.process.exitCode() == 130
    assert not [p.name for p in out.iterdir() if p.name.startswith(".convert-")]


def test_the_gui_side_never_imports_torch(fixtures_dir, tmp_path):
    """The dialog, its plan and the Models dialog hooks run in the GUI process: torch must stay out of it."""
    code = ("import sys; from pathlib import Path; from PySide6.QtWidgets import QApplication; app = QApplication([]);"
            "from app.ui.convert_dialog import ConvertDialog; import app.ui.convert_actions;"
            f"d = ConvertDialog('x', Path({str(fixtures_dir / 'tiny-bert')!r}), 'tiny-bert', out=Path({str(tmp_path)!r}));"
            "d.update_estimate(); print(sorted(m for m in ('torch', 'transformers', 'onnx') if m in sys.modules))")
    import os
    import subprocess

    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", PYTHONPATH=str(Path(__file__).parents[2]))
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().splitlines()[-1] == "[]"


def test_convert_a_safetensors_repo_from_the_hub_tab(qtbot, hub_env, fixtures_dir):
    """Convert… on the Hub tab: the checkpoint is pulled first, then the dialog opens on the snapshot with the
    repo id as the source (the CLI records it as a Hub provenance); the Downloaded tab offers Convert… too."""
    files = {n: (fixtures_dir / "tiny-bert" / n).read_bytes()
             for n in ("config.json", "tokenizer.json", "tokenizer_config.json", "model.safetensors")}
    hub_env.add_repo("acme/tiny-bert-reranker", files, downloads=5, pipeline_tag="text-classification")
    dlg = ModelsDialog()
    qtbot.addWidget(dlg)
    panel = dlg.hub_panel
    with qtbot.waitSignal(panel.searchDone, timeout=15_000):
        panel.search("tiny-bert")
    with qtbot.waitSignal(panel.listingDone, timeout=15_000):
        panel.repos.selectRow(0)
    row = [a.format for a in panel.artifact_model.rows()].index("safetensors")
    panel.artifacts.selectRow(row)
    assert panel.convert_btn.isEnabled() and not panel.download_btn.isEnabled()  # "convert first"
    panel.convert_btn.click()
    qtbot.waitUntil(lambda: bool(dlg.converts.dialogs), timeout=30_000)
    convert = dlg.converts.dialogs[0]
    assert convert.src == "acme/tiny-bert-reranker" and (convert.folder / "model.safetensors").is_file()
    assert convert.name == "acme--tiny-bert-reranker" and convert.params == cp.parameter_count(convert.folder)
    assert convert.out().name == "acme--tiny-bert-reranker"  # the CLI's default folder for the repo
    convert.close()
    dlg.refresh_catalogue(wait=True)
    local = [m for m in dlg.local_model.rows() if m.repo_id == "acme/tiny-bert-reranker"]
    assert [m.format for m in local] == ["safetensors"]
    assert dlg.select_model(local[0].repo_id, local[0].artifact.name)
    assert dlg.convert_btn.isEnabled()
    dlg.convert_btn.click()
    again = dlg.converts.dialogs[-1]
    assert again.src == "acme/tiny-bert-reranker" and again.folder == local[0].path
    dlg.shutdown()
