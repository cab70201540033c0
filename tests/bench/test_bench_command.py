"""`rerank-playground bench` end to end on the tiny fixture models: real workers, real runtimes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from app.cli import main
from app.core.errors import BadInputError


@pytest.fixture()
def tiny_bert(fixtures_dir):
    path = fixtures_dir / "tiny-bert"
    if not (path / "onnx" / "model_quantized.onnx").is_file():
        pytest.skip("tiny-bert fixture not generated yet (branch fixtures)")
    return path


def test_all_backends_with_baselines_json(tiny_bert, capsys):
    rc = main(["bench", "--model", str(tiny_bert), "--backend", "all", "--docs", "6", "--doc-tokens", "12",
               "--reps", "2", "--latency-queries", "2", "--baseline", "--threads", "1", "--json"])
    assert rc == 0
    data = json.loads(capsys.readouterr().out)
    reports = {r["backend"]: r for r in data["reports"]}
    assert set(reports) == {"onnx", "gguf", "ct2"}
    for name, rep in reports.items():
        engines = {e["name"]: e for e in rep["engines"]}
        assert engines["ours"]["rss_mb"] > 10 and engines["ours"]["load_ms"] > 0
        assert engines["ours"]["device"].lower().startswith("cpu")
        cell = rep["cells"][0]
        assert cell["n_docs"] == 6 and all(len(m["seconds"]) == 2 for m in cell["measurements"])
        assert cell["max_abs_diff"]["raw"] < 1e-3, name  # the baseline computes the same scores
        assert rep["latency"]["queries"] == 2 and rep["latency"]["p95_ms"] >= rep["latency"]["p50_ms"]
        assert rep["latency"]["docs_per_query"] == 6  # --docs 6: queries of 6 documents, as reported
    assert "embed-list" in {m["name"] for m in reports["gguf"]["cells"][0]["measurements"]}
    assert {t["backend"] for t in data["targets"]} == {"onnx", "gguf", "ct2"}
    machine = data["machine"]  # which machine the numbers are from
    assert machine["logical_cores"] >= machine["usable_cores"] >= 1 and machine["cpu"]
    assert "onnxruntime" in machine["packages"] and "ctranslate2" in machine["packages"]


def test_sweep_plot_needs_sweep_and_backend_names_are_checked(tiny_bert):
    with pytest.raises(BadInputError, match="--sweep"):
        main(["--debug", "bench", "--model", str(tiny_bert), "--plot", "x.png"])
    with pytest.raises(BadInputError, match="choose from"):
        main(["--debug", "bench", "--model", str(tiny_bert), "--backend", "tensorrt"])
    with pytest.raises(BadInputError, match="single --backend"):
        main(["--debug", "bench", "--model", str(tiny_bert), "--backend", "all", "--file", "onnx/model.onnx"])


def test_missing_model_is_a_clear_error_not_a_traceback(tmp_path, capsys):
    rc = main(["bench", "--model", str(tmp_path / "nope"), "--backend", "onnx", "--docs", "2"])
    assert rc == 2
    assert "error:" in capsys.readouterr().err


def test_machine_description_reads_cpu_model_and_vector_flags(tmp_path):
    from app.bench.machine import describe, format_machine

    info = tmp_path / "cpuinfo"
    info.write_text("processor\t: 0\nmodel name\t: Test CPU 9000\nflags\t\t: fpu sse2 avx2 avx512f avx512_vnni\n\n"
                    "processor\t: 1\nmodel name\t: Test CPU 9000\nflags\t\t: fpu\n")
    machine = describe(info)
    assert machine["cpu"] == "Test CPU 9000" and machine["isa"] == ["avx2", "avx512f", "avx512_vnni"]
    text = format_machine(machine)
    assert text.startswith("machine: Test CPU 9000 · ") and "avx512_vnni" in text and "runtimes: " in text
    assert describe(tmp_path / "missing")["cpu"]  # no /proc/cpuinfo (macOS, Windows): platform's name


def test_a_crashing_backend_is_one_line_and_the_others_are_kept(tiny_bert, capsys, monkeypatch):
    """A real SIGSEGV in the gguf bench worker (tests/runtime/backends_plugin.py): exit 3, onnx still reported."""
    from app.commands.isolation import EXIT_CRASH

    monkeypatch.setenv("RERANK_PLAYGROUND_PLUGINS", str(Path(__file__).parents[1] / "runtime" / "backends_plugin.py"))
    monkeypatch.setenv("RP_TEST_CRASH", "gguf:SIGSEGV")
    rc = main(["bench", "--model", str(tiny_bert), "--backend", "gguf,onnx", "--docs", "4", "--doc-tokens", "8",
               "--reps", "1", "--latency-queries", "0", "--threads", "1", "--json"])
    assert rc == EXIT_CRASH
    captured = capsys.readouterr()
    data = json.loads(captured.out)
    assert [r["backend"] for r in data["reports"]] == ["onnx"]
    (failed,) = data["failed"]
    assert failed["backend"] == "gguf"
    assert failed["error"].startswith("the gguf runtime crashed (signal 11, SIGSEGV) while scoring model-q8_0.gguf (bench engine ours)")
    assert captured.err.strip().splitlines() == [f"error: {failed['error']}"]
