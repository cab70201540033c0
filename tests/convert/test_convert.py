"""`convert` end to end on the tiny fixture checkpoints: real exporters, real runtimes, the real reference.

Each fixture is converted once per session into every format (``--to`` all) and validated; the tests read the
artifacts, provenance.json and validation.json it wrote. GGUF needs llama.cpp's converter tree: the app's
cached copy, or ``RERANK_PLAYGROUND_LLAMA_CPP_DIR`` / ``LLAMA_CPP_DIR`` (CI fetches it once before the tests).
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

from app.cli import main
from app.convert import llama_tools
from app.convert.formats import TARGETS
from tests.conftest import FIXTURES

pytestmark = pytest.mark.convert
DEVTOOLS_TREE = Path("/work/devtools/llama_cpp_python-0.3.36/vendor/llama.cpp")
MODELS = ("tiny-bert", "tiny-xlmr", "tiny-qwen3-reranker")


def _tree() -> Path | None:
    for value in (os.environ.get(llama_tools.ENV_DIR), os.environ.get("LLAMA_CPP_DIR"), str(DEVTOOLS_TREE)):
        if value and llama_tools.is_tree(Path(value)):
            return Path(value)
    return None


@pytest.fixture(scope="session")
def llama_tree():
    tree = _tree()
    if tree is None:
        pytest.skip(f"no llama.cpp converter tree: set {llama_tools.ENV_DIR} (CI fetches it with "
                    "app.convert.llama_tools.fetch)")
    return tree


@pytest.fixture(scope="session")
def converted(tmp_path_factory, llama_tree):
    """model -> (output folder, JSON printed by convert), converted once per session."""
    done: dict[str, tuple[Path, dict]] = {}

    def get(model: str) -> tuple[Path, dict]:
        if model not in done:
            out = tmp_path_factory.mktemp("converted") / model
            mp = pytest.MonkeyPatch()
            mp.setenv(llama_tools.ENV_DIR, str(llama_tree))
            mp.setenv("RERANK_PLAYGROUND_HOME", str(out.parent / "home"))
            try:
                import contextlib
                import io

                buf = io.StringIO()
                with contextlib.redirect_stdout(buf):
                    rc = main(["convert", str(FIXTURES / model), "--out", str(out), "--to", ",".join(TARGETS),
                               "--heldout-queries", "2", "--threads", "1", "--json"])
            finally:
                mp.undo()
            assert rc == 0, buf.getvalue()[-2000:]
            done[model] = (out, json.loads(buf.getvalue()))
        return done[model]

    return get


@pytest.mark.parametrize("model", MODELS)
def test_every_format_is_written_and_validated(converted, model):
    out, result = converted(model)
    for target in TARGETS.values():
        assert (out / target.path).exists(), target.name
    assert not list(out.glob(".convert-*"))  # no temporary folder left behind
    report = {a["target"]: a for a in result["validation"]["artifacts"]}
    assert set(report) == set(TARGETS) and not [a for a in report.values() if a["error"]]
    for name, a in report.items():
        assert a["size_bytes"] > 0 and a["pairs_per_s"] > 0 and a["load_ms"] > 0
        assert 0 <= a["max_abs"] and -1 <= a["tau"] <= 1 and a["ndcg10"] is not None
        tol = TARGETS[name].tolerance
        if tol is not None and a["max_abs"] > tol:  # allowed only with a warning that names the cause
            assert any("exceeds" in w and "cause:" in w for w in a["warnings"]), (name, a)
    # the exported fp32 ONNX and CT2 models compute what transformers computes
    assert report["onnx:fp32"]["max_abs"] <= 1e-3 and report["ct2:fp32"]["max_abs"] <= 1e-3
    assert (out / "validation.md").read_text(encoding="utf-8").count("| onnx:") == 3


def test_bert_repairs_are_in_the_gguf(converted):
    from app.backends.gguf_meta import read_gguf

    out, _ = converted("tiny-bert")
    _, shapes, _ = read_gguf(out / "gguf" / "model-f32.gguf")
    assert shapes["cls.weight"] == (32, 32) and "cls.output.weight" in shapes  # pooler + head
    head = json.loads((out / "provenance.json").read_text(encoding="utf-8"))
    notes = [n for a in head["artifacts"] if a["target"] == "gguf:q8_0" for n in a["notes"]]
    assert any("pooler" in n for n in notes)
    import numpy as np

    with np.load(out / "ct2-int8" / "classifier_head.npz") as npz:
        assert set(npz.files) == {"classifier.weight", "classifier.bias"}


def test_provenance_and_catalogue(converted):
    from app.convert.source import sha256_of

    out, result = converted("tiny-xlmr")
    prov = json.loads((out / "provenance.json").read_text(encoding="utf-8"))
    assert prov["source"]["kind"] == "local" and prov["family"] == "xlm-roberta"
    assert prov["source"]["sha256"]["model.safetensors"] == sha256_of(FIXTURES / "tiny-xlmr" / "model.safetensors")
    assert {"torch", "transformers", "onnxruntime", "ctranslate2", "llama-cpp-python"} <= set(prov["versions"])
    assert {a["target"] for a in prov["artifacts"]} == set(TARGETS)
    assert all(a["tool"] for a in prov["artifacts"])
    assert len(result["catalogue"]) == len(TARGETS)  # registered as an import: `models list`, Downloaded tab


def test_validate_only_rereads_the_artifacts(converted, capsys, monkeypatch):
    out, _ = converted("tiny-qwen3-reranker")
    (out / "validation.json").unlink()
    rc = main(["convert", "--validate-only", str(out), "--heldout-queries", "0", "--threads", "1"])
    assert rc == 0
    printed = capsys.readouterr().out
    assert "reference (torch fp32)" in printed and "gguf:q4_k" in printed
    data = json.loads((out / "validation.json").read_text(encoding="utf-8"))
    assert data["heldout_queries"] == 0 and len(data["artifacts"]) == len(TARGETS)


def test_default_formats_skip_what_is_unfaithful(tmp_path, capsys):
    rc = main(["convert", str(FIXTURES / "tiny-bert"), "--out", str(tmp_path / "o"), "--to", "onnx:fp32",
               "--no-validate"])
    assert rc == 0 and (tmp_path / "o" / "onnx" / "model.onnx").is_file()
    capsys.readouterr()
    from app.backends.artifacts import family_for
    from app.convert.formats import plan
    from app.core.families import read_config

    family = family_for(FIXTURES / "tiny-bert", None)
    targets, skipped = plan(family, read_config(FIXTURES / "tiny-bert"), None)
    assert {t.runtime for t, _ in skipped} == {"gguf"}  # token types: not in the default list


def _source(tmp_path):
    from app.convert.source import local_source

    return local_source(FIXTURES / "tiny-bert")


def test_a_failed_step_leaves_no_half_written_artifact(tmp_path, monkeypatch):
    from app.backends.artifacts import family_for
    from app.convert import ct2_export
    from app.convert.pipeline import Converter

    def broken(source, out, quantization, family, staging):
        out.mkdir(parents=True)
        (out / "model.bin").write_bytes(b"half")  # a partial artifact...
        raise RuntimeError("disk full")  # ...then the step fails

    monkeypatch.setattr(ct2_export, "convert", broken)
    out = tmp_path / "out"
    targets = [TARGETS["ct2:int8"], TARGETS["onnx:int8"]]
    results = Converter(_source(tmp_path), family_for(FIXTURES / "tiny-bert", None), out, targets,
                        lambda _line: None).run()
    by = {r.target: r for r in results}
    assert "disk full" in by["ct2:int8"].error and by["onnx:int8"].error is None
    assert not (out / "ct2-int8").exists() and (out / "onnx" / "model_quantized.onnx").is_file()
    assert not (out / "onnx" / "model.onnx").exists()  # an intermediate of int8, not asked for
    assert not list(out.glob(".convert-*"))


def test_cancel_stops_between_steps_and_cleans_up(tmp_path):
    from app.backends.artifacts import family_for
    from app.convert.pipeline import Converter
    from app.core.errors import CancelledError

    steps: list[str] = []
    out = tmp_path / "out"
    converter = Converter(_source(tmp_path), family_for(FIXTURES / "tiny-bert", None), out,
                          [TARGETS["ct2:fp32"], TARGETS["ct2:int8"]], lambda _line: None,
                          cancelled=lambda: len(steps) >= 1, step=steps.append)
    with pytest.raises(CancelledError):
        converter.run()
    assert steps == ["ct2:fp32"] and (out / "ct2-float32" / "model.bin").is_file()
    assert not (out / "ct2-int8").exists() and not list(out.glob(".convert-*"))


def test_convert_a_hub_repo_through_the_model_manager(hub_env, tmp_path, capsys):
    files = {name: (FIXTURES / "tiny-bert" / name).read_bytes()
             for name in ("config.json", "tokenizer.json", "tokenizer_config.json", "special_tokens_map.json",
                          "model.safetensors")}
    files["pytorch_model.bin"] = b"a pickle is never fetched"
    hub_env.add_repo("acme/tiny-bert-reranker", files)
    out = tmp_path / "o"
    rc = main(["convert", "acme/tiny-bert-reranker", "--out", str(out), "--to", "ct2:fp32", "--no-validate"])
    assert rc == 0, capsys.readouterr().err
    prov = json.loads((out / "provenance.json").read_text(encoding="utf-8"))
    assert prov["source"]["kind"] == "hub" and prov["source"]["repo"] == "acme/tiny-bert-reranker"
    assert len(prov["source"]["revision"]) == 40 and "model.safetensors" in prov["source"]["sha256"]
    assert (out / "ct2-float32" / "classifier_head.npz").is_file()
    snapshot = Path(os.environ["HF_HOME"])
    assert not list(snapshot.rglob("pytorch_model.bin"))


def test_missing_checkpoint_is_one_clear_line(tmp_path, capsys):
    shutil.copy(FIXTURES / "tiny-bert" / "config.json", tmp_path / "config.json")
    rc = main(["convert", str(tmp_path)])
    assert rc == 2 and "No model.safetensors" in capsys.readouterr().err


def test_ctrl_c_stops_the_converter_and_leaves_nothing(tmp_path, llama_tree):
    """SIGINT while llama.cpp's converter runs: exit 130, the child stopped, no artifact, no temporary folder."""
    import signal
    import subprocess
    import sys
    import time

    out = tmp_path / "o"
    env = dict(os.environ, RERANK_PLAYGROUND_HOME=str(tmp_path / "home"),
               **{llama_tools.ENV_DIR: str(llama_tree)})
    proc = subprocess.Popen([sys.executable, "-m", "app.cli", "convert", str(FIXTURES / "tiny-xlmr"), "--out",
                             str(out), "--to", "gguf:f32", "--no-validate"], cwd=Path(__file__).parents[2],
                            env=env, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 120
    while not list(out.glob(".convert-*")) and time.monotonic() < deadline:
        time.sleep(0.05)
    time.sleep(0.5)  # the converter child is starting
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err[-2000:]
    assert "interrupted" in err and "Traceback" not in err
    assert not (out / "gguf").exists() and not list(out.glob(".convert-*"))
