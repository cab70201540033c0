"""The headless `score` command: JSON shape, exit codes, one-line errors."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

from app.cli import main

ROOT = Path(__file__).resolve().parent.parent


def test_json_output_is_cohere_shaped_and_sorted(fixtures_dir, capsys):
    rc = main(["score", "--model", str(fixtures_dir / "tiny-xlmr"), "--backend", "onnx", "--file",
               "onnx/model.onnx", "--query", "what is a cat", "--doc", "a cat is an animal", "--doc",
               "the stock market fell today", "--doc", "cats and dogs", "--json", "--top-n", "2"])
    assert rc == 0
    out = json.loads(capsys.readouterr().out)
    assert out["backend"] == "onnx" and "CPUExecutionProvider" in out["device"]
    assert len(out["results"]) == 2
    scores = [r["relevance_score"] for r in out["results"]]
    assert scores == sorted(scores, reverse=True)
    assert set(out["results"][0]) >= {"index", "relevance_score", "raw_score", "truncated"}
    assert set(out["timings_ms"]) >= {"tokenize_ms", "inference_ms", "total_ms", "load_ms"}


def test_docs_file_and_gguf_warning_in_json(fixtures_dir, tmp_path, capsys):
    docs = tmp_path / "docs.jsonl"
    docs.write_text('{"text": "a cat is an animal"}\n{"text": "stocks fell"}\n', encoding="utf-8")
    rc = main(["score", "--model", str(fixtures_dir / "tiny-bert" / "gguf" / "model-f16.gguf"), "--backend",
               "gguf", "--query", "cat", "--docs", str(docs), "--json"])
    assert rc == 0
    out = json.loads(capsys.readouterr().out)
    assert {w["code"] for w in out["warnings"]} >= {"token_types_ignored", "pooler_dropped"}


def test_table_output_and_chunking(fixtures_dir, capsys):
    long_doc = " ".join(f"word{i}" for i in range(300))
    rc = main(["score", "--model", str(fixtures_dir / "tiny-bert"), "--backend", "ct2", "--file", "ct2",
               "--query", "word5", "--doc", long_doc, "--doc", "short", "--chunk", "40", "--overlap", "8"])
    assert rc == 0
    text = capsys.readouterr().out
    assert "pairs/s" in text and "ct2" in text


@pytest.mark.parametrize("args,message", [
    (["--query", "", "--doc", "x"], "query is empty"),
    (["--query", "q", "--docs", "/nonexistent/docs.txt"], "Documents file not found"),
    (["--query", "q", "--doc", "x", "--chunk", "16", "--overlap", "16"], "--chunk/--overlap"),
])
def test_bad_input_exits_2_with_one_line(fixtures_dir, capsys, args, message):
    rc = main(["score", "--model", str(fixtures_dir / "tiny-bert"), "--backend", "onnx", "--file",
               "onnx/model.onnx", *args])
    err = capsys.readouterr().err
    assert rc == 2 and message in err and err.count("\n") == 1 and "Traceback" not in err


def test_missing_model_in_a_subprocess(tmp_path):
    proc = subprocess.run([sys.executable, "-m", "app.cli", "score", "--model", str(tmp_path / "none"),
                           "--backend", "gguf", "--query", "q", "--doc", "d"],
                          capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert proc.returncode == 2
    assert proc.stderr.startswith("error: Model not found") and "Traceback" not in proc.stderr


def test_command_help_names_the_command_not_the_top_level_usage(capsys):
    import pytest as _pytest

    from app.cli import main

    with _pytest.raises(SystemExit):
        main(["bench", "--help"])
    first = capsys.readouterr().out.splitlines()[0]
    assert first.startswith("usage: rerank-playground bench ") and "SESSION.json" not in first
