"""Every bad input to the CLI is one line on stderr and exit status 2: never a traceback, a crash or a hang."""

import os
import subprocess
import sys
from pathlib import Path

import docx
import pytest

from app.backends import registry
from app.cli import main
from app.core.errors import BadInputError
from app.core.limits import max_threads
from app.core.types import BackendConfig
from tests.core.test_importers import make_pdf

ROOT = Path(__file__).resolve().parent.parent


def _score(fixtures_dir, *args, backend="onnx", file="onnx/model.onnx"):
    model = ["--model", str(fixtures_dir / "tiny-bert"), "--backend", backend] + (["--file", file] if file else [])
    return ["score", *model, "--query", "cat", *args]


def _one_line_error(capsys, rc, *needles):
    err = capsys.readouterr().err
    assert rc == 2 and err.count("\n") == 1 and err.startswith("error: ") and "Traceback" not in err, err
    for needle in needles:
        assert needle in err, err
    return err


def _run(argv, timeout=60, **env):
    """The CLI in a subprocess: a hang or a native crash is reported instead of taking the test run down."""
    environ = {**os.environ, "PYTHONPATH": str(ROOT), **env}
    proc = subprocess.run([sys.executable, "-m", "app.cli", *argv], capture_output=True, text=True,
                          timeout=timeout, env=environ, cwd=ROOT)
    return proc.returncode, proc.stdout, proc.stderr


@pytest.mark.parametrize("backend,file", [("onnx", "onnx/model.onnx"), ("gguf", "gguf/model-f16.gguf"),
                                          ("ct2", "ct2")])
@pytest.mark.parametrize("threads", ["100000", "-3"])
def test_threads_beyond_the_machine_are_refused_before_loading(fixtures_dir, capsys, backend, file, threads):
    rc = main(_score(fixtures_dir, "--doc", "d", "--threads", threads, backend=backend, file=file))
    _one_line_error(capsys, rc, f"--threads {threads}", f"1 to {max_threads()}")


def test_threads_are_checked_on_the_gui_path_too(fixtures_dir):
    """GUI columns load through registry.load (in their worker): the same check applies there."""
    with pytest.raises(BadInputError, match="threads 100000 is not usable on this machine"):
        registry.load(BackendConfig(str(fixtures_dir / "tiny-bert"), "gguf", file="gguf/model-f16.gguf",
                                    threads=100000))
    backend = registry.load(BackendConfig(str(fixtures_dir / "tiny-bert"), "onnx", file="onnx/model.onnx",
                                          threads=max_threads()))
    backend.close()


@pytest.mark.parametrize("top_n", ["-1", "0"])
def test_top_n_below_one_is_refused(fixtures_dir, capsys, top_n):
    rc = main(_score(fixtures_dir, "--doc", "a", "--doc", "b", "--top-n", top_n))
    _one_line_error(capsys, rc, f"--top-n must be 1 or more (got {top_n})")


def test_docs_that_are_not_regular_files(fixtures_dir, tmp_path, capsys):
    (tmp_path / "empty-dir").mkdir()
    os.mkfifo(tmp_path / "pipe.txt")
    for target, words in [(tmp_path / "empty-dir", "empty-dir holds no readable documents"),
                          (tmp_path / "pipe.txt", "named pipe (FIFO)"), (Path("/dev/zero"), "a device")]:
        rc = main(_score(fixtures_dir, "--docs", str(target)))
        err = _one_line_error(capsys, rc, words)
        assert "not found" not in err


def test_unreadable_docs_file(fixtures_dir, tmp_path, capsys, monkeypatch):
    secret = tmp_path / "secret.txt"
    secret.write_text("a\nb\n", encoding="utf-8")
    secret.chmod(0)
    if os.geteuid() == 0:  # root reads anything: fail the open as it fails for a user
        real_open = os.open
        monkeypatch.setattr(os, "open", lambda p, *a, **k: (_ for _ in ()).throw(PermissionError(13, "denied"))
                            if str(p) == str(secret) else real_open(p, *a, **k))
    rc = main(_score(fixtures_dir, "--docs", str(secret)))
    _one_line_error(capsys, rc, "secret.txt", "permission denied")


