"""Bad input gets a clear error or a documented result: never a traceback, never a hang."""

import shutil

import pytest

from app.backends import registry
from app.core.errors import BadInputError, ModelLoadError
from app.core.types import BackendConfig, ChunkOptions, ScoreOptions

BERT = "tiny-bert"


def _load(path, backend, file=None):
    return registry.load(BackendConfig(str(path), backend, file=file))


def test_missing_model(tmp_path):
    for backend in ("onnx", "gguf", "ct2"):
        with pytest.raises(ModelLoadError, match="Model not found"):
            _load(tmp_path / "nope", backend)


def test_truncated_onnx(fixtures_dir, tmp_path):
    model = tmp_path / "m"
    shutil.copytree(fixtures_dir / BERT, model, ignore=shutil.ignore_patterns("gguf", "ct2*"))
    onnx = model / "onnx" / "model.onnx"
    onnx.write_bytes(onnx.read_bytes()[: onnx.stat().st_size // 2])
    with pytest.raises(ModelLoadError, match="corrupt or incomplete"):
        _load(model, "onnx", "onnx/model.onnx")


def test_corrupt_and_truncated_gguf(fixtures_dir, tmp_path):
    bad = tmp_path / "bad.gguf"
    bad.write_bytes(b"GGUF" + b"\x07" * 200)
    with pytest.raises(ModelLoadError, match="not a valid GGUF|truncated"):
        _load(bad, "gguf")
    src = next((fixtures_dir / BERT / "gguf").glob("*.gguf"))
    cut = tmp_path / "cut.gguf"
    cut.write_bytes(src.read_bytes()[: src.stat().st_size - 4096])
    with pytest.raises(ModelLoadError, match="truncated|not a valid GGUF"):
        _load(cut, "gguf")


def test_truncated_ct2(fixtures_dir, tmp_path):
    folder = tmp_path / "ct2"
    shutil.copytree(fixtures_dir / BERT / "ct2", folder)
    (folder / "model.bin").write_bytes((folder / "model.bin").read_bytes()[:1000])
    with pytest.raises(ModelLoadError, match="could not load"):
        _load(folder, "ct2")
    shutil.copy(fixtures_dir / BERT / "ct2" / "model.bin", folder / "model.bin")
    (folder / "classifier_head.npz").unlink()
    with pytest.raises(ModelLoadError, match="classifier_head.npz"):
        _load(folder, "ct2")


def test_wrong_format_for_backend(fixtures_dir):
    gguf = next((fixtures_dir / BERT / "gguf").glob("*.gguf"))
    with pytest.raises(BadInputError, match="choose the 'gguf' backend"):
        _load(gguf, "onnx")
    with pytest.raises(BadInputError, match="not a GGUF"):
        _load(fixtures_dir / BERT / "onnx" / "model.onnx", "gguf")
    with pytest.raises(BadInputError, match="not a CT2"):
        _load(fixtures_dir / BERT / "onnx", "ct2")


@pytest.mark.parametrize("backend,file", [("onnx", "onnx/model.onnx"), ("ct2", "ct2"), ("gguf", None)])
def test_empty_query_and_no_documents(load_backend, backend, file):
    b = load_backend(BERT, backend, file or _first_gguf(load_backend))
    with pytest.raises(BadInputError, match="query is empty"):
        b.score("   ", ["doc"])
    with pytest.raises(BadInputError, match="no documents"):
        b.score("q", [])


def _first_gguf(_):
    return "gguf/model-f16.gguf"


@pytest.mark.parametrize("backend,file", [("onnx", "onnx/model.onnx"), ("ct2", "ct2"),
                                          ("gguf", "gguf/model-f16.gguf")])
def test_empty_document_is_scored_with_a_warning(load_backend, backend, file):
    run = load_backend(BERT, backend, file).score("query", ["a real document", "", "another one"])
    assert len(run.results) == 3
    assert "empty_documents" in {w.code for w in run.warnings}


@pytest.mark.parametrize("backend,file", [("onnx", "onnx/model.onnx"), ("ct2", "ct2"),
                                          ("gguf", "gguf/model-f16.gguf")])
def test_one_megabyte_document_is_truncated(load_backend, backend, file):
    big = ("lorem ipsum dolor sit amet " * 40000)[: 1024 * 1024]
    run = load_backend(BERT, backend, file).score("query", [big, "short"])
    assert run.results[0].truncated and not run.results[1].truncated
    assert run.results[0].token_count > 1000
    assert "truncated" in {w.code for w in run.warnings}


def test_ten_thousand_documents(load_backend):
    docs = [f"document number {i} about topic {i % 17}" for i in range(10_000)]
    seen = []
    run = load_backend(BERT, "onnx", "onnx/model.onnx").score("topic 3", docs, ScoreOptions(batch_size=256),
                                                              progress=lambda d, t: seen.append((d, t)))
    assert len(run.results) == 10_000 and seen[-1] == (10_000, 10_000)


def test_non_utf8_and_surrogates(load_backend):
    docs = ["caf\udce9 au lait", b"\xff\xfe bytes".decode("utf-8", "replace")]
    run = load_backend(BERT, "onnx", "onnx/model.onnx").score("caf\ud800", docs)
    assert len(run.results) == 2


def test_cancel_stops_between_batches(load_backend):
    from app.core.errors import CancelledError

    b = load_backend(BERT, "onnx", "onnx/model.onnx")
    calls = []

    def cancelled():
        calls.append(1)
        return len(calls) >= 2

    with pytest.raises(CancelledError):
        b.score("q", [f"doc {i}" for i in range(100)], ScoreOptions(batch_size=10), cancelled=cancelled)
    assert len(calls) == 2


def test_long_document_mode_reports_winning_chunk(load_backend):
    b = load_backend(BERT, "onnx", "onnx/model.onnx")
    long_doc = " ".join(f"word{i}" for i in range(400))
    run = b.score("word7", [long_doc, "short"], ScoreOptions(chunk=ChunkOptions(48, 8)))
    first = run.results[0]
    assert first.chunk_count > 3 and first.chunk_index is not None and not first.truncated
    assert run.results[1].chunk_count == 1
