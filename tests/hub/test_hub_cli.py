"""`rerank-playground models ...` and `score --model REPO[:FILE]` end to end against the fake Hub."""

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from app.cli import main
from tests.hub.conftest import REPO, synthetic_files

ROOT = Path(__file__).resolve().parents[2]
ONNX = "onnx/model.onnx"


def test_search_files_pull_list_rm(repo, capsys, monkeypatch):
    assert main(["models", "search", "tiny"]) == 0
    out = capsys.readouterr().out
    assert REPO in out and "1234" in out
    assert main(["models", "files", REPO]) == 0
    out = capsys.readouterr().out
    for text in ("GGUF", "Q4_K_M", "int8 (avx512-vnni)", "ct2-int8", "backend: none", "convert first",
                 "pytorch_model.bin: pickle"):
        assert text in out
    assert main(["models", "pull", REPO, "--format", "gguf", "--quant", "Q4_K_M"]) == 0
    out = capsys.readouterr().out
    assert f"score --model {REPO}:gguf/tiny-reranker-Q4_K_M.gguf --backend gguf" in out
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    assert main(["models", "pull", REPO, "--format", "gguf", "--quant", "Q4_K_M"]) == 0  # complete: fine offline
    assert "0 B downloaded" in capsys.readouterr().out
    assert main(["models", "pull", REPO, "--format", "onnx"]) == 2
    assert "not in the cache" in capsys.readouterr().err
    monkeypatch.delenv("HF_HUB_OFFLINE")
    assert main(["models", "list", "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert [(m["repo"], m["format"], m["quant"]) for m in listed["models"]] == [(REPO, "gguf", "Q4_K_M")]
    assert main(["models", "rm", REPO, "--file", "gguf/tiny-reranker-Q4_K_M.gguf"]) == 0
    assert "freed" in capsys.readouterr().out
    assert main(["models", "list"]) == 0
    assert "No models on disk yet" in capsys.readouterr().out


def test_pull_needs_a_choice_and_refuses_bad_names(repo, capsys):
    assert main(["models", "pull", REPO]) == 2
    assert "Choose one with --file" in capsys.readouterr().err
    assert main(["models", "pull", REPO, "--file", "../../etc/passwd"]) == 2
    assert "Refused file name" in capsys.readouterr().err
    assert main(["models", "pull", REPO, "--file", "pytorch_model.bin"]) == 2
    assert "never downloads or loads pickles" in capsys.readouterr().err


def test_import_and_list(tmp_path, hub_env, capsys):
    gguf = tmp_path / "m-Q8_0.gguf"
    gguf.write_bytes(b"GGUF" + bytes(64))
    assert main(["models", "import", str(gguf)]) == 0
    assert "files stay in" in capsys.readouterr().out
    assert main(["models", "list"]) == 0
    assert f"local/{tmp_path.name}" in capsys.readouterr().out


def _env(hub, home: Path, **extra) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("HF_")}
    env.update(HF_ENDPOINT=hub.endpoint, HF_HOME=str(home), RERANK_PLAYGROUND_HOME=str(home / "app"),
               PYTHONPATH=str(ROOT), **extra)
    return env


def test_offline_env_in_a_fresh_process(repo, hub_env, tmp_path):
    out = subprocess.run([sys.executable, "-m", "app.cli", "models", "search", "rerank"], cwd=ROOT,
                         env=_env(hub_env, tmp_path, HF_HUB_OFFLINE="1"), capture_output=True, text=True, timeout=60,
                          check=False)
    assert out.returncode == 3 and out.stderr.startswith("Offline:")
    assert hub_env.log == []  # not one request reached the server


def test_ctrl_c_keeps_a_resumable_partial_file(repo, hub_env, tmp_path):
    hub_env.faults.chunk = 4096
    hub_env.throttle_s = 0.01  # ~400 KB/s: the 300 KB file takes most of a second
    home = tmp_path / "hf"
    cmd = [sys.executable, "-m", "app.cli", "models", "pull", f"{REPO}:{ONNX}"]
    proc = subprocess.Popen(cmd, cwd=ROOT, env=_env(hub_env, home), stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    partial = home / "hub" / "models--acme--tiny-reranker" / "blobs" / f"{repo.etag(ONNX)}.incomplete"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and (not partial.exists() or partial.stat().st_size < 40_000):
        time.sleep(0.02)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=30)
    assert proc.returncode == 130 and "run the same command again to resume" in err
    kept = partial.stat().st_size
    assert 40_000 <= kept < len(repo.files[ONNX])
    hub_env.throttle_s = 0
    done = subprocess.run(cmd, cwd=ROOT, env=_env(hub_env, home), capture_output=True, text=True, timeout=60,
                          check=False)
    assert done.returncode == 0, done.stderr
    assert hub_env.gets(ONNX)[-1].range == f"bytes={kept}-"
    snap = home / "hub" / "models--acme--tiny-reranker" / "snapshots" / repo.commit
    assert (snap / ONNX).read_bytes() == synthetic_files()[ONNX]


@pytest.fixture
def tiny_bert_repo(hub_env, fixtures_dir):
    folder = fixtures_dir / "tiny-bert"
    if not (folder / "config.json").is_file():
        pytest.skip("tiny test models not generated (tests/fixtures/models)")
    return hub_env.add_folder("fixtures/tiny-bert", folder, pipeline_tag="text-ranking")


@pytest.mark.parametrize("backend,file", [("onnx", "onnx/model_quantized.onnx"), ("ct2", "ct2-int8"),
                                          ("gguf", "gguf/model-q8_0.gguf")])
def test_score_pulls_repo_file_then_works_offline(tiny_bert_repo, hub_env, fixtures_dir, monkeypatch, capsys,
                                                  backend, file):
    args = ["--backend", backend, "--query", "what is a cat", "--doc", "a cat is an animal", "--doc",
            "stocks fell", "--json"]
    assert main(["score", "--model", str(fixtures_dir / "tiny-bert"), "--file", file, *args]) == 0
    local = json.loads(capsys.readouterr().out)["results"]
    assert main(["score", "--model", f"fixtures/tiny-bert:{file}", *args]) == 0
    pulled = json.loads(capsys.readouterr().out)["results"]
    assert pulled == local
    hub_env.stop()
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    assert main(["score", "--model", f"fixtures/tiny-bert:{file}", *args]) == 0
    assert json.loads(capsys.readouterr().out)["results"] == local
    assert main(["score", "--model", "fixtures/tiny-bert:onnx/model.onnx", *args[:1], "onnx", *args[2:]]) == 2
    assert "not in the cache" in capsys.readouterr().err