def test_fifo_as_model_or_import_never_hangs(tmp_path):
    fifo = tmp_path / "model.gguf"
    os.mkfifo(fifo)
    env = {"RERANK_PLAYGROUND_HOME": str(tmp_path / "home"), "HF_HUB_OFFLINE": "1"}
    for argv in (["score", "--model", str(fifo), "--backend", "gguf", "--query", "q", "--doc", "d"],
                 ["models", "import", str(fifo)]):
        rc, _, err = _run(argv, timeout=60, **env)
        assert rc == 2 and "FIFO" in err and err.count("\n") == 1, err


def test_docs_read_like_the_gui_csv_pdf_docx_latin1(fixtures_dir, tmp_path, capsys):
    csv_file = tmp_path / "t.csv"
    csv_file.write_text("id,text,title\n1,a cat sat,Cats\n2,stocks fell,Money\n", encoding="utf-8")
    assert main(_score(fixtures_dir, "--docs", str(csv_file), "--json")) == 0
    assert {r["index"] for r in __import__("json").loads(capsys.readouterr().out)["results"]} == {0, 1}
    assert main(_score(fixtures_dir, "--docs", str(csv_file), "--docs-column", "title")) == 0
    assert "Money" in capsys.readouterr().out
    pdf = tmp_path / "p.pdf"
    make_pdf(pdf, ["Cats are small animals.", "The stock market fell."])
    assert main(_score(fixtures_dir, "--docs", str(pdf))) == 0
    out = capsys.readouterr().out
    assert "2 docs" in out and "Cats are small animals." in out
    d = docx.Document()
    d.add_paragraph("A cat on a mat.")
    d.add_paragraph("Bonds rose.")
    d.save(tmp_path / "w.docx")
    assert main(_score(fixtures_dir, "--docs", str(tmp_path / "w.docx"))) == 0
    assert "2 docs" in capsys.readouterr().out
    latin = tmp_path / "latin1.txt"
    latin.write_bytes("caf\xe9\nna\xefve\n".encode("latin-1"))
    assert main(_score(fixtures_dir, "--docs", str(latin))) == 0
    assert "warning: latin1.txt is not valid UTF-8" in capsys.readouterr().err


def test_csv_unterminated_quote_and_bad_column(fixtures_dir, tmp_path, capsys):
    bad = tmp_path / "q.csv"
    bad.write_text('id,text\n1,"a cat sat\n2,stocks fell\n3,dogs bark\n', encoding="utf-8")
    _one_line_error(capsys, main(_score(fixtures_dir, "--docs", str(bad))), "q.csv line 2", "closing quote")
    good = tmp_path / "g.csv"
    good.write_text("id,text\n1,x\n", encoding="utf-8")
    _one_line_error(capsys, main(_score(fixtures_dir, "--docs", str(good), "--docs-column", "body")),
                    'no column "body"', "id, text")


def test_deep_or_huge_json_in_docs_and_datasets(fixtures_dir, tmp_path, capsys):
    docs = tmp_path / "d.jsonl"
    docs.write_text('{"text": "ok"}\n' + "[" * 100_000 + "]" * 100_000 + '\n{"n": ' + "7" * 5000 + "}\n",
                    encoding="utf-8")
    assert main(_score(fixtures_dir, "--docs", str(docs))) == 0
    err = capsys.readouterr().err
    assert "d.jsonl: skipped line(s) 2, 3: not valid JSON (line 2: nested too deeply" in err
    dataset = tmp_path / "eval.jsonl"
    dataset.write_text('{"query": "q", "documents": ["a"], "labels": [1], "n": ' + "7" * 5000 + "}\n")
    rc = main(["eval", "--model", str(fixtures_dir / "tiny-bert"), "--backend", "onnx", "--file",
               "onnx/model.onnx", "--dataset", str(dataset)])
    _one_line_error(capsys, rc, "eval.jsonl line 1: not valid JSON (a number with more than 4,300 digits)")
